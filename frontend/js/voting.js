// The organisers' public vote (?slug=): the window and its state, the voting rules, the votes
// per entry (counted, held and discarded apart), and the review of held votes by network.
import { get, patch, post, showAlert, ApiError } from './api.js';
import { callTimeElement, formatDateTime } from './dates.js';
import { showStatus, invalid } from './form.js';
import {
  byId, el, startPage, showBody, submitWith, goToLogin, isAuthError, badge, focusFirstAdded,
} from './organiser-nav.js';
import { formatList, formatNumber, t, tParts, useCatalogues } from './i18n.js';

await useCatalogues('voting');

const enc = encodeURIComponent;
let slug;
let base;
let challenge;
let rules;
let rounds = [];

const STATE = {
  off: [t('voting.state.off'), 'quiet'],
  upcoming: [t('voting.state.upcoming'), 'upcoming'],
  open: [t('voting.state.open'), 'open'],
  closed: [t('voting.state.closed'), 'closed'],
};
const CHECKS = ['enabled', 'one_per_category', 'require_verified', 'allow_self_vote'];
/** The number fields and their bounds, as the API declares them. */
const NUMBERS = {
  votes_per_voter: [1, 100],
  new_account_hours: [0, 24 * 90],
  burst_accounts: [2, 10_000],
  burst_minutes: [1, 24 * 60],
  per_account_per_minute: [1, 10_000],
  per_address_per_minute: [1, 100_000],
};

const rulesForm = byId('rules-form');
const reviewForm = byId('review-form');

// ---------------------------------------------------------------- the window

function stateExplanation() {
  const zone = rules.timezone;
  switch (rules.state) {
    case 'off':
      return rules.opens_at ? t('voting.window.off') : t('voting.window.off_undated');
    case 'upcoming':
      return rules.opens_at
        ? el('span', {}, ...tParts('voting.window.opens_by_itself', { time: callTimeElement(rules.opens_at, zone) }))
        : t('voting.window.upcoming_undated');
    case 'open':
      return t('voting.window.open');
    default:
      return t('voting.window.ended');
  }
}

function renderWindow() {
  const [label, kind] = STATE[rules.state] ?? [rules.state, 'quiet'];
  byId('window-state').replaceChildren(...tParts('voting.window.state', { state: badge(label, kind), explanation: stateExplanation() }));
  const facts = byId('window-facts');
  const zone = rules.timezone;
  facts.replaceChildren(
    el('dt', { text: t('voting.window.opens') }),
    el('dd', {}, rules.opens_at ? callTimeElement(rules.opens_at, zone) : t('voting.window.not_set')),
    el('dt', { text: t('voting.window.closes') }),
    el('dd', {}, rules.closes_at ? callTimeElement(rules.closes_at, zone) : t('voting.window.no_close')),
    el('dt', { text: t('voting.window.zone') }),
    el('dd', { text: zone }),
  );
}

// ---------------------------------------------------------------- the rules

function roundLabel(round) {
  const key = round.advanced_at ? 'voting.rules.round_label' : 'voting.rules.round_label_not_advanced';
  return t(key, { position: round.position, name: round.name });
}

function fillRoundPicker() {
  const select = byId('ballot_round_id');
  if (rounds.length) {
    select.replaceChildren(el('option', { value: '', text: t('voting.rules.choose_round') }),
      ...rounds.map((round) => el('option', { value: round.id, text: roundLabel(round) })));
    byId('ballot_round_id-hint').textContent = t('voting.rules.round_hint');
  } else {
    select.replaceChildren(el('option', { value: '', text: t('voting.rules.no_rounds') }));
    byId('ballot_round_id-hint').textContent = t('voting.rules.no_rounds_hint');
  }
}

function showRoundPicker() {
  byId('round-pick').hidden = rulesForm.elements.ballot.value !== 'advanced';
}

function fillForm() {
  for (const name of CHECKS) rulesForm.elements[name].checked = Boolean(rules[name]);
  rulesForm.elements.ballot.value = rules.ballot;
  byId('ballot_round_id').value = rules.ballot_round_id ? String(rules.ballot_round_id) : '';
  showRoundPicker();
  for (const name of Object.keys(NUMBERS)) rulesForm.elements[name].value = String(rules[name]);
  const categories = challenge.categories ?? [];
  byId('one_per_category-hint').textContent = categories.length
    ? t('voting.rules.categories', { categories: formatList(categories) })
    : t('voting.rules.no_categories');
  const started = rules.enabled && (rules.state === 'open' || rules.state === 'closed');
  byId('fixed-note').textContent = started
    ? t('voting.rules.fixed')
    : '';
}

for (const radio of rulesForm.querySelectorAll('input[name="ballot"]')) radio.addEventListener('change', showRoundPicker);

function savedMessage() {
  const says = {
    off: t('voting.saved.off'),
    upcoming: rules.opens_at ? t('voting.saved.upcoming', { time: formatDateTime(rules.opens_at) }) : t('voting.saved.upcoming_undated'),
    open: t('voting.saved.open'),
    closed: t('voting.window.ended'),
  };
  return t('voting.saved', { state: says[rules.state] ?? '' }).trim();
}

submitWith(rulesForm, async () => {
  const body = {};
  for (const name of CHECKS) body[name] = rulesForm.elements[name].checked;
  const ballot = rulesForm.elements.ballot.value;
  if (!ballot) throw invalid('ballot-set', t('voting.rules.choose_ballot'));
  body.ballot = ballot;
  if (ballot === 'advanced') {
    const id = Number(byId('ballot_round_id').value);
    if (!id) throw invalid('ballot_round_id', t('voting.rules.choose_ballot_round'));
    body.ballot_round_id = id;
  }
  const problems = [];
  for (const [name, [min, max]] of Object.entries(NUMBERS)) {
    const text = rulesForm.elements[name].value.trim();
    const n = Number(text);
    if (!text || !Number.isInteger(n) || n < min || n > max) {
      problems.push({ field: name, message: t('voting.rules.whole_number', { min, max }) });
    } else {
      body[name] = n;
    }
  }
  if (problems.length) throw new ApiError({ code: 'invalid', message: problems[0].message, field: problems[0].field, details: problems });
  rules = await patch(`${base}/voting`, body);
  fillForm();
  renderWindow();
  showStatus(rulesForm, savedMessage());
}, (path) => (path === 'ballot' ? 'ballot-set' : path));

// ---------------------------------------------------------------- counts

function countItem(number, label) {
  return el('li', { className: 'count' },
    el('span', { className: 'count-number', text: formatNumber(number) }), el('span', { className: 'count-label', text: label }));
}

function numberCell(value) {
  return el('td', { className: 'number', text: formatNumber(value) });
}

function tallyRow(entry) {
  return el('tr', { 'data-entry-id': entry.entry_id },
    el('th', { scope: 'row', text: entry.reference ?? t('voting.entry', { id: entry.entry_id }) }),
    el('td', { className: 'title', text: entry.title || t('voting.untitled') }),
    el('td', { text: entry.category ?? '—' }),
    numberCell(entry.counted), numberCell(entry.held), numberCell(entry.discarded));
}

function renderTotals(counts) {
  byId('count-totals').replaceChildren(
    countItem(counts.counted, t('voting.counts.counted')),
    countItem(counts.held, t('voting.counts.held_for_review')),
    countItem(counts.discarded, t('voting.counts.discarded')),
    countItem(counts.voters, t('voting.counts.voters', { count: counts.voters })));
  byId('tally-foot').replaceChildren(el('tr', {},
    el('th', { scope: 'row', colspan: '3', text: t('voting.counts.all_entries') }),
    numberCell(counts.counted), numberCell(counts.held), numberCell(counts.discarded)));
}

// The votes per entry come a page at a time (a call can have 100,000 entries); the totals
// above and below the table are the whole call's.
let tallyCursor = null;
const tallyMore = byId('tally-more');

function renderTallyPage(page, again) {
  const added = page.items.map(tallyRow);
  if (again) byId('tally-rows').append(...added);
  else byId('tally-rows').replaceChildren(...added);
  tallyCursor = page.next_cursor ?? null;
  tallyMore.hidden = !tallyCursor;
  const shown = byId('tally-rows').children.length;
  byId('tally-wrap').hidden = shown === 0;
  byId('tally-hint').hidden = shown === 0;
  byId('counts-empty').hidden = shown > 0;
  return added;
}

async function loadCounts() {
  showAlert(byId('counts-alert'), []);
  try {
    const [counts, page] = await Promise.all([
      get(`${base}/votes/counts`), get(`${base}/votes/counts/entries?limit=100`)]);
    renderTotals(counts);
    renderTallyPage(page, false);
  } catch (error) {
    if (isAuthError(error)) return goToLogin();
    showAlert(byId('counts-alert'), [t('voting.counts.failed', { message: error.message })]);
  }
  return undefined;
}

tallyMore.addEventListener('click', async () => {
  if (!tallyCursor) return;
  tallyMore.disabled = true;
  showAlert(byId('counts-alert'), []);
  try {
    const query = new URLSearchParams({ limit: '100', cursor: tallyCursor });
    const added = renderTallyPage(await get(`${base}/votes/counts/entries?${query}`), true);
    focusFirstAdded(added);
  } catch (error) {
    if (isAuthError(error)) return goToLogin();
    showAlert(byId('counts-alert'), [t('voting.counts.failed', { message: error.message })]);
  } finally {
    tallyMore.disabled = false;
  }
  return undefined;
});

byId('counts-refresh').addEventListener('click', async (event) => {
  const button = event.currentTarget;
  if (button.getAttribute('aria-disabled') === 'true') return;
  button.setAttribute('aria-disabled', 'true');
  await loadCounts();
  button.removeAttribute('aria-disabled');
});

// ---------------------------------------------------------------- held votes

function showSelected() {
  const n = reviewForm.querySelectorAll('input[name="vote"]:checked').length;
  byId('held-selected').textContent = n ? t('voting.held.selected', { count: n }) : t('voting.held.none_selected');
}

function heldGroup(network, votes, index) {
  const boxes = [];
  const all = el('input', { type: 'checkbox', id: `held-${index}-all` });
  const reasons = [...new Set(votes.map((vote) => vote.hold_reason).filter(Boolean))];
  const rows = votes.map((vote) => {
    const id = `held-vote-${vote.id}`;
    const box = el('input', { type: 'checkbox', id, name: 'vote', value: vote.id, 'aria-describedby': `${id}-hint` });
    boxes.push(box);
    return el('div', { className: 'check held-vote', 'data-testid': 'held-vote' },
      box,
      el('label', { for: id, text: vote.entry_reference
        ? t('voting.held.voted_for', { voter: vote.voter_name, entry: vote.entry_reference })
        : t('voting.held.voted_for_id', { voter: vote.voter_name, id: vote.entry_id }) }),
      el('p', { className: 'hint', id: `${id}-hint`, text: t('voting.held.when', { made: formatDateTime(vote.voter_created_at), voted: formatDateTime(vote.created_at) }) }));
  });
  const sync = () => {
    const ticked = boxes.filter((box) => box.checked).length;
    all.checked = ticked === boxes.length;
    all.indeterminate = ticked > 0 && ticked < boxes.length;
    showSelected();
  };
  all.addEventListener('change', () => {
    for (const box of boxes) box.checked = all.checked;
    sync();
  });
  for (const box of boxes) box.addEventListener('change', sync);
  return el('fieldset', { className: 'group held-group', 'data-testid': 'held-group' },
    el('legend', { text: t('voting.held.network', { network, count: votes.length }) }),
    reasons.length ? el('p', { className: 'hint', text: t('voting.held.why', { reasons: reasons.join('; ') }) }) : null,
    el('div', { className: 'check' }, all, el('label', { for: `held-${index}-all`, text: t('voting.held.select_all', { count: votes.length }) })),
    ...rows);
}

async function loadHeld() {
  showAlert(byId('held-alert'), []);
  let held;
  try {
    held = await get(`${base}/votes/held`);
  } catch (error) {
    if (isAuthError(error)) return goToLogin();
    showAlert(byId('held-alert'), [t('voting.held.failed', { message: error.message })]);
    return undefined;
  }
  const groups = new Map();
  for (const vote of held) {
    if (!groups.has(vote.network)) groups.set(vote.network, []);
    groups.get(vote.network).push(vote);
  }
  byId('held-groups').replaceChildren(...[...groups].map(([network, votes], i) => heldGroup(network, votes, i)));
  reviewForm.hidden = held.length === 0;
  byId('held-empty').hidden = held.length > 0;
  showSelected();
  return undefined;
}

let decision = 'release';
// Registered before submitWith's own listener, so it knows which button was pressed.
reviewForm.addEventListener('submit', (event) => {
  decision = event.submitter?.value === 'discard' ? 'discard' : 'release';
  byId('review-status').textContent = '';
});

submitWith(reviewForm, async () => {
  const ids = [...reviewForm.querySelectorAll('input[name="vote"]:checked')].map((box) => Number(box.value));
  const reason = reviewForm.elements['review-reason'].value.trim();
  const problems = [];
  if (!ids.length) problems.push({ field: null, message: t(`voting.held.tick_first.${decision}`) });
  if (reason.length < 3) problems.push({ field: 'review-reason', message: t('voting.say_why') });
  if (problems.length) throw new ApiError({ code: 'invalid', message: problems[0].message, details: problems });
  let result;
  try {
    result = await post(`${base}/votes/review`, { vote_ids: ids, decision, reason });
  } catch (error) {
    if (error instanceof ApiError && error.status === 422 && String(error.field ?? '').startsWith('vote_ids')) {
      await loadHeld();
      throw new ApiError({ code: error.code, message: t('voting.held.stale') });
    }
    throw error;
  }
  reviewForm.elements['review-reason'].value = '';
  byId('review-status').textContent = decision === 'release'
    ? t('voting.held.released', { count: result.released })
    : t('voting.held.discarded', { count: result.discarded });
  await Promise.all([loadHeld(), loadCounts()]);
  byId('held-heading').focus();
}, (path) => (path === 'reason' ? 'review-reason' : null));

// ---------------------------------------------------------------- start

const started = await startPage({ current: 'voting', organiserOnly: true });
if (started) {
  ({ slug, challenge } = started);
  base = `/challenges/${enc(slug)}`;
  byId('dates-link').href = `/challenge-edit.html?slug=${enc(slug)}#timeline-heading`;
  byId('ballot-link').href = `/ballot.html?slug=${enc(slug)}`;
  try {
    [rules, rounds] = await Promise.all([get(`${base}/voting`), get(`${base}/rounds`)]);
  } catch (error) {
    if (isAuthError(error)) goToLogin();
    else showAlert(byId('page-alert'), [t('voting.load_failed', { message: error.message })]);
    byId('page-loading').textContent = '';
    rules = null;
  }
  if (rules) {
    fillRoundPicker();
    fillForm();
    renderWindow();
    showBody();
    await Promise.all([loadCounts(), loadHeld()]);
  }
}
