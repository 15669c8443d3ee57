// The header every page shares: which links show depends on who is logged in. It is written
// in English in every page's HTML; here it is translated, and given the language picker.
import { get, post, patch, ApiError, showAlert } from './api.js';
import { LANGUAGES, adoptAccountLanguage, language, namespacesIn, rememberLanguage, t, useCatalogues } from './i18n.js';

/** The header's links by address, and the catalogue key of each one's text. */
const NAV_KEYS = {
  '/challenges.html': 'common.nav.challenges',
  '/my-entries.html': 'common.nav.my_entries',
  '/judging.html': 'common.nav.judging',
  '/manage.html': 'common.nav.manage',
  '/login.html': 'common.nav.login',
  '/register.html': 'common.nav.register',
  '/account.html': 'common.nav.account',
};

function translateHeader() {
  document.querySelector('.skip-link')?.replaceChildren(t('common.skip_link'));
  document.querySelector('.site-header nav')?.setAttribute('aria-label', t('common.nav.label'));
  for (const link of document.querySelectorAll('.site-header .nav-list a[href]')) {
    const key = NAV_KEYS[link.pathname];
    if (key) link.textContent = t(key);
  }
  for (const button of document.querySelectorAll('[data-action="logout"]')) button.textContent = t('common.nav.logout');
}

/**
 * Switches the interface to `code`: remembered on this device, saved on the account when
 * logged in (GET /api/auth/me then answers with it everywhere), then the page reloads in it.
 */
export async function switchLanguage(code, user) {
  rememberLanguage(code);
  if (user) await patch('/me/language', { language: code });
  const url = new URL(location.href);
  if (url.searchParams.has('lang')) {
    url.searchParams.set('lang', code);
    location.assign(url);
  } else {
    location.reload();
  }
}

/** A labelled <select> of the interface languages, each named in its own language. */
export function languageSelect(id) {
  const select = document.createElement('select');
  select.id = id;
  select.append(...LANGUAGES.map(({ code, name }) => {
    const option = document.createElement('option');
    option.value = code;
    option.lang = code;
    option.textContent = name;
    option.selected = code === language;
    return option;
  }));
  return select;
}

/** The language picker, beside the site's name: on a phone both share the header's first
 * line, and the menu wraps below them. */
function addLanguagePicker() {
  const bar = document.querySelector('.site-header .bar');
  if (!bar) return;
  const box = document.createElement('div');
  box.className = 'language-picker';
  const label = document.createElement('label');
  label.htmlFor = 'site-language';
  label.className = 'visually-hidden';
  label.textContent = t('common.language.label');
  const select = languageSelect('site-language');
  select.addEventListener('change', async () => {
    select.disabled = true;
    try {
      await switchLanguage(select.value, await currentUser.catch(() => null));
    } catch (error) {
      // The account could not be told; this device remembers the choice all the same.
      showAlert(document.getElementById('page-alert'), [error.message]);
      select.disabled = false;
    }
  });
  box.append(label, select);
  const name = bar.querySelector('.site-name');
  if (name) name.after(box);
  else bar.append(box);
}

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
    hidden.textContent = ` ${t('common.nav.unread')}`;
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
  link.textContent = t('common.nav.notifications');
  if (location.pathname === link.pathname) link.setAttribute('aria-current', 'page');
  const item = document.createElement('li');
  item.dataset.nav = 'member';
  item.append(link);
  account.before(item);
  // The count is a convenience: if it cannot be had, the link alone is shown.
  get('/me/notifications/unread').then(({ count }) => showUnreadCount(count), () => {});
}

// The page's own marked text is translated as soon as its catalogues arrive (a page whose
// script has text of its own loads that namespace too, and translates again).
await useCatalogues(...namespacesIn(document));
translateHeader();
addLanguagePicker();

currentUser.then((user) => {
  if (user && adoptAccountLanguage(user.language)) return;
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
