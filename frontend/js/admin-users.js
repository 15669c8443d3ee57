// Every account, for platform administrators: find one, see its roles and history, deactivate
// or restore it, grant or take away admin, log it out everywhere. Each change gives a reason.
import { get, patch, post, showAlert, ApiError } from './api.js';
import { currentUser } from './nav.js';
import { byId, el, badge, goToLogin, isAuthError, alertWithLink, ROLE_LABELS } from './organiser-nav.js';
import { timeElement } from './dates.js';

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
  if (user.is_admin) shown.push(badge('Administrator', 'open'));
  if (!user.is_active) shown.push(badge('Deactivated', 'warn'));
  if (!user.email_verified) shown.push(badge('Not verified', 'quiet'));
  return shown.length ? el('p', { className: 'flags' }, ...shown) : null;
}

function seen(user) {
  return el('p', { className: 'small muted' },
    'Joined ', timeElement(user.created_at), '. ',
    ...(user.last_seen_at ? ['Last seen ', timeElement(user.last_seen_at), '.'] : ['Never logged in.']));
}

function historyList(detail) {
  if (!detail.history.length) return el('p', { className: 'small muted', text: 'No changes by administrators.' });
  return el('ul', { className: 'small' }, ...detail.history.map((event) => {
    const what = event.action === 'user.sessions_end'
      ? `Logged out everywhere (${event.after?.sessions_ended ?? 0} sessions)`
      : Object.entries(event.after ?? {})
        .filter(([name, value]) => event.before?.[name] !== value)
        .map(([name, value]) => ({ is_active: value ? 'Restored' : 'Deactivated', is_admin: value ? 'Made administrator' : 'Administrator role taken away' })[name])
        .join('; ');
    return el('li', {}, timeElement(event.created_at), ` — ${what} by ${event.actor ?? 'a removed account'}. Reason: `, el('q', { text: event.reason ?? '' }));
  }));
}

function detailPanel(user, detail, card) {
  const id = `user-${user.id}`;
  const roles = detail.memberships.length
    ? el('ul', { className: 'small' }, ...detail.memberships.map((m) => el('li', {},
      el('a', { href: `/challenge.html?slug=${encodeURIComponent(m.slug)}`, text: m.title }), ` — ${ROLE_LABELS[m.role] ?? m.role}`)))
    : el('p', { className: 'small muted', text: 'No role in any call.' });
  const reason = el('textarea', { id: `${id}-reason`, name: 'reason', rows: '2', maxlength: '2000', required: true, 'aria-describedby': `${id}-reason-error` });
  const reasonError = el('p', { className: 'field-error', id: `${id}-reason-error` });
  const panel = el('div', { className: 'account-detail', id: `${id}-detail` },
    el('h4', { text: 'Roles in calls' }), roles,
    el('p', { className: 'small', text: `${detail.entries} ${detail.entries === 1 ? 'entry' : 'entries'}; ${detail.live_sessions} live ${detail.live_sessions === 1 ? 'session' : 'sessions'}.` }),
    el('h4', { text: 'History' }), historyList(detail));
  if (me && user.id === me.id) {
    panel.append(el('p', { className: 'small muted', text: 'This is your account: another administrator can change it.' }));
    return panel;
  }
  const buttons = [
    [user.is_active ? 'Deactivate' : 'Restore', { is_active: !user.is_active }],
    [user.is_admin ? 'Take away administrator' : 'Make administrator', { is_admin: !user.is_admin }],
  ].map(([label, change]) => {
    const button = el('button', { className: 'button button-secondary', type: 'button', text: label });
    button.addEventListener('click', () => act(user, card, button, reason, reasonError, (why) => patch(`/admin/users/${user.id}`, { ...change, reason: why }), `${label}: done for ${user.email}.`));
    return button;
  });
  const logout = el('button', { className: 'button button-secondary', type: 'button', text: 'Log out everywhere' });
  logout.addEventListener('click', () => act(user, card, logout, reason, reasonError, (why) => post(`/admin/users/${user.id}/sessions/end`, { reason: why }).then(() => user), `${user.email} is logged out on every device.`));
  panel.append(
    el('div', { className: 'field' }, el('label', { for: reason.id, text: 'Reason (kept in the history)' }), reason, reasonError),
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
    reasonError.textContent = 'Give a reason: it is kept in the account’s history.';
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
    const message = error instanceof ApiError ? error.message : 'Something went wrong on this page. Please reload it and try again.';
    showAlert(alert, [`${user.email}: ${message}`]);
  }
}

async function cardFor(user, open = false) {
  const toggle = el('button', { className: 'button button-secondary', type: 'button', text: 'Details and actions', 'aria-expanded': 'false', 'aria-controls': `user-${user.id}-detail` });
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
      showAlert(alert, [`${user.email}: ${error.message}`]);
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
  loading.textContent = 'Loading the accounts…';
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
    else showAlert(alert, [`The accounts could not be loaded: ${error.message}`]);
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
  alertWithLink(byId('page-alert'), 'Only platform administrators can see every account.', '/account.html', 'Your own account is on your account page.');
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
