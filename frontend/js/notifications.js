// Notifications: the same events as the person's mail, newest first, read or unread.
import { get, post, request, ApiError, showAlert } from './api.js';
import { currentUser, loginUrl, showUnreadCount } from './nav.js';
import { timeElement, viewerTimeZone } from './dates.js';
import { t, useCatalogues } from './i18n.js';

await useCatalogues('notifications');

const byId = (id) => document.getElementById(id);
const list = byId('notifications');
const status = byId('notifications-status');
const more = byId('notifications-more');
const readAll = byId('read-all');
const alertRegion = byId('page-alert');
let cursor = null;
let unread = 0;

function goToLogin() {
  location.replace(loginUrl());
}

/** A link only to this site's pages or to http(s) addresses; anything else is not followed. */
function safeHref(link) {
  if (!link) return null;
  try {
    const url = new URL(link, location.origin);
    return ['http:', 'https:'].includes(url.protocol) ? url.href : null;
  } catch {
    return null;
  }
}

function setUnread(count) {
  unread = Math.max(0, count);
  showUnreadCount(unread);
  readAll.disabled = unread === 0;
}

function markShownRead(item) {
  item.dataset.read = 'true';
  item.querySelector('.badge')?.remove();
  item.querySelector('[data-action="read"]')?.remove();
}

async function markRead(notification, item, button) {
  if (button) button.disabled = true;
  try {
    await post(`/me/notifications/${encodeURIComponent(notification.id)}/read`);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return goToLogin();
    if (button) button.disabled = false;
    showAlert(alertRegion, [error.message]);
    return undefined;
  }
  const next = item.nextElementSibling ?? item.previousElementSibling;
  markShownRead(item);
  setUnread(unread - 1);
  status.textContent = t('notifications.marked_read');
  if (button) (next?.querySelector('a, button') ?? byId('main')).focus();
  return undefined;
}

function notificationItem(notification) {
  const item = document.createElement('li');
  item.className = 'card';
  item.dataset.testid = 'notification';
  item.dataset.read = String(notification.read);
  const heading = document.createElement('h2');
  heading.className = 'card-title';
  heading.id = `notification-${notification.id}`;
  const href = safeHref(notification.link);
  if (href) {
    const link = document.createElement('a');
    link.href = href;
    link.textContent = notification.title;
    // Following it reads it; keepalive lets the request finish as the page changes.
    link.addEventListener('click', () => {
      if (item.dataset.read !== 'true') request('POST', `/me/notifications/${encodeURIComponent(notification.id)}/read`, undefined, { keepalive: true }).catch(() => {});
    });
    heading.append(link);
  } else {
    heading.textContent = notification.title;
  }
  const meta = document.createElement('p');
  meta.className = 'card-meta';
  meta.append(timeElement(notification.created_at));
  if (!notification.read) {
    const badge = document.createElement('span');
    badge.className = 'badge';
    badge.textContent = t('notifications.unread');
    meta.append(badge);
  }
  item.append(heading, meta);
  if (notification.body) {
    const body = document.createElement('p');
    body.className = 'notification-body';
    body.textContent = notification.body;
    item.append(body);
  }
  if (!notification.read) {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'button button-secondary';
    button.dataset.action = 'read';
    button.textContent = t('notifications.mark_read');
    button.setAttribute('aria-describedby', heading.id);
    button.addEventListener('click', () => markRead(notification, item, button));
    item.append(button);
  }
  return item;
}

async function load() {
  more.hidden = true;
  showAlert(alertRegion, []);
  const params = new URLSearchParams({ limit: '30' });
  if (cursor) params.set('cursor', cursor);
  let page;
  try {
    page = await get(`/me/notifications?${params}`);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return goToLogin();
    status.textContent = '';
    showAlert(alertRegion, [t('notifications.load_failed', { message: error.message })]);
    more.hidden = !cursor;
    return undefined;
  }
  const before = list.children.length;
  list.append(...page.items.map(notificationItem));
  cursor = page.next_cursor ?? null;
  more.hidden = !cursor;
  byId('notifications-empty').hidden = list.children.length > 0;
  byId('notifications-actions').hidden = list.children.length === 0;
  status.textContent = before ? t('notifications.older_shown', { count: list.children.length - before }) : '';
  if (before) list.children[before]?.querySelector('a, button')?.focus();
  return undefined;
}

readAll.addEventListener('click', async () => {
  readAll.disabled = true;
  showAlert(alertRegion, []);
  try {
    const { marked } = await post('/me/notifications/read-all');
    for (const item of list.querySelectorAll('[data-read="false"]')) markShownRead(item);
    setUnread(0);
    status.textContent = t('notifications.all_marked', { count: marked });
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return goToLogin();
    readAll.disabled = false;
    showAlert(alertRegion, [error.message]);
  }
  return undefined;
});

more.querySelector('button').addEventListener('click', load);

currentUser.then(async (user) => {
  if (!user) return goToLogin();
  byId('time-zone-note').textContent = t('notifications.time_zone', { zone: viewerTimeZone });
  try {
    setUnread((await get('/me/notifications/unread')).count);
  } catch {
    // The list below still loads; "Mark all as read" stays available.
    readAll.disabled = false;
  }
  return load();
}, () => {
  status.textContent = ''; // nav.js has said why
});
