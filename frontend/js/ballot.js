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

const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** Messages, each a paragraph, with links after the last one ([href, text] pairs). */
function showWithLinks(region, messages, links = []) {
  showAlert(region, messages);
  if (!links.length || !region.lastElementChild) return;
  const last = region.lastElementChild;
  links.forEach(([href, text], i) => last.append(i === 0 ? ' ' : ' or ', el('a', { href, text })));
  last.append('.');
}

// ---------------------------------------------------------------- the rules and the window

const STATE_TEXT = {
  off: 'This call has no public vote.',
  upcoming: 'Voting has not opened yet.',
  open: 'Voting is open now.',
  closed: 'Voting is closed. Thank you to everyone who voted.',
};

function renderWindow() {
  const zone = rules.timezone;
  let text = STATE_TEXT[rules.state] ?? '';
  if (rules.state === 'upcoming' && !rules.opens_at) text += ' The organisers have not set its dates yet.';
  byId('state-text').textContent = text;
  byId('state-text').dataset.state = rules.state;
  const facts = [];
  if (rules.state !== 'off') {
    const opened = rules.state !== 'upcoming';
    const closed = rules.state === 'closed';
    if (rules.opens_at) facts.push(el('dt', { text: opened ? 'Opened' : 'Opens' }), el('dd', {}, callTimeElement(rules.opens_at, zone)));
    if (rules.closes_at) facts.push(el('dt', { text: closed ? 'Closed' : 'Closes' }), el('dd', {}, callTimeElement(rules.closes_at, zone)));
  }
  byId('window-list').replaceChildren(...facts);
  byId('window-list').hidden = facts.length === 0;
}

function renderRules() {
  renderWindow();
  const items = [];
  if (rules.state !== 'off') {
    const n = rules.votes_per_voter;
    items.push(`Each person has ${plural(n, 'vote')}${rules.one_per_category ? ', at most one in each category' : ''}. You can vote for an entry only once.`);
    items.push('While voting is open you can take a vote back and use it again.');
    if (rules.require_verified) items.push('Only accounts with a verified e-mail address can vote.');
    if (!rules.allow_self_vote) items.push('You cannot vote for an entry you submitted or are on the team of.');
    items.push('Votes from a burst of new accounts on one network are held for the organisers to check before they count.');
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
    setText(left, `Each person has ${plural(n, 'vote')}.`);
    note.replaceChildren(rules.state === 'closed' ? '' : el('p', {},
      el('a', { href: loginUrl(), text: 'Log in to vote' }), ' or ',
      el('a', { href: '/register.html', text: 'create an account' }), '.'));
    return;
  }
  if (!mine) {
    setText(left, 'Your votes could not be loaded. Reload the page to see how many you have left.');
  } else if (rules.state === 'open') {
    setText(left, `You have ${mine.left} of ${plural(mine.votes_per_voter, 'vote')} left.`);
  } else if (rules.state === 'upcoming') {
    setText(left, `You will have ${plural(n, 'vote')} when voting opens.`);
  } else {
    setText(left, `Voting is closed. You used ${mine.used} of ${plural(mine.votes_per_voter, 'vote')}.`);
  }
  const notes = [];
  if (rules.require_verified && !user.email_verified && rules.state !== 'closed') {
    notes.push(el('p', { className: 'alert alert-note' },
      'Verify your e-mail address before you vote: open the link we sent you, or ask for a new one on ',
      el('a', { href: '/account.html', text: 'your account page' }), '.'));
  }
  if (mine?.votes.length) notes.push(el('p', {}, el('a', { href: '#mine-heading', text: 'See your votes' })));
  note.replaceChildren(...notes);
}

const VOTE_STATUS = {
  counted: 'counted',
  held: 'received, held for review',
  discarded: 'discarded on review',
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
    const title = vote.entry_title || 'Untitled entry';
    item.text.replaceChildren(el('strong', { text: title }),
      vote.entry_reference ? ` (${vote.entry_reference})` : '',
      `: ${VOTE_STATUS[vote.status] ?? vote.status}.`);
    item.button.replaceChildren('Retract my vote', el('span', { className: 'visually-hidden', text: ` for “${title}”` }));
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

const decimal = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });

function fileSize(bytes) {
  if (bytes < 1024) return plural(bytes, 'byte');
  if (bytes < 1024 * 1024) return `${decimal.format(bytes / 1024)} KB`;
  return `${decimal.format(bytes / (1024 * 1024))} MB`;
}

function fileKind(type) {
  const [main, sub = ''] = String(type).toLowerCase().split(';')[0].split('/');
  if (sub === 'pdf') return 'PDF';
  if (/word/.test(sub)) return 'Word document';
  if (/presentation|powerpoint/.test(sub)) return 'slides';
  if (/sheet|excel|csv/.test(sub)) return 'spreadsheet';
  if (main === 'image') return `${sub.replace('svg+xml', 'svg').replace('jpeg', 'jpg').toUpperCase()} image`;
  if (main === 'video') return 'video';
  if (main === 'audio') return 'audio';
  if (main === 'text') return 'text';
  return 'file';
}

const PREVIEWABLE = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

function fileList(entry) {
  const counts = new Map();
  for (const file of entry.files) counts.set(file.label, (counts.get(file.label) ?? 0) + 1);
  const seen = new Map();
  return el('ul', { className: 'entry-files' }, ...entry.files.map((file) => {
    const n = (seen.get(file.label) ?? 0) + 1;
    seen.set(file.label, n);
    const name = counts.get(file.label) > 1 ? `${file.label} ${n}` : file.label;
    const item = el('li', {},
      el('a', { href: file.url, download: '', text: `Download ${name}` }),
      el('span', { className: 'muted', text: ` (${fileKind(file.content_type)}, ${fileSize(file.size)})` }));
    if (PREVIEWABLE.has(file.content_type)) {
      const show = el('button', { type: 'button', className: 'link-button', 'aria-expanded': 'false', text: `Show the image here (${fileSize(file.size)})` });
      const slot = el('div', { className: 'file-preview' });
      show.addEventListener('click', () => {
        const open = show.getAttribute('aria-expanded') === 'true';
        show.setAttribute('aria-expanded', String(!open));
        show.textContent = open ? `Show the image here (${fileSize(file.size)})` : 'Hide the image';
        slot.replaceChildren(open ? '' : el('img', { src: file.url, alt: `${name} of “${entry.title || 'untitled entry'}”`, decoding: 'async' }));
      });
      item.append(el('br'), show, slot);
    }
    return item;
  }));
}

function entryCard(entry) {
  const titleId = `entry-${entry.id}-title`;
  const title = entry.title || 'Untitled entry';
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
  if (vote.status === 'held') return 'Your vote was received and is held for review: the organisers check votes from bursts of new accounts before they count.';
  if (vote.status === 'discarded') return 'Your vote for this entry was discarded on review, so it does not count.';
  return 'You voted for this entry.';
}

function renderVoteControls(parts) {
  const vote = voteFor(parts.entry.id);
  const title = parts.entry.title || 'Untitled entry';
  parts.button.hidden = rules.state !== 'open' || vote?.status === 'discarded';
  const label = vote ? 'Retract my vote' : 'Vote';
  if (parts.button.dataset.label !== label) {
    parts.button.dataset.label = label;
    parts.button.replaceChildren(label, el('span', { className: 'visually-hidden', text: ` for “${title}”` }));
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
    showAlert(region, ['Something went wrong on this page. Please reload it and try again.']);
    return;
  }
  if (error.status === 401) {
    showWithLinks(region, ['Your session has ended: log in again to vote.'], [[loginUrl(), 'Log in']]);
    user = null;
    mine = null;
    renderBar();
    renderMine();
    return;
  }
  if (error.code === 'not_verified') {
    showWithLinks(region, [error.message], [['/account.html', 'Get a new link on your account page']]);
    return;
  }
  if (error.code === 'no_votes_left') {
    showWithLinks(region, [error.message], [['#mine-heading', 'See your votes']]);
    return;
  }
  if (error.status === 429) {
    const wait = error.retryAfter;
    const says = /\d+\s*second/.test(error.message);
    showAlert(region, [says || !wait ? error.message : `${error.message} Try again in ${plural(wait, 'second')}.`]);
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
      showWithLinks(parts.alert, ['You need an account to vote.'], [[loginUrl(), 'Log in'], ['/register.html', 'create an account']]);
      return;
    }
    const vote = voteFor(parts.entry.id);
    parts.note = '';
    setText(parts.state, vote ? 'Taking your vote back…' : 'Sending your vote…');
    try {
      if (vote) {
        await del(`/votes/${enc(vote.id)}`);
        mine.votes = mine.votes.filter((v) => v.id !== vote.id);
        parts.note = 'You took your vote back.';
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
    const title = vote.entry_title || 'Untitled entry';
    mine.votes = mine.votes.filter((v) => v.id !== vote.id);
    const parts = cards.get(vote.entry_id);
    if (parts) parts.note = 'You took your vote back.';
    byId('mine-heading').focus();
    setText(byId('mine-status'), `You took back your vote for “${title}”.`);
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
    empty.textContent = filtered ? 'No entries match your search.' : 'No entries are on the ballot yet.';
    empty.hidden = false;
    return;
  }
  byId('ballot-empty').hidden = true;
  const what = filtered ? `${plural(total, 'entry', 'entries')} ${total === 1 ? 'matches' : 'match'}` : `${plural(total, 'entry', 'entries')} on the ballot`;
  setText(listStatus, shown < total ? `${what}; showing ${shown}.` : `${what}.`);
}

async function loadPage(offset) {
  const serial = ++loadSerial;
  const query = filters();
  const filtered = !isEmpty(query);
  query.set('offset', String(offset));
  query.set('limit', String(PAGE_SIZE));
  showAlert(listAlert, []);
  setText(listStatus, 'Loading entries…');
  more.setAttribute('aria-disabled', 'true');
  let page;
  try {
    page = await get(`${base}/ballot?${query}`);
  } catch (error) {
    if (serial !== loadSerial) return [];
    setText(listStatus, '');
    showAlert(listAlert, [`The entries could not be loaded. ${error.message}`]);
    const retry = el('button', { type: 'button', className: 'button button-secondary button-small', text: 'Try again' });
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
  byId('page-loading').textContent = 'Loading the ballot…';
  try {
    [challenge, rules] = await Promise.all([get(base), get(`${base}/voting`)]);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      fail(['There is no published call at this address.'], [['/challenges.html', 'See the open calls']]);
    } else {
      fail([`The ballot could not be loaded. ${error.message}`]);
      byId('page-retry').hidden = false;
    }
    return;
  }
  try {
    user = await currentUser;
  } catch {
    user = null; // nav.js has said the server could not be reached
  }
  document.title = `Public vote · ${challenge.title} · OpenCall`;
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
  fail(['This address does not say which call’s ballot to open.'], [['/challenges.html', 'See the open calls']]);
} else {
  byId('page-retry').querySelector('button').addEventListener('click', load);
  load();
}
