// Account page: profile, e-mail verification, the account's language, password, and the
// sessions that are logged in.
import { get, post, patch, del, ApiError, showAlert } from './api.js';
import { bindForm, showStatus, invalid } from './form.js';
import { currentUser, languageSelect, loginUrl, switchLanguage } from './nav.js';
import { timeElement, viewerTimeZone } from './dates.js';
import { language, supportedLanguage, t, useCatalogues } from './i18n.js';

await useCatalogues('account');

const byId = (id) => document.getElementById(id);
const profileForm = byId('profile-form');
const verifyForm = byId('verify-form');
const passwordForm = byId('password-form');
const languageForm = byId('language-form');
const sessionList = byId('session-list');
const moreButton = byId('sessions-more');
const sessionsAlert = byId('sessions-alert');
const sessionsStatus = byId('sessions-status');
let nextCursor = null;

function goToLogin() {
  location.replace(loginUrl('/account.html'));
}

/** Sends the visitor to log in when the API says the session is gone; passes other errors on. */
function whileLoggedIn(handler) {
  return async (...args) => {
    try {
      return await handler(...args);
    } catch (error) {
      if (error instanceof ApiError && error.code === 'not_authenticated') return goToLogin();
      throw error;
    }
  };
}

function showUser(user) {
  byId('user-email').textContent = user.email;
  byId('user-since').replaceChildren(timeElement(user.created_at));
  byId('verified-note').hidden = !user.email_verified;
  verifyForm.hidden = user.email_verified;
  profileForm.elements.display_name.value = user.display_name;
}

/**
 * The account's language, one setting for pages and mail: the interface languages, and the
 * account's own when it is another (set before, for mail), so saving never loses it unasked.
 */
function showLanguage(user) {
  const select = languageSelect('account-language');
  select.name = 'language';
  select.setAttribute('aria-describedby', 'account-language-hint language-error');
  const own = user.language;
  if (own && ![...select.options].some((option) => option.value === own)) {
    const option = document.createElement('option');
    option.value = own;
    option.textContent = ownLanguageName(own);
    select.append(option);
  }
  select.value = own ?? language;
  byId('account-language').replaceWith(select);
}

/** "Kiswahili" for "sw", in its own language; the tag itself where the browser cannot say. */
function ownLanguageName(tag) {
  try {
    const name = new Intl.DisplayNames([tag], { type: 'language' }).of(tag);
    return name && name !== tag ? name : tag;
  } catch {
    return tag;
  }
}

/** "Firefox on Linux" from a user-agent string; the string itself when nothing is recognised. */
function describeDevice(userAgent) {
  if (!userAgent) return t('account.sessions.unknown_device');
  const pick = (pairs) => pairs.find(([mark]) => userAgent.includes(mark))?.[1];
  const browser = pick([['Edg/', 'Edge'], ['OPR/', 'Opera'], ['Firefox/', 'Firefox'], ['Chrome/', 'Chrome'], ['Safari/', 'Safari']]);
  const system = pick([['Android', 'Android'], ['iPhone', 'iPhone'], ['iPad', 'iPad'], ['Windows', 'Windows'],
    ['CrOS', 'ChromeOS'], ['Mac OS X', 'macOS'], ['Linux', 'Linux']]);
  if (browser && system) return t('account.sessions.device', { browser, system });
  return browser ?? system ?? userAgent.slice(0, 120);
}

function addFact(list, term, value) {
  const dt = document.createElement('dt');
  const dd = document.createElement('dd');
  dt.textContent = term;
  dd.append(value);
  list.append(dt, dd);
}

function sessionItem(session) {
  const item = document.createElement('li');
  item.className = 'session';
  item.dataset.testid = 'session';
  if (session.current) item.dataset.current = 'true';

  const title = document.createElement('p');
  title.className = 'session-device';
  title.id = `session-${session.id}`;
  title.textContent = describeDevice(session.user_agent);
  if (session.current) {
    const badge = document.createElement('span');
    badge.className = 'badge';
    badge.textContent = t('account.sessions.this_device');
    title.append(' ', badge);
  }

  const facts = document.createElement('dl');
  facts.className = 'facts';
  if (session.ip) addFact(facts, t('account.sessions.ip'), session.ip);
  addFact(facts, t('account.sessions.logged_in'), timeElement(session.created_at));
  addFact(facts, t('account.sessions.last_active'), timeElement(session.last_seen_at));
  addFact(facts, t('account.sessions.expires'), timeElement(session.expires_at));

  const revoke = document.createElement('button');
  revoke.type = 'button';
  revoke.className = 'button button-secondary';
  revoke.textContent = t('account.sessions.revoke');
  revoke.setAttribute('aria-describedby', title.id);
  revoke.addEventListener('click', sessionsAction(() => revokeSession(session, item, revoke)));

  item.append(title, facts, revoke);
  if (session.current) {
    const note = document.createElement('p');
    note.className = 'muted';
    note.textContent = t('account.sessions.revoke_current');
    item.append(note);
  }
  return item;
}

async function revokeSession(session, item, button) {
  button.disabled = true;
  showAlert(sessionsAlert, []);
  sessionsStatus.textContent = '';
  try {
    await del(`/auth/sessions/${encodeURIComponent(session.id)}`);
  } catch (error) {
    // 404: it had already ended, which is what was asked for.
    if (!(error instanceof ApiError && error.status === 404)) {
      button.disabled = false;
      button.focus();
      throw error;
    }
  }
  if (session.current) {
    location.assign('/login.html');
    return;
  }
  const neighbour = item.nextElementSibling ?? item.previousElementSibling;
  item.remove();
  sessionsStatus.textContent = t('account.sessions.revoked');
  (neighbour?.querySelector('button') ?? byId('sessions-heading')).focus();
}

/** Loads the first page of sessions, or with `more` the next page after what is shown. */
async function loadSessions(more = false) {
  const query = new URLSearchParams({ limit: '50' });
  if (more && nextCursor) query.set('cursor', nextCursor);
  const page = await get(`/auth/sessions?${query}`);
  const items = page.items.map(sessionItem);
  if (more) sessionList.append(...items);
  else sessionList.replaceChildren(...items);
  nextCursor = page.next_cursor ?? null;
  moreButton.hidden = !nextCursor;
  return items;
}

/** Runs a sessions action, showing a failure above the list. */
function sessionsAction(action) {
  return async (...args) => {
    try {
      await whileLoggedIn(action)(...args);
    } catch (error) {
      showAlert(sessionsAlert, [error.message]);
    }
  };
}

moreButton.addEventListener('click', sessionsAction(async () => {
  moreButton.disabled = true;
  showAlert(sessionsAlert, []);
  try {
    const added = await loadSessions(true);
    if (moreButton.hidden) added[0]?.querySelector('button').focus();
  } finally {
    moreButton.disabled = false;
  }
}));

bindForm(profileForm, whileLoggedIn(async ({ display_name }) => {
  showUser(await patch('/auth/me', { display_name }));
  showStatus(profileForm, t('account.profile_saved'));
}));

bindForm(verifyForm, whileLoggedIn(async () => {
  const answer = await post('/auth/verify/request');
  showStatus(verifyForm, answer?.detail ?? t('account.link_sent'));
}));

bindForm(passwordForm, whileLoggedIn(async ({ current_password, new_password, new_password_repeat }) => {
  if (new_password !== new_password_repeat) throw invalid('new_password_repeat', t('account.new_mismatch'));
  await post('/auth/password', { current_password, new_password });
  passwordForm.reset();
  showStatus(passwordForm, t('account.password_changed'));
  await sessionsAction(loadSessions)();
}));

bindForm(languageForm, whileLoggedIn(async ({ language: chosen }) => {
  const user = await currentUser;
  // Another interface language: saved on the account, remembered here, and the page comes
  // back in it. The same one (or one only mail is translated into): saved, and said so.
  if (supportedLanguage(chosen) && supportedLanguage(chosen) !== language) return switchLanguage(chosen, user);
  user.language = (await patch('/me/language', { language: chosen })).language;
  showStatus(languageForm, t('account.language.saved'));
  return undefined;
}));

currentUser.then((user) => {
  if (!user) return goToLogin();
  showUser(user);
  showLanguage(user);
  byId('time-zone-note').textContent = t('account.sessions.time_zone', { zone: viewerTimeZone });
  byId('account-loading').remove();
  byId('account').hidden = false;
  return sessionsAction(loadSessions)();
}, () => {
  // nav.js has already said why the account could not be loaded.
  byId('account-loading').textContent = '';
});
