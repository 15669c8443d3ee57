// The public ballot (?slug=): the entries on the ballot with their public fields only, search
// and a category filter, "Show more" paging, and on each entry a Vote / "Retract my vote"
// button. The voter's votes left stay in view. Made for cheap phones on slow connections:
// a dozen entries at a time, and no image is fetched until the voter asks for it.
import { get, post, del, ApiError, showAlert, serverNow } from './api.js';
import { currentUser, loginUrl } from './nav.js';
import { callTimeElement, parseUtc } from './dates.js';
import { languageName } from './call-info.js';
import { answerValue, licenceLine } from './public-entry.js';
import { el } from './organiser-nav.js';
import { formatNumber, t, tParts, useCatalogues } from './i18n.js';

await useCatalogues('ballot');

const PAGE_SIZE = 12;
const byId = (id) => document.getElementById(id);
const enc = encodeURIComponent;
const slug = new URLSearchParams(location.search).get('slug');
const base = `/challenges/${enc(slug ?? '')}`;

let challenge = null;
let rules = null;
let user = null;
let mine = null; // MyVotes, or null when logged out or not loaded
let nextOffset = null;
let loadSerial = 0;
let stateTimer = null;
const cards = new Map(); // entry id -> {entry, card, button, state, alert, busy, note}
const mineItems = new Map(); // vote id -> {li, text, button, alert, busy}

const list = byId('ballot-list');
const more = byId('more');
const searchForm = byId('search-form');
const listStatus = byId('list-status');
const listAlert = byId('list-alert');

/** Sets a live region's text only when it changes, so nothing is announced twice. */
function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

/** Messages, each a paragraph, with links after the last one ([href, text] pairs). */
function showWithLinks(region, messages, links = []) {
  showAlert(region, messages);
  if (!links.length || !region.lastElementChild) return;
  const [first, second] = links.map(([href, text]) => el('a', { href, text }));
  region.lastElementChild.append(' ', ...(second ? tParts('ballot.two_links', { first, second }) : tParts('ballot.one_link', { first })));
}

// ---------------------------------------------------------------- the rules and the window

const STATE_TEXT = {
  off: t('ballot.state.off'),
  upcoming: t('ballot.state.upcoming'),
  open: t('ballot.state.open'),
  closed: t('ballot.state.closed'),
};

function renderWindow() {
  const zone = rules.timezone;
  let text = STATE_TEXT[rules.state] ?? '';
  if (rules.state === 'upcoming' && !rules.opens_at) text = t('ballot.state.upcoming_undated');
  byId('state-text').textContent = text;
  byId('state-text').dataset.state = rules.state;
  const facts = [];
  if (rules.state !== 'off') {
    const opened = rules.state !== 'upcoming';
    const closed = rules.state === 'closed';
    if (rules.opens_at) facts.push(el('dt', { text: opened ? t('ballot.opened') : t('ballot.opens') }), el('dd', {}, callTimeElement(rules.opens_at, zone)));
    if (rules.closes_at) facts.push(el('dt', { text: closed ? t('ballot.closed') : t('ballot.closes') }), el('dd', {}, callTimeElement(rules.closes_at, zone)));
  }
  byId('window-list').replaceChildren(...facts);
  byId('window-list').hidden = facts.length === 0;
}

function renderRules() {
  renderWindow();
  const items = [];
  if (rules.state !== 'off') {
    const n = rules.votes_per_voter;
    items.push(t(rules.one_per_category ? 'ballot.rules.each_category' : 'ballot.rules.each', { count: n }));
    items.push(t('ballot.rules.take_back'));
    if (rules.require_verified) items.push(t('ballot.rules.verified'));
    if (!rules.allow_self_vote) items.push(t('ballot.rules.no_self_vote'));
    items.push(t('ballot.rules.bursts'));
  }
  byId('rules-list').replaceChildren(...items.map((text) => el('li', { text })));
  byId('rules-list').hidden = items.length === 0;
}

/** Asks the server again when the window opens or closes while the page is open. */
function scheduleStateCheck() {
  clearTimeout(stateTimer);
  const next = { upcoming: rules.opens_at, open: rules.closes_at }[rules.state];
  if (!next) return;
  const wait = parseUtc(next).getTime() - serverNow() + 1000;
  if (wait > 0 && wait < 24 * 3600 * 1000) stateTimer = setTimeout(reloadRules, wait);
}

async function reloadRules() {
  try {
    rules = await get(`${base}/voting`);
  } catch {
    return; // the page keeps what it shows; the next vote says what changed
  }
  renderRules();
  scheduleStateCheck();
  if (user) await refreshMine();
  else renderBar();
  for (const parts of cards.values()) renderVoteControls(parts);
}

// ---------------------------------------------------------------- the voter's summary

function renderBar() {
  const bar = byId('voter-bar');
  const left = byId('votes-left');
  const note = byId('voter-note');
  bar.hidden = rules.state === 'off';
  // Only a voter's own count changes as they go, so only then does it stay in view.
  bar.classList.toggle('voter-bar-sticky', Boolean(user));
  const n = rules.votes_per_voter;
  if (!user) {
    setText(left, t('ballot.bar.each', { count: n }));
    note.replaceChildren(rules.state === 'closed' ? '' : el('p', {}, ...tParts('ballot.bar.log_in_or_register', {
      login: el('a', { href: loginUrl(), text: t('ballot.bar.log_in_to_vote') }),
      register: el('a', { href: '/register.html', text: t('ballot.bar.create_account') }),
    })));
    return;
  }
  if (!mine) {
    setText(left, t('ballot.bar.unknown'));
  } else if (rules.state === 'open') {
    setText(left, t('ballot.bar.left', { left: mine.left, count: mine.votes_per_voter }));
  } else if (rules.state === 'upcoming') {
    setText(left, t('ballot.bar.upcoming', { count: n }));
  } else {
    setText(left, t('ballot.bar.used', { used: mine.used, count: mine.votes_per_voter }));
  }
  const notes = [];
  if (rules.require_verified && !user.email_verified && rules.state !== 'closed') {
    notes.push(el('p', { className: 'alert alert-note' },
      ...tParts('ballot.bar.verify', { link: el('a', { href: '/account.html', text: t('ballot.bar.account_page') }) })));
  }
  if (mine?.votes.length) notes.push(el('p', {}, el('a', { href: '#mine-heading', text: t('ballot.see_your_votes') })));
  note.replaceChildren(...notes);
}

const VOTE_STATUS = {
  counted: t('ballot.vote_status.counted'),
  held: t('ballot.vote_status.held'),
  discarded: t('ballot.vote_status.discarded'),
};

function voteFor(entryId) {
  return mine?.votes.find((vote) => vote.entry_id === entryId) ?? null;
}

function mineItem(vote) {
  const text = el('p', { className: 'mine-text' });
  const button = el('button', { type: 'button', className: 'button button-secondary button-small' });
  const alert = el('div', { className: 'alert alert-error', role: 'alert' });
  const li = el('li', { 'data-vote-id': vote.id }, text, button, alert);
  const item = { li, text, button, alert, busy: false, vote };
  button.addEventListener('click', () => retractFromList(item));
  return item;
}

function renderMine() {
  const section = byId('mine-section');
  section.hidden = !user || !mine || rules.state === 'off';
  if (section.hidden) return;
  const listNode = byId('mine-list');
  const present = new Set(mine.votes.map((vote) => vote.id));
  for (const [id, item] of mineItems) {
    if (!present.has(id)) {
      item.li.remove();
      mineItems.delete(id);
    }
  }
  for (const vote of mine.votes) {
    let item = mineItems.get(vote.id);
    if (!item) {
      item = mineItem(vote);
      mineItems.set(vote.id, item);
      listNode.append(item.li);
    }
    item.vote = vote;
    const title = vote.entry_title || t('ballot.untitled');
    const line = {
      title: el('strong', { text: title }),
      reference: vote.entry_reference,
      status: VOTE_STATUS[vote.status] ?? vote.status,
    };
    item.text.replaceChildren(...tParts(vote.entry_reference ? 'ballot.mine.line_reference' : 'ballot.mine.line', line));
    item.button.replaceChildren(t('ballot.retract'), ' ', el('span', { className: 'visually-hidden', text: t('ballot.for_title', { title }) }));
    item.button.hidden = rules.state !== 'open' || vote.status === 'discarded';
  }
  byId('mine-empty').hidden = mine.votes.length > 0;
}

/** Reads the voter's votes again (the server's count is the truth) and updates the page. */
async function refreshMine() {
  if (!user) return;
  try {
    mine = await get(`${base}/votes/mine`);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      user = null; // the session ended: the page now offers to log in
      mine = null;
    }
  }
  renderBar();
  renderMine();
  for (const parts of cards.values()) renderVoteControls(parts);
  if (mine && mine.state !== rules.state) reloadRules();
}

// ---------------------------------------------------------------- one entry

const decimal = { maximumFractionDigits: 1 };

function fileSize(bytes) {
  if (bytes < 1024) return t('ballot.bytes', { count: bytes });
  if (bytes < 1024 * 1024) return t('ballot.kilobytes', { size: formatNumber(bytes / 1024, decimal) });
  return t('ballot.megabytes', { size: formatNumber(bytes / (1024 * 1024), decimal) });
}

function fileKind(type) {
  const [main, sub = ''] = String(type).toLowerCase().split(';')[0].split('/');
  if (sub === 'pdf') return t('ballot.kind.pdf');
  if (/word/.test(sub)) return t('ballot.kind.word');
  if (/presentation|powerpoint/.test(sub)) return t('ballot.kind.slides');
  if (/sheet|excel|csv/.test(sub)) return t('ballot.kind.spreadsheet');
  if (main === 'image') return t('ballot.kind.image', { format: sub.replace('svg+xml', 'svg').replace('jpeg', 'jpg').toUpperCase() });
  if (main === 'video') return t('ballot.kind.video');
  if (main === 'audio') return t('ballot.kind.audio');
  if (main === 'text') return t('ballot.kind.text');
  return t('ballot.kind.file');
}

const PREVIEWABLE = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

function fileList(entry) {
  const counts = new Map();
  for (const file of entry.files) counts.set(file.label, (counts.get(file.label) ?? 0) + 1);
  const seen = new Map();
  return el('ul', { className: 'entry-files' }, ...entry.files.map((file) => {
    const n = (seen.get(file.label) ?? 0) + 1;
    seen.set(file.label, n);
    const name = counts.get(file.label) > 1 ? t('ballot.file_name', { label: file.label, n }) : file.label;
    const item = el('li', {},
      el('a', { href: file.url, download: '', text: t('ballot.download', { name }) }),
      ' ',
      el('span', { className: 'muted', text: t('ballot.file_details', { kind: fileKind(file.content_type), size: fileSize(file.size) }) }));
    if (PREVIEWABLE.has(file.content_type)) {
      const show = el('button', { type: 'button', className: 'link-button', 'aria-expanded': 'false', text: t('ballot.show_image', { size: fileSize(file.size) }) });
      const slot = el('div', { className: 'file-preview' });
      show.addEventListener('click', () => {
        const open = show.getAttribute('aria-expanded') === 'true';
        show.setAttribute('aria-expanded', String(!open));
        show.textContent = open ? t('ballot.show_image', { size: fileSize(file.size) }) : t('ballot.hide_image');
        slot.replaceChildren(open ? '' : el('img', { src: file.url, alt: t('ballot.image_alt', { name, title: entry.title || t('ballot.image_alt_untitled') }), decoding: 'async' }));
      });
      item.append(el('br'), show, slot);
    }
    return item;
  }));
}

function entryCard(entry) {
  const titleId = `entry-${entry.id}-title`;
  const title = entry.title || t('ballot.untitled');
  const meta = [entry.reference, entry.category, entry.language ? languageName(entry.language) : null].filter(Boolean);
  const answers = el('dl', { className: 'entry-answers' });
  for (const answer of entry.answers) {
    const value = answerValue(answer);
    if (value !== null) answers.append(el('dt', { text: answer.label }), el('dd', {}, value));
  }
  const button = el('button', { type: 'button', className: 'button vote-button' });
  const state = el('p', { className: 'vote-state', role: 'status' });
  const alert = el('div', { className: 'alert alert-error entry-alert', role: 'alert' });
  const card = el('li', { className: 'ballot-entry', 'data-entry-id': entry.id, 'data-testid': 'ballot-entry' },
    el('article', { 'aria-labelledby': titleId },
      el('h3', { id: titleId, tabindex: '-1', text: title }),
      meta.length ? el('p', { className: 'entry-meta', text: meta.join(' · ') }) : null,
      entry.summary ? el('p', { className: 'pre-line', text: entry.summary }) : null,
      answers.children.length ? answers : null,
      entry.files.length ? fileList(entry) : null,
      licenceLine(entry.licence),
      el('div', { className: 'vote-row' }, button, state),
      alert));
  const parts = { entry, card, button, state, alert, busy: false, note: '' };
  button.addEventListener('click', () => voteOrRetract(parts));
  cards.set(entry.id, parts);
  renderVoteControls(parts);
  return card;
}

function statusText(vote) {
  if (vote.status === 'held') return t('ballot.status.held');
  if (vote.status === 'discarded') return t('ballot.status.discarded');
  return t('ballot.status.voted');
}

function renderVoteControls(parts) {
  const vote = voteFor(parts.entry.id);
  const title = parts.entry.title || t('ballot.untitled');
  parts.button.hidden = rules.state !== 'open' || vote?.status === 'discarded';
  const label = vote ? t('ballot.retract') : t('ballot.vote');
  if (parts.button.dataset.label !== label) {
    parts.button.dataset.label = label;
    parts.button.replaceChildren(label, ' ', el('span', { className: 'visually-hidden', text: t('ballot.for_title', { title }) }));
    parts.button.classList.toggle('button-secondary', Boolean(vote));
  }
  parts.card.classList.toggle('voted', Boolean(vote));
  setText(parts.state, vote ? statusText(vote) : parts.note);
}

// ---------------------------------------------------------------- voting and retracting

/** Shows a refused vote or retraction next to where it was asked for, with what to do. */
function showVoteError(region, error) {
  if (!(error instanceof ApiError)) {
    console.error(error);
    showAlert(region, [t('common.error.client')]);
    return;
  }
  if (error.status === 401) {
    showWithLinks(region, [t('ballot.session_ended')], [[loginUrl(), t('ballot.log_in')]]);
    user = null;
    mine = null;
    renderBar();
    renderMine();
    return;
  }
  if (error.code === 'not_verified') {
    showWithLinks(region, [error.message], [['/account.html', t('ballot.new_link')]]);
    return;
  }
  if (error.code === 'no_votes_left') {
    showWithLinks(region, [error.message], [['#mine-heading', t('ballot.see_your_votes')]]);
    return;
  }
  if (error.status === 429) {
    const wait = error.retryAfter;
    const says = /\d+\s*second/.test(error.message);
    showAlert(region, [says || !wait ? error.message : t('ballot.try_again_in', { message: error.message, count: wait })]);
    return;
  }
  showAlert(region, error.problems.map((p) => p.message));
  if (String(error.code).startsWith('voting_')) reloadRules();
  else if (['already_voted', 'category_voted'].includes(error.code) || error.status === 404) refreshMine();
}

/** One vote or retraction at a time per button; the button keeps its focus throughout. */
async function busyWhile(slot, action) {
  if (slot.busy) return;
  slot.busy = true;
  slot.button.setAttribute('aria-disabled', 'true');
  showAlert(slot.alert, []);
  try {
    await action();
  } catch (error) {
    showVoteError(slot.alert, error);
  } finally {
    slot.busy = false;
    slot.button.removeAttribute('aria-disabled');
  }
}

function voteOrRetract(parts) {
  return busyWhile(parts, async () => {
    if (!user) {
      showWithLinks(parts.alert, [t('ballot.need_account')], [[loginUrl(), t('ballot.log_in')], ['/register.html', t('ballot.bar.create_account')]]);
      return;
    }
    const vote = voteFor(parts.entry.id);
    parts.note = '';
    setText(parts.state, vote ? t('ballot.taking_back') : t('ballot.sending'));
    try {
      if (vote) {
        await del(`/votes/${enc(vote.id)}`);
        mine.votes = mine.votes.filter((v) => v.id !== vote.id);
        parts.note = t('ballot.took_back');
      } else {
        const made = await post(`${base}/votes`, { entry_id: parts.entry.id });
        mine?.votes.push(made);
      }
    } finally {
      renderVoteControls(parts);
    }
    await refreshMine();
  });
}

function retractFromList(item) {
  return busyWhile(item, async () => {
    const { vote } = item;
    await del(`/votes/${enc(vote.id)}`);
    const title = vote.entry_title || t('ballot.untitled');
    mine.votes = mine.votes.filter((v) => v.id !== vote.id);
    const parts = cards.get(vote.entry_id);
    if (parts) parts.note = t('ballot.took_back');
    byId('mine-heading').focus();
    setText(byId('mine-status'), t('ballot.took_back_for', { title }));
    await refreshMine();
  });
}

// ---------------------------------------------------------------- the list

function filters() {
  const query = new URLSearchParams();
  const q = searchForm.elements.q.value.trim();
  const category = searchForm.elements.category.value;
  if (q) query.set('q', q);
  if (category) query.set('category', category);
  return query;
}

const isEmpty = (query) => query.toString() === '';

function showCount(total, filtered) {
  const shown = cards.size;
  if (total === 0) {
    setText(listStatus, '');
    const empty = byId('ballot-empty');
    empty.textContent = filtered ? t('ballot.no_match') : t('ballot.none');
    empty.hidden = false;
    return;
  }
  byId('ballot-empty').hidden = true;
  const what = t(filtered ? 'ballot.matches' : 'ballot.on_ballot', { count: total });
  setText(listStatus, shown < total ? t('ballot.showing', { what, shown }) : t('ballot.all_shown', { what }));
}

async function loadPage(offset) {
  const serial = ++loadSerial;
  const query = filters();
  const filtered = !isEmpty(query);
  query.set('offset', String(offset));
  query.set('limit', String(PAGE_SIZE));
  showAlert(listAlert, []);
  setText(listStatus, t('ballot.loading_entries'));
  more.setAttribute('aria-disabled', 'true');
  let page;
  try {
    page = await get(`${base}/ballot?${query}`);
  } catch (error) {
    if (serial !== loadSerial) return [];
    setText(listStatus, '');
    showAlert(listAlert, [t('ballot.entries_failed', { message: error.message })]);
    const retry = el('button', { type: 'button', className: 'button button-secondary button-small', text: t('common.try_again') });
    retry.addEventListener('click', () => loadPage(offset));
    listAlert.lastElementChild.append(' ', retry);
    return [];
  } finally {
    if (serial === loadSerial) more.removeAttribute('aria-disabled');
  }
  if (serial !== loadSerial) return [];
  if (offset === 0) {
    cards.clear();
    list.replaceChildren();
  }
  const added = page.items.filter((entry) => !cards.has(entry.id)).map(entryCard);
  list.append(...added);
  nextOffset = page.next_offset ?? null;
  more.hidden = nextOffset === null;
  showCount(page.total, filtered);
  return added;
}

more.addEventListener('click', async () => {
  if (more.getAttribute('aria-disabled') === 'true' || nextOffset === null) return;
  const added = await loadPage(nextOffset);
  // Keyboard and screen-reader users carry on at the first new entry.
  added[0]?.querySelector('h3')?.focus();
  if (!added.length && more.hidden) byId('entries-heading').focus();
});

searchForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  const query = filters();
  byId('search-clear').hidden = isEmpty(query);
  const address = new URLSearchParams({ slug });
  for (const [name, value] of query) address.set(name, value);
  history.replaceState(null, '', `${location.pathname}?${address}`);
  await loadPage(0);
});

byId('search-clear').addEventListener('click', () => {
  searchForm.reset();
  searchForm.requestSubmit();
  searchForm.elements.q.focus();
});

// ---------------------------------------------------------------- start

function fail(messages, links = []) {
  byId('page-loading').textContent = '';
  showWithLinks(byId('page-alert'), messages, links);
}

async function load() {
  byId('page-retry').hidden = true;
  showAlert(byId('page-alert'), []);
  byId('page-loading').textContent = t('ballot.loading');
  try {
    [challenge, rules] = await Promise.all([get(base), get(`${base}/voting`)]);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      fail([t('ballot.no_call')], [['/challenges.html', t('ballot.see_open_calls')]]);
    } else {
      fail([t('ballot.load_failed', { message: error.message })]);
      byId('page-retry').hidden = false;
    }
    return;
  }
  try {
    user = await currentUser;
  } catch {
    user = null; // nav.js has said the server could not be reached
  }
  document.title = t('ballot.title', { title: challenge.title });
  byId('call-name').textContent = challenge.title;
  const back = byId('call-link');
  back.href = `/challenge.html?slug=${enc(challenge.slug)}`;
  back.textContent = challenge.title;
  const categories = challenge.categories ?? [];
  byId('category').append(...categories.map((name) => el('option', { value: name, text: name })));
  byId('category-field').hidden = categories.length === 0;
  const params = new URLSearchParams(location.search);
  searchForm.elements.q.value = params.get('q') ?? '';
  if (categories.includes(params.get('category'))) searchForm.elements.category.value = params.get('category');
  byId('search-clear').hidden = isEmpty(filters());

  if (user && rules.state !== 'off') {
    try {
      mine = await get(`${base}/votes/mine`);
    } catch {
      mine = null; // the bar says so
    }
  }
  renderRules();
  renderBar();
  renderMine();
  scheduleStateCheck();
  byId('page-loading').remove();
  byId('page-retry').remove();
  byId('page-body').hidden = false;
  byId('entries-section').hidden = !rules.enabled;
  if (rules.enabled) await loadPage(0);
}

if (!slug) {
  fail([t('ballot.no_slug')], [['/challenges.html', t('ballot.see_open_calls')]]);
} else {
  byId('page-retry').querySelector('button').addEventListener('click', load);
  load();
}
