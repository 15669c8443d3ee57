// A call's evaluation dashboard (DOMAIN.md "Monitoring and evaluation"): the funnel, where the
// entries come from, breakdowns, participants, submissions per day, judging, the public vote,
// and the reach and costs the organisers enter. Every chart comes with a table of its figures.
import { get, put, showAlert } from './api.js';
import { showStatus, invalid } from './form.js';
import { byId, el, field, startPage, showBody, submitWith, isAuthError, goToLogin } from './organiser-nav.js';
import { formatDateTime, formatCallTime } from './dates.js';
import { bars, columns, legend, table, figure, count, share, money, day } from './charts.js';
import { formatNumber, language, locale, t, tParts, useCatalogues } from './i18n.js';
import { perspectiveLabel } from './perspectives.js';

await useCatalogues('dashboard');

/** The text for a key of this page (dashboard.dashboard.<key>). */
const say = (key, vars) => t(`dashboard.dashboard.${key}`, vars);
/** Pairs [key, label] for keys whose label is dashboard.dashboard.<prefix>.<key>. */
const labelled = (prefix, keys) => keys.map((key) => [key, say(`${prefix}.${key}`)]);

const STATES = labelled('states', ['started', 'draft', 'submitted', 'pending', 'eligible', 'ineligible', 'withdrawn']);
const CHANNELS = Object.fromEntries(labelled('channel', ['web', 'email', 'paper', 'whatsapp', 'sms', 'in_person', 'drop_box']));
const VOTES = [
  { name: say('votes.counted'), className: 'chart-bar' },
  { name: say('votes.held'), className: 'chart-held' },
  { name: say('votes.discarded'), className: 'chart-discarded' },
];
const REACH = labelled('reach', ['events', 'attendance', 'social_reach', 'partners']);
const COSTS = labelled('costs', ['prize_costs', 'staff_costs', 'promotion_costs', 'other_costs']);
/** The World Bank's income groups, keyed as the API names them in lower case with "_". */
const INCOME_GROUPS = Object.fromEntries(labelled('income', ['low_income', 'lower_middle_income', 'upper_middle_income', 'high_income']));
const NO_ENTRIES = say('no_entries');
const scoreFormat = (value) => formatNumber(value, { maximumFractionDigits: 2 });

const enc = encodeURIComponent;
const empty = (text) => el('p', { className: 'empty', text });
const tiles = (list, pairs) => list.replaceChildren(...pairs.map(([label, value]) => el('li', { className: 'count' },
  el('span', { className: 'count-number', text: value }), el('span', { className: 'count-label', text: label }))));

function displayNames(type) {
  try {
    return new Intl.DisplayNames(locale, { type });
  } catch {
    return null;
  }
}
const languageNames = displayNames('language');
const regionNames = language === 'en' ? null : displayNames('region');

function languageName(code) {
  try {
    return languageNames?.of(code) ?? code;
  } catch {
    return code;
  }
}

/** A country's name in the interface's language (the API gives it in English). */
function countryName(country) {
  try {
    return regionNames?.of(country.iso2) ?? country.name;
  } catch {
    return country.name;
  }
}

const incomeGroup = (value) => INCOME_GROUPS[value.toLowerCase().replaceAll(' ', '_')] ?? value;

/** Rows {label, count, share} as bars and a table with their shares of the submitted entries. */
function shares(id, title, heading, rows) {
  return figure(
    bars(title, rows.map((r) => ({ label: r.label, value: r.count }))),
    table(title, [{ text: heading }, { text: say('column.entries'), num: true }, { text: say('column.share'), num: true }],
      rows.map((r) => [r.label, count(r.count), share(r.share)]), id));
}

/** A funnel stage's name: the API's keys are registered, started, submitted, eligible,
 * round-<id> and awarded; its labels are English. */
function stageName(stage, rounds) {
  if (stage.key.startsWith('round-')) {
    const round = rounds.find((r) => `round-${r.id}` === stage.key);
    return round ? say('funnel.advanced', { round: round.name }) : stage.label;
  }
  return ['registered', 'started', 'submitted', 'eligible', 'awarded'].includes(stage.key) ? say(`funnel.${stage.key}`) : stage.label;
}

function showEntries(stats) {
  const rows = stats.funnel.map((s) => ({ label: stageName(s, stats.rounds), value: s.count }));
  const title = say('funnel.heading');
  byId('funnel').replaceChildren(figure(bars(title, rows),
    table(title, [{ text: say('column.stage') }, { text: say('column.number'), num: true }], rows.map((r) => [r.label, count(r.value)]), 'funnel-table')));
  tiles(byId('states'), STATES.map(([key, label]) => [label, count(stats.entries[key] ?? 0)]));
}

function showOrigin(stats, submitted) {
  const box = byId('origin');
  if (!submitted) return box.replaceChildren(empty(NO_ENTRIES));
  const { countries, income_groups: income } = stats;
  const top = countries.slice(0, 10).map((c) => ({ label: countryName(c), value: c.count }));
  const lmic = income.lmic_share === null
    ? say('income.no_group')
    : say('income.lmic', { lmic: income.lmic, known: income.known, share: share(income.lmic_share) });
  return box.replaceChildren(
    el('h3', { text: say('origin.countries') }),
    countries.length ? figure(bars(say('origin.top', { count: top.length }), top),
      table(say('origin.by_country'), [{ text: say('column.country') }, { text: say('column.income_group') }, { text: say('column.entries'), num: true }, { text: say('column.share'), num: true }],
        countries.map((c) => [countryName(c), c.income_group ? incomeGroup(c.income_group) : '—', count(c.count), share(c.count / submitted)]), 'countries-table'))
      : empty(say('origin.no_country')),
    el('h3', { text: say('income.heading') }),
    el('p', { className: 'lead', id: 'lmic-share', text: lmic }),
    shares('income-table', say('income.by_group'), say('column.income_group'),
      income.rows.map((g) => ({ ...g, label: g.value ? incomeGroup(g.value) : say('income.unknown') }))));
}

function showBreakdowns(stats, submitted) {
  const box = byId('breakdowns');
  if (!submitted) return box.replaceChildren(empty(NO_ENTRIES));
  const name = (b, value) => {
    if (value === null) return say('breakdowns.not_answered');
    if (b.key === 'channel') return CHANNELS[value] ?? value;
    return b.key === 'language' ? languageName(value) : String(value);
  };
  // The channel, language and category have names of ours; a demographic question, its label.
  const heading = (b) => (['channel', 'language', 'category'].includes(b.key) ? say(`breakdowns.${b.key}`) : b.label);
  return box.replaceChildren(...stats.breakdowns.flatMap((b, i) => [
    el('h3', { text: heading(b) }),
    b.rows.length ? shares(`breakdown-${i}`, say('breakdowns.by', { name: heading(b).toLocaleLowerCase(locale) }), heading(b), b.rows.map((r) => ({ ...r, label: name(b, r.value) })))
      : empty(say('breakdowns.no_answers')),
  ]));
}

function showPeople({ participants: p }) {
  tiles(byId('people'), [[say('people.people'), count(p.people)], [say('people.first_time'), count(p.first_time)],
    [say('people.returning'), count(p.returning)], [say('people.offline'), count(p.offline_entries)]]);
  byId('people-note').textContent = p.people
    ? say('people.note', { first_time: p.first_time, people: p.people, share: share(p.first_time / p.people) })
    : NO_ENTRIES;
}

function showDays(stats) {
  const box = byId('days');
  const deadline = stats.deadline
    ? el('p', {}, ...tParts('dashboard.dashboard.days.deadline', { time: el('time', { datetime: stats.deadline, text: formatCallTime(stats.deadline, stats.timezone) }) }))
    : null;
  const days = stats.submissions_per_day;
  if (!days.length) return box.replaceChildren(...[deadline, empty(NO_ENTRIES)].filter(Boolean));
  // Every day from the first submission to the last, or on to the deadline day if it is later.
  const counts = new Map(days.map((d) => [d.date, d.count]));
  const first = Date.parse(days[0].date);
  const end = Math.max(Date.parse(days.at(-1).date), stats.deadline_date ? Date.parse(stats.deadline_date) : 0);
  const span = [];
  for (let t = first; t <= end && span.length < 1000; t += 86_400_000) span.push(new Date(t).toISOString().slice(0, 10));
  const due = span.indexOf(stats.deadline_date);
  const chart = columns(say('days.title'), span.map((d) => ({ label: day(d), values: [counts.get(d) ?? 0] })), {
    marks: { 0: day(span[0], 'short'), ...(span.length > 1 && due !== span.length - 1 ? { [span.length - 1]: day(span.at(-1), 'short') } : {}) },
    marker: due >= 0 ? { index: due, text: say('days.marker', { day: day(span[due], 'short') }) } : null,
  });
  const rows = days.filter((d) => d.count).map((d) => [d.date === stats.deadline_date ? say('days.deadline_day', { day: day(d.date) }) : day(d.date), count(d.count)]);
  return box.replaceChildren(...[deadline, figure(chart, table(say('days.caption', { zone: stats.timezone }),
    [{ text: say('column.day') }, { text: say('column.entries'), num: true }], rows, 'days-table'))].filter(Boolean));
}

function showPanel(panel) {
  const parts = [el('h3', { text: say('panel.heading') })];
  if (!panel.judges) return [...parts, empty(say('panel.none'))];
  const counts = el('ul', { className: 'counts' });
  tiles(counts, [[say('panel.judges'), count(panel.judges)], [say('panel.accepted'), count(panel.accepted)],
    [say('panel.invited'), count(panel.invited)], [say('panel.declined'), count(panel.declined)]]);
  const rows = [...panel.by_perspective.map((tag) => ({ label: perspectiveLabel(tag.tag), value: tag.count })), { label: say('panel.untagged'), value: panel.untagged }];
  const title = say('panel.by_perspective');
  return [...parts, counts,
    el('p', { className: 'muted', text: say('panel.about') }),
    figure(bars(title, rows),
      table(title, [{ text: say('column.perspective') }, { text: say('column.judges'), num: true }], rows.map((r) => [r.label, count(r.value)]), 'panel-table'))];
}

function showRound(round) {
  const id = `round-${round.id}`;
  const counts = el('ul', { className: 'counts' });
  tiles(counts, [[say('round.entries'), count(round.entries)], [say('round.assignments'), count(round.assignments)],
    [say('round.submitted'), count(round.submitted)], [say('round.drafts'), count(round.drafts)], [say('round.advanced'), count(round.advanced)]]);
  const progress = round.assignments
    ? [el('p', { className: 'progress-label', id: `${id}-progress`, text: say('round.progress', {
      submitted: round.submitted, assignments: round.assignments, share: share(round.progress), count: round.drafts,
    }) }),
    el('progress', { max: round.assignments, value: round.submitted, 'aria-labelledby': `${id}-progress` })]
    : [empty(say('round.no_assignments'))];
  const edge = (b, side) => scoreFormat(b[`shown_${side}`] ?? b[side]);
  const bins = round.score_bins;
  const last = bins.length - 1;
  const onScale = bins[0]?.shown_lo !== null && bins[0]?.shown_lo !== undefined;
  const histogram = round.scored_entries
    ? figure(
      columns(say('round.by_score', { round: round.name }), bins.map((b) => ({ label: `${edge(b, 'lo')}–${edge(b, 'hi')}`, values: [b.count] })),
        { ends: [edge(bins[0], 'lo'), edge(bins[last], 'hi')] }),
      table(say(onScale ? 'round.by_score_on_scale' : 'round.by_score_unit', { round: round.name }),
        [{ text: say('column.mean_score') }, { text: say('column.entries'), num: true }],
        bins.map((b, i) => [say(i === last ? 'round.bin_last' : 'round.bin', { lo: edge(b, 'lo'), hi: edge(b, 'hi') }), count(b.count)]), `${id}-scores`))
    : empty(say('round.no_scorecards'));
  return [el('h3', { text: round.name }), counts, el('div', { className: 'round-progress' }, ...progress), el('h4', { text: say('round.distribution') }), histogram];
}

function showJudging(stats) {
  const rounds = stats.rounds.length ? stats.rounds.flatMap(showRound) : [el('h3', { text: say('rounds.heading') }), empty(say('rounds.none'))];
  byId('judging').replaceChildren(...showPanel(stats.panel), ...rounds);
}

function showVotes({ votes }) {
  const box = byId('votes');
  if (!votes.enabled && !votes.counted && !votes.held && !votes.discarded) return box.replaceChildren(empty(say('votes.none')));
  const counts = el('ul', { className: 'counts' });
  tiles(counts, [[say('votes.counted'), count(votes.counted)], [say('votes.held_for_review'), count(votes.held)],
    [say('votes.discarded'), count(votes.discarded)], [say('votes.voters'), count(votes.voters)]]);
  const title = say('votes.per_day');
  const days = votes.per_day;
  return box.replaceChildren(counts, days.length
    ? figure(el('div', {}, columns(title, days.map((d) => ({ label: day(d.date), values: [d.counted, d.held, d.discarded] })), {
      series: VOTES, marks: { 0: day(days[0].date, 'short'), ...(days.length > 1 ? { [days.length - 1]: day(days.at(-1).date, 'short') } : {}) },
    }), legend(VOTES)),
    table(title, [{ text: say('column.day') }, ...VOTES.map((s) => ({ text: s.name, num: true }))],
      days.map((d) => [day(d.date), count(d.counted), count(d.held), count(d.discarded)]), 'votes-table'))
    : empty(say('votes.no_votes')));
}

function showCosts({ costs }) {
  tiles(byId('costs'), [[say('costs.total'), money(costs.total, costs.currency)], [say('costs.per_submitted'), money(costs.per_submitted, costs.currency)],
    [say('costs.per_eligible'), money(costs.per_eligible, costs.currency)]]);
  let note = '';
  if (costs.total === null) note = say('costs.enter_them');
  else if (costs.per_eligible === null) note = say('costs.none_eligible');
  byId('costs-note').textContent = note;
}

function showSaved(reach) {
  byId('reach-saved').textContent = reach.updated_at ? say('reach.last_saved', { time: formatDateTime(reach.updated_at) }) : say('reach.never_saved');
}

function render(stats) {
  const submitted = stats.entries.submitted ?? 0;
  byId('as-of').textContent = say('as_of', { time: formatDateTime(stats.generated_at) });
  showEntries(stats);
  showOrigin(stats, submitted);
  showBreakdowns(stats, submitted);
  showPeople(stats);
  showDays(stats);
  showJudging(stats);
  showVotes(stats);
  showCosts(stats);
}

function buildForm(form, reach) {
  const number = (name, label, hint, step) => field({ id: name, label, hint,
    control: el('input', { type: 'number', min: 0, step, inputmode: step === 1 ? 'numeric' : 'decimal', value: reach[name] }) });
  byId('reach-fields').replaceChildren(...REACH.map(([name, label]) => number(name, label, null, 1)));
  const currency = el('input', { type: 'text', maxlength: 3, autocapitalize: 'characters', spellcheck: 'false', pattern: '[A-Z]{3}', value: reach.currency });
  currency.addEventListener('input', () => { currency.value = currency.value.toUpperCase(); });
  byId('currency-field').replaceChildren(field({ id: 'currency', label: say('reach.currency'), hint: say('reach.currency_hint'), control: currency }));
  byId('cost-fields').replaceChildren(...COSTS.map(([name, label]) => number(name, label, null, 0.01)));
  byId('notes-field').replaceChildren(field({ id: 'notes', label: say('reach.notes'), hint: say('reach.notes_hint'),
    control: el('textarea', { rows: 3, maxlength: 5000, value: reach.notes }) }));
  showSaved(reach);
}

/** The figure typed in a field: null when empty; whole numbers for counts. */
function figureOf(values, name, whole) {
  const text = String(values[name] ?? '').trim();
  if (text === '') return null;
  const value = Number(text);
  if (!Number.isFinite(value)) throw invalid(name, say('reach.enter_number'));
  if (whole && !Number.isInteger(value)) throw invalid(name, say('reach.enter_whole_number'));
  return value;
}

const started = await startPage({ current: 'dashboard', organiserOnly: true });
if (started) {
  const path = `/challenges/${enc(started.slug)}/stats`;
  byId('csv-link').href = `/api${path}.csv`;
  byId('exports-link').href = `/exports.html?slug=${enc(started.slug)}`;
  try {
    const stats = await get(path);
    render(stats);
    const form = byId('reach-form');
    buildForm(form, stats.reach);
    submitWith(form, async (values) => {
      const currency = values.currency.trim().toUpperCase();
      if (!/^[A-Z]{3}$/.test(currency)) throw invalid('currency', say('reach.enter_currency'));
      const body = { currency, notes: values.notes.trim() };
      for (const [name] of REACH) body[name] = figureOf(values, name, true);
      for (const [name] of COSTS) body[name] = figureOf(values, name, false);
      showSaved(await put(`${path}/reach`, body));
      showCosts(await get(path)); // the costs per entry as the server counts them
      showStatus(form, say('reach.saved'));
    });
    showBody();
  } catch (error) {
    if (isAuthError(error)) goToLogin();
    else showAlert(byId('page-alert'), [error.message]);
    byId('page-loading').textContent = '';
  }
}
