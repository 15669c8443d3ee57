// "My assignments": every entry the judge scores, grouped by call and round, with each
// round's window and state and how many of its scorecards are submitted.
import { get, serverNow, showAlert } from './api.js';
import { parseUtc, timeElement } from './dates.js';
import { currentUser } from './nav.js';
import { byId, el, badge, goToLogin, isAuthError } from './organiser-nav.js';
import { t, tParts, useCatalogues } from './i18n.js';

await useCatalogues('judging');

const enc = encodeURIComponent;

const ROUND_STATES = {
  upcoming: [t('judging.round_state.upcoming'), 'upcoming'],
  open: [t('judging.round_state.open'), 'open'],
  closed: [t('judging.round_state.closed'), 'closed'],
};

const SCORECARD_STATES = {
  none: [t('judging.list.scorecard_state.none'), 'quiet'],
  draft: [t('judging.list.scorecard_state.draft'), 'pending'],
  submitted: [t('judging.list.scorecard_state.submitted'), 'submitted'],
};

/** The round's state as the API gives it, or worked out from its window. */
function roundState(item) {
  if (item.round_state) return item.round_state;
  const now = serverNow();
  if (item.round_opens_at && parseUtc(item.round_opens_at).getTime() > now) return 'upcoming';
  if (item.round_closes_at && parseUtc(item.round_closes_at).getTime() <= now) return 'closed';
  return item.round_opens_at ? 'open' : 'upcoming';
}

const scorecardState = (item) => item.scorecard_status || 'none';

/** [{slug, title, rounds: [{id, name, state, opens, closes, items}]}] in the API's order. */
function group(items) {
  const calls = new Map();
  for (const item of items) {
    if (!calls.has(item.challenge_slug)) {
      calls.set(item.challenge_slug, { slug: item.challenge_slug, title: item.challenge_title, rounds: new Map() });
    }
    const { rounds } = calls.get(item.challenge_slug);
    if (!rounds.has(item.round_id)) {
      rounds.set(item.round_id, {
        id: item.round_id,
        name: item.round_name,
        state: roundState(item),
        opens: item.round_opens_at ?? null,
        closes: item.round_closes_at ?? null,
        items: [],
      });
    }
    rounds.get(item.round_id).items.push(item);
  }
  return [...calls.values()].map((call) => ({ ...call, rounds: [...call.rounds.values()] }));
}

function windowLine(round) {
  const line = el('p', { className: 'round-window' });
  if (round.opens && round.closes) {
    const key = round.state === 'closed' ? 'judging.list.window.was_open' : 'judging.list.window.open';
    line.append(...tParts(key, { opens: timeElement(round.opens), closes: timeElement(round.closes) }));
  } else if (round.opens) {
    const key = round.state === 'upcoming' ? 'judging.list.window.opens' : 'judging.list.window.opened';
    line.append(...tParts(key, { opens: timeElement(round.opens) }));
  } else if (round.closes) {
    line.append(...tParts('judging.list.window.closes', { closes: timeElement(round.closes) }));
  } else {
    line.textContent = t('judging.list.window.none');
  }
  return line;
}

function progress(round) {
  const total = round.items.length;
  const done = round.items.filter((item) => scorecardState(item) === 'submitted').length;
  const id = `progress-${round.id}`;
  return el('div', { className: 'round-progress' },
    el('p', { id, text: t('judging.list.progress', { count: total, done }) }),
    el('progress', { max: total, value: done, 'aria-labelledby': id, text: t('judging.list.progress_short', { done, total }) }));
}

function assignmentItem(item) {
  const [stateText, stateKind] = SCORECARD_STATES[scorecardState(item)] ?? [scorecardState(item), 'quiet'];
  const name = item.entry_reference
    ? t('judging.entry_name', { reference: item.entry_reference })
    : t('judging.list.entry_no_reference', { id: String(item.id) });
  const details = [
    item.entry_category ? t('judging.list.category', { category: item.entry_category }) : null,
    item.blind ? t('judging.list.blind') : null,
  ].filter(Boolean);
  return el('li', { className: 'assignment-item' },
    el('a', { href: `/assignment.html?id=${enc(item.id)}`, className: 'assignment-link', text: name }),
    el('span', { className: 'assignment-meta' },
      details.length ? el('span', { className: 'muted', text: details.join(' · ') }) : null,
      badge(t('judging.list.scorecard', { state: stateText }), stateKind)));
}

function roundSection(round) {
  const [stateText, stateKind] = ROUND_STATES[round.state] ?? [round.state, 'quiet'];
  const headingId = `round-${round.id}`;
  const ordered = [...round.items].sort((a, b) => String(a.entry_reference ?? '').localeCompare(String(b.entry_reference ?? ''), undefined, { numeric: true }));
  return el('section', { className: 'panel round', 'aria-labelledby': headingId },
    el('h3', { id: headingId }, round.name, ' ', badge(stateText, stateKind)),
    windowLine(round),
    progress(round),
    el('ul', { className: 'assignment-list', 'aria-label': t('judging.list.entries_in', { round: round.name }) }, ...ordered.map(assignmentItem)));
}

function render(items) {
  const container = byId('assignments');
  container.replaceChildren();
  byId('assignments-empty').hidden = items.length > 0;
  for (const call of group(items)) {
    const headingId = `call-${call.slug}`;
    container.append(el('section', { className: 'call', 'aria-labelledby': headingId },
      el('h2', { id: headingId, text: call.title }),
      el('p', { className: 'call-about' }, el('a', { href: `/challenge.html?slug=${enc(call.slug)}`, text: t('judging.list.about_call') })),
      ...call.rounds.map(roundSection)));
  }
}

async function load() {
  const loading = byId('page-loading');
  const retry = byId('page-retry');
  retry.hidden = true;
  showAlert(byId('page-alert'), []);
  loading.textContent = t('judging.list.loading');
  let user;
  try {
    user = await currentUser;
  } catch {
    loading.textContent = '';
    return; // nav.js has said why.
  }
  if (!user) {
    goToLogin();
    return;
  }
  try {
    render(await get('/me/assignments'));
    loading.textContent = '';
  } catch (error) {
    if (isAuthError(error)) {
      goToLogin();
      return;
    }
    loading.textContent = '';
    showAlert(byId('page-alert'), [t('judging.list.load_failed', { message: error.message })]);
    retry.hidden = false;
  }
}

byId('page-retry').querySelector('button').addEventListener('click', load);
load();
