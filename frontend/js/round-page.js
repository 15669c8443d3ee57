// What a round's organiser pages share (assignments.html, ranking.html): the round named by
// ?round=, its name and state, the links between its pages, and how numbers are shown.
import { get, serverNow, showAlert, ApiError } from './api.js';
import { parseUtc, timeElement } from './dates.js';
import {
  byId, el, param, startPage, alertWithLink, goToLogin, isAuthError, badge,
} from './organiser-nav.js';
import { formatNumber, t, tParts, useCatalogues } from './i18n.js';

// Its text is in the `rounds` catalogue, under "round_page.".
await useCatalogues('rounds');

const enc = encodeURIComponent;

const ROUND_PAGES = [
  { key: 'rounds', href: 'rounds.html', withRound: false },
  { key: 'assignments', href: 'assignments.html', withRound: true },
  { key: 'ranking', href: 'ranking.html', withRound: true },
];

const STATE_LABELS = Object.fromEntries(['upcoming', 'open', 'closed', 'unscheduled']
  .map((state) => [state, t(`rounds.round_page.state.${state}`)]));

/** "upcoming" | "open" | "closed" (or "unscheduled" without an opening time), by the server's clock. */
export function roundState(round) {
  if (round.state) return round.state;
  if (!round.opens_at) return 'unscheduled';
  const now = serverNow();
  if (now < parseUtc(round.opens_at).getTime()) return 'upcoming';
  if (round.closes_at && now >= parseUtc(round.closes_at).getTime()) return 'closed';
  return 'open';
}

/** The round's window in words, with times in the viewer's zone. */
function windowLine(round, state) {
  const line = el('span', { className: 'round-window' });
  const times = {
    opens: round.opens_at ? timeElement(round.opens_at) : null,
    closes: round.closes_at ? timeElement(round.closes_at) : null,
  };
  const ending = round.closes_at ? '' : '_no_close';
  if (state === 'unscheduled') line.append(t('rounds.round_page.window.unscheduled'));
  else if (state === 'upcoming') line.append(...tParts(`rounds.round_page.window.upcoming${ending}`, times));
  else if (state === 'open') line.append(...tParts(`rounds.round_page.window.open${ending}`, times));
  else if (round.closes_at) line.append(...tParts('rounds.round_page.window.closed', times));
  return line;
}

function renderRoundNav(container, slug, roundId, current) {
  const list = el('ul', { className: 'subnav-list' });
  for (const page of ROUND_PAGES) {
    const query = page.withRound ? `?slug=${enc(slug)}&round=${enc(roundId)}` : `?slug=${enc(slug)}`;
    const link = el('a', { href: `/${page.href}${query}`, text: t(`rounds.round_page.nav.${page.key}`) });
    if (page.key === current) link.setAttribute('aria-current', 'page');
    list.append(el('li', {}, link));
  }
  container.replaceChildren(list);
  container.hidden = false;
}

/**
 * Starts a round page: the organiser page of the call (organisers only), then the round named
 * by ?round=. Resolves to {user, slug, challenge, round, roundId, state}, or null when the page
 * cannot go on (the reason is then in #page-alert).
 */
export async function startRoundPage({ current }) {
  const started = await startPage({ current: 'rounds', organiserOnly: true });
  if (!started) return null;
  const { slug } = started;
  const alert = byId('page-alert');
  const stop = () => {
    const loading = byId('page-loading');
    if (loading) loading.textContent = '';
    return null;
  };
  const back = byId('rounds-link');
  if (back) back.href = `/rounds.html?slug=${enc(slug)}`;
  const roundId = param('round');
  if (!roundId || !/^\d+$/.test(roundId)) {
    alertWithLink(alert, t('rounds.round_page.no_round'), `/rounds.html?slug=${enc(slug)}`, t('rounds.round_page.choose_round'));
    return stop();
  }
  let round;
  try {
    round = await get(`/rounds/${enc(roundId)}`);
  } catch (error) {
    if (isAuthError(error)) goToLogin();
    else if (error instanceof ApiError && error.status === 404) {
      alertWithLink(alert, t('rounds.round_page.no_such_round'), `/rounds.html?slug=${enc(slug)}`, t('rounds.round_page.see_rounds'));
    } else showAlert(alert, [t('rounds.round_page.load_failed', { message: error.message })]);
    return stop();
  }
  if (round.challenge_slug !== slug) {
    alertWithLink(alert, t('rounds.round_page.other_call'), `/rounds.html?slug=${enc(slug)}`, t('rounds.round_page.see_this_calls_rounds'));
    return stop();
  }
  const state = roundState(round);
  byId('round-name').textContent = round.name;
  byId('round-state').replaceChildren(badge(STATE_LABELS[state] ?? state, state === 'unscheduled' ? 'quiet' : state), ' ', windowLine(round, state));
  const [pageName, ...rest] = document.title.split(' · ');
  document.title = [pageName, round.name, ...rest].join(' · ');
  renderRoundNav(byId('round-nav'), slug, round.id, current);
  return { ...started, round, roundId: round.id, state };
}

// ---------------------------------------------------------------- numbers

const decimals = (value) => formatNumber(value, { maximumFractionDigits: 2 });
const signed = (value) => formatNumber(value, { maximumFractionDigits: 2, signDisplay: 'exceptZero' });
const wholes = (value) => formatNumber(value, { maximumFractionDigits: 0 });

export const isNumber = (value) => typeof value === 'number' && Number.isFinite(value);

/** "–" that a screen reader reads as "none". */
export function none() {
  return el('span', { className: 'none' },
    el('span', { 'aria-hidden': 'true', text: '–' }),
    el('span', { className: 'visually-hidden', text: t('rounds.round_page.none') }));
}

/** A number with at most 2 decimals (or `signed`: with its sign); "–" / none when empty. */
export function num(value, { sign = false } = {}) {
  if (!isNumber(value)) return none();
  return document.createTextNode((sign ? signed : decimals)(value));
}

/** The number as text (at most 2 decimals), '' when empty: for sentences. */
export const numText = (value) => (isNumber(value) ? decimals(value) : '');

/** A count as text. */
export const countText = (value) => wholes(value ?? 0);

/** A table cell holding a number. */
export function numCell(value, options) {
  return el('td', { className: 'num' }, num(value, options));
}

/** A table cell holding text, or "–" / none when empty. */
export function textCell(value) {
  return el('td', {}, value === null || value === undefined || value === '' ? none() : String(value));
}
