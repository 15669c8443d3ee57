// A call's audit log, newest first: who did what, why, and what changed (before → after).
import { get, showAlert } from './api.js';
import { formatDateTime, parseUtc } from './dates.js';
import { byId, el, startPage, showBody, goToLogin, isAuthError } from './organiser-nav.js';
import { locale, t, tParts, useCatalogues } from './i18n.js';

await useCatalogues('mail');

const enc = encodeURIComponent;
let base;
let slug;
let nextCursor = null;
// What the API records, so the filters can offer them before any event is shown.
const seenActions = new Set([
  'challenge.create', 'challenge.update', 'challenge.publish', 'challenge.close', 'challenge.archive',
  'challenge.phase_override', 'challenge.clone', 'challenge.cover', 'committee.add', 'committee.update',
  'committee.remove', 'role.grant', 'role.revoke', 'form.add_field', 'form.update_field', 'form.delete_field',
  'entry.create_on_behalf', 'entry.submit', 'entry.withdraw', 'entry.screen', 'entry.reopen_screening',
]);
const seenObjects = new Set(['challenge', 'committee_member', 'membership', 'form_field', 'entry']);

const filterForm = byId('audit-filter');
const list = byId('event-list');
const more = byId('audit-more');
const alert = byId('audit-alert');
const loading = byId('audit-loading');

const utc = new Intl.DateTimeFormat(locale, {
  year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit', timeZone: 'UTC',
});

/** A value as short text: strings as they are, the rest as JSON, long ones cut. */
function show(value) {
  if (value === undefined) return t('mail.audit.none');
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  if (text === '') return t('mail.audit.empty_value');
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/** The keys that changed, each as "key: before → after"; only one side for a creation or deletion. */
function diff(before, after) {
  const keys = [...new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})])];
  const changed = keys.filter((key) => !before || !after || !same(before[key], after[key]));
  if (!changed.length) return null;
  return el('ul', { className: 'diff' }, ...changed.map((key) => {
    const item = el('li', {}, el('code', { className: 'diff-key', translate: 'no', text: key }), ': ');
    if (before) item.append(el('del', { text: key in before ? show(before[key]) : t('mail.audit.none') }));
    if (before && after) item.append(el('span', { className: 'arrow', text: ' → ' }));
    if (after) item.append(el('ins', { text: key in after ? show(after[key]) : t('mail.audit.removed') }));
    return item;
  }));
}

function eventCard(event) {
  seenActions.add(event.action);
  seenObjects.add(event.object_type);
  const when = parseUtc(event.created_at);
  const time = el('time', { datetime: event.created_at, text: formatDateTime(event.created_at) });
  const changes = diff(event.before, event.after);
  // The action and the kind of object are the API's own codes (what the filters take), shown as they are.
  const object = el('span', { translate: 'no', text: event.object_type });
  const hasId = event.object_id !== null && event.object_id !== undefined;
  const on = hasId ? tParts('mail.audit.on_object_id', { object, id: String(event.object_id) }) : tParts('mail.audit.on_object', { object });
  const utcTime = Number.isNaN(when.getTime()) ? [] : [' ', t('mail.audit.utc', { time: utc.format(when) })];
  return el('li', { className: 'card event', 'data-testid': 'audit-event' },
    el('p', { className: 'event-head' }, el('code', { className: 'event-action', translate: 'no', text: event.action }),
      ' ', el('span', { className: 'muted' }, ...on)),
    el('p', { className: 'small' }, time, el('span', { className: 'muted' }, ...utcTime)),
    el('p', { className: 'small', text: event.actor?.display_name ? t('mail.audit.by', { name: event.actor.display_name }) : t('mail.audit.by_system') }),
    event.reason ? el('p', { className: 'small' }, el('strong', { text: t('mail.audit.reason') }), ' ', el('span', { text: event.reason })) : null,
    changes);
}

function fillDatalists() {
  byId('action-list').replaceChildren(...[...seenActions].sort().map((value) => el('option', { value })));
  byId('object-list').replaceChildren(...[...seenObjects].sort().map((value) => el('option', { value })));
}

async function load(again = false) {
  const query = new URLSearchParams({ limit: '50' });
  for (const name of ['action', 'object_type']) {
    const value = filterForm.elements[name].value.trim();
    if (value) query.set(name, value);
  }
  if (again && nextCursor) query.set('cursor', nextCursor);
  loading.textContent = t('mail.audit.loading_events');
  showAlert(alert, []);
  try {
    const page = await get(`${base}/audit?${query}`);
    const cards = page.items.map(eventCard);
    if (again) list.append(...cards);
    else list.replaceChildren(...cards);
    nextCursor = page.next_cursor ?? null;
    more.hidden = !nextCursor;
    byId('audit-empty').hidden = list.children.length > 0;
    fillDatalists();
    return cards;
  } catch (error) {
    if (isAuthError(error)) return goToLogin();
    showAlert(alert, [t('mail.audit.load_failed', { message: error.message })]);
    return [];
  } finally {
    loading.textContent = '';
  }
}

function keepFiltersInAddress() {
  const query = new URLSearchParams({ slug });
  for (const name of ['action', 'object_type']) {
    const value = filterForm.elements[name].value.trim();
    if (value) query.set(name, value);
  }
  history.replaceState(null, '', `?${query}`);
}

filterForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  keepFiltersInAddress();
  await load();
  byId('events-heading').focus();
});

byId('audit-clear').addEventListener('click', async () => {
  filterForm.reset();
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

const started = await startPage({ current: 'audit', organiserOnly: true });
if (started) {
  slug = started.slug;
  base = `/challenges/${enc(slug)}`;
  const params = new URLSearchParams(location.search);
  for (const name of ['action', 'object_type']) if (params.get(name)) filterForm.elements[name].value = params.get(name);
  showBody();
  await load();
}
