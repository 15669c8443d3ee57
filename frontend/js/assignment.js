// One assignment (?id=): the entry as the round lets the judge see it, and the judge's
// scorecard. The scorecard saves itself (PUT) shortly after the judge stops typing or
// choosing and when they leave a field; what has not reached the server is kept in
// localStorage and sent again when the connection returns, so nothing typed is lost.
import { get, getCached, post, request, serverNow, ApiError, showAlert } from './api.js';
import { formatDateTime, parseUtc, timeElement } from './dates.js';
import { invalid } from './form.js';
import { languageName } from './call-info.js';
import { currentUser, loginUrl } from './nav.js';
import { byId, el, param, submitWith, goToLogin, isAuthError } from './organiser-nav.js';
import { formatNumber, locale, t, tParts, useCatalogues } from './i18n.js';

await useCatalogues('judging');

const enc = encodeURIComponent;
const assignmentId = param('id');
const base = `/assignments/${enc(assignmentId ?? '')}`;
const STORE_KEY = `opencall.scorecard.${assignmentId}.unsent`;
const SAVE_DELAY = 800;
const RETRY_DELAY = 15_000;
const MAX_RADIO_STEPS = 11;

const clock = new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit' });
const dateOnly = new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' });
const scoreFormat = { format: (value) => formatNumber(value, { maximumFractionDigits: 2 }) };

/** "1.4 MB" in the chosen language. */
function formatSize(bytes) {
  if (bytes < 1024) return t('judging.size.bytes', { count: bytes });
  if (bytes < 1024 * 1024) return t('judging.size.kilobytes', { size: formatNumber(Math.round(bytes / 1024)) });
  return t('judging.size.megabytes', { size: formatNumber(bytes / (1024 * 1024), { minimumFractionDigits: 1, maximumFractionDigits: 1 }) });
}

const form = byId('scorecard-form');
const fields = byId('scorecard-fields');
const saveState = byId('save-state');
const summary = byId('submit-errors');
const submitDone = byId('submit-done');
const submitButton = byId('submit-button');
const saveButton = byId('save-button');

let assignment = null;
let scorecard = null;
let countries = null;
let edits = 0; // changes made on this page
let savedEdits = 0; // how many of them the server has
let timer = null;
let inflight = null;
let lastSavedAt = null;
let gone = false; // a declared conflict took the entry away
let storageOk = true;
let snapshot = ''; // the scorecard as last recorded, so a repeated event is not a change
let summaryGeneral = null; // the top summary's intro and its messages without a field, while shown
const problems = new Map(); // API field ("criterion.7", "comment") → message

/* ---------- The entry ---------- */

const isEmptyValue = (value) => value === null || value === undefined || value === '' || (Array.isArray(value) && value.length === 0);

function answerValue(answer) {
  const { type, value } = answer;
  if (isEmptyValue(value)) return el('span', { className: 'muted', text: t('judging.scoring.not_answered') });
  if (Array.isArray(value)) return el('ul', { className: 'answer-list' }, ...value.map((item) => el('li', { text: String(item) })));
  if (typeof value === 'boolean') return el('span', { text: value ? t('judging.scoring.yes') : t('judging.scoring.no') });
  if (typeof value === 'object') {
    if ('amount' in value) return el('span', { text: `${formatNumber(Number(value.amount))} ${value.currency ?? ''}`.trim() });
    return el('span', { className: 'answer-text', text: JSON.stringify(value) });
  }
  const text = String(value);
  switch (type) {
    case 'url':
      // Only web addresses become links; anything else (javascript:, data:…) stays text.
      return /^https?:\/\//i.test(text)
        ? el('a', { href: text, rel: 'nofollow noopener noreferrer', target: '_blank', text })
        : el('span', { className: 'answer-text', text });
    case 'country':
      return el('span', { text: countries?.get(text) ?? text });
    case 'date': {
      const date = new Date(`${text}T00:00:00Z`);
      return el('span', { text: Number.isNaN(date.getTime()) ? text : dateOnly.format(date) });
    }
    case 'number':
      return el('span', { text: typeof value === 'number' ? formatNumber(value) : text });
    default:
      // Line breaks are kept by CSS (white-space: pre-wrap), never by parsing the text.
      return el('div', { className: 'answer-text', text });
  }
}

function renderPeople(entry) {
  const people = byId('people');
  people.replaceChildren();
  const blind = entry.submitter == null && entry.team == null;
  byId('blind-note').hidden = !blind;
  if (blind) return;
  const list = el('dl', { className: 'facts' });
  if (entry.submitter) list.append(el('dt', { text: t('judging.scoring.submitted_by') }), el('dd', { text: entry.submitter.display_name }));
  if (entry.team) {
    const team = entry.team.length
      ? el('ul', { className: 'plain-list' }, ...entry.team.map((member) => el('li', { text: member.role ? `${member.name} (${member.role})` : member.name })))
      : el('span', { className: 'muted', text: t('judging.scoring.no_team') });
    list.append(el('dt', { text: t('judging.scoring.team') }), el('dd', {}, team));
  }
  people.append(list);
}

function renderFiles(files) {
  const list = byId('files');
  const heading = byId('files-heading');
  list.replaceChildren();
  heading.hidden = files.length === 0;
  list.hidden = files.length === 0;
  for (const file of files) {
    const item = el('li', { className: 'file-item' }, el('span', { className: 'file-label', text: file.label || file.field_key }));
    if (file.withheld) {
      item.append(el('span', { className: 'muted', text: t('judging.scoring.withheld', { reason: file.withheld }) }));
    } else {
      item.append(el('span', {},
        el('a', { href: file.url, download: file.name || true, text: file.name || t('judging.scoring.download') }),
        el('span', { className: 'muted', text: ` (${formatSize(file.size)}${file.content_type ? `, ${file.content_type}` : ''})` })));
    }
    list.append(item);
  }
}

// The entry's own title and summary come first among the answers, named by the API in English.
const CORE_FIELDS = { title: 'judging.scoring.core.title', summary: 'judging.scoring.core.summary' };
const CORE_LABEL_FROM_API = { title: 'Title', summary: 'Summary' };

function renderEntry() {
  const { entry } = assignment;
  renderPeople(entry);
  const answers = byId('answers');
  answers.replaceChildren();
  for (const answer of entry.answers ?? []) {
    const label = answer.key in CORE_FIELDS && answer.label === CORE_LABEL_FROM_API[answer.key] ? t(CORE_FIELDS[answer.key]) : answer.label || answer.key;
    answers.append(el('dt', { text: label }), el('dd', {}, answerValue(answer)));
  }
  if (!answers.children.length) answers.append(el('dt', { text: t('judging.scoring.answers') }), el('dd', { className: 'muted', text: t('judging.scoring.no_answers') }));
  renderFiles(entry.files ?? []);
}

const ROUND_STATES = {
  upcoming: t('judging.round_state.upcoming'), open: t('judging.round_state.open'), closed: t('judging.round_state.closed'),
};

function renderFacts() {
  const { round, entry, challenge } = assignment;
  const name = entry.reference ? t('judging.entry_name', { reference: entry.reference }) : t('judging.scoring.entry_to_judge');
  byId('entry-name').textContent = name;
  byId('call-name').textContent = `${challenge.title} · ${round.name}`;
  document.title = t('judging.scoring.title', { name, round: round.name });
  const facts = byId('round-facts');
  facts.replaceChildren();
  const fact = (term, ...value) => facts.append(el('dt', { text: term }), el('dd', {}, ...value));
  fact(t('judging.scoring.fact.round'), t('judging.scoring.fact.round_state', { round: round.name, state: ROUND_STATES[round.state] ?? round.state }));
  if (round.opens_at || round.closes_at) {
    let parts;
    if (round.opens_at && round.closes_at) {
      parts = tParts('judging.scoring.fact.from_until', { opens: timeElement(round.opens_at), closes: timeElement(round.closes_at) });
    } else if (round.opens_at) {
      parts = tParts('judging.scoring.fact.from', { opens: timeElement(round.opens_at) });
    } else {
      parts = tParts('judging.scoring.fact.until', { closes: timeElement(round.closes_at) });
    }
    fact(t('judging.scoring.fact.scoring'), ...parts);
  }
  if (entry.category) fact(t('judging.scoring.fact.category'), entry.category);
  if (entry.language) fact(t('judging.scoring.fact.language'), languageName(entry.language));
  if (round.blind) fact(t('judging.scoring.fact.blind'), t('judging.scoring.fact.blind_yes'));
}

/* ---------- The scorecard's controls ---------- */

const decimals = (step) => (String(step).split('.')[1] ?? '').length;
const sameNumber = (a, b) => Math.abs(Number(a) - Number(b)) < 1e-9;
const criteria = () => assignment.round.criteria ?? [];
const criterionBox = (id) => byId(`criterion-${id}`);

/** The scale's values, or null when there are more than MAX_RADIO_STEPS of them. */
function scaleValues(criterion) {
  const { scale_min: min, scale_max: max, scale_step: step } = criterion;
  const count = Math.round((max - min) / step) + 1;
  if (!(count > 0) || count > MAX_RADIO_STEPS) return null;
  const places = decimals(step);
  return Array.from({ length: count }, (_, i) => Number((min + i * step).toFixed(places)));
}

function scaleText(criterion) {
  const { scale_min: min, scale_max: max, scale_step: step } = criterion;
  const vars = { min: scoreFormat.format(min), max: scoreFormat.format(max), step: scoreFormat.format(step), weight: scoreFormat.format(criterion.weight) };
  const scale = t(sameNumber(step, 1) ? 'judging.scoring.scale' : 'judging.scoring.scale_steps', vars);
  return criterion.allow_na ? `${scale} ${t('judging.scoring.scale_na')}` : scale;
}

function radioControl(criterion, values) {
  const name = `c${criterion.id}`;
  const row = el('div', { className: 'scale-row' });
  const option = (value, label, extra = '') => {
    const id = `${name}-${String(value).replace(/\W/g, '_')}`;
    row.append(el('span', { className: `scale-option${extra}` },
      el('input', { type: 'radio', name, id, value: String(value) }),
      el('label', { for: id, text: label })));
  };
  for (const value of values) option(value, scoreFormat.format(value));
  if (criterion.allow_na) option('na', t('judging.scoring.na'), ' scale-na');
  return row;
}

function numberControl(criterion) {
  const id = `c${criterion.id}-number`;
  const input = el('input', {
    type: 'number', id, name: `c${criterion.id}`, inputmode: 'decimal',
    min: criterion.scale_min, max: criterion.scale_max, step: criterion.scale_step,
    'aria-describedby': `criterion-${criterion.id}-scale criterion-${criterion.id}-error`,
  });
  const box = el('div', { className: 'scale-number' }, el('label', { for: id, text: t('judging.scoring.score_for', { criterion: criterion.name }) }), input);
  if (criterion.allow_na) {
    const naId = `c${criterion.id}-na`;
    const na = el('input', { type: 'checkbox', id: naId, name: `c${criterion.id}-na` });
    box.append(el('div', { className: 'check' }, na, el('label', { for: naId, text: t('judging.scoring.na_number') })));
  }
  return box;
}

function buildCriteria() {
  const container = byId('criteria');
  container.replaceChildren();
  const ordered = [...criteria()].sort((a, b) => (a.position ?? 0) - (b.position ?? 0) || a.id - b.id);
  for (const criterion of ordered) {
    const values = scaleValues(criterion);
    const id = `criterion-${criterion.id}`;
    const describedBy = [criterion.description ? `${id}-description` : null, `${id}-scale`, `${id}-error`].filter(Boolean).join(' ');
    const box = el('fieldset', { className: 'criterion', id, 'data-field': `criterion.${criterion.id}`, 'aria-describedby': describedBy },
      el('legend', { text: criterion.name }),
      criterion.description ? el('p', { className: 'criterion-description', id: `${id}-description`, text: criterion.description }) : null,
      el('p', { className: 'hint', id: `${id}-scale`, text: scaleText(criterion) }),
      values ? radioControl(criterion, values) : numberControl(criterion),
      el('p', { className: 'field-error', id: `${id}-error` }));
    box.dataset.criterion = String(criterion.id);
    container.append(box);
  }
}

/** What the criterion's control holds: {criterion_id, value} or {criterion_id, na: true}. */
function readCriterion(criterion) {
  const box = criterionBox(criterion.id);
  const checked = box.querySelector('input[type="radio"]:checked');
  if (box.querySelector('input[type="radio"]')) {
    if (!checked) return { criterion_id: criterion.id, value: null };
    if (checked.value === 'na') return { criterion_id: criterion.id, na: true };
    return { criterion_id: criterion.id, value: Number(checked.value) };
  }
  if (box.querySelector('input[type="checkbox"]')?.checked) return { criterion_id: criterion.id, na: true };
  const input = box.querySelector('input[type="number"]');
  if (input.value.trim() === '') return { criterion_id: criterion.id, value: null };
  return { criterion_id: criterion.id, value: Number(input.value) };
}

function writeCriterion(criterion, item) {
  const box = criterionBox(criterion.id);
  if (!box) return;
  const radios = [...box.querySelectorAll('input[type="radio"]')];
  if (radios.length) {
    for (const radio of radios) {
      radio.checked = item?.na ? radio.value === 'na' : item?.value != null && radio.value !== 'na' && sameNumber(radio.value, item.value);
    }
    return;
  }
  const na = box.querySelector('input[type="checkbox"]');
  const input = box.querySelector('input[type="number"]');
  if (na) na.checked = Boolean(item?.na);
  input.value = item?.na || item?.value == null ? '' : String(item.value);
  input.disabled = Boolean(item?.na);
}

/** The whole scorecard as the PUT body. */
function readBody() {
  return {
    values: criteria().map(readCriterion),
    comment: byId('comment').value,
    feedback: byId('feedback').value,
  };
}

function writeBody(body) {
  const byCriterion = new Map((body.values ?? []).map((item) => [item.criterion_id, item]));
  for (const criterion of criteria()) writeCriterion(criterion, byCriterion.get(criterion.id));
  byId('comment').value = body.comment ?? '';
  byId('feedback').value = body.feedback ?? '';
}

/** A number typed that the browser cannot read (e.g. "7,5" in some layouts). */
function unreadable() {
  return [...form.querySelectorAll('input[type="number"]')].filter((input) => !input.disabled && input.validity.badInput);
}

/* ---------- Problems: next to each criterion, and listed at the top ---------- */

function problemSlot(fieldName) {
  if (fieldName === 'comment' || fieldName === 'feedback') return byId(`${fieldName}-error`);
  const match = /^criterion\.(\d+)/.exec(fieldName ?? '');
  return match ? byId(`criterion-${match[1]}-error`) : null;
}

function problemTarget(fieldName) {
  if (fieldName === 'comment' || fieldName === 'feedback') return byId(fieldName);
  const match = /^criterion\.(\d+)/.exec(fieldName ?? '');
  return match ? criterionBox(match[1]) : null;
}

function problemLabel(fieldName) {
  if (fieldName === 'comment') return t('judging.scoring.comment');
  if (fieldName === 'feedback') return t('judging.scoring.feedback_short');
  const match = /^criterion\.(\d+)/.exec(fieldName ?? '');
  return criteria().find((c) => String(c.id) === match?.[1])?.name ?? fieldName;
}

function markInvalid(fieldName, on) {
  const target = problemTarget(fieldName);
  if (!target) return;
  const controls = target.matches('textarea') ? [target] : [...target.querySelectorAll('input')];
  for (const control of controls) {
    if (on) control.setAttribute('aria-invalid', 'true');
    else control.removeAttribute('aria-invalid');
  }
  target.classList.toggle('has-error', on);
}

/**
 * The problems beside their fields and, with `intro`, listed at the top with links (focused
 * when `focus`: after pressing submit, never while the judge is typing).
 */
function showProblems(intro = null, focus = false) {
  for (const slot of form.querySelectorAll('.field-error')) slot.textContent = '';
  for (const target of form.querySelectorAll('.has-error')) markInvalid(target.dataset.field ?? target.id, false);
  const general = [];
  for (const [fieldName, message] of problems) {
    const slot = problemSlot(fieldName);
    if (slot) {
      const prefix = [`${problemLabel(fieldName)}: `, `${fieldName}: `].find((p) => message.startsWith(p));
      // Beside its criterion the name goes without saying: "Impact: give a value" → "Give a value".
      const bare = prefix ? message.slice(prefix.length) : message;
      slot.textContent = bare.charAt(0).toUpperCase() + bare.slice(1);
      markInvalid(fieldName, true);
    } else {
      general.push(message);
    }
  }
  if (intro === null) {
    // A change: the summary at the top (if shown) keeps only what still applies.
    if (!summaryGeneral) return;
    if (!problems.size) clearSummary();
    else renderSummary(summaryGeneral.intro, general);
    return;
  }
  renderSummary(intro, general);
  if (focus) summary.focus();
}

function clearSummary() {
  summaryGeneral = null;
  summary.replaceChildren();
}

function renderSummary(intro, general = []) {
  summaryGeneral = { intro };
  const items = [];
  for (const [fieldName, message] of problems) {
    if (!problemSlot(fieldName)) continue;
    const target = problemTarget(fieldName);
    const label = problemLabel(fieldName);
    // The server may already name the criterion ("Impact: give a value").
    const text = message.startsWith(`${label}: `) || message.startsWith(`${fieldName}: `) ? message : `${label}: ${message}`;
    items.push(el('li', {}, el('a', { href: `#${target.id}`, 'data-focus': target.id, text })));
  }
  items.push(...general.map((message) => el('li', { text: message })));
  summary.replaceChildren(el('p', { className: 'summary-intro', text: intro }));
  if (items.length) summary.append(el('ul', {}, ...items));
}

function setProblems(list, intro, focus = false) {
  problems.clear();
  for (const { field: fieldName, message } of list) {
    const key = fieldName ?? '';
    problems.set(key, problems.has(key) ? `${problems.get(key)} ${message}` : message);
  }
  showProblems(intro, focus);
}

/** A field the judge changes loses its old message. */
function clearProblem(fieldName) {
  if (!problems.delete(fieldName)) return;
  showProblems();
}

summary.addEventListener('click', (event) => {
  const link = event.target.closest('a[data-focus]');
  if (!link) return;
  event.preventDefault();
  const target = byId(link.dataset.focus);
  target?.scrollIntoView({ block: 'center' });
  const control = target?.matches('textarea') ? target : target?.querySelector('input:checked:not(:disabled), input:not([type="radio"]):not(:disabled), input:not(:disabled)');
  control?.focus();
});

/* ---------- Save state ---------- */

const dirty = () => edits !== savedEdits;

function setSave(state, reason = '') {
  saveState.dataset.state = state;
  const kept = storageOk ? t('judging.save.kept') : t('judging.save.keep_open');
  if (state === 'auth') {
    saveState.replaceChildren(...tParts('judging.save.auth', { kept, link: el('a', { href: loginUrl(), text: t('judging.save.log_in_again') }) }));
    return;
  }
  const texts = {
    idle: '',
    dirty: t('judging.save.dirty'),
    saving: t('judging.save.saving'),
    saved: lastSavedAt ? t('judging.save.saved', { time: clock.format(lastSavedAt) }) : t('judging.save.nothing'),
    retrying: t('judging.save.retrying', { reason, kept }),
    offline: t('judging.save.offline', { kept }),
    invalid: t('judging.save.invalid', { reason }),
    stopped: t('judging.save.stopped', { reason }),
  };
  saveState.textContent = texts[state] ?? reason;
}

/* ---------- Keeping unsaved changes on this device ---------- */

function persist() {
  try {
    if (!dirty()) localStorage.removeItem(STORE_KEY);
    else localStorage.setItem(STORE_KEY, JSON.stringify({ body: readBody(), at: serverNow() }));
    storageOk = true;
  } catch {
    storageOk = false; // private mode or a full disk: the page itself still holds the changes
  }
}

function loadLocal() {
  try {
    const data = JSON.parse(localStorage.getItem(STORE_KEY) ?? 'null');
    return data && typeof data.body === 'object' && data.body ? data : null;
  } catch {
    return null;
  }
}

function forgetLocal() {
  try {
    localStorage.removeItem(STORE_KEY);
  } catch {
    // Nothing was kept.
  }
}

/* ---------- Saving ---------- */

const editable = () => Boolean(scorecard?.editable) && !gone;

function schedule(delay = SAVE_DELAY) {
  clearTimeout(timer);
  timer = setTimeout(() => flush(), delay);
}

function handleSaveError(error) {
  if (!(error instanceof ApiError)) {
    console.error(error);
    setSave('stopped', t('judging.save.page_error'));
    return;
  }
  if (error.status === 0) {
    setSave('offline');
    schedule(RETRY_DELAY);
  } else if (error.status === 401) {
    setSave('auth');
  } else if (error.status === 422) {
    setProblems(error.problems, t('judging.save.correct'));
    setSave('invalid', error.problems[0]?.message ? `${error.problems[0].message.replace(/\.?$/, '.')}` : `${error.message}`);
  } else if (error.status === 409) {
    setSave('stopped', t('judging.save.conflict', { message: error.message }));
    refresh();
  } else if (error.status === 404) {
    setSave('stopped', t('judging.save.not_assigned'));
  } else {
    setSave('retrying', error.message.replace(/\.$/, ''));
    schedule(error.retryAfter ? error.retryAfter * 1000 : RETRY_DELAY);
  }
}

/** One PUT of the whole scorecard; true when the server took it. */
async function sendOnce(keepalive = false) {
  const mark = edits;
  const body = readBody();
  setSave('saving');
  try {
    // keepalive (for a closing page) takes bodies up to 64 KB only.
    const small = JSON.stringify(body).length < 60_000;
    const result = await request('PUT', `${base}/scorecard`, body, { keepalive: keepalive && small });
    if (gone) return false;
    savedEdits = mark;
    lastSavedAt = new Date();
    applyScorecard(result);
    // A value the server has now accepted no longer carries a message from an earlier try.
    for (const key of [...problems.keys()]) {
      const item = body.values.find((v) => `criterion.${v.criterion_id}` === key);
      if ((item && (item.na || item.value != null)) || key === 'comment' || key === 'feedback') problems.delete(key);
    }
    showProblems();
    persist();
    return true;
  } catch (error) {
    if (!gone) handleSaveError(error);
    return false;
  }
}

/**
 * Sends the scorecard if anything changed since the last save (after any save on its way).
 * Resolves to true when everything the judge did so far is saved.
 */
async function flush({ keepalive = false } = {}) {
  clearTimeout(timer);
  while (inflight) await inflight;
  if (!dirty()) return true;
  if (!editable()) return false;
  const bad = unreadable();
  if (bad.length) {
    const box = bad[0].closest('[data-criterion]');
    setProblems([{ field: `criterion.${box.dataset.criterion}`, message: t('judging.save.enter_number') }], t('judging.save.not_saved_intro'));
    setSave('invalid', t('judging.save.not_a_number'));
    return false;
  }
  inflight = sendOnce(keepalive);
  const ok = await inflight;
  inflight = null;
  if (!ok) return false;
  if (dirty()) {
    setSave('dirty');
    schedule();
    return false;
  }
  setSave('saved');
  return true;
}

function recordChange(target) {
  if (!editable()) return;
  const box = target.closest('[data-field]');
  if (target.matches('input[type="checkbox"]') && box?.dataset.criterion) {
    // N/A for a number scale: the number no longer applies.
    const input = box.querySelector('input[type="number"]');
    input.disabled = target.checked;
  }
  const now = JSON.stringify(readBody());
  if (now === snapshot) return; // "input" and "change" both fire for one choice
  snapshot = now;
  if (box) clearProblem(box.dataset.field);
  edits += 1;
  persist();
  setSave('dirty');
  schedule();
}

/* ---------- Drawing the scorecard's state ---------- */

function applyScorecard(result) {
  const wasEditable = editable();
  scorecard = result;
  renderScorecardState();
  if (wasEditable !== editable()) renderLock();
}

/** The scorecard's status line; `withTime` adds when a draft was last saved. */
function drawStatus(status, withTime) {
  status.replaceChildren();
  if (scorecard.status === 'submitted') {
    status.append(...(scorecard.submitted_at
      ? tParts('judging.status.submitted_on', { time: timeElement(scorecard.submitted_at) })
      : [t('judging.status.submitted')]));
    if (editable()) status.append(' ', t('judging.status.still_editable'));
  } else if (scorecard.status === 'draft') {
    status.append(t('judging.status.draft'));
    if (scorecard.updated_at && withTime) status.append(' ', ...tParts('judging.status.last_saved', { time: timeElement(scorecard.updated_at) }));
  } else {
    status.textContent = t('judging.status.not_started');
  }
}

function renderScorecardState() {
  const status = byId('scorecard-status');
  // This page's own autosave of a draft leaves the line as it is ("Saved at" is said below the
  // form): a line that grew with the saved time moved the scores under the judge's finger.
  const ownDraftSave = scorecard.status === 'draft' && lastSavedAt !== null && 'status' in status.dataset;
  if (!(ownDraftSave && status.dataset.status === 'draft')) drawStatus(status, !ownDraftSave);
  status.dataset.status = scorecard.status ?? '';
  const scoreLine = byId('score-line');
  scoreLine.hidden = scorecard.score == null;
  scoreLine.textContent = scorecard.score == null ? '' : t('judging.status.weighted_score', { score: scoreFormat.format(scorecard.score) });
  submitButton.hidden = !editable() || scorecard.status === 'submitted';
  saveButton.hidden = !editable();
  const reopen = byId('reopen-note');
  reopen.hidden = !scorecard.reopen_reason;
  reopen.textContent = scorecard.reopen_reason
    ? t('judging.status.reopened', { reason: scorecard.reopen_reason })
    : '';
}

function renderLock() {
  const locked = !editable();
  fields.disabled = locked;
  const note = byId('locked-note');
  note.hidden = !locked || gone;
  note.textContent = locked ? t('judging.status.locked', { reason: scorecard.locked_reason || t('judging.status.not_open') }) : '';
}

/* ---------- Submitting ---------- */

async function submitScorecard() {
  if (!editable() || submitButton.disabled) return;
  submitButton.disabled = true;
  submitButton.setAttribute('aria-busy', 'true');
  submitDone.textContent = '';
  try {
    if (!(await flush())) {
      if (!summaryGeneral) renderSummary(t('judging.submit.unsaved', { state: saveState.textContent }));
      summary.focus();
      return;
    }
    let result;
    try {
      result = await post(`${base}/scorecard/submit`);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (error.status === 401) {
        setSave('auth');
        renderSummary(t('judging.submit.logged_out'));
        summary.focus();
      } else if (error.status === 422) {
        setProblems(error.problems, t('judging.submit.complete'), true);
      } else {
        renderSummary(t('judging.submit.failed', { message: error.message }));
        summary.focus();
        if (error.status === 409) refresh();
      }
      return;
    }
    if (gone) return;
    problems.clear();
    showProblems();
    clearSummary();
    applyScorecard(result);
    const parts = [result.submitted_at ? t('judging.submit.done_on', { time: formatDateTime(result.submitted_at) }) : t('judging.submit.done')];
    if (result.score != null) parts.push(t('judging.submit.done_score', { score: scoreFormat.format(result.score) }));
    parts.push(t('judging.submit.thanks'));
    submitDone.textContent = parts.join(' ');
    submitDone.append(' ', el('a', { href: '/judging.html', text: t('judging.scoring.back') }));
    submitDone.focus();
  } finally {
    submitButton.disabled = false;
    submitButton.removeAttribute('aria-busy');
  }
}

/* ---------- Declaring a conflict of interest ---------- */

function conflictDone(result) {
  gone = true;
  clearTimeout(timer);
  forgetLocal();
  byId('page-body').remove(); // the entry's content, the scorecard and every control
  byId('entry-name').textContent = t('judging.conflict.taken');
  document.title = t('judging.conflict.title');
  byId('conflict-done-text').textContent = result.reassigned
    ? t('judging.conflict.reassigned')
    : t('judging.conflict.unassigned');
  byId('conflict-done').hidden = false;
  byId('conflict-done-heading').focus();
}

submitWith(byId('conflict-form'), async (values, conflictForm) => {
  const reason = String(values['conflict-reason'] ?? '').trim();
  if (reason.length < 3) throw invalid('conflict-reason', t('judging.conflict.reason_short'));
  if (!conflictForm.elements['conflict-confirm'].checked) throw invalid('conflict-confirm', t('judging.conflict.confirm'));
  clearTimeout(timer);
  conflictDone(await post(`${base}/conflict`, { reason }));
}, (path) => (path === 'reason' ? 'conflict-reason' : null));

/* ---------- Events ---------- */

form.addEventListener('submit', (event) => event.preventDefault());
form.addEventListener('input', (event) => recordChange(event.target));
form.addEventListener('change', (event) => {
  // Radios and checkboxes say "change" only; text already said "input".
  if (event.target.matches('input[type="radio"], input[type="checkbox"]')) recordChange(event.target);
});
form.addEventListener('focusout', (event) => {
  const box = event.target.closest('[data-field]');
  // Moving within one row of scores is not leaving the field.
  if (box && event.relatedTarget instanceof Node && box.contains(event.relatedTarget)) return;
  if (dirty()) flush();
});
submitButton.addEventListener('click', submitScorecard);
saveButton.addEventListener('click', async () => {
  if (!dirty()) setSave('saved');
  await flush();
});

document.addEventListener('keydown', (event) => {
  if (!(event.ctrlKey || event.metaKey) || event.altKey || !assignment || gone) return;
  if (event.key === 's' || event.key === 'S') {
    event.preventDefault();
    if (!editable()) return;
    if (!dirty()) setSave('saved');
    flush();
  } else if (event.key === 'Enter') {
    event.preventDefault();
    if (editable() && !submitButton.hidden) submitScorecard();
  }
});

window.addEventListener('online', () => {
  if (dirty()) flush();
});
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'hidden' && dirty()) flush({ keepalive: true });
});
window.addEventListener('pagehide', () => {
  if (dirty()) flush({ keepalive: true });
});

/* ---------- Loading ---------- */

/** Asks for the assignment again (e.g. after a 409) and shows what may still change. */
async function refresh() {
  try {
    const fresh = await get(base);
    if (gone) return;
    assignment = fresh;
    applyScorecard(fresh.scorecard);
    renderLock();
  } catch (error) {
    if (isAuthError(error)) setSave('auth');
  }
}

/** Puts back changes this device kept from an earlier visit; sends them if it may. */
function restoreLocal() {
  const kept = loadLocal();
  const note = byId('local-note');
  note.hidden = true;
  if (!kept) return;
  const serverTime = scorecard.updated_at ? parseUtc(scorecard.updated_at).getTime() : 0;
  if (kept.at < serverTime) {
    forgetLocal(); // saved later elsewhere: the server's copy is newer
    return;
  }
  if (editable()) {
    writeBody(kept.body);
    snapshot = JSON.stringify(readBody());
    edits += 1;
    note.textContent = t('judging.local.restored');
    note.hidden = false;
    flush();
    return;
  }
  const lines = [];
  if (kept.body.comment) lines.push([t('judging.scoring.comment'), kept.body.comment]);
  if (kept.body.feedback) lines.push([t('judging.scoring.feedback_short'), kept.body.feedback]);
  const discard = el('button', { type: 'button', className: 'button button-secondary', text: t('judging.local.discard') });
  discard.addEventListener('click', () => {
    forgetLocal();
    note.hidden = true;
    byId('scorecard-heading').focus();
  });
  note.replaceChildren(el('p', { text: t('judging.local.closed') }),
    ...lines.flatMap(([label, text]) => [el('p', { className: 'kept-label', text: label }), el('p', { className: 'answer-text', text })]),
    el('p', {}, discard));
  note.hidden = false;
}

async function load() {
  const loading = byId('page-loading');
  const retry = byId('page-retry');
  retry.hidden = true;
  showAlert(byId('page-alert'), []);
  loading.textContent = t('judging.scoring.loading');
  let user;
  try {
    user = await currentUser;
  } catch {
    loading.textContent = '';
    return; // nav.js has said why.
  }
  if (!user) return goToLogin();
  if (!assignmentId) {
    loading.textContent = '';
    showAlert(byId('page-alert'), [t('judging.scoring.no_id')]);
    byId('page-alert').append(el('p', {}, el('a', { href: '/judging.html', text: t('judging.scoring.see_assignments') })));
    return undefined;
  }
  try {
    assignment = await get(base);
    if ((assignment.entry.answers ?? []).some((answer) => answer.type === 'country')) {
      countries = new Map((await getCached('/countries').catch(() => [])).map((country) => [country.iso2, country.name]));
    }
  } catch (error) {
    if (isAuthError(error)) return goToLogin();
    loading.textContent = '';
    if (error instanceof ApiError && (error.status === 404 || error.status === 403)) {
      showAlert(byId('page-alert'), [t('judging.scoring.not_yours')]);
      byId('page-alert').append(el('p', {}, el('a', { href: '/judging.html', text: t('judging.scoring.see_assignments') })));
    } else {
      showAlert(byId('page-alert'), [t('judging.scoring.load_failed', { message: error.message })]);
      retry.hidden = false;
    }
    return undefined;
  }
  scorecard = assignment.scorecard;
  lastSavedAt = scorecard.updated_at ? parseUtc(scorecard.updated_at) : null;
  renderFacts();
  renderEntry();
  buildCriteria();
  writeBody(scorecard);
  snapshot = JSON.stringify(readBody());
  renderScorecardState();
  renderLock();
  loading.remove();
  retry.remove();
  byId('page-body').hidden = false;
  restoreLocal();
  return undefined;
}

byId('page-retry').querySelector('button').addEventListener('click', load);
load();
