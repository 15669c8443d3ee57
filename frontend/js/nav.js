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

currentUser.then(showNavFor, (error) => {
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
