// A call's evaluation dashboard (DOMAIN.md "Monitoring and evaluation"): the funnel, where the
// entries come from, breakdowns, participants, submissions per day, judging, the public vote,
// and the reach and costs the organisers enter. Every chart comes with a table of its figures.
import { get, put, showAlert } from './api.js';
import { showStatus, invalid } from './form.js';
import { byId, el, field, startPage, showBody, submitWith, isAuthError, goToLogin } from './organiser-nav.js';
import { formatDateTime, formatCallTime } from './dates.js';
import { bars, columns, legend, table, figure, count, share, money, day } from './charts.js';

const STATES = [
  ['started', 'Started (every entry)'], ['draft', 'Drafts'], ['submitted', 'Submitted'],
  ['pending', 'Waiting for screening'], ['eligible', 'Eligible'], ['ineligible', 'Ineligible'],
  ['withdrawn', 'Withdrawn'],
];
const CHANNELS = { web: 'Web form', email: 'E-mail', paper: 'Paper', whatsapp: 'WhatsApp' };
const VOTES = [
  { name: 'Counted', className: 'chart-bar' },
  { name: 'Held', className: 'chart-held' },
  { name: 'Discarded', className: 'chart-discarded' },
];
const REACH = [
  ['events', 'Events held'], ['attendance', 'People at the events'],
  ['social_reach', 'People reached online'], ['partners', 'Partner organisations'],
];
const COSTS = [['prize_costs', 'Prizes'], ['staff_costs', 'Staff'], ['promotion_costs', 'Promotion'], ['other_costs', 'Other']];
const NO_ENTRIES = 'No entries submitted yet.';
const scoreFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });

const enc = encodeURIComponent;
const empty = (text) => el('p', { className: 'empty', text });
const tiles = (list, pairs) => list.replaceChildren(...pairs.map(([label, value]) => el('li', { className: 'count' },
  el('span', { className: 'count-number', text: value }), el('span', { className: 'count-label', text: label }))));

function languageName(code) {
  try {
    return new Intl.DisplayNames(undefined, { type: 'language' }).of(code) ?? code;
  } catch {
    return code;
  }
}

/** Rows {label, count, share} as bars and a table with their shares of the submitted entries. */
function shares(id, title, heading, rows) {
  return figure(
    bars(title, rows.map((r) => ({ label: r.label, value: r.count }))),
    table(title, [{ text: heading }, { text: 'Entries', num: true }, { text: 'Share', num: true }],
      rows.map((r) => [r.label, count(r.count), share(r.share)]), id));
}

function showEntries(stats) {
  const rows = stats.funnel.map((s) => ({ label: s.label, value: s.count }));
  byId('funnel').replaceChildren(figure(bars('The funnel', rows),
    table('The funnel', [{ text: 'Stage' }, { text: 'Number', num: true }], rows.map((r) => [r.label, count(r.value)]), 'funnel-table')));
  tiles(byId('states'), STATES.map(([key, label]) => [label, count(stats.entries[key] ?? 0)]));
}

function showOrigin(stats, submitted) {
  const box = byId('origin');
  if (!submitted) return box.replaceChildren(empty(NO_ENTRIES));
  const { countries, income_groups: income } = stats;
  const top = countries.slice(0, 10).map((c) => ({ label: c.name, value: c.count }));
  const lmic = income.lmic_share === null
    ? 'No submitted entry names a country with a World Bank income group yet.'
    : `${count(income.lmic)} of the ${count(income.known)} submitted entries from a country with a World Bank income group (${share(income.lmic_share)}) come from low- and middle-income countries.`;
  return box.replaceChildren(
    el('h3', { text: 'Countries' }),
    countries.length ? figure(bars(`Top ${top.length} countries`, top),
      table('Submitted entries by country', [{ text: 'Country' }, { text: 'Income group' }, { text: 'Entries', num: true }, { text: 'Share', num: true }],
        countries.map((c) => [c.name, c.income_group ?? '—', count(c.count), share(c.count / submitted)]), 'countries-table'))
      : empty('No submitted entry names a country.'),
    el('h3', { text: 'Income groups' }),
    el('p', { className: 'lead', id: 'lmic-share', text: lmic }),
    shares('income-table', 'Submitted entries by income group', 'Income group',
      income.rows.map((g) => ({ ...g, label: g.value ?? 'No country or no group' }))));
}

function showBreakdowns(stats, submitted) {
  const box = byId('breakdowns');
  if (!submitted) return box.replaceChildren(empty(NO_ENTRIES));
  const name = (b, value) => {
    if (value === null) return 'Not answered';
    if (b.key === 'channel') return CHANNELS[value] ?? value;
    return b.key === 'language' ? languageName(value) : String(value);
  };
  return box.replaceChildren(...stats.breakdowns.flatMap((b, i) => [
    el('h3', { text: b.label }),
    b.rows.length ? shares(`breakdown-${i}`, `Submitted entries by ${b.label.toLowerCase()}`, b.label, b.rows.map((r) => ({ ...r, label: name(b, r.value) })))
      : empty('No answers yet.'),
  ]));
}

function showPeople({ participants: p }) {
  tiles(byId('people'), [['People with a submitted entry', count(p.people)], ['First-time participants', count(p.first_time)],
    ['Returning participants', count(p.returning)], ['Entries taken offline for someone', count(p.offline_entries)]]);
  byId('people-note').textContent = p.people
    ? `${count(p.first_time)} of ${count(p.people)} people (${share(p.first_time / p.people)}) had never submitted an entry to another call here before.`
    : NO_ENTRIES;
}

function showDays(stats) {
  const box = byId('days');
  const deadline = stats.deadline ? el('p', {}, 'The deadline: ', el('time', { datetime: stats.deadline, text: formatCallTime(stats.deadline, stats.timezone) }), '.') : null;
  const days = stats.submissions_per_day;
  if (!days.length) return box.replaceChildren(...[deadline, empty(NO_ENTRIES)].filter(Boolean));
  // Every day from the first submission to the last, or on to the deadline day if it is later.
  const counts = new Map(days.map((d) => [d.date, d.count]));
  const first = Date.parse(days[0].date);
  const end = Math.max(Date.parse(days.at(-1).date), stats.deadline_date ? Date.parse(stats.deadline_date) : 0);
  const span = [];
  for (let t = first; t <= end && span.length < 1000; t += 86_400_000) span.push(new Date(t).toISOString().slice(0, 10));
  const due = span.indexOf(stats.deadline_date);
  const chart = columns('Submitted entries per day', span.map((d) => ({ label: day(d), values: [counts.get(d) ?? 0] })), {
    marks: { 0: day(span[0], 'short'), ...(span.length > 1 && due !== span.length - 1 ? { [span.length - 1]: day(span.at(-1), 'short') } : {}) },
    marker: due >= 0 ? { index: due, text: `Deadline ${day(span[due], 'short')}` } : null,
  });
  const rows = days.filter((d) => d.count).map((d) => [d.date === stats.deadline_date ? `${day(d.date)} (deadline day)` : day(d.date), count(d.count)]);
  return box.replaceChildren(...[deadline, figure(chart, table(`Submitted entries per day (days in ${stats.timezone}; days without any are left out)`,
    [{ text: 'Day' }, { text: 'Entries', num: true }], rows, 'days-table'))].filter(Boolean));
}

function showPanel(panel) {
  const parts = [el('h3', { text: 'The panel' })];
  if (!panel.judges) return [...parts, empty('No judges invited yet.')];
  const counts = el('ul', { className: 'counts' });
  tiles(counts, [['Judges', count(panel.judges)], ['Accepted', count(panel.accepted)], ['Not answered yet', count(panel.invited)], ['Declined', count(panel.declined)]]);
  const rows = [...panel.by_perspective.map((t) => ({ label: t.tag, value: t.count })), { label: 'No perspective tagged', value: panel.untagged }];
  return [...parts, counts,
    el('p', { className: 'muted', text: 'By perspective: a judge may bring several; judges who declined are left out.' }),
    figure(bars('Judges by perspective', rows),
      table('Judges by perspective', [{ text: 'Perspective' }, { text: 'Judges', num: true }], rows.map((r) => [r.label, count(r.value)]), 'panel-table'))];
}

function showRound(round) {
  const id = `round-${round.id}`;
  const counts = el('ul', { className: 'counts' });
  tiles(counts, [['Entries in the round', count(round.entries)], ['Assignments', count(round.assignments)],
    ['Scorecards submitted', count(round.submitted)], ['Drafts', count(round.drafts)], ['Advanced', count(round.advanced)]]);
  const progress = round.assignments
    ? [el('p', { className: 'progress-label', id: `${id}-progress`, text: `Scorecards submitted: ${count(round.submitted)} of ${count(round.assignments)} (${share(round.progress)}), ${count(round.drafts)} more saved as ${round.drafts === 1 ? 'a draft' : 'drafts'}.` }),
      el('progress', { max: round.assignments, value: round.submitted, 'aria-labelledby': `${id}-progress` })]
    : [empty('No judges assigned in this round yet.')];
  const edge = (b, side) => scoreFormat.format(b[`shown_${side}`] ?? b[side]);
  const bins = round.score_bins;
  const last = bins.length - 1;
  const scale = bins[0]?.shown_lo !== null && bins[0]?.shown_lo !== undefined ? 'on the round’s scale' : 'from 0 to 1';
  const histogram = round.scored_entries
    ? figure(
      columns(`${round.name}: entries by mean score`, bins.map((b) => ({ label: `${edge(b, 'lo')}–${edge(b, 'hi')}`, values: [b.count] })),
        { ends: [edge(bins[0], 'lo'), edge(bins[last], 'hi')] }),
      table(`${round.name}: entries by mean score, ${scale}`, [{ text: 'Mean score' }, { text: 'Entries', num: true }],
        bins.map((b, i) => [`${edge(b, 'lo')} to ${i === last ? '' : 'under '}${edge(b, 'hi')}`, count(b.count)]), `${id}-scores`))
    : empty('No scorecards submitted yet.');
  return [el('h3', { text: round.name }), counts, el('div', { className: 'round-progress' }, ...progress), el('h4', { text: 'Score distribution' }), histogram];
}

function showJudging(stats) {
  const rounds = stats.rounds.length ? stats.rounds.flatMap(showRound) : [el('h3', { text: 'Rounds' }), empty('No judging rounds yet.')];
  byId('judging').replaceChildren(...showPanel(stats.panel), ...rounds);
}

function showVotes({ votes }) {
  const box = byId('votes');
  if (!votes.enabled && !votes.counted && !votes.held && !votes.discarded) return box.replaceChildren(empty('There is no public vote on this call.'));
  const counts = el('ul', { className: 'counts' });
  tiles(counts, [['Counted', count(votes.counted)], ['Held for review', count(votes.held)], ['Discarded', count(votes.discarded)], ['Voters', count(votes.voters)]]);
  const days = votes.per_day;
  return box.replaceChildren(counts, days.length
    ? figure(el('div', {}, columns('Votes per day', days.map((d) => ({ label: day(d.date), values: [d.counted, d.held, d.discarded] })), {
      series: VOTES, marks: { 0: day(days[0].date, 'short'), ...(days.length > 1 ? { [days.length - 1]: day(days.at(-1).date, 'short') } : {}) },
    }), legend(VOTES)),
    table('Votes per day', [{ text: 'Day' }, ...VOTES.map((s) => ({ text: s.name, num: true }))],
      days.map((d) => [day(d.date), count(d.counted), count(d.held), count(d.discarded)]), 'votes-table'))
    : empty('No votes yet.'));
}

function showCosts({ costs }) {
  tiles(byId('costs'), [['Total costs', money(costs.total, costs.currency)], ['Per submitted entry', money(costs.per_submitted, costs.currency)],
    ['Per eligible entry', money(costs.per_eligible, costs.currency)]]);
  let note = '';
  if (costs.total === null) note = 'Enter the costs below to see the cost per submitted and per eligible entry.';
  else if (costs.per_eligible === null) note = 'No entry is screened eligible yet, so there is no cost per eligible entry.';
  byId('costs-note').textContent = note;
}

function showSaved(reach) {
  byId('reach-saved').textContent = reach.updated_at ? `Last saved ${formatDateTime(reach.updated_at)}.` : 'Nothing saved yet.';
}

function render(stats) {
  const submitted = stats.entries.submitted ?? 0;
  byId('as-of').textContent = `Figures as of ${formatDateTime(stats.generated_at)}.`;
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
  byId('currency-field').replaceChildren(field({ id: 'currency', label: 'Currency', hint: 'Three letters (ISO 4217), e.g. USD, EUR or NGN.', control: currency }));
  byId('cost-fields').replaceChildren(...COSTS.map(([name, label]) => number(name, label, null, 0.01)));
  byId('notes-field').replaceChildren(field({ id: 'notes', label: 'Notes (optional)', hint: 'Where the figures come from, what they leave out.',
    control: el('textarea', { rows: 3, maxlength: 5000, value: reach.notes }) }));
  showSaved(reach);
}

/** The figure typed in a field: null when empty; whole numbers for counts. */
function figureOf(values, name, whole) {
  const text = String(values[name] ?? '').trim();
  if (text === '') return null;
  const value = Number(text);
  if (!Number.isFinite(value)) throw invalid(name, 'Enter a number.');
  if (whole && !Number.isInteger(value)) throw invalid(name, 'Enter a whole number.');
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
      if (!/^[A-Z]{3}$/.test(currency)) throw invalid('currency', 'Enter three capital letters, e.g. USD, EUR or NGN.');
      const body = { currency, notes: values.notes.trim() };
      for (const [name] of REACH) body[name] = figureOf(values, name, true);
      for (const [name] of COSTS) body[name] = figureOf(values, name, false);
      showSaved(await put(`${path}/reach`, body));
      showCosts(await get(path)); // the costs per entry as the server counts them
      showStatus(form, 'Saved. The costs per entry above are worked out from these figures.');
    });
    showBody();
  } catch (error) {
    if (isAuthError(error)) goToLogin();
    else showAlert(byId('page-alert'), [error.message]);
    byId('page-loading').textContent = '';
  }
}
