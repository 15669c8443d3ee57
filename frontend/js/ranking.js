// One round's ranking for organisers: the round's summary with its reliability (ICC), the
// entries in ranking order a page at a time (filtered by reference or title, or to those whose
// judges disagree) with their scorecards (reopening one), each judge's statistics, and the
// advancement: the declared rule, a preview (paged too) with its ties and overrides, and
// applying it. A round may hold 100,000 entries: nothing here needs all of them at once.
import { get, post, showAlert, ApiError } from './api.js';
import { timeElement } from './dates.js';
import { invalid, oneByReference } from './form.js';
import {
  byId, el, showBody, submitWith, onClick, goToLogin, isAuthError, badge, fieldName, focusFirstAdded,
} from './organiser-nav.js';
import {
  startRoundPage, num, numText, numCell, textCell, none, isNumber,
} from './round-page.js';
import { formatNumber, t, tParts, useCatalogues } from './i18n.js';

await useCatalogues('awards');

let round;
/** The round's figures from the last ranking page loaded; its `entries` are this page's. */
let ranking = null;
/** The ranking's entries shown so far, and the cursor of the next page. */
let rankingRows = [];
let rankingCursor = null;
let preview = null;
let previewRows = [];
let previewCursor = null;
/** Each entry met on any page: its reference and title, for naming it anywhere on the page. */
const known = new Map();
/** The organiser's overrides, one per entry: {entry_id, advanced, reason}. */
let overrides = [];
/** Tied groups the organiser has put in order (entry ids, best first), in the order recorded. */
let recordedOrders = [];
/** The order shown for each unresolved tie, keyed by its sorted entry ids. */
const tieDrafts = new Map();

const rankingAlert = byId('ranking-alert');
const rankingStatus = byId('ranking-status');
const advancementAlert = byId('advancement-alert');

const criteria = () => ranking?.criteria ?? round.criteria;
const criterionName = (id) => criteria().find((c) => c.id === id)?.name ?? t('awards.ranking.criterion_id', { id });
function remember(entries) {
  for (const e of entries ?? []) known.set(e.entry_id, { reference: e.reference, title: e.title });
}
const entryName = (id) => known.get(id)?.reference ?? t('awards.ranking.entry_id', { id });
/** An entry's reference, or "entry 12" inside a sentence. */
const inlineName = (entry) => entry.reference ?? t('awards.ranking.entry_id_inline', { id: entry.entry_id });
const quoted = (name) => t('awards.ranking.quoted', { name });
const YES_NO = { true: t('awards.ranking.yes'), false: t('awards.ranking.no') };

/** "1–10" for the round's shown scale, or "out of 100". */
function scaleText() {
  const scale = ranking?.scale;
  return scale ? `${numText(scale.min)}–${numText(scale.max)}` : t('awards.ranking.out_of_100');
}

/** "on the scale 1–10", or "out of 100", inside a sentence. */
function scaleWords() {
  return ranking?.scale ? t('awards.ranking.on_the_scale', { scale: scaleText() }) : t('awards.ranking.out_of_100');
}

function fact(list, term, ...value) {
  list.append(el('dt', { text: term }), el('dd', {}, ...value));
}

// ---------------------------------------------------------------- loading

const filterForm = byId('ranking-filter');

function rankingQuery(extra = {}) {
  const query = new URLSearchParams({ limit: '50', ...extra });
  const q = byId('ranking-q').value.trim();
  if (q) query.set('q', q);
  if (byId('ranking-disagreement').checked) query.set('disagreement', 'true');
  return query;
}

/** The first page of the ranking under the filters, or (`again`) the next page after it. */
async function loadRanking({ again = false } = {}) {
  byId('ranking-loading').textContent = t('awards.ranking.loading_ranking');
  showAlert(byId('ranking-load-alert'), []);
  let page;
  try {
    page = await get(`/rounds/${round.id}/ranking?${rankingQuery(again && rankingCursor ? { cursor: rankingCursor } : {})}`);
  } catch (error) {
    if (isAuthError(error)) {
      goToLogin();
      return [];
    }
    showAlert(byId('ranking-load-alert'), [t('awards.ranking.load_failed', { message: error.message })]);
    return [];
  } finally {
    byId('ranking-loading').textContent = '';
  }
  ranking = page;
  remember(page.entries);
  rankingRows = again ? [...rankingRows, ...page.entries] : page.entries;
  rankingCursor = page.next_cursor ?? null;
  renderSummary();
  const added = renderRanking(again ? page.entries : null);
  if (!again) renderJudges();
  return added;
}

// ---------------------------------------------------------------- summary

function renderSummary() {
  const list = byId('summary');
  list.replaceChildren();
  fact(list, t('awards.ranking.summary.scale'), ranking.scale
    ? t('awards.ranking.summary.scale_round', { scale: scaleText() })
    : t('awards.ranking.summary.scale_100'));
  fact(list, t('awards.ranking.summary.ranked_by'), ranking.normalise
    ? t('awards.ranking.summary.ranked_by_normalised')
    : t('awards.ranking.summary.ranked_by_raw_mean'));
  fact(list, t('awards.ranking.scorecards'), formatNumber(ranking.n ?? 0));
  fact(list, t('awards.ranking.mean'), num(ranking.mean));
  fact(list, t('awards.ranking.sd'), num(ranking.sd));
  const icc = ranking.icc;
  const iccNumbers = icc ? { a: icc.a ?? 0, n: icc.n ?? 0, k0: numText(icc.k0) } : null;
  if (icc && isNumber(icc.value)) {
    fact(list, t('awards.ranking.summary.icc'), el('strong', { text: numText(icc.value) }),
      el('span', { className: 'cell-note', text: t('awards.ranking.summary.icc_from', iccNumbers) }));
  } else {
    fact(list, t('awards.ranking.summary.icc'), t('awards.ranking.summary.icc_not_enough'),
      icc ? el('span', { className: 'cell-note', text: t('awards.ranking.summary.icc_numbers', iccNumbers) }) : null);
  }
  if (isNumber(ranking.disagreement_share)) {
    fact(list, t('awards.ranking.summary.disagreement'), t('awards.ranking.summary.disagreement_rule', { share: numText(ranking.disagreement_share * 100) }));
  }
}

// ---------------------------------------------------------------- the ranking table

function criterionDetails(entry) {
  const stats = entry.criteria ?? [];
  if (!stats.length) return el('td', {}, none());
  const list = el('dl', { className: 'kv' });
  for (const c of stats) {
    list.append(el('dt', { text: criterionName(c.criterion_id) }),
      el('dd', {}, ...tParts('awards.ranking.table.criterion_stats', { mean: num(c.mean), n: c.n ?? 0, sd: num(c.sd) })));
  }
  return el('td', {}, el('details', { className: 'criteria' },
    el('summary', {}, t('awards.ranking.table.means'), ' ',
      el('span', { className: 'visually-hidden', text: t('awards.ranking.table.means_for', { entry: inlineName(entry) }) })),
    list));
}

function agreementCell(entry) {
  if (!entry.disagreement) {
    return el('td', {}, entry.n >= 2 ? el('span', { className: 'muted', text: t('awards.ranking.table.within_range') }) : none());
  }
  const add = el('button', { type: 'button', className: 'button button-secondary button-small' },
    t('awards.ranking.table.add_judge'), ' ',
    el('span', { className: 'visually-hidden', text: t('awards.ranking.table.add_judge_to', { entry: inlineName(entry) }) }));
  onClick(add, rankingAlert, async () => {
    showAlert(rankingStatus, []);
    const made = await post(`/rounds/${round.id}/entries/${entry.entry_id}/extra-judge`);
    showAlert(rankingStatus, [t('awards.ranking.table.judge_added', { judge: made.judge_name, entry: inlineName(entry) })]);
  });
  return el('td', {},
    el('span', { className: 'disagree' }, el('span', { 'aria-hidden': 'true', text: '⚠ ' }), t('awards.ranking.table.disagree')),
    el('span', { className: 'cell-note' }, ...tParts('awards.ranking.table.spread', { spread: num(entry.spread) })),
    add);
}

function rankingRow(e, showAdvanced) {
  const open = el('button', { type: 'button', className: 'button button-secondary button-small' },
    t('awards.ranking.scorecards'), ' ',
    el('span', { className: 'visually-hidden', text: t('awards.ranking.table.scorecards_of', { entry: inlineName(e) }) }));
  open.addEventListener('click', () => openScorecards(e, open));
  const range = isNumber(e.min) ? el('td', { className: 'num' }, num(e.min), '–', num(e.max)) : el('td', { className: 'num' }, none());
  let advanced = null;
  if (showAdvanced) {
    advanced = el('td', {}, e.advanced === true ? badge(t('awards.ranking.advanced'), 'open') : e.advanced === false ? badge(t('awards.ranking.not_advanced'), 'quiet') : none());
  }
  return el('tr', { 'data-entry-id': e.entry_id },
    numCell(e.position),
    el('th', { scope: 'row', text: entryName(e.entry_id) }),
    textCell(e.title),
    textCell(e.category),
    numCell(e.n),
    numCell(e.mean), numCell(e.sd), range, numCell(e.normalised),
    el('td', { className: 'num score' }, num(e.score)),
    agreementCell(e),
    criterionDetails(e),
    advanced,
    el('td', {}, open));
}

/** Draws the ranking's rows: all of them, or (`added`) only the page just loaded after them.
 * Returns the rows drawn. */
function renderRanking(added = null) {
  const ranksBy = ranking.normalise ? t('awards.ranking.table.note_normalised') : t('awards.ranking.table.note_raw_mean');
  byId('score-header').replaceChildren(t('awards.ranking.table.score'), el('span', { className: 'th-note', text: ranksBy }));
  byId('ranking-explainer').textContent = t('awards.ranking.table.explainer', {
    by: ranking.normalise ? t('awards.ranking.table.by_normalised') : t('awards.ranking.table.by_raw_mean'),
    scale: scaleWords(),
  });
  const showAdvanced = ranking.decided > 0;
  byId('advanced-header').hidden = !showAdvanced;
  const rows = (added ?? rankingRows).map((e) => rankingRow(e, showAdvanced));
  if (added) byId('ranking-rows').append(...rows);
  else byId('ranking-rows').replaceChildren(...rows);
  const filtered = ranking.matching !== ranking.total;
  const empty = byId('ranking-empty');
  empty.hidden = rankingRows.length > 0;
  empty.textContent = filtered ? t('awards.ranking.table.no_match') : t('awards.ranking.table.empty');
  byId('ranking-count').textContent = filtered
    ? t('awards.ranking.table.count_filtered', { shown: formatNumber(rankingRows.length), count: ranking.matching, total: formatNumber(ranking.total) })
    : t('awards.ranking.table.count', { shown: formatNumber(rankingRows.length), count: ranking.total, scored: formatNumber(ranking.scored) });
  byId('ranking-more').hidden = !rankingCursor;
  return rows;
}

filterForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  await loadRanking();
});

byId('ranking-more').addEventListener('click', async () => {
  const more = byId('ranking-more');
  more.disabled = true;
  const added = await loadRanking({ again: true });
  more.disabled = false;
  focusFirstAdded(added);
});

// ---------------------------------------------------------------- judges

function renderJudges() {
  const { mean: m, sd: s } = ranking;
  const judges = [...ranking.judges].sort((a, b) => (a.mean ?? Infinity) - (b.mean ?? Infinity));
  byId('judge-rows').replaceChildren(...judges.map((j) => {
    const against = el('td');
    if (isNumber(j.mean) && isNumber(m)) {
      const difference = j.mean - m;
      let label = null;
      if (isNumber(s) && s > 0 && difference < -s / 2) label = el('strong', { className: 'harsh', text: t('awards.ranking.judges.harsh') });
      if (isNumber(s) && s > 0 && difference > s / 2) label = el('strong', { className: 'lenient', text: t('awards.ranking.judges.lenient') });
      against.append(...[label, label ? ' ' : null, num(difference, { sign: true })].filter(Boolean));
    } else {
      against.append(none());
    }
    return el('tr', {},
      el('th', { scope: 'row', text: j.display_name }),
      numCell(j.n), numCell(j.mean), against, numCell(j.sd), numCell(j.min), numCell(j.max),
      el('td', { text: YES_NO[Boolean(j.normalised)] }));
  }));
  byId('judges-empty').hidden = judges.length > 0;
}

// ---------------------------------------------------------------- scorecards of one entry

const scorecardsDialog = byId('scorecards-dialog');
const scorecardsBody = byId('scorecards-body');
let scorecardsOpener = null;
let scorecardsEntry = null;

const STATUS = {
  none: t('awards.ranking.card.status.none'),
  draft: t('awards.ranking.card.status.draft'),
  submitted: t('awards.ranking.card.status.submitted'),
};

function scorecardValue(value) {
  if (value.na) return t('awards.ranking.card.not_applicable');
  if (!isNumber(value.value)) return none();
  return num(value.value);
}

function scorecardItem(card) {
  const id = `scorecard-${card.id}`;
  const facts = el('dl', { className: 'kv' });
  const add = (term, ...value) => facts.append(el('dt', { text: term }), el('dd', {}, ...value));
  add(t('awards.ranking.score'), num(card.score));
  const byCriterion = new Map((card.values ?? []).map((v) => [v.criterion_id, v]));
  for (const c of criteria()) {
    const value = byCriterion.get(c.id);
    add(c.name, value ? scorecardValue(value) : none(), el('span', { className: 'muted', text: ` (${numText(c.scale_min)}–${numText(c.scale_max)})` }));
  }
  add(t('awards.ranking.card.comment'), card.comment ? el('span', { className: 'pre', text: card.comment }) : none());
  add(t('awards.ranking.card.feedback'), card.feedback ? el('span', { className: 'pre', text: card.feedback }) : none());
  add(t('awards.ranking.card.submitted'), card.submitted_at ? timeElement(card.submitted_at) : none());
  if (card.reopen_reason) add(t('awards.ranking.card.reopened_because'), card.reopen_reason);

  const item = el('li', { className: 'card scorecard', 'data-scorecard-id': card.id },
    el('h3', { className: 'card-title', id: `${id}-heading` }, card.judge_name, ' ', badge(STATUS[card.status] ?? card.status, card.status === 'none' ? 'quiet' : card.status)),
    facts);
  if (card.status === 'submitted') item.append(reopenControls(card, id));
  return item;
}

function reopenControls(card, id) {
  const reasonId = `${id}-reason`;
  const form = el('form', { method: 'post', novalidate: true, id: `${id}-reopen`, hidden: true },
    el('div', { className: 'alert alert-error', role: 'alert', 'data-alert': true }),
    el('div', { className: 'field' },
      el('label', { for: reasonId, text: t('awards.ranking.card.why_reopen', { judge: card.judge_name }) }),
      el('p', { className: 'hint', id: `${reasonId}-hint`, text: t('awards.ranking.card.why_reopen_hint') }),
      el('textarea', { id: reasonId, name: reasonId, rows: '2', maxlength: '500', 'aria-describedby': `${reasonId}-hint ${reasonId}-error` }),
      el('p', { className: 'field-error', id: `${reasonId}-error` })),
    el('p', { className: 'actions' }, el('button', { type: 'submit', className: 'button', text: t('awards.ranking.card.reopen_submit') })));
  const toggle = el('button', { type: 'button', className: 'button button-secondary', 'aria-expanded': 'false', 'aria-controls': form.id },
    t('awards.ranking.card.reopen'), ' ',
    el('span', { className: 'visually-hidden', text: t('awards.ranking.card.whose', { judge: card.judge_name }) }));
  toggle.addEventListener('click', () => {
    const opening = form.hidden;
    form.hidden = !opening;
    toggle.setAttribute('aria-expanded', String(opening));
    if (opening) byId(reasonId).focus();
  });
  submitWith(form, async (values) => {
    const reason = values[reasonId].trim();
    if (reason.length < 3) throw invalid(reasonId, t('awards.ranking.say_why'));
    await post(`/scorecards/${card.id}/reopen`, { reason });
    await showScorecards();
    showAlert(byId('scorecards-status'), [t('awards.ranking.card.reopened', { judge: card.judge_name })]);
    byId('scorecards-heading').focus();
    loadRanking();
  }, (path) => (path === 'reason' ? reasonId : null));
  return el('div', { className: 'reopen' }, toggle, form);
}

async function showScorecards() {
  const entry = scorecardsEntry;
  byId('scorecards-loading').textContent = t('awards.ranking.card.loading');
  try {
    const cards = await get(`/rounds/${round.id}/entries/${entry.entry_id}/scorecards`);
    scorecardsBody.replaceChildren(cards.length
      ? el('ul', { className: 'cards' }, ...cards.map(scorecardItem))
      : el('p', { className: 'empty', text: t('awards.ranking.card.none') }));
  } catch (error) {
    if (isAuthError(error)) return goToLogin();
    showAlert(byId('scorecards-alert'), [t('awards.ranking.card.load_failed', { message: error.message })]);
  } finally {
    byId('scorecards-loading').textContent = '';
  }
  return undefined;
}

async function openScorecards(entry, button) {
  scorecardsOpener = button;
  scorecardsEntry = entry;
  showAlert(byId('scorecards-alert'), []);
  showAlert(byId('scorecards-status'), []);
  scorecardsBody.replaceChildren();
  const name = inlineName(entry);
  byId('scorecards-heading').textContent = entry.title
    ? t('awards.ranking.card.heading_titled', { entry: name, title: entry.title })
    : t('awards.ranking.card.heading', { entry: name });
  if (!scorecardsDialog.open) scorecardsDialog.showModal();
  byId('scorecards-heading').focus();
  await showScorecards();
}

byId('scorecards-close').addEventListener('click', () => scorecardsDialog.close());
scorecardsDialog.addEventListener('close', () => {
  const again = scorecardsEntry && byId('ranking-rows').querySelector(`tr[data-entry-id="${scorecardsEntry.entry_id}"] td:last-child button`);
  (scorecardsOpener?.isConnected ? scorecardsOpener : again)?.focus();
});

// ---------------------------------------------------------------- the declared rule

function ruleText(rule) {
  switch (rule?.kind) {
    case 'top_n': return t('awards.ranking.rule.top_n', { count: rule.n });
    case 'top_n_per_category': return t('awards.ranking.rule.top_n_per_category', { count: rule.n });
    case 'threshold': return t('awards.ranking.rule.threshold', { threshold: numText(rule.threshold), scale: scaleWords() });
    case 'manual': return t('awards.ranking.rule.manual');
    default: return t('awards.ranking.rule.none');
  }
}

function tieBreakText(tie) {
  if (tie.kind === 'criterion') return t('awards.ranking.tie_break.criterion', { criterion: criterionName(tie.criterion_id) });
  if (tie.kind === 'scorecards') return t('awards.ranking.tie_break.scorecards');
  if (tie.kind === 'organiser') return t('awards.ranking.tie_break.organiser');
  return tie.kind;
}

function renderRule(rule = round.advancement, ties = round.tie_breaks) {
  byId('rule-text').textContent = ruleText(rule);
  const list = byId('tie-breaks');
  // The server settles a tie nothing else separates by the organiser's recorded order.
  const all = ties.some((t) => t.kind === 'organiser') ? ties : [...ties, { kind: 'organiser' }];
  list.replaceChildren(...all.map((t) => el('li', { text: tieBreakText(t) })));
}

/** "A, then B, then C". */
function thenList(names) {
  return names.reduce((first, second) => t('awards.ranking.then', { first, second }));
}

function resolvedText(how) {
  if (how === 'criterion') {
    const names = (preview?.tie_breaks ?? round.tie_breaks).filter((tie) => tie.kind === 'criterion').map((tie) => quoted(criterionName(tie.criterion_id)));
    return names.length ? t('awards.ranking.resolved.criterion', { criteria: thenList(names) }) : t('awards.ranking.resolved.a_criterion');
  }
  if (how === 'scorecards') return t('awards.ranking.resolved.scorecards');
  if (how === 'organiser') return t('awards.ranking.resolved.organiser');
  return t('awards.ranking.resolved.none');
}

// ---------------------------------------------------------------- overrides

const overrideForm = byId('override-form');

/** The round's entry with this reference (or the one entry it is part of), asked of the
 * server: the page holds only the entries shown. */
async function entryByReference(text) {
  const found = await get(`/rounds/${round.id}/ranking?${new URLSearchParams({ q: text, limit: '20' })}`);
  remember(found.entries);
  return oneByReference(found.entries, text, 'override-entry', {
    notFound: t('awards.ranking.override.not_found', { reference: text }),
    several: t('awards.ranking.override.several', { reference: text }),
  });
}

function renderOverrides() {
  byId('override-list').replaceChildren(...overrides.map((o) => {
    const remove = el('button', { type: 'button', className: 'button button-secondary button-small' },
      t('awards.ranking.override.remove'), ' ',
      el('span', { className: 'visually-hidden', text: t('awards.ranking.override.remove_for', { entry: entryName(o.entry_id) }) }));
    remove.addEventListener('click', async () => {
      overrides = overrides.filter((x) => x.entry_id !== o.entry_id);
      renderOverrides();
      byId('override-entry').focus();
      await runPreview();
    });
    return el('li', { className: 'override' },
      el('span', {}, ...tParts(o.advanced ? 'awards.ranking.override.line_advances' : 'awards.ranking.override.line_stays', {
        entry: el('strong', { text: entryName(o.entry_id) }), reason: o.reason,
      })),
      remove);
  }));
}

submitWith(overrideForm, async (values) => {
  const reference = values['override-entry'].trim();
  if (!reference) throw invalid('override-entry', t('awards.ranking.override.choose_the_entry'));
  const reason = values['override-reason'].trim();
  if (reason.length < 3) throw invalid('override-reason', t('awards.ranking.say_why'));
  const entryId = (await entryByReference(reference)).entry_id;
  overrides = [...overrides.filter((o) => o.entry_id !== entryId), { entry_id: entryId, advanced: values['override-decision'] === 'advance', reason }];
  renderOverrides();
  overrideForm.reset();
  await runPreview({ focus: false });
}, (path) => {
  if (/^overrides\.\d+\.reason$/.test(path)) return 'override-reason';
  if (/^overrides\.\d+\.entry_id$/.test(path)) return 'override-entry';
  return null;
});

// ---------------------------------------------------------------- ties at the cut

const tieKey = (ids) => [...ids].sort((a, b) => a - b).join(',');

function moveButton(label, group, index, delta, container) {
  const target = index + delta;
  const button = el('button', { type: 'button', className: 'button button-secondary button-small', disabled: target < 0 || target >= group.length },
    label, ' ', el('span', { className: 'visually-hidden', text: entryName(group[index]) }));
  button.addEventListener('click', () => {
    [group[index], group[target]] = [group[target], group[index]];
    renderTieGroup(container, group);
    const again = container.querySelectorAll('li')[target]?.querySelector(`button[data-move="${delta}"]:not(:disabled)`)
      ?? container.querySelectorAll('li')[target]?.querySelector('button:not(:disabled)');
    again?.focus();
  });
  button.dataset.move = String(delta);
  return button;
}

function renderTieGroup(container, group) {
  const list = container.querySelector('ol');
  list.replaceChildren(...group.map((id, i) => {
    const entry = preview.tied.find((e) => e.entry_id === id);
    return el('li', { className: 'tie-item' },
      el('span', { className: 'tie-name' }, el('strong', { text: entryName(id) }), entry?.title ? ` ${entry.title}` : '',
        el('span', { className: 'cell-note' }, ...tParts('awards.ranking.tie.score', { score: num(entry?.score), count: entry?.n ?? 0 }))),
      el('span', { className: 'tie-moves' },
        moveButton(t('awards.ranking.tie.move_up'), group, i, -1, container),
        moveButton(t('awards.ranking.tie.move_down'), group, i, 1, container)));
  }));
}

function renderUnresolved() {
  const box = byId('unresolved');
  const groups = preview.unresolved_ties ?? [];
  box.replaceChildren(...groups.map((ids, n) => {
    const key = tieKey(ids);
    if (!tieDrafts.has(key)) tieDrafts.set(key, [...ids]);
    const group = tieDrafts.get(key);
    const legendId = `tie-${n}-legend`;
    const container = el('fieldset', { className: 'panel tie-group', 'aria-describedby': `tie-${n}-hint` },
      el('legend', { id: legendId, text: t('awards.ranking.tie.legend', { entries: group.map(entryName).join(', ') }) }),
      el('p', { className: 'hint', id: `tie-${n}-hint`, text: t('awards.ranking.tie.hint') }),
      el('ol', { className: 'tie-list' }));
    renderTieGroup(container, group);
    const record = el('button', { type: 'button', className: 'button', text: t('awards.ranking.tie.use_order') });
    onClick(record, advancementAlert, async () => {
      recordedOrders = [...recordedOrders.filter((o) => tieKey(o) !== key), [...group]];
      await runPreview();
    });
    container.append(el('p', { className: 'actions' }, record));
    return container;
  }));
  if (groups.length) {
    box.prepend(el('p', { className: 'alert alert-note', text: t('awards.ranking.tie.undecided', { count: groups.length }) }));
  }

  const recorded = byId('recorded-orders');
  recorded.replaceChildren();
  if (recordedOrders.length) {
    recorded.append(el('p', { className: 'hint', text: t('awards.ranking.tie.recorded') }),
      el('ul', { className: 'plain overrides' }, ...recordedOrders.map((order) => {
        const forget = el('button', { type: 'button', className: 'button button-secondary button-small' },
          t('awards.ranking.tie.change'), ' ',
          el('span', { className: 'visually-hidden', text: t('awards.ranking.tie.change_order_of', { entries: order.map(entryName).join(', ') }) }));
        onClick(forget, advancementAlert, async () => {
          recordedOrders = recordedOrders.filter((o) => o !== order);
          await runPreview();
        });
        return el('li', { className: 'override' }, el('span', { text: thenList(order.map(entryName)) }), forget);
      })));
  }
}

// ---------------------------------------------------------------- preview and apply

function advancementBody() {
  return { tie_order: recordedOrders.flat(), overrides };
}

function whyCell(entry) {
  if (entry.override_reason) {
    return el('td', {}, ...tParts('awards.ranking.why.override', {
      label: el('strong', { text: t('awards.ranking.why.override_label') }), reason: entry.override_reason,
    }));
  }
  if (entry.by_rule) return el('td', { text: t('awards.ranking.why.by_rule') });
  return el('td', { text: entry.advances ? t('awards.ranking.why.by_rule') : t('awards.ranking.why.below_cut') });
}

function tieCell(entry) {
  if (!entry.tie) return el('td', {}, none());
  return el('td', {}, ...tParts('awards.ranking.tie.cell', {
    entries: entry.tie.with.map(entryName).join(', '),
    how: entry.tie.resolved_by ? resolvedText(entry.tie.resolved_by) : el('strong', { text: resolvedText(null) }),
  }));
}

function previewRow(e) {
  return el('tr', { 'data-entry-id': e.entry_id },
    numCell(e.position),
    el('th', { scope: 'row' }, entryName(e.entry_id), e.title ? el('span', { className: 'cell-note', text: e.title }) : null),
    textCell(e.category),
    numCell(e.score), numCell(e.n),
    el('td', {}, e.advances ? badge(t('awards.ranking.preview.advances'), 'open') : badge(t('awards.ranking.preview.stays'), 'quiet')),
    whyCell(e),
    tieCell(e));
}

function renderPreviewCount() {
  byId('preview-shown').textContent = t('awards.ranking.preview.shown', { shown: formatNumber(previewRows.length), count: preview.total });
  byId('preview-more').hidden = !previewCursor;
}

async function renderPreview() {
  byId('preview').hidden = false;
  renderRule(preview.rule, preview.tie_breaks);
  const total = preview.total;
  byId('preview-summary').textContent = overrides.length
    ? t('awards.ranking.preview.summary_overrides', { count: preview.advancing, total, overrides: t('awards.ranking.overrides', { count: overrides.length }) })
    : t('awards.ranking.preview.summary', { count: preview.advancing, total });
  renderUnresolved();
  byId('preview-rows').replaceChildren(...previewRows.map(previewRow));
  renderPreviewCount();
  await renderApplied();
}

byId('preview-more').addEventListener('click', async () => {
  const more = byId('preview-more');
  more.disabled = true;
  try {
    const page = await post(`/rounds/${round.id}/advancement/preview?${new URLSearchParams({ limit: '50', cursor: previewCursor })}`, advancementBody());
    remember(page.entries);
    previewRows = [...previewRows, ...page.entries];
    previewCursor = page.next_cursor ?? null;
    const rows = page.entries.map(previewRow);
    byId('preview-rows').append(...rows);
    renderPreviewCount();
    focusFirstAdded(rows);
  } catch (error) {
    if (isAuthError(error)) return goToLogin();
    showAlert(advancementAlert, error instanceof ApiError ? error.problems.map(describe) : [error.message]);
  } finally {
    more.disabled = false;
  }
  return undefined;
});

/** How many advanced entries the applied paragraph names before "and N more". */
const NAMED = 10;

/** When the advancement was applied: when, who advanced (the first few by name, asked of the
 * server), and how many entries the preview on the page decides otherwise (overrides and tie
 * orders live only on this page). */
async function renderApplied() {
  const applied = byId('applied');
  applied.replaceChildren();
  if (!preview?.applied_at) return;
  applied.append(el('p', {}, ...tParts('awards.ranking.applied.on', { time: timeElement(preview.applied_at) }), ' ',
    preview.feedback_released ? t('awards.ranking.feedback_released') : t('awards.ranking.applied.feedback_not_released')));
  if (!ranking?.decided) return;
  const count = ranking.advanced;
  if (!count) {
    applied.append(el('p', { text: t('awards.ranking.applied.none_advanced') }));
  } else {
    let first = null;
    try {
      first = (await get(`/rounds/${round.id}/ranking?${new URLSearchParams({ advanced: 'true', limit: String(NAMED) })}`)).entries;
    } catch (error) {
      if (isAuthError(error)) {
        goToLogin();
        return;
      }
      showAlert(advancementAlert, [t('awards.ranking.load_failed', { message: error.message })]);
    }
    if (first?.length) {
      remember(first);
      const entries = first.map(inlineName).join(', ');
      applied.append(el('p', { text: count > first.length
        ? t('awards.ranking.applied.advanced_more', { count, entries, more: formatNumber(count - first.length) })
        : t('awards.ranking.applied.advanced', { count, entries }) }));
    }
  }
  if (preview.differs_from_applied) {
    applied.append(el('p', { text: t('awards.ranking.applied.differs_count', { count: preview.differs_from_applied }) }));
  }
}

async function runPreview({ focus = true } = {}) {
  byId('preview-loading').textContent = t('awards.ranking.preview.working');
  showAlert(advancementAlert, []);
  try {
    preview = await post(`/rounds/${round.id}/advancement/preview?limit=50`, advancementBody());
    remember(preview.entries);
    remember(preview.tied);
    previewRows = preview.entries;
    previewCursor = preview.next_cursor ?? null;
    await renderPreview();
    if (focus) byId('preview-heading').focus();
  } catch (error) {
    if (isAuthError(error)) return goToLogin();
    showAlert(advancementAlert, error instanceof ApiError ? error.problems.map(describe) : [error.message]);
  } finally {
    byId('preview-loading').textContent = '';
  }
  return undefined;
}

function describe(problem) {
  return problem.field && !problem.message.startsWith(`${problem.field}: `) ? `${fieldName(problem.field)}: ${problem.message}` : problem.message;
}

onClick(byId('preview-button'), advancementAlert, () => runPreview());

const applyForm = byId('apply-form');
const confirmDialog = byId('confirm-dialog');

submitWith(applyForm, async () => {
  if (!preview) throw new ApiError({ code: 'invalid', message: t('awards.ranking.apply.preview_first') });
  const notify = byId('apply-notify').checked;
  const release = byId('apply-feedback').checked;
  const staying = preview.total - preview.advancing;
  byId('confirm-what').replaceChildren(
    el('li', { text: t('awards.ranking.confirm.advancing', { count: preview.advancing, staying: t('awards.ranking.confirm.staying', { count: staying }) }) }),
    el('li', { text: overrides.length ? t('awards.ranking.confirm.overrides', { count: overrides.length }) : t('awards.ranking.confirm.no_overrides') }),
    el('li', { text: notify ? t('awards.ranking.confirm.notify') : t('awards.ranking.confirm.no_notify') }),
    el('li', { text: release ? t('awards.ranking.feedback_released') : t('awards.ranking.confirm.feedback_kept') }));
  showAlert(byId('confirm-alert'), []);
  confirmDialog.showModal();
  byId('confirm-heading').focus();
});

/** Where focus goes when the confirmation closes: back to Apply, or to the result once applied. */
let afterConfirm = null;

byId('confirm-cancel').addEventListener('click', () => confirmDialog.close());
confirmDialog.addEventListener('close', () => {
  (afterConfirm ?? applyForm.querySelector('[type="submit"]')).focus();
  afterConfirm = null;
});

onClick(byId('confirm-apply'), byId('confirm-alert'), async () => {
  const result = await post(`/rounds/${round.id}/advancement/apply?limit=50`, {
    ...advancementBody(), notify: byId('apply-notify').checked, release_feedback: byId('apply-feedback').checked,
  });
  preview = result;
  remember(result.entries);
  remember(result.tied);
  previewRows = result.entries;
  previewCursor = result.next_cursor ?? null;
  await loadRanking();
  await renderPreview();
  afterConfirm = byId('preview-heading');
  confirmDialog.close();
});

// ---------------------------------------------------------------- start

const started = await startRoundPage({ current: 'ranking' });
if (started) {
  ({ round } = started);
  renderRule();
  showBody();
  await loadRanking();
  if (ranking) await runPreview({ focus: false });
}
