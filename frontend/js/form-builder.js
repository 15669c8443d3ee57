// The entry form builder: the questions in order, with edit, delete and move; add a question.
import { get, post, patch, del, showAlert, ApiError } from './api.js';
import { showStatus, invalid } from './form.js';
import {
  byId, el, startPage, showBody, submitWith, onClick, goToLogin, isAuthError, checkbox, badge,
} from './organiser-nav.js';
import { t, useCatalogues } from './i18n.js';

await useCatalogues('forms');

const enc = encodeURIComponent;
let base;
let form = { version: 1, locked: false, fields: [] };

const list = byId('field-list');
const fieldsAlert = byId('fields-alert');
const fieldsStatus = byId('fields-status');

/** Labels for keys, each read from forms.<prefix>.<key>. */
const labels = (prefix, keys) => Object.fromEntries(keys.map((key) => [key, t(`forms.${prefix}.${key}`)]));

const TYPES = labels('type', [
  'short_text', 'long_text', 'number', 'choice', 'multi_choice', 'url', 'email', 'date', 'country', 'file', 'checkbox', 'money',
]);

const FILE_KINDS = labels('file_kind', ['pdf', 'image', 'word', 'spreadsheet', 'presentation', 'text', 'audio', 'video']);

/** [name, label, hint] of each setting a question has. */
const FLAGS = ['required', 'show_to_judges', 'public', 'identifying', 'demographic']
  .map((name) => [name, t(`forms.flag.${name}`), t(`forms.flag.${name}.hint`)]);

/**
 * Demographic questions added with one click. Their label and choices become the call's own
 * text, so they are written in the organiser's language (and can be edited like any question).
 */
const PRESETS = [
  { key: 'gender', label: t('forms.preset.gender'), choices: ['woman', 'man', 'non_binary', 'prefer_not_to_say'].map((c) => t(`forms.preset.gender.${c}`)) },
  { key: 'age_band', label: t('forms.preset.age_band'), choices: [t('forms.preset.age_band.under_18'), '18–24', '25–34', '35–44', '45–54', '55+'] },
  { key: 'first_contest', label: t('forms.preset.first_contest'), choices: [t('forms.preset.yes'), t('forms.preset.no')] },
];

// ---------------------------------------------------------------- the editor (add and edit)

function inputField(id, label, input, hint = null) {
  input.id = id;
  if (!input.name) input.name = id;
  input.setAttribute('aria-describedby', `${hint ? `${id}-hint ` : ''}${id}-error`);
  return el('div', { className: 'field' },
    el('label', { for: id, text: label }),
    hint ? el('p', { className: 'hint', id: `${id}-hint`, text: hint }) : null,
    input,
    el('p', { className: 'field-error', id: `${id}-error` }));
}

const num = (attrs = {}) => el('input', { type: 'number', inputmode: 'decimal', step: 'any', ...attrs });

/** The settings each type has, as controls named `<prefix>config.<setting>`. */
function configControls(p, type, config = {}) {
  const c = (name) => `${p}config.${name}`;
  const value = (name) => config[name] ?? '';
  switch (type) {
    case 'short_text':
      return [inputField(c('max_length'), t('forms.config.max_length'), num({ min: '1', step: '1', value: value('max_length') }))];
    case 'long_text':
      return [inputField(c('max_words'), t('forms.config.max_words'), num({ min: '1', step: '1', value: value('max_words') }))];
    case 'number':
      return [
        inputField(c('min'), t('forms.config.min_number'), num({ value: value('min') })),
        inputField(c('max'), t('forms.config.max_number'), num({ value: value('max') })),
        checkbox({ id: c('integer'), label: t('forms.config.integer'), checked: Boolean(config.integer) }),
      ];
    case 'choice':
    case 'multi_choice': {
      const parts = [inputField(c('choices'), t('forms.config.choices'), el('textarea', { rows: '5', value: (config.choices ?? []).join('\n') }), t('forms.config.choices_hint'))];
      if (type === 'multi_choice') {
        parts.push(inputField(c('max_choices'), t('forms.config.max_choices'), num({ min: '1', step: '1', value: value('max_choices') })));
      }
      return parts;
    }
    case 'date':
      return [
        inputField(c('min'), t('forms.config.min_date'), el('input', { type: 'date', value: value('min') })),
        inputField(c('max'), t('forms.config.max_date'), el('input', { type: 'date', value: value('max') })),
      ];
    case 'file': {
      const accept = config.accept ?? ['pdf'];
      const kinds = el('fieldset', { className: 'group', name: c('accept'), 'aria-describedby': `${c('accept')}-error` },
        el('legend', { text: t('forms.config.accept') }),
        el('div', { className: 'check-grid' }, ...Object.entries(FILE_KINDS).map(([kind, label]) => {
          const box = checkbox({ id: `${p}accept-${kind}`, name: `${p}accept-item`, label, checked: accept.includes(kind) });
          box.querySelector('input').value = kind;
          return box;
        })),
        el('p', { className: 'field-error', id: `${c('accept')}-error` }));
      return [
        kinds,
        inputField(c('max_size_mb'), t('forms.config.max_size_mb'), num({ min: '1', step: '1', value: value('max_size_mb') })),
        inputField(c('max_files'), t('forms.config.max_files'), num({ min: '1', step: '1', value: value('max_files') })),
      ];
    }
    case 'money':
      return [
        inputField(c('currency'), t('forms.config.currency'), el('input', { type: 'text', maxlength: '3', autocapitalize: 'characters', spellcheck: 'false', pattern: '[A-Z]{3}', value: config.currency ?? 'USD' }), t('forms.config.currency_hint')),
        inputField(c('max_amount'), t('forms.config.max_amount'), num({ min: '0', value: value('max_amount') })),
      ];
    case 'checkbox':
      return [el('p', { className: 'hint', text: t('forms.config.checkbox') })];
    default:
      return [el('p', { className: 'hint', text: t('forms.config.none') })];
  }
}

/** The config object from the controls shown for `type`; empty settings are left out. */
function readConfig(formElement, p, type) {
  const value = (name) => formElement.elements.namedItem(`${p}config.${name}`)?.value?.trim() ?? '';
  const number = (name, config) => {
    const text = value(name);
    if (text === '') return;
    const parsed = Number(text);
    if (!Number.isFinite(parsed)) throw invalid(`${p}config.${name}`, t('forms.error.number'));
    config[name] = parsed;
  };
  const config = {};
  switch (type) {
    case 'short_text': number('max_length', config); break;
    case 'long_text': number('max_words', config); break;
    case 'number':
      number('min', config);
      number('max', config);
      if (formElement.elements.namedItem(`${p}config.integer`).checked) config.integer = true;
      break;
    case 'choice':
    case 'multi_choice':
      config.choices = value('choices').split('\n').map((line) => line.trim()).filter(Boolean);
      if (!config.choices.length) throw invalid(`${p}config.choices`, t('forms.error.choices'));
      if (type === 'multi_choice') number('max_choices', config);
      break;
    case 'date':
      if (value('min')) config.min = value('min');
      if (value('max')) config.max = value('max');
      break;
    case 'file':
      config.accept = [...formElement.querySelectorAll(`input[name="${p}accept-item"]:checked`)].map((input) => input.value);
      if (!config.accept.length) throw invalid(`${p}config.accept`, t('forms.error.accept'));
      number('max_size_mb', config);
      number('max_files', config);
      break;
    case 'money':
      config.currency = value('currency').toUpperCase();
      if (!/^[A-Z]{3}$/.test(config.currency)) throw invalid(`${p}config.currency`, t('forms.error.currency'));
      number('max_amount', config);
      break;
    default:
      break;
  }
  return config;
}

/**
 * A form to add a question (no `field`) or edit one. Controls are named with `p`, a prefix,
 * so an open editor and the add form never share ids.
 */
function editorForm(p, field = null) {
  const adding = !field;
  const formElement = el('form', { method: 'post', novalidate: true, className: adding ? '' : 'editor' },
    el('div', { className: 'alert alert-error', role: 'alert', 'data-alert': true }),
    el('p', { className: 'alert alert-ok', role: 'status', 'data-status': true }));
  let typeSelect = null;
  if (adding) {
    typeSelect = el('select', {}, ...Object.entries(TYPES).map(([value, text]) => el('option', { value, text })));
    formElement.append(inputField(`${p}type`, t('forms.editor.type'), typeSelect));
  }
  formElement.append(
    inputField(`${p}label`, t('forms.editor.label'), el('input', { type: 'text', maxlength: '300', value: field?.label ?? '' }), t('forms.editor.label_hint')),
    inputField(`${p}help_text`, t('forms.editor.help_text'), el('textarea', { rows: '2', maxlength: '2000', value: field?.help_text ?? '' }), t('forms.editor.help_text_hint')));
  if (adding) {
    formElement.append(inputField(`${p}key`, t('forms.editor.key'), el('input', { type: 'text', maxlength: '60', autocapitalize: 'off', spellcheck: 'false', pattern: '[a-z][a-z0-9_]*' }),
      t('forms.editor.key_hint')));
  }
  const flags = el('fieldset', { className: 'group' }, el('legend', { text: t('forms.editor.settings') }));
  for (const [name, label, hint] of FLAGS) {
    const checked = field ? field[name] : name === 'show_to_judges';
    flags.append(checkbox({ id: `${p}${name}`, label, hint, checked }));
  }
  if (adding && form.locked) {
    const required = flags.querySelector(`#${p}required`);
    required.checked = false;
    required.disabled = true;
    flags.querySelector(`#${p}required-hint`).textContent = t('forms.editor.locked_required');
  }
  formElement.append(flags);
  const settingsBox = el('fieldset', { className: 'group', name: `${p}config`, 'aria-describedby': `${p}config-error` },
    el('legend', { text: t('forms.editor.answer_settings') }));
  const settingsBody = el('div');
  settingsBox.append(settingsBody, el('p', { className: 'field-error', id: `${p}config-error` }));
  const showSettings = () => settingsBody.replaceChildren(...configControls(p, adding ? typeSelect.value : field.type, field?.config ?? {}));
  typeSelect?.addEventListener('change', showSettings);
  showSettings();
  formElement.append(settingsBox);
  const actions = el('p', { className: 'actions' },
    el('button', { type: 'submit', className: 'button', text: adding ? t('forms.editor.add') : t('forms.editor.save') }));
  formElement.append(actions);
  formElement.readBody = () => {
    const type = adding ? typeSelect.value : field.type;
    const body = {
      label: formElement.elements[`${p}label`].value.trim(),
      help_text: formElement.elements[`${p}help_text`].value.trim(),
      config: readConfig(formElement, p, type),
    };
    for (const [name] of FLAGS) body[name] = formElement.elements[`${p}${name}`].checked;
    if (!body.label) throw invalid(`${p}label`, t('forms.error.label'));
    if (adding) {
      body.type = type;
      const key = formElement.elements[`${p}key`].value.trim();
      if (key) body.key = key;
    }
    return body;
  };
  return formElement;
}

/** Server paths ("config.choices", "label") to this editor's controls. */
const mapTo = (p) => (path) => `${p}${path}`;

// ---------------------------------------------------------------- the list

function configSummary(field) {
  const c = field.config ?? {};
  const parts = [];
  const given = (value) => value !== undefined && value !== null && value !== '';
  if (c.choices?.length) parts.push(t('forms.summary.choices', { list: c.choices.join(', ') }));
  if (c.max_choices) parts.push(t('forms.summary.max_choices', { count: c.max_choices }));
  if (c.max_length) parts.push(t('forms.summary.max_length', { count: c.max_length }));
  if (c.max_words) parts.push(t('forms.summary.max_words', { count: c.max_words }));
  if (field.type === 'number' || field.type === 'date') {
    if (given(c.min)) parts.push(t('forms.summary.min', { value: c.min }));
    if (given(c.max)) parts.push(t('forms.summary.max', { value: c.max }));
    if (c.integer) parts.push(t('forms.summary.integer'));
  }
  if (c.accept?.length) parts.push(t('forms.summary.accept', { list: c.accept.map((k) => FILE_KINDS[k] ?? k).join(', ') }));
  if (c.max_size_mb) parts.push(t('forms.summary.max_size_mb', { size: c.max_size_mb }));
  if (c.max_files) parts.push(t('forms.summary.max_files', { count: c.max_files }));
  if (c.currency) parts.push(t('forms.summary.currency', { currency: c.currency }));
  if (c.max_amount) parts.push(t('forms.summary.max_amount', { amount: c.max_amount }));
  return parts.join(t('forms.summary.separator'));
}

function fieldCard(field, index, fields) {
  const headingId = `field-${field.id}`;
  const item = el('li', { className: 'card', 'data-testid': 'form-field', 'data-key': field.key });
  const show = () => {
    const flags = el('p', { className: 'flags' },
      badge(field.required ? t('forms.badge.required') : t('forms.badge.optional'), field.required ? '' : 'quiet'),
      badge(field.show_to_judges ? t('forms.badge.shown_to_judges') : t('forms.badge.hidden_from_judges'), field.show_to_judges ? '' : 'quiet'));
    if (field.public) flags.append(badge(t('forms.badge.public')));
    if (field.identifying) flags.append(badge(t('forms.badge.identifying'), 'warn'));
    if (field.demographic) flags.append(badge(t('forms.badge.demographic')));
    const summary = configSummary(field);
    const buttons = el('p', { className: 'actions' });
    if (!form.locked) {
      const button = (text, action) => {
        const b = el('button', { type: 'button', className: 'button button-secondary', text, 'aria-describedby': headingId, 'data-action': action });
        buttons.append(b);
        return b;
      };
      button(t('forms.field.edit'), 'edit').addEventListener('click', () => showEditor());
      const up = button(t('forms.field.up'), 'up');
      const down = button(t('forms.field.down'), 'down');
      up.disabled = index === 0;
      down.disabled = index === fields.length - 1;
      onClick(up, fieldsAlert, () => move(field, fields[index - 1], 'up'));
      onClick(down, fieldsAlert, () => move(field, fields[index + 1], 'down'));
      onClick(button(t('forms.field.delete'), 'delete'), fieldsAlert, () => remove(field));
    }
    item.replaceChildren(
      el('h3', { className: 'card-title', id: headingId, text: field.label }),
      el('p', { className: 'card-meta muted' }, `${TYPES[field.type] ?? field.type} · `, el('code', { text: field.key, translate: 'no' })),
      flags,
      field.help_text ? el('p', { className: 'muted', text: field.help_text }) : '',
      summary ? el('p', { className: 'small', text: summary }) : '',
      buttons);
    return buttons.querySelector('button');
  };
  const showEditor = () => {
    const p = `edit${field.id}-`;
    const editor = editorForm(p, field);
    editor.setAttribute('aria-label', t('forms.field.edit_label', { label: field.label }));
    const cancel = el('button', { type: 'button', className: 'button button-secondary', text: t('forms.field.cancel') });
    editor.querySelector('.actions').append(cancel);
    cancel.addEventListener('click', () => show()?.focus());
    submitWith(editor, async () => {
      const body = editor.readBody();
      try {
        await patch(`${base}/form/fields/${field.id}`, body);
      } catch (error) {
        if (error instanceof ApiError && error.code === 'form_locked') return lockedNow(error);
        throw error;
      }
      fieldsStatus.textContent = t('forms.field.saved', { label: body.label });
      await reload();
      focusField(field.id, 'edit');
      return undefined;
    }, mapTo(p));
    item.replaceChildren(el('h3', { className: 'card-title', text: t('forms.field.edit_heading', { label: field.label }) }), editor);
    editor.elements[`${p}label`].focus();
  };
  show();
  return item;
}

function focusField(id, action) {
  const card = byId(`field-${id}`)?.closest('li');
  const button = card?.querySelector(`[data-action="${action}"]:not(:disabled)`) ?? card?.querySelector('button:not(:disabled)');
  (button ?? byId('fields-heading')).focus();
}

/**
 * Moves a field past its neighbour. The API sets one field's position without shifting the
 * others, so the two swap positions; when they share one, every field is renumbered in order.
 */
async function move(field, neighbour, direction) {
  fieldsStatus.textContent = '';
  byId('presets-status').textContent = '';
  const order = [...form.fields].sort((a, b) => a.position - b.position || a.id - b.id);
  const i = order.indexOf(field);
  const j = order.indexOf(neighbour);
  [order[i], order[j]] = [order[j], order[i]];
  const changes = field.position !== neighbour.position
    ? [[field, neighbour.position], [neighbour, field.position]]
    : order.map((f, index) => [f, index]).filter(([f, index]) => f.position !== index);
  try {
    for (const [f, position] of changes) await patch(`${base}/form/fields/${f.id}`, { position });
  } catch (error) {
    if (error instanceof ApiError && error.code === 'form_locked') return lockedNow(error);
    throw error;
  }
  await reload();
  fieldsStatus.textContent = t(direction === 'up' ? 'forms.field.moved_up' : 'forms.field.moved_down', { label: field.label });
  focusField(field.id, direction);
  return undefined;
}

async function remove(field) {
  if (!window.confirm(t('forms.field.confirm_delete', { label: field.label }))) return undefined;
  fieldsStatus.textContent = '';
  byId('presets-status').textContent = '';
  try {
    await del(`${base}/form/fields/${field.id}`);
  } catch (error) {
    if (error instanceof ApiError && error.code === 'form_locked') return lockedNow(error);
    throw error;
  }
  const ordered = () => [...form.fields].sort((a, b) => a.position - b.position || a.id - b.id);
  const index = ordered().findIndex((f) => f.id === field.id);
  await reload();
  fieldsStatus.textContent = t('forms.field.deleted', { label: field.label });
  const next = ordered()[Math.min(index, form.fields.length - 1)];
  if (next) focusField(next.id, 'delete');
  else byId('fields-heading').focus();
  return undefined;
}

/** The form became locked while this page was open: say so at the top and show it locked. */
async function lockedNow(error) {
  await reload();
  showAlert(fieldsAlert, [error.message]);
  fieldsAlert.focus();
}

function render() {
  const fields = [...form.fields].sort((a, b) => a.position - b.position || a.id - b.id);
  list.replaceChildren(...fields.map((field, i) => fieldCard(field, i, fields)));
  byId('fields-empty').hidden = fields.length > 0;
  byId('form-version').textContent = t('forms.version', { version: form.version, count: fields.length });
  byId('locked-note').hidden = !form.locked;
  renderAddForm();
  renderPresets();
}

async function reload() {
  form = await get(`${base}/form`);
  render();
}

// ---------------------------------------------------------------- adding

let addForm = null;
let addLocked = null;

/** The add form, rebuilt only when the lock changes (so typing is never lost). */
function renderAddForm() {
  if (addForm && addLocked === form.locked) return;
  addLocked = form.locked;
  addForm = editorForm('new-');
  addForm.id = 'add-form';
  addForm.setAttribute('aria-labelledby', 'add-heading');
  byId('add-slot').replaceChildren(addForm);
  submitWith(addForm, async () => {
    const body = addForm.readBody();
    let added;
    try {
      added = await post(`${base}/form/fields`, body);
    } catch (error) {
      if (error instanceof ApiError && error.code === 'form_locked') {
        await reload();
        // At the top of the add form, whatever field the server named.
        throw new ApiError({ status: error.status, code: error.code, message: error.message });
      }
      throw error;
    }
    await reload();
    addForm = null; // a fresh, empty form for the next question
    renderAddForm();
    showStatus(addForm, t('forms.add.added', { label: added.label, position: form.fields.length }));
    addForm.querySelector('select').focus();
  }, mapTo('new-'));
}

function renderPresets() {
  const keys = new Set(form.fields.map((f) => f.key));
  byId('preset-list').replaceChildren(...PRESETS.map((preset) => {
    const exists = keys.has(preset.key);
    const button = el('button', {
      type: 'button', className: 'button button-secondary', disabled: exists,
      text: exists ? t('forms.presets.exists', { label: preset.label }) : t('forms.presets.add', { label: preset.label }),
    });
    const choices = el('span', { className: 'hint', text: ` (${preset.choices.join(', ')})` });
    onClick(button, byId('presets-alert'), async () => {
      byId('presets-status').textContent = '';
      fieldsStatus.textContent = '';
      await post(`${base}/form/fields`, {
        key: preset.key, type: 'choice', label: preset.label, required: false, show_to_judges: false,
        public: false, identifying: false, demographic: true, config: { choices: preset.choices },
      });
      await reload();
      byId('presets-status').textContent = t('forms.presets.added', { label: preset.label });
      byId('preset-list').querySelector('button:not(:disabled)')?.focus();
    });
    return el('li', {}, button, choices);
  }));
}

// ---------------------------------------------------------------- start

const started = await startPage({ current: 'form', organiserOnly: true });
if (started) {
  base = `/challenges/${enc(started.slug)}`;
  try {
    form = await get(`${base}/form`);
    render();
    showBody();
  } catch (error) {
    if (isAuthError(error)) goToLogin();
    else showAlert(byId('page-alert'), [t('forms.failed', { message: error.message })]);
    byId('page-loading').textContent = '';
  }
}
