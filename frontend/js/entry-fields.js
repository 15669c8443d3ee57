// Entry form fields: each field type drawn as labelled inputs and read back as the API's
// answer value, the team list and file uploads. (Read-only views are in entry-view.js.)
import { formatNumber, loadNamespaces, t } from './i18n.js';

await loadNamespaces('entry');

/** Makes an element; `text` is set as textContent, never parsed as HTML. */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'text') node.textContent = String(value);
    else if (name === 'className') node.className = value;
    else if (['checked', 'disabled', 'multiple', 'hidden', 'selected', 'value'].includes(name)) node[name] = value;
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  node.append(...children.filter((child) => child !== null && child !== undefined && child !== false));
  return node;
}

/** A stable element id for an API field path ("answers.budget" → "f-answers-budget"). */
export const idFor = (path) => `f-${path.replace(/[^a-zA-Z0-9_-]/g, '-')}`;

const ACCEPT = {
  pdf: { name: t('entry.kind.pdf'), accept: '.pdf,application/pdf' },
  image: { name: t('entry.kind.image'), accept: 'image/*' },
  word: { name: t('entry.kind.word'), accept: '.doc,.docx,.odt,.rtf' },
  spreadsheet: { name: t('entry.kind.spreadsheet'), accept: '.xls,.xlsx,.ods,.csv' },
  presentation: { name: t('entry.kind.presentation'), accept: '.ppt,.pptx,.odp' },
  text: { name: t('entry.kind.text'), accept: '.txt,.md,text/plain' },
  audio: { name: t('entry.kind.audio'), accept: 'audio/*' },
  video: { name: t('entry.kind.video'), accept: 'video/*' },
};

/** "1.4 MB" ("1,4 Mo" in French) */
export function formatSize(bytes) {
  if (bytes < 1024) return t('entry.size.bytes', { count: bytes });
  if (bytes < 1024 * 1024) return t('entry.size.kilobytes', { size: formatNumber(Math.round(bytes / 1024), { useGrouping: false }) });
  const megabytes = formatNumber(bytes / (1024 * 1024), { minimumFractionDigits: 1, maximumFractionDigits: 1, useGrouping: false });
  return t('entry.size.megabytes', { size: megabytes });
}

export const wordCount = (text) => String(text ?? '').trim().split(/\s+/).filter(Boolean).length;

/** A number typed by a person ("1,500", " 2.5 "), or the text itself when it is not one. */
function parseNumber(text) {
  let clean = String(text).trim().replace(/\s/g, '');
  if (clean === '') return null;
  if (/^-?\d{1,3}(,\d{3})+(\.\d+)?$/.test(clean)) clean = clean.replace(/,/g, '');
  return /^-?(\d+\.?\d*|\.\d+)$/.test(clean) ? Number(clean) : String(text).trim();
}

const orNull = (text) => (String(text ?? '').trim() === '' ? null : String(text));

function limitsHint(field) {
  const c = field.config ?? {};
  const parts = [];
  switch (field.type) {
    case 'short_text':
      if (c.max_length) parts.push(t('entry.hint.max_length', { count: c.max_length }));
      break;
    case 'number': {
      const limits = { min: c.min, max: c.max };
      const hasMin = c.min !== undefined && c.min !== null;
      const hasMax = c.max !== undefined && c.max !== null;
      if (hasMin && hasMax) parts.push(c.integer ? t('entry.hint.whole_number_range', limits) : t('entry.hint.number_range', limits));
      else if (hasMin) parts.push(c.integer ? t('entry.hint.whole_number_min', limits) : t('entry.hint.number_min', limits));
      else if (hasMax) parts.push(c.integer ? t('entry.hint.whole_number_max', limits) : t('entry.hint.number_max', limits));
      else if (c.integer) parts.push(t('entry.hint.whole_number'));
      break;
    }
    case 'multi_choice':
      if (c.max_choices) parts.push(t('entry.hint.max_choices', { count: c.max_choices }));
      break;
    case 'money': {
      const currency = c.currency ?? t('entry.hint.currency_shown');
      parts.push(c.max_amount ? t('entry.hint.money_max', { currency, max: Number(c.max_amount) }) : t('entry.hint.money', { currency }));
      break;
    }
    case 'url':
      parts.push(t('entry.hint.url'));
      break;
    case 'date':
      if (c.min && c.max) parts.push(t('entry.hint.date_range', { min: c.min, max: c.max }));
      else if (c.min) parts.push(t('entry.hint.date_min', { min: c.min }));
      else if (c.max) parts.push(t('entry.hint.date_max', { max: c.max }));
      break;
    case 'file': {
      const kinds = (c.accept ?? []).map((kind) => ACCEPT[kind]?.name ?? kind);
      if (kinds.length) parts.push(t('entry.hint.accepted', { kinds: kinds.join(', ') }));
      if (c.max_size_mb) parts.push(t('entry.hint.max_size', { size: c.max_size_mb }));
      parts.push(c.max_files > 1 ? t('entry.hint.max_files', { count: c.max_files }) : t('entry.hint.one_file'));
      break;
    }
    default:
      break;
  }
  if (field.public) parts.push(t('entry.hint.public'));
  return parts.join(' ');
}

/** Whether the inputs carry the native `required` attribute (the form has novalidate). */
const nativeRequired = (field) => Boolean(field.required) && !['multi_choice', 'file'].includes(field.type);

/**
 * The label's words and a visible "(required)". When the inputs say `required` themselves,
 * the marker is hidden from screen readers, which announce "required" already, and the
 * accessible name stays the label alone.
 */
function labelContent(field) {
  if (!field.required) return [field.label];
  return [field.label, el('span', { className: 'required', text: ` ${t('entry.field.required')}`, 'aria-hidden': nativeRequired(field) ? 'true' : null })];
}

/**
 * The shell every control shares: the wrapper (data-path), label or legend, hint, message slot.
 * Returns the pieces for the type-specific part to fill in.
 */
function shell(field, path, { group = false } = {}) {
  const id = idFor(path);
  const hintText = [field.help_text, limitsHint(field)].filter(Boolean).join(' ');
  const hint = hintText ? el('p', { className: 'hint', id: `${id}-hint`, text: hintText }) : null;
  const message = el('p', { className: 'field-error', id: `${id}-error` });
  const unsaved = unsavedMark(id);
  const wrapper = group
    ? el('fieldset', { className: 'field group', 'data-path': path, id: `${id}-group` }, el('legend', {}, ...labelContent(field)))
    : el('div', { className: 'field', 'data-path': path });
  if (!group && field.type !== 'checkbox') {
    // The marker sits beside the label, not in it, so the field's name is the label alone.
    const label = el('label', { for: id, text: field.label });
    const marker = labelContent(field)[1];
    // Inputs that cannot say `required` themselves (files) are described by the marker.
    if (marker && !nativeRequired(field)) marker.id = `${id}-required`;
    wrapper.append(marker ? el('div', { className: 'label-row' }, label, marker) : label);
  }
  wrapper.append(unsaved);
  if (hint) wrapper.append(hint);
  const describedBy = [wrapper.querySelector(`[id="${id}-required"]`) ? `${id}-required` : null, unsaved.id, hint ? hint.id : null, message.id];
  return { id, wrapper, message, unsaved, describedBy };
}

/**
 * The visible note beside a field whose change has not reached the server ("Not saved yet"):
 * text, not a colour, and named by the inputs' aria-describedby (empty when all is saved).
 */
function unsavedMark(id) {
  return el('p', { className: 'unsaved-mark', id: `${id}-unsaved` });
}

const unsavedSetter = (mark) => (text) => {
  if (mark.textContent !== (text ?? '')) mark.textContent = text ?? '';
};

/**
 * The message slot under a control: an error (red, marks `inputs()` invalid) or a "needed" note (what
 * must change before submitting). `extraInvalid()` keeps the mark for another reason.
 */
function messages(slot, inputs, extraInvalid = () => false) {
  const mark = () => {
    const invalid = extraInvalid() || (Boolean(slot.textContent) && slot.className === 'field-error');
    for (const input of inputs()) {
      if (invalid) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
    }
  };
  return {
    mark,
    setMessage(text, kind = 'error') {
      slot.textContent = text ?? '';
      slot.className = kind === 'needed' ? 'field-needed' : 'field-error';
      mark();
    },
    get messageKind() {
      return slot.textContent ? (slot.className === 'field-needed' ? 'needed' : 'error') : null;
    },
  };
}

/**
 * The control for one form field (or a core entry part drawn like one). `path` is the API's
 * name for it ("answers.<key>", "title"…). Returns {path, label, element, read(), write(v),
 * focus(), setMessage(text, kind), setUnsaved(text), setAttachments?(list), hasQueued?()}.
 */
export function fieldControl(field, path, ctx = {}) {
  if (field.type === 'file') return fileControl(field, path, ctx);
  const c = field.config ?? {};
  // `options` ([value, text] pairs) is for the page's own lists, e.g. languages by code.
  const options = Array.isArray(c.options) ? c.options : (Array.isArray(c.choices) ? c.choices : []).map((choice) => [String(choice), String(choice)]);
  // A few choices show as radio buttons; many, or `as_select`, as a drop-down list.
  const group = field.type === 'multi_choice' || (field.type === 'choice' && !c.as_select && options.length <= 5 && options.length > 0);
  const { id, wrapper, message, unsaved, describedBy } = shell(field, path, { group });
  let read;
  let write;
  let focusTarget;
  const inputs = [];
  const describe = (input, extra = []) => {
    input.setAttribute('aria-describedby', [...extra, ...describedBy].filter(Boolean).join(' '));
    if (nativeRequired(field)) input.required = true;
    inputs.push(input);
    return input;
  };

  switch (field.type) {
    case 'long_text': {
      const area = describe(el('textarea', { id, name: path, rows: 6, maxlength: c.max_length ?? 20000, spellcheck: 'true' }), c.max_words ? [`${id}-count`] : []);
      wrapper.append(area);
      if (c.max_words) {
        const counter = el('p', { className: 'counter', id: `${id}-count` });
        const update = () => {
          const count = wordCount(area.value);
          counter.textContent = count > c.max_words
            ? t('entry.field.words_over', { count, max: c.max_words, over: count - c.max_words })
            : t('entry.field.words', { count, max: c.max_words });
          counter.classList.toggle('over', count > c.max_words);
        };
        area.addEventListener('input', update);
        wrapper.append(counter);
        write = (value) => { area.value = value ?? ''; update(); };
      } else {
        write = (value) => { area.value = value ?? ''; };
      }
      read = () => orNull(area.value);
      focusTarget = area;
      break;
    }
    case 'number':
    case 'money': {
      const input = describe(el('input', { id, name: path, type: 'text', inputmode: c.integer ? 'numeric' : 'decimal', autocomplete: 'off' }), field.type === 'money' ? [`${id}-currency`] : []);
      if (field.type === 'money') {
        wrapper.append(el('div', { className: 'affixed' }, el('span', { className: 'affix', id: `${id}-currency`, text: c.currency ?? '' }), input));
        read = () => {
          const amount = parseNumber(input.value);
          return amount === null ? null : { amount, currency: c.currency ?? null };
        };
        write = (value) => { input.value = value && value.amount !== undefined && value.amount !== null ? String(value.amount) : ''; };
      } else {
        wrapper.append(input);
        read = () => parseNumber(input.value);
        write = (value) => { input.value = value === null || value === undefined ? '' : String(value); };
      }
      focusTarget = input;
      break;
    }
    case 'choice':
    case 'country': {
      if (group) {
        const list = el('div', { className: 'options' });
        options.forEach(([value, text], index) => {
          const optionId = `${id}-${index}`;
          const radio = describe(el('input', { type: 'radio', id: optionId, name: path, value }));
          list.append(el('div', { className: 'check' }, radio, el('label', { for: optionId, text })));
        });
        wrapper.append(list);
        read = () => inputs.find((radio) => radio.checked)?.value ?? null;
        write = (value) => { for (const radio of inputs) radio.checked = radio.value === value; };
        focusTarget = null;
      } else {
        const select = describe(el('select', { id, name: path }));
        const list = field.type === 'country'
          ? (ctx.countries ?? []).map((country) => [country.iso2, country.name])
          : options;
        select.append(el('option', { value: '', text: field.type === 'country' ? t('entry.field.choose_country') : t('entry.field.choose_one') }),
          ...list.map(([value, text]) => el('option', { value, text })));
        wrapper.append(select);
        read = () => orNull(select.value);
        write = (value) => {
          if (value && ![...select.options].some((option) => option.value === value)) select.append(el('option', { value, text: value }));
          select.value = value ?? '';
        };
        focusTarget = select;
      }
      break;
    }
    case 'multi_choice': {
      const list = el('div', { className: 'options' });
      const note = el('p', { className: 'counter', id: `${id}-count` });
      options.forEach(([value, text], index) => {
        const optionId = `${id}-${index}`;
        const box = describe(el('input', { type: 'checkbox', id: optionId, name: path, value }), c.max_choices ? [note.id] : []);
        list.append(el('div', { className: 'check' }, box, el('label', { for: optionId, text })));
      });
      wrapper.append(list);
      const update = () => {
        if (!c.max_choices) return;
        const count = inputs.filter((box) => box.checked).length;
        note.textContent = count > c.max_choices ? t('entry.field.too_many_chosen', { n: count, max: c.max_choices }) : '';
        note.classList.toggle('over', count > c.max_choices);
      };
      if (c.max_choices) {
        wrapper.append(note);
        list.addEventListener('change', update);
      }
      read = () => {
        const chosen = inputs.filter((box) => box.checked).map((box) => box.value);
        return chosen.length ? chosen : null;
      };
      write = (value) => {
        const wanted = new Set(Array.isArray(value) ? value.map(String) : []);
        for (const box of inputs) box.checked = wanted.has(box.value);
        update();
      };
      focusTarget = null;
      break;
    }
    case 'checkbox': {
      const box = describe(el('input', { type: 'checkbox', id, name: path }));
      wrapper.prepend(el('div', { className: 'check' }, box, el('label', { for: id }, ...labelContent(field))));
      read = () => box.checked;
      write = (value) => { box.checked = value === true; };
      focusTarget = box;
      break;
    }
    default: {
      const type = { url: 'url', email: 'email', date: 'date' }[field.type] ?? 'text';
      const input = describe(el('input', {
        id,
        name: path,
        type,
        maxlength: field.type === 'short_text' ? c.max_length ?? 300 : null,
        min: field.type === 'date' ? c.min : null,
        max: field.type === 'date' ? c.max : null,
        inputmode: field.type === 'url' ? 'url' : null,
        autocomplete: field.type === 'email' ? 'email' : 'off',
        spellcheck: ['url', 'email'].includes(field.type) ? 'false' : null,
        autocapitalize: ['url', 'email'].includes(field.type) ? 'off' : null,
      }));
      wrapper.append(input);
      read = () => (field.type === 'short_text' ? orNull(input.value) : orNull(input.value.trim()));
      write = (value) => { input.value = value ?? ''; };
      focusTarget = input;
    }
  }
  wrapper.append(message);

  const slot = messages(message, () => inputs);
  return {
    path,
    label: field.short_label ?? field.label,
    element: wrapper,
    read,
    write,
    focus() {
      (focusTarget ?? inputs[0])?.focus();
    },
    setMessage: slot.setMessage,
    setUnsaved: unsavedSetter(unsaved),
    get messageKind() {
      return slot.messageKind;
    },
  };
}

/**
 * A file question: the files already uploaded (each with Remove) and a file picker. Chosen
 * files upload at once, one at a time, each with a progress bar and Cancel; a file stopped by a
 * lost connection waits for "Upload again". `ctx` gives upload(key, file, {onProgress, signal}),
 * remove(attachment), changed(path) (after any upload or removal) and queued(path, names) (the
 * files waiting, whenever that list may have changed).
 */
function fileControl(field, path, ctx) {
  const c = field.config ?? {};
  const key = path.replace(/^answers\./, '');
  const maxFiles = c.max_files || 1;
  const maxBytes = c.max_size_mb ? c.max_size_mb * 1024 * 1024 : Infinity;
  const { id, wrapper, message, unsaved, describedBy } = shell(field, path);
  const uploaded = el('ul', { className: 'files' });
  const picker = el('input', {
    type: 'file', id, name: path, multiple: maxFiles > 1,
    accept: (c.accept ?? []).map((kind) => ACCEPT[kind]?.accept).filter(Boolean).join(',') || null,
  });
  // Upload failures have their own slot: the server's list of problems redraws the other.
  const uploadError = el('p', { className: 'field-error', id: `${id}-upload-error`, role: 'alert' });
  picker.setAttribute('aria-describedby', [...describedBy, `${id}-waiting`, uploadError.id].join(' '));
  const retry = el('button', { type: 'button', className: 'button button-secondary', hidden: true, text: t('entry.file.upload_again') });
  const waitingNote = el('p', { className: 'hint', id: `${id}-waiting` });
  const progressList = el('ul', { className: 'uploads' });
  const full = el('p', { className: 'hint', hidden: true, text: t('entry.file.full', { max: maxFiles }) });
  (wrapper.querySelector('.hint') ?? wrapper.firstElementChild).after(uploaded);
  wrapper.append(full, picker, progressList, waitingNote, el('p', { className: 'file-actions' }, retry), uploadError, message);
  let attachments = [];
  let queue = []; // chosen, not uploaded yet (the first is on its way while `busy`)
  let busy = false;
  const mine = () => attachments.filter((a) => a.field_key === key);

  const slot = messages(message, () => [picker], () => Boolean(uploadError.textContent));
  const setUploadError = (text) => {
    uploadError.textContent = text ?? '';
    slot.mark();
  };

  function refreshState() {
    const room = maxFiles - mine().length - queue.length;
    full.hidden = room > 0 || queue.length > 0;
    picker.disabled = room <= 0 && document.activeElement !== picker; // never disable it under focus
    retry.hidden = busy || queue.length === 0;
    waitingNote.textContent = queue.length && !busy
      ? t('entry.file.waiting', { files: queue.map((file) => t('entry.file.name_size', { name: file.name, size: formatSize(file.size) })).join(', ') })
      : '';
    ctx.queued?.(path, queue.map((file) => file.name));
  }

  function renderUploaded() {
    uploaded.replaceChildren(...mine().map((attachment) => {
      const remove = el('button', { type: 'button', className: 'button button-small button-secondary' }, t('entry.file.remove'), el('span', { className: 'visually-hidden', text: ` ${attachment.original_name}` }));
      remove.addEventListener('click', async () => {
        remove.disabled = true;
        setUploadError('');
        try {
          await ctx.remove(attachment);
          attachments = attachments.filter((a) => a.id !== attachment.id);
          renderUploaded();
          refreshState();
          picker.disabled = false;
          picker.focus();
          ctx.changed?.(path);
        } catch (error) {
          remove.disabled = false;
          setUploadError(t('entry.file.remove_failed', { name: attachment.original_name, message: error.message }));
        }
      });
      return el('li', { className: 'file' },
        el('span', { className: 'file-name' },
          el('a', { href: attachment.url, text: attachment.original_name }),
          el('span', { className: 'muted', text: ` ${t('entry.file.size', { size: formatSize(attachment.size) })}` })),
        remove);
    }));
    uploaded.hidden = mine().length === 0;
  }

  /** Sends the queue, one file at a time; a lost connection leaves the rest waiting. */
  async function sendQueue() {
    if (busy) return;
    busy = true;
    refreshState();
    const failures = [];
    while (queue.length) {
      const file = queue[0];
      const labelId = `${id}-upload-${Math.random().toString(36).slice(2, 8)}`;
      const bar = el('progress', { max: 100, value: 0, 'aria-labelledby': labelId });
      const percent = el('span', { className: 'percent', text: formatNumber(0, { style: 'percent' }) });
      const controller = new AbortController();
      const cancel = el('button', { type: 'button', className: 'button button-small button-secondary' }, t('entry.file.cancel'), el('span', { className: 'visually-hidden', text: ` ${t('entry.file.cancel_name', { name: file.name })}` }));
      cancel.addEventListener('click', () => controller.abort());
      const row = el('li', { className: 'upload' }, el('span', { id: labelId, text: t('entry.file.uploading', { name: file.name }) }), bar, percent, cancel);
      progressList.append(row);
      let lost = false;
      try {
        attachments.push(await ctx.upload(key, file, {
          signal: controller.signal,
          onProgress(sent, total) {
            const value = total ? Math.min(100, Math.round((sent / total) * 100)) : 0;
            bar.value = value;
            percent.textContent = formatNumber(value / 100, { style: 'percent' });
          },
        }));
        renderUploaded();
      } catch (error) {
        if (error.code === 'aborted') failures.push(t('entry.file.cancelled', { name: file.name }));
        else failures.push(t('entry.file.failed', { name: file.name, message: error.message }));
        lost = !error.status && error.code !== 'aborted'; // refused files would be refused again
      } finally {
        row.remove();
      }
      if (lost) break;
      queue.shift();
    }
    busy = false;
    picker.value = '';
    const hadFocus = progressList.contains(document.activeElement) || document.activeElement === document.body;
    refreshState();
    if (failures.length) setUploadError(failures.join(' '));
    // Focus stays in this question: on "Upload again", the picker, or the last file added.
    if (hadFocus || failures.length) {
      if (!retry.hidden) retry.focus();
      else if (!picker.disabled) picker.focus();
      else [...uploaded.querySelectorAll('a')].pop()?.focus();
    }
    ctx.changed?.(path);
  }

  picker.addEventListener('change', () => {
    setUploadError('');
    const files = [...picker.files];
    if (!files.length) return;
    const room = maxFiles - mine().length - queue.length;
    const fitting = files.filter((file) => file.size <= maxBytes);
    const problems = files.filter((file) => file.size > maxBytes)
      .map((file) => t('entry.file.too_big', { name: file.name, size: formatSize(file.size), max: c.max_size_mb }));
    if (room <= 0 && fitting.length) {
      problems.push(t('entry.file.at_most', { count: maxFiles }));
    } else if (fitting.length > room) {
      problems.push(t('entry.file.room', { count: room }));
    }
    queue.push(...fitting.slice(0, Math.max(room, 0)));
    if (problems.length) setUploadError(problems.join(' '));
    refreshState();
    sendQueue();
  });
  picker.addEventListener('blur', refreshState);
  retry.addEventListener('click', () => {
    setUploadError('');
    sendQueue();
  });

  return {
    path,
    label: field.label,
    element: wrapper,
    read: () => undefined, // files are sent by the attachments endpoints, never as an answer
    write() {},
    focus: () => (picker.disabled ? uploaded.querySelector('button') ?? wrapper : picker).focus(),
    setMessage: slot.setMessage,
    get messageKind() {
      return slot.messageKind;
    },
    setUnsaved: unsavedSetter(unsaved),
    setAttachments(list) {
      attachments = [...(list ?? [])];
      renderUploaded();
      refreshState();
    },
    hasQueued: () => queue.length > 0,
  };
}

/**
 * The team: one row (name, e-mail) per person, "Add team member" up to `max` rows. read()
 * gives every row as typed; serverTeam() turns that into what the API accepts.
 */
export function teamControl(max) {
  const path = 'team';
  const id = idFor(path);
  const hint = el('p', { className: 'hint', id: `${id}-hint`, text: max > 1 ? t('entry.team.hint', { count: max }) : t('entry.team.hint_single') });
  const message = el('p', { className: 'field-error', id: `${id}-error` });
  const unsaved = unsavedMark(id);
  const rows = el('ol', { className: 'team-rows' });
  const add = el('button', { type: 'button', className: 'button button-secondary', text: t('entry.team.add') });
  const fullNote = el('p', { className: 'hint', hidden: true, text: t('entry.team.full', { count: max }) });
  const wrapper = el('fieldset', { className: 'field group', 'data-path': path, id: `${id}-group` },
    el('legend', { text: t('entry.team.members') }), unsaved, hint, rows, fullNote, el('p', {}, add), message);
  const slot = messages(message, () => rows.querySelectorAll('input'));
  let counter = 0;

  function renumber() {
    [...rows.children].forEach((row, index) => {
      const n = index + 1;
      row.querySelector('[data-part="name-label"]').textContent = t('entry.team.name', { n });
      row.querySelector('[data-part="email-label"]').textContent = t('entry.team.email', { n });
      row.querySelector('[data-part="remove-name"]').textContent = ` ${t('entry.team.remove_name', { n })}`;
    });
    const isFull = rows.children.length >= max;
    add.disabled = isFull;
    fullNote.hidden = !isFull;
  }

  function addRow(member = { name: '', email: '' }) {
    counter += 1;
    const rowId = `${id}-${counter}`;
    const name = el('input', { id: `${rowId}-name`, type: 'text', maxlength: 200, autocomplete: 'off', value: member.name ?? '', 'data-part': 'name', 'aria-describedby': `${unsaved.id} ${message.id}` });
    const email = el('input', { id: `${rowId}-email`, type: 'email', maxlength: 320, autocomplete: 'off', autocapitalize: 'off', spellcheck: 'false', value: member.email ?? '', 'data-part': 'email', 'aria-describedby': `${unsaved.id} ${message.id}` });
    const remove = el('button', { type: 'button', className: 'button button-small button-secondary' }, t('entry.file.remove'), el('span', { className: 'visually-hidden', 'data-part': 'remove-name' }));
    const row = el('li', { className: 'team-row' },
      el('div', { className: 'field' }, el('label', { for: name.id, 'data-part': 'name-label' }), name),
      el('div', { className: 'field' }, el('label', { for: email.id, 'data-part': 'email-label' }), email),
      remove);
    remove.addEventListener('click', () => {
      const next = row.nextElementSibling ?? row.previousElementSibling;
      row.remove();
      renumber();
      (next?.querySelector('input') ?? add).focus();
      wrapper.dispatchEvent(new Event('input', { bubbles: true }));
    });
    rows.append(row);
    renumber();
    return name;
  }

  add.addEventListener('click', () => {
    if (rows.children.length >= max) return;
    addRow().focus();
  });

  return {
    path,
    label: t('entry.team.members'),
    element: wrapper,
    read: () => [...rows.children].map((row) => ({
      name: row.querySelector('[data-part="name"]').value,
      email: row.querySelector('[data-part="email"]').value,
    })),
    write(team) {
      rows.replaceChildren();
      for (const member of team ?? []) addRow(member);
      renumber();
    },
    focus: () => (rows.querySelector('input') ?? add).focus(),
    setMessage: slot.setMessage,
    setUnsaved: unsavedSetter(unsaved),
    get messageKind() {
      return slot.messageKind;
    },
  };
}

/** The team as the API takes it: rows without a name are left out until one is typed. */
export function serverTeam(rows) {
  return (rows ?? [])
    .filter((row) => String(row.name ?? '').trim())
    .map((row) => ({ name: String(row.name).trim(), email: String(row.email ?? '').trim() || null }));
}
