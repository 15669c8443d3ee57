// Account page: which optional e-mail the person gets, kind by kind. Transactional kinds are
// listed, not offered: they always come. The language of mail is the account's language,
// chosen in its own section (account.js). Each kind is named in the reader's language.
import { get, put, ApiError } from './api.js';
import { bindForm, showStatus } from './form.js';
import { currentUser, loginUrl } from './nav.js';
import { t, loadNamespaces } from './i18n.js';
import { kindLabel } from './mail-kinds.js';

await loadNamespaces('account');

const byId = (id) => document.getElementById(id);
const form = byId('mail-form');
const loading = byId('mail-loading');

function kindCheckbox(kind) {
  const row = document.createElement('div');
  row.className = 'check';
  const input = document.createElement('input');
  input.type = 'checkbox';
  input.id = `kind-${kind.kind}`;
  input.name = kind.kind;
  input.checked = kind.enabled;
  const label = document.createElement('label');
  label.htmlFor = input.id;
  label.textContent = kindLabel(kind.kind, kind.label);
  row.append(input, label);
  return row;
}

function show(preferences) {
  const optional = preferences.kinds.filter((k) => k.optional);
  byId('optional-kinds').replaceChildren(...optional.map(kindCheckbox));
  byId('transactional-kinds').replaceChildren(...preferences.kinds.filter((k) => !k.optional).map((k) => {
    const item = document.createElement('li');
    item.textContent = kindLabel(k.kind, k.label);
    return item;
  }));
}

bindForm(form, async () => {
  const choices = {};
  for (const input of byId('optional-kinds').querySelectorAll('input[type="checkbox"]')) choices[input.name] = input.checked;
  try {
    show(await put('/me/mail-preferences', choices));
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return location.replace(loginUrl('/account.html#mail-preferences'));
    throw error;
  }
  showStatus(form, t('account.mail.saved'));
});

currentUser.then(async (user) => {
  if (!user) return; // account.js sends the visitor to log in
  try {
    show(await get('/me/mail-preferences'));
  } catch (error) {
    loading.textContent = error.message;
    return;
  }
  loading.remove();
  form.hidden = false;
  byId('always-sent').hidden = false;
  if (location.hash === '#mail-preferences') byId('mail-heading').focus();
}, () => {
  loading.textContent = ''; // nav.js has said why
});
