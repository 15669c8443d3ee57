// Importing entries from a CSV file: choose the channel and the file, match its columns to the
// entries' fields, see every problem (row, column, why) and the rows as they will be stored,
// then import them all. The file stays in the browser and is sent again for each preview
// after a change of mapping, and for the import itself.
import { post, showAlert, renderErrors, clearErrors, ApiError } from './api.js';
import { byId, el, startPage, showBody, goToLogin, isAuthError, mapError } from './organiser-nav.js';
import { t, tParts, useCatalogues } from './i18n.js';

await useCatalogues('setup');

const enc = encodeURIComponent;
const form = byId('import-form');
const fileInput = byId('file');
const channelSelect = byId('channel');
const previewBox = byId('preview');
const previewStatus = byId('preview-status');
const importButton = byId('import-button');
const importHint = byId('import-hint');
const importAlert = byId('import-alert');
const done = byId('import-done');

let base;
let slug;
let file = null; // the chosen File, kept to send again
let mapping = null; // null: let the server suggest one
const manual = {}; // the columns matched by hand: kept for a corrected file with the same columns
let preview = null; // the last preview answer
let asked = 0; // previews asked for; only the latest answer is shown
let busy = false;

/** "2 entries", "1 problem"…: `what` is entries, columns, problems or rows. */
const counted = (what, count) => t(`setup.import.count.${what}`, { count });

/**
 * Where a problem is, as a spreadsheet shows it: "Row 3, column “Country”". Row numbers are
 * given as text, so they read as the spreadsheet writes them (no thousands separator).
 */
function place({ row, column }) {
  if (row && column) return t('setup.import.place.row_column', { row: String(row), column });
  if (row) return t('setup.import.place.row', { row: String(row) });
  if (column) return t('setup.import.place.column', { column });
  return '';
}

function describe(problem) {
  const where = place(problem);
  return where ? t('setup.import.problem', { where, message: problem.message }) : problem.message;
}

/** A stored value as text for the table: choices joined, amounts with their currency. */
function shown(value) {
  if (value === null || value === undefined) return '';
  if (value === true) return t('setup.import.value.yes');
  if (value === false) return t('setup.import.value.no');
  if (Array.isArray(value)) return value.join('; ');
  if (typeof value === 'object' && 'amount' in value) return `${value.amount} ${value.currency ?? ''}`.trim();
  return String(value);
}

/** The server's suggestion with the choices made by hand for columns this file has too. */
function withManualChoices(suggested, columns) {
  const merged = { ...suggested };
  for (const [column, target] of Object.entries(manual)) {
    if (!columns.includes(column)) continue;
    if (target) for (const other of columns) if (merged[other] === target) merged[other] = null;
    merged[column] = target;
  }
  return merged;
}

function formData(extra = {}) {
  const data = new FormData();
  data.append('file', file, file.name);
  if (mapping) data.append('mapping', JSON.stringify(mapping));
  for (const [name, value] of Object.entries(extra)) data.append(name, value);
  return data;
}

// ---------------------------------------------------------------- the preview

function renderMapping() {
  const targets = new Map(preview.targets.map((target) => [target.key, target]));
  const fields = preview.columns.map((column, index) => {
    const id = `map-${index}`;
    const select = el('select', { id, name: id, 'aria-describedby': `${id}-hint` },
      el('option', { value: '', text: t('setup.import.mapping.not_imported') }),
      ...preview.targets.map((target) => el('option', {
        value: target.key,
        text: target.required ? t('setup.import.mapping.required', { label: target.label }) : target.label,
      })));
    select.value = preview.mapping[column] ?? '';
    const target = targets.get(select.value);
    const sample = preview.samples[column];
    const hint = el('p', { className: 'hint', id: `${id}-hint` },
      target ? t('setup.import.mapping.write', { hint: target.hint }) : t('setup.import.mapping.left_out'),
      sample ? ` ${t('setup.import.mapping.first_value', { value: sample })}` : '');
    select.addEventListener('change', () => {
      manual[column] = select.value || null;
      mapping = { ...preview.mapping, [column]: select.value || null };
      runPreview();
    });
    return el('div', { className: 'field' }, el('label', { for: id, text: t('setup.import.place.column', { column }) }), select, hint);
  });
  byId('mapping').replaceChildren(...fields);
  const skipped = preview.not_importable;
  byId('not-importable').replaceChildren(...(skipped.length ? [
    el('p', { className: 'hint', text: t('setup.import.mapping.not_importable') }),
    el('ul', { className: 'not-importable hint' },
      ...skipped.map((s) => el('li', { text: t('setup.import.mapping.not_importable_item', { label: s.label, reason: s.reason }) }))),
  ] : []));
}

function renderProblems(problems) {
  byId('problems-summary').replaceChildren(problems.length
    ? document.createTextNode(t('setup.import.problems.summary', {
      problems: counted('problems', problems.length),
      rows: counted('rows', new Set(problems.map((p) => p.row)).size),
    }))
    : el('span', { className: 'problems-none', text: t('setup.import.problems.none') }));
  byId('problems').replaceChildren(...problems.map((p) => el('li', { text: describe(p) })));
}

function renderRows() {
  const labels = new Map(preview.targets.map((target) => [target.key, target.label]));
  const keys = preview.columns.map((c) => preview.mapping[c]).filter((key) => key && labels.has(key));
  const shownKeys = [...new Set(keys)];
  const badRows = new Set(preview.errors.map((p) => p.row));
  byId('rows-head').replaceChildren(el('th', { scope: 'col', text: t('setup.import.rows.row') }),
    ...shownKeys.map((key) => el('th', { scope: 'col', text: labels.get(key) })));
  byId('rows-body').replaceChildren(...preview.rows.map(({ row, values }) => {
    const bad = badRows.has(row);
    return el('tr', { className: bad ? 'row-bad' : '' },
      el('th', { scope: 'row' }, String(row), bad ? el('span', { className: 'row-flag', text: t('setup.import.rows.has_problems') }) : null),
      ...shownKeys.map((key) => el('td', { text: shown(values[key]) })));
  }));
  byId('rows-caption').textContent = preview.rows.length < preview.row_count
    ? t('setup.import.rows.first', { shown: preview.rows.length, count: preview.row_count })
    : t('setup.import.rows.all', { count: preview.row_count });
}

/** The Import button works only when there is nothing left to fix. */
function updateImport() {
  let why = '';
  if (!preview) why = t('setup.import.why.no_file');
  else if (preview.errors.length) why = t('setup.import.why.problems', { count: preview.errors.length });
  else if (preview.import_blocked) why = preview.import_blocked;
  else if (!channelSelect.value) why = t('setup.import.why.channel');
  importButton.disabled = busy || why !== '';
  importHint.textContent = why || t('setup.import.ready', { count: preview.row_count });
}

async function runPreview() {
  if (!file) return;
  const ticket = ++asked;
  clearErrors(form);
  showAlert(importAlert, []);
  previewStatus.textContent = t('setup.import.checking', { file: file.name });
  try {
    const suggested = mapping === null;
    const answer = await post(`${base}/imports/preview`, formData());
    if (ticket !== asked) return;
    const merged = suggested ? withManualChoices(answer.mapping, answer.columns) : answer.mapping;
    if (JSON.stringify(merged) !== JSON.stringify(answer.mapping)) {
      mapping = merged;
      return runPreview();
    }
    preview = answer;
    mapping = answer.mapping;
    previewStatus.textContent = t('setup.import.found', {
      file: answer.file_name,
      entries: counted('entries', answer.row_count),
      columns: counted('columns', answer.columns.length),
      problems: answer.errors.length ? t('setup.import.found.problems', { count: answer.errors.length }) : t('setup.import.found.none'),
    });
    renderMapping();
    renderProblems(answer.errors);
    renderRows();
    previewBox.hidden = false;
  } catch (error) {
    if (ticket !== asked) return;
    if (isAuthError(error)) return goToLogin();
    preview = null;
    previewBox.hidden = true;
    previewStatus.textContent = '';
    renderErrors(form, mapError(error, form));
  } finally {
    if (ticket === asked) updateImport();
  }
  return undefined;
}

// ---------------------------------------------------------------- the import

async function runImport() {
  if (importButton.disabled || !preview) return;
  busy = true;
  updateImport();
  showAlert(importAlert, []);
  try {
    const result = await post(`${base}/imports`, formData({ channel: channelSelect.value }));
    const refs = result.entries.map((e) => e.reference);
    const link = el('a', { href: `/entries-admin.html?slug=${enc(slug)}&channel=${enc(result.channel)}`, text: t('setup.import.done.link') });
    const said = { entries: counted('entries', result.imported), first: refs[0], last: refs[refs.length - 1], link };
    let key = 'setup.import.done';
    if (refs.length > 1) key = 'setup.import.done.range';
    else if (refs.length === 1) key = 'setup.import.done.reference';
    done.replaceChildren(el('p', {}, ...tParts(key, said)));
    form.reset();
    file = null;
    mapping = null;
    preview = null;
    previewBox.hidden = true;
    previewStatus.textContent = '';
    link.focus();
  } catch (error) {
    if (isAuthError(error)) return goToLogin();
    const rows = error instanceof ApiError ? error.details.filter((d) => 'row' in d) : [];
    if (rows.length) {
      // The file changed since the preview, or another import took its place: show why.
      preview = { ...preview, errors: rows };
      renderProblems(rows);
      renderRows();
    }
    showAlert(importAlert, [error instanceof ApiError ? error.message : t('common.error.client')]);
    if (!(error instanceof ApiError)) console.error(error);
  } finally {
    busy = false;
    updateImport();
  }
  return undefined;
}

// ---------------------------------------------------------------- start

const started = await startPage({ current: 'import', organiserOnly: true });
if (started) {
  ({ slug } = started);
  base = `/challenges/${enc(slug)}`;
  fileInput.addEventListener('change', () => {
    file = fileInput.files[0] ?? null;
    mapping = null;
    done.replaceChildren();
    if (file) runPreview();
    else {
      preview = null;
      previewBox.hidden = true;
      updateImport();
    }
  });
  channelSelect.addEventListener('change', updateImport);
  importButton.addEventListener('click', runImport);
  form.addEventListener('submit', (event) => event.preventDefault());
  updateImport();
  showBody();
}
