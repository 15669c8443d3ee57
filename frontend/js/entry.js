// The entry editor and receipt (?id=). Every change is kept on this device at once
// (offline-drafts.js) and a draft sends it to the server as the entrant types; through a
// dropped connection nothing is lost: the changes wait on the phone and go when it is back.
// The status line and a note beside each field say what is not saved yet; a change that
// clashes with one made on another device meanwhile waits until the entrant chooses. A
// submitted entry is changed with "Save changes" (each save is a revision).
import { get, getCached, post, del, request, upload, serverNow, ApiError, showAlert } from './api.js';
import { currentUser, loginUrl } from './nav.js';
import { callTimeElement, parseUtc, timeElement } from './dates.js';
import { licenceInfo, licenceAgreement, languageName } from './call-info.js';
import { startCountdown } from './countdown.js';
import { el, fieldControl, teamControl } from './entry-fields.js';
import { UnsentChanges, normalise, sameValue, savedValue, storageKey } from './offline-drafts.js';
import { language, locale, t, tParts, useCatalogues } from './i18n.js';

await useCatalogues('entry');

/** What the editor says about saving (its text is in the entry catalogue). */
const SAVE_TEXT = {
  dirty: () => t('entry.save_status.dirty'),
  saving: () => t('entry.save_status.saving'),
  saved: (time) => t('entry.save_status.saved', { time }),
  offline: (n, kept) => t(kept ? 'entry.save_status.offline_kept' : 'entry.save_status.offline_unsent', { count: n }),
  offlineRevise: (n, kept) => t(kept ? 'entry.save_status.offline_revise_kept' : 'entry.save_status.offline_revise_unsent', { count: n }),
  server: (n, kept) => t(kept ? 'entry.save_status.server_kept' : 'entry.save_status.server_unsent', { count: n }),
  error: (detail) => t('entry.save_status.error', { detail }),
  pageBroken: () => t('entry.save_status.page_broken'),
  invalid: () => t('entry.save_status.invalid'),
  conflict: () => t('entry.save_status.conflict'),
  auth: (kept, link) => tParts(kept ? 'entry.save_status.auth_kept' : 'entry.save_status.auth_unkept', { link }),
  authLink: () => t('entry.save_status.log_in_again'),
  reviseDirty: () => t('entry.save_status.revise_dirty'),
  revised: (time) => t('entry.save_status.revised', { time }),
  unchanged: () => t('entry.save_status.unchanged'),
  invalidSummary: () => t('entry.save_status.invalid_summary'),
};
/** The note beside a field whose change the server does not have yet. */
const MARK_TEXT = {
  pending: () => t('entry.mark.pending'),
  kept: () => t('entry.mark.kept'),
  blocked: () => t('entry.mark.blocked'),
  held: () => t('entry.mark.held'),
  upload: (names) => t('entry.mark.upload', { names }),
};
const CONFLICT_TEXT = {
  intro: () => t('entry.conflict.intro'),
  saved: () => t('entry.conflict.saved'),
  mine: () => t('entry.conflict.mine'),
  keepMine: () => t('entry.conflict.keep_mine'),
  useSaved: () => t('entry.conflict.use_saved'),
  forField: (label) => t('entry.conflict.for_field', { label }),
  group: (label) => t('entry.conflict.group', { label }),
  empty: () => t('entry.conflict.empty'),
  yes: () => t('entry.conflict.yes'),
  no: () => t('entry.conflict.no'),
};
const SUBMIT_TEXT = {
  offline: (n) => t('entry.submit_refused.offline', { count: n }),
  server: (n) => t('entry.submit_refused.server', { count: n }),
  conflict: () => t('entry.submit_refused.conflict'),
  invalid: () => t('entry.submit_refused.invalid'),
  unsaved: () => t('entry.submit_refused.unsaved'),
};
/** The note at the top about changes an earlier visit left on this device. */
const NOTE_TEXT = {
  draft: () => t('entry.note.draft'),
  saved: () => t('entry.note.saved'),
  files: () => t('entry.note.files'),
  revise: () => t('entry.note.revise'),
  closed: () => t('entry.note.closed'),
  discard: () => t('entry.note.discard'),
};
const LOAD_TEXT = {
  offline: () => t('entry.load.offline'),
};

const byId = (id) => document.getElementById(id);
const entryId = new URLSearchParams(location.search).get('id');
const SAVE_DELAY = 1500;
const RETRY_FIRST = 1000; // then 2, 4, 8… seconds, up to RETRY_MOST
const RETRY_MOST = 60_000;
const NETWORK_STATUSES = [0, 502, 503, 504]; // not the server refusing: the change is kept and sent again

const pageAlert = byId('page-alert');
const formEl = byId('entry-form');
const saveStatus = byId('save-status');
const submitButton = byId('submit-button');
const saveButton = byId('save-button');
const summaryEl = byId('submit-errors');
const clock = new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit' });

let entry = null;
let challenge = null;
let entryForm = null;
let countries = [];
let user = null;
let controls = new Map(); // API field path → control
let store = new UnsentChanges(null); // what the server has not taken yet
let lost = null; // why the last send did not arrive: 'offline' or 'server' (null: it did)
let failures = 0; // sends in a row that did not arrive, for the back-off
let clashes = 0; // edit conflicts in a row, so a busy entry cannot loop for ever
let timer = null;
let flushing = null;
let justSubmitted = false;
let countdown = null;
let view = null; // entry-view.js, loaded the first time the entry is read-only
const chosenHere = new Set(); // file questions where files were chosen on this page

const isEmpty = (object) => Object.keys(object).length === 0;

const mode = () => {
  if (!entry.editable) return 'read';
  return entry.status === 'submitted' ? 'revise' : 'draft';
};

/* ---------- The save status line and the notes beside fields ---------- */

function setSave(state, detail = '') {
  const now = clock.format(new Date());
  const n = store.count();
  const kept = store.storageOk && Boolean(store.key);
  saveStatus.dataset.state = state;
  if (state === 'auth') {
    saveStatus.replaceChildren(...SAVE_TEXT.auth(kept, el('a', { href: loginUrl(), text: SAVE_TEXT.authLink() })));
    return;
  }
  const texts = {
    dirty: SAVE_TEXT.dirty(),
    saving: SAVE_TEXT.saving(),
    saved: SAVE_TEXT.saved(now),
    offline: mode() === 'draft' ? SAVE_TEXT.offline(n, kept) : SAVE_TEXT.offlineRevise(n, kept),
    server: mode() === 'draft' ? SAVE_TEXT.server(n, kept) : SAVE_TEXT.offlineRevise(n, kept),
    error: SAVE_TEXT.error(detail),
    invalid: SAVE_TEXT.invalid(),
    conflict: SAVE_TEXT.conflict(),
    'revise-dirty': SAVE_TEXT.reviseDirty(),
    revised: SAVE_TEXT.revised(now),
    unchanged: SAVE_TEXT.unchanged(),
    idle: '',
  };
  const text = texts[state] ?? detail;
  // The line is a live region: the same words are not announced again at every key press.
  if (saveStatus.textContent !== text) saveStatus.textContent = text;
}

/** The status line for where things stand now. */
function showState() {
  if (store.held.size) return setSave('conflict');
  if (store.blocked.size) return setSave('invalid');
  if (lost && !store.isEmpty()) return setSave(lost);
  if (store.isEmpty()) return setSave(mode() === 'draft' ? 'saved' : 'revised');
  return setSave(mode() === 'draft' ? 'dirty' : 'revise-dirty');
}

/**
 * Marks each field whose change the server does not have (or whose file is not uploaded).
 * A draft's change on its way while the connection holds gets no note: it is sent within a
 * second or two and the status line says so, and a note that came and went with every save
 * would move the fields below it under the entrant's thumb as they tap.
 */
function renderMarks() {
  for (const control of controls.values()) {
    const { path } = control;
    let text = '';
    if (store.held.has(path)) text = MARK_TEXT.held();
    else if (store.blocked.has(path)) text = MARK_TEXT.blocked();
    else if (store.has(path) && lost) text = MARK_TEXT.kept();
    else if (store.has(path) && mode() !== 'draft') text = MARK_TEXT.pending();
    else if (store.uploads[path]?.length && !control.hasQueued?.()) text = MARK_TEXT.upload(store.uploads[path].join(', '));
    control.setUnsaved?.(text);
  }
}

/* ---------- Sending changes ---------- */

function schedule(delay = SAVE_DELAY) {
  clearTimeout(timer);
  timer = setTimeout(() => flush(), delay);
}

/** Tries again later, waiting twice as long each time (or as long as the server asks). */
function retryLater(seconds = null) {
  failures += 1;
  if (mode() !== 'draft') return;
  schedule(seconds ? seconds * 1000 : Math.min(RETRY_MOST, RETRY_FIRST * 2 ** (failures - 1)));
}

/** Handles a save that did not go through; true when it is worth sending again at once. */
async function handleSaveError(error, sent) {
  if (!(error instanceof ApiError)) {
    console.error(error);
    setSave('error', SAVE_TEXT.pageBroken());
    return false;
  }
  const { status } = error;
  if (NETWORK_STATUSES.includes(status)) {
    lost = status === 0 ? 'offline' : 'server';
    showState();
    retryLater();
  } else if (status === 401) {
    setSave('auth');
  } else if (status === 422) {
    // Only the refused fields wait for a correction; the rest are sent without them.
    const refused = new Set(error.problems.map((problem) => controlFor(problem.field)?.path).filter((path) => path && path in sent));
    store.block(refused.size ? refused : Object.keys(sent));
    showFieldErrors(error.problems, SAVE_TEXT.invalidSummary());
    showState();
    if (mode() === 'draft' && !isEmpty(store.sendable())) schedule();
  } else if (status === 409 && error.code === 'edit_conflict') {
    clashes += 1;
    if (clashes <= 3 && (await refetch())) return true;
    setSave('error', error.message);
  } else if (status === 409) {
    setSave('error', error.message);
    reload();
  } else {
    setSave('error', error.message);
    if (status >= 500 || status === 429) retryLater(error.retryAfter);
  }
  return false;
}

/** One PATCH with what can be sent, on the version it was made on; true when it went through. */
async function sendOnce(keepalive = false) {
  const sending = store.sendable();
  if (isEmpty(sending)) return true;
  const body = store.body(sending);
  setSave('saving');
  try {
    // keepalive (for a closing page) takes bodies up to 64 KB only.
    const small = JSON.stringify(body).length < 60_000;
    const result = await request('PATCH', `/entries/${encodeURIComponent(entryId)}`, body, { keepalive: keepalive && small });
    store.acknowledge(sending, result);
    lost = null;
    failures = 0;
    clashes = 0;
    applyServer(result);
    return true;
  } catch (error) {
    return handleSaveError(error, sending);
  }
}

/**
 * Sends what can be sent (after any save already on its way). With `all`, keeps sending until
 * nothing is left; resolves to true when the server has every change typed so far.
 */
async function flush({ all = false, keepalive = false } = {}) {
  clearTimeout(timer);
  while (flushing) await flushing;
  while (!isEmpty(store.sendable())) {
    flushing = sendOnce(keepalive);
    const ok = await flushing;
    flushing = null;
    renderMarks();
    if (!ok) return false;
    if (!all && !isEmpty(store.sendable())) {
      showState();
      schedule();
      return false;
    }
  }
  showState();
  return store.isEmpty();
}

function recordChange(path) {
  const control = controls.get(path);
  if (!control) return;
  const value = control.read();
  if (value === undefined) return; // files are saved by their own upload
  // A "change" event as focus leaves a field already saved is not a change.
  if (!store.has(path) && sameValue(path, value, savedValue(entry, path))) return;
  store.record(path, value, entry);
  // Being changed, the field's old message no longer applies; the next save says if one does.
  if (control.messageKind) control.setMessage('');
  renderMarks();
  // While the connection is lost the back-off timer sends; typing does not hurry it.
  if (mode() === 'draft' && !lost) schedule();
  showState();
}

/** Takes the server's answer to this page's own save; redraws only if the mode changed. */
function applyServer(result) {
  const before = mode();
  const oldStatus = entry.status;
  entry = result;
  if (mode() !== before || entry.status !== oldStatus) {
    renderAll();
    return;
  }
  renderState();
  renderProblems(false);
  for (const control of controls.values()) control.setAttachments?.(entry.attachments);
  byId('withdraw-section').hidden = !entry.withdrawable;
}

/**
 * Takes a version of the entry this page did not write (read again after a conflict, an
 * upload, the deadline): the unsent changes are lined up with it, fields without one show
 * what is saved now, and clashing changes wait for the entrant's choice.
 */
function adopt(fresh) {
  if (!store.isEmpty()) store.rebase(fresh);
  const before = mode();
  applyServer(fresh);
  if (mode() === before && mode() !== 'read') {
    for (const control of controls.values()) {
      if (store.has(control.path) || control.read() === undefined) continue;
      const saved = savedValue(entry, control.path);
      if (!sameValue(control.path, control.read(), saved)) control.write(saved);
    }
  }
  renderConflicts();
  renderMarks();
  if (store.held.size) showState();
}

/** Reads the entry again after the server refused a save made on an older version. */
async function refetch() {
  try {
    adopt(await get(`/entries/${encodeURIComponent(entryId)}`));
    return true;
  } catch (error) {
    if (error instanceof ApiError && NETWORK_STATUSES.includes(error.status)) {
      lost = error.status === 0 ? 'offline' : 'server';
      showState();
      retryLater();
    }
    return false;
  }
}

/** Asks the server for the entry again (e.g. at the deadline); redraws only if the mode changed. */
async function reload() {
  try {
    adopt(await get(`/entries/${encodeURIComponent(entryId)}`));
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) setSave('auth');
  }
}

/* ---------- A change made on two devices: the entrant chooses ---------- */

/** A value as the entrant reads it, to compare two versions. */
function describeValue(path, value) {
  const v = normalise(path, value);
  if (v === null || v === '' || (Array.isArray(v) && v.length === 0)) return CONFLICT_TEXT.empty();
  if (path === 'team') return v.map((member) => (member.email ? `${member.name} (${member.email})` : member.name)).join(', ');
  if (typeof v === 'boolean') return v ? CONFLICT_TEXT.yes() : CONFLICT_TEXT.no();
  if (Array.isArray(v)) return v.join(', ');
  if (typeof v === 'object') return v.amount !== undefined ? `${v.amount} ${v.currency ?? ''}`.trim() : JSON.stringify(v);
  if (path === 'language') return languageName(v);
  const field = formFields().find((f) => `answers.${f.key}` === path);
  if (field?.type === 'country') return countries.find((country) => country.iso2 === v)?.name ?? String(v);
  return String(v);
}

function resolveConflict(path, keepMine) {
  const control = controls.get(path);
  if (keepMine) {
    store.keepMine(path, entry);
  } else {
    store.useSaved(path);
    control?.write(savedValue(entry, path));
  }
  renderConflicts();
  renderMarks();
  control?.focus();
  if (mode() === 'draft') flush();
  else showState();
}

/** Both versions of each clashing field, beside it, with "Keep mine" and "Use the saved one". */
function renderConflicts() {
  for (const box of formEl.querySelectorAll('.conflict')) box.remove();
  const held = [...store.held].filter((path) => controls.has(path));
  const section = byId('conflicts');
  section.hidden = held.length === 0;
  section.querySelector('ul').replaceChildren(...held.map((path) => {
    const control = controls.get(path);
    return el('li', {}, el('a', { href: `#${control.element.id}`, 'data-path': path, text: control.label }));
  }));
  for (const path of held) {
    const control = controls.get(path);
    const button = (text, keepMine) => {
      const b = el('button', { type: 'button', className: 'button button-small button-secondary' }, text, el('span', { className: 'visually-hidden', text: ` ${CONFLICT_TEXT.forField(control.label)}` }));
      b.addEventListener('click', () => resolveConflict(path, keepMine));
      return b;
    };
    const box = el('div', { className: 'conflict', role: 'group', 'aria-label': CONFLICT_TEXT.group(control.label) },
      el('p', { text: CONFLICT_TEXT.intro() }),
      el('dl', {},
        el('dt', { text: CONFLICT_TEXT.saved() }), el('dd', { className: 'text-answer', text: describeValue(path, savedValue(entry, path)) }),
        el('dt', { text: CONFLICT_TEXT.mine() }), el('dd', { className: 'text-answer', text: describeValue(path, store.changes[path]) })),
      el('p', { className: 'conflict-actions' }, button(CONFLICT_TEXT.keepMine(), true), button(CONFLICT_TEXT.useSaved(), false)));
    control.element.querySelector('.unsaved-mark')?.after(box);
  }
}

/* ---------- Errors and "before you can submit" ---------- */

/** A message beside its field reads as a sentence: "is required" → "This is required." */
function besideField(message) {
  const text = String(message).trim();
  const sentence = /^[a-z]/.test(text) ? `This ${text}` : text;
  return /[.!?]$/.test(sentence) ? sentence : `${sentence}.`;
}

/** The control that shows an API field path ("answers.budget.amount" → answers.budget). */
function controlFor(path) {
  if (!path) return null;
  const parts = String(path).split('.');
  for (let end = parts.length; end > 0; end -= 1) {
    const control = controls.get(parts.slice(0, end).join('.'));
    if (control) return control;
  }
  return null;
}

/** The messages for each control, as sentences. */
function groupByControl(problems) {
  const byControl = new Map();
  for (const problem of problems) {
    const control = controlFor(problem.field);
    if (control) byControl.set(control, [...(byControl.get(control) ?? []), besideField(problem.message)]);
  }
  return byControl;
}

function problemLinks(problems) {
  return problems.map(({ field, message }) => {
    const control = controlFor(field);
    if (!control) return el('li', { text: message });
    const link = el('a', { href: `#${control.element.id || ''}`, 'data-path': control.path, text: t('entry.problem_link', { label: control.label, message }) });
    return el('li', {}, link);
  });
}

function focusControl(event) {
  const link = event.target.closest('a[data-path]');
  if (!link) return;
  event.preventDefault();
  const control = controls.get(link.dataset.path);
  control?.element.scrollIntoView({ block: 'center' });
  control?.focus();
}

/** Puts each problem next to its field (as an error) and lists them all at the top. */
function showFieldErrors(problems, intro) {
  const byControl = groupByControl(problems);
  for (const control of controls.values()) {
    const messages = byControl.get(control);
    if (messages) control.setMessage(messages.join(' '), 'error');
    else if (control.messageKind === 'error') control.setMessage('');
  }
  showSummary(intro, problems);
}

function showSummary(intro, problems = []) {
  summaryEl.replaceChildren(el('p', { className: 'summary-intro', text: intro }));
  if (problems.length) summaryEl.append(el('ul', {}, ...problemLinks(problems)));
  summaryEl.focus();
}

function clearSummary() {
  summaryEl.replaceChildren();
}

/**
 * The server's list of what must change before submitting: above the submit button, and beside
 * each field. After a save (`everywhere` false) only the field being edited gets its message
 * redrawn, so nothing above the next thing the entrant taps moves while they tap it.
 */
function renderProblems(everywhere = true, alsoPath = null) {
  const problems = mode() === 'draft' ? entry.problems ?? [] : [];
  const byControl = groupByControl(problems);
  for (const control of controls.values()) {
    // A field with unsent changes would get a message about its old value: leave it.
    const focused = control.element.contains(document.activeElement) || control.path === alsoPath;
    if (!everywhere && (!focused || store.has(control.path))) continue;
    const messages = byControl.get(control);
    if (messages) control.setMessage(messages.join(' '), control.messageKind === 'error' ? 'error' : 'needed');
    else if (mode() === 'draft' || control.messageKind !== 'error') control.setMessage('');
  }
  const section = byId('problems');
  section.querySelector('ul').replaceChildren(...problemLinks(problems));
  section.hidden = problems.length === 0;
  // A draft keeps this line when nothing is left, saying so: finishing the last answer does not
  // move the submit button up as the entrant reaches for it.
  const count = byId('problem-count');
  count.hidden = mode() !== 'draft';
  count.replaceChildren(problems.length
    ? el('a', { href: '#problems', text: t('entry.problem_count', { count: problems.length }) })
    : el('span', { text: t('entry.problem_count_none') }));
}

/* ---------- Drawing the page ---------- */

function fact(list, term, ...value) {
  list.append(el('dt', { text: term }), el('dd', {}, ...value));
}

const STATUS_TEXT = { draft: t('entry.status.draft'), submitted: t('entry.status.submitted'), withdrawn: t('entry.status.withdrawn') };
const ELIGIBILITY_TEXT = {
  pending: t('entry.eligibility.pending'),
  eligible: t('entry.eligibility.eligible'),
  ineligible: t('entry.eligibility.ineligible'),
};

function renderState() {
  const list = byId('state-facts');
  list.replaceChildren();
  fact(list, t('entry.fact.status'), STATUS_TEXT[entry.status] ?? entry.status);
  // A submitted entry's reference is in its receipt above; others keep theirs here.
  if (entry.reference && entry.status !== 'submitted') fact(list, t('entry.fact.reference'), entry.reference);
  if (entry.owner && user && entry.owner.id !== user.id) fact(list, t('entry.fact.entrant'), entry.owner.display_name);
  if (entry.status === 'submitted') {
    let text = ELIGIBILITY_TEXT[entry.eligibility] ?? entry.eligibility;
    const reason = entry.eligibility_reason;
    if (entry.eligibility === 'ineligible' && reason) text = t('entry.eligibility.because', { eligibility: text, reason });
    else if (reason) text = t('entry.eligibility.note', { eligibility: text, reason });
    fact(list, t('entry.fact.eligibility'), text);
  }
  if (entry.withdrawn_at && entry.status === 'withdrawn') fact(list, t('entry.fact.withdrawn'), timeElement(entry.withdrawn_at));
  fact(list, t('entry.fact.deadline'), challenge.closes_at ? callTimeElement(challenge.closes_at, challenge.timezone) : t('entry.fact.not_set'));
  fact(list, t('entry.fact.last_saved'), timeElement(entry.updated_at));

  const outcomes = entry.rule_outcomes ?? [];
  const block = byId('rule-outcomes');
  block.hidden = outcomes.length === 0;
  block.querySelector('ul').replaceChildren(...outcomes.map((outcome) => {
    const answer = outcome.passed === true ? 'yes' : outcome.passed === false ? 'no' : 'unanswered';
    const answerKey = `entry.rule.${answer}`;
    const parts = [t('entry.rule.line', { label: outcome.label, answer: t(answerKey) })];
    if (outcome.detail) parts.push(t('entry.rule.detail', { detail: outcome.detail }));
    if (outcome.enforce === 'flag') parts.push(t('entry.rule.flag'));
    return el('li', { className: `outcome outcome-${answer}`, text: parts.join(' ') });
  }));
}

function renderReceipt() {
  const receipt = byId('receipt');
  receipt.hidden = !(entry.status === 'submitted' && entry.reference);
  if (receipt.hidden) return;
  byId('receipt-reference').textContent = entry.reference;
  byId('receipt-title').textContent = entry.title || t('entry.untitled');
  byId('receipt-time').replaceChildren(entry.submitted_at ? callTimeElement(entry.submitted_at, challenge.timezone) : '');
  byId('receipt-mail').textContent = justSubmitted
    ? t('entry.receipt.mail_sent')
    : t('entry.receipt.mailed');
}

function coreFields() {
  const fields = [
    [{ type: 'short_text', label: t('entry.core.title'), required: true, help_text: t('entry.core.title_help'), config: { max_length: 300 } }, 'title'],
    [{ type: 'long_text', label: t('entry.core.summary'), required: true, help_text: t('entry.core.summary_help'), config: {} }, 'summary'],
  ];
  if (challenge.categories?.length) {
    fields.push([{ type: 'choice', label: t('entry.core.category'), required: true, help_text: t('entry.core.category_help'), config: { choices: challenge.categories, as_select: true } }, 'category']);
  }
  if (challenge.languages?.length) {
    fields.push([{ type: 'choice', label: t('entry.core.language'), required: true, help_text: '', config: { options: challenge.languages.map((code) => [code, languageName(code)]), as_select: true } }, 'language']);
  }
  return fields;
}

const formFields = () => [...(entryForm?.fields ?? [])].sort((a, b) => a.position - b.position);

function buildForm() {
  controls = new Map();
  const fileContext = {
    upload: (key, file, options) => upload(`/entries/${encodeURIComponent(entryId)}/attachments?field=${encodeURIComponent(key)}&filename=${encodeURIComponent(file.name)}`, file, options),
    remove: (attachment) => del(`/attachments/${encodeURIComponent(attachment.id)}`),
    // After an upload or removal: the entry's problems may have changed for this question.
    changed: (path) => get(`/entries/${encodeURIComponent(entryId)}`).then((result) => {
      adopt(result); // an upload makes a new version: unsent changes are lined up with it
      renderProblems(false, path);
    }, () => {}),
    // Only the names of files not uploaded yet are kept, so after a reload the entrant is asked again.
    queued: (path, names) => {
      if (names.length) chosenHere.add(path);
      if (names.length || chosenHere.has(path)) store.setUploads(path, names);
      renderMarks();
    },
  };
  const add = (container, control) => {
    controls.set(control.path, control);
    control.element.id ||= `${control.path.replace(/\W/g, '-')}-field`;
    container.append(control.element);
    return control;
  };
  const core = byId('core-fields');
  core.replaceChildren();
  for (const [field, path] of coreFields()) add(core, fieldControl(field, path));

  const answers = byId('form-fields');
  answers.replaceChildren();
  for (const field of formFields()) add(answers, fieldControl(field, `answers.${field.key}`, { countries, ...fileContext }));
  byId('answers-block').hidden = answers.children.length === 0;

  const team = byId('team-field');
  team.replaceChildren();
  add(team, teamControl(Math.max(1, challenge.max_team_size || 1)));

  byId('consent-text').replaceChildren(...String(challenge.consent_text ?? '').split(/\n\s*\n/).filter((p) => p.trim()).map((p) => el('p', { text: p.trim() })));
  byId('consent-text').lang = challenge.untranslated?.includes('consent_text') ? challenge.original_language : challenge.content_language;
  const licence = licenceInfo(challenge.licence);
  byId('licence-link').replaceChildren(...(licence.url
    ? tParts('entry.read_licence', { link: el('a', { href: licence.url, rel: 'license noopener', text: licence.name }) })
    : []));
  const licenceField = byId('licence-field');
  licenceField.replaceChildren();
  add(licenceField, fieldControl({ type: 'checkbox', label: licenceAgreement(challenge.licence), short_label: t('entry.core.licence'), required: true, help_text: '', config: {} }, 'licence_accepted'));

  // What the server has, then what this device still holds on top.
  controls.get('title').write(entry.title);
  controls.get('summary').write(entry.summary);
  controls.get('category')?.write(entry.category);
  controls.get('language')?.write(entry.language);
  for (const field of formFields()) controls.get(`answers.${field.key}`).write(entry.answers?.[field.key] ?? null);
  controls.get('team').write(entry.team);
  controls.get('licence_accepted').write(entry.licence_accepted);
  for (const control of controls.values()) control.setAttachments?.(entry.attachments);
  for (const path of store.paths()) controls.get(path)?.write(store.changes[path]);

  const revise = mode() === 'revise';
  submitButton.hidden = revise;
  saveButton.hidden = !revise;
  byId('revision-note').hidden = !revise;
  byId('editing-note').textContent = revise
    ? t('entry.editing.revise')
    : t('entry.editing.draft');
}

async function buildReadOnly() {
  const deadlinePassed = challenge.closes_at && parseUtc(challenge.closes_at).getTime() < serverNow();
  byId('read-only-note').textContent = entry.status === 'withdrawn'
    ? t('entry.read_only.withdrawn')
    : deadlinePassed ? t('entry.read_only.deadline') : t('entry.read_only.closed');
  try {
    view ??= await import('./entry-view.js');
  } catch {
    byId('read-only-note').textContent += ` ${t('entry.read_only.not_shown')}`;
    return;
  }
  view.renderAnswers(byId('answers-view'), { entry, challenge, fields: formFields(), countries });
  // Changes that can no longer be saved are shown so they can be copied.
  renderLocalNote(true);
}

/** Tells the entrant about changes this device kept from an earlier visit. */
function renderLocalNote(restored) {
  const note = byId('local-note');
  note.replaceChildren();
  note.hidden = true;
  if (!restored || (store.isEmpty() && !store.uploadCount())) return;
  const discard = el('button', { type: 'button', className: 'button button-small button-secondary', text: NOTE_TEXT.discard() });
  discard.addEventListener('click', () => {
    store.clear();
    renderAll();
    renderLocalNote(false);
    setSave('idle');
    byId('entry-heading').focus();
  });
  const m = mode();
  const files = store.uploadCount() ? [el('p', { text: NOTE_TEXT.files() })] : [];
  if (m === 'draft') {
    note.append(...(store.isEmpty() ? [] : [el('p', { text: NOTE_TEXT.draft() })]), ...files);
    return void (note.hidden = false);
  }
  if (m === 'revise') {
    note.append(el('p', { text: NOTE_TEXT.revise() }), ...files, el('p', {}, discard));
    return void (note.hidden = false);
  }
  if (!view || store.isEmpty()) return; // buildReadOnly() calls again once entry-view.js is here
  const kept = view.keptChanges(store.nested(), formFields());
  note.append(el('p', { text: NOTE_TEXT.closed() }), kept, el('p', {}, discard));
  note.hidden = false;
}

function renderAll() {
  document.title = t('entry.title', { title: entry.title || t('entry.untitled') });
  const callLink = byId('call-link');
  callLink.href = `/challenge.html?slug=${encodeURIComponent(challenge.slug)}`;
  callLink.textContent = challenge.title;
  callLink.lang = challenge.content_language;
  byId('entry-heading').textContent = entry.owner && user && entry.owner.id !== user.id ? t('entry.heading_by', { name: entry.owner.display_name }) : t('entry.heading');
  renderState();
  renderReceipt();
  const m = mode();
  formEl.hidden = m === 'read';
  byId('read-only').hidden = m !== 'read';
  if (m === 'read') {
    controls = new Map();
    buildReadOnly();
  } else {
    buildForm();
    renderConflicts();
    renderMarks();
  }
  byId('withdraw-section').hidden = !entry.withdrawable;
  renderProblems();
}

/* ---------- Submit, save changes, withdraw ---------- */

function queuedFiles() {
  return [...controls.values()].filter((control) => control.hasQueued?.())
    .map((control) => ({ field: control.path, message: t('entry.file_uploading') }));
}

async function busy(button, action) {
  if (button.disabled) return;
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  try {
    await action();
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }
}

async function submitEntry() {
  clearSummary();
  const queued = queuedFiles();
  if (queued.length) return showFieldErrors(queued, t('entry.submit_refused.queued'));
  // Submitting checks what the server has: every change must be there first.
  if (!store.held.size) {
    clearTimeout(timer);
    if (lost) failures = 0;
    await flush({ all: true });
  }
  if (!store.isEmpty()) return refuseSubmit();
  let result;
  try {
    result = await post(`/entries/${encodeURIComponent(entryId)}/submit`);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    if (error.status === 401) {
      showSummary(t('entry.submit_refused.logged_out'));
      const link = el('a', { href: loginUrl(), text: SAVE_TEXT.authLink() });
      summaryEl.append(el('p', {}, ...tParts('entry.submit_refused.log_in', { link })));
    } else if (error.status === 422) {
      showFieldErrors(error.problems, t('entry.submit_refused.correct'));
    } else {
      showSummary(t('entry.submit_refused.failed', { message: error.message }));
      if (error.status === 409) reload();
    }
    return undefined;
  }
  store.clear();
  justSubmitted = true;
  entry = result;
  renderAll();
  setSave('idle');
  byId('receipt-heading').focus();
  return undefined;
}

/** Says why the entry was not submitted while changes are not on the server, with links to them. */
function refuseSubmit() {
  const unsent = store.paths().map((path) => ({ field: path, message: MARK_TEXT.pending() }));
  if (store.held.size) return showSummary(SUBMIT_TEXT.conflict(), [...store.held].map((path) => ({ field: path, message: MARK_TEXT.held() })));
  if (store.blocked.size) return showSummary(SUBMIT_TEXT.invalid(), unsent);
  if (lost === 'offline') return showSummary(SUBMIT_TEXT.offline(store.count()), unsent);
  if (lost === 'server') return showSummary(SUBMIT_TEXT.server(store.count()), unsent);
  return showSummary(SUBMIT_TEXT.unsaved(), unsent);
}

async function saveChanges() {
  clearSummary();
  const queued = queuedFiles();
  if (queued.length) return showFieldErrors(queued, t('entry.save_refused.queued'));
  while (flushing) await flushing;
  if (store.held.size) return showState();
  if (isEmpty(store.sendable())) return setSave(store.isEmpty() ? 'unchanged' : 'invalid');
  if (await flush({ all: true })) {
    for (const control of controls.values()) if (control.messageKind === 'error') control.setMessage('');
    renderLocalNote(false);
  }
  return undefined;
}

function openWithdrawDialog() {
  const dialog = byId('withdraw-dialog');
  showAlert(byId('withdraw-alert'), []);
  if (typeof dialog.showModal === 'function') dialog.showModal();
  else dialog.setAttribute('open', '');
  dialog.querySelector('[value="cancel"]').focus();
}

async function withdraw() {
  const dialog = byId('withdraw-dialog');
  try {
    const result = await post(`/entries/${encodeURIComponent(entryId)}/withdraw`);
    dialog.close?.();
    store.clear();
    entry = result;
    renderAll();
    setSave('idle');
    byId('entry-heading').focus();
  } catch (error) {
    dialog.close?.();
    showAlert(byId('withdraw-alert'), [t('entry.withdraw.failed', { message: error.message })]);
    byId('withdraw-button').focus();
  }
}

/* ---------- Events ---------- */

function onEdit(event) {
  if (!event.target.closest) return;
  const holder = event.target.closest('[data-path]');
  if (holder && formEl.contains(holder)) recordChange(holder.dataset.path);
}

formEl.addEventListener('input', onEdit);
formEl.addEventListener('change', onEdit);
formEl.addEventListener('submit', (event) => event.preventDefault());
formEl.addEventListener('focusout', () => {
  if (entry && mode() === 'draft' && !lost && !isEmpty(store.sendable())) flush();
});
formEl.addEventListener('click', focusControl);
submitButton.addEventListener('click', () => busy(submitButton, submitEntry));
saveButton.addEventListener('click', () => busy(saveButton, saveChanges));
byId('print-button').addEventListener('click', () => window.print());
byId('withdraw-button').addEventListener('click', openWithdrawDialog);
byId('withdraw-confirm').addEventListener('click', (event) => busy(event.currentTarget, withdraw));
byId('withdraw-dialog').addEventListener('close', () => {
  if (entry?.withdrawable) byId('withdraw-button').focus();
});

const canSend = () => Boolean(entry) && controls.size > 0 && mode() === 'draft' && !isEmpty(store.sendable());

/** Sends at once, as when the connection has just come back, rather than at the next back-off. */
function sendNow() {
  failures = 0;
  if (canSend()) flush();
  else if (entry && lost) renderMarks();
}

// Leaving (or hiding) the page: what is waiting is sent with keepalive, so it can arrive
// after the page is gone; it is kept on this device too, in case it does not.
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'hidden') {
    if (canSend()) flush({ keepalive: true });
  } else {
    sendNow(); // back on the page: a phone often has its connection again
  }
});
window.addEventListener('pagehide', () => {
  if (canSend()) flush({ keepalive: true });
});
window.addEventListener('online', sendNow);

/* ---------- The outcome of judging ---------- */

/** Shows how the entry fared in each decided round, below its status (nothing before that). */
async function loadOutcomes() {
  if (entry.status !== 'submitted') return;
  let outcomes;
  try {
    outcomes = await get(`/entries/${encodeURIComponent(entryId)}/outcomes`);
  } catch (error) {
    // Not the owner's (an organiser looking), or logged out: the rest of the page says so.
    if (error instanceof ApiError && [401, 403, 404].includes(error.status)) return;
    byId('outcome')?.remove();
    document.querySelector('.entry-state').after(el('p', { id: 'outcome', className: 'muted', text: t('entry.outcome_failed', { message: error.message }) }));
    return;
  }
  let awards = [];
  try {
    awards = await get(`/entries/${encodeURIComponent(entryId)}/awards`);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
  }
  if (!outcomes?.length && !awards?.length) return;
  try {
    view ??= await import('./entry-view.js');
  } catch {
    return;
  }
  byId('outcome')?.remove();
  const section = view.outcomeSection(outcomes ?? []);
  if (awards?.length) section.append(view.awardList(awards));
  document.querySelector('.entry-state').after(section);
}

/* ---------- Loading ---------- */

function fail(message) {
  byId('page-loading').textContent = '';
  showAlert(pageAlert, [message]);
  byId('page-retry').hidden = false;
}

async function load() {
  byId('page-retry').hidden = true;
  showAlert(pageAlert, []);
  byId('page-loading').textContent = t('entry.loading');
  try {
    entry = await get(`/entries/${encodeURIComponent(entryId)}`);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return location.replace(loginUrl());
    if (error instanceof ApiError && (error.status === 404 || error.status === 403)) {
      byId('page-loading').remove();
      byId('not-found').hidden = false;
      return undefined;
    }
    if (error instanceof ApiError && error.status === 0) {
      window.addEventListener('online', load, { once: true });
      return fail(LOAD_TEXT.offline());
    }
    return fail(t('entry.load.failed', { message: error.message }));
  }
  const slug = encodeURIComponent(entry.challenge_slug);
  try {
    [challenge, entryForm, user] = await Promise.all([
      // The call's texts and questions in the reader's language where it is given in it.
      get(`/challenges/${slug}?lang=${language}`),
      get(`/challenges/${slug}/form?lang=${language}`),
      // Asked again if the page was opened offline (the account keys what this device keeps).
      currentUser.catch(() => get('/auth/me')).catch(() => null),
    ]);
    if (entryForm.fields?.some((field) => field.type === 'country')) countries = await getCached('/countries');
  } catch (error) {
    return fail(t('entry.load.form_failed', { message: error.message }));
  }
  countries = [...countries].sort((a, b) => a.name.localeCompare(b.name));
  store = new UnsentChanges(user ? storageKey(user.id, entryId) : null);
  const restored = store.load();
  // Saved elsewhere since these changes were made: line them up with what is saved now.
  if (!store.isEmpty() && store.base !== entry.updated_at) store.rebase(entry);
  byId('page-loading').remove();
  byId('page-retry').remove();
  renderAll();
  byId('entry-page').hidden = false;
  loadOutcomes();
  countdown?.stop();
  let first = true;
  countdown = startCountdown(byId('countdown'), challenge, (state) => {
    // The deadline passing while the page is open: the server says what may still change.
    if (!first && (state === 'grace' || state === 'closed')) reload();
    first = false;
  });
  renderLocalNote(restored);
  if (mode() === 'draft' && !isEmpty(store.sendable())) {
    flush().then((saved) => {
      const note = byId('local-note');
      if (saved && !note.hidden && !store.uploadCount()) note.replaceChildren(el('p', { text: NOTE_TEXT.saved() }));
    });
  } else if (mode() !== 'read' && ((restored && !store.uploadCount()) || !store.isEmpty())) {
    // Kept changes the server turned out to have already (sent as the last page closed) are
    // forgotten above: the status line says everything is saved rather than nothing.
    showState();
  }
  return undefined;
}

if (!entryId) {
  byId('page-loading').remove();
  byId('not-found').hidden = false;
} else {
  byId('page-retry').querySelector('button').addEventListener('click', load);
  load();
}
