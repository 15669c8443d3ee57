// The page an unsubscribe link leads to: it says which e-mail the link stops and asks with one
// button. Opening the link changes nothing (mail scanners open links on their own).
import { get, post, ApiError, showAlert } from './api.js';
import './nav.js';
import { t, tParts, useCatalogues } from './i18n.js';

await useCatalogues('notifications');

const byId = (id) => document.getElementById(id);
const alertRegion = byId('page-alert');
const ask = byId('unsubscribe-ask');
const button = byId('unsubscribe-button');
const token = new URLSearchParams(location.search).get('token') ?? '';
// The token reads "<person>.<kind>.<signature>"; the server checks it when the button is pressed.
const kind = token.split('.')[1] ?? '';

function cannot(message) {
  showAlert(alertRegion, [message]);
  ask.hidden = true;
  byId('unsubscribe-help').hidden = false;
}

async function start() {
  let kinds = [];
  try {
    kinds = await get('/mail-kinds');
  } catch (error) {
    return cannot(error.message);
  }
  const found = kinds.find((k) => k.kind === kind && k.optional);
  if (!token || !found) {
    return cannot(t('notifications.unsubscribe.incomplete'));
  }
  const label = document.createElement('strong');
  label.id = 'kind-label';
  label.textContent = found.label;
  byId('kind-line').replaceChildren(...tParts('notifications.unsubscribe.stops', { kind: label }));
  ask.hidden = false;
  return undefined;
}

button.addEventListener('click', async () => {
  button.disabled = true;
  showAlert(alertRegion, []);
  try {
    const done = await post(`/unsubscribe?${new URLSearchParams({ token })}`);
    ask.hidden = true;
    byId('unsubscribe-heading').textContent = t('notifications.unsubscribe.done_heading');
    byId('unsubscribe-status').textContent = t('notifications.unsubscribe.done', { kind: done.label });
    byId('unsubscribe-done').hidden = false;
    byId('unsubscribe-heading').focus();
  } catch (error) {
    button.disabled = false;
    if (error instanceof ApiError && error.status === 400) cannot(error.message);
    else showAlert(alertRegion, [error.message]);
  }
});

start();
