// Entries for organisers and screeners: counts, filters, the table, one entry's details with
// screening, screening in bulk, and adding an entry that came through an offline channel.
import { get, getCached, post, showAlert, ApiError } from './api.js';
import { timeElement } from './dates.js';
import { showStatus, invalid } from './form.js';
import {
  byId, el, startPage, showBody, submitWith, goToLogin, isAuthError, badge, fieldName,
} from './organiser-nav.js';
import { formatNumber, t, tParts, useCatalogues } from './i18n.js';

await useCatalogues('screening');

const enc = encodeURIComponent;
let slug;
let base;
let challenge;
let formFields = [];
let countryNames = null;
let nextCursor = null;
const selected = new Set();

const labels = (prefix, keys) => Object.fromEntries(keys.map((key) => [key, t(`screening.${prefix}.${key}`)]));
const STATUS = labels('status', ['draft', 'submitted', 'withdrawn']);
const ELIGIBILITY = labels('eligibility', ['pending', 'eligible', 'ineligible']);
const CHANNELS = labels('channel', ['web', 'email', 'paper', 'whatsapp', 'sms', 'in_person', 'drop_box']);
const COUNTS = ['submitted', 'pending', 'eligible', 'ineligible', 'draft', 'withdrawn'];

const filterForm = byId('filter-form');
const rows = byId('entry-rows');
const more = byId('entries-more');
const listAlert = byId('list-alert');
const listStatus = byId('list-status');
const listLoading = byId('list-loading');
const bulkForm = byId('bulk-form');
const selectAll = byId('select-all');
const dialog = byId('entry-dialog');
const dialogBody = byId('entry-dialog-body');
const dialogAlert = byId('entry-dialog-alert');
let opener = null;

// ---------------------------------------------------------------- counts

async function loadCounts() {
  try {
    const counts = await get(`${base}/entries/counts`);
    byId('counts').replaceChildren(...COUNTS.map((key) => el('li', { className: `count count-${key}` },
      el('span', { className: 'count-number', text: formatNumber(counts[key] ?? 0) }),
      el('span', { className: 'count-label', text: t(`screening.counts.${key}`) }))));
  } catch (error) {
    if (isAuthError(error)) return goToLogin();
    byId('counts').replaceChildren(el('li', { className: 'muted', text: t('screening.counts.failed', { message: error.message }) }));
  }
  return undefined;
}

// ---------------------------------------------------------------- the table

const FILTERS = ['status', 'eligibility', 'category', 'channel', 'q'];

function filterQuery() {
  const query = new URLSearchParams();
  for (const name of FILTERS) {
    const value = filterForm.elements[name].value.trim();
    if (value) query.set(name, value);
  }
  return query;
}

function cell(...children) {
  return el('td', {}, ...children);
}

function entryRow(entry) {
  const check = el('input', { type: 'checkbox', className: 'row-check', value: entry.id });
  check.checked = selected.has(entry.id);
  check.addEventListener('change', () => {
    if (check.checked) selected.add(entry.id);
    else selected.delete(entry.id);
    showSelection();
  });
  const open = el('button', { type: 'button', className: 'link-button row-open', text: entry.title || t('screening.untitled_paren'), 'data-testid': 'open-entry' });
  open.addEventListener('click', () => openEntry(entry.id, open));
  const eligibility = el('span', {}, badge(ELIGIBILITY[entry.eligibility] ?? entry.eligibility, entry.eligibility));
  if (entry.eligibility_reason) eligibility.append(el('span', { className: 'cell-note', text: entry.eligibility_reason }));
  return el('tr', { 'data-entry-id': entry.id },
    cell(el('label', { className: 'row-check-label' }, check,
      el('span', { className: 'visually-hidden', text: t('screening.table.select', { entry: entry.reference ?? t('screening.table.entry_id', { id: String(entry.id) }), title: entry.title || t('screening.untitled') }) }))),
    el('th', { scope: 'row', text: entry.reference ?? '—' }),
    cell(open),
    cell(badge(STATUS[entry.status] ?? entry.status, entry.status)),
    cell(eligibility),
    cell(entry.category ?? '—'),
    cell(CHANNELS[entry.channel] ?? entry.channel),
    cell(entry.owner_name ?? '—'),
    cell(entry.submitted_at ? timeElement(entry.submitted_at) : t('screening.not_yet')),
    cell(entry.flagged ? el('span', { className: 'flagged', text: t('screening.table.flagged') }) : ''));
}

function showSelection() {
  const shown = [...rows.querySelectorAll('.row-check')];
  const ticked = shown.filter((box) => box.checked).length;
  selectAll.checked = shown.length > 0 && ticked === shown.length;
  selectAll.indeterminate = ticked > 0 && ticked < shown.length;
  byId('bulk-count').textContent = selected.size
    ? t('screening.bulk.selected', { count: selected.size })
    : t('screening.bulk.none');
}

selectAll.addEventListener('change', () => {
  for (const box of rows.querySelectorAll('.row-check')) {
    box.checked = selectAll.checked;
    if (box.checked) selected.add(Number(box.value));
    else selected.delete(Number(box.value));
  }
  showSelection();
});

async function loadEntries(again = false) {
  const query = filterQuery();
  query.set('limit', '50');
  if (again && nextCursor) query.set('cursor', nextCursor);
  listLoading.textContent = t('screening.table.loading');
  showAlert(listAlert, []);
  try {
    const page = await get(`${base}/entries?${query}`);
    if (!again) selected.clear(); // a new list starts with nothing ticked
    const added = page.items.map(entryRow);
    if (again) rows.append(...added);
    else rows.replaceChildren(...added);
    nextCursor = page.next_cursor ?? null;
    more.hidden = !nextCursor;
    byId('entries-empty').hidden = rows.children.length > 0;
    byId('entries-shown').textContent = t(nextCursor ? 'screening.table.shown_more' : 'screening.table.shown', { count: rows.children.length });
    showSelection();
    return added;
  } catch (error) {
    if (isAuthError(error)) return goToLogin();
    showAlert(listAlert, [t('screening.table.failed', { message: error.message })]);
    return [];
  } finally {
    listLoading.textContent = '';
  }
}

more.addEventListener('click', async () => {
  more.disabled = true;
  const added = await loadEntries(true);
  more.disabled = false;
  added[0]?.querySelector('.row-open')?.focus();
});

function keepFiltersInAddress() {
  const query = filterQuery();
  query.set('slug', slug);
  history.replaceState(null, '', `?${query}`);
}

filterForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  keepFiltersInAddress();
  await loadEntries();
  byId('entries-heading').focus();
});

byId('filter-clear').addEventListener('click', async () => {
  filterForm.reset();
  keepFiltersInAddress();
  await loadEntries();
});

// ---------------------------------------------------------------- reasons (bulk and single)

/** Eligible/ineligible, a reason (from the call's list, or another), and a note; `p` prefixes names. */
function screeningControls(p) {
  const reasons = challenge.screening_reasons ?? [];
  const choice = el('fieldset', { className: 'group', name: `${p}eligibility`, 'aria-describedby': `${p}eligibility-error` },
    el('legend', { text: t('screening.decide.decision') }),
    el('div', { className: 'check' },
      el('input', { type: 'radio', id: `${p}eligible`, name: `${p}decision`, value: 'eligible' }),
      el('label', { for: `${p}eligible`, text: t('screening.eligibility.eligible') })),
    el('div', { className: 'check' },
      el('input', { type: 'radio', id: `${p}ineligible`, name: `${p}decision`, value: 'ineligible' }),
      el('label', { for: `${p}ineligible`, text: t('screening.eligibility.ineligible') })),
    el('p', { className: 'field-error', id: `${p}eligibility-error` }));
  const select = el('select', { id: `${p}reason`, name: `${p}reason`, 'aria-describedby': `${p}reason-error` },
    el('option', { value: '', text: t('screening.decide.choose_reason') }),
    ...reasons.map((reason) => el('option', { value: reason, text: reason })),
    el('option', { value: '__other', text: t('screening.decide.other_reason') }));
  const other = el('input', { type: 'text', id: `${p}reason-other`, name: `${p}reason-other`, maxlength: '300', 'aria-describedby': `${p}reason-other-error` });
  const otherField = el('div', { className: 'field', hidden: true },
    el('label', { for: other.id, text: t('screening.decide.the_other_reason') }), other, el('p', { className: 'field-error', id: `${p}reason-other-error` }));
  const reasonField = el('div', { className: 'field', hidden: true },
    el('label', { for: select.id, text: t('screening.decide.reason') }), select, el('p', { className: 'field-error', id: `${p}reason-error` }));
  const note = el('textarea', { id: `${p}note`, name: `${p}note`, rows: '2', maxlength: '2000', 'aria-describedby': `${p}note-hint ${p}note-error` });
  const noteField = el('div', { className: 'field' },
    el('label', { for: note.id, text: t('screening.decide.note') }),
    el('p', { className: 'hint', id: `${p}note-hint`, text: t('screening.decide.note_hint') }),
    note, el('p', { className: 'field-error', id: `${p}note-error` }));
  const update = () => {
    const ineligible = choice.querySelector(`#${p}ineligible`).checked;
    reasonField.hidden = !ineligible;
    otherField.hidden = !ineligible || select.value !== '__other';
  };
  choice.addEventListener('change', update);
  select.addEventListener('change', update);
  const wrap = el('div', {}, choice, reasonField, otherField, noteField);
  wrap.read = () => {
    const decision = choice.querySelector('input:checked')?.value;
    if (!decision) throw invalid(`${p}eligibility`, t('screening.decide.choose'));
    const body = { eligibility: decision };
    if (decision === 'ineligible') {
      const reason = select.value === '__other' ? other.value.trim() : select.value;
      if (!reason) throw invalid(select.value === '__other' ? `${p}reason-other` : `${p}reason`, t('screening.decide.needs_reason'));
      body.reason = reason;
    }
    if (note.value.trim()) body.note = note.value.trim();
    return body;
  };
  wrap.mapField = (path) => {
    if (path === 'reason') return select.value === '__other' ? `${p}reason-other` : `${p}reason`;
    if (path === 'note' || path === 'eligibility') return `${p}${path}`;
    return path === 'entry_ids' ? false : null;
  };
  return wrap;
}

let bulkControls;

submitWith(bulkForm, async () => {
  if (!selected.size) throw new ApiError({ code: 'invalid', message: t('screening.bulk.tick_first') });
  const body = { ...bulkControls.read(), entry_ids: [...selected] };
  const answer = await post(`${base}/screening`, body);
  const count = answer?.screened?.length ?? 0;
  const key = body.eligibility === 'eligible' ? 'screening.bulk.marked_eligible' : 'screening.bulk.marked_ineligible';
  await Promise.all([loadEntries(), loadCounts()]);
  showStatus(bulkForm, t(key, { count }));
  bulkControls = screeningControls('bulk-');
  byId('bulk-controls').replaceChildren(bulkControls);
}, (path) => bulkControls.mapField(path));

// ---------------------------------------------------------------- one entry

function fact(list, term, ...value) {
  if (!value.length || value.every((v) => v === null || v === undefined || v === '')) return;
  list.append(el('dt', { text: term }), el('dd', {}, ...value.map((v) => (v instanceof Node ? v : String(v)))));
}

function fileSize(bytes) {
  if (bytes >= 1_000_000) return t('screening.size.megabytes', { size: formatNumber(bytes / 1_000_000, { minimumFractionDigits: 1, maximumFractionDigits: 1 }) });
  if (bytes >= 1000) return t('screening.size.kilobytes', { size: formatNumber(Math.round(bytes / 1000)) });
  return t('screening.size.bytes', { count: bytes });
}

function attachmentLinks(attachments) {
  return el('ul', { className: 'plain' }, ...attachments.map((a) => el('li', {},
    el('a', { href: a.url, download: a.original_name, text: a.original_name }),
    el('span', { className: 'muted', text: ` (${fileSize(a.size)})` }))));
}

/** An answer as text (or links for files), by the question's type. */
function answerValue(field, value, entry) {
  if (field?.type === 'file') {
    const files = entry.attachments.filter((a) => a.field_key === field.key);
    return files.length ? attachmentLinks(files) : t('screening.answer.no_file');
  }
  if (value === null || value === undefined || value === '') return el('span', { className: 'muted', text: t('screening.answer.none') });
  switch (field?.type) {
    case 'checkbox': return value ? t('screening.answer.ticked') : t('screening.answer.no');
    case 'multi_choice': return Array.isArray(value) ? value.join(', ') : String(value);
    case 'money': return typeof value === 'object' ? `${value.currency ?? ''} ${formatNumber(Number(value.amount))}`.trim() : String(value);
    case 'country': return countryNames?.get(value) ? `${countryNames.get(value)} (${value})` : String(value);
    case 'url': return /^https?:\/\//i.test(value) ? el('a', { href: value, rel: 'noopener noreferrer nofollow', target: '_blank', text: value }) : String(value);
    case 'long_text': return el('span', { className: 'pre', text: value });
    default: return typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
}

function section(title, ...content) {
  return el('section', { className: 'dialog-section' }, el('h3', { text: title }), ...content);
}

function ruleList(outcomes) {
  if (!outcomes.length) return el('p', { className: 'muted', text: t('screening.rules.none') });
  return el('ul', { className: 'plain rules' }, ...outcomes.map((rule) => {
    let result = t('screening.rules.unchecked');
    let kind = 'quiet';
    if (rule.passed === true) { result = t('screening.rules.passed'); kind = 'eligible'; }
    if (rule.passed === false) { result = t(rule.enforce === 'block' ? 'screening.rules.failed' : 'screening.rules.flagged'); kind = 'ineligible'; }
    return el('li', {}, badge(result, kind), ' ', el('span', { text: rule.label || t('screening.rules.kind_on', { kind: rule.kind, field: rule.field }) }),
      rule.detail ? el('span', { className: 'cell-note', text: rule.detail }) : null);
  }));
}

function revisionList(revisions) {
  if (!revisions.length) return el('p', { className: 'muted', text: t('screening.revisions.none') });
  return el('ol', { className: 'plain revisions' }, ...revisions.map((revision) => {
    const snapshot = revision.snapshot ?? {};
    const shown = el('dl', { className: 'kv' });
    for (const [key, value] of Object.entries(snapshot)) {
      const text = typeof value === 'string' ? value : JSON.stringify(value);
      shown.append(el('dt', { text: key }), el('dd', { text: text.length > 300 ? `${text.slice(0, 300)}…` : text }));
    }
    return el('li', {},
      el('p', { className: 'revision-line' },
        el('strong', { text: t('screening.revisions.number', { number: String(revision.number) }) }), ` · ${revision.kind}`,
        revision.author ? ` · ${t('screening.revisions.by', { name: revision.author.display_name })}` : '', ' · ', timeElement(revision.created_at)),
      el('details', {}, el('summary', { text: t('screening.revisions.contained', { number: String(revision.number) }) }), shown));
  }));
}

function showEntry(entry) {
  const heading = byId('entry-dialog-heading');
  heading.textContent = entry.reference
    ? t('screening.dialog.entry_reference', { reference: entry.reference })
    : t('screening.dialog.entry_id', { id: String(entry.id), status: STATUS[entry.status] ?? entry.status });

  const facts = el('dl', { className: 'facts' });
  fact(facts, t('screening.title'), entry.title || t('screening.untitled_paren'));
  fact(facts, t('screening.status'), badge(STATUS[entry.status] ?? entry.status, entry.status));
  fact(facts, t('screening.screening'), badge(ELIGIBILITY[entry.eligibility] ?? entry.eligibility, entry.eligibility));
  fact(facts, t('screening.decide.reason'), entry.eligibility_reason);
  fact(facts, t('screening.fact.note'), entry.eligibility_note);
  fact(facts, t('screening.category'), entry.category);
  fact(facts, t('screening.fact.language'), entry.language);
  fact(facts, t('screening.channel'), CHANNELS[entry.channel] ?? entry.channel);
  fact(facts, t('screening.fact.account'), entry.owner?.display_name);
  fact(facts, t('screening.submitter'), entry.submitter_name);
  fact(facts, t('screening.fact.contact'), entry.submitter_contact);
  if (entry.team?.length) fact(facts, t('screening.fact.team'), entry.team.map((m) => (m.email ? `${m.name} <${m.email}>` : m.name)).join(', '));
  fact(facts, t('screening.fact.licence'), entry.licence_accepted
    ? t('screening.fact.licence_accepted', { licence: entry.licence ?? t('screening.fact.call_licence') })
    : t('screening.fact.licence_not_accepted'));
  fact(facts, t('screening.submitted'), entry.submitted_at ? timeElement(entry.submitted_at) : t('screening.not_yet'));
  if (entry.withdrawn_at) fact(facts, t('screening.status.withdrawn'), timeElement(entry.withdrawn_at));
  fact(facts, t('screening.fact.last_changed'), timeElement(entry.updated_at));

  const answers = el('dl', { className: 'answers' });
  const known = new Set();
  for (const field of [...formFields].sort((a, b) => a.position - b.position || a.id - b.id)) {
    known.add(field.key);
    if (field.version_added > entry.form_version && !(field.key in entry.answers)) continue;
    answers.append(el('dt', { text: field.label }), el('dd', {}, answerValue(field, entry.answers[field.key], entry)));
  }
  for (const [key, value] of Object.entries(entry.answers)) {
    if (!known.has(key)) answers.append(el('dt', { text: t('screening.answer.removed_field', { key }) }), el('dd', {}, answerValue(null, value, entry)));
  }
  const loose = entry.attachments.filter((a) => !a.field_key || !known.has(a.field_key));

  const parts = [
    facts,
    entry.summary ? section(t('screening.dialog.summary'), el('p', { className: 'pre', text: entry.summary })) : null,
    section(t('screening.dialog.answers'), answers.children.length ? answers : el('p', { className: 'muted', text: t('screening.dialog.no_answers') })),
    loose.length ? section(t('screening.dialog.other_files'), attachmentLinks(loose)) : null,
    section(t('screening.dialog.checks'), ruleList(entry.rule_outcomes ?? [])),
  ];
  if (entry.problems?.length && entry.status === 'draft') {
    const labels = new Map(formFields.map((f) => [`answers.${f.key}`, f.label]));
    const name = (path) => labels.get(path) ?? fieldName(path);
    parts.push(section(t('screening.dialog.missing'), el('ul', { className: 'plain' }, ...entry.problems.map((p) => el('li', { text: `${name(p.field)}: ${p.message}` })))));
  }
  if (entry.editable && entry.channel !== 'web') {
    parts.push(el('p', {}, el('a', { className: 'button button-secondary', href: `/entry.html?id=${enc(entry.id)}`, text: t(entry.status === 'draft' ? 'screening.dialog.fill_in' : 'screening.dialog.edit') })));
  }
  if (entry.status === 'submitted') parts.push(screeningSection(entry));
  const revisions = section(t('screening.revisions.heading'), el('p', { className: 'muted', role: 'status', text: t('screening.revisions.loading') }));
  parts.push(revisions);
  dialogBody.replaceChildren(...parts.filter(Boolean));
  get(`/entries/${entry.id}/revisions`).then((list) => {
    revisions.lastElementChild.replaceWith(revisionList(list));
  }, (error) => {
    if (isAuthError(error)) return goToLogin();
    revisions.lastElementChild.textContent = t('screening.revisions.failed', { message: error.message });
    return undefined;
  });
}

function screeningSection(entry) {
  const p = `entry${entry.id}-`;
  const controls = screeningControls(p);
  const form = el('form', { method: 'post', novalidate: true, 'aria-labelledby': `${p}screen-heading` },
    el('div', { className: 'alert alert-error', role: 'alert', 'data-alert': true }),
    el('p', { className: 'alert alert-ok', role: 'status', 'data-status': true }),
    controls,
    el('button', { type: 'submit', className: 'button', text: t('screening.decide.save') }));
  submitWith(form, async () => {
    const updated = await post(`/entries/${entry.id}/eligibility`, controls.read());
    afterScreening(updated, t(updated.eligibility === 'eligible' ? 'screening.decide.marked_eligible' : 'screening.decide.marked_ineligible'));
  }, (path) => controls.mapField(path));

  const box = el('section', { className: 'dialog-section' },
    el('h3', { id: `${p}screen-heading`, text: t(entry.eligibility === 'pending' ? 'screening.decide.screen' : 'screening.decide.change') }), form);

  if (entry.eligibility !== 'pending') {
    const reopen = el('form', { method: 'post', novalidate: true, 'aria-labelledby': `${p}reopen-heading` },
      el('div', { className: 'alert alert-error', role: 'alert', 'data-alert': true }),
      el('div', { className: 'field' },
        el('label', { for: `${p}reopen-reason`, text: t('screening.reopen.why') }),
        el('textarea', { id: `${p}reopen-reason`, name: `${p}reopen-reason`, rows: '2', maxlength: '500', 'aria-describedby': `${p}reopen-reason-error` }),
        el('p', { className: 'field-error', id: `${p}reopen-reason-error` })),
      el('button', { type: 'submit', className: 'button button-secondary', text: t('screening.reopen.heading') }));
    submitWith(reopen, async () => {
      const reason = reopen.elements[`${p}reopen-reason`].value.trim();
      if (reason.length < 3) throw invalid(`${p}reopen-reason`, t('screening.reopen.too_short'));
      const updated = await post(`/entries/${entry.id}/reopen-screening`, { reason });
      afterScreening(updated, t('screening.reopen.done'));
    }, (path) => (path === 'reason' ? `${p}reopen-reason` : null));
    box.append(
      el('h3', { id: `${p}reopen-heading`, text: t('screening.reopen.heading') }),
      el('p', { className: 'muted', text: t('screening.reopen.intro') }),
      reopen);
  }
  return box;
}

function afterScreening(entry, message) {
  showEntry(entry);
  const status = el('p', { className: 'alert alert-ok', role: 'status', text: message });
  dialogBody.prepend(status);
  byId('entry-dialog-heading').focus();
  const row = rows.querySelector(`tr[data-entry-id="${entry.id}"]`);
  if (row) {
    const fresh = entryRow({
      id: entry.id, reference: entry.reference, title: entry.title, status: entry.status, eligibility: entry.eligibility,
      eligibility_reason: entry.eligibility_reason, category: entry.category, channel: entry.channel,
      owner_name: entry.owner?.display_name ?? entry.submitter_name, flagged: row.querySelector('.flagged') !== null,
      submitted_at: entry.submitted_at, updated_at: entry.updated_at,
    });
    row.replaceWith(fresh);
    if (opener && !opener.isConnected) opener = fresh.querySelector('.row-open');
  }
  loadCounts();
}

async function loadCountryNames() {
  if (countryNames || !formFields.some((f) => f.type === 'country')) return;
  try {
    countryNames = new Map((await getCached('/countries')).map((c) => [c.iso2, c.name]));
  } catch {
    countryNames = null; // the codes are shown instead
  }
}

async function openEntry(id, button) {
  opener = button;
  showAlert(dialogAlert, []);
  dialogBody.replaceChildren();
  byId('entry-dialog-heading').textContent = t('screening.dialog.entry');
  byId('entry-dialog-loading').textContent = t('screening.dialog.loading');
  if (!dialog.open) dialog.showModal();
  byId('entry-dialog-heading').focus();
  try {
    const [entry] = await Promise.all([get(`/entries/${enc(id)}`), loadCountryNames()]);
    showEntry(entry);
  } catch (error) {
    if (isAuthError(error)) return goToLogin();
    showAlert(dialogAlert, [t('screening.dialog.failed', { message: error.message })]);
  } finally {
    byId('entry-dialog-loading').textContent = '';
  }
  return undefined;
}

byId('entry-dialog-close').addEventListener('click', () => dialog.close());
dialog.addEventListener('close', () => {
  if (opener?.isConnected) opener.focus();
});

// ---------------------------------------------------------------- offline entries

const offlineForm = byId('offline-form');
const OFFLINE_FIELDS = {
  'on_behalf.channel': 'offline-channel', 'on_behalf.submitter_name': 'offline-name',
  'on_behalf.submitter_contact': 'offline-contact', title: 'offline-title',
};

submitWith(offlineForm, async (values) => {
  const name = values['offline-name'].trim();
  if (!name) throw invalid('offline-name', t('screening.offline.name_needed'));
  const entry = await post(`${base}/entries`, {
    title: values['offline-title'].trim(),
    on_behalf: { channel: values['offline-channel'], submitter_name: name, submitter_contact: values['offline-contact'].trim() },
  });
  offlineForm.reset();
  const status = offlineForm.querySelector('[data-status]');
  const link = el('a', { href: `/entry.html?id=${enc(entry.id)}`, text: t('screening.offline.fill_in') });
  status.replaceChildren(el('p', {}, ...tParts('screening.offline.added', { id: String(entry.id), name: entry.submitter_name ?? name, link })));
  link.focus();
  await Promise.all([loadEntries(), loadCounts()]);
}, (path) => OFFLINE_FIELDS[path] ?? null);

// ---------------------------------------------------------------- start

const started = await startPage({ current: 'entries' });
if (started) {
  ({ slug, challenge } = started);
  base = `/challenges/${enc(slug)}`;
  const categories = challenge.categories ?? [];
  byId('category').append(...categories.map((c) => el('option', { value: c, text: c })));
  byId('category-wrap').hidden = categories.length === 0;
  const params = new URLSearchParams(location.search);
  for (const name of FILTERS) if (params.get(name)) filterForm.elements[name].value = params.get(name);
  bulkControls = screeningControls('bulk-');
  byId('bulk-controls').replaceChildren(bulkControls);
  showBody();
  try {
    formFields = (await get(`${base}/form`)).fields ?? [];
  } catch (error) {
    if (isAuthError(error)) goToLogin();
    formFields = []; // answers are then shown by their keys
  }
  await Promise.all([loadCounts(), loadEntries()]);
}
