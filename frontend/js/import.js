// Importing entries from a CSV file: choose the channel and the file, match its columns to the
// entries' fields, see every problem (row, column, why) and the rows as they will be stored,
// then import them all. The file stays in the browser and is sent again for each preview
// after a change of mapping, and for the import itself.
import { post, showAlert, renderErrors, clearErrors, ApiError } from './api.js';
import { byId, el, startPage, showBody, goToLogin, isAuthError, mapError } from './organiser-nav.js';

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

const plural = (n, one, many) => `${n.toLocaleString()} ${n === 1 ? one : many}`;

/** Where a problem is, as a spreadsheet shows it: "Row 3, column “Country”". */
function place({ row, column }) {
  const parts = [];
  if (row) parts.push(`Row ${row}`);
  if (column) parts.push(`column “${column}”`);
  return parts.join(', ');
}

function describe(problem) {
  const where = place(problem);
  return where ? `${where}: ${problem.message}` : problem.message;
}

/** A stored value as text for the table: choices joined, amounts with their currency. */
function shown(value) {
  if (value === null || value === undefined) return '';
  if (value === true) return 'Yes';
  if (value === false) return 'No';
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
  const targets = new Map(preview.targets.map((t) => [t.key, t]));
  const fields = preview.columns.map((column, index) => {
    const id = `map-${index}`;
    const select = el('select', { id, name: id, 'aria-describedby': `${id}-hint` },
      el('option', { value: '', text: 'Not imported' }),
      ...preview.targets.map((t) => el('option', { value: t.key, text: t.required ? `${t.label} (required)` : t.label })));
    select.value = preview.mapping[column] ?? '';
    const target = targets.get(select.value);
    const sample = preview.samples[column];
    const hint = el('p', { className: 'hint', id: `${id}-hint` },
      target ? `Write ${target.hint}.` : 'This column is left out.',
      sample ? ` First value: “${sample}”.` : '');
    select.addEventListener('change', () => {
      manual[column] = select.value || null;
      mapping = { ...preview.mapping, [column]: select.value || null };
      runPreview();
    });
    return el('div', { className: 'field' }, el('label', { for: id, text: `Column “${column}”` }), select, hint);
  });
  byId('mapping').replaceChildren(...fields);
  const skipped = preview.not_importable;
  byId('not-importable').replaceChildren(...(skipped.length ? [
    el('p', { className: 'hint', text: 'These questions cannot be filled from a CSV file:' }),
    el('ul', { className: 'not-importable hint' }, ...skipped.map((s) => el('li', { text: `${s.label}: ${s.reason}` }))),
  ] : []));
}

function renderProblems(problems) {
  byId('problems-summary').replaceChildren(problems.length
    ? document.createTextNode(`${plural(problems.length, 'problem', 'problems')} in ${plural(new Set(problems.map((p) => p.row)).size, 'row', 'rows')}. Fix them in the file (or the column matching above), then choose the file again.`)
    : el('span', { className: 'problems-none', text: 'No problems: every row can be imported.' }));
  byId('problems').replaceChildren(...problems.map((p) => el('li', { text: describe(p) })));
}

function renderRows() {
  const labels = new Map(preview.targets.map((t) => [t.key, t.label]));
  const keys = preview.columns.map((c) => preview.mapping[c]).filter((key) => key && labels.has(key));
  const shownKeys = [...new Set(keys)];
  const badRows = new Set(preview.errors.map((p) => p.row));
  byId('rows-head').replaceChildren(el('th', { scope: 'col', text: 'Row' }),
    ...shownKeys.map((key) => el('th', { scope: 'col', text: labels.get(key) })));
  byId('rows-body').replaceChildren(...preview.rows.map(({ row, values }) => {
    const bad = badRows.has(row);
    return el('tr', { className: bad ? 'row-bad' : '' },
      el('th', { scope: 'row' }, String(row), bad ? el('span', { className: 'row-flag', text: 'has problems' }) : null),
      ...shownKeys.map((key) => el('td', { text: shown(values[key]) })));
  }));
  byId('rows-caption').textContent = preview.rows.length < preview.row_count
    ? `The first ${preview.rows.length} of ${plural(preview.row_count, 'entry', 'entries')}`
    : `All ${plural(preview.row_count, 'entry', 'entries')}`;
}

/** The Import button works only when there is nothing left to fix. */
function updateImport() {
  let why = '';
  if (!preview) why = 'Choose a file first.';
  else if (preview.errors.length) why = `Fix the ${plural(preview.errors.length, 'problem', 'problems')} above first: nothing is imported while any row has one.`;
  else if (preview.import_blocked) why = preview.import_blocked;
  else if (!channelSelect.value) why = 'Choose how these entries came in (step 1).';
  importButton.disabled = busy || why !== '';
  importHint.textContent = why || `${plural(preview.row_count, 'entry', 'entries')} will be imported as submitted entries, each with its reference. No receipt is sent: hand each entrant their reference.`;
}

async function runPreview() {
  if (!file) return;
  const ticket = ++asked;
  clearErrors(form);
  showAlert(importAlert, []);
  previewStatus.textContent = `Checking ${file.name}…`;
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
    const found = answer.errors.length ? plural(answer.errors.length, 'problem', 'problems') + ' to fix' : 'no problems';
    previewStatus.textContent = `${answer.file_name}: ${plural(answer.row_count, 'entry', 'entries')}, ${plural(answer.columns.length, 'column', 'columns')}, ${found}.`;
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
    const range = refs.length > 1 ? ` (${refs[0]} to ${refs[refs.length - 1]})` : refs.length ? ` (${refs[0]})` : '';
    const link = el('a', { href: `/entries-admin.html?slug=${enc(slug)}&channel=${enc(result.channel)}`, text: 'See them on the entries page' });
    done.replaceChildren(el('p', {}, `Imported ${plural(result.imported, 'entry', 'entries')}${range}. `, link, '.'));
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
    showAlert(importAlert, [error instanceof ApiError ? error.message : 'Something went wrong on this page. Please reload it and try again.']);
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
