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
import { formatNumber, t, tParts, useCatalogues } from './i18n.js';

await useCatalogues('rounds');

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
const number = (value) => formatNumber(value, { maximumFractionDigits: 2 });

const ADVANCEMENT = ['top_n', 'top_n_per_category', 'threshold', 'manual']
  .map((kind) => [kind, t(`rounds.advancement.${kind}`)]);
// The server's scale presets, by key, named in the viewer's language (else as the server says).
const PRESET_LABELS = {
  '1-10': t('rounds.preset.1_10'), '0-2': t('rounds.preset.0_2'), 'likert-3': t('rounds.preset.likert_3'),
};
const presetLabel = (preset) => PRESET_LABELS[preset.key] ?? preset.label;
const MAX_TIE_BREAKS = 5;

// ---------------------------------------------------------------- words for the rules

/** The scale preset a criterion uses, if any. */
function presetOf(criterion) {
  return presets.find((p) => p.scale_min === criterion.scale_min && p.scale_max === criterion.scale_max
    && p.scale_step === criterion.scale_step) ?? null;
}

function scaleText(criterion) {
  const preset = presetOf(criterion);
  if (preset) return presetLabel(preset);
  const range = { min: number(criterion.scale_min), max: number(criterion.scale_max) };
  return criterion.scale_step === 1
    ? t('rounds.scale.range', range)
    : t('rounds.scale.range_steps', { ...range, step: number(criterion.scale_step) });
}

/** The scale scores are shown on: the criteria's own when they all share one, else 0–100. */
function scaleWords(criteria) {
  if (!criteria.length) return t('rounds.scale.words_none');
  const [first] = criteria;
  const shared = criteria.every((c) => c.scale_min === first.scale_min && c.scale_max === first.scale_max);
  return shared
    ? t('rounds.scale.words_shared', { min: number(first.scale_min), max: number(first.scale_max) })
    : t('rounds.scale.words_mixed');
}

function advancementText(advancement, criteria) {
  switch (advancement?.kind) {
    case 'top_n': return t('rounds.rule.top_n', { count: advancement.n });
    case 'top_n_per_category': return t('rounds.rule.top_n_per_category', { count: advancement.n });
    case 'threshold': return t('rounds.rule.threshold', { threshold: number(advancement.threshold), scale: scaleWords(criteria) });
    case 'manual': return t('rounds.advancement.manual');
    default: return t('rounds.rule.none');
  }
}

function tieText(tie, criteria) {
  if (tie.kind === 'criterion') {
    const criterion = criteria.find((c) => c.id === tie.criterion_id);
    return t('rounds.tie.criterion', { name: criterion ? criterion.name : t('rounds.tie.criterion_id', { id: String(tie.criterion_id) }) });
  }
  return tie.kind === 'scorecards' ? t('rounds.tie.scorecards') : t('rounds.tie.organiser');
}

const percent = (share) => Number((share * 100).toFixed(4));

/** The round's state as the server gives it, as a label and a badge kind. */
function roundState(round) {
  if (round.state === 'closed') return [t('rounds.state.closed'), 'closed'];
  if (round.state === 'open') return [t('rounds.state.open'), 'open'];
  return round.opens_at ? [t('rounds.state.upcoming'), 'upcoming'] : [t('rounds.state.unscheduled'), 'quiet'];
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
  const line = (key, iso) => el('span', { className: 'window-line' },
    ...tParts(key, { time: iso ? callTimeElement(iso, zone) : t('rounds.window.not_set') }));
  return el('span', {}, line('rounds.window.opens', round.opens_at), line('rounds.window.closes', round.closes_at));
}

// ---------------------------------------------------------------- shared controls

function frozenNote() {
  return el('div', { className: 'alert alert-note frozen-note' },
    el('p', {}, el('strong', { text: t('rounds.frozen.title') }), ' ', t('rounds.frozen.body')));
}

/** The reason a change to an opened round needs; hidden until the round is frozen. */
function reasonControl(p, frozen) {
  const wrap = field({
    id: `${p}reason`,
    label: t('rounds.reason.label'),
    control: el('textarea', { rows: '2', maxlength: '500' }),
    hint: t('rounds.reason.hint'),
  });
  wrap.dataset.reason = '';
  wrap.hidden = !frozen;
  return wrap;
}

/** The reason typed into `form`, when the form asks for one (null when it does not). */
function readReason(form, p) {
  if (form.querySelector('[data-reason]').hidden) return null;
  const text = form.elements[`${p}reason`].value.trim();
  if (text.length < 3) throw invalid(`${p}reason`, t('rounds.reason.short'));
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
    message: t('rounds.reason.frozen_now'),
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
    ...presets.map((preset) => el('option', { value: preset.key, text: presetLabel(preset) })),
    el('option', { value: 'custom', text: t('rounds.criterion.scale_custom') }));
  const preset = criterion ? presetOf(criterion) : presets[0];
  const low = numberInput(criterion?.scale_min ?? 1);
  const high = numberInput(criterion?.scale_max ?? 10);
  const step = numberInput(criterion?.scale_step ?? 1, { min: '0' });
  const custom = el('div', { className: 'scale-grid' },
    field({ id: `${p}scale_min`, label: t('rounds.criterion.scale_min'), control: low }),
    field({ id: `${p}scale_max`, label: t('rounds.criterion.scale_max'), control: high }),
    field({ id: `${p}scale_step`, label: t('rounds.criterion.scale_step'), control: step }));
  const na = checkbox({
    id: `${p}allow_na`, label: t('rounds.criterion.allow_na'), checked: criterion?.allow_na ?? false,
    hint: t('rounds.criterion.allow_na_hint'),
  });
  const wrap = el('div', { className: 'criterion-fields' },
    field({ id: `${p}name`, label: t('rounds.criterion.name'), control: name, hint: t('rounds.criterion.name_hint') }),
    field({ id: `${p}description`, label: t('rounds.criterion.description'), control: description }),
    field({ id: `${p}weight`, label: t('rounds.criterion.weight'), control: weight, hint: t('rounds.criterion.weight_hint') }),
    field({ id: `${p}scale`, label: t('rounds.criterion.scale'), control: scale }),
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
    if (!body.name) throw invalid(`${p}name`, t('rounds.criterion.error.name'));
    body.weight = readNumber(weight, `${p}weight`, t('rounds.criterion.error.weight'));
    if (body.weight <= 0) throw invalid(`${p}weight`, t('rounds.criterion.error.weight'));
    if (scale.value === 'custom') {
      body.scale_min = readNumber(low, `${p}scale_min`, t('rounds.criterion.error.scale_min'));
      body.scale_max = readNumber(high, `${p}scale_max`, t('rounds.criterion.error.scale_max'));
      body.scale_step = readNumber(step, `${p}scale_step`, t('rounds.criterion.error.scale_step'));
      if (body.scale_max <= body.scale_min) throw invalid(`${p}scale_max`, t('rounds.criterion.error.max_above_min'));
      if (body.scale_step <= 0) throw invalid(`${p}scale_step`, t('rounds.criterion.error.step_above_zero'));
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
  form.append(field({ id: `${p}name`, label: t('rounds.form.name'), control: name, hint: t('rounds.form.name_hint') }));

  const windowBox = el('fieldset', { className: 'group' }, el('legend', { text: t('rounds.form.window') }),
    el('p', { className: 'hint', text: t('rounds.form.window_hint', { viewer_zone: viewerTimeZone, call_zone: challenge.timezone }) }));
  const times = {};
  for (const [key, label] of [['opens_at', t('rounds.form.opens')], ['closes_at', t('rounds.form.closes')]]) {
    const input = el('input', { type: 'datetime-local', value: localValue(round?.[key]) });
    const wrap = field({ id: `${p}${key}`, label, control: input });
    const typed = el('p', { className: 'hint typed-time', id: `${p}${key}-typed` });
    input.setAttribute('aria-describedby', `${input.getAttribute('aria-describedby')} ${typed.id}`);
    const show = () => {
      const iso = isoFromLocal(input.value);
      typed.textContent = iso ? t('rounds.form.in_call_zone', { time: formatInZone(iso, challenge.timezone) }) : '';
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
  form.append(field({ id: `${p}judges_per_entry`, label: t('rounds.form.judges_per_entry'), control: k, hint: t('rounds.form.judges_per_entry_hint') }));

  form.append(el('fieldset', { className: 'group' }, el('legend', { text: t('rounds.form.scoring') }),
    checkbox({
      id: `${p}blind`, label: t('rounds.form.blind'), checked: round ? round.blind : true,
      hint: t('rounds.form.blind_hint'),
    }),
    checkbox({
      id: `${p}normalise`, label: t('rounds.form.normalise'), checked: round ? round.normalise : false,
      hint: t('rounds.form.normalise_hint'),
    })));

  // Who advances
  const advancement = round?.advancement ?? { kind: 'manual' };
  const advBox = el('fieldset', { className: 'group', name: `${p}advancement`, 'aria-describedby': `${p}advancement-error` },
    el('legend', { text: t('rounds.form.advancement') }));
  for (const [kind, label] of ADVANCEMENT) {
    advBox.append(el('div', { className: 'check' },
      el('input', { type: 'radio', id: `${p}adv-${kind}`, name: `${p}advancement.kind`, value: kind, checked: advancement.kind === kind }),
      el('label', { for: `${p}adv-${kind}`, text: label })));
  }
  const nInput = el('input', { type: 'number', min: '1', step: '1', inputmode: 'numeric', value: advancement.n ?? '' });
  const nField = field({ id: `${p}advancement.n`, label: t('rounds.form.n'), control: nInput });
  const thresholdInput = numberInput(advancement.threshold ?? '', { inputmode: 'decimal' });
  const thresholdField = field({
    id: `${p}advancement.threshold`, label: t('rounds.form.threshold'), control: thresholdInput,
    hint: t('rounds.form.threshold_hint', { scale: scaleWords(round?.criteria ?? []) }),
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
    el('legend', { text: t('rounds.form.ties') }),
    el('p', { className: 'hint', id: `${p}tie_breaks-hint`, text: t('rounds.form.ties_hint') }));
  const tieList = el('ol', { className: 'tie-list' });
  const tieEmpty = el('p', { className: 'hint', text: t('rounds.form.ties_empty') });
  const addTie = el('button', { type: 'button', className: 'button button-secondary', text: t('rounds.form.add_tie') });
  tieBox.append(tieEmpty, tieList, el('p', { className: 'field-error', id: `${p}tie_breaks-error` }), el('p', { className: 'actions' }, addTie));

  const rowLabel = (row, i) => row.controls.nameInput.value.trim() || t('rounds.form.unnamed_criterion', { number: i + 1 });
  const criterionChoices = () => (adding
    ? rows.map((row, i) => [`row:${row.key}`, rowLabel(row, i)])
    : round.criteria.map((c) => [`criterion:${c.id}`, c.name]));

  const renderTies = (focus = null) => {
    const choices = criterionChoices();
    tieList.replaceChildren(...tieValues.map((value, i) => {
      const id = `${p}tie_breaks.${i}`;
      const select = el('select', { id, name: id, 'aria-describedby': `${id}-error` },
        ...choices.map(([v, label]) => el('option', { value: v, text: t('rounds.tie.criterion', { name: label }) })),
        el('option', { value: 'scorecards', text: t('rounds.tie.scorecards') }),
        el('option', { value: 'organiser', text: t('rounds.tie.organiser') }));
      select.value = value;
      if (select.value !== value) {
        select.prepend(el('option', { value, text: t('rounds.tie.criterion_gone') }));
        select.value = value;
      }
      select.addEventListener('change', () => { tieValues[i] = select.value; });
      const labelId = `${id}-label`;
      const button = (text, action) => el('button', { type: 'button', className: 'button button-secondary', text, 'aria-describedby': labelId, 'data-action': action });
      const up = button(t('rounds.form.move_up'), 'up');
      const down = button(t('rounds.form.move_down'), 'down');
      const remove = button(t('rounds.form.remove'), 'remove');
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
        el('label', { for: id, id: labelId, text: t('rounds.form.tie_label', { number: i + 1 }) }),
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
    id: `${p}disagreement_share`, label: t('rounds.form.disagreement'), control: share,
    hint: t('rounds.form.disagreement_hint'),
  });

  // The criteria of a new round, typed with it.
  let criteriaBox = null;
  if (adding) {
    let nextKey = 0;
    const rowList = el('ol', { className: 'criterion-rows' });
    const criteriaEmpty = el('p', { className: 'hint', text: t('rounds.form.criteria_empty') });
    const addRow = el('button', { type: 'button', className: 'button button-secondary', text: t('rounds.criteria.add') });
    criteriaBox = el('fieldset', { className: 'group', name: `${p}criteria`, 'aria-describedby': `${p}criteria-error` },
      el('legend', { text: t('rounds.form.criteria') }),
      el('p', { className: 'hint', text: t('rounds.form.criteria_hint') }),
      criteriaEmpty, rowList, el('p', { className: 'field-error', id: `${p}criteria-error` }), el('p', { className: 'actions' }, addRow));
    const renumber = () => {
      rows.forEach((row, i) => { row.legend.textContent = t('rounds.form.criterion_legend', { number: i + 1 }); });
      criteriaEmpty.hidden = rows.length > 0;
    };
    const addCriterionRow = () => {
      const key = nextKey++;
      const controls = criterionControls(`${p}crit${key}-`);
      const legend = el('legend');
      const remove = el('button', { type: 'button', className: 'button button-secondary', text: t('rounds.form.remove_criterion') });
      const item = el('li', {}, el('fieldset', { className: 'group criterion-row', 'data-testid': 'criterion-row' }, legend, controls, el('p', { className: 'actions' }, remove)));
      const row = { key, controls, legend, item };
      legend.id = `${p}crit${key}-legend`;
      remove.setAttribute('aria-describedby', legend.id);
      remove.addEventListener('click', () => {
        const i = rows.indexOf(row);
        rows.splice(i, 1);
        item.remove();
        for (let j = tieValues.length - 1; j >= 0; j -= 1) if (tieValues[j] === `row:${key}`) tieValues.splice(j, 1);
        renumber();
        renderTies();
        (rows[Math.min(i, rows.length - 1)]?.item.querySelector('input') ?? addRow).focus();
      });
      controls.nameInput.addEventListener('input', () => {
        const label = rowLabel(row, rows.indexOf(row));
        for (const option of tieList.querySelectorAll('option')) {
          if (option.value === `row:${key}`) option.textContent = t('rounds.tie.criterion', { name: label });
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
    el('button', { type: 'submit', className: 'button', text: adding ? t('rounds.form.submit_add') : t('rounds.form.submit_save') })));

  /** Tie-breaks as the API takes them; "row:<key>" stays as {kind, row} until the round exists. */
  const readTies = () => tieValues.map((value, i) => {
    if (tieValues.indexOf(value) !== i) throw invalid(`${p}tie_breaks.${i}`, t('rounds.form.error.tie_twice'));
    if (value === 'scorecards' || value === 'organiser') return { kind: value };
    if (value.startsWith('criterion:')) {
      const id = Number(value.slice('criterion:'.length));
      if (!round.criteria.some((c) => c.id === id)) throw invalid(`${p}tie_breaks.${i}`, t('rounds.form.error.tie_criterion'));
      return { kind: 'criterion', criterion_id: id };
    }
    const key = Number(value.slice('row:'.length));
    if (!rows.some((row) => row.key === key)) throw invalid(`${p}tie_breaks.${i}`, t('rounds.form.error.tie_criterion'));
    return { kind: 'criterion', row: key };
  });

  form.readBody = () => {
    const body = {};
    body.name = name.value.trim();
    if (!body.name) throw invalid(`${p}name`, t('rounds.form.error.name'));
    for (const key of ['opens_at', 'closes_at']) {
      const iso = isoFromLocal(times[key].value);
      if (iso === undefined) throw invalid(`${p}${key}`, t('rounds.form.error.date'));
      body[key] = iso;
    }
    if (body.opens_at && body.closes_at && body.closes_at <= body.opens_at) {
      throw invalid(`${p}closes_at`, t('rounds.form.error.close_after_open'));
    }
    const judges = Number(k.value.trim());
    if (k.value.trim() === '' || !Number.isInteger(judges) || judges < 1 || judges > 20) {
      throw invalid(`${p}judges_per_entry`, t('rounds.form.error.judges_per_entry'));
    }
    body.judges_per_entry = judges;
    body.blind = form.elements[`${p}blind`].checked;
    body.normalise = form.elements[`${p}normalise`].checked;
    const kind = chosenKind();
    if (!kind) throw invalid(`${p}advancement`, t('rounds.form.error.advancement'));
    body.advancement = { kind };
    if (kind === 'top_n' || kind === 'top_n_per_category') {
      const n = Number(nInput.value.trim());
      if (nInput.value.trim() === '' || !Number.isInteger(n) || n < 1) throw invalid(`${p}advancement.n`, t('rounds.form.error.n'));
      body.advancement.n = n;
    } else if (kind === 'threshold') {
      const threshold = Number(thresholdInput.value.trim());
      if (thresholdInput.value.trim() === '' || !Number.isFinite(threshold)) throw invalid(`${p}advancement.threshold`, t('rounds.form.error.threshold'));
      body.advancement.threshold = threshold;
    }
    body.tie_breaks = readTies();
    const pct = Number(share.value.trim());
    if (share.value.trim() === '' || !Number.isFinite(pct) || pct <= 0 || pct > 100) {
      throw invalid(`${p}disagreement_share`, t('rounds.form.error.disagreement'));
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
  const position = { number: index + 1, total: rounds.length };
  const source = index === 0
    ? t('rounds.card.position_first', position)
    : t('rounds.card.position_later', { ...position, previous: rounds[index - 1].name });
  const facts = el('dl', { className: 'kv round-facts' });
  fact(facts, t('rounds.card.window'), windowNode(round));
  fact(facts, t('rounds.form.judges_per_entry'), formatNumber(round.judges_per_entry));
  fact(facts, t('rounds.card.judging'), round.blind ? t('rounds.form.blind') : t('rounds.card.judging_open'));
  fact(facts, t('rounds.card.scores'), round.normalise ? t('rounds.card.scores_normalised') : t('rounds.card.scores_raw'));
  fact(facts, t('rounds.form.advancement'), advancementText(round.advancement, round.criteria));
  fact(facts, t('rounds.card.ties'), round.tie_breaks.length
    ? el('ol', { className: 'tie-order' }, ...round.tie_breaks.map((tie) => el('li', { text: tieText(tie, round.criteria) })))
    : t('rounds.card.ties_none'));
  fact(facts, t('rounds.card.disagreement'), t('rounds.card.disagreement_share', { share: number(percent(round.disagreement_share)) }));
  if (round.advanced_at) fact(facts, t('rounds.card.advanced_at'), timeElement(round.advanced_at));

  const buttons = el('p', { className: 'actions' });
  const edit = actionButton(t('rounds.card.edit'), 'edit', titleId);
  edit.addEventListener('click', () => editRound(round));
  buttons.append(edit);
  const confirmSlot = el('div', { className: 'confirm-slot' });
  if (index === rounds.length - 1 && !round.frozen) {
    const remove = actionButton(t('rounds.card.delete'), 'delete', titleId);
    remove.addEventListener('click', () => confirmDeleteRound(round, confirmSlot, remove));
    buttons.append(remove);
  }
  const query = `slug=${enc(slug)}&round=${round.id}`;
  const links = el('ul', { className: 'round-links' },
    el('li', {}, el('a', { href: `/assignments.html?${query}`, text: t('rounds.round_page.nav.assignments'), 'aria-describedby': titleId })),
    el('li', {}, el('a', { href: `/ranking.html?${query}`, text: t('rounds.round_page.nav.ranking'), 'aria-describedby': titleId })));
  item.replaceChildren(...present(
    el('h3', { className: 'card-title', id: titleId, tabindex: '-1', text: round.name }),
    el('p', { className: 'card-meta muted', text: source }),
    el('p', { className: 'flags' }, badge(stateLabel, stateKind), badge(round.blind ? t('rounds.card.blind') : t('rounds.card.open_judging'), 'quiet'),
      badge(t('rounds.card.criteria_count', { count: round.criteria.length }), 'quiet')),
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
    ? t('rounds.add.note_later', { number: rounds.length + 1, previous: last.name })
    : t('rounds.add.note_first');
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
  const cancel = el('button', { type: 'button', className: 'button button-secondary', text: t('rounds.cancel') });
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
    say(t('rounds.card.saved', { name: saved.name }));
  }, form.mapField);
  item.replaceChildren(el('h3', { className: 'card-title', id: `${p}edit-title`, text: t('rounds.editing', { name: round.name }) }), form);
  form.elements[`${p}name`].focus();
}

function confirmDeleteRound(round, slot, opener) {
  const form = formShell('confirm panel');
  form.append(
    el('p', { text: t('rounds.delete.question', { name: round.name }) }),
    el('p', { className: 'actions' },
      el('button', { type: 'submit', className: 'button', text: t('rounds.delete.yes') }),
      el('button', { type: 'button', className: 'button button-secondary', text: t('rounds.keep'), 'data-keep': true })));
  form.setAttribute('aria-label', t('rounds.delete.label', { name: round.name }));
  form.querySelector('[data-keep]').addEventListener('click', () => {
    slot.replaceChildren();
    opener.focus();
  });
  submitWith(form, async () => {
    await del(`/rounds/${round.id}`);
    rounds = rounds.filter((r) => r.id !== round.id);
    renderList();
    say(t('rounds.delete.done', { name: round.name }));
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
  const add = actionButton(t('rounds.criteria.add'), 'add-criterion', titleId);
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
    el('h4', { id: headingId, text: t('rounds.criteria.heading', { name: round.name }) }),
    items.length
      ? el('ol', { className: 'criterion-list' }, ...items)
      : el('p', { className: 'empty', text: t('rounds.criteria.empty') }),
    addSlot,
    el('p', { className: 'actions' }, add));
}

function criterionItem(round, criterion, totalWeight) {
  const item = el('li', { className: 'criterion', 'data-testid': 'criterion', 'data-criterion-id': criterion.id });
  const nameId = `criterion-${criterion.id}-name`;
  const show = () => {
    const facts = el('dl', { className: 'kv' });
    const weight = number(criterion.weight);
    fact(facts, t('rounds.criterion.weight'), totalWeight > 0
      ? t('rounds.criterion.weight_share', { weight, share: number((criterion.weight / totalWeight) * 100) })
      : weight);
    fact(facts, t('rounds.criterion.scale'), scaleText(criterion));
    fact(facts, t('rounds.criterion.na'), criterion.allow_na ? t('rounds.criterion.na_allowed') : t('rounds.criterion.na_not_allowed'));
    const edit = actionButton(t('rounds.criterion.edit'), 'edit-criterion', nameId);
    const remove = actionButton(t('rounds.criterion.delete'), 'delete-criterion', nameId);
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
  form.setAttribute('aria-label', t('rounds.criterion.add_label', { round: round.name }));
  form.append(el('p', { className: 'form-title', text: t('rounds.criterion.add_title', { round: round.name }) }), controls, reasonControl(p, round.frozen));
  const cancel = el('button', { type: 'button', className: 'button button-secondary', text: t('rounds.cancel') });
  cancel.addEventListener('click', close);
  form.append(el('p', { className: 'actions' }, el('button', { type: 'submit', className: 'button', text: t('rounds.criterion.add_submit') }), cancel));
  submitWith(form, async () => {
    const body = controls.read({ preset: true });
    const reason = readReason(form, p);
    let added;
    try {
      added = await post(`/rounds/${round.id}/criteria${reason ? `?reason=${enc(reason)}` : ''}`, body);
    } catch (error) {
      throw frozenNow(error, round, form);
    }
    await afterCriterionChange(round, t('rounds.criterion.added', { name: added.name, round: round.name }), added.id, 'edit-criterion');
  }, (path) => (path === 'reason' ? `${p}reason` : controls.mapField(path)));
  return form;
}

function editCriterion(round, criterion, item, show) {
  const p = `c${criterion.id}-`;
  const form = formShell('editor criterion-form');
  const controls = criterionControls(p, criterion);
  form.setAttribute('aria-label', t('rounds.criterion.edit_label', { name: criterion.name }));
  if (round.frozen) form.append(frozenNote());
  form.append(controls, reasonControl(p, round.frozen));
  const cancel = el('button', { type: 'button', className: 'button button-secondary', text: t('rounds.cancel') });
  cancel.addEventListener('click', () => {
    show();
    item.querySelector('[data-action="edit-criterion"]').focus();
  });
  form.append(el('p', { className: 'actions' }, el('button', { type: 'submit', className: 'button', text: t('rounds.criterion.save') }), cancel));
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
    await afterCriterionChange(round, t('rounds.criterion.saved', { name: saved.name }), saved.id, 'edit-criterion');
  }, (path) => (path === 'reason' ? `${p}reason` : controls.mapField(path)));
  item.replaceChildren(el('h5', { className: 'criterion-name', text: t('rounds.editing', { name: criterion.name }) }), form);
  form.elements[`${p}name`].focus();
}

function confirmDeleteCriterion(round, criterion, item, show) {
  const p = `c${criterion.id}-delete-`;
  const form = formShell('confirm panel');
  form.setAttribute('aria-label', t('rounds.criterion.delete_label', { name: criterion.name }));
  const cancel = el('button', { type: 'button', className: 'button button-secondary', text: t('rounds.keep') });
  cancel.addEventListener('click', () => {
    show();
    item.querySelector('[data-action="delete-criterion"]').focus();
  });
  form.append(
    el('p', { text: t('rounds.criterion.delete_question', { name: criterion.name, round: round.name }) }),
    reasonControl(p, round.frozen),
    el('p', { className: 'actions' }, el('button', { type: 'submit', className: 'button', text: t('rounds.criterion.delete_submit') }), cancel));
  submitWith(form, async () => {
    const reason = readReason(form, p);
    try {
      await del(`/rounds/${round.id}/criteria/${criterion.id}${reason ? `?reason=${enc(reason)}` : ''}`);
    } catch (error) {
      throw frozenNow(error, round, form);
    }
    await afterCriterionChange(round, t('rounds.criterion.deleted', { name: criterion.name }), null, null);
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
      if (created.frozen) patchBody.reason = t('rounds.add.ties_reason');
      try {
        round = await patch(`/rounds/${created.id}`, patchBody);
      } catch (error) {
        if (isAuthError(error)) throw error;
        warning = t('rounds.add.ties_failed', { message: error.message });
      }
    }
    rounds.push(round);
    renderList();
    renderAddForm();
    say(t('rounds.add.done', { name: round.name, number: rounds.length }));
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
    else showAlert(byId('page-alert'), [t('rounds.load_failed', { message: error.message })]);
    byId('page-loading').textContent = '';
  }
}
