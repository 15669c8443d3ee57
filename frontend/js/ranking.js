// One round's ranking for organisers: the round's summary with its reliability (ICC), the
// entries in ranking order with disagreement flags and their scorecards (reopening one), each
// judge's statistics, and the advancement: the declared rule, a preview with its ties and
// overrides, and applying it.
import { get, post, showAlert, ApiError } from './api.js';
import { timeElement } from './dates.js';
import { invalid } from './form.js';
import {
  byId, el, showBody, submitWith, onClick, goToLogin, isAuthError, badge, fieldName,
} from './organiser-nav.js';
import {
  startRoundPage, num, numText, numCell, textCell, none, countText, plural, isNumber,
} from './round-page.js';

let round;
let ranking = null;
let preview = null;
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
const criterionName = (id) => criteria().find((c) => c.id === id)?.name ?? `criterion ${id}`;
const entryRow = (id) => ranking?.entries.find((e) => e.entry_id === id);
const entryName = (id) => entryRow(id)?.reference ?? preview?.entries.find((e) => e.entry_id === id)?.reference ?? `Entry ${id}`;

/** "1–10" for the round's shown scale, or "out of 100". */
function scaleText() {
  const scale = ranking?.scale;
  return scale ? `${numText(scale.min)}–${numText(scale.max)}` : 'out of 100';
}

function fact(list, term, ...value) {
  list.append(el('dt', { text: term }), el('dd', {}, ...value));
}

// ---------------------------------------------------------------- loading

async function loadRanking() {
  byId('ranking-loading').textContent = 'Loading the ranking…';
  showAlert(byId('ranking-load-alert'), []);
  try {
    ranking = await get(`/rounds/${round.id}/ranking`);
  } catch (error) {
    if (isAuthError(error)) return goToLogin();
    showAlert(byId('ranking-load-alert'), [`The ranking could not be loaded: ${error.message}`]);
    return undefined;
  } finally {
    byId('ranking-loading').textContent = '';
  }
  renderSummary();
  renderRanking();
  renderJudges();
  renderOverrideChoices();
  return undefined;
}

// ---------------------------------------------------------------- summary

function renderSummary() {
  const list = byId('summary');
  list.replaceChildren();
  fact(list, 'Scale', ranking.scale
    ? `Scores are on the round’s scale, ${scaleText()}.`
    : 'Scores are out of 100: the criteria use different scales.');
  fact(list, 'Ranked by', ranking.normalise
    ? 'The normalised score: each judge’s scores rescaled so harsh and lenient judges count alike.'
    : 'The raw mean of the submitted scorecards.');
  fact(list, 'Scorecards', countText(ranking.n));
  fact(list, 'Mean', num(ranking.mean));
  fact(list, 'SD', num(ranking.sd));
  const icc = ranking.icc;
  if (icc && isNumber(icc.value)) {
    fact(list, 'Agreement (ICC)', el('strong', { text: numText(icc.value) }),
      el('span', { className: 'cell-note', text: `From a = ${countText(icc.a)} entries, N = ${countText(icc.n)} scorecards, k0 = ${numText(icc.k0)} scorecards per entry.` }));
  } else {
    fact(list, 'Agreement (ICC)', 'Not enough scorecards',
      icc ? el('span', { className: 'cell-note', text: `a = ${countText(icc.a)} entries, N = ${countText(icc.n)} scorecards, k0 = ${numText(icc.k0)}.` }) : null);
  }
  if (isNumber(ranking.disagreement_share)) {
    fact(list, 'Disagreement', `An entry is flagged when its judges’ scores spread over more than ${numText(ranking.disagreement_share * 100)} % of the scale.`);
  }
}

// ---------------------------------------------------------------- the ranking table

function criterionDetails(entry) {
  const stats = entry.criteria ?? [];
  if (!stats.length) return el('td', {}, none());
  const list = el('dl', { className: 'kv' });
  for (const c of stats) {
    list.append(el('dt', { text: criterionName(c.criterion_id) }),
      el('dd', {}, num(c.mean), ` (n ${countText(c.n)}, SD `, num(c.sd), ')'));
  }
  return el('td', {}, el('details', { className: 'criteria' },
    el('summary', {}, 'Means', el('span', { className: 'visually-hidden', text: ` by criterion for ${entry.reference ?? `entry ${entry.entry_id}`}` })),
    list));
}

function agreementCell(entry) {
  if (!entry.disagreement) {
    return el('td', {}, entry.n >= 2 ? el('span', { className: 'muted', text: 'Within range' }) : none());
  }
  const add = el('button', { type: 'button', className: 'button button-secondary button-small' },
    'Add a judge', el('span', { className: 'visually-hidden', text: ` to ${entry.reference ?? `entry ${entry.entry_id}`}` }));
  onClick(add, rankingAlert, async () => {
    showAlert(rankingStatus, []);
    const made = await post(`/rounds/${round.id}/entries/${entry.entry_id}/extra-judge`);
    showAlert(rankingStatus, [`${made.judge_name} now also judges ${entry.reference ?? `entry ${entry.entry_id}`}.`]);
  });
  return el('td', {},
    el('span', { className: 'disagree' }, el('span', { 'aria-hidden': 'true', text: '⚠ ' }), 'Judges disagree'),
    el('span', { className: 'cell-note' }, 'Spread ', num(entry.spread)),
    add);
}

function renderRanking() {
  const ranksBy = ranking.normalise ? 'normalised' : 'raw mean';
  byId('score-header').replaceChildren('Ranking score', el('span', { className: 'th-note', text: ranksBy }));
  byId('ranking-explainer').textContent = `The round ranks by the ${ranksBy === 'normalised' ? 'normalised score' : 'raw mean'}; `
    + `scores are ${ranking.scale ? `on the scale ${scaleText()}` : 'out of 100'}. Entries without a submitted scorecard come last.`;
  const showAdvanced = ranking.entries.some((e) => e.advanced !== null && e.advanced !== undefined);
  byId('advanced-header').hidden = !showAdvanced;
  byId('ranking-rows').replaceChildren(...ranking.entries.map((e) => {
    const open = el('button', { type: 'button', className: 'button button-secondary button-small' },
      'Scorecards', el('span', { className: 'visually-hidden', text: ` of ${e.reference ?? `entry ${e.entry_id}`}` }));
    open.addEventListener('click', () => openScorecards(e, open));
    const range = isNumber(e.min) ? el('td', { className: 'num' }, num(e.min), '–', num(e.max)) : el('td', { className: 'num' }, none());
    let advanced = null;
    if (showAdvanced) {
      advanced = el('td', {}, e.advanced === true ? badge('Advanced', 'open') : e.advanced === false ? badge('Not advanced', 'quiet') : none());
    }
    return el('tr', { 'data-entry-id': e.entry_id },
      numCell(e.position),
      el('th', { scope: 'row', text: e.reference ?? `Entry ${e.entry_id}` }),
      textCell(e.title),
      textCell(e.category),
      numCell(e.n),
      numCell(e.mean), numCell(e.sd), range, numCell(e.normalised),
      el('td', { className: 'num score' }, num(e.score)),
      agreementCell(e),
      criterionDetails(e),
      advanced,
      el('td', {}, open));
  }));
  byId('ranking-empty').hidden = ranking.entries.length > 0;
  const scored = ranking.entries.filter((e) => e.n > 0).length;
  byId('ranking-count').textContent = `${plural(ranking.entries.length, 'entry', 'entries')}, ${countText(scored)} with scorecards.`;
}

// ---------------------------------------------------------------- judges

function renderJudges() {
  const { mean: m, sd: s } = ranking;
  const judges = [...ranking.judges].sort((a, b) => (a.mean ?? Infinity) - (b.mean ?? Infinity));
  byId('judge-rows').replaceChildren(...judges.map((j) => {
    const against = el('td');
    if (isNumber(j.mean) && isNumber(m)) {
      const difference = j.mean - m;
      let label = null;
      if (isNumber(s) && s > 0 && difference < -s / 2) label = el('strong', { className: 'harsh', text: 'Harsh' });
      if (isNumber(s) && s > 0 && difference > s / 2) label = el('strong', { className: 'lenient', text: 'Lenient' });
      against.append(...[label, label ? ' ' : null, num(difference, { sign: true })].filter(Boolean));
    } else {
      against.append(none());
    }
    return el('tr', {},
      el('th', { scope: 'row', text: j.display_name }),
      numCell(j.n), numCell(j.mean), against, numCell(j.sd), numCell(j.min), numCell(j.max),
      el('td', { text: j.normalised ? 'Yes' : 'No' }));
  }));
  byId('judges-empty').hidden = judges.length > 0;
}

// ---------------------------------------------------------------- scorecards of one entry

const scorecardsDialog = byId('scorecards-dialog');
const scorecardsBody = byId('scorecards-body');
let scorecardsOpener = null;
let scorecardsEntry = null;

const STATUS = { none: 'Not started', draft: 'Draft', submitted: 'Submitted' };

function scorecardValue(value) {
  if (value.na) return 'Not applicable';
  if (!isNumber(value.value)) return none();
  return num(value.value);
}

function scorecardItem(card) {
  const id = `scorecard-${card.id}`;
  const facts = el('dl', { className: 'kv' });
  const add = (term, ...value) => facts.append(el('dt', { text: term }), el('dd', {}, ...value));
  add('Score', num(card.score));
  const byCriterion = new Map((card.values ?? []).map((v) => [v.criterion_id, v]));
  for (const c of criteria()) {
    const value = byCriterion.get(c.id);
    add(c.name, value ? scorecardValue(value) : none(), el('span', { className: 'muted', text: ` (${numText(c.scale_min)}–${numText(c.scale_max)})` }));
  }
  add('Comment for organisers', card.comment ? el('span', { className: 'pre', text: card.comment }) : none());
  add('Feedback for the entrant', card.feedback ? el('span', { className: 'pre', text: card.feedback }) : none());
  add('Submitted', card.submitted_at ? timeElement(card.submitted_at) : none());
  if (card.reopen_reason) add('Reopened because', card.reopen_reason);

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
      el('label', { for: reasonId, text: `Why reopen ${card.judge_name}’s scorecard?` }),
      el('p', { className: 'hint', id: `${reasonId}-hint`, text: 'The judge sees this reason; they can then edit and submit again.' }),
      el('textarea', { id: reasonId, name: reasonId, rows: '2', maxlength: '500', 'aria-describedby': `${reasonId}-hint ${reasonId}-error` }),
      el('p', { className: 'field-error', id: `${reasonId}-error` })),
    el('p', { className: 'actions' }, el('button', { type: 'submit', className: 'button', text: 'Reopen the scorecard' })));
  const toggle = el('button', { type: 'button', className: 'button button-secondary', 'aria-expanded': 'false', 'aria-controls': form.id },
    'Reopen', el('span', { className: 'visually-hidden', text: ` ${card.judge_name}’s scorecard` }));
  toggle.addEventListener('click', () => {
    const opening = form.hidden;
    form.hidden = !opening;
    toggle.setAttribute('aria-expanded', String(opening));
    if (opening) byId(reasonId).focus();
  });
  submitWith(form, async (values) => {
    const reason = values[reasonId].trim();
    if (reason.length < 3) throw invalid(reasonId, 'Say why, in a few words (at least 3 characters).');
    await post(`/scorecards/${card.id}/reopen`, { reason });
    await showScorecards();
    showAlert(byId('scorecards-status'), [`${card.judge_name}’s scorecard is reopened: it is a draft again until they submit it.`]);
    byId('scorecards-heading').focus();
    loadRanking();
  }, (path) => (path === 'reason' ? reasonId : null));
  return el('div', { className: 'reopen' }, toggle, form);
}

async function showScorecards() {
  const entry = scorecardsEntry;
  byId('scorecards-loading').textContent = 'Loading the scorecards…';
  try {
    const cards = await get(`/rounds/${round.id}/entries/${entry.entry_id}/scorecards`);
    scorecardsBody.replaceChildren(cards.length
      ? el('ul', { className: 'cards' }, ...cards.map(scorecardItem))
      : el('p', { className: 'empty', text: 'No judge has saved a scorecard for this entry yet.' }));
  } catch (error) {
    if (isAuthError(error)) return goToLogin();
    showAlert(byId('scorecards-alert'), [`The scorecards could not be loaded: ${error.message}`]);
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
  const name = entry.reference ?? `entry ${entry.entry_id}`;
  byId('scorecards-heading').textContent = entry.title ? `Scorecards of ${name}: ${entry.title}` : `Scorecards of ${name}`;
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
    case 'top_n': return `The ${plural(rule.n, 'entry', 'entries')} with the highest scores advance${rule.n === 1 ? 's' : ''}.`;
    case 'top_n_per_category': return `In each category, the ${plural(rule.n, 'entry', 'entries')} with the highest scores advance${rule.n === 1 ? 's' : ''}.`;
    case 'threshold': return `Entries whose score reaches ${numText(rule.threshold)} (${ranking?.scale ? `on the scale ${scaleText()}` : 'out of 100'}) advance.`;
    case 'manual': return 'The organisers choose who advances: use overrides below.';
    default: return 'No rule is declared.';
  }
}

function tieBreakText(tie) {
  if (tie.kind === 'criterion') return `The higher mean on the criterion “${criterionName(tie.criterion_id)}”.`;
  if (tie.kind === 'scorecards') return 'More scorecards.';
  if (tie.kind === 'organiser') return 'Your recorded choice: you put the tied entries in order.';
  return tie.kind;
}

function renderRule(rule = round.advancement, ties = round.tie_breaks) {
  byId('rule-text').textContent = ruleText(rule);
  const list = byId('tie-breaks');
  // The server settles a tie nothing else separates by the organiser's recorded order.
  const all = ties.some((t) => t.kind === 'organiser') ? ties : [...ties, { kind: 'organiser' }];
  list.replaceChildren(...all.map((t) => el('li', { text: tieBreakText(t) })));
}

function resolvedText(how) {
  if (how === 'criterion') {
    const names = (preview?.tie_breaks ?? round.tie_breaks).filter((t) => t.kind === 'criterion').map((t) => `“${criterionName(t.criterion_id)}”`);
    return names.length ? `resolved by criterion ${names.join(', then ')}` : 'resolved by a criterion';
  }
  if (how === 'scorecards') return 'resolved by number of scorecards';
  if (how === 'organiser') return 'resolved by your choice';
  return 'the tie-breaks do not separate them';
}

// ---------------------------------------------------------------- overrides

const overrideForm = byId('override-form');

function renderOverrideChoices() {
  const select = byId('override-entry');
  const keep = select.value;
  select.replaceChildren(el('option', { value: '', text: 'Choose an entry' }),
    ...(ranking?.entries ?? []).map((e) => el('option', { value: e.entry_id, text: `${e.reference ?? `Entry ${e.entry_id}`}${e.title ? `: ${e.title}` : ''}` })));
  select.value = keep;
}

function renderOverrides() {
  byId('override-list').replaceChildren(...overrides.map((o) => {
    const remove = el('button', { type: 'button', className: 'button button-secondary button-small' },
      'Remove', el('span', { className: 'visually-hidden', text: ` the override for ${entryName(o.entry_id)}` }));
    remove.addEventListener('click', async () => {
      overrides = overrides.filter((x) => x.entry_id !== o.entry_id);
      renderOverrides();
      byId('override-entry').focus();
      await runPreview();
    });
    return el('li', { className: 'override' },
      el('span', {}, el('strong', { text: entryName(o.entry_id) }), o.advanced ? ' advances' : ' does not advance', `: ${o.reason}`),
      remove);
  }));
}

submitWith(overrideForm, async (values) => {
  if (!values['override-entry']) throw invalid('override-entry', 'Choose the entry.');
  const reason = values['override-reason'].trim();
  if (reason.length < 3) throw invalid('override-reason', 'Say why, in a few words (at least 3 characters).');
  const entryId = Number(values['override-entry']);
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
    label, el('span', { className: 'visually-hidden', text: ` ${entryName(group[index])}` }));
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
    const entry = preview.entries.find((e) => e.entry_id === id);
    return el('li', { className: 'tie-item' },
      el('span', { className: 'tie-name' }, el('strong', { text: entryName(id) }), entry?.title ? ` ${entry.title}` : '',
        el('span', { className: 'cell-note' }, 'Score ', num(entry?.score), `, ${plural(entry?.n ?? 0, 'scorecard')}`)),
      el('span', { className: 'tie-moves' }, moveButton('Move up', group, i, -1, container), moveButton('Move down', group, i, 1, container)));
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
      el('legend', { id: legendId, text: `Tied at the cut: ${group.map(entryName).join(', ')}` }),
      el('p', { className: 'hint', id: `tie-${n}-hint`, text: 'The tie-breaks could not separate these entries. Put them in order, best first; your order is recorded with the advancement.' }),
      el('ol', { className: 'tie-list' }));
    renderTieGroup(container, group);
    const record = el('button', { type: 'button', className: 'button', text: 'Use this order' });
    onClick(record, advancementAlert, async () => {
      recordedOrders = [...recordedOrders.filter((o) => tieKey(o) !== key), [...group]];
      await runPreview();
    });
    container.append(el('p', { className: 'actions' }, record));
    return container;
  }));
  if (groups.length) {
    box.prepend(el('p', { className: 'alert alert-note', text: `${plural(groups.length, 'tie')} at the cut still need${groups.length === 1 ? 's' : ''} your decision before the advancement can be applied.` }));
  }

  const recorded = byId('recorded-orders');
  recorded.replaceChildren();
  if (recordedOrders.length) {
    recorded.append(el('p', { className: 'hint', text: 'Your recorded order for tied entries:' }),
      el('ul', { className: 'plain overrides' }, ...recordedOrders.map((order) => {
        const forget = el('button', { type: 'button', className: 'button button-secondary button-small' },
          'Change', el('span', { className: 'visually-hidden', text: ` the order of ${order.map(entryName).join(', ')}` }));
        onClick(forget, advancementAlert, async () => {
          recordedOrders = recordedOrders.filter((o) => o !== order);
          await runPreview();
        });
        return el('li', { className: 'override' }, el('span', { text: order.map(entryName).join(', then ') }), forget);
      })));
  }
}

// ---------------------------------------------------------------- preview and apply

function advancementBody() {
  return { tie_order: recordedOrders.flat(), overrides };
}

function whyCell(entry) {
  if (entry.override_reason) return el('td', {}, el('strong', { text: 'Override: ' }), entry.override_reason);
  if (entry.by_rule) return el('td', { text: 'By the rule' });
  return el('td', { text: entry.advances ? 'By the rule' : 'Below the cut' });
}

function tieCell(entry) {
  if (!entry.tie) return el('td', {}, none());
  return el('td', {}, `Tied with ${entry.tie.with.map(entryName).join(', ')}; `,
    entry.tie.resolved_by ? resolvedText(entry.tie.resolved_by) : el('strong', { text: resolvedText(null) }), '.');
}

function renderPreview() {
  byId('preview').hidden = false;
  renderRule(preview.rule, preview.tie_breaks);
  const total = preview.entries.length;
  byId('preview-summary').textContent = `${plural(preview.advancing, 'entry', 'entries')} of ${countText(total)} advance${preview.advancing === 1 ? 's' : ''}`
    + `${overrides.length ? `, with ${plural(overrides.length, 'override')}` : ''}.`;
  renderApplied();
  renderUnresolved();
  byId('preview-rows').replaceChildren(...preview.entries.map((e) => el('tr', { 'data-entry-id': e.entry_id },
    numCell(e.position),
    el('th', { scope: 'row' }, e.reference ?? `Entry ${e.entry_id}`, e.title ? el('span', { className: 'cell-note', text: e.title }) : null),
    textCell(e.category),
    numCell(e.score), numCell(e.n),
    el('td', {}, e.advances ? badge('Advances', 'open') : badge('Does not advance', 'quiet')),
    whyCell(e),
    tieCell(e))));
}

/** When the advancement was applied: when, who advanced (from the ranking), and whether the
 * preview on the page still matches it (overrides and tie orders live only on this page). */
function renderApplied() {
  const applied = byId('applied');
  applied.replaceChildren();
  if (!preview?.applied_at) return;
  applied.append(el('p', {}, 'Applied on ', timeElement(preview.applied_at), '. ',
    preview.feedback_released ? 'The judges’ feedback is released to entrants.' : 'The judges’ feedback is not released.'));
  const decided = (ranking?.entries ?? []).filter((e) => e.advanced !== null && e.advanced !== undefined);
  if (!decided.length) return;
  const advanced = decided.filter((e) => e.advanced);
  applied.append(el('p', {}, `${plural(advanced.length, 'entry', 'entries')} advanced`,
    advanced.length ? `: ${advanced.map((e) => e.reference ?? `entry ${e.entry_id}`).join(', ')}.` : '.'));
  const differs = preview.entries.some((e) => {
    const was = decided.find((d) => d.entry_id === e.entry_id);
    return was && was.advanced !== e.advances;
  });
  if (differs) {
    applied.append(el('p', { text: 'The preview below differs from what was applied: it starts from the rule with the overrides and tie order on this page. Apply again only to change the decision.' }));
  }
}

async function runPreview({ focus = true } = {}) {
  byId('preview-loading').textContent = 'Working out who advances…';
  showAlert(advancementAlert, []);
  try {
    preview = await post(`/rounds/${round.id}/advancement/preview`, advancementBody());
    renderPreview();
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
  if (!preview) throw new ApiError({ code: 'invalid', message: 'Preview the advancement first.' });
  const notify = byId('apply-notify').checked;
  const release = byId('apply-feedback').checked;
  const staying = preview.entries.length - preview.advancing;
  byId('confirm-what').replaceChildren(
    el('li', { text: `${plural(preview.advancing, 'entry', 'entries')} advance${preview.advancing === 1 ? 's' : ''}; ${countText(staying)} do${staying === 1 ? 'es' : ''} not.` }),
    el('li', { text: overrides.length ? `${plural(overrides.length, 'override')}, with their reasons, go into the audit log.` : 'No overrides.' }),
    el('li', { text: notify ? 'Entrants are told by e-mail.' : 'Entrants are not told by e-mail.' }),
    el('li', { text: release ? 'The judges’ feedback is released to entrants.' : 'The judges’ feedback stays with the organisers.' }));
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
  const result = await post(`/rounds/${round.id}/advancement/apply`, {
    ...advancementBody(), notify: byId('apply-notify').checked, release_feedback: byId('apply-feedback').checked,
  });
  preview = result;
  await loadRanking();
  renderPreview();
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
