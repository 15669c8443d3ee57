// The organisers' public vote (?slug=): the window and its state, the voting rules, the votes
// per entry (counted, held and discarded apart), and the review of held votes by network.
import { get, patch, post, showAlert, ApiError } from './api.js';
import { callTimeElement, formatDateTime } from './dates.js';
import { showStatus, invalid } from './form.js';
import {
  byId, el, startPage, showBody, submitWith, goToLogin, isAuthError, badge,
} from './organiser-nav.js';

const enc = encodeURIComponent;
let slug;
let base;
let challenge;
let rules;
let rounds = [];

const STATE = {
  off: ['Off', 'quiet'],
  upcoming: ['Not open yet', 'upcoming'],
  open: ['Open', 'open'],
  closed: ['Closed', 'closed'],
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

const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const rulesForm = byId('rules-form');
const reviewForm = byId('review-form');

// ---------------------------------------------------------------- the window

function stateExplanation() {
  const zone = rules.timezone;
  switch (rules.state) {
    case 'off':
      return rules.opens_at
        ? 'The public vote is off. Turn it on below and it runs in the window.'
        : 'The public vote is off. To run one, set the voting dates and turn it on below.';
    case 'upcoming':
      return rules.opens_at
        ? el('span', {}, 'Voting opens by itself ', callTimeElement(rules.opens_at, zone), '.')
        : 'Voting cannot open until you set its dates on the settings page.';
    case 'open':
      return 'Voters can vote now.';
    default:
      return 'The voting window has ended.';
  }
}

function renderWindow() {
  const [label, kind] = STATE[rules.state] ?? [rules.state, 'quiet'];
  byId('window-state').replaceChildren('State: ', badge(label, kind), ' ', stateExplanation());
  const facts = byId('window-facts');
  const zone = rules.timezone;
  facts.replaceChildren(
    el('dt', { text: 'Voting opens' }),
    el('dd', {}, rules.opens_at ? callTimeElement(rules.opens_at, zone) : 'Not set'),
    el('dt', { text: 'Voting closes' }),
    el('dd', {}, rules.closes_at ? callTimeElement(rules.closes_at, zone) : 'Not set: once open, voting stays open'),
    el('dt', { text: 'Time zone of the call' }),
    el('dd', { text: zone }),
  );
}

// ---------------------------------------------------------------- the rules

function roundLabel(round) {
  const advanced = round.advanced_at ? '' : ' (nothing advanced yet)';
  return `Round ${round.position}: ${round.name}${advanced}`;
}

function fillRoundPicker() {
  const select = byId('ballot_round_id');
  if (rounds.length) {
    select.replaceChildren(el('option', { value: '', text: 'Choose a round' }),
      ...rounds.map((round) => el('option', { value: round.id, text: roundLabel(round) })));
    byId('ballot_round_id-hint').textContent = 'Its advanced entries are on the ballot.';
  } else {
    select.replaceChildren(el('option', { value: '', text: 'No rounds yet' }));
    byId('ballot_round_id-hint').textContent = 'This call has no judging rounds yet: declare them on the Judging rounds page first.';
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
    ? `This call’s categories: ${categories.join(', ')}.`
    : 'This call has no categories, so this makes no difference.';
  const started = rules.enabled && (rules.state === 'open' || rules.state === 'closed');
  byId('fixed-note').textContent = started
    ? 'Voting has opened: the ballot, the number of votes, one vote per category and self-votes can no longer change.'
    : '';
}

for (const radio of rulesForm.querySelectorAll('input[name="ballot"]')) radio.addEventListener('change', showRoundPicker);

function savedMessage() {
  const says = {
    off: 'The public vote is off.',
    upcoming: rules.opens_at ? `Voting opens ${formatDateTime(rules.opens_at)}.` : 'Set the voting dates on the settings page so that voting can open.',
    open: 'Voting is open now.',
    closed: 'The voting window has ended.',
  };
  return `Saved the voting rules. ${says[rules.state] ?? ''}`.trim();
}

submitWith(rulesForm, async () => {
  const body = {};
  for (const name of CHECKS) body[name] = rulesForm.elements[name].checked;
  const ballot = rulesForm.elements.ballot.value;
  if (!ballot) throw invalid('ballot-set', 'Choose which entries are on the ballot.');
  body.ballot = ballot;
  if (ballot === 'advanced') {
    const id = Number(byId('ballot_round_id').value);
    if (!id) throw invalid('ballot_round_id', 'Choose the round whose advanced entries are on the ballot.');
    body.ballot_round_id = id;
  }
  const problems = [];
  for (const [name, [min, max]] of Object.entries(NUMBERS)) {
    const text = rulesForm.elements[name].value.trim();
    const n = Number(text);
    if (!text || !Number.isInteger(n) || n < min || n > max) {
      problems.push({ field: name, message: `Enter a whole number from ${min.toLocaleString()} to ${max.toLocaleString()}.` });
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
    el('span', { className: 'count-number', text: number }), el('span', { className: 'count-label', text: label }));
}

function numberCell(value) {
  return el('td', { className: 'number', text: value });
}

function renderCounts(counts) {
  byId('count-totals').replaceChildren(
    countItem(counts.counted, 'Counted'),
    countItem(counts.held, 'Held for review'),
    countItem(counts.discarded, 'Discarded'),
    countItem(counts.voters, counts.voters === 1 ? 'Voter' : 'Voters'));
  byId('tally-rows').replaceChildren(...counts.entries.map((entry) => el('tr', { 'data-entry-id': entry.entry_id },
    el('th', { scope: 'row', text: entry.reference ?? `Entry ${entry.entry_id}` }),
    el('td', { className: 'title', text: entry.title || 'Untitled entry' }),
    el('td', { text: entry.category ?? '—' }),
    numberCell(entry.counted), numberCell(entry.held), numberCell(entry.discarded))));
  byId('tally-foot').replaceChildren(el('tr', {},
    el('th', { scope: 'row', colspan: '3', text: 'All entries' }),
    numberCell(counts.counted), numberCell(counts.held), numberCell(counts.discarded)));
  byId('tally-wrap').hidden = counts.entries.length === 0;
  byId('tally-hint').hidden = counts.entries.length === 0;
  byId('counts-empty').hidden = counts.entries.length > 0;
}

async function loadCounts() {
  showAlert(byId('counts-alert'), []);
  try {
    renderCounts(await get(`${base}/votes/counts`));
  } catch (error) {
    if (isAuthError(error)) return goToLogin();
    showAlert(byId('counts-alert'), [`The counts could not be loaded. ${error.message}`]);
  }
  return undefined;
}

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
  byId('held-selected').textContent = n ? `${plural(n, 'vote')} selected.` : 'No votes selected.';
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
      el('label', { for: id, text: `${vote.voter_name} voted for ${vote.entry_reference ?? `entry ${vote.entry_id}`}` }),
      el('p', { className: 'hint', id: `${id}-hint`, text: `Account made ${formatDateTime(vote.voter_created_at)}; voted ${formatDateTime(vote.created_at)}.` }));
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
    el('legend', { text: `Network ${network}: ${plural(votes.length, 'vote')}` }),
    reasons.length ? el('p', { className: 'hint', text: `Why held: ${reasons.join('; ')}.` }) : null,
    el('div', { className: 'check' }, all, el('label', { for: `held-${index}-all`, text: `Select all ${plural(votes.length, 'vote')} from this network` })),
    ...rows);
}

async function loadHeld() {
  showAlert(byId('held-alert'), []);
  let held;
  try {
    held = await get(`${base}/votes/held`);
  } catch (error) {
    if (isAuthError(error)) return goToLogin();
    showAlert(byId('held-alert'), [`The held votes could not be loaded. ${error.message}`]);
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
  if (!ids.length) problems.push({ field: null, message: `Tick the votes to ${decision} first.` });
  if (reason.length < 3) problems.push({ field: 'review-reason', message: 'Say why, in a few words (at least 3 characters).' });
  if (problems.length) throw new ApiError({ code: 'invalid', message: problems[0].message, details: problems });
  let result;
  try {
    result = await post(`${base}/votes/review`, { vote_ids: ids, decision, reason });
  } catch (error) {
    if (error instanceof ApiError && error.status === 422 && String(error.field ?? '').startsWith('vote_ids')) {
      await loadHeld();
      throw new ApiError({ code: error.code, message: 'Some of the selected votes are no longer held (another organiser may have reviewed them). The list is up to date now: select again.' });
    }
    throw error;
  }
  reviewForm.elements['review-reason'].value = '';
  byId('review-status').textContent = decision === 'release'
    ? `Released ${plural(result.released, 'vote')} into the count.`
    : `Discarded ${plural(result.discarded, 'vote')}; they will not count.`;
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
    else showAlert(byId('page-alert'), [`The voting rules could not be loaded. ${error.message}`]);
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
