// Every call's failed mail, for platform administrators: why each message failed, and a button
// to send it again once the cause is fixed. Other statuses on request.
import { get, post, showAlert, ApiError } from './api.js';
import { currentUser } from './nav.js';
import { byId, el, goToLogin, isAuthError, alertWithLink } from './organiser-nav.js';
import { loadKinds, mailCard } from './mail-card.js';
import { t, tParts, useCatalogues } from './i18n.js';

await useCatalogues('admin', 'mail');

const filterForm = byId('mail-filter');
const list = byId('mail-list');
const more = byId('mail-more');
const alert = byId('mail-alert');
const loading = byId('mail-loading');
const retryStatus = byId('retry-status');
let nextCursor = null;

function whereFrom(message) {
  if (!message.challenge) return el('p', { className: 'small muted', text: t('admin.mail.account_mail') });
  const link = el('a', { href: `/mail-log.html?slug=${encodeURIComponent(message.challenge.slug)}`, text: message.challenge.title });
  return el('p', { className: 'small' }, ...tParts('admin.mail.call', { call: link }));
}

async function sendAgain(message, node, button) {
  button.disabled = true;
  showAlert(alert, []);
  retryStatus.textContent = '';
  try {
    const queued = await post(`/admin/mail/${message.id}/retry`);
    const updated = cardFor({ ...queued, challenge: message.challenge });
    updated.tabIndex = -1;
    node.replaceWith(updated);
    updated.focus();
    retryStatus.textContent = t('admin.mail.queued_again', { subject: message.subject, to: message.to_address, sent: t('mail.card.status.sent') });
  } catch (error) {
    if (isAuthError(error)) return goToLogin();
    button.disabled = false;
    const reason = error instanceof ApiError ? error.message : t('common.error.client');
    showAlert(alert, [t('admin.mail.not_queued', { subject: message.subject, to: message.to_address, reason })]);
  }
  return undefined;
}

function cardFor(message) {
  const node = mailCard(message, whereFrom(message));
  if (message.status === 'failed') {
    const button = el('button', { className: 'button', type: 'button', text: t('admin.mail.send_again'), 'aria-describedby': `mail-${message.id}` });
    button.addEventListener('click', () => sendAgain(message, node, button));
    node.append(el('p', { className: 'actions' }, button));
  }
  return node;
}

async function load(again = false) {
  const query = new URLSearchParams({ limit: '50' });
  const status = filterForm.elements.status.value;
  if (status) query.set('status', status);
  if (again && nextCursor) query.set('cursor', nextCursor);
  loading.textContent = t('admin.mail.loading');
  const page = await get(`/admin/mail?${query}`).finally(() => { loading.textContent = ''; });
  const cards = page.items.map(cardFor);
  if (again) list.append(...cards);
  else list.replaceChildren(...cards);
  nextCursor = page.next_cursor ?? null;
  more.hidden = !nextCursor;
  byId('mail-empty').hidden = list.children.length > 0;
  return cards;
}

async function loadShowingErrors(again) {
  showAlert(alert, []);
  try {
    return await load(again);
  } catch (error) {
    if (isAuthError(error)) goToLogin();
    else showAlert(alert, [t('admin.mail.load_failed', { message: error.message })]);
    return [];
  }
}

filterForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  retryStatus.textContent = '';
  const status = filterForm.elements.status.value;
  history.replaceState(null, '', status === 'failed' ? location.pathname : `?${new URLSearchParams({ status: status || 'any' })}`);
  await loadShowingErrors(false);
  byId('messages-heading').focus();
});

more.addEventListener('click', async () => {
  more.disabled = true;
  const added = await loadShowingErrors(true);
  more.disabled = false;
  if (added[0]) {
    added[0].tabIndex = -1;
    added[0].focus();
  }
});

function notAdmin() {
  alertWithLink(byId('page-alert'), t('admin.mail.admins_only'), '/manage.html', t('admin.mail.see_calls'));
  byId('page-loading').textContent = '';
}

currentUser.then(async (user) => {
  if (!user) return goToLogin();
  if (!user.is_admin) return notAdmin();
  const asked = new URLSearchParams(location.search).get('status');
  if (asked) filterForm.elements.status.value = asked === 'any' ? '' : asked;
  await loadKinds();
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
