// The entry editor and receipt (?id=). A draft saves itself as you type (only what changed);
// what has not reached the server is kept in localStorage and sent when the connection
// returns. A submitted entry is changed with "Save changes" (each save is a revision).
import { get, post, del, request, upload, serverNow, ApiError, showAlert } from './api.js';
import { currentUser, loginUrl } from './nav.js';
import { callTimeElement, parseUtc, timeElement } from './dates.js';
import { licenceInfo, licenceAgreement, languageName } from './call-info.js';
import { startCountdown } from './countdown.js';
import { el, fieldControl, teamControl, serverTeam } from './entry-fields.js';

const byId = (id) => document.getElementById(id);
const entryId = new URLSearchParams(location.search).get('id');
const STORE_KEY = `opencall.entry.${entryId}.unsent`;
const SAVE_DELAY = 1500;
const RETRY_DELAY = 20_000;

const pageAlert = byId('page-alert');
const formEl = byId('entry-form');
const saveStatus = byId('save-status');
const submitButton = byId('submit-button');
const saveButton = byId('save-button');
const summaryEl = byId('submit-errors');
const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

let entry = null;
let challenge = null;
let entryForm = null;
let countries = [];
let user = null;
let controls = new Map(); // API field path → control
let pending = {}; // changes the server has not acknowledged: {title, answers: {key: value}, team…}
let timer = null;
let flushing = null;
let storageOk = true;
let justSubmitted = false;
let countdown = null;
let view = null; // entry-view.js, loaded the first time the entry is read-only

/* ---------- What has not been saved: kept on this device until the server has it ---------- */

const isEmpty = (changes) => Object.keys(changes).length === 0;
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
const copy = (value) => JSON.parse(JSON.stringify(value)); // structuredClone is too new for some phones

function loadLocal() {
  try {
    const data = JSON.parse(localStorage.getItem(STORE_KEY) ?? 'null');
    return data && typeof data.changes === 'object' && data.changes ? data.changes : {};
  } catch {
    return {};
  }
}

function persist() {
  try {
    if (isEmpty(pending)) localStorage.removeItem(STORE_KEY);
    else localStorage.setItem(STORE_KEY, JSON.stringify({ changes: pending, at: Date.now() }));
    storageOk = true;
  } catch {
    storageOk = false; // private mode or a full disk: the page itself still holds the changes
  }
}

/** Forgets what `sent` holds, unless it was changed again while it was on its way. */
function removeAcked(sent) {
  for (const [key, value] of Object.entries(sent)) {
    if (key === 'answers') {
      for (const [answer, answerValue] of Object.entries(value)) {
        if (pending.answers && answer in pending.answers && same(pending.answers[answer], answerValue)) delete pending.answers[answer];
      }
      if (pending.answers && isEmpty(pending.answers)) delete pending.answers;
    } else if (key in pending && same(pending[key], value)) {
      delete pending[key];
    }
  }
}

/** The changes as EntryUpdate: empty texts as "", empty choices as null, the team cleaned. */
function toServer(changes) {
  const body = {};
  for (const [key, value] of Object.entries(changes)) {
    if (key === 'team') body.team = serverTeam(value);
    else if (key === 'title' || key === 'summary') body[key] = value ?? '';
    else body[key] = value ?? null;
  }
  return body;
}

const isPendingPath = (path) => (path.startsWith('answers.') ? Boolean(pending.answers && path.slice(8) in pending.answers) : path in pending);

const mode = () => {
  if (!entry.editable) return 'read';
  return entry.status === 'submitted' ? 'revise' : 'draft';
};

/* ---------- The save status line ---------- */

function loginLink() {
  return el('a', { href: loginUrl(), text: 'Log in again' });
}

function setSave(state, detail = '') {
  const kept = storageOk ? 'your changes are kept on this device' : 'keep this page open so your changes are not lost';
  const now = clock.format(new Date());
  saveStatus.dataset.state = state;
  const texts = {
    dirty: 'Changes not saved yet…',
    saving: 'Saving…',
    saved: `All changes saved ${now}`,
    offline: mode() === 'draft'
      ? `Not saved — offline; ${kept} and will be sent when the connection returns.`
      : `Not saved — offline; ${kept}. Press “Save changes” again when the connection returns.`,
    error: `Not saved — ${detail} ${storageOk ? 'Your changes are kept on this device.' : ''}`.trim(),
    invalid: 'Not saved — correct the marked fields, then save again.',
    'revise-dirty': 'You have changes that are not saved yet. Press “Save changes” to keep them.',
    revised: `Changes saved ${now}. The earlier version is kept as a revision.`,
    unchanged: 'There are no changes to save.',
    idle: '',
  };
  if (state === 'auth') {
    saveStatus.replaceChildren(`Not saved — you are logged out; ${kept}. `, loginLink(), ' and they will be sent.');
  } else {
    saveStatus.textContent = texts[state] ?? detail;
  }
}

/* ---------- Sending changes ---------- */

function schedule(delay = SAVE_DELAY) {
  clearTimeout(timer);
  timer = setTimeout(() => flush(), delay);
}

function handleSaveError(error) {
  if (!(error instanceof ApiError)) {
    console.error(error);
    setSave('error', 'something went wrong on this page. Reload it to try again.');
    return;
  }
  if (error.status === 0) {
    setSave('offline');
    if (mode() === 'draft') schedule(RETRY_DELAY);
  } else if (error.status === 401) {
    setSave('auth');
  } else if (error.status === 422) {
    showFieldErrors(error.problems, 'Your changes were not saved. Correct the following:');
    setSave('invalid');
  } else if (error.status === 409) {
    setSave('error', error.message);
    reload();
  } else {
    setSave('error', error.message);
    if (mode() === 'draft' && (error.status >= 500 || error.status === 429)) schedule(RETRY_DELAY);
  }
}

/** One PATCH with what is pending; true when the server took it. */
async function sendOnce(keepalive = false) {
  const sending = copy(pending);
  const body = toServer(sending);
  setSave('saving');
  try {
    // keepalive (for a closing page) takes bodies up to 64 KB only.
    const small = JSON.stringify(body).length < 60_000;
    const result = await request('PATCH', `/entries/${encodeURIComponent(entryId)}`, body, { keepalive: keepalive && small });
    removeAcked(sending);
    persist();
    applyServer(result);
    return true;
  } catch (error) {
    handleSaveError(error);
    return false;
  }
}

/**
 * Sends what is pending (after any save already on its way). With `all`, keeps sending until
 * nothing is left; resolves to true when everything typed so far is saved.
 */
async function flush({ all = false, keepalive = false } = {}) {
  clearTimeout(timer);
  while (flushing) await flushing;
  if (isEmpty(pending)) return true;
  flushing = sendOnce(keepalive);
  const ok = await flushing;
  flushing = null;
  if (!ok) return false;
  if (!isEmpty(pending)) {
    if (all) return flush({ all });
    setSave('dirty');
    schedule();
    return false;
  }
  setSave('saved');
  return true;
}

function recordChange(path) {
  const control = controls.get(path);
  if (!control) return;
  const value = control.read();
  if (value === undefined) return; // files are saved by their own upload
  if (path.startsWith('answers.')) pending.answers = { ...(pending.answers ?? {}), [path.slice(8)]: value };
  else pending[path] = value;
  persist();
  // Being changed, the field's old message no longer applies; the next save says if one does.
  if (control.messageKind) control.setMessage('');
  if (mode() === 'draft') {
    setSave('dirty');
    schedule();
  } else {
    setSave('revise-dirty');
  }
}

/** Takes a fresh EntryPublic without touching what is typed; redraws only if the mode changed. */
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

/** Asks the server for the entry again (e.g. at the deadline); redraws only if the mode changed. */
async function reload() {
  try {
    applyServer(await get(`/entries/${encodeURIComponent(entryId)}`));
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) setSave('auth');
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
    const link = el('a', { href: `#${control.element.id || ''}`, 'data-path': control.path, text: `${control.label}: ${message}` });
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
    if (!everywhere && (!focused || isPendingPath(control.path))) continue;
    const messages = byControl.get(control);
    if (messages) control.setMessage(messages.join(' '), control.messageKind === 'error' ? 'error' : 'needed');
    else if (mode() === 'draft' || control.messageKind !== 'error') control.setMessage('');
  }
  const section = byId('problems');
  section.querySelector('ul').replaceChildren(...problemLinks(problems));
  section.hidden = problems.length === 0;
  const count = byId('problem-count');
  count.hidden = problems.length === 0;
  count.querySelector('a').textContent = problems.length === 1
    ? '1 thing to finish before you can submit'
    : `${problems.length} things to finish before you can submit`;
}

/* ---------- Drawing the page ---------- */

function fact(list, term, ...value) {
  list.append(el('dt', { text: term }), el('dd', {}, ...value));
}

const STATUS_TEXT = { draft: 'Draft: not submitted yet', submitted: 'Submitted', withdrawn: 'Withdrawn' };
const ELIGIBILITY_TEXT = { pending: 'Not screened yet', eligible: 'Eligible', ineligible: 'Not eligible' };

function renderState() {
  const list = byId('state-facts');
  list.replaceChildren();
  fact(list, 'Status', STATUS_TEXT[entry.status] ?? entry.status);
  // A submitted entry's reference is in its receipt above; others keep theirs here.
  if (entry.reference && entry.status !== 'submitted') fact(list, 'Reference', entry.reference);
  if (entry.owner && user && entry.owner.id !== user.id) fact(list, 'Entrant', entry.owner.display_name);
  if (entry.status === 'submitted') {
    let text = ELIGIBILITY_TEXT[entry.eligibility] ?? entry.eligibility;
    if (entry.eligibility === 'ineligible' && entry.eligibility_reason) text += `: ${entry.eligibility_reason}`;
    else if (entry.eligibility_reason) text += ` (${entry.eligibility_reason})`;
    fact(list, 'Eligibility', text);
  }
  if (entry.withdrawn_at && entry.status === 'withdrawn') fact(list, 'Withdrawn', timeElement(entry.withdrawn_at));
  fact(list, 'Deadline', challenge.closes_at ? callTimeElement(challenge.closes_at, challenge.timezone) : 'Not set yet');
  fact(list, 'Last saved', timeElement(entry.updated_at));

  const outcomes = entry.rule_outcomes ?? [];
  const block = byId('rule-outcomes');
  block.hidden = outcomes.length === 0;
  block.querySelector('ul').replaceChildren(...outcomes.map((outcome) => {
    const answer = outcome.passed === true ? 'yes' : outcome.passed === false ? 'no' : 'not answered yet';
    const parts = [`${outcome.label}: ${answer}`];
    if (outcome.detail) parts.push(`(${outcome.detail})`);
    if (outcome.enforce === 'flag') parts.push('— the screeners will check this.');
    return el('li', { className: `outcome outcome-${answer.replace(/ /g, '-')}`, text: parts.join(' ') });
  }));
}

function renderReceipt() {
  const receipt = byId('receipt');
  receipt.hidden = !(entry.status === 'submitted' && entry.reference);
  if (receipt.hidden) return;
  byId('receipt-reference').textContent = entry.reference;
  byId('receipt-title').textContent = entry.title || 'Untitled entry';
  byId('receipt-time').replaceChildren(entry.submitted_at ? callTimeElement(entry.submitted_at, challenge.timezone) : '');
  byId('receipt-mail').textContent = justSubmitted
    ? 'We have sent a receipt to your e-mail address. Keep your reference: quote it if you contact the organisers.'
    : 'A receipt was e-mailed to you when you submitted. Keep your reference: quote it if you contact the organisers.';
}

function coreFields() {
  const fields = [
    [{ type: 'short_text', label: 'Title', required: true, help_text: 'A short name for your idea.', config: { max_length: 300 } }, 'title'],
    [{ type: 'long_text', label: 'Summary', required: true, help_text: 'Describe your idea in a few sentences: what it is, who it helps and how.', config: {} }, 'summary'],
  ];
  if (challenge.categories?.length) {
    fields.push([{ type: 'choice', label: 'Category', required: true, help_text: 'The category that fits your entry best.', config: { choices: challenge.categories, as_select: true } }, 'category']);
  }
  if (challenge.languages?.length) {
    fields.push([{ type: 'choice', label: 'Language of your entry', required: true, help_text: '', config: { options: challenge.languages.map((code) => [code, languageName(code)]), as_select: true } }, 'language']);
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
      applyServer(result);
      renderProblems(false, path);
    }, () => {}),
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
  const licence = licenceInfo(challenge.licence);
  byId('licence-link').replaceChildren(...(licence.url
    ? ['Read the licence: ', el('a', { href: licence.url, rel: 'license noopener', text: licence.name }), '.']
    : []));
  const licenceField = byId('licence-field');
  licenceField.replaceChildren();
  add(licenceField, fieldControl({ type: 'checkbox', label: licenceAgreement(challenge.licence), short_label: 'Licence', required: true, help_text: '', config: {} }, 'licence_accepted'));

  // What the server has, then what this device still holds on top.
  controls.get('title').write(entry.title);
  controls.get('summary').write(entry.summary);
  controls.get('category')?.write(entry.category);
  controls.get('language')?.write(entry.language);
  for (const field of formFields()) controls.get(`answers.${field.key}`).write(entry.answers?.[field.key] ?? null);
  controls.get('team').write(entry.team);
  controls.get('licence_accepted').write(entry.licence_accepted);
  for (const control of controls.values()) control.setAttachments?.(entry.attachments);
  for (const [key, value] of Object.entries(pending)) {
    if (key === 'answers') {
      for (const [answer, answerValue] of Object.entries(value)) controls.get(`answers.${answer}`)?.write(answerValue);
    } else {
      controls.get(key)?.write(value);
    }
  }

  const revise = mode() === 'revise';
  submitButton.hidden = revise;
  saveButton.hidden = !revise;
  byId('revision-note').hidden = !revise;
  byId('editing-note').textContent = revise
    ? 'Your entry has been submitted. You can still change it until the deadline: edit it below, then press “Save changes”.'
    : 'Your entry is saved as you type. Nothing is sent to the organisers until you submit it, and you can come back to it at any time before the deadline.';
}

async function buildReadOnly() {
  const deadlinePassed = challenge.closes_at && parseUtc(challenge.closes_at).getTime() < serverNow();
  byId('read-only-note').textContent = entry.status === 'withdrawn'
    ? 'This entry was withdrawn, so it cannot be changed.'
    : deadlinePassed ? 'The deadline has passed, so this entry can no longer be changed.' : 'This entry cannot be changed now.';
  try {
    view ??= await import('./entry-view.js');
  } catch {
    byId('read-only-note').textContent += ' Your answers could not be shown: reload the page to see them.';
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
  if (!restored || isEmpty(pending)) return;
  const discard = el('button', { type: 'button', className: 'button button-small button-secondary', text: 'Discard them' });
  discard.addEventListener('click', () => {
    pending = {};
    persist();
    renderAll();
    renderLocalNote(false);
    setSave('idle');
    byId('entry-heading').focus();
  });
  const m = mode();
  if (m === 'draft') {
    note.append(el('p', { text: 'Changes typed on this device that had not reached the server have been put back, and are being saved now.' }));
    return void (note.hidden = false);
  }
  if (m === 'revise') {
    note.append(el('p', { text: 'You have changes on this device that are not saved yet. Press “Save changes” to keep them, or discard them.' }), el('p', {}, discard));
    return void (note.hidden = false);
  }
  if (!view) return; // buildReadOnly() calls again once entry-view.js is here
  const kept = view.keptChanges(pending, formFields());
  note.append(el('p', { text: 'These changes, typed on this device, were not saved before the entry closed. They are shown here so you can copy them.' }), kept, el('p', {}, discard));
  note.hidden = false;
}

function renderAll() {
  document.title = `${entry.title || 'Untitled entry'} · OpenCall`;
  const callLink = byId('call-link');
  callLink.href = `/challenge.html?slug=${encodeURIComponent(challenge.slug)}`;
  callLink.textContent = challenge.title;
  byId('entry-heading').textContent = entry.owner && user && entry.owner.id !== user.id ? `Entry by ${entry.owner.display_name}` : 'Your entry';
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
  }
  byId('withdraw-section').hidden = !entry.withdrawable;
  renderProblems();
}

/* ---------- Submit, save changes, withdraw ---------- */

function queuedFiles() {
  return [...controls.values()].filter((control) => control.hasQueued?.())
    .map((control) => ({ field: control.path, message: 'A file you chose has not finished uploading. Wait for it, or press “Upload again”.' }));
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
  if (queued.length) return showFieldErrors(queued, 'The entry was not submitted yet:');
  if (!(await flush({ all: true }))) {
    return showSummary('Your latest changes could not be saved, so the entry was not submitted. See the message at the bottom of the form, then try again.');
  }
  let result;
  try {
    result = await post(`/entries/${encodeURIComponent(entryId)}/submit`);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    if (error.status === 401) {
      showSummary('You are logged out, so the entry was not submitted.');
      summaryEl.append(el('p', {}, loginLink(), ' and submit again; your changes are kept on this device.'));
    } else if (error.status === 422) {
      showFieldErrors(error.problems, 'The entry was not submitted. Correct the following:');
    } else {
      showSummary(`The entry was not submitted. ${error.message}`);
      if (error.status === 409) reload();
    }
    return undefined;
  }
  pending = {};
  persist();
  justSubmitted = true;
  entry = result;
  renderAll();
  setSave('idle');
  byId('receipt-heading').focus();
  return undefined;
}

async function saveChanges() {
  clearSummary();
  const queued = queuedFiles();
  if (queued.length) return showFieldErrors(queued, 'Your changes were not saved yet:');
  while (flushing) await flushing;
  if (isEmpty(pending)) return setSave('unchanged');
  const sending = copy(pending);
  setSave('saving');
  try {
    const result = await request('PATCH', `/entries/${encodeURIComponent(entryId)}`, toServer(sending));
    removeAcked(sending);
    persist();
    for (const control of controls.values()) if (control.messageKind === 'error') control.setMessage('');
    applyServer(result);
    renderLocalNote(false);
    setSave(isEmpty(pending) ? 'revised' : 'revise-dirty');
  } catch (error) {
    handleSaveError(error);
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
    pending = {};
    persist();
    entry = result;
    renderAll();
    setSave('idle');
    byId('entry-heading').focus();
  } catch (error) {
    dialog.close?.();
    showAlert(byId('withdraw-alert'), [`The entry was not withdrawn. ${error.message}`]);
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
  if (entry && mode() === 'draft' && !isEmpty(pending)) flush();
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

function sendBeforeLeaving() {
  if (document.visibilityState === 'hidden' && entry && mode() === 'draft' && !isEmpty(pending)) flush({ keepalive: true });
}
document.addEventListener('visibilitychange', sendBeforeLeaving);
window.addEventListener('pagehide', () => {
  if (entry && mode() === 'draft' && !isEmpty(pending)) flush({ keepalive: true });
});
window.addEventListener('online', () => {
  if (entry && mode() === 'draft' && !isEmpty(pending)) flush();
});

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
    document.querySelector('.entry-state').after(el('p', { id: 'outcome', className: 'muted', text: `The outcome of judging could not be loaded. ${error.message}` }));
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
  byId('page-loading').textContent = 'Loading your entry…';
  try {
    entry = await get(`/entries/${encodeURIComponent(entryId)}`);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return location.replace(loginUrl());
    if (error instanceof ApiError && (error.status === 404 || error.status === 403)) {
      byId('page-loading').remove();
      byId('not-found').hidden = false;
      return undefined;
    }
    return fail(`Your entry could not be loaded. ${error.message}`);
  }
  const slug = encodeURIComponent(entry.challenge_slug);
  try {
    [challenge, entryForm, user] = await Promise.all([
      get(`/challenges/${slug}`),
      get(`/challenges/${slug}/form`),
      currentUser.catch(() => null),
    ]);
    if (entryForm.fields?.some((field) => field.type === 'country')) countries = await get('/countries');
  } catch (error) {
    return fail(`The call’s form could not be loaded. ${error.message}`);
  }
  countries = [...countries].sort((a, b) => a.name.localeCompare(b.name));
  pending = loadLocal();
  byId('page-loading').remove();
  byId('page-retry').remove();
  renderAll();
  byId('entry-page').hidden = false;
  renderLocalNote(true);
  loadOutcomes();
  countdown?.stop();
  let first = true;
  countdown = startCountdown(byId('countdown'), challenge, (state) => {
    // The deadline passing while the page is open: the server says what may still change.
    if (!first && (state === 'grace' || state === 'closed')) reload();
    first = false;
  });
  if (mode() === 'draft' && !isEmpty(pending)) {
    flush().then((saved) => {
      const note = byId('local-note');
      if (saved && !note.hidden) note.replaceChildren(el('p', { text: 'Changes typed on this device earlier have been put back and saved.' }));
    });
  } else if (mode() === 'revise' && !isEmpty(pending)) setSave('revise-dirty');
  return undefined;
}

if (!entryId) {
  byId('page-loading').remove();
  byId('not-found').hidden = false;
} else {
  byId('page-retry').querySelector('button').addEventListener('click', load);
  load();
}
