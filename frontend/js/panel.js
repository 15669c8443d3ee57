// The judging panel and the conflict-of-interest register: judges with their status,
// perspectives, languages and load cap; invite, edit, withdraw and reinstate a judge; the
// conflicts (declared by judges, detected, recorded by organisers); record one; detect them.
import { get, post, patch, showAlert } from './api.js';
import { timeElement } from './dates.js';
import { showStatus, invalid } from './form.js';
import {
  byId, el, field, checkbox, startPage, showBody, submitWith, onClick, goToLogin, isAuthError, badge,
} from './organiser-nav.js';
import { formatNumber, t, useCatalogues } from './i18n.js';
import { PERSPECTIVES, perspectiveLabel } from './perspectives.js';

await useCatalogues('panel');

const enc = encodeURIComponent;
let base; // "/challenges/<slug>"
let challenge;
let judges = [];
let conflicts = [];

const STATUS = {
  invited: [t('panel.status.invited'), 'pending'],
  active: [t('panel.status.active'), 'open'],
  withdrawn: [t('panel.status.withdrawn'), 'withdrawn'],
};
const SOURCES = Object.fromEntries(['declared', 'detected', 'organiser'].map((source) => [source, t(`panel.source.${source}`)]));
const MAX_ITEMS = 20;
const MAX_ITEM_LENGTH = 40;

const judgeList = byId('judge-list');
const judgesAlert = byId('judges-alert');
const judgesStatus = byId('judges-status');
const conflictsAlert = byId('conflicts-alert');
const conflictsStatus = byId('conflicts-status');

// ---------------------------------------------------------------- lists of words (perspectives, languages)

/**
 * A fieldset of suggested values to tick plus a text input for others (comma-separated);
 * `read()` gives the list, lower-cased as the server keeps it.
 */
function listControl({ id, legend, hint, suggestions, selected = [], otherLabel, otherHint, label = (value) => value }) {
  const chosen = selected.map((value) => value.toLowerCase());
  const known = suggestions.map((value) => value.toLowerCase());
  const box = el('fieldset', { className: 'group', name: id, 'aria-describedby': `${id}-hint ${id}-error` },
    el('legend', { text: legend }),
    el('p', { className: 'hint', id: `${id}-hint`, text: hint }));
  if (suggestions.length) {
    box.append(el('div', { className: 'check-grid' }, ...suggestions.map((suggestion, i) => {
      const row = checkbox({ id: `${id}-${i}`, name: `${id}-item`, label: label(suggestion), checked: chosen.includes(suggestion.toLowerCase()) });
      row.querySelector('input').value = suggestion.toLowerCase();
      return row;
    })));
  }
  const other = el('input', { type: 'text', maxlength: '400', autocomplete: 'off', value: chosen.filter((v) => !known.includes(v)).join(', ') });
  box.append(field({ id: `${id}-other`, label: otherLabel, control: other, hint: otherHint }),
    el('p', { className: 'field-error', id: `${id}-error` }));
  box.read = () => {
    const values = [...box.querySelectorAll(`input[name="${id}-item"]:checked`)].map((input) => input.value);
    for (const part of other.value.split(',')) {
      const value = part.trim().toLowerCase();
      if (!value || values.includes(value)) continue;
      if (value.length > MAX_ITEM_LENGTH) throw invalid(`${id}-other`, t('panel.list.too_long', { value: part.trim(), max: MAX_ITEM_LENGTH }));
      values.push(value);
    }
    if (values.length > MAX_ITEMS) throw invalid(`${id}-other`, t('panel.list.too_many', { max: MAX_ITEMS }));
    return values;
  };
  return box;
}

function perspectivesControl(id, selected) {
  return listControl({
    id, legend: t('panel.perspectives.legend'), selected, suggestions: PERSPECTIVES, label: perspectiveLabel,
    hint: t('panel.perspectives.hint'),
    otherLabel: t('panel.perspectives.others'), otherHint: t('panel.perspectives.other_hint'),
  });
}

function languagesControl(id, selected) {
  const suggestions = challenge.languages ?? [];
  return listControl({
    id, legend: t('panel.languages.legend'), selected, suggestions,
    hint: suggestions.length ? t('panel.languages.hint_listed') : t('panel.languages.hint'),
    otherLabel: suggestions.length ? t('panel.languages.others') : t('panel.languages.optional'),
    otherHint: t('panel.languages.other_hint'),
  });
}

function maxLoadInput(value) {
  return el('input', { type: 'number', min: '1', max: '10000', step: '1', inputmode: 'numeric', value: value ?? '' });
}

function readMaxLoad(input, id) {
  const text = input.value.trim();
  if (!text) return null;
  const load = Number(text);
  if (!Number.isInteger(load) || load < 1 || load > 10000) throw invalid(id, t('panel.max_load.invalid'));
  return load;
}

/** API paths ("tags.2", "max_load") to the controls of a form whose ids start with `p`. */
const judgeFields = (p) => (path) => {
  const [first] = path.split('.');
  return ['tags', 'languages'].includes(first) ? `${p}${first}` : `${p}${path}`;
};

// ---------------------------------------------------------------- the panel

function fact(list, term, value) {
  list.append(el('dt', { text: term }), el('dd', {}, value));
}

function wordList(values, none) {
  return values.length ? values.join(', ') : none;
}

function judgeCard(judge) {
  const item = el('li', { className: 'card judge-card', 'data-testid': 'judge', 'data-judge-id': judge.id });
  const nameId = `judge-${judge.id}-name`;
  const [statusLabel, statusKind] = STATUS[judge.status] ?? [judge.status, 'quiet'];
  const facts = el('dl', { className: 'kv' });
  fact(facts, t('panel.judge.status'), badge(statusLabel, statusKind));
  fact(facts, t('panel.judge.perspectives'), wordList(judge.tags.map(perspectiveLabel), t('panel.judge.none_given')));
  fact(facts, t('panel.judge.languages'), wordList(judge.languages, t('panel.judge.none_given')));
  fact(facts, t('panel.judge.max_load'), judge.max_load ? formatNumber(judge.max_load) : t('panel.judge.no_limit'));
  fact(facts, t('panel.judge.invited_on'), timeElement(judge.invited_at));
  fact(facts, t('panel.judge.accepted_on'), judge.accepted_at ? timeElement(judge.accepted_at) : t('panel.judge.not_yet'));
  const edit = el('button', { type: 'button', className: 'button button-secondary', text: t('panel.judge.edit'), 'aria-describedby': nameId, 'data-action': 'edit' });
  edit.addEventListener('click', () => editJudge(judge, item));
  const withdrawn = judge.status === 'withdrawn';
  const toggle = el('button', {
    type: 'button', className: 'button button-secondary', text: withdrawn ? t('panel.judge.reinstate') : t('panel.judge.withdraw'),
    'aria-describedby': nameId, 'data-action': 'status',
  });
  onClick(toggle, judgesAlert, async () => {
    judgesStatus.textContent = '';
    // Someone who never accepted goes back to invited; their link still works.
    const status = withdrawn ? (judge.accepted_at ? 'active' : 'invited') : 'withdrawn';
    await patch(`${base}/judges/${judge.id}`, { status });
    await loadJudges();
    judgesStatus.textContent = t(withdrawn ? 'panel.judge.reinstated' : 'panel.judge.withdrawn', { name: judge.display_name });
    focusJudge(judge.id, 'status');
  });
  item.replaceChildren(
    el('h3', { className: 'card-title', id: nameId, tabindex: '-1', text: judge.display_name }),
    el('p', { className: 'card-meta muted' }, judge.email, judge.affiliation ? ` · ${judge.affiliation}` : ''),
    facts,
    el('p', { className: 'actions' }, edit, toggle));
  return item;
}

function focusJudge(id, action) {
  const item = judgeList.querySelector(`[data-judge-id="${id}"]`);
  (item?.querySelector(`[data-action="${action}"]`) ?? byId('judges-heading')).focus();
}

function renderSummary() {
  const count = (status) => judges.filter((j) => j.status === status).length;
  const seated = judges.filter((j) => j.status !== 'withdrawn');
  const tally = new Map();
  for (const judge of seated) for (const tag of judge.tags) tally.set(tag, (tally.get(tag) ?? 0) + 1);
  const missing = PERSPECTIVES.filter((p) => !tally.has(p));
  const parts = [t('panel.summary.judges', {
    count: judges.length, active: count('active'), invited: count('invited'), withdrawn: count('withdrawn'),
  })];
  if (seated.length) {
    const tallied = [...tally].map(([tag, n]) => t('panel.summary.tally', { perspective: perspectiveLabel(tag), count: n }));
    parts.push(tally.size
      ? t('panel.summary.perspectives', { list: tallied.join(', ') })
      : t('panel.summary.no_perspectives'));
    if (missing.length) parts.push(t('panel.summary.missing', { list: missing.map(perspectiveLabel).join(', ') }));
  }
  byId('panel-summary').textContent = judges.length ? parts.join(' ') : '';
}

function renderJudges() {
  judgeList.replaceChildren(...judges.map(judgeCard));
  byId('judges-empty').hidden = judges.length > 0;
  renderSummary();
  fillJudgeChoices();
}

async function loadJudges() {
  judges = await get(`${base}/judges`);
  renderJudges();
}

function editJudge(judge, item) {
  const p = `j${judge.id}-`;
  const form = el('form', { method: 'post', novalidate: true, className: 'editor', 'aria-label': t('panel.edit.label', { name: judge.display_name }) },
    el('div', { className: 'alert alert-error', role: 'alert', 'data-alert': true }));
  const name = el('input', { type: 'text', maxlength: '200', autocomplete: 'off', value: judge.display_name });
  const affiliation = el('input', { type: 'text', maxlength: '300', autocomplete: 'off', value: judge.affiliation });
  const tags = perspectivesControl(`${p}tags`, judge.tags);
  const languages = languagesControl(`${p}languages`, judge.languages);
  const load = maxLoadInput(judge.max_load);
  const cancel = el('button', { type: 'button', className: 'button button-secondary', text: t('panel.edit.cancel') });
  form.append(
    field({ id: `${p}display_name`, label: t('panel.form.name'), control: name }),
    field({ id: `${p}affiliation`, label: t('panel.form.affiliation'), control: affiliation }),
    tags, languages,
    field({ id: `${p}max_load`, label: t('panel.max_load.label'), control: load, hint: t('panel.max_load.hint') }),
    el('p', { className: 'actions' }, el('button', { type: 'submit', className: 'button', text: t('panel.edit.save') }), cancel));
  cancel.addEventListener('click', () => {
    renderJudges();
    focusJudge(judge.id, 'edit');
  });
  submitWith(form, async () => {
    const body = {
      display_name: name.value.trim(),
      affiliation: affiliation.value.trim(),
      tags: tags.read(),
      languages: languages.read(),
      max_load: readMaxLoad(load, `${p}max_load`),
    };
    if (!body.display_name) throw invalid(`${p}display_name`, t('panel.form.enter_name'));
    const saved = await patch(`${base}/judges/${judge.id}`, body);
    await loadJudges();
    judgesStatus.textContent = t('panel.edit.saved', { name: saved.display_name });
    focusJudge(judge.id, 'edit');
  }, judgeFields(p));
  item.replaceChildren(el('h3', { className: 'card-title', text: t('panel.edit.heading', { name: judge.display_name }) }), form);
  name.focus();
}

// ---------------------------------------------------------------- inviting

function renderInviteForm(message = '') {
  const p = 'invite-';
  const form = el('form', { method: 'post', novalidate: true, id: 'invite-form', 'aria-labelledby': 'invite-heading' },
    el('div', { className: 'alert alert-error', role: 'alert', 'data-alert': true }),
    el('p', { className: 'alert alert-ok', role: 'status', 'data-status': true }));
  const email = el('input', { type: 'email', maxlength: '320', autocomplete: 'off', spellcheck: 'false' });
  const name = el('input', { type: 'text', maxlength: '200', autocomplete: 'off' });
  const affiliation = el('input', { type: 'text', maxlength: '300', autocomplete: 'off' });
  const tags = perspectivesControl(`${p}tags`, []);
  const languages = languagesControl(`${p}languages`, []);
  const load = maxLoadInput(null);
  form.append(
    field({ id: `${p}email`, label: t('panel.invite.email'), control: email, hint: t('panel.invite.email_hint') }),
    field({ id: `${p}display_name`, label: t('panel.form.name'), control: name }),
    field({ id: `${p}affiliation`, label: t('panel.form.affiliation'), control: affiliation, hint: t('panel.invite.affiliation_hint') }),
    tags, languages,
    field({ id: `${p}max_load`, label: t('panel.max_load.label'), control: load, hint: t('panel.max_load.hint') }),
    el('p', { className: 'actions' }, el('button', { type: 'submit', className: 'button', text: t('panel.invite.send') })));
  byId('invite-slot').replaceChildren(form);
  submitWith(form, async () => {
    const body = {
      email: email.value.trim(),
      display_name: name.value.trim(),
      affiliation: affiliation.value.trim(),
      tags: tags.read(),
      languages: languages.read(),
      max_load: readMaxLoad(load, `${p}max_load`),
    };
    if (!body.email) throw invalid(`${p}email`, t('panel.invite.enter_email'));
    if (!body.display_name) throw invalid(`${p}display_name`, t('panel.form.enter_name'));
    const judge = await post(`${base}/judges`, body);
    await loadJudges();
    renderInviteForm(t('panel.invite.sent', { name: judge.display_name, email: judge.email }));
    byId(`${p}email`).focus();
  }, judgeFields(p));
  if (message) showStatus(form, message);
}

// ---------------------------------------------------------------- the conflict register

/** A conflict's entry inside a sentence: its reference, or its number. */
const entryName = (conflict) => conflict.entry_reference ?? t('panel.conflicts.entry_in_sentence', { id: conflict.entry_id });

function renderConflicts() {
  const rows = conflicts.map((c) => el('tr', { 'data-conflict-id': c.id },
    el('th', { scope: 'row', text: c.judge_name }),
    el('td', { text: c.entry_reference ?? t('panel.conflicts.entry', { id: c.entry_id }) }),
    el('td', {}, badge(SOURCES[c.source] ?? c.source, c.source === 'detected' ? 'warn' : 'quiet')),
    el('td', { className: 'reason', text: c.reason }),
    el('td', {}, timeElement(c.created_at))));
  byId('conflict-rows').replaceChildren(...rows);
  const any = conflicts.length > 0;
  byId('conflicts-empty').hidden = any;
  byId('conflicts-wrap').hidden = !any;
  byId('conflicts-scroll-hint').hidden = !any;
}

async function loadConflicts() {
  conflicts = await get(`${base}/conflicts`);
  renderConflicts();
}

onClick(byId('detect'), conflictsAlert, async () => {
  conflictsStatus.replaceChildren();
  const found = await post(`${base}/conflicts/detect`);
  await loadConflicts();
  if (!found.length) {
    conflictsStatus.replaceChildren(el('p', { text: t('panel.conflicts.none_found') }));
    return;
  }
  conflictsStatus.replaceChildren(
    el('p', { text: t('panel.conflicts.found', { count: found.length }) }),
    el('ul', {}, ...found.map((c) => el('li', { text: t('panel.conflicts.found_item', { judge: c.judge_name, entry: entryName(c), reason: c.reason }) }))));
});

// ---------------------------------------------------------------- recording a conflict

let judgeSelect;
let entrySelect;
let entriesFound;
let searchSeq = 0;
let searchTimer = null;

function fillJudgeChoices() {
  if (!judgeSelect) return;
  const previous = judgeSelect.value;
  judgeSelect.replaceChildren(
    el('option', { value: '', text: judges.length ? t('panel.record.choose_judge') : t('panel.record.invite_first') }),
    ...judges.map((j) => el('option', { value: j.id, text: j.status === 'withdrawn' ? t('panel.record.judge_withdrawn', { name: j.display_name }) : j.display_name })));
  if (judges.some((j) => String(j.id) === previous)) judgeSelect.value = previous;
}

const entryLabel = (entry) => t('panel.record.entry_label', {
  reference: entry.reference ?? t('panel.record.no_reference'), title: entry.title || t('panel.record.untitled'),
});

/** The submitted entries matching `q` (reference, title or entrant), into the entry list. */
async function findEntries(q) {
  const seq = ++searchSeq;
  const query = new URLSearchParams({ status: 'submitted', limit: '200' });
  if (q) query.set('q', q.slice(0, 100));
  entriesFound.textContent = t('panel.record.looking');
  try {
    const page = await get(`${base}/entries?${query}`);
    if (seq !== searchSeq) return; // a newer search has started
    const previous = entrySelect.value;
    entrySelect.replaceChildren(
      el('option', { value: '', text: page.items.length ? t('panel.record.choose_entry') : t('panel.record.no_match_option') }),
      ...page.items.map((entry) => el('option', { value: entry.id, text: entryLabel(entry) })));
    if (page.items.some((entry) => String(entry.id) === previous)) entrySelect.value = previous;
    else if (page.items.length === 1) entrySelect.value = String(page.items[0].id);
    const n = page.items.length;
    entriesFound.textContent = n
      ? t(page.next_cursor ? 'panel.record.found_more' : 'panel.record.found', { count: n })
      : t('panel.record.no_match');
  } catch (error) {
    if (isAuthError(error)) return goToLogin();
    if (seq === searchSeq) entriesFound.textContent = t('panel.record.failed', { message: error.message });
  }
  return undefined;
}

function renderRecordForm() {
  const p = 'conflict-';
  const form = el('form', { method: 'post', novalidate: true, id: 'record-form', 'aria-labelledby': 'record-heading' },
    el('div', { className: 'alert alert-error', role: 'alert', 'data-alert': true }),
    el('p', { className: 'alert alert-ok', role: 'status', 'data-status': true }));
  judgeSelect = el('select', {});
  const search = el('input', { type: 'search', maxlength: '100', autocomplete: 'off' });
  entrySelect = el('select', {}, el('option', { value: '', text: t('panel.record.choose_entry') }));
  const reason = el('textarea', { rows: '2', maxlength: '500' });
  const searchField = field({ id: `${p}find`, label: t('panel.record.find'), control: search, hint: t('panel.record.find_hint') });
  entriesFound = el('p', { className: 'hint', id: `${p}found`, 'aria-live': 'polite' });
  searchField.append(entriesFound);
  form.append(
    field({ id: `${p}judge_id`, label: t('panel.record.judge'), control: judgeSelect }),
    searchField,
    field({ id: `${p}entry_id`, label: t('panel.record.entry'), control: entrySelect }),
    field({ id: `${p}reason`, label: t('panel.record.reason'), control: reason, hint: t('panel.record.reason_hint') }),
    el('p', { className: 'actions' }, el('button', { type: 'submit', className: 'button', text: t('panel.record.submit') })));
  byId('record-slot').replaceChildren(form);
  fillJudgeChoices();
  search.addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => findEntries(search.value.trim()), 300);
  });
  search.addEventListener('keydown', (event) => {
    if (event.key !== 'Enter') return;
    event.preventDefault(); // Enter searches here; it does not record the conflict
    clearTimeout(searchTimer);
    findEntries(search.value.trim());
  });
  submitWith(form, async () => {
    if (!judgeSelect.value) throw invalid(`${p}judge_id`, t('panel.record.need_judge'));
    if (!entrySelect.value) throw invalid(`${p}entry_id`, t('panel.record.need_entry'));
    const text = reason.value.trim();
    if (text.length < 3) throw invalid(`${p}reason`, t('panel.record.need_reason', { min: 3 }));
    const conflict = await post(`${base}/conflicts`, { judge_id: Number(judgeSelect.value), entry_id: Number(entrySelect.value), reason: text });
    await loadConflicts();
    reason.value = '';
    entrySelect.value = '';
    conflictsStatus.replaceChildren();
    showStatus(form, t('panel.record.recorded', { judge: conflict.judge_name, entry: entryName(conflict) }));
    judgeSelect.focus();
  }, (path) => `${p}${path}`);
  findEntries('');
}

// ---------------------------------------------------------------- start

const started = await startPage({ current: 'panel', organiserOnly: true });
if (started) {
  ({ challenge } = started);
  base = `/challenges/${enc(started.slug)}`;
  try {
    [judges, conflicts] = await Promise.all([get(`${base}/judges`), get(`${base}/conflicts`)]);
    renderRecordForm();
    renderJudges();
    renderConflicts();
    renderInviteForm();
    showBody();
  } catch (error) {
    if (isAuthError(error)) goToLogin();
    else showAlert(byId('page-alert'), [t('panel.failed', { message: error.message })]);
    byId('page-loading').textContent = '';
  }
}
