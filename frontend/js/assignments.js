// One round's assignments for organisers: run the automatic assignment and read its report,
// the (entry, judge) pairs with their scorecards, assigning and unassigning by hand, each
// judge's load, and scoring progress with reminders to judges who lag.
import { get, post, del, showAlert, ApiError } from './api.js';
import { timeElement } from './dates.js';
import { showStatus, invalid } from './form.js';
import {
  byId, el, showBody, submitWith, onClick, goToLogin, isAuthError, badge,
} from './organiser-nav.js';
import {
  startRoundPage, numCell, textCell, none, countText, plural,
} from './round-page.js';

const enc = encodeURIComponent;
let slug;
let round;
let judges = [];
let assignments = [];
let progress = null;
/** entry id → {reference, category} from everything this page has read. */
const entryInfo = new Map();

const SCORECARD = { null: 'Not started', draft: 'Draft', submitted: 'Submitted' };
const SOURCES = { auto: 'Automatically', manual: 'By hand', extra: 'Added: judges disagreed' };

const entryName = (id) => entryInfo.get(id)?.reference ?? `Entry ${id}`;
const judgeById = (id) => judges.find((j) => j.id === id);
const judgeName = (id) => judgeById(id)?.display_name ?? `Judge ${id}`;
const byReference = (a, b) => entryName(a).localeCompare(entryName(b), undefined, { numeric: true }) || a - b;

function note(id, info) {
  const known = entryInfo.get(id) ?? {};
  entryInfo.set(id, {
    reference: info.reference ?? known.reference ?? null,
    category: info.category !== undefined ? info.category : known.category ?? null,
  });
}

// ---------------------------------------------------------------- loading

async function loadJudges() {
  judges = await get(`/challenges/${enc(slug)}/judges`);
}

async function loadAssignments() {
  assignments = await get(`/rounds/${round.id}/assignments`);
  for (const a of assignments) note(a.entry_id, { reference: a.entry_reference });
}

async function loadProgress() {
  byId('progress-loading').textContent = 'Loading the progress…';
  showAlert(byId('progress-alert'), []);
  try {
    progress = await get(`/rounds/${round.id}/progress`);
    for (const e of progress.entries) note(e.entry_id, { reference: e.reference, category: e.category });
  } catch (error) {
    if (isAuthError(error)) return goToLogin();
    progress = null;
    showAlert(byId('progress-alert'), [`The progress could not be loaded: ${error.message}`]);
  } finally {
    byId('progress-loading').textContent = '';
  }
  return undefined;
}

/** Reads the panel, the pairs and the progress again and redraws every part of the page. */
async function refresh() {
  byId('assignments-loading').textContent = 'Loading the assignments…';
  showAlert(byId('assignments-alert'), []);
  try {
    await Promise.all([loadJudges(), loadAssignments(), loadProgress()]);
  } catch (error) {
    if (isAuthError(error)) return goToLogin();
    showAlert(byId('assignments-alert'), [`The assignments could not be loaded: ${error.message}`]);
  } finally {
    byId('assignments-loading').textContent = '';
  }
  renderAssignments();
  renderLoads();
  renderManualChoices();
  renderProgress();
  return undefined;
}

// ---------------------------------------------------------------- automatic assignment

const assignForm = byId('assign-form');

function fillAssignForm() {
  byId('run-explainer').textContent = `Gives each entry ${plural(round.judges_per_entry, 'judge')} from the active panel: `
    + 'never a judge with a conflict of interest, loads within one of each other where the caps allow. '
    + 'It can be run again: pairs that still keep the rules stay, and a judge who submitted a scorecard is never taken off.';
  const tags = byId('assign-tags');
  tags.value = round.required_tags.join(', ');
  tags.defaultValue = tags.value;
  byId('assign-language').checked = round.match_language;
  byId('assign-seed').value = String(round.assignment_seed);
  const known = [...new Set(judges.flatMap((j) => j.tags))].sort();
  byId('assign-tags-hint').textContent = known.length
    ? `Each entry gets at least one judge with each of these tags, separated by commas. The panel’s tags: ${known.join(', ')}.`
    : 'Each entry gets at least one judge with each of these tags, separated by commas. No judge on the panel has a tag yet.';
}

submitWith(assignForm, async (values) => {
  const tags = values['assign-tags'].split(',').map((t) => t.trim()).filter(Boolean);
  const seedText = values['assign-seed'].trim();
  if (seedText && !/^-?\d+$/.test(seedText)) throw invalid('assign-seed', 'Enter a whole number, or leave it empty to keep the round’s seed.');
  const report = await post(`/rounds/${round.id}/assign`, {
    required_tags: tags,
    match_language: byId('assign-language').checked,
    seed: seedText ? Number(seedText) : null,
  });
  round = await get(`/rounds/${round.id}`);
  await refresh();
  fillAssignForm();
  showReport(report);
}, (path) => ({ required_tags: 'assign-tags', seed: 'assign-seed', match_language: false }[path.split('.')[0]] ?? null));

function showReport(report) {
  const box = byId('assign-report');
  const counts = [
    [report.entries, 'entries in the round'], [report.judges, 'active judges'], [report.pairs, 'pairs in all'],
    [report.added, 'pairs added'], [report.removed, 'pairs removed'], [report.shortfalls.length, 'entries short of judges'],
  ];
  byId('assign-counts').replaceChildren(...counts.map(([n, label]) => el('li', { className: 'count' },
    el('span', { className: 'count-number', text: countText(n) }), el('span', { className: 'count-label', text: label }))));

  const loads = Object.entries(report.loads).map(([id, n]) => [Number(id), n])
    .sort((a, b) => judgeName(a[0]).localeCompare(judgeName(b[0])));
  byId('assign-loads').replaceChildren(
    el('h4', { text: 'Each judge’s load' }),
    loads.length
      ? el('ul', { className: 'plain load-list' }, ...loads.map(([id, n]) => el('li', { text: `${judgeName(id)}: ${plural(n, 'entry', 'entries')}` })))
      : el('p', { className: 'muted', text: 'No judge was given an entry.' }));

  const shortfalls = [...report.shortfalls].sort((a, b) => byReference(a.entry_id, b.entry_id));
  byId('assign-shortfalls').replaceChildren(
    el('h4', { text: 'Entries that lack judges' }),
    shortfalls.length
      ? el('ul', { className: 'shortfalls' }, ...shortfalls.map((s) => el('li', {},
        el('strong', { text: entryName(s.entry_id) }),
        ` lacks ${plural(s.missing, 'judge')}: ${s.reason}`,
        s.missing_tags.length ? el('span', { className: 'cell-note', text: `No judge for the perspectives: ${s.missing_tags.join(', ')}.` }) : null)))
      : el('p', { className: 'alert alert-ok', text: `Every entry has its ${plural(round.judges_per_entry, 'judge')}.` }));
  box.hidden = false;
  byId('assign-report-heading').focus();
}

// ---------------------------------------------------------------- the assignments table

function roundEntryIds() {
  const ids = new Set(assignments.map((a) => a.entry_id));
  for (const e of progress?.entries ?? []) ids.add(e.entry_id);
  return [...ids].sort(byReference);
}

function unassignButton(assignment) {
  const button = el('button', { type: 'button', className: 'button button-secondary button-small' },
    'Unassign', el('span', { className: 'visually-hidden', text: ` ${assignment.judge_name} from ${entryName(assignment.entry_id)}` }));
  button.addEventListener('click', () => openUnassign(assignment, button));
  return button;
}

function renderAssignments() {
  const table = byId('assignments-table');
  for (const body of table.querySelectorAll('tbody')) body.remove();
  const k = round.judges_per_entry;
  const ids = roundEntryIds();
  for (const id of ids) {
    const pairs = assignments.filter((a) => a.entry_id === id);
    const body = el('tbody', { 'data-entry-id': id });
    const head = el('th', { scope: 'rowgroup', rowspan: Math.max(pairs.length, 1) },
      el('span', { className: 'entry-ref', text: entryName(id) }),
      el('span', { className: 'cell-note', text: `${countText(pairs.length)} of ${countText(k)} judges` }));
    if (!pairs.length) {
      body.append(el('tr', {}, head, el('td', { colspan: 4, className: 'muted', text: 'No judge yet.' })));
    }
    pairs.forEach((a, i) => {
      const status = a.scorecard_status ?? null;
      body.append(el('tr', { 'data-assignment-id': a.id },
        i === 0 ? head : null,
        el('td', { text: a.judge_name }),
        el('td', {}, badge(SCORECARD[status] ?? status, status ?? 'quiet')),
        el('td', {}, SOURCES[a.source] ?? a.source, el('span', { className: 'cell-note' }, timeElement(a.created_at))),
        el('td', {}, unassignButton(a))));
    });
    table.append(body);
  }
  byId('assignments-empty').hidden = assignments.length > 0;
  byId('assignments-count').textContent = `${plural(ids.length, 'entry', 'entries')}, ${plural(assignments.length, 'pair')}.`;
}

// ---------------------------------------------------------------- by hand

const manualForm = byId('manual-form');

function loads() {
  const counts = new Map();
  for (const a of assignments) counts.set(a.judge_id, (counts.get(a.judge_id) ?? 0) + 1);
  return counts;
}

function renderManualChoices() {
  const entrySelect = byId('manual-entry');
  const judgeSelect = byId('manual-judge');
  const keepEntry = entrySelect.value;
  const keepJudge = judgeSelect.value;
  const counts = loads();
  const ids = roundEntryIds();
  entrySelect.replaceChildren(el('option', { value: '', text: ids.length ? 'Choose an entry' : 'None yet: run the assignment first' }),
    ...ids.map((id) => el('option', { value: id, text: `${entryName(id)} (${plural(assignments.filter((a) => a.entry_id === id).length, 'judge')})` })));
  const active = judges.filter((j) => j.status === 'active');
  judgeSelect.replaceChildren(el('option', { value: '', text: active.length ? 'Choose a judge' : 'No active judges yet' }),
    ...active.map((j) => el('option', { value: j.id, text: `${j.display_name} (${plural(counts.get(j.id) ?? 0, 'entry', 'entries')})` })));
  entrySelect.value = keepEntry;
  judgeSelect.value = keepJudge;
}

submitWith(manualForm, async (values) => {
  if (!values['manual-entry']) throw invalid('manual-entry', 'Choose the entry.');
  if (!values['manual-judge']) throw invalid('manual-judge', 'Choose the judge.');
  const reason = values['manual-reason'].trim();
  const made = await post(`/rounds/${round.id}/assignments`, {
    entry_id: Number(values['manual-entry']), judge_id: Number(values['manual-judge']), reason: reason || null,
  });
  byId('manual-reason').value = '';
  await refresh();
  showStatus(manualForm, `${made.judge_name} now judges ${entryName(made.entry_id)}.`);
}, (path) => ({ entry_id: 'manual-entry', judge_id: 'manual-judge', reason: 'manual-reason' }[path] ?? null));

// ---------------------------------------------------------------- unassigning

const unassignDialog = byId('unassign-dialog');
const unassignForm = byId('unassign-form');
let unassigning = null;
let unassignOpener = null;

function openUnassign(assignment, button) {
  unassigning = assignment;
  unassignOpener = button;
  unassignForm.reset();
  showAlert(unassignForm.querySelector('[data-alert]'), []);
  for (const slot of unassignForm.querySelectorAll('.field-error')) slot.textContent = '';
  byId('unassign-reason').removeAttribute('aria-invalid');
  byId('unassign-heading').textContent = `Unassign ${assignment.judge_name}`;
  byId('unassign-what').textContent = `Take ${assignment.judge_name} off ${entryName(assignment.entry_id)}? `
    + (assignment.scorecard_status === 'draft' ? 'Their draft scorecard is discarded.' : 'They no longer see the entry.');
  byId('unassign-reason-label').textContent = round.frozen ? 'Why' : 'Why (optional)';
  byId('unassign-reason-hint').textContent = round.frozen
    ? 'Required: the round has opened. Kept in the audit log.'
    : 'Kept in the audit log.';
  unassignDialog.showModal();
  byId('unassign-heading').focus();
}

submitWith(unassignForm, async (values) => {
  const reason = values['unassign-reason'].trim();
  if (round.frozen && reason.length < 3) throw invalid('unassign-reason', 'The round has opened: say why, in a few words (at least 3 characters).');
  if (reason && reason.length < 3) throw invalid('unassign-reason', 'Say why in at least 3 characters, or leave it empty.');
  const query = reason ? `?reason=${enc(reason)}` : '';
  const gone = unassigning;
  await del(`/assignments/${gone.id}${query}`);
  unassignDialog.close();
  await refresh();
  showAlert(byId('assignments-status'), [`${gone.judge_name} no longer judges ${entryName(gone.entry_id)}.`]);
  byId('assignments-heading').focus();
}, (path) => (path === 'reason' ? 'unassign-reason' : false));

byId('unassign-cancel').addEventListener('click', () => unassignDialog.close());
unassignDialog.addEventListener('close', () => {
  if (unassignOpener?.isConnected) unassignOpener.focus();
});

// ---------------------------------------------------------------- loads

function renderLoads() {
  const counts = loads();
  const shown = judges.filter((j) => j.status === 'active' || counts.has(j.id));
  byId('load-rows').replaceChildren(...shown.map((j) => el('tr', {},
    el('th', { scope: 'row' }, j.display_name, j.status !== 'active' ? el('span', { className: 'cell-note', text: j.status === 'withdrawn' ? 'Withdrawn' : 'Invited' }) : null),
    numCell(counts.get(j.id) ?? 0),
    j.max_load ? numCell(j.max_load) : el('td', { className: 'num', text: 'No cap' }),
    textCell(j.tags.join(', ')),
    textCell(j.languages.join(', ')))));
  byId('loads-empty').hidden = shown.length > 0;
}

// ---------------------------------------------------------------- progress and reminders

const remindForm = byId('remind-form');
const remindAll = byId('remind-all');

function renderProgress() {
  const judgeRows = byId('judge-progress-rows');
  const entryRows = byId('entry-progress-rows');
  if (!progress) {
    byId('progress-counts').replaceChildren();
    judgeRows.replaceChildren();
    entryRows.replaceChildren();
    return;
  }
  const counts = [
    [progress.due, 'scorecards due'], [progress.submitted, 'submitted'], [progress.drafts, 'drafts'],
    [Math.max(progress.due - progress.submitted - progress.drafts, 0), 'not started'],
  ];
  byId('progress-counts').replaceChildren(...counts.map(([n, label]) => el('li', { className: 'count' },
    el('span', { className: 'count-number', text: countText(n) }), el('span', { className: 'count-label', text: label }))));

  judgeRows.replaceChildren(...progress.judges.map((j) => {
    const check = el('input', { type: 'checkbox', className: 'row-check', value: j.judge_id });
    check.addEventListener('change', showSelection);
    const lagging = j.submitted < j.due;
    return el('tr', { 'data-judge-id': j.judge_id },
      el('td', { className: 'check-col' }, el('label', { className: 'row-check-label' }, check,
        el('span', { className: 'visually-hidden', text: `Select ${j.display_name}` }))),
      el('th', { scope: 'row' }, j.display_name, el('span', { className: 'cell-note', text: j.email }),
        lagging ? el('span', { className: 'cell-note lagging', text: `${countText(j.due - j.submitted)} still to submit` }) : el('span', { className: 'cell-note', text: 'All submitted' })),
      numCell(j.due), numCell(j.submitted), numCell(j.drafts),
      el('td', {}, j.last_saved_at ? timeElement(j.last_saved_at) : none()),
      el('td', {}, j.reminded_at ? timeElement(j.reminded_at) : el('span', { text: 'Not yet' })));
  }));
  byId('judge-progress-empty').hidden = progress.judges.length > 0;
  showSelection();

  const entries = [...progress.entries].sort((a, b) => byReference(a.entry_id, b.entry_id));
  entryRows.replaceChildren(...entries.map((e) => el('tr', {},
    el('th', { scope: 'row', text: e.reference ?? `Entry ${e.entry_id}` }),
    textCell(e.category),
    numCell(e.assigned), numCell(e.submitted),
    el('td', { className: 'num' }, e.short ? el('strong', { className: 'short', text: `${countText(e.short)} short` }) : el('span', { text: 'None' })))));
  byId('entry-progress-empty').hidden = entries.length > 0;
}

function selectedJudges() {
  return [...remindForm.querySelectorAll('.row-check')].filter((box) => box.checked).map((box) => Number(box.value));
}

function showSelection() {
  const boxes = [...remindForm.querySelectorAll('.row-check')];
  const ticked = selectedJudges().length;
  remindAll.checked = boxes.length > 0 && ticked === boxes.length;
  remindAll.indeterminate = ticked > 0 && ticked < boxes.length;
  byId('remind-count').textContent = ticked ? `${plural(ticked, 'judge')} selected.` : 'No judges selected.';
}

remindAll.addEventListener('change', () => {
  for (const box of remindForm.querySelectorAll('.row-check')) box.checked = remindAll.checked;
  showSelection();
});

async function sendReminders(judgeIds) {
  const message = byId('remind-message').value.trim();
  const sent = await post(`/rounds/${round.id}/reminders`, { judge_ids: judgeIds, message });
  const names = sent.judge_ids.map(judgeName);
  await loadProgress();
  renderProgress();
  byId('remind-message').value = '';
  showStatus(remindForm, sent.sent
    ? `Reminder sent to ${plural(sent.sent, 'judge')}: ${names.join(', ')}.`
    : 'Nobody was reminded: no selected judge has scorecards still due.');
}

submitWith(remindForm, async () => {
  const ids = selectedJudges();
  if (!ids.length) throw new ApiError({ code: 'invalid', message: 'Tick at least one judge in the table first, or remind every lagging judge.' });
  await sendReminders(ids);
}, (path) => (path === 'message' ? 'remind-message' : false));

onClick(byId('remind-lagging'), remindForm.querySelector('[data-alert]'), async () => {
  showStatus(remindForm, '');
  await sendReminders(null);
});

// ---------------------------------------------------------------- start

const started = await startRoundPage({ current: 'assignments' });
if (started) {
  ({ slug, round } = started);
  showBody();
  await refresh();
  fillAssignForm();
}
