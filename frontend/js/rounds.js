// Judging rounds: the call's rounds in order, each with its declared rules and criteria; add a
// round with its criteria, edit its rules, add, edit and delete criteria, delete the last round.
// Once a round has opened its rules are frozen: every change then needs a reason, which the
// audit log keeps with the change.
import { get, post, patch, del, showAlert, ApiError } from './api.js';
import { callTimeElement, formatInZone, parseUtc, timeElement, viewerTimeZone } from './dates.js';
import { invalid } from './form.js';
import {
  byId, el, field, checkbox, startPage, showBody, submitWith, goToLogin, isAuthError, badge,
} from './organiser-nav.js';

const enc = encodeURIComponent;
let slug;
let base; // "/challenges/<slug>"
let challenge;
let rounds = []; // in order of position
let presets = [];
const cards = new Map(); // round id → its <li>

const list = byId('round-list');
const roundsAlert = byId('rounds-alert');
const roundsStatus = byId('rounds-status');
const number = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });

const ADVANCEMENT = [
  ['top_n', 'The top N entries overall'],
  ['top_n_per_category', 'The top N entries in each category'],
  ['threshold', 'Every entry whose score reaches a threshold'],
  ['manual', 'The organisers choose, entry by entry'],
];
const MAX_TIE_BREAKS = 5;

// ---------------------------------------------------------------- words for the rules

/** The scale preset a criterion uses, if any. */
function presetOf(criterion) {
  return presets.find((p) => p.scale_min === criterion.scale_min && p.scale_max === criterion.scale_max
    && p.scale_step === criterion.scale_step) ?? null;
}

function scaleText(criterion) {
  const preset = presetOf(criterion);
  if (preset) return preset.label;
  const step = criterion.scale_step === 1 ? '' : ` in steps of ${number.format(criterion.scale_step)}`;
  return `${number.format(criterion.scale_min)} to ${number.format(criterion.scale_max)}${step}`;
}

/** The scale scores are shown on: the criteria's own when they all share one, else 0–100. */
function scaleWords(criteria) {
  if (!criteria.length) return 'on the round’s scale (its criteria’s scale when they share one, else 0–100)';
  const [first] = criteria;
  const shared = criteria.every((c) => c.scale_min === first.scale_min && c.scale_max === first.scale_max);
  return shared
    ? `on the round’s ${number.format(first.scale_min)}–${number.format(first.scale_max)} scale`
    : 'on a 0–100 scale (the criteria use different scales)';
}

function advancementText(advancement, criteria) {
  switch (advancement?.kind) {
    case 'top_n': return `The top ${advancement.n} entries overall`;
    case 'top_n_per_category': return `The top ${advancement.n} entries in each category`;
    case 'threshold': return `Every entry whose score reaches ${number.format(advancement.threshold)}, ${scaleWords(criteria)}`;
    case 'manual': return 'The organisers choose, entry by entry';
    default: return 'Not declared yet';
  }
}

function tieText(tie, criteria) {
  if (tie.kind === 'criterion') {
    const criterion = criteria.find((c) => c.id === tie.criterion_id);
    return `Higher score on “${criterion ? criterion.name : `criterion ${tie.criterion_id}`}”`;
  }
  return tie.kind === 'scorecards' ? 'More scorecards' : 'The organisers’ recorded choice';
}

const percent = (share) => Number((share * 100).toFixed(4));

/** The round's state as the server gives it, as a label and a badge kind. */
function roundState(round) {
  if (round.state === 'closed') return ['Closed', 'closed'];
  if (round.state === 'open') return ['Open', 'open'];
  return round.opens_at ? ['Not open yet', 'upcoming'] : ['No window set', 'quiet'];
}

// ---------------------------------------------------------------- times (typed in the viewer's zone)

const pad = (n) => String(n).padStart(2, '0');

/** The datetime-local value showing an API instant in this browser's time zone. */
function localValue(iso) {
  if (!iso) return '';
  const date = parseUtc(iso);
  if (Number.isNaN(date.getTime())) return '';
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** A datetime-local value (a wall time in this browser's zone) as UTC ISO text; null when empty. */
function isoFromLocal(value) {
  if (!value) return null;
  const date = new Date(value); // without an offset, a date-time is read as local time
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

function windowNode(round) {
  const zone = challenge.timezone;
  const line = (label, iso) => el('span', { className: 'window-line' }, `${label}: `, iso ? callTimeElement(iso, zone) : 'not set');
  return el('span', {}, line('Opens', round.opens_at), line('Closes', round.closes_at));
}

// ---------------------------------------------------------------- shared controls

function frozenNote() {
  return el('div', { className: 'alert alert-note frozen-note' },
    el('p', {}, el('strong', { text: 'This round has opened, so its rules are frozen.' }),
      ' Every change needs a reason and is recorded in the audit log.'));
}

/** The reason a change to an opened round needs; hidden until the round is frozen. */
function reasonControl(p, frozen) {
  const wrap = field({
    id: `${p}reason`,
    label: 'Why must this change?',
    control: el('textarea', { rows: '2', maxlength: '500' }),
    hint: 'Required once the round has opened. The reason is kept in the audit log with the change.',
  });
  wrap.dataset.reason = '';
  wrap.hidden = !frozen;
  return wrap;
}

/** The reason typed into `form`, when the form asks for one (null when it does not). */
function readReason(form, p) {
  if (form.querySelector('[data-reason]').hidden) return null;
  const text = form.elements[`${p}reason`].value.trim();
  if (text.length < 3) throw invalid(`${p}reason`, 'Say why this must change (at least 3 characters).');
  return text;
}

/**
 * The round opened while this page was open (the server answered round_frozen): show that the
 * rules are frozen and the reason field, keep everything typed, and give the error to show
 * next to the reason. Any other error is given back as it is.
 */
function frozenNow(error, round, form) {
  if (!(error instanceof ApiError) || error.code !== 'round_frozen') return error;
  round.frozen = true;
  const wrap = form.querySelector('[data-reason]');
  if (!wrap || !wrap.hidden) return error;
  wrap.hidden = false;
  if (!form.querySelector('.frozen-note')) form.querySelector('[data-status]').after(frozenNote());
  return new ApiError({
    status: error.status, code: error.code, field: 'reason',
    message: 'The round has just opened, so its rules are frozen: say why this must change.',
  });
}

function numberInput(value, attrs = {}) {
  return el('input', { type: 'number', step: 'any', value, ...attrs });
}

function actionButton(text, action, describedBy) {
  return el('button', { type: 'button', className: 'button button-secondary', text, 'data-action': action, 'aria-describedby': describedBy });
}

function formShell(className = '') {
  return el('form', { method: 'post', novalidate: true, className },
    el('div', { className: 'alert alert-error', role: 'alert', 'data-alert': true }),
    el('p', { className: 'alert alert-ok', role: 'status', 'data-status': true }));
}

// ---------------------------------------------------------------- a criterion's controls

/**
 * Name, description, weight, scale (a preset or min, max and step) and N/A for one criterion;
 * controls are named with the prefix `p`. `read({preset})` gives the API body (with `preset`
 * when one is chosen and allowed, else the scale's numbers); `mapField` maps API paths.
 */
function criterionControls(p, criterion = null) {
  const name = el('input', { type: 'text', maxlength: '200', autocomplete: 'off', value: criterion?.name ?? '' });
  const description = el('textarea', { rows: '2', maxlength: '2000', value: criterion?.description ?? '' });
  const weight = numberInput(criterion?.weight ?? 1, { min: '0', inputmode: 'decimal' });
  const scale = el('select', {},
    ...presets.map((preset) => el('option', { value: preset.key, text: preset.label })),
    el('option', { value: 'custom', text: 'Another scale (set lowest, highest and step)' }));
  const preset = criterion ? presetOf(criterion) : presets[0];
  const low = numberInput(criterion?.scale_min ?? 1);
  const high = numberInput(criterion?.scale_max ?? 10);
  const step = numberInput(criterion?.scale_step ?? 1, { min: '0' });
  const custom = el('div', { className: 'scale-grid' },
    field({ id: `${p}scale_min`, label: 'Lowest score', control: low }),
    field({ id: `${p}scale_max`, label: 'Highest score', control: high }),
    field({ id: `${p}scale_step`, label: 'Step', control: step }));
  const na = checkbox({
    id: `${p}allow_na`, label: 'Judges may answer “not applicable”', checked: criterion?.allow_na ?? false,
    hint: 'N/A is left out of the score, never counted as 0.',
  });
  const wrap = el('div', { className: 'criterion-fields' },
    field({ id: `${p}name`, label: 'Criterion name', control: name, hint: 'e.g. Impact, Feasibility, Creativity' }),
    field({ id: `${p}description`, label: 'What judges look for (optional)', control: description }),
    field({ id: `${p}weight`, label: 'Weight', control: weight, hint: 'How much it counts against the others, e.g. 2 counts twice as much as 1.' }),
    field({ id: `${p}scale`, label: 'Scale', control: scale }),
    custom,
    na);
  scale.value = preset ? preset.key : 'custom';
  const showCustom = () => { custom.hidden = scale.value !== 'custom'; };
  scale.addEventListener('change', showCustom);
  showCustom();

  const readNumber = (input, id, message) => {
    const text = input.value.trim();
    const value = Number(text);
    if (text === '' || !Number.isFinite(value)) throw invalid(id, message);
    return value;
  };
  wrap.nameInput = name;
  wrap.read = ({ preset: presetAllowed }) => {
    const body = { name: name.value.trim(), description: description.value.trim(), allow_na: na.querySelector('input').checked };
    if (!body.name) throw invalid(`${p}name`, 'Name the criterion.');
    body.weight = readNumber(weight, `${p}weight`, 'Enter a weight above 0, e.g. 1 or 2.');
    if (body.weight <= 0) throw invalid(`${p}weight`, 'Enter a weight above 0, e.g. 1 or 2.');
    if (scale.value === 'custom') {
      body.scale_min = readNumber(low, `${p}scale_min`, 'Enter the lowest score.');
      body.scale_max = readNumber(high, `${p}scale_max`, 'Enter the highest score.');
      body.scale_step = readNumber(step, `${p}scale_step`, 'Enter the step between scores, e.g. 1.');
      if (body.scale_max <= body.scale_min) throw invalid(`${p}scale_max`, 'The highest score must be above the lowest.');
      if (body.scale_step <= 0) throw invalid(`${p}scale_step`, 'The step must be above 0.');
    } else if (presetAllowed) {
      body.preset = scale.value;
    } else {
      const chosen = presets.find((s) => s.key === scale.value);
      Object.assign(body, { scale_min: chosen.scale_min, scale_max: chosen.scale_max, scale_step: chosen.scale_step });
    }
    return body;
  };
  wrap.mapField = (path) => {
    if (['scale_min', 'scale_max', 'scale_step'].includes(path)) return scale.value === 'custom' ? `${p}${path}` : `${p}scale`;
    if (path === 'preset') return `${p}scale`;
    return `${p}${path}`;
  };
  return wrap;
}

// ---------------------------------------------------------------- a round's form (add and edit)

/**
 * The form declaring a round's rules: a new round (no `round`, with its criteria inline) or an
 * existing one. Controls are named with the prefix `p`. `readBody()` gives the API body (for
 * an edit, only what changed, and the reason when frozen); `mapField` maps API paths.
 */
function roundForm(p, round = null) {
  const adding = !round;
  const form = formShell(adding ? 'round-form' : 'round-form editor');
  if (round?.frozen) form.append(frozenNote());

  const name = el('input', { type: 'text', maxlength: '200', autocomplete: 'off', value: round?.name ?? '' });
  form.append(field({ id: `${p}name`, label: 'Name of the round', control: name, hint: 'e.g. Expert review, Community panel, Final pitch' }));

  const windowBox = el('fieldset', { className: 'group' }, el('legend', { text: 'Judging window' }),
    el('p', { className: 'hint', text: `Type the times in your own time zone (${viewerTimeZone}); each is shown in the call’s time zone (${challenge.timezone}) too. The round’s rules freeze when it opens.` }));
  const times = {};
  for (const [key, label] of [['opens_at', 'Opens'], ['closes_at', 'Closes']]) {
    const input = el('input', { type: 'datetime-local', value: localValue(round?.[key]) });
    const wrap = field({ id: `${p}${key}`, label: `${label} (optional)`, control: input });
    const typed = el('p', { className: 'hint typed-time', id: `${p}${key}-typed` });
    input.setAttribute('aria-describedby', `${input.getAttribute('aria-describedby')} ${typed.id}`);
    const show = () => {
      const iso = isoFromLocal(input.value);
      typed.textContent = iso ? `In the call’s time zone: ${formatInZone(iso, challenge.timezone)}.` : '';
    };
    input.addEventListener('input', show);
    input.addEventListener('change', show);
    show();
    wrap.append(typed);
    windowBox.append(wrap);
    times[key] = input;
  }
  form.append(windowBox);

  const k = el('input', { type: 'number', min: '1', max: '20', step: '1', inputmode: 'numeric', value: round?.judges_per_entry ?? 3 });
  form.append(field({ id: `${p}judges_per_entry`, label: 'Judges per entry', control: k, hint: 'How many judges score each entry; calls usually have 3 to 6.' }));

  form.append(el('fieldset', { className: 'group' }, el('legend', { text: 'How judges score' }),
    checkbox({
      id: `${p}blind`, label: 'Blind: judges see nothing that identifies the entrants', checked: round ? round.blind : true,
      hint: 'Names, e-mails, team, affiliation, questions marked identifying and file names are withheld.',
    }),
    checkbox({
      id: `${p}normalise`, label: 'Normalise each judge’s scores', checked: round ? round.normalise : false,
      hint: 'Each judge’s scores become z-scores rescaled to the round’s mean and spread, so harsh and lenient judges count alike. Raw and normalised scores are both kept.',
    })));

  // Who advances
  const advancement = round?.advancement ?? { kind: 'manual' };
  const advBox = el('fieldset', { className: 'group', name: `${p}advancement`, 'aria-describedby': `${p}advancement-error` },
    el('legend', { text: 'Who advances' }));
  for (const [kind, label] of ADVANCEMENT) {
    advBox.append(el('div', { className: 'check' },
      el('input', { type: 'radio', id: `${p}adv-${kind}`, name: `${p}advancement.kind`, value: kind, checked: advancement.kind === kind }),
      el('label', { for: `${p}adv-${kind}`, text: label })));
  }
  const nInput = el('input', { type: 'number', min: '1', step: '1', inputmode: 'numeric', value: advancement.n ?? '' });
  const nField = field({ id: `${p}advancement.n`, label: 'N: how many entries advance', control: nInput });
  const thresholdInput = numberInput(advancement.threshold ?? '', { inputmode: 'decimal' });
  const thresholdField = field({
    id: `${p}advancement.threshold`, label: 'Threshold score', control: thresholdInput,
    hint: `The score an entry must reach, ${scaleWords(round?.criteria ?? [])}.`,
  });
  advBox.append(nField, thresholdField, el('p', { className: 'field-error', id: `${p}advancement-error` }));
  const chosenKind = () => advBox.querySelector('input[type="radio"]:checked')?.value ?? null;
  const showKind = () => {
    const kind = chosenKind();
    nField.hidden = kind !== 'top_n' && kind !== 'top_n_per_category';
    thresholdField.hidden = kind !== 'threshold';
  };
  advBox.addEventListener('change', showKind);
  showKind();

  // Tie-breaks, in order. Values: "criterion:<id>", "row:<key>" (a criterion of this new
  // round's form, not saved yet), "scorecards", "organiser".
  const rows = []; // criteria rows of a new round: {key, controls}
  const tieValues = (round?.tie_breaks ?? [{ kind: 'scorecards' }, { kind: 'organiser' }])
    .map((tie) => (tie.kind === 'criterion' ? `criterion:${tie.criterion_id}` : tie.kind));
  const tieBox = el('fieldset', { className: 'group', name: `${p}tie_breaks`, 'aria-describedby': `${p}tie_breaks-hint ${p}tie_breaks-error` },
    el('legend', { text: 'Tie-breaks, in order' }),
    el('p', { className: 'hint', id: `${p}tie_breaks-hint`, text: 'When entries tie at the cut, the first tie-break decides; if they still tie, the next one does.' }));
  const tieList = el('ol', { className: 'tie-list' });
  const tieEmpty = el('p', { className: 'hint', text: 'No tie-breaks: tied entries stay tied.' });
  const addTie = el('button', { type: 'button', className: 'button button-secondary', text: 'Add a tie-break' });
  tieBox.append(tieEmpty, tieList, el('p', { className: 'field-error', id: `${p}tie_breaks-error` }), el('p', { className: 'actions' }, addTie));

  const rowLabel = (row, i) => row.controls.nameInput.value.trim() || `criterion ${i + 1} (not named yet)`;
  const criterionChoices = () => (adding
    ? rows.map((row, i) => [`row:${row.key}`, rowLabel(row, i)])
    : round.criteria.map((c) => [`criterion:${c.id}`, c.name]));

  const renderTies = (focus = null) => {
    const choices = criterionChoices();
    tieList.replaceChildren(...tieValues.map((value, i) => {
      const id = `${p}tie_breaks.${i}`;
      const select = el('select', { id, name: id, 'aria-describedby': `${id}-error` },
        ...choices.map(([v, label]) => el('option', { value: v, text: `Higher score on “${label}”` })),
        el('option', { value: 'scorecards', text: 'More scorecards' }),
        el('option', { value: 'organiser', text: 'The organisers’ recorded choice' }));
      select.value = value;
      if (select.value !== value) {
        select.prepend(el('option', { value, text: 'A criterion that is no longer in the round' }));
        select.value = value;
      }
      select.addEventListener('change', () => { tieValues[i] = select.value; });
      const labelId = `${id}-label`;
      const button = (text, action) => el('button', { type: 'button', className: 'button button-secondary', text, 'aria-describedby': labelId, 'data-action': action });
      const up = button('Move up', 'up');
      const down = button('Move down', 'down');
      const remove = button('Remove', 'remove');
      up.disabled = i === 0;
      down.disabled = i === tieValues.length - 1;
      const swap = (j, action) => {
        [tieValues[i], tieValues[j]] = [tieValues[j], tieValues[i]];
        renderTies({ index: j, action });
      };
      up.addEventListener('click', () => swap(i - 1, 'up'));
      down.addEventListener('click', () => swap(i + 1, 'down'));
      remove.addEventListener('click', () => {
        tieValues.splice(i, 1);
        renderTies({ index: Math.min(i, tieValues.length - 1), action: 'remove' });
        if (!tieValues.length) addTie.focus();
      });
      return el('li', { className: 'tie' },
        el('label', { for: id, id: labelId, text: `Tie-break ${i + 1}` }),
        select,
        el('p', { className: 'field-error', id: `${id}-error` }),
        el('p', { className: 'actions' }, up, down, remove));
    }));
    tieEmpty.hidden = tieValues.length > 0;
    addTie.disabled = tieValues.length >= MAX_TIE_BREAKS;
    if (focus && focus.index >= 0) {
      const item = tieList.children[focus.index];
      (item?.querySelector(`[data-action="${focus.action}"]:not(:disabled)`) ?? item?.querySelector('select'))?.focus();
    }
  };
  addTie.addEventListener('click', () => {
    const used = new Set(tieValues);
    const next = [...criterionChoices().map(([v]) => v), 'scorecards', 'organiser'].find((v) => !used.has(v)) ?? 'organiser';
    tieValues.push(next);
    renderTies();
    tieList.lastElementChild?.querySelector('select').focus();
  });

  const share = numberInput(round ? percent(round.disagreement_share) : 30, { min: '1', max: '100', inputmode: 'decimal' });
  const shareField = field({
    id: `${p}disagreement_share`, label: 'Flag disagreement above (% of the scale)', control: share,
    hint: 'An entry is flagged when its judges’ scores spread over more than this share of the scale, so you can add a judge. The usual value is 30.',
  });

  // The criteria of a new round, typed with it.
  let criteriaBox = null;
  if (adding) {
    let nextKey = 0;
    const rowList = el('ol', { className: 'criterion-rows' });
    const criteriaEmpty = el('p', { className: 'hint', text: 'No criteria yet; you can also add them once the round is saved.' });
    const addRow = el('button', { type: 'button', className: 'button button-secondary', text: 'Add a criterion' });
    criteriaBox = el('fieldset', { className: 'group', name: `${p}criteria`, 'aria-describedby': `${p}criteria-error` },
      el('legend', { text: 'Criteria' }),
      el('p', { className: 'hint', text: 'What judges score. Each has a weight and its own scale; scores are put on 0–1 before weighting, so different scales combine fairly.' }),
      criteriaEmpty, rowList, el('p', { className: 'field-error', id: `${p}criteria-error` }), el('p', { className: 'actions' }, addRow));
    const renumber = () => {
      rows.forEach((row, i) => { row.legend.textContent = `Criterion ${i + 1}`; });
      criteriaEmpty.hidden = rows.length > 0;
    };
    const addCriterionRow = () => {
      const key = nextKey++;
      const controls = criterionControls(`${p}crit${key}-`);
      const legend = el('legend');
      const remove = el('button', { type: 'button', className: 'button button-secondary', text: 'Remove this criterion' });
      const item = el('li', {}, el('fieldset', { className: 'group criterion-row', 'data-testid': 'criterion-row' }, legend, controls, el('p', { className: 'actions' }, remove)));
      const row = { key, controls, legend, item };
      legend.id = `${p}crit${key}-legend`;
      remove.setAttribute('aria-describedby', legend.id);
      remove.addEventListener('click', () => {
        const i = rows.indexOf(row);
        rows.splice(i, 1);
        item.remove();
        for (let t = tieValues.length - 1; t >= 0; t -= 1) if (tieValues[t] === `row:${key}`) tieValues.splice(t, 1);
        renumber();
        renderTies();
        (rows[Math.min(i, rows.length - 1)]?.item.querySelector('input') ?? addRow).focus();
      });
      controls.nameInput.addEventListener('input', () => {
        const label = rowLabel(row, rows.indexOf(row));
        for (const option of tieList.querySelectorAll('option')) {
          if (option.value === `row:${key}`) option.textContent = `Higher score on “${label}”`;
        }
      });
      rows.push(row);
      rowList.append(item);
      renumber();
      renderTies();
      return row;
    };
    addRow.addEventListener('click', () => addCriterionRow().controls.nameInput.focus());
    addCriterionRow();
  }
  renderTies();
  if (criteriaBox) form.append(criteriaBox); // before the rules that name criteria
  form.append(advBox, tieBox, shareField);
  if (!adding) form.append(reasonControl(p, round.frozen));
  form.append(el('p', { className: 'actions' },
    el('button', { type: 'submit', className: 'button', text: adding ? 'Add the round' : 'Save the rules' })));

  /** Tie-breaks as the API takes them; "row:<key>" stays as {kind, row} until the round exists. */
  const readTies = () => tieValues.map((value, i) => {
    if (tieValues.indexOf(value) !== i) throw invalid(`${p}tie_breaks.${i}`, 'This tie-break is listed already.');
    if (value === 'scorecards' || value === 'organiser') return { kind: value };
    if (value.startsWith('criterion:')) {
      const id = Number(value.slice('criterion:'.length));
      if (!round.criteria.some((c) => c.id === id)) throw invalid(`${p}tie_breaks.${i}`, 'Choose a criterion of this round, or another tie-break.');
      return { kind: 'criterion', criterion_id: id };
    }
    const key = Number(value.slice('row:'.length));
    if (!rows.some((row) => row.key === key)) throw invalid(`${p}tie_breaks.${i}`, 'Choose a criterion of this round, or another tie-break.');
    return { kind: 'criterion', row: key };
  });

  form.readBody = () => {
    const body = {};
    body.name = name.value.trim();
    if (!body.name) throw invalid(`${p}name`, 'Name the round.');
    for (const key of ['opens_at', 'closes_at']) {
      const iso = isoFromLocal(times[key].value);
      if (iso === undefined) throw invalid(`${p}${key}`, 'Enter a date and a time.');
      body[key] = iso;
    }
    if (body.opens_at && body.closes_at && body.closes_at <= body.opens_at) {
      throw invalid(`${p}closes_at`, 'The round must close after it opens.');
    }
    const judges = Number(k.value.trim());
    if (k.value.trim() === '' || !Number.isInteger(judges) || judges < 1 || judges > 20) {
      throw invalid(`${p}judges_per_entry`, 'Enter a whole number from 1 to 20.');
    }
    body.judges_per_entry = judges;
    body.blind = form.elements[`${p}blind`].checked;
    body.normalise = form.elements[`${p}normalise`].checked;
    const kind = chosenKind();
    if (!kind) throw invalid(`${p}advancement`, 'Choose who advances.');
    body.advancement = { kind };
    if (kind === 'top_n' || kind === 'top_n_per_category') {
      const n = Number(nInput.value.trim());
      if (nInput.value.trim() === '' || !Number.isInteger(n) || n < 1) throw invalid(`${p}advancement.n`, 'Enter how many entries advance: a whole number from 1.');
      body.advancement.n = n;
    } else if (kind === 'threshold') {
      const threshold = Number(thresholdInput.value.trim());
      if (thresholdInput.value.trim() === '' || !Number.isFinite(threshold)) throw invalid(`${p}advancement.threshold`, 'Enter the score an entry must reach.');
      body.advancement.threshold = threshold;
    }
    body.tie_breaks = readTies();
    const pct = Number(share.value.trim());
    if (share.value.trim() === '' || !Number.isFinite(pct) || pct <= 0 || pct > 100) {
      throw invalid(`${p}disagreement_share`, 'Enter a share of the scale above 0 and at most 100, e.g. 30.');
    }
    body.disagreement_share = pct / 100;
    if (adding) {
      body.criteria = rows.map((row) => row.controls.read({ preset: true }));
      return body;
    }
    // An edit sends only what changed (a time left as shown keeps its saved seconds).
    const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
    const changed = {};
    if (body.name !== round.name) changed.name = body.name;
    for (const key of ['opens_at', 'closes_at']) {
      if (times[key].value !== localValue(round[key])) changed[key] = body[key];
    }
    for (const key of ['judges_per_entry', 'blind', 'normalise', 'advancement', 'tie_breaks']) {
      if (!same(body[key], round[key])) changed[key] = body[key];
    }
    if (percent(body.disagreement_share) !== percent(round.disagreement_share)) changed.disagreement_share = body.disagreement_share;
    const reason = readReason(form, p);
    if (reason) changed.reason = reason;
    return changed;
  };

  form.rowAt = (index) => rows[index] ?? null;
  form.mapField = (path) => {
    let match = /^criteria\.(\d+)\.(.+)$/.exec(path);
    if (match && adding) {
      const row = rows[Number(match[1])];
      return row ? row.controls.mapField(match[2]) : `${p}criteria`;
    }
    if (/^criteria(\.\d+)?$/.test(path)) return `${p}criteria`;
    match = /^tie_breaks\.(\d+)/.exec(path);
    if (match) return `${p}tie_breaks.${match[1]}`;
    if (path.startsWith('tie_breaks')) return `${p}tie_breaks`;
    if (path === 'advancement' || path === 'advancement.kind') {
      const kind = chosenKind();
      if (path === 'advancement' && (kind === 'top_n' || kind === 'top_n_per_category')) return `${p}advancement.n`;
      if (path === 'advancement' && kind === 'threshold') return `${p}advancement.threshold`;
      return `${p}advancement`;
    }
    return `${p}${path}`;
  };
  return form;
}

// ---------------------------------------------------------------- the list of rounds

function fact(listElement, term, value) {
  listElement.append(el('dt', { text: term }), el('dd', {}, value));
}

/** The nodes given, without the missing ones (replaceChildren would show null as text). */
const present = (...nodes) => nodes.filter((node) => node !== null && node !== undefined);

const hasOpenForm = (item) => item.querySelector('form') !== null;

/** Fetches one round again and shows it. */
async function refreshRound(id) {
  const fresh = await get(`/rounds/${id}`);
  const index = rounds.findIndex((r) => r.id === id);
  if (index >= 0) rounds[index] = fresh;
  showRound(fresh);
  return fresh;
}

/** Re-shows every round card that has no form open (so nothing typed is lost). */
function refreshIdleCards(except = null) {
  for (const round of rounds) {
    const item = cards.get(round.id);
    if (round.id !== except && item && !hasOpenForm(item)) showRound(round);
  }
}

function focusIn(id, action) {
  const item = cards.get(id);
  const target = item?.querySelector(`[data-action="${action}"]`) ?? item?.querySelector('h3');
  target?.focus();
}

function showRound(round) {
  const item = cards.get(round.id);
  const index = rounds.findIndex((r) => r.id === round.id);
  const titleId = `round-${round.id}-title`;
  const [stateLabel, stateKind] = roundState(round);
  const source = index === 0
    ? 'takes the entries screened eligible'
    : `takes the entries advanced from “${rounds[index - 1].name}”`;
  const facts = el('dl', { className: 'kv round-facts' });
  fact(facts, 'Window', windowNode(round));
  fact(facts, 'Judges per entry', String(round.judges_per_entry));
  fact(facts, 'Judging', round.blind ? 'Blind: judges see nothing that identifies the entrants' : 'Open: judges see who the entrants are');
  fact(facts, 'Scores', round.normalise ? 'Normalised per judge (z-scores rescaled to the round)' : 'Raw means, not normalised');
  fact(facts, 'Who advances', advancementText(round.advancement, round.criteria));
  fact(facts, 'Tie-breaks', round.tie_breaks.length
    ? el('ol', { className: 'tie-order' }, ...round.tie_breaks.map((tie) => el('li', { text: tieText(tie, round.criteria) })))
    : 'None declared');
  fact(facts, 'Disagreement', `Flagged when judges’ scores spread over ${number.format(percent(round.disagreement_share))}% of the scale`);
  if (round.advanced_at) fact(facts, 'Advancement applied', timeElement(round.advanced_at));

  const buttons = el('p', { className: 'actions' });
  const edit = actionButton('Edit the rules', 'edit', titleId);
  edit.addEventListener('click', () => editRound(round));
  buttons.append(edit);
  const confirmSlot = el('div', { className: 'confirm-slot' });
  if (index === rounds.length - 1 && !round.frozen) {
    const remove = actionButton('Delete the round', 'delete', titleId);
    remove.addEventListener('click', () => confirmDeleteRound(round, confirmSlot, remove));
    buttons.append(remove);
  }
  const query = `slug=${enc(slug)}&round=${round.id}`;
  const links = el('ul', { className: 'round-links' },
    el('li', {}, el('a', { href: `/assignments.html?${query}`, text: 'Assignments and progress', 'aria-describedby': titleId })),
    el('li', {}, el('a', { href: `/ranking.html?${query}`, text: 'Ranking and advancement', 'aria-describedby': titleId })));
  item.replaceChildren(...present(
    el('h3', { className: 'card-title', id: titleId, tabindex: '-1', text: round.name }),
    el('p', { className: 'card-meta muted', text: `Round ${index + 1} of ${rounds.length}: ${source}.` }),
    el('p', { className: 'flags' }, badge(stateLabel, stateKind), badge(round.blind ? 'Blind' : 'Open judging', 'quiet'),
      badge(`${round.criteria.length} criteri${round.criteria.length === 1 ? 'on' : 'a'}`, 'quiet')),
    round.frozen ? frozenNote() : null,
    facts,
    buttons,
    confirmSlot,
    criteriaSection(round, titleId),
    links));
}

function renderList() {
  cards.clear();
  list.replaceChildren(...rounds.map((round) => {
    const item = el('li', { className: 'card round-card', 'data-testid': 'round', 'data-round-id': round.id });
    cards.set(round.id, item);
    return item;
  }));
  for (const round of rounds) showRound(round);
  byId('rounds-empty').hidden = rounds.length > 0;
  showAddNote();
}

function showAddNote() {
  const last = rounds[rounds.length - 1];
  byId('add-note').textContent = last
    ? `A new round becomes round ${rounds.length + 1} and takes the entries advanced from “${last.name}”.`
    : 'The first round takes the entries screened eligible.';
}

function say(message) {
  showAlert(roundsAlert, []);
  roundsStatus.textContent = message;
}

// ---------------------------------------------------------------- editing a round

function editRound(round) {
  const item = cards.get(round.id);
  const p = `r${round.id}-`;
  const form = roundForm(p, round);
  form.setAttribute('aria-labelledby', `${p}edit-title`);
  const cancel = el('button', { type: 'button', className: 'button button-secondary', text: 'Cancel' });
  form.lastElementChild.append(cancel);
  const back = () => {
    const current = rounds.find((r) => r.id === round.id) ?? round;
    showRound(current);
    focusIn(round.id, 'edit');
  };
  cancel.addEventListener('click', back);
  submitWith(form, async () => {
    const body = form.readBody();
    let saved;
    try {
      saved = await patch(`/rounds/${round.id}`, body);
    } catch (error) {
      throw frozenNow(error, round, form);
    }
    const index = rounds.findIndex((r) => r.id === round.id);
    rounds[index] = saved;
    back();
    refreshIdleCards(round.id);
    showAddNote();
    say(`Saved the rules of “${saved.name}”.`);
  }, form.mapField);
  item.replaceChildren(el('h3', { className: 'card-title', id: `${p}edit-title`, text: `Edit: ${round.name}` }), form);
  form.elements[`${p}name`].focus();
}

function confirmDeleteRound(round, slot, opener) {
  const form = formShell('confirm panel');
  form.append(
    el('p', { text: `Delete the round “${round.name}” with its rules and criteria? This cannot be undone.` }),
    el('p', { className: 'actions' },
      el('button', { type: 'submit', className: 'button', text: 'Yes, delete the round' }),
      el('button', { type: 'button', className: 'button button-secondary', text: 'Keep it', 'data-keep': true })));
  form.setAttribute('aria-label', `Delete “${round.name}”`);
  form.querySelector('[data-keep]').addEventListener('click', () => {
    slot.replaceChildren();
    opener.focus();
  });
  submitWith(form, async () => {
    await del(`/rounds/${round.id}`);
    rounds = rounds.filter((r) => r.id !== round.id);
    renderList();
    say(`Deleted the round “${round.name}”.`);
    byId('rounds-heading').focus();
  });
  slot.replaceChildren(form);
  form.querySelector('[type="submit"]').focus();
}

// ---------------------------------------------------------------- criteria of a saved round

function criteriaSection(round, titleId) {
  const headingId = `round-${round.id}-criteria`;
  const total = round.criteria.reduce((sum, c) => sum + c.weight, 0);
  const items = round.criteria.map((criterion) => criterionItem(round, criterion, total));
  const addSlot = el('div');
  const add = actionButton('Add a criterion', 'add-criterion', titleId);
  add.addEventListener('click', () => {
    add.hidden = true;
    const form = addCriterionForm(round, () => {
      addSlot.replaceChildren();
      add.hidden = false;
      add.focus();
    });
    addSlot.replaceChildren(form);
    form.querySelector('input').focus();
  });
  return el('section', { className: 'criteria', 'aria-labelledby': headingId },
    el('h4', { id: headingId, text: `Criteria of “${round.name}”` }),
    items.length
      ? el('ol', { className: 'criterion-list' }, ...items)
      : el('p', { className: 'empty', text: 'No criteria yet: judges need at least one to score.' }),
    addSlot,
    el('p', { className: 'actions' }, add));
}

function criterionItem(round, criterion, totalWeight) {
  const item = el('li', { className: 'criterion', 'data-testid': 'criterion', 'data-criterion-id': criterion.id });
  const nameId = `criterion-${criterion.id}-name`;
  const show = () => {
    const facts = el('dl', { className: 'kv' });
    const share = totalWeight > 0 ? ` (${number.format((criterion.weight / totalWeight) * 100)}% of the score)` : '';
    fact(facts, 'Weight', `${number.format(criterion.weight)}${share}`);
    fact(facts, 'Scale', scaleText(criterion));
    fact(facts, 'Not applicable', criterion.allow_na ? 'Allowed (left out of the score)' : 'Not allowed');
    const edit = actionButton('Edit', 'edit-criterion', nameId);
    const remove = actionButton('Delete', 'delete-criterion', nameId);
    edit.addEventListener('click', () => editCriterion(round, criterion, item, show));
    remove.addEventListener('click', () => confirmDeleteCriterion(round, criterion, item, show));
    item.replaceChildren(...present(
      el('h5', { className: 'criterion-name', id: nameId, text: criterion.name }),
      criterion.description ? el('p', { className: 'muted pre', text: criterion.description }) : null,
      facts,
      el('p', { className: 'actions' }, edit, remove)));
  };
  show();
  return item;
}

/** After a change to a criterion: the round again from the server, the focus on `action`. */
async function afterCriterionChange(round, message, criterionId, action) {
  await refreshRound(round.id);
  say(message);
  const item = cards.get(round.id);
  const target = criterionId !== null
    ? item.querySelector(`[data-criterion-id="${criterionId}"] [data-action="${action}"]`)
    : null;
  (target ?? item.querySelector('[data-action="add-criterion"]'))?.focus();
}

function addCriterionForm(round, close) {
  const p = `r${round.id}-add-`;
  const form = formShell('panel criterion-form');
  const controls = criterionControls(p);
  form.setAttribute('aria-label', `Add a criterion to “${round.name}”`);
  form.append(el('p', { className: 'form-title', text: `New criterion for “${round.name}”` }), controls, reasonControl(p, round.frozen));
  const cancel = el('button', { type: 'button', className: 'button button-secondary', text: 'Cancel' });
  cancel.addEventListener('click', close);
  form.append(el('p', { className: 'actions' }, el('button', { type: 'submit', className: 'button', text: 'Add the criterion' }), cancel));
  submitWith(form, async () => {
    const body = controls.read({ preset: true });
    const reason = readReason(form, p);
    let added;
    try {
      added = await post(`/rounds/${round.id}/criteria${reason ? `?reason=${enc(reason)}` : ''}`, body);
    } catch (error) {
      throw frozenNow(error, round, form);
    }
    await afterCriterionChange(round, `Added the criterion “${added.name}” to “${round.name}”.`, added.id, 'edit-criterion');
  }, (path) => (path === 'reason' ? `${p}reason` : controls.mapField(path)));
  return form;
}

function editCriterion(round, criterion, item, show) {
  const p = `c${criterion.id}-`;
  const form = formShell('editor criterion-form');
  const controls = criterionControls(p, criterion);
  form.setAttribute('aria-label', `Edit the criterion “${criterion.name}”`);
  if (round.frozen) form.append(frozenNote());
  form.append(controls, reasonControl(p, round.frozen));
  const cancel = el('button', { type: 'button', className: 'button button-secondary', text: 'Cancel' });
  cancel.addEventListener('click', () => {
    show();
    item.querySelector('[data-action="edit-criterion"]').focus();
  });
  form.append(el('p', { className: 'actions' }, el('button', { type: 'submit', className: 'button', text: 'Save the criterion' }), cancel));
  submitWith(form, async () => {
    const body = controls.read({ preset: false });
    const reason = readReason(form, p);
    if (reason) body.reason = reason;
    let saved;
    try {
      saved = await patch(`/rounds/${round.id}/criteria/${criterion.id}`, body);
    } catch (error) {
      throw frozenNow(error, round, form);
    }
    await afterCriterionChange(round, `Saved the criterion “${saved.name}”.`, saved.id, 'edit-criterion');
  }, (path) => (path === 'reason' ? `${p}reason` : controls.mapField(path)));
  item.replaceChildren(el('h5', { className: 'criterion-name', text: `Edit: ${criterion.name}` }), form);
  form.elements[`${p}name`].focus();
}

function confirmDeleteCriterion(round, criterion, item, show) {
  const p = `c${criterion.id}-delete-`;
  const form = formShell('confirm panel');
  form.setAttribute('aria-label', `Delete the criterion “${criterion.name}”`);
  const cancel = el('button', { type: 'button', className: 'button button-secondary', text: 'Keep it' });
  cancel.addEventListener('click', () => {
    show();
    item.querySelector('[data-action="delete-criterion"]').focus();
  });
  form.append(
    el('p', { text: `Delete the criterion “${criterion.name}” from “${round.name}”?` }),
    reasonControl(p, round.frozen),
    el('p', { className: 'actions' }, el('button', { type: 'submit', className: 'button', text: 'Delete the criterion' }), cancel));
  submitWith(form, async () => {
    const reason = readReason(form, p);
    try {
      await del(`/rounds/${round.id}/criteria/${criterion.id}${reason ? `?reason=${enc(reason)}` : ''}`);
    } catch (error) {
      throw frozenNow(error, round, form);
    }
    await afterCriterionChange(round, `Deleted the criterion “${criterion.name}”.`, null, null);
  }, (path) => (path === 'reason' ? `${p}reason` : false));
  item.replaceChildren(el('h5', { className: 'criterion-name', text: criterion.name }), form);
  (form.querySelector('[data-reason]:not([hidden]) textarea') ?? form.querySelector('[type="submit"]')).focus();
}

// ---------------------------------------------------------------- adding a round

let addForm = null;

function renderAddForm() {
  addForm = roundForm('new-');
  addForm.id = 'add-form';
  addForm.setAttribute('aria-labelledby', 'add-heading');
  byId('add-slot').replaceChildren(addForm);
  submitWith(addForm, async () => {
    const body = addForm.readBody();
    // Criteria are saved with the round; a tie-break naming one of them can only be declared
    // once they have ids, so such tie-breaks follow in a second request.
    const later = body.tie_breaks.some((tie) => tie.row !== undefined);
    const rowIndex = (key) => body.criteria.findIndex((_, i) => addForm.rowAt(i)?.key === key);
    const ties = body.tie_breaks;
    if (later) delete body.tie_breaks;
    const created = await post(`${base}/rounds`, body);
    let round = created;
    let warning = null;
    if (later) {
      const tieBreaks = ties.map((tie) => (tie.row === undefined ? tie : { kind: 'criterion', criterion_id: created.criteria[rowIndex(tie.row)].id }));
      const patchBody = { tie_breaks: tieBreaks };
      if (created.frozen) patchBody.reason = 'Tie-breaks declared with the new round.';
      try {
        round = await patch(`/rounds/${created.id}`, patchBody);
      } catch (error) {
        if (isAuthError(error)) throw error;
        warning = `The round was added, but its tie-breaks could not be saved: ${error.message} Edit the round to declare them.`;
      }
    }
    rounds.push(round);
    renderList();
    renderAddForm();
    say(`Added the round “${round.name}” as round ${rounds.length}.`);
    if (warning) showAlert(roundsAlert, [warning]);
    cards.get(round.id).querySelector('h3').focus();
  }, (path) => addForm.mapField(path));
}

// ---------------------------------------------------------------- start

const started = await startPage({ current: 'rounds', organiserOnly: true });
if (started) {
  ({ slug, challenge } = started);
  base = `/challenges/${enc(slug)}`;
  try {
    [presets, rounds] = await Promise.all([get('/scale-presets'), get(`${base}/rounds`)]);
    renderList();
    renderAddForm();
    showBody();
  } catch (error) {
    if (isAuthError(error)) goToLogin();
    else showAlert(byId('page-alert'), [`The rounds could not be loaded: ${error.message}`]);
    byId('page-loading').textContent = '';
  }
}
