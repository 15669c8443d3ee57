// A call's languages: the language it is written in, and its own text (title, question,
// description, rules, prizes, consent, the entry form's questions) in more languages.
// Organisers only; readers get each translation through ?lang= on the call's pages.
import { ApiError, del, get, patch, put, showAlert } from './api.js';
import { showStatus } from './form.js';
import { byId, el, goToLogin, isAuthError, showBody, startPage, submitWith } from './organiser-nav.js';
import { formatDateTime } from './dates.js';
import { language as interfaceLanguage, t, useCatalogues } from './i18n.js';

await useCatalogues('translations');

// Languages offered in the lists: those of the interface and many that health programmes
// write calls in. The call's own languages are added to them.
const OFFERED = [
  'am', 'ar', 'bn', 'en', 'es', 'fa', 'fr', 'ha', 'hi', 'id', 'ig', 'km', 'lg', 'ln', 'mg', 'my',
  'ne', 'ny', 'om', 'pt', 'ps', 'ru', 'rw', 'sn', 'so', 'sw', 'ta', 'th', 'ti', 'tl', 'tr', 'uk',
  'ur', 'vi', 'wo', 'xh', 'yo', 'zh', 'zu',
];

// The call's texts a translation gives: [API name, the original's field, a textarea?].
const TEXTS = [
  ['title', 'title', false],
  ['prompt', 'prompt', false],
  ['description_md', 'description_md', true],
  ['eligibility_text', 'eligibility_text', true],
  ['formats_text', 'formats_text', true],
  ['prizes_text', 'prizes_text', true],
  ['recognition_text', 'recognition_text', true],
  ['consent_text', 'consent_text', true],
];
const CHOICE_TYPES = new Set(['choice', 'multi_choice']);

let displayNames;
try {
  displayNames = new Intl.DisplayNames([interfaceLanguage], { type: 'language' });
} catch {
  displayNames = null;
}

/** "French (fr)" in the interface's language, or the tag alone. */
function languageLabel(code) {
  try {
    const name = displayNames?.of(code);
    if (name && name.toLowerCase() !== code.toLowerCase()) return t('translations.language_name', { name, code });
  } catch {
    // A tag Intl does not know.
  }
  return code;
}

function options(select, codes, chosen = null) {
  const sorted = [...new Set(codes)].sort((a, b) => languageLabel(a).localeCompare(languageLabel(b), interfaceLanguage));
  select.replaceChildren(...sorted.map((code) => el('option', { value: code, text: languageLabel(code), selected: code === chosen })));
  if (chosen) select.value = chosen;
}

const started = await startPage({ current: 'languages', organiserOnly: true });
if (started) {
  const base = `/challenges/${encodeURIComponent(started.slug)}`;
  let challenge = started.challenge;
  let translations = [];
  let questions = [];
  let editing = null; // the language open in the editor
  let opener = null; // the button that opened the delete dialog

  const listEl = byId('translation-list');
  const editorSection = byId('editor-section');
  const editorForm = byId('editor-form');
  const deleteDialog = byId('delete-dialog');

  async function load() {
    [translations, questions] = await Promise.all([
      get(`${base}/translations`),
      get(`${base}/form`).then((form) => form.fields ?? []),
    ]);
  }

  function renderOriginal() {
    const taken = translations.map((item) => item.language);
    options(byId('original_language'), [...OFFERED, challenge.original_language].filter((code) => !taken.includes(code)), challenge.original_language);
  }

  function renderList() {
    byId('list-empty').hidden = translations.length > 0;
    listEl.replaceChildren(...translations.map((item) => {
      const name = languageLabel(item.language);
      const edit = el('button', { type: 'button', className: 'button button-secondary', text: t('translations.list.edit', { language: name }) });
      const remove = el('button', { type: 'button', className: 'button button-secondary', text: t('translations.list.delete', { language: name }) });
      edit.addEventListener('click', () => openEditor(item.language));
      remove.addEventListener('click', () => askDelete(item.language, remove));
      const filled = TEXTS.filter(([name_]) => item[name_]?.trim()).length;
      return el('li', { className: 'card' },
        el('h3', { text: name }),
        el('p', { lang: item.language, text: item.title || t('translations.list.no_title') }),
        el('p', { className: 'muted', text: t('translations.list.summary', { count: filled, total: TEXTS.length, time: formatDateTime(item.updated_at) }) }),
        el('p', { className: 'actions' }, edit, ' ', remove));
    }));
    const taken = new Set([challenge.original_language, ...translations.map((item) => item.language)]);
    const free = OFFERED.filter((code) => !taken.has(code));
    options(byId('new_language'), free);
    byId('add-form').hidden = free.length === 0;
  }

  /** One text of the call: the original shown above the box for the translation. */
  function textField(name, code, value) {
    const original = challenge[name] ?? '';
    const id = name;
    const control = TEXTS.find(([n]) => n === name)[2]
      ? el('textarea', { id, name, rows: name === 'description_md' ? 8 : 4, lang: code, dir: 'auto', value })
      : el('input', { id, name, type: 'text', lang: code, dir: 'auto', value });
    control.setAttribute('aria-describedby', `${id}-original ${id}-error`);
    return el('div', { className: 'field' },
      el('label', { for: id, text: t(`translations.text.${name}`) }),
      el('div', { className: 'hint', id: `${id}-original` },
        el('span', { text: t('translations.editor.original', { language: languageLabel(challenge.original_language) }) }),
        ' ',
        original.trim()
          ? el('span', { lang: challenge.original_language, dir: 'auto', className: 'original-text', text: original })
          : el('em', { text: t('translations.editor.original_empty') })),
      control,
      el('p', { className: 'field-error', id: `${id}-error` }));
  }

  /** One question of the entry form: its label, help text and choices in the language. */
  function questionField(question, code, given) {
    const prefix = `form.${question.key}`;
    const small = (suffix, labelText, original, value, multiline) => {
      const id = `${prefix}.${suffix}`;
      const control = multiline
        ? el('textarea', { id, name: id, rows: 2, lang: code, dir: 'auto', value })
        : el('input', { id, name: id, type: 'text', lang: code, dir: 'auto', value });
      control.setAttribute('aria-describedby', `${id}-original ${id}-error`);
      return el('div', { className: 'field' },
        el('label', { for: id, text: labelText }),
        el('p', { className: 'hint', id: `${id}-original` },
          el('span', { text: t('translations.editor.original', { language: languageLabel(challenge.original_language) }) }),
          ' ',
          el('span', { lang: challenge.original_language, dir: 'auto', text: original })),
        control,
        el('p', { className: 'field-error', id: `${id}-error` }));
    };
    const parts = [small('label', t('translations.question.label'), question.label, given?.label ?? '', false)];
    if (question.help_text) parts.push(small('help_text', t('translations.question.help_text'), question.help_text, given?.help_text ?? '', true));
    if (CHOICE_TYPES.has(question.type)) {
      const choices = (question.config?.choices ?? []).map(String);
      const group = el('fieldset', { name: `${prefix}.choices`, className: 'choice-translations', 'aria-describedby': `${prefix}.choices-error` },
        el('legend', { text: t('translations.question.choices') }),
        ...choices.map((choice, index) => {
          const id = `${prefix}.choice.${index}`;
          const input = el('input', { id, type: 'text', lang: code, dir: 'auto', value: given?.choices?.[choice] ?? '' });
          input.dataset.choice = choice;
          return el('div', { className: 'field' },
            el('label', { for: id, lang: challenge.original_language, dir: 'auto', text: choice }),
            input);
        }),
        el('p', { className: 'field-error', id: `${prefix}.choices-error` }));
      parts.push(group);
    }
    const section = el('fieldset', { className: 'question-translation' },
      el('legend', { lang: challenge.original_language, dir: 'auto', text: question.label }),
      ...parts);
    section.dataset.key = question.key;
    return section;
  }

  function openEditor(code) {
    editing = code;
    const given = translations.find((item) => item.language === code) ?? { form: {} };
    byId('editor-heading').textContent = t('translations.editor.heading', { language: languageLabel(code) });
    byId('editor-texts').replaceChildren(...TEXTS.map(([name]) => textField(name, code, given[name] ?? '')));
    byId('editor-questions').replaceChildren(...questions.map((question) => questionField(question, code, given.form?.[question.key])));
    byId('questions-empty').hidden = questions.length > 0;
    showStatus(editorForm, '');
    showAlert(editorForm.querySelector('[data-alert]'), []);
    editorSection.hidden = false;
    byId('editor-heading').focus();
  }

  function editorBody() {
    const body = { form: {} };
    for (const [name] of TEXTS) body[name] = editorForm.elements.namedItem(name).value;
    for (const section of editorForm.querySelectorAll('.question-translation')) {
      const key = section.dataset.key;
      const value = (suffix) => editorForm.elements.namedItem(`form.${key}.${suffix}`)?.value ?? '';
      const choices = Object.fromEntries([...section.querySelectorAll('[data-choice]')]
        .filter((input) => input.value.trim())
        .map((input) => [input.dataset.choice, input.value]));
      const entry = { label: value('label'), help_text: value('help_text'), choices };
      if (entry.label.trim() || entry.help_text.trim() || Object.keys(choices).length) body.form[key] = entry;
    }
    return body;
  }

  submitWith(editorForm, async () => {
    const saved = await put(`${base}/translations/${encodeURIComponent(editing)}`, editorBody());
    translations = [...translations.filter((item) => item.language !== saved.language), saved]
      .sort((a, b) => a.language.localeCompare(b.language));
    renderList();
    renderOriginal();
    showStatus(editorForm, t('translations.editor.saved', { language: languageLabel(saved.language) }));
  });

  byId('editor-close').addEventListener('click', () => {
    editorSection.hidden = true;
    editing = null;
    byId('list-heading').focus();
  });

  submitWith(byId('add-form'), async (values) => {
    openEditor(values.new_language);
  });

  submitWith(byId('original-form'), async (values, form) => {
    challenge = await patch(base, { original_language: values.original_language });
    renderOriginal();
    renderList();
    showStatus(form, t('translations.original.saved', { language: languageLabel(challenge.original_language) }));
  });

  function askDelete(code, button) {
    opener = button;
    deleteDialog.dataset.language = code;
    byId('delete-what').textContent = t('translations.delete.what', { language: languageLabel(code) });
    showAlert(byId('delete-alert'), []);
    deleteDialog.showModal();
    byId('delete-heading').focus();
  }

  byId('delete-cancel').addEventListener('click', () => deleteDialog.close());
  deleteDialog.addEventListener('close', () => opener?.isConnected && opener.focus());
  byId('delete-confirm').addEventListener('click', async () => {
    const code = deleteDialog.dataset.language;
    const button = byId('delete-confirm');
    button.disabled = true;
    try {
      await del(`${base}/translations/${encodeURIComponent(code)}`);
      translations = translations.filter((item) => item.language !== code);
      if (editing === code) {
        editorSection.hidden = true;
        editing = null;
      }
      opener = byId('list-heading');
      deleteDialog.close();
      renderList();
      renderOriginal();
    } catch (error) {
      if (isAuthError(error)) return goToLogin();
      showAlert(byId('delete-alert'), [error instanceof ApiError ? error.message : t('common.error.client')]);
    } finally {
      button.disabled = false;
    }
    return undefined;
  });

  try {
    await load();
    renderOriginal();
    renderList();
    showBody();
  } catch (error) {
    if (isAuthError(error)) goToLogin();
    else showAlert(byId('page-alert'), [t('translations.load_failed', { message: error.message })]);
    byId('page-loading')?.remove();
  }
}
