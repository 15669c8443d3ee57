// A call's mail log, newest first: what was sent to whom, what is waiting, what failed.
import { get, showAlert } from './api.js';
import { byId, el, startPage, showBody, goToLogin, isAuthError } from './organiser-nav.js';
import { loadKinds, mailCard } from './mail-card.js';
import { t, useCatalogues } from './i18n.js';

await useCatalogues('mail');

const FILTERS = ['status', 'kind', 'to'];
const filterForm = byId('mail-filter');
const list = byId('mail-list');
const more = byId('mail-more');
const alert = byId('mail-alert');
const loading = byId('mail-loading');
let base;
let slug;
let nextCursor = null;

function filterValues() {
  const values = {};
  for (const name of FILTERS) {
    const value = filterForm.elements[name].value.trim();
    if (value) values[name] = value;
  }
  return values;
}

async function load(again = false) {
  const query = new URLSearchParams({ limit: '50', ...filterValues() });
  if (again && nextCursor) query.set('cursor', nextCursor);
  loading.textContent = t('mail.log.loading_mail');
  showAlert(alert, []);
  try {
    const page = await get(`${base}/mail?${query}`);
    const cards = page.items.map((message) => mailCard(message));
    if (again) list.append(...cards);
    else list.replaceChildren(...cards);
    nextCursor = page.next_cursor ?? null;
    more.hidden = !nextCursor;
    byId('mail-empty').hidden = list.children.length > 0;
    return cards;
  } catch (error) {
    if (isAuthError(error)) return goToLogin();
    showAlert(alert, [t('mail.log.load_failed', { message: error.message })]);
    return [];
  } finally {
    loading.textContent = '';
  }
}

function keepFiltersInAddress() {
  history.replaceState(null, '', `?${new URLSearchParams({ slug, ...filterValues() })}`);
}

filterForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  const to = filterForm.elements.to;
  const invalid = to.value.trim() && !to.checkValidity();
  byId('to-error').textContent = invalid ? t('mail.log.filter.to_invalid') : '';
  if (invalid) to.setAttribute('aria-invalid', 'true');
  else to.removeAttribute('aria-invalid');
  if (invalid) {
    to.focus();
    return;
  }
  keepFiltersInAddress();
  await load();
  byId('messages-heading').focus();
});

byId('mail-clear').addEventListener('click', async () => {
  filterForm.reset();
  byId('to-error').textContent = '';
  filterForm.elements.to.removeAttribute('aria-invalid');
  keepFiltersInAddress();
  await load();
});

more.addEventListener('click', async () => {
  more.disabled = true;
  const added = await load(true);
  more.disabled = false;
  if (added[0]) {
    added[0].tabIndex = -1;
    added[0].focus();
  }
});

const started = await startPage({ current: 'mail', organiserOnly: true });
if (started) {
  slug = started.slug;
  base = `/challenges/${encodeURIComponent(slug)}`;
  const kinds = await loadKinds();
  byId('kind').append(...[...kinds].map(([value, label]) => el('option', { value, text: label })));
  const params = new URLSearchParams(location.search);
  for (const name of FILTERS) if (params.get(name)) filterForm.elements[name].value = params.get(name);
  showBody();
  await load();
}
