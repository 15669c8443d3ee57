// Account page: profile, e-mail verification, password, and the sessions that are logged in.
import { get, post, patch, del, ApiError, showAlert } from './api.js';
import { bindForm, showStatus, invalid } from './form.js';
import { currentUser, loginUrl } from './nav.js';
import { timeElement, viewerTimeZone } from './dates.js';

const byId = (id) => document.getElementById(id);
const profileForm = byId('profile-form');
const verifyForm = byId('verify-form');
const passwordForm = byId('password-form');
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

/** "Firefox on Linux" from a user-agent string; the string itself when nothing is recognised. */
function describeDevice(userAgent) {
  if (!userAgent) return 'Unknown device';
  const pick = (pairs) => pairs.find(([mark]) => userAgent.includes(mark))?.[1];
  const browser = pick([['Edg/', 'Edge'], ['OPR/', 'Opera'], ['Firefox/', 'Firefox'], ['Chrome/', 'Chrome'], ['Safari/', 'Safari']]);
  const system = pick([['Android', 'Android'], ['iPhone', 'iPhone'], ['iPad', 'iPad'], ['Windows', 'Windows'],
    ['CrOS', 'ChromeOS'], ['Mac OS X', 'macOS'], ['Linux', 'Linux']]);
  if (browser && system) return `${browser} on ${system}`;
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
    badge.textContent = 'This device';
    title.append(' ', badge);
  }

  const facts = document.createElement('dl');
  facts.className = 'facts';
  if (session.ip) addFact(facts, 'IP address', session.ip);
  addFact(facts, 'Logged in', timeElement(session.created_at));
  addFact(facts, 'Last active', timeElement(session.last_seen_at));
  addFact(facts, 'Expires', timeElement(session.expires_at));

  const revoke = document.createElement('button');
  revoke.type = 'button';
  revoke.className = 'button button-secondary';
  revoke.textContent = 'Revoke';
  revoke.setAttribute('aria-describedby', title.id);
  revoke.addEventListener('click', sessionsAction(() => revokeSession(session, item, revoke)));

  item.append(title, facts, revoke);
  if (session.current) {
    const note = document.createElement('p');
    note.className = 'muted';
    note.textContent = 'Revoking this one logs you out here.';
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
  sessionsStatus.textContent = 'Session revoked.';
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
  showStatus(profileForm, 'Your display name is saved.');
}));

bindForm(verifyForm, whileLoggedIn(async () => {
  const answer = await post('/auth/verify/request');
  showStatus(verifyForm, answer?.detail ?? 'We have sent you a new link.');
}));

bindForm(passwordForm, whileLoggedIn(async ({ current_password, new_password, new_password_repeat }) => {
  if (new_password !== new_password_repeat) throw invalid('new_password_repeat', 'The two new passwords do not match.');
  await post('/auth/password', { current_password, new_password });
  passwordForm.reset();
  showStatus(passwordForm, 'Password changed; your other sessions were logged out.');
  await sessionsAction(loadSessions)();
}));

currentUser.then((user) => {
  if (!user) return goToLogin();
  showUser(user);
  byId('time-zone-note').textContent = `Times are shown in your time zone (${viewerTimeZone}).`;
  byId('account-loading').remove();
  byId('account').hidden = false;
  return sessionsAction(loadSessions)();
}, () => {
  // nav.js has already said why the account could not be loaded.
  byId('account-loading').textContent = '';
});
