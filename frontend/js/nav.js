// The header every page shares: which links show depends on who is logged in.
import { get, post, ApiError, showAlert } from './api.js';

/** The logged-in user (UserPublic), null when logged out; rejects if the server cannot say. */
export const currentUser = get('/auth/me').catch((error) => {
  if (error instanceof ApiError && error.status === 401) return null;
  throw error;
});

/** Shows the links for a visitor (user null) or for a logged-in user. */
export function showNavFor(user) {
  const wanted = user ? 'member' : 'guest';
  for (const item of document.querySelectorAll('[data-nav]')) item.hidden = item.dataset.nav !== wanted;
  // Logging in from the menu comes back to this page (not from the login page itself).
  if (!user && !['/login.html', '/register.html'].includes(location.pathname)) {
    for (const link of document.querySelectorAll('[data-nav="guest"] a[href="/login.html"]')) link.href = loginUrl();
  }
}

/** Where to send a visitor who must log in first, coming back to `next` afterwards. */
export function loginUrl(next = location.pathname + location.search) {
  return `/login.html?next=${encodeURIComponent(next)}`;
}

/** Shows `count` unread notifications beside the "Notifications" link (0: no badge). */
export function showUnreadCount(count) {
  const link = document.getElementById('nav-notifications');
  if (!link) return;
  link.querySelector('.badge')?.remove();
  if (count > 0) {
    const badge = document.createElement('span');
    badge.className = 'badge';
    const hidden = document.createElement('span');
    hidden.className = 'visually-hidden';
    hidden.textContent = ' unread';
    badge.append(String(count), hidden);
    link.append(' ', badge);
  }
}

/** A "Notifications" link before "Account", with the unread count: one small request. */
function addNotificationsLink() {
  const account = document.querySelector('.nav-list a[href="/account.html"]')?.closest('li');
  if (!account) return;
  const link = document.createElement('a');
  link.href = '/notifications.html';
  link.id = 'nav-notifications';
  link.textContent = 'Notifications';
  if (location.pathname === link.pathname) link.setAttribute('aria-current', 'page');
  const item = document.createElement('li');
  item.dataset.nav = 'member';
  item.append(link);
  account.before(item);
  // The count is a convenience: if it cannot be had, the link alone is shown.
  get('/me/notifications/unread').then(({ count }) => showUnreadCount(count), () => {});
}

currentUser.then((user) => {
  showNavFor(user);
  if (user) addNotificationsLink();
}, (error) => {
  showNavFor(null);
  showAlert(document.getElementById('page-alert'), [error.message]);
});

for (const link of document.querySelectorAll('.site-header a[href]')) {
  if (link.pathname === location.pathname || (link.pathname === '/' && location.pathname === '/index.html')) {
    link.setAttribute('aria-current', 'page');
  }
}

for (const button of document.querySelectorAll('[data-action="logout"]')) {
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      await post('/auth/logout');
    } catch (error) {
      // Already logged out is as good as logging out.
      if (!(error instanceof ApiError && error.status === 401)) {
        showAlert(document.getElementById('page-alert'), [error.message]);
        button.disabled = false;
        button.focus();
        return;
      }
    }
    location.assign('/');
  });
}
