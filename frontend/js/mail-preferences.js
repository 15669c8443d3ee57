// Account page: which optional e-mail the person gets, kind by kind, and the language for it.
// Transactional kinds are listed, not offered: they always come.
import { get, put, patch, ApiError } from './api.js';
import { bindForm, showStatus } from './form.js';
import { currentUser, loginUrl } from './nav.js';

const byId = (id) => document.getElementById(id);
const form = byId('mail-form');
const loading = byId('mail-loading');

/** "français" for "fr", in its own language; the tag itself where the browser cannot say. */
function languageName(tag) {
  try {
    const name = new Intl.DisplayNames([tag], { type: 'language' }).of(tag);
    return name && name !== tag ? name : tag;
  } catch {
    return tag;
  }
}

function option(value, text, selected) {
  const node = document.createElement('option');
  node.value = value;
  node.textContent = text;
  node.selected = selected;
  return node;
}

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
  label.textContent = kind.label;
  row.append(input, label);
  return row;
}

function show(preferences) {
  const optional = preferences.kinds.filter((k) => k.optional);
  byId('optional-kinds').replaceChildren(...optional.map(kindCheckbox));
  byId('transactional-kinds').replaceChildren(...preferences.kinds.filter((k) => !k.optional).map((k) => {
    const item = document.createElement('li');
    item.textContent = k.label;
    return item;
  }));
  const tags = [...preferences.languages];
  if (preferences.language && !tags.includes(preferences.language)) tags.push(preferences.language);
  byId('language').replaceChildren(
    option('', 'English', !preferences.language),
    ...tags.map((tag) => option(tag, languageName(tag), tag === preferences.language)),
  );
}

bindForm(form, async () => {
  const choices = {};
  for (const input of byId('optional-kinds').querySelectorAll('input[type="checkbox"]')) choices[input.name] = input.checked;
  try {
    const preferences = await put('/me/mail-preferences', choices);
    const { language } = await patch('/me/language', { language: byId('language').value || null });
    show({ ...preferences, language });
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return location.replace(loginUrl('/account.html#mail-preferences'));
    throw error;
  }
  showStatus(form, 'Your e-mail choices are saved.');
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
