// The end of a contest, for organisers (?slug=): the declared ranking rule (final = w_jury ·
// jury score + w_public · vote share), the standings it gives with their ties, the awards
// proposed from the standings and changed by hand (each change with a reason), and the
// publication: its version, date, SHA-256 and what changed, publishing again, taking it down.
import { get, post, patch, del, showAlert, clearErrors, ApiError } from './api.js';
import { timeElement } from './dates.js';
import { invalid, showStatus } from './form.js';
import {
  byId, el, startPage, showBody, submitWith, onClick, goToLogin, isAuthError, badge,
} from './organiser-nav.js';
import { isNumber, none, plural, textCell } from './round-page.js';

const enc = encodeURIComponent;
/** Display only (the server keeps and exports full precision): at most 3 decimals, half to even. */
const decimals = new Intl.NumberFormat(undefined, { maximumFractionDigits: 3, roundingMode: 'halfEven' });
const weightFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 4 });
const counts = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });

let slug;
let challenge;
let rules = null;
let rounds = [];
let standings = null;
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
  return row.reference ?? `Entry ${row.entry_id}`;
}

/** "final = 0.8 × jury score + 0.2 × vote share", in words the organisers read. */
function formulaText(wJury, wPublic) {
  if (!isNumber(wJury) || !isNumber(wPublic)) return '';
  if (wJury === 0 && wPublic === 0) return 'The weights cannot both be 0.';
  const jury = `${weightFormat.format(wJury)} × jury score`;
  const votes = `${weightFormat.format(wPublic)} × vote share`;
  if (wPublic === 0) return `final = ${jury}: only the jury counts.`;
  if (wJury === 0) return `final = ${votes}: only the public vote counts.`;
  return `final = ${jury} + ${votes}.`;
}

function roundName(id) {
  return rounds.find((r) => r.id === id)?.name ?? `round ${id}`;
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
    el('option', { value: '', text: last ? `The last scoring round (now “${last.name}”)` : 'The last scoring round (there is none yet)' }),
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
  if (!isNumber(wJury) || wJury < 0 || wJury > 1) throw invalid('w-jury', 'Give a number from 0 to 1, for example 0.8.');
  if (!isNumber(wPublic) || wPublic < 0 || wPublic > 1) throw invalid('w-public', 'Give a number from 0 to 1, for example 0.2.');
  if (wJury === 0 && wPublic === 0) throw invalid('w-jury', 'The weights cannot both be 0.');
  const body = {
    jury_round_id: values['rule-round'] ? Number(values['rule-round']) : null,
    w_jury: wJury,
    w_public: wPublic,
    per_category: byId('per-category').checked,
    peoples_choice: byId('peoples-choice').checked,
  };
  const changed = Object.entries(body).some(([name, value]) => rules[name] !== value);
  if (!changed) {
    showStatus(ruleForm, 'Nothing to save: this is the rule in force.');
    return;
  }
  const reason = (values['rule-reason'] ?? '').trim();
  if (rules.frozen) {
    if (reason.length < 3) throw invalid('rule-reason', 'The rule is frozen: say why it changes, in a few words (at least 3 characters).');
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
  showStatus(ruleForm, 'Saved the ranking rule. The standings below follow it.');
  await loadStandings();
}, (path) => ({
  jury_round_id: 'rule-round', w_jury: 'w-jury', w_public: 'w-public', reason: 'rule-reason',
}[path] ?? null));

// ---------------------------------------------------------------- standings

async function loadStandings() {
  byId('standings-loading').textContent = 'Loading the standings…';
  showAlert(byId('standings-alert'), []);
  try {
    standings = await get(`${base()}/results/standings`);
  } catch (error) {
    if (isAuthError(error)) return goToLogin();
    showAlert(byId('standings-alert'), [`The standings could not be loaded: ${error.message}`]);
    return undefined;
  } finally {
    byId('standings-loading').textContent = '';
  }
  renderStandings();
  renderEntryChoices();
  return undefined;
}

/** How a tie-break set an entry apart from those with the same final score. */
function resolvedText(kind) {
  if (kind === 'criterion') {
    const round = rounds.find((r) => r.id === standings.jury_round_id);
    const names = (round?.tie_breaks ?? []).filter((t) => t.kind === 'criterion')
      .map((t) => round.criteria.find((c) => c.id === t.criterion_id)?.name).filter(Boolean);
    return names.length ? `the mean on ${names.map((n) => `“${n}”`).join(', then ')}` : 'a criterion';
  }
  if (kind === 'scorecards') return 'the number of scorecards';
  if (kind === 'organiser') return 'the organisers’ recorded order';
  return String(kind);
}

function tieCell(row, rows) {
  if (!isNumber(row.final)) return el('td', {}, none());
  const tied = rows.filter((other) => other !== row && other.final === row.final);
  if (!tied.length) return el('td', {}, none());
  const names = tied.map(entryName).join(', ');
  if (row.tie_resolved_by) {
    return el('td', { className: 'tie' }, `Tied with ${names}; separated by ${resolvedText(row.tie_resolved_by)}.`);
  }
  return el('td', { className: 'tie' }, el('strong', { text: `Tied with ${names}` }),
    '; the declared tie-breaks do not separate them, so they are listed by entry number. Decide with the awards (each change with its reason).');
}

function groupTable(key, rows, index) {
  const name = standings.rules.per_category ? (key || 'No category') : 'All entries';
  const captionId = `standings-caption-${index}`;
  const body = el('tbody', {}, ...rows.map((row) => el('tr', { 'data-entry-id': row.entry_id },
    el('td', { className: 'num', text: counts.format(row.position) }),
    el('th', { scope: 'row', text: entryName(row) }),
    el('td', { className: 'title', text: row.title || 'Untitled entry' }),
    numCell(row.jury),
    el('td', { className: 'num', text: counts.format(row.votes) }),
    numCell(row.share),
    el('td', { className: 'num final' }, isNumber(row.final) ? decimals.format(row.final) : none()),
    tieCell(row, rows))));
  return el('div', { className: 'standings-group', 'data-group': key },
    el('h3', { text: name }),
    el('div', { className: 'table-scroll', role: 'region', 'aria-labelledby': captionId, tabindex: '0' },
      el('table', { className: 'results-data standings' },
        el('caption', { id: captionId, text: `Standings: ${name}, best first` }),
        el('thead', {}, el('tr', {},
          el('th', { scope: 'col', className: 'num', text: 'Position' }),
          el('th', { scope: 'col', text: 'Reference' }),
          el('th', { scope: 'col', text: 'Title' }),
          el('th', { scope: 'col', className: 'num', text: 'Jury score (0–1)' }),
          el('th', { scope: 'col', className: 'num', text: 'Votes' }),
          el('th', { scope: 'col', className: 'num', text: 'Vote share (0–1)' }),
          el('th', { scope: 'col', className: 'num', text: 'Final score' }),
          el('th', { scope: 'col', text: 'Tie' }))),
        body)));
}

function renderStandings() {
  const saved = standings.rules;
  const explainer = byId('standings-explainer');
  const roundText = standings.jury_round_id ? `Jury round: “${roundName(standings.jury_round_id)}”.` : 'There is no scoring round, so only the public vote ranks the entries.';
  explainer.textContent = `Under the saved rule, ${formulaText(saved.w_jury, saved.w_public)} ${roundText} Numbers are shown to 3 decimals; the results table keeps them in full.`;
  const groups = Object.entries(standings.groups).filter(([, rows]) => rows.length);
  byId('standings-groups').replaceChildren(...groups.map(([key, rows], i) => groupTable(key, rows, i)));
  byId('standings-empty').hidden = groups.length > 0;
}

// ---------------------------------------------------------------- awards

const awardForm = byId('award-form');
const awardsAlert = byId('awards-alert');
const awardsStatus = byId('awards-status');

function standingRows() {
  const seen = new Map();
  for (const rows of Object.values(standings?.groups ?? {})) {
    for (const row of rows) if (!seen.has(row.entry_id)) seen.set(row.entry_id, row);
  }
  return [...seen.values()];
}

function renderEntryChoices() {
  const select = byId('award-entry');
  const chosen = select.value;
  const rows = standingRows();
  select.replaceChildren(
    el('option', { value: '', text: rows.length ? 'Choose an entry' : 'No entries in the standings yet' }),
    ...rows.map((row) => el('option', {
      value: row.entry_id,
      text: `${entryName(row)}: ${row.title || 'Untitled entry'}${row.category ? ` (${row.category})` : ''}`,
    })));
  if (rows.some((row) => String(row.entry_id) === chosen)) select.value = chosen;
}

function renderAwardCategories() {
  const categories = challenge.categories ?? [];
  byId('award-category').append(...categories.map((name) => el('option', { value: name, text: name })));
  byId('award-category-field').hidden = categories.length === 0;
}

byId('award-entry').addEventListener('change', () => {
  // Ranked by category, an award usually belongs to the entry's own category.
  const row = standingRows().find((r) => String(r.entry_id) === byId('award-entry').value);
  if (row && rules.per_category && (challenge.categories ?? []).includes(row.category)) byId('award-category').value = row.category;
});

byId('award-tier').addEventListener('change', () => {
  byId('award-label-field').hidden = byId('award-tier').value !== 'custom';
});

function renderAwards() {
  const rows = byId('award-rows');
  rows.replaceChildren(...awards.map((award) => {
    const remove = el('button', { type: 'button', className: 'button button-secondary button-small' },
      'Remove', el('span', { className: 'visually-hidden', text: ` “${award.tier_label}” from ${award.reference ?? `entry ${award.entry_id}`}` }));
    remove.addEventListener('click', () => openRemove(award, remove));
    const actions = el('div', { className: 'row-actions' }, remove);
    if (published) {
      actions.prepend(el('a', { href: `/certificate.html?award=${enc(award.id)}`, className: 'cert-link' },
        'Certificate', el('span', { className: 'visually-hidden', text: ` for ${award.reference ?? `entry ${award.entry_id}`}, ${award.tier_label}` })));
    }
    return el('tr', { 'data-award-id': award.id },
      el('th', { scope: 'row', text: award.tier_label }),
      textCell(award.category),
      el('td', {}, award.reference ?? `Entry ${award.entry_id}`, el('span', { className: 'cell-note', text: award.title || 'Untitled entry' })),
      el('td', {}, ...(award.override_reason
        ? [el('strong', { text: 'Added by hand: ' }), award.override_reason]
        : ['Proposed from the standings'])),
      el('td', {}, actions));
  }));
  byId('awards-table-wrap').hidden = awards.length === 0;
  byId('awards-empty').hidden = awards.length > 0;
  byId('propose-button').textContent = awards.length ? 'Propose again from the standings' : 'Propose from the standings';
}

async function reloadAwards() {
  awards = await get(`${base()}/awards`);
  renderAwards();
}

// Proposing replaces every award, so it is confirmed first.
const proposeDialog = byId('propose-dialog');
let proposeReturn = null;

byId('propose-button').addEventListener('click', () => {
  byId('propose-what').textContent = awards.length
    ? `The ${plural(awards.length, 'award')} listed ${awards.length === 1 ? 'is' : 'are'} replaced by those the standings propose: winner, second and third place, the finalists${rules.peoples_choice ? ' and the people’s choice' : ''}${rules.per_category ? ' in each category' : ''}. Awards added by hand go too. The change is kept in the audit log.`
    : `The standings propose winner, second and third place, the finalists${rules.peoples_choice ? ' and the people’s choice' : ''}${rules.per_category ? ' in each category' : ''}.`;
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
    ? `Proposed ${plural(awards.length, 'award')} from the standings.`
    : 'The standings propose no awards: no entry has a final score yet.';
  showAlert(awardsAlert, []);
  proposeReturn = byId('awards-heading');
  proposeDialog.close();
});

submitWith(awardForm, async (values) => {
  if (!values['award-entry']) throw invalid('award-entry', 'Choose the entry.');
  const tier = values['award-tier'];
  const label = (values['award-label'] ?? '').trim();
  if (tier === 'custom' && !label) throw invalid('award-label', 'Name the award.');
  const reason = (values['award-reason'] ?? '').trim();
  if (reason.length < 3) throw invalid('award-reason', 'Say why, in a few words (at least 3 characters).');
  const added = await post(`${base()}/awards`, {
    entry_id: Number(values['award-entry']),
    tier,
    label: tier === 'custom' ? label : '',
    category: values['award-category'] || null,
    reason,
  });
  awardForm.reset();
  byId('award-label-field').hidden = true;
  await reloadAwards();
  showStatus(awardForm, `Added “${added.tier_label}” for ${added.reference ?? `entry ${added.entry_id}`}.`);
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
  byId('remove-what').textContent = `“${award.tier_label}”${award.category ? ` in ${award.category}` : ''} for ${award.reference ?? `entry ${award.entry_id}`}: ${award.title || 'Untitled entry'}.`;
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
  if (reason.length < 3) throw invalid('remove-reason', 'Say why the award goes, in a few words (at least 3 characters).');
  const award = removing;
  await del(`${base()}/awards/${enc(award.id)}?reason=${enc(reason)}`);
  await reloadAwards();
  showStatus(awardForm, '');
  awardsStatus.textContent = `Removed “${award.tier_label}” from ${award.reference ?? `entry ${award.entry_id}`}.`;
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
    fact(facts, 'Status', badge('Published', 'open'));
    fact(facts, 'Version', counts.format(p.version));
    fact(facts, 'Published', timeElement(p.published_at));
    fact(facts, 'SHA-256 of the results table', el('code', { className: 'hash', id: 'current-sha', text: p.sha256 }));
    fact(facts, 'What changed', p.changes ? el('span', { className: 'pre', text: p.changes }) : 'This is the first version.');
    if (published.history.length) {
      fact(facts, 'Earlier versions', published.history.map((h) => `version ${h.version}`).join(', '));
    }
    box.replaceChildren(el('h3', { className: 'panel-title', text: 'Now published' }), facts,
      el('p', { className: 'link-row' },
        el('a', { href: `/results.html?slug=${enc(slug)}`, text: 'Open the public results page' }),
        el('a', { href: p.table_url, download: '', text: `Download the results table (CSV, version ${p.version})` }),
        el('a', { href: `/gallery.html?slug=${enc(slug)}`, text: 'Open the gallery' })));
  } else {
    fact(facts, 'Status', badge('Not published', 'quiet'));
    if (lastPublish) {
      const version = lastPublish.after?.version;
      fact(facts, 'Last version', `Version ${version ?? '?'}, published `, timeElement(lastPublish.created_at), '.');
      if (lastUnpublish && lastUnpublish.id > lastPublish.id) {
        fact(facts, 'Taken down', timeElement(lastUnpublish.created_at), lastUnpublish.reason ? `: ${lastUnpublish.reason}` : '.');
      }
    }
    box.replaceChildren(el('h3', { className: 'panel-title', text: 'Not published' }), facts,
      el('p', { className: 'muted', text: lastPublish ? 'The public results page, the table and the gallery are closed.' : 'Nothing has been published yet: the public sees no results.' }));
  }
  const exists = versionExists();
  byId('publish-heading').textContent = published ? 'Publish a new version' : 'Publish the results';
  byId('publish-button').textContent = published ? 'Publish a new version' : 'Publish the results';
  byId('publish-reason-label').textContent = exists ? 'Reason for this new version' : 'Reason for this version (optional)';
  byId('publish-reason-hint').textContent = exists
    ? 'Required: results were published before. Say why this version replaces them; the public page shows what changed.'
    : 'Not needed for the first version.';
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
    throw invalid('publish-reason', 'Results were published before: say why this version replaces them (at least 3 characters).');
  }
  if (reason && reason.length < 3) throw invalid('publish-reason', 'Give at least 3 characters, or leave it empty.');
  published = await post(`${base()}/results/publish`, reason ? { reason } : {});
  publishForm.reset();
  renderPublication();
  renderAwards();
  const p = published.publication;
  showStatus(publishForm, `Published version ${p.version}. SHA-256 of the results table: ${p.sha256}.`);
}, (path) => (path === 'reason' ? 'publish-reason' : null));

submitWith(unpublishForm, async (values) => {
  const reason = (values['unpublish-reason'] ?? '').trim();
  if (reason.length < 3) throw invalid('unpublish-reason', 'Say why, in a few words (at least 3 characters).');
  await post(`${base()}/results/unpublish`, { reason });
  unpublishForm.reset();
  await loadPublication();
  renderPublication();
  renderAwards();
  showStatus(publishForm, 'The results are taken down. Publishing again needs a reason.');
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
    else showAlert(byId('page-alert'), [`This page could not be loaded: ${error.message}`]);
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
