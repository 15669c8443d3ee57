// One round's assignments for organisers: run the automatic assignment and read its report,
// the entries with their judges and scorecards (a page at a time, by reference or only those
// short of judges), assigning and unassigning by hand, each judge's load, and scoring progress
// with reminders to judges who lag. A round may hold 100,000 entries and 300,000 pairs: the
// page never asks for all of them.
import { get, post, del, showAlert, ApiError } from './api.js';
import { timeElement } from './dates.js';
import { showStatus, invalid, oneByReference } from './form.js';
import {
  byId, el, showBody, submitWith, onClick, goToLogin, isAuthError, badge, focusFirstAdded,
} from './organiser-nav.js';
import {
  startRoundPage, numCell, textCell, none, countText,
} from './round-page.js';
import { formatList, t, tParts, useCatalogues } from './i18n.js';
import { perspectiveLabel, perspectiveTag } from './perspectives.js';

await useCatalogues('rounds');

const enc = encodeURIComponent;
let slug;
let round;
let judges = [];
/** The entries shown so far, each with its judges; the page they came in; the next cursor. */
let entryItems = [];
let entryPage = null;
let entryCursor = null;
let progress = null;
/** entry id → {reference, category} from everything this page has read. */
const entryInfo = new Map();

const SCORECARD = {
  null: t('rounds.assignments.scorecard.none'),
  draft: t('rounds.assignments.scorecard.draft'),
  submitted: t('rounds.assignments.scorecard.submitted'),
};
const SOURCES = Object.fromEntries(['auto', 'manual', 'extra'].map((source) => [source, t(`rounds.assignments.source.${source}`)]));

/** A judge's perspectives, each in the interface's language (perspectives.js). */
const perspectiveList = (tags) => tags.map(perspectiveLabel).join(', ');

const entryName = (id) => entryInfo.get(id)?.reference ?? t('rounds.assignments.entry_id', { id: String(id) });
const judgeById = (id) => judges.find((j) => j.id === id);
const judgeName = (id) => judgeById(id)?.display_name ?? t('rounds.assignments.judge_id', { id: String(id) });
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

function entriesQuery(extra = {}) {
  const query = new URLSearchParams({ limit: '50', ...extra });
  const q = byId('assignments-q').value.trim();
  if (q) query.set('q', q);
  if (byId('assignments-short').checked) query.set('short', 'true');
  return query;
}

/** The first page of the round's entries with their judges, or (`again`) the next one. */
async function loadEntries({ again = false } = {}) {
  const page = await get(`/rounds/${round.id}/assignments/entries?${entriesQuery(again && entryCursor ? { cursor: entryCursor } : {})}`);
  for (const e of page.items) note(e.entry_id, { reference: e.reference, category: e.category });
  entryItems = again ? [...entryItems, ...page.items] : page.items;
  entryPage = page;
  entryCursor = page.next_cursor ?? null;
  return page.items;
}

async function loadProgress() {
  byId('progress-loading').textContent = t('rounds.assignments.progress.loading');
  showAlert(byId('progress-alert'), []);
  try {
    progress = await get(`/rounds/${round.id}/progress`);
  } catch (error) {
    if (isAuthError(error)) return goToLogin();
    progress = null;
    showAlert(byId('progress-alert'), [t('rounds.assignments.progress.load_failed', { message: error.message })]);
  } finally {
    byId('progress-loading').textContent = '';
  }
  return undefined;
}

/** Reads the panel, the pairs and the progress again and redraws every part of the page. */
async function refresh() {
  byId('assignments-loading').textContent = t('rounds.assignments.loading');
  showAlert(byId('assignments-alert'), []);
  try {
    await Promise.all([loadJudges(), loadEntries(), loadProgress()]);
  } catch (error) {
    if (isAuthError(error)) return goToLogin();
    showAlert(byId('assignments-alert'), [t('rounds.assignments.load_failed', { message: error.message })]);
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
  byId('run-explainer').textContent = t('rounds.assignments.run.explainer', { count: round.judges_per_entry });
  const tags = byId('assign-tags');
  tags.value = perspectiveList(round.required_tags);
  tags.defaultValue = tags.value;
  byId('assign-language').checked = round.match_language;
  byId('assign-seed').value = String(round.assignment_seed);
  const known = [...new Set(judges.flatMap((j) => j.tags))].sort();
  byId('assign-tags-hint').textContent = known.length
    ? t('rounds.assignments.run.tags_hint_known', { tags: perspectiveList(known) })
    : t('rounds.assignments.run.tags_hint_none');
}

submitWith(assignForm, async (values) => {
  const tags = values['assign-tags'].split(',').map((tag) => tag.trim()).filter(Boolean).map(perspectiveTag);
  const seedText = values['assign-seed'].trim();
  if (seedText && !/^-?\d+$/.test(seedText)) throw invalid('assign-seed', t('rounds.assignments.run.seed_error'));
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
    [report.entries, 'entries'], [report.judges, 'judges'], [report.pairs, 'pairs'],
    [report.added, 'added'], [report.removed, 'removed'], [report.shortfalls.length, 'short'],
  ];
  byId('assign-counts').replaceChildren(...counts.map(([n, key]) => el('li', { className: 'count' },
    el('span', { className: 'count-number', text: countText(n) }),
    el('span', { className: 'count-label', text: t(`rounds.assignments.report.count.${key}`, { count: n }) }))));

  const loads = Object.entries(report.loads).map(([id, n]) => [Number(id), n])
    .sort((a, b) => judgeName(a[0]).localeCompare(judgeName(b[0])));
  byId('assign-loads').replaceChildren(
    el('h4', { text: t('rounds.assignments.report.loads') }),
    loads.length
      ? el('ul', { className: 'plain load-list' }, ...loads.map(([id, n]) => el('li', { text: t('rounds.assignments.report.load', { name: judgeName(id), count: n }) })))
      : el('p', { className: 'muted', text: t('rounds.assignments.report.no_load') }));

  const shortfalls = [...report.shortfalls].sort((a, b) => byReference(a.entry_id, b.entry_id));
  byId('assign-shortfalls').replaceChildren(
    el('h4', { text: t('rounds.assignments.report.shortfalls') }),
    shortfalls.length
      ? el('ul', { className: 'shortfalls' }, ...shortfalls.map((s) => el('li', {},
        ...tParts('rounds.assignments.report.lacks', { entry: el('strong', { text: entryName(s.entry_id) }), count: s.missing, reason: s.reason }),
        s.missing_tags.length ? el('span', { className: 'cell-note', text: t('rounds.assignments.report.missing_tags', { tags: perspectiveList(s.missing_tags) }) }) : null)))
      : el('p', { className: 'alert alert-ok', text: t('rounds.assignments.report.complete', { count: round.judges_per_entry }) }));
  box.hidden = false;
  byId('assign-report-heading').focus();
}

// ---------------------------------------------------------------- the assignments table

function unassignButton(assignment) {
  const button = el('button', { type: 'button', className: 'button button-secondary button-small' },
    t('rounds.assignments.table.unassign'), ' ',
    el('span', { className: 'visually-hidden', text: t('rounds.assignments.table.unassign_whom', { judge: assignment.judge_name, entry: entryName(assignment.entry_id) }) }));
  button.addEventListener('click', () => openUnassign(assignment, button));
  return button;
}

/** One entry's rows: its reference (with how many judges it has, and how many it lacks)
 * beside each of its judges. */
function entryBody(item) {
  const k = round.judges_per_entry;
  const { pairs } = item;
  const body = el('tbody', { 'data-entry-id': item.entry_id });
  const head = el('th', { scope: 'rowgroup', rowspan: Math.max(pairs.length, 1) },
    el('span', { className: 'entry-ref', text: entryName(item.entry_id) }),
    el('span', { className: 'cell-note', text: t('rounds.assignments.table.judges_of', { assigned: pairs.length, count: k }) }),
    item.short ? el('strong', { className: 'cell-note short', text: t('rounds.assignments.progress.short', { count: item.short }) }) : null);
  if (!pairs.length) {
    body.append(el('tr', {}, head, el('td', { colspan: 4, className: 'muted', text: t('rounds.assignments.table.no_judge') })));
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
  return body;
}

/** Draws the entries shown, or (`added`) only the page just loaded under them. */
function renderAssignments(added = null) {
  const table = byId('assignments-table');
  if (!added) for (const body of table.querySelectorAll('tbody')) body.remove();
  const bodies = (added ?? entryItems).map(entryBody);
  table.append(...bodies);
  const page = entryPage ?? { total: 0, matching: 0, pairs: 0 };
  const filtered = page.matching !== page.total;
  const empty = byId('assignments-empty');
  empty.hidden = filtered ? entryItems.length > 0 : page.pairs > 0;
  empty.textContent = filtered ? t('rounds.assignments.table.no_match') : t('rounds.assignments.table.empty');
  byId('assignments-count').textContent = t('rounds.assignments.table.count', {
    entries: t('rounds.assignments.entries', { count: page.total }),
    pairs: t('rounds.assignments.pairs', { count: page.pairs }),
  });
  byId('assignments-shown').textContent = page.matching
    ? t('rounds.assignments.table.shown', { shown: countText(entryItems.length), count: page.matching })
    : '';
  byId('assignments-more').hidden = !entryCursor;
  return bodies;
}

byId('assignments-filter').addEventListener('submit', async (event) => {
  event.preventDefault();
  showAlert(byId('assignments-alert'), []);
  try {
    await loadEntries();
  } catch (error) {
    if (isAuthError(error)) return goToLogin();
    showAlert(byId('assignments-alert'), [t('rounds.assignments.load_failed', { message: error.message })]);
  }
  renderAssignments();
  return undefined;
});

byId('assignments-more').addEventListener('click', async () => {
  const more = byId('assignments-more');
  more.disabled = true;
  showAlert(byId('assignments-alert'), []);
  try {
    focusFirstAdded(renderAssignments(await loadEntries({ again: true })));
  } catch (error) {
    if (isAuthError(error)) return goToLogin();
    showAlert(byId('assignments-alert'), [t('rounds.assignments.load_failed', { message: error.message })]);
  } finally {
    more.disabled = false;
  }
  return undefined;
});

// ---------------------------------------------------------------- by hand

const manualForm = byId('manual-form');

/** Each judge's entries in the round (their scorecards due), counted by the server. */
function loads() {
  return new Map((progress?.judges ?? []).map((j) => [j.judge_id, j.due]));
}

/** The round's entry with this reference (or the one entry it is part of), asked of the
 * server: the page holds only the entries shown. */
async function entryByReference(text) {
  const found = (await get(`/rounds/${round.id}/assignments/entries?${new URLSearchParams({ q: text, limit: '20' })}`)).items;
  for (const e of found) note(e.entry_id, { reference: e.reference, category: e.category });
  return oneByReference(found, text, 'manual-entry', {
    notFound: t('rounds.assignments.manual.not_found', { reference: text }),
    several: t('rounds.assignments.manual.several', { reference: text }),
  });
}

function renderManualChoices() {
  const judgeSelect = byId('manual-judge');
  const keepJudge = judgeSelect.value;
  const counts = loads();
  const active = judges.filter((j) => j.status === 'active');
  judgeSelect.replaceChildren(el('option', { value: '', text: active.length ? t('rounds.assignments.manual.choose_judge') : t('rounds.assignments.manual.no_judges') }),
    ...active.map((j) => el('option', { value: j.id, text: t('rounds.assignments.manual.judge_option', { name: j.display_name, count: counts.get(j.id) ?? 0 }) })));
  judgeSelect.value = keepJudge;
}

submitWith(manualForm, async (values) => {
  const reference = values['manual-entry'].trim();
  if (!reference) throw invalid('manual-entry', t('rounds.assignments.manual.error_entry'));
  if (!values['manual-judge']) throw invalid('manual-judge', t('rounds.assignments.manual.error_judge'));
  const reason = values['manual-reason'].trim();
  const entry = await entryByReference(reference);
  const made = await post(`/rounds/${round.id}/assignments`, {
    entry_id: entry.entry_id, judge_id: Number(values['manual-judge']), reason: reason || null,
  });
  byId('manual-entry').value = '';
  byId('manual-reason').value = '';
  await refresh();
  showStatus(manualForm, t('rounds.assignments.manual.done', { judge: made.judge_name, entry: entryName(made.entry_id) }));
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
  const pair = { judge: assignment.judge_name, entry: entryName(assignment.entry_id) };
  byId('unassign-heading').textContent = t('rounds.assignments.unassign.heading_for', pair);
  byId('unassign-what').textContent = assignment.scorecard_status === 'draft'
    ? t('rounds.assignments.unassign.question_draft', pair)
    : t('rounds.assignments.unassign.question', pair);
  byId('unassign-reason-label').textContent = round.frozen ? t('rounds.assignments.unassign.why') : t('rounds.assignments.why_optional');
  byId('unassign-reason-hint').textContent = round.frozen
    ? t('rounds.assignments.unassign.hint_frozen')
    : t('rounds.assignments.audit_hint');
  unassignDialog.showModal();
  byId('unassign-heading').focus();
}

submitWith(unassignForm, async (values) => {
  const reason = values['unassign-reason'].trim();
  if (round.frozen && reason.length < 3) throw invalid('unassign-reason', t('rounds.assignments.unassign.error_frozen'));
  if (reason && reason.length < 3) throw invalid('unassign-reason', t('rounds.assignments.unassign.error_short'));
  const query = reason ? `?reason=${enc(reason)}` : '';
  const gone = unassigning;
  await del(`/assignments/${gone.id}${query}`);
  unassignDialog.close();
  await refresh();
  showAlert(byId('assignments-status'), [t('rounds.assignments.unassign.done', { judge: gone.judge_name, entry: entryName(gone.entry_id) })]);
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
    el('th', { scope: 'row' }, j.display_name, j.status !== 'active' ? el('span', { className: 'cell-note', text: j.status === 'withdrawn' ? t('rounds.assignments.loads.withdrawn') : t('rounds.assignments.loads.invited') }) : null),
    numCell(counts.get(j.id) ?? 0),
    j.max_load ? numCell(j.max_load) : el('td', { className: 'num', text: t('rounds.assignments.loads.no_cap') }),
    textCell(perspectiveList(j.tags)),
    textCell(j.languages.join(', ')))));
  byId('loads-empty').hidden = shown.length > 0;
}

// ---------------------------------------------------------------- progress and reminders

const remindForm = byId('remind-form');
const remindAll = byId('remind-all');

function renderProgress() {
  const judgeRows = byId('judge-progress-rows');
  if (!progress) {
    byId('progress-counts').replaceChildren();
    judgeRows.replaceChildren();
    return;
  }
  const counts = [
    [progress.due, 'due'], [progress.submitted, 'submitted'], [progress.drafts, 'drafts'],
    [Math.max(progress.due - progress.submitted - progress.drafts, 0), 'not_started'],
  ];
  byId('progress-counts').replaceChildren(...counts.map(([n, key]) => el('li', { className: 'count' },
    el('span', { className: 'count-number', text: countText(n) }),
    el('span', { className: 'count-label', text: t(`rounds.assignments.progress.count.${key}`, { count: n }) }))));

  judgeRows.replaceChildren(...progress.judges.map((j) => {
    const check = el('input', { type: 'checkbox', className: 'row-check', value: j.judge_id });
    check.addEventListener('change', showSelection);
    const lagging = j.submitted < j.due;
    return el('tr', { 'data-judge-id': j.judge_id },
      el('td', { className: 'check-col' }, el('label', { className: 'row-check-label' }, check,
        el('span', { className: 'visually-hidden', text: t('rounds.assignments.progress.select', { name: j.display_name }) }))),
      el('th', { scope: 'row' }, j.display_name, el('span', { className: 'cell-note', text: j.email }),
        lagging
          ? el('span', { className: 'cell-note lagging', text: t('rounds.assignments.progress.to_submit', { count: j.due - j.submitted }) })
          : el('span', { className: 'cell-note', text: t('rounds.assignments.progress.all_submitted') })),
      numCell(j.due), numCell(j.submitted), numCell(j.drafts),
      el('td', {}, j.last_saved_at ? timeElement(j.last_saved_at) : none()),
      el('td', {}, j.reminded_at ? timeElement(j.reminded_at) : el('span', { text: t('rounds.assignments.progress.not_yet') })));
  }));
  byId('judge-progress-empty').hidden = progress.judges.length > 0;
  showSelection();
}

function selectedJudges() {
  return [...remindForm.querySelectorAll('.row-check')].filter((box) => box.checked).map((box) => Number(box.value));
}

function showSelection() {
  const boxes = [...remindForm.querySelectorAll('.row-check')];
  const ticked = selectedJudges().length;
  remindAll.checked = boxes.length > 0 && ticked === boxes.length;
  remindAll.indeterminate = ticked > 0 && ticked < boxes.length;
  byId('remind-count').textContent = ticked ? t('rounds.assignments.remind.selected', { count: ticked }) : t('rounds.assignments.remind.none_selected');
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
    ? t('rounds.assignments.remind.sent', { count: sent.sent, names: formatList(names, 'unit') })
    : t('rounds.assignments.remind.nobody'));
}

submitWith(remindForm, async () => {
  const ids = selectedJudges();
  if (!ids.length) throw new ApiError({ code: 'invalid', message: t('rounds.assignments.remind.tick_first') });
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
