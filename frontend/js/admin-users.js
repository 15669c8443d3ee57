// Every account, for platform administrators: find one, see its roles and history, deactivate
// or restore it, grant or take away admin, log it out everywhere. Each change gives a reason.
import { get, patch, post, showAlert, ApiError } from './api.js';
import { currentUser } from './nav.js';
import { byId, el, badge, goToLogin, isAuthError, alertWithLink, ROLE_LABELS } from './organiser-nav.js';
import { timeElement } from './dates.js';
import { t, tParts, useCatalogues } from './i18n.js';

await useCatalogues('admin');

const filterForm = byId('user-filter');
const list = byId('user-list');
const more = byId('users-more');
const alert = byId('users-alert');
const loading = byId('users-loading');
const actionStatus = byId('action-status');
let nextCursor = null;
let me = null;

function flags(user) {
  const shown = [];
  if (user.is_admin) shown.push(badge(t('admin.users.flag.admin'), 'open'));
  if (!user.is_active) shown.push(badge(t('admin.users.flag.inactive'), 'warn'));
  if (!user.email_verified) shown.push(badge(t('admin.users.flag.unverified'), 'quiet'));
  return shown.length ? el('p', { className: 'flags' }, ...shown) : null;
}

function seen(user) {
  return el('p', { className: 'small muted' },
    ...tParts('admin.users.joined', { time: timeElement(user.created_at) }), ' ',
    ...(user.last_seen_at ? tParts('admin.users.last_seen', { time: timeElement(user.last_seen_at) }) : [t('admin.users.never_seen')]));
}

/** One change to an account's field, in words; a field this page does not know is shown by its name. */
function change(name, value) {
  if (name === 'is_active') return t(value ? 'admin.users.history.restored' : 'admin.users.history.deactivated');
  if (name === 'is_admin') return t(value ? 'admin.users.history.made_admin' : 'admin.users.history.admin_taken');
  return name;
}

function historyList(detail) {
  if (!detail.history.length) return el('p', { className: 'small muted', text: t('admin.users.history.none') });
  return el('ul', { className: 'small' }, ...detail.history.map((event) => {
    const what = event.action === 'user.sessions_end'
      ? t('admin.users.history.logged_out', { count: event.after?.sessions_ended ?? 0 })
      : Object.entries(event.after ?? {})
        .filter(([name, value]) => event.before?.[name] !== value)
        .map(([name, value]) => change(name, value))
        .join(t('admin.users.history.separator'));
    return el('li', {}, ...tParts('admin.users.history.item', {
      time: timeElement(event.created_at),
      what,
      actor: event.actor ?? t('admin.users.history.removed_account'),
      reason: el('q', { text: event.reason ?? '' }),
    }));
  }));
}

function detailPanel(user, detail, card) {
  const id = `user-${user.id}`;
  const roles = detail.memberships.length
    ? el('ul', { className: 'small' }, ...detail.memberships.map((m) => el('li', {},
      el('a', { href: `/challenge.html?slug=${encodeURIComponent(m.slug)}`, text: m.title }), ` — ${ROLE_LABELS[m.role] ?? m.role}`)))
    : el('p', { className: 'small muted', text: t('admin.users.no_roles') });
  const reason = el('textarea', { id: `${id}-reason`, name: 'reason', rows: '2', maxlength: '2000', required: true, 'aria-describedby': `${id}-reason-error` });
  const reasonError = el('p', { className: 'field-error', id: `${id}-reason-error` });
  const panel = el('div', { className: 'account-detail', id: `${id}-detail` },
    el('h4', { text: t('admin.users.roles') }), roles,
    el('p', { className: 'small', text: t('admin.users.totals', {
      entries: t('admin.users.entries', { count: detail.entries }),
      sessions: t('admin.users.sessions', { count: detail.live_sessions }),
    }) }),
    el('h4', { text: t('admin.users.history_heading') }), historyList(detail));
  if (me && user.id === me.id) {
    panel.append(el('p', { className: 'small muted', text: t('admin.users.yours') }));
    return panel;
  }
  const buttons = [
    [t(user.is_active ? 'admin.users.deactivate' : 'admin.users.restore'), { is_active: !user.is_active }],
    [t(user.is_admin ? 'admin.users.take_admin' : 'admin.users.make_admin'), { is_admin: !user.is_admin }],
  ].map(([label, wanted]) => {
    const button = el('button', { className: 'button button-secondary', type: 'button', text: label });
    button.addEventListener('click', () => act(user, card, button, reason, reasonError, (why) => patch(`/admin/users/${user.id}`, { ...wanted, reason: why }), t('admin.users.done', { action: label, email: user.email })));
    return button;
  });
  const logout = el('button', { className: 'button button-secondary', type: 'button', text: t('admin.users.log_out') });
  logout.addEventListener('click', () => act(user, card, logout, reason, reasonError, (why) => post(`/admin/users/${user.id}/sessions/end`, { reason: why }).then(() => user), t('admin.users.logged_out', { email: user.email })));
  panel.append(
    el('div', { className: 'field' }, el('label', { for: reason.id, text: t('admin.users.reason') }), reason, reasonError),
    el('p', { className: 'actions' }, ...buttons, ' ', logout));
  return panel;
}

async function act(user, card, button, reason, reasonError, send, done) {
  reasonError.textContent = '';
  reason.removeAttribute('aria-invalid');
  actionStatus.textContent = '';
  showAlert(alert, []);
  const why = reason.value.trim();
  if (!why) {
    reasonError.textContent = t('admin.users.reason_needed');
    reason.setAttribute('aria-invalid', 'true');
    reason.focus();
    return;
  }
  button.disabled = true;
  try {
    const updated = await send(why);
    const fresh = await cardFor(updated, true);
    card.replaceWith(fresh);
    actionStatus.textContent = done;
    fresh.querySelector('button')?.focus();
  } catch (error) {
    if (isAuthError(error)) { goToLogin(); return; }
    button.disabled = false;
    const message = error instanceof ApiError ? error.message : t('common.error.client');
    showAlert(alert, [t('admin.users.failed', { email: user.email, message })]);
  }
}

async function cardFor(user, open = false) {
  const toggle = el('button', { className: 'button button-secondary', type: 'button', text: t('admin.users.details'), 'aria-expanded': 'false', 'aria-controls': `user-${user.id}-detail` });
  const card = el('li', { className: 'card' },
    el('h3', { text: user.display_name }),
    el('p', { text: user.email }),
    flags(user), seen(user),
    el('p', { className: 'actions' }, toggle));
  const show = async () => {
    toggle.disabled = true;
    try {
      const detail = await get(`/admin/users/${user.id}`);
      card.append(detailPanel(user, detail, card));
      toggle.setAttribute('aria-expanded', 'true');
      toggle.hidden = true;
    } catch (error) {
      if (isAuthError(error)) { goToLogin(); return; }
      toggle.disabled = false;
      showAlert(alert, [t('admin.users.failed', { email: user.email, message: error.message })]);
    }
  };
  toggle.addEventListener('click', show);
  if (open) await show();
  return card;
}

async function load(again = false) {
  const query = new URLSearchParams({ limit: '50', filter: filterForm.elements.filter.value });
  const q = filterForm.elements.q.value.trim();
  if (q) query.set('q', q);
  if (again && nextCursor) query.set('cursor', nextCursor);
  loading.textContent = t('admin.users.loading');
  const page = await get(`/admin/users?${query}`).finally(() => { loading.textContent = ''; });
  const cards = await Promise.all(page.items.map((user) => cardFor(user)));
  if (again) list.append(...cards);
  else list.replaceChildren(...cards);
  nextCursor = page.next_cursor ?? null;
  more.hidden = !nextCursor;
  byId('users-empty').hidden = list.children.length > 0;
  return cards;
}

async function loadShowingErrors(again) {
  showAlert(alert, []);
  try {
    return await load(again);
  } catch (error) {
    if (isAuthError(error)) goToLogin();
    else showAlert(alert, [t('admin.users.load_failed', { message: error.message })]);
    return [];
  }
}

filterForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  actionStatus.textContent = '';
  await loadShowingErrors(false);
  byId('users-heading').focus();
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
  alertWithLink(byId('page-alert'), t('admin.users.admins_only'), '/account.html', t('admin.users.own_account'));
  byId('page-loading').textContent = '';
}

currentUser.then(async (user) => {
  if (!user) return goToLogin();
  if (!user.is_admin) return notAdmin();
  me = user;
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
