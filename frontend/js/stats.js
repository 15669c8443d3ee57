// Every call's headline figures side by side, for platform administrators: one row per call,
// linking to its dashboard, more rows on request.
import { get, showAlert, ApiError } from './api.js';
import { currentUser } from './nav.js';
import { formatDateTime } from './dates.js';
import { byId, el, goToLogin, isAuthError, alertWithLink } from './organiser-nav.js';
import { count, share, money } from './charts.js';
import { t, useCatalogues } from './i18n.js';

await useCatalogues('dashboard');

const rows = byId('summaries');
const more = byId('more');
let nextCursor = null;

const when = (iso) => (iso ? el('time', { datetime: iso, text: formatDateTime(iso) }) : '—');

function summaryRow(s) {
  const cells = [
    when(s.opens_at), when(s.deadline), count(s.started), count(s.submitted), count(s.eligible), count(s.awarded),
    count(s.countries), share(s.lmic_share), count(s.people), count(s.first_time), count(s.judges),
    count(s.scorecards_submitted), count(s.votes_counted), count(s.votes_held), money(s.total_costs, s.currency),
    money(s.cost_per_submitted, s.currency), money(s.cost_per_eligible, s.currency),
  ];
  return el('tr', {},
    el('th', { scope: 'row' }, el('a', { href: `/dashboard.html?slug=${encodeURIComponent(s.slug)}`, text: s.title })),
    ...cells.map((cell, i) => (i < 2 ? el('td', { className: 'when' }, cell) : el('td', { className: 'num', text: cell }))));
}

async function load(again = false) {
  const query = new URLSearchParams({ limit: '50' });
  if (again && nextCursor) query.set('cursor', nextCursor);
  const page = await get(`/stats?${query}`);
  const added = page.items.map(summaryRow);
  rows.append(...added);
  nextCursor = page.next_cursor ?? null;
  more.hidden = !nextCursor;
  byId('list-empty').hidden = rows.children.length > 0;
  byId('summaries-wrap').hidden = rows.children.length === 0;
  return added;
}

function notAdmin() {
  alertWithLink(byId('page-alert'), t('dashboard.stats.admins_only'), '/manage.html', t('dashboard.stats.see_your_calls'));
  byId('page-loading').textContent = '';
}

more.addEventListener('click', async () => {
  more.disabled = true;
  showAlert(byId('list-alert'), []);
  try {
    const added = await load(true);
    added[0]?.querySelector('a')?.focus();
  } catch (error) {
    if (isAuthError(error)) return goToLogin();
    showAlert(byId('list-alert'), [error.message]);
  } finally {
    more.disabled = false;
  }
  return undefined;
});

currentUser.then(async (user) => {
  if (!user) return goToLogin();
  if (!user.is_admin) return notAdmin();
  try {
    await load();
  } catch (error) {
    if (isAuthError(error)) return goToLogin();
    if (error instanceof ApiError && error.status === 403) return notAdmin();
    showAlert(byId('page-alert'), [error.message]);
    byId('page-loading').textContent = '';
    return undefined;
  }
  byId('page-loading').remove();
  byId('page-body').hidden = false;
  return undefined;
}, () => {
  byId('page-loading').textContent = '';
});
