// The end of a contest, for organisers (?slug=): the declared ranking rule (final = w_jury ·
// jury score + w_public · vote share), the standings it gives with their ties, the awards
// proposed from the standings and changed by hand (each change with a reason), and the
// publication: its version, date, SHA-256 and what changed, publishing again, taking it down.
import { get, post, patch, del, showAlert, clearErrors, ApiError } from './api.js';
import { timeElement } from './dates.js';
import { invalid, oneByReference, showStatus } from './form.js';
import {
  byId, el, startPage, showBody, submitWith, onClick, goToLogin, isAuthError, badge, focusFirstAdded,
} from './organiser-nav.js';
import { isNumber, none, textCell } from './round-page.js';
import { formatNumber, t, tParts, useCatalogues } from './i18n.js';

await useCatalogues('awards');

const enc = encodeURIComponent;
/** Display only (the server keeps and exports full precision): at most 3 decimals, half to even. */
const decimals = { format: (value) => formatNumber(value, { maximumFractionDigits: 3, roundingMode: 'halfEven' }) };
const weightFormat = { format: (value) => formatNumber(value, { maximumFractionDigits: 4 }) };
const counts = { format: (value) => formatNumber(value, { maximumFractionDigits: 0 }) };
const untitled = (title) => title || t('awards.results.untitled');
/** An award's entry in a sentence: its reference, or "entry 12". */
const inlineName = (item) => item.reference ?? t('awards.results.entry_id_inline', { id: item.entry_id });
const quoted = (name) => t('awards.results.quoted', { name });

// The rule's explainer holds the formula (its words translated in place by data-i18n).
const ruleExplainer = byId('rule-explainer');
ruleExplainer.replaceChildren(...tParts('awards.results.rule.explainer', { formula: ruleExplainer.querySelector('.formula') }));

let slug;
let challenge;
let rules = null;
let rounds = [];
/** The standings' rule and totals, and each group's rows shown so far and next cursor. */
let standings = null;
const shownRows = new Map();
const groupCursors = new Map();
const PAGE = 50;
let awards = [];
/** The published results (the public page's data), or null when none are published. */
let published = null;
/** The latest results.publish and results.unpublish audit events, read when nothing is published. */
let lastPublish = null;
let lastUnpublish = null;

const base = () => `/challenges/${enc(slug)}`;

function numCell(value) {
  return el('td', { className: 'num' }, isNumber(value) ? decimals.format(value) : none());
}

function entryName(row) {
  return row.reference ?? t('awards.results.entry_id', { id: row.entry_id });
}

/** "final = 0.8 × jury score + 0.2 × vote share", in words the organisers read. */
function formulaText(wJury, wPublic) {
  if (!isNumber(wJury) || !isNumber(wPublic)) return '';
  if (wJury === 0 && wPublic === 0) return t('awards.results.rule.both_zero');
  const jury = weightFormat.format(wJury);
  const votes = weightFormat.format(wPublic);
  if (wPublic === 0) return t('awards.results.formula.jury_only', { jury });
  if (wJury === 0) return t('awards.results.formula.public_only', { votes });
  return t('awards.results.formula.both', { jury, votes });
}

function roundName(id) {
  return rounds.find((r) => r.id === id)?.name ?? t('awards.results.round_id', { id });
}

// ---------------------------------------------------------------- the ranking rule

const ruleForm = byId('rule-form');

function renderFrozen() {
  byId('frozen-note').hidden = !rules.frozen;
  byId('rule-reason-field').hidden = !rules.frozen;
}

function renderRuleForm() {
  const select = byId('rule-round');
  const last = rounds.at(-1);
  select.replaceChildren(
    el('option', { value: '', text: last ? t('awards.results.rule.last_round', { name: last.name }) : t('awards.results.rule.last_round_none') }),
    ...rounds.map((r) => el('option', { value: r.id, text: r.name })));
  select.value = rules.jury_round_id === null ? '' : String(rules.jury_round_id);
  byId('w-jury').value = String(rules.w_jury);
  byId('w-public').value = String(rules.w_public);
  byId('per-category').checked = rules.per_category;
  byId('peoples-choice').checked = rules.peoples_choice;
  // Ranking by category only means something when the call has categories.
  byId('per-category').closest('.check').hidden = !(challenge.categories?.length || rules.per_category);
  byId('rule-reason').value = '';
  renderFrozen();
  renderFormula();
}

function weightValue(name) {
  const text = byId(name).value.trim();
  return text === '' ? NaN : Number(text);
}

function renderFormula() {
  byId('formula-preview').textContent = formulaText(weightValue('w-jury'), weightValue('w-public'));
}

byId('w-jury').addEventListener('input', renderFormula);
byId('w-public').addEventListener('input', renderFormula);

submitWith(ruleForm, async (values) => {
  const wJury = weightValue('w-jury');
  const wPublic = weightValue('w-public');
  if (!isNumber(wJury) || wJury < 0 || wJury > 1) throw invalid('w-jury', t('awards.results.rule.weight_range', { example: formatNumber(0.8) }));
  if (!isNumber(wPublic) || wPublic < 0 || wPublic > 1) throw invalid('w-public', t('awards.results.rule.weight_range', { example: formatNumber(0.2) }));
  if (wJury === 0 && wPublic === 0) throw invalid('w-jury', t('awards.results.rule.both_zero'));
  const body = {
    jury_round_id: values['rule-round'] ? Number(values['rule-round']) : null,
    w_jury: wJury,
    w_public: wPublic,
    per_category: byId('per-category').checked,
    peoples_choice: byId('peoples-choice').checked,
  };
  const changed = Object.entries(body).some(([name, value]) => rules[name] !== value);
  if (!changed) {
    showStatus(ruleForm, t('awards.results.rule.unchanged'));
    return;
  }
  const reason = (values['rule-reason'] ?? '').trim();
  if (rules.frozen) {
    if (reason.length < 3) throw invalid('rule-reason', t('awards.results.rule.frozen_say_why'));
    body.reason = reason;
  }
  try {
    rules = await patch(`${base()}/results/rules`, body);
  } catch (error) {
    // Voting or the round opened while this page was open: ask for the reason, keep the rest.
    if (error instanceof ApiError && error.code === 'results_rules_frozen') {
      rules.frozen = true;
      renderFrozen();
    }
    throw error;
  }
  renderRuleForm();
  showStatus(ruleForm, t('awards.results.rule.saved'));
  await loadStandings();
}, (path) => ({
  jury_round_id: 'rule-round', w_jury: 'w-jury', w_public: 'w-public', reason: 'rule-reason',
}[path] ?? null));

// ---------------------------------------------------------------- standings

async function loadStandings() {
  byId('standings-loading').textContent = t('awards.results.standings.loading');
  showAlert(byId('standings-alert'), []);
  try {
    standings = await get(`${base()}/results/standings?limit=${PAGE}`);
  } catch (error) {
    if (isAuthError(error)) return goToLogin();
    showAlert(byId('standings-alert'), [t('awards.results.standings.load_failed', { message: error.message })]);
    return undefined;
  } finally {
    byId('standings-loading').textContent = '';
  }
  shownRows.clear();
  groupCursors.clear();
  for (const [key, rows] of Object.entries(standings.groups)) {
    shownRows.set(key, rows);
    groupCursors.set(key, standings.next_cursors?.[key] ?? null);
  }
  renderStandings();
  return undefined;
}

/** The next page of one group, drawn under its rows; the keyboard goes to the first added. */
async function moreOf(key, container, button) {
  button.disabled = true;
  showAlert(byId('standings-alert'), []);
  try {
    const query = new URLSearchParams({ limit: String(PAGE), group: key, cursor: groupCursors.get(key) });
    const page = await get(`${base()}/results/standings?${query}`);
    const added = page.groups[key] ?? [];
    const rows = [...shownRows.get(key), ...added];
    shownRows.set(key, rows);
    groupCursors.set(key, page.next_cursors?.[key] ?? null);
    const drawn = added.map((row) => standingRow(row, rows));
    container.querySelector('tbody').append(...drawn);
    groupCount(key, container);
    focusFirstAdded(drawn);
  } catch (error) {
    if (isAuthError(error)) return goToLogin();
    showAlert(byId('standings-alert'), [t('awards.results.standings.load_failed', { message: error.message })]);
  } finally {
    button.disabled = false;
  }
  return undefined;
}

function groupCount(key, container) {
  container.querySelector('.group-count').textContent = t('awards.results.standings.shown', {
    shown: counts.format(shownRows.get(key).length), count: standings.group_totals?.[key] ?? shownRows.get(key).length,
  });
  container.querySelector('.group-more').hidden = !groupCursors.get(key);
}

/** How a tie-break set an entry apart from those with the same final score. */
function resolvedText(kind) {
  if (kind === 'criterion') {
    const round = rounds.find((r) => r.id === standings.jury_round_id);
    const names = (round?.tie_breaks ?? []).filter((t) => t.kind === 'criterion')
      .map((t) => round.criteria.find((c) => c.id === t.criterion_id)?.name).filter(Boolean);
    return names.length
      ? t('awards.results.tie.by_mean', { criteria: names.map(quoted).reduce((first, second) => t('awards.results.then', { first, second })) })
      : t('awards.results.tie.by_a_criterion');
  }
  if (kind === 'scorecards') return t('awards.results.tie.by_scorecards');
  if (kind === 'organiser') return t('awards.results.tie.by_organisers');
  return String(kind);
}

function tieCell(row, rows) {
  if (!isNumber(row.final)) return el('td', {}, none());
  const tied = rows.filter((other) => other !== row && other.final === row.final);
  if (!tied.length) return el('td', {}, none());
  const names = tied.map(entryName).join(', ');
  if (row.tie_resolved_by) {
    return el('td', { className: 'tie' }, t('awards.results.tie.separated', { entries: names, how: resolvedText(row.tie_resolved_by) }));
  }
  return el('td', { className: 'tie' }, ...tParts('awards.results.tie.unresolved', {
    tied: el('strong', { text: t('awards.results.tie.tied_with', { entries: names }) }),
  }));
}

function standingRow(row, rows) {
  return el('tr', { 'data-entry-id': row.entry_id },
    el('td', { className: 'num', text: counts.format(row.position) }),
    el('th', { scope: 'row', text: entryName(row) }),
    el('td', { className: 'title', text: untitled(row.title) }),
    numCell(row.jury),
    el('td', { className: 'num', text: counts.format(row.votes) }),
    numCell(row.share),
    el('td', { className: 'num final' }, isNumber(row.final) ? decimals.format(row.final) : none()),
    tieCell(row, rows));
}

function groupTable(key, rows, index) {
  const name = standings.rules.per_category ? (key || t('awards.results.standings.no_category')) : t('awards.results.standings.all_entries');
  const captionId = `standings-caption-${index}`;
  const body = el('tbody', {}, ...rows.map((row) => standingRow(row, rows)));
  const more = el('button', { type: 'button', className: 'button button-secondary group-more' },
    t('awards.results.standings.more'), ' ',
    el('span', { className: 'visually-hidden', text: t('awards.results.standings.more_of', { name }) }));
  const container = el('div', { className: 'standings-group', 'data-group': key },
    el('h3', { text: name }),
    el('div', { className: 'table-scroll', role: 'region', 'aria-labelledby': captionId, tabindex: '0' },
      el('table', { className: 'results-data standings' },
        el('caption', { id: captionId, text: t('awards.results.standings.caption', { name }) }),
        el('thead', {}, el('tr', {},
          el('th', { scope: 'col', className: 'num', text: t('awards.results.standings.position') }),
          el('th', { scope: 'col', text: t('awards.results.standings.reference') }),
          el('th', { scope: 'col', text: t('awards.results.standings.title') }),
          el('th', { scope: 'col', className: 'num', text: t('awards.results.standings.jury') }),
          el('th', { scope: 'col', className: 'num', text: t('awards.results.standings.votes') }),
          el('th', { scope: 'col', className: 'num', text: t('awards.results.standings.share') }),
          el('th', { scope: 'col', className: 'num', text: t('awards.results.standings.final') }),
          el('th', { scope: 'col', text: t('awards.results.standings.tie') }))),
        body)),
    el('p', { className: 'muted group-count' }),
    el('p', {}, more));
  more.addEventListener('click', () => moreOf(key, container, more));
  groupCount(key, container);
  return container;
}

function renderStandings() {
  const saved = standings.rules;
  const explainer = byId('standings-explainer');
  const roundText = standings.jury_round_id
    ? t('awards.results.standings.jury_round', { name: roundName(standings.jury_round_id) })
    : t('awards.results.standings.no_round');
  explainer.textContent = t('awards.results.standings.explainer', { formula: formulaText(saved.w_jury, saved.w_public), round: roundText });
  const groups = Object.entries(standings.groups).filter(([, rows]) => rows.length);
  byId('standings-groups').replaceChildren(...groups.map(([key, rows], i) => groupTable(key, rows, i)));
  byId('standings-empty').hidden = groups.length > 0;
}

// ---------------------------------------------------------------- awards

const awardForm = byId('award-form');
const awardsAlert = byId('awards-alert');
const awardsStatus = byId('awards-status');

/** The call's entry with this reference (or the one entry it is part of), asked of the
 * server: the page holds only the standings shown. */
async function entryByReference(text) {
  const found = (await get(`${base()}/entries?${new URLSearchParams({ q: text, limit: '20' })}`)).items;
  return oneByReference(found, text, 'award-entry', {
    notFound: t('awards.results.award.not_found', { reference: text }),
    several: t('awards.results.award.several', { reference: text }),
  });
}

function renderAwardCategories() {
  const categories = challenge.categories ?? [];
  byId('award-category').append(...categories.map((name) => el('option', { value: name, text: name })));
  byId('award-category-field').hidden = categories.length === 0;
}

byId('award-entry').addEventListener('change', async () => {
  // Ranked by category, an award usually belongs to the entry's own category.
  const text = byId('award-entry').value.trim();
  if (!text || !rules.per_category) return;
  try {
    const entry = await entryByReference(text);
    if ((challenge.categories ?? []).includes(entry.category)) byId('award-category').value = entry.category;
  } catch {
    // Not found or not one entry yet: the form says so when it is sent.
  }
});

byId('award-tier').addEventListener('change', () => {
  byId('award-label-field').hidden = byId('award-tier').value !== 'custom';
});

function renderAwards() {
  const rows = byId('award-rows');
  rows.replaceChildren(...awards.map((award) => {
    const remove = el('button', { type: 'button', className: 'button button-secondary button-small' },
      t('awards.results.awards.remove'), ' ',
      el('span', { className: 'visually-hidden', text: t('awards.results.awards.remove_what', { award: award.tier_label, entry: inlineName(award) }) }));
    remove.addEventListener('click', () => openRemove(award, remove));
    const actions = el('div', { className: 'row-actions' }, remove);
    if (published) {
      actions.prepend(el('a', { href: `/certificate.html?award=${enc(award.id)}`, className: 'cert-link' },
        t('awards.results.awards.certificate'), ' ',
        el('span', { className: 'visually-hidden', text: t('awards.results.awards.certificate_for', { entry: inlineName(award), award: award.tier_label }) })));
    }
    return el('tr', { 'data-award-id': award.id },
      el('th', { scope: 'row', text: award.tier_label }),
      textCell(award.category),
      el('td', {}, entryName(award), el('span', { className: 'cell-note', text: untitled(award.title) })),
      el('td', {}, ...(award.override_reason
        ? tParts('awards.results.awards.by_hand', { label: el('strong', { text: t('awards.results.awards.by_hand_label') }), reason: award.override_reason })
        : [t('awards.results.awards.proposed')])),
      el('td', {}, actions));
  }));
  byId('awards-table-wrap').hidden = awards.length === 0;
  byId('awards-empty').hidden = awards.length > 0;
  byId('propose-button').textContent = awards.length ? t('awards.results.awards.propose_again') : t('awards.results.awards.propose');
}

async function reloadAwards() {
  awards = await get(`${base()}/awards`);
  renderAwards();
}

// Proposing replaces every award, so it is confirmed first.
const proposeDialog = byId('propose-dialog');
let proposeReturn = null;

byId('propose-button').addEventListener('click', () => {
  const proposed = t(`awards.results.propose.what.${rules.peoples_choice ? 'peoples_choice' : 'plain'}${rules.per_category ? '_per_category' : ''}`);
  byId('propose-what').textContent = awards.length
    ? t('awards.results.propose.replaces', { count: awards.length, proposed })
    : t('awards.results.propose.first', { proposed });
  showAlert(byId('propose-alert'), []);
  proposeReturn = byId('propose-button');
  proposeDialog.showModal();
  byId('propose-heading').focus();
});
byId('propose-cancel').addEventListener('click', () => proposeDialog.close());
proposeDialog.addEventListener('close', () => {
  proposeReturn?.focus();
  proposeReturn = null;
});

onClick(byId('propose-confirm'), byId('propose-alert'), async () => {
  awards = await post(`${base()}/awards/propose`);
  renderAwards();
  awardsStatus.textContent = awards.length
    ? t('awards.results.propose.done', { count: awards.length })
    : t('awards.results.propose.none');
  showAlert(awardsAlert, []);
  proposeReturn = byId('awards-heading');
  proposeDialog.close();
});

submitWith(awardForm, async (values) => {
  const reference = values['award-entry'].trim();
  if (!reference) throw invalid('award-entry', t('awards.results.award.choose_the_entry'));
  const tier = values['award-tier'];
  const label = (values['award-label'] ?? '').trim();
  if (tier === 'custom' && !label) throw invalid('award-label', t('awards.results.award.name_it'));
  const reason = (values['award-reason'] ?? '').trim();
  if (reason.length < 3) throw invalid('award-reason', t('awards.results.say_why'));
  const entry = await entryByReference(reference);
  const added = await post(`${base()}/awards`, {
    entry_id: entry.id,
    tier,
    label: tier === 'custom' ? label : '',
    category: values['award-category'] || null,
    reason,
  });
  awardForm.reset();
  byId('award-label-field').hidden = true;
  await reloadAwards();
  showStatus(awardForm, t('awards.results.award.added', { award: added.tier_label, entry: inlineName(added) }));
}, (path) => ({
  entry_id: 'award-entry', tier: 'award-tier', label: 'award-label', category: 'award-category', reason: 'award-reason',
}[path] ?? null));

// Removing an award asks for the reason in a dialog.
const removeDialog = byId('remove-dialog');
const removeForm = byId('remove-form');
let removing = null;
let removeReturn = null;

function openRemove(award, button) {
  removing = award;
  removeReturn = button;
  removeForm.reset();
  clearErrors(removeForm);
  byId('remove-what').textContent = award.category
    ? t('awards.results.remove.what_category', { award: award.tier_label, category: award.category, entry: inlineName(award), title: untitled(award.title) })
    : t('awards.results.remove.what', { award: award.tier_label, entry: inlineName(award), title: untitled(award.title) });
  removeDialog.showModal();
  byId('remove-reason').focus();
}

byId('remove-cancel').addEventListener('click', () => removeDialog.close());
removeDialog.addEventListener('close', () => {
  (removeReturn?.isConnected ? removeReturn : byId('awards-heading')).focus();
  removeReturn = null;
});

submitWith(removeForm, async (values) => {
  const reason = (values['remove-reason'] ?? '').trim();
  if (reason.length < 3) throw invalid('remove-reason', t('awards.results.remove.say_why'));
  const award = removing;
  await del(`${base()}/awards/${enc(award.id)}?reason=${enc(reason)}`);
  await reloadAwards();
  showStatus(awardForm, '');
  awardsStatus.textContent = t('awards.results.remove.done', { award: award.tier_label, entry: inlineName(award) });
  removeReturn = null;
  removeDialog.close();
}, (path) => (path === 'reason' ? 'remove-reason' : null));

// ---------------------------------------------------------------- publication

const publishForm = byId('publish-form');
const unpublishForm = byId('unpublish-form');

const versionExists = () => Boolean(published || lastPublish);

function fact(list, term, ...value) {
  list.append(el('dt', { text: term }), el('dd', {}, ...value));
}

function renderPublication() {
  const box = byId('publication-state');
  const facts = el('dl', { className: 'facts publication-facts' });
  if (published) {
    const p = published.publication;
    fact(facts, t('awards.results.publication.status'), badge(t('awards.results.publication.published'), 'open'));
    fact(facts, t('awards.results.publication.version'), counts.format(p.version));
    fact(facts, t('awards.results.publication.published_at'), timeElement(p.published_at));
    fact(facts, t('awards.results.publication.sha'), el('code', { className: 'hash', id: 'current-sha', text: p.sha256 }));
    fact(facts, t('awards.results.publication.changes'), p.changes ? el('span', { className: 'pre', text: p.changes }) : t('awards.results.publication.first_version'));
    if (published.history.length) {
      fact(facts, t('awards.results.publication.earlier'), published.history.map((h) => t('awards.results.publication.version_n', { version: h.version })).join(', '));
    }
    box.replaceChildren(el('h3', { className: 'panel-title', text: t('awards.results.publication.now_published') }), facts,
      el('p', { className: 'link-row' },
        el('a', { href: `/results.html?slug=${enc(slug)}`, text: t('awards.results.publication.open_public') }),
        el('a', { href: p.table_url, download: '', text: t('awards.results.publication.download', { version: p.version }) }),
        el('a', { href: `/gallery.html?slug=${enc(slug)}`, text: t('awards.results.publication.open_gallery') })));
  } else {
    fact(facts, t('awards.results.publication.status'), badge(t('awards.results.publication.not_published'), 'quiet'));
    if (lastPublish) {
      const version = lastPublish.after?.version;
      fact(facts, t('awards.results.publication.last_version'),
        ...tParts('awards.results.publication.last_version_when', { version: version ?? '?', time: timeElement(lastPublish.created_at) }));
      if (lastUnpublish && lastUnpublish.id > lastPublish.id) {
        fact(facts, t('awards.results.publication.taken_down'), ...(lastUnpublish.reason
          ? tParts('awards.results.publication.taken_down_why', { time: timeElement(lastUnpublish.created_at), reason: lastUnpublish.reason })
          : tParts('awards.results.publication.taken_down_when', { time: timeElement(lastUnpublish.created_at) })));
      }
    }
    box.replaceChildren(el('h3', { className: 'panel-title', text: t('awards.results.publication.not_published') }), facts,
      el('p', { className: 'muted', text: lastPublish ? t('awards.results.publication.closed') : t('awards.results.publication.never') }));
  }
  const exists = versionExists();
  byId('publish-heading').textContent = published ? t('awards.results.publish.again') : t('awards.results.publish.first');
  byId('publish-button').textContent = published ? t('awards.results.publish.again') : t('awards.results.publish.first');
  byId('publish-reason-label').textContent = exists ? t('awards.results.publish.reason_new') : t('awards.results.publish.reason_optional');
  byId('publish-reason-hint').textContent = exists ? t('awards.results.publish.reason_new_hint') : t('awards.results.publish.reason_first_hint');
  unpublishForm.hidden = !published;
}

async function loadPublication() {
  try {
    published = await get(`${base()}/results`);
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 404)) throw error;
    published = null;
  }
  lastPublish = null;
  lastUnpublish = null;
  if (!published) {
    // Whether an earlier version exists (publishing again then needs a reason) is in the audit log.
    const [pub, unpub] = await Promise.all([
      get(`${base()}/audit?action=results.publish&limit=1`),
      get(`${base()}/audit?action=results.unpublish&limit=1`),
    ]);
    [lastPublish = null] = pub.items;
    [lastUnpublish = null] = unpub.items;
  }
}

submitWith(publishForm, async (values) => {
  const reason = (values['publish-reason'] ?? '').trim();
  if (versionExists() && reason.length < 3) {
    throw invalid('publish-reason', t('awards.results.publish.say_why'));
  }
  if (reason && reason.length < 3) throw invalid('publish-reason', t('awards.results.publish.too_short'));
  published = await post(`${base()}/results/publish`, reason ? { reason } : {});
  publishForm.reset();
  renderPublication();
  renderAwards();
  const p = published.publication;
  showStatus(publishForm, t('awards.results.publish.done', { version: p.version, sha256: p.sha256 }));
}, (path) => (path === 'reason' ? 'publish-reason' : null));

submitWith(unpublishForm, async (values) => {
  const reason = (values['unpublish-reason'] ?? '').trim();
  if (reason.length < 3) throw invalid('unpublish-reason', t('awards.results.say_why'));
  await post(`${base()}/results/unpublish`, { reason });
  unpublishForm.reset();
  await loadPublication();
  renderPublication();
  renderAwards();
  showStatus(publishForm, t('awards.results.unpublish.done'));
  byId('publication-heading').focus();
}, (path) => (path === 'reason' ? 'unpublish-reason' : null));

// ---------------------------------------------------------------- start

const started = await startPage({ current: 'results', organiserOnly: true });
if (started) {
  ({ slug, challenge } = started);
  try {
    [rules, rounds, awards] = await Promise.all([
      get(`${base()}/results/rules`),
      get(`${base()}/rounds`),
      get(`${base()}/awards`),
      loadPublication(),
    ]);
  } catch (error) {
    rules = null;
    if (isAuthError(error)) goToLogin();
    else showAlert(byId('page-alert'), [t('awards.results.load_failed', { message: error.message })]);
    byId('page-loading').textContent = '';
  }
  if (rules) {
    renderRuleForm();
    renderAwardCategories();
    renderAwards();
    renderPublication();
    showBody();
    await loadStandings();
  }
}
