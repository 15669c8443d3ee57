// The challenge editor: each section is its own form with its own Save, and the lifecycle buttons.
import { get, getCached, post, patch, del, upload, showAlert, ApiError } from './api.js';
import { formatCallTime, formatDateTime, parseUtc, viewerTimeZone } from './dates.js';
import { showStatus, invalid } from './form.js';
import {
  byId, el, startPage, showBody, submitWith, onClick, goToLogin, isAuthError, fieldName, checkbox,
  PHASE_LABELS, ROLE_LABELS, badge,
} from './organiser-nav.js';
import { formatList, t, tParts, useCatalogues } from './i18n.js';

await useCatalogues('setup');

const enc = encodeURIComponent;
let slug;
let challenge;
let base; // "/challenges/<slug>"

// ---------------------------------------------------------------- time zones

const COMMON_ZONES = [
  'UTC', 'Africa/Abidjan', 'Africa/Accra', 'Africa/Addis_Ababa', 'Africa/Cairo', 'Africa/Dakar',
  'Africa/Dar_es_Salaam', 'Africa/Harare', 'Africa/Johannesburg', 'Africa/Kampala', 'Africa/Kigali',
  'Africa/Kinshasa', 'Africa/Lagos', 'Africa/Lusaka', 'Africa/Maputo', 'Africa/Nairobi',
  'America/Bogota', 'America/Chicago', 'America/Guatemala', 'America/Lima', 'America/Los_Angeles',
  'America/Mexico_City', 'America/New_York', 'America/Port-au-Prince', 'America/Sao_Paulo',
  'America/Argentina/Buenos_Aires', 'Asia/Bangkok', 'Asia/Dhaka', 'Asia/Ho_Chi_Minh', 'Asia/Jakarta',
  'Asia/Karachi', 'Asia/Kathmandu', 'Asia/Kolkata', 'Asia/Manila', 'Asia/Shanghai', 'Asia/Singapore',
  'Asia/Tokyo', 'Asia/Yangon', 'Australia/Sydney', 'Europe/Berlin', 'Europe/Geneva', 'Europe/London',
  'Europe/Paris', 'Pacific/Auckland', 'Pacific/Port_Moresby',
];

/** True when this browser knows the IANA zone. */
function knownZone(zone) {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone }).format(0);
    return true;
  } catch {
    return false;
  }
}

const partsFormats = new Map();
/** The wall-clock parts of `date` in `zone` (numbers). */
function wallParts(date, zone) {
  if (!partsFormats.has(zone)) {
    partsFormats.set(zone, new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit',
    }));
  }
  const parts = Object.fromEntries(partsFormats.get(zone).formatToParts(date).map((p) => [p.type, p.value]));
  return {
    year: Number(parts.year), month: Number(parts.month), day: Number(parts.day),
    hour: Number(parts.hour) % 24, minute: Number(parts.minute), second: Number(parts.second),
  };
}

/** How far `zone` is ahead of UTC at the instant `date`, in minutes. */
function offsetMinutes(date, zone) {
  const p = wallParts(date, zone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return Math.round((asUtc - Math.floor(date.getTime() / 1000) * 1000) / 60000);
}

const pad = (n, width = 2) => String(Math.abs(n)).padStart(width, '0');

/**
 * A datetime-local value ("2027-03-31T23:59") read as a wall time in `zone`: the instant and
 * its ISO text with the zone's offset ("2027-03-31T23:59:00+01:00"). `shifted` is true when
 * the clocks skip that time (it then means the first valid minute after).
 */
function zonedToIso(value, zone) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(value);
  if (!m) return null;
  const [year, month, day, hour, minute] = m.slice(1).map(Number);
  const guess = Date.UTC(year, month - 1, day, hour, minute);
  let instant = guess - offsetMinutes(new Date(guess), zone) * 60000;
  const second = offsetMinutes(new Date(instant), zone);
  instant = guess - second * 60000; // right even when the offset changes near this time
  const date = new Date(instant);
  const offset = offsetMinutes(date, zone);
  const p = wallParts(date, zone);
  const sign = offset < 0 ? '-' : '+';
  const iso = `${p.year}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}:00${sign}${pad(Math.trunc(offset / 60))}:${pad(offset % 60)}`;
  return { date, iso, shifted: p.hour !== hour || p.minute !== minute };
}

/** The datetime-local value showing an API instant as a wall time in `zone`. */
function isoToZoned(iso, zone) {
  if (!iso) return '';
  const date = parseUtc(iso);
  if (Number.isNaN(date.getTime())) return '';
  const p = wallParts(date, zone);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}`;
}

function describeOffset(zone) {
  const offset = offsetMinutes(new Date(), zone);
  const sign = offset < 0 ? '−' : '+';
  return `UTC${sign}${pad(Math.trunc(offset / 60))}:${pad(offset % 60)}`;
}

// ---------------------------------------------------------------- shared bits

const lines = (text) => text.split('\n').map((line) => line.trim()).filter(Boolean);
const numberOrUndefined = (text) => (String(text).trim() === '' ? undefined : Number(text));

/** Saves part of the challenge and keeps the page's copy. */
async function save(body) {
  challenge = await patch(base, body);
  showPhase();
  return challenge;
}

function showPhase() {
  const label = PHASE_LABELS[challenge.phase] ?? challenge.phase;
  byId('phase-now').replaceChildren(badge(label, challenge.phase));
  byId('phase-facts').replaceChildren(badge(label, challenge.phase), ' ',
    t(challenge.accepting_entries ? 'setup.lifecycle.accepting' : 'setup.lifecycle.not_accepting'));
  byId('published-at').textContent = challenge.published_at ? formatDateTime(challenge.published_at) : t('setup.lifecycle.not_yet');
  const note = byId('override-note');
  note.hidden = !challenge.phase_override;
  note.textContent = '';
  if (challenge.phase_override) {
    const overridden = { phase: PHASE_LABELS[challenge.phase_override] ?? challenge.phase_override, reason: challenge.phase_override_reason };
    note.textContent = t(challenge.phase_override_reason ? 'setup.override.note_because' : 'setup.override.note', overridden);
  }
  byId('publish-row').hidden = Boolean(challenge.published_at) || challenge.phase !== 'draft';
  byId('close-row').hidden = !['upcoming', 'open'].includes(challenge.phase);
  byId('archive-row').hidden = challenge.phase === 'archived';
  // The one place HTML from the API is inserted: description_html was rendered from Markdown
  // and sanitised server-side with nh3 when saved.
  const preview = byId('description-preview');
  if (challenge.description_html) preview.innerHTML = challenge.description_html;
  else preview.replaceChildren(el('p', { className: 'muted', text: t('setup.content.no_description') }));
}

// ---------------------------------------------------------------- content

const contentForm = byId('content-form');
const TEXTS = ['title', 'prompt', 'description_md', 'eligibility_text', 'formats_text', 'prizes_text', 'recognition_text', 'consent_text'];

function fillContent() {
  for (const name of TEXTS) contentForm.elements[name].value = challenge[name] ?? '';
  contentForm.elements.categories.value = (challenge.categories ?? []).join('\n');
  contentForm.elements.languages.value = (challenge.languages ?? []).join('\n');
  contentForm.elements.licence.value = challenge.licence ?? 'CC-BY-4.0';
  contentForm.elements.contact_email.value = challenge.contact_email ?? '';
}

/** "categories.2" → "categories": list items show next to their textarea. */
const firstPart = (path) => path.split('.')[0];

submitWith(contentForm, async (values) => {
  const body = {};
  for (const name of TEXTS) body[name] = values[name].trim();
  body.categories = lines(values.categories);
  body.languages = lines(values.languages);
  body.licence = values.licence;
  body.contact_email = values.contact_email.trim() || null;
  await save(body);
  fillContent();
  showStatus(contentForm, t('setup.content.saved'));
}, firstPart);

// ---------------------------------------------------------------- cover

const coverForm = byId('cover-form');

function showCover() {
  const image = byId('cover-image');
  image.hidden = !challenge.cover_url;
  byId('cover-none').hidden = Boolean(challenge.cover_url);
  if (challenge.cover_url) image.src = challenge.cover_url;
}

submitWith(coverForm, async () => {
  const file = coverForm.elements.cover.files[0];
  if (!file) throw invalid('cover', t('setup.cover.choose_first'));
  if (!file.type.startsWith('image/')) throw invalid('cover', t('setup.cover.not_image'));
  if (file.size > 5 * 1024 * 1024) throw invalid('cover', t('setup.cover.too_large'));
  challenge = await upload(`${base}/cover?filename=${enc(file.name)}`, file, { method: 'PUT' });
  showCover();
  coverForm.reset();
  showStatus(coverForm, t('setup.cover.saved'));
}, () => 'cover');

// ---------------------------------------------------------------- timeline

const timelineForm = byId('timeline-form');
const DATES = ['opens_at', 'closes_at', 'judging_opens_at', 'judging_closes_at', 'voting_opens_at', 'voting_closes_at'];

function currentZone() {
  const zone = timelineForm.elements.timezone.value.trim();
  return zone && knownZone(zone) ? zone : null;
}

function showZoneNote() {
  const zone = currentZone();
  byId('zone-note').textContent = zone
    ? t('setup.timeline.zone_note', { zone, offset: describeOffset(zone), own: viewerTimeZone })
    : t('setup.timeline.zone_unknown');
  for (const name of DATES) showTyped(name);
}

/** Under a time input: what was saved, and what the typed time is in the viewer's own zone. */
function showTyped(name) {
  const input = timelineForm.elements[name];
  const typed = byId(`${name}-typed`);
  const zone = currentZone();
  const converted = zone && input.value ? zonedToIso(input.value, zone) : null;
  const saved = challenge[name] ? parseUtc(challenge[name]).getTime() : null;
  // Only a time that differs from the saved one needs its own line.
  typed.textContent = converted && (converted.date.getTime() !== saved || converted.shifted)
    ? t(converted.shifted ? 'setup.timeline.shifted' : 'setup.timeline.not_saved', { time: formatCallTime(converted.iso, zone) })
    : '';
}

function fillTimeline() {
  const zone = knownZone(challenge.timezone) ? challenge.timezone : 'UTC';
  timelineForm.elements.timezone.value = challenge.timezone ?? 'UTC';
  for (const name of DATES) {
    timelineForm.elements[name].value = isoToZoned(challenge[name], zone);
    byId(`${name}-saved`).textContent = challenge[name]
      ? t('setup.timeline.saved_time', { time: formatCallTime(challenge[name], challenge.timezone) })
      : t('setup.timeline.not_set');
  }
  timelineForm.elements.grace_minutes.value = challenge.grace_minutes ?? 0;
  showZoneNote();
}

function setUpTimeline() {
  const zones = new Set([viewerTimeZone, ...COMMON_ZONES].filter(knownZone));
  byId('zone-list').replaceChildren(...[...zones].sort().map((zone) => el('option', { value: zone })));
  for (const wrapper of timelineForm.querySelectorAll('[data-dt]')) {
    const name = wrapper.dataset.dt;
    const input = timelineForm.elements[name];
    const fieldDiv = input.closest('.field');
    fieldDiv.append(
      el('p', { className: 'hint saved-time', id: `${name}-saved` }),
      el('p', { className: 'hint typed-time', id: `${name}-typed`, 'aria-live': 'polite' }));
    input.setAttribute('aria-describedby', `${input.getAttribute('aria-describedby')} ${name}-saved`);
    for (const type of ['change', 'input']) input.addEventListener(type, () => showTyped(name));
  }
  timelineForm.elements.timezone.addEventListener('change', showZoneNote);
}

submitWith(timelineForm, async (values) => {
  const zone = values.timezone.trim();
  if (!zone || !knownZone(zone)) throw invalid('timezone', t('setup.timeline.zone_needed'));
  const body = { timezone: zone };
  for (const name of DATES) body[name] = values[name] ? zonedToIso(values[name], zone).iso : null;
  const grace = numberOrUndefined(values.grace_minutes);
  if (grace !== undefined) body.grace_minutes = grace;
  await save(body);
  fillTimeline();
  showStatus(timelineForm, t('setup.timeline.saved', { zone: challenge.timezone }));
});

// ---------------------------------------------------------------- limits

const limitsForm = byId('limits-form');
const LIMITS = ['max_entries_per_participant', 'max_team_size'];

function fillLimits() {
  for (const name of LIMITS) limitsForm.elements[name].value = challenge[name] ?? '';
  limitsForm.elements.reference_prefix.value = challenge.reference_prefix ?? '';
}

limitsForm.elements.reference_prefix.addEventListener('input', (event) => {
  const input = event.target;
  const upper = input.value.toUpperCase();
  if (upper !== input.value) input.value = upper;
});

submitWith(limitsForm, async (values) => {
  const body = {};
  for (const name of LIMITS) {
    const number = numberOrUndefined(values[name]);
    if (number !== undefined) body[name] = number;
  }
  if (values.reference_prefix.trim()) body.reference_prefix = values.reference_prefix.trim();
  await save(body);
  fillLimits();
  showStatus(limitsForm, t('setup.limits.saved'));
});

// ---------------------------------------------------------------- eligibility rules

const rulesForm = byId('rules-form');
const ruleList = byId('rule-list');
let formFields = [];
let countries = null;
let ruleCount = 0;

// Each kind of rule: its name, and the types of question it can read.
const RULE_KINDS = {
  country_in: { label: t('setup.rules.kind.country_in'), types: ['country'] },
  income_group_in: { label: t('setup.rules.kind.income_group_in'), types: ['country'] },
  amount_max: { label: t('setup.rules.kind.amount_max'), types: ['money', 'number'] },
  consent_required: { label: t('setup.rules.kind.consent_required'), types: ['checkbox'] },
  min_age: { label: t('setup.rules.kind.min_age'), types: ['number', 'date'] },
};
// The World Bank's groups as the API stores them (the values sent), each with its shown name.
const INCOME_GROUPS = [
  { value: 'Low income', label: t('setup.rules.group.low') },
  { value: 'Lower middle income', label: t('setup.rules.group.lower_middle') },
  { value: 'Upper middle income', label: t('setup.rules.group.upper_middle') },
  { value: 'High income', label: t('setup.rules.group.high') },
];
/** A question type a rule can read (one of RULE_KINDS' types), named for the reader. */
const typeName = (type) => t(`setup.rules.type.${type}`);

async function loadCountries() {
  countries ??= await getCached('/countries');
  return countries;
}

function fieldOptions(select, kind, chosen) {
  const fitting = formFields.filter((f) => RULE_KINDS[kind].types.includes(f.type));
  const options = fitting.map((f) => el('option', { value: f.key, text: t('setup.rules.question', { label: f.label, type: typeName(f.type) }) }));
  if (chosen && !fitting.some((f) => f.key === chosen)) {
    options.push(el('option', { value: chosen, text: t('setup.rules.not_fitting', { key: chosen }) }));
  }
  if (!options.length) {
    options.push(el('option', { value: '', text: t(`setup.rules.no_question.${kind}`) }));
  }
  select.replaceChildren(...options);
  select.value = chosen && [...select.options].some((o) => o.value === chosen) ? chosen : select.options[0].value;
}

function countryPicker(uid, chosen) {
  const fieldset = el('fieldset', { className: 'group picker', name: `${uid}-countries`, 'aria-describedby': `${uid}-countries-summary ${uid}-countries-error` },
    el('legend', { text: t('setup.rules.countries') }));
  const summary = el('p', { className: 'hint', id: `${uid}-countries-summary`, 'aria-live': 'polite' });
  const filter = el('input', { type: 'search', id: `${uid}-country-filter`, autocomplete: 'off' });
  const box = el('div', { className: 'picker-list', role: 'group', 'aria-label': t('setup.rules.countries_to_choose') });
  const picked = new Set(chosen ?? []);
  const update = () => {
    const names = [...box.querySelectorAll('input:checked')].map((input) => input.dataset.name);
    summary.textContent = names.length
      ? t('setup.rules.countries_chosen', { count: names.length, names: formatList(names) })
      : t('setup.rules.none_chosen');
  };
  const fill = (list) => {
    box.replaceChildren(...list.map((country) => {
      const id = `${uid}-country-${country.iso2}`;
      const input = el('input', { type: 'checkbox', id, name: `${uid}-country`, value: country.iso2, checked: picked.has(country.iso2), 'data-name': country.name });
      return el('div', { className: 'check' }, input, el('label', { for: id, text: country.name }));
    }));
    update();
  };
  box.addEventListener('change', update);
  filter.addEventListener('input', () => {
    const wanted = filter.value.trim().toLowerCase();
    for (const row of box.children) {
      row.hidden = Boolean(wanted) && !row.textContent.toLowerCase().includes(wanted);
    }
  });
  box.textContent = t('setup.rules.countries_loading');
  loadCountries().then(fill, (error) => {
    if (isAuthError(error)) goToLogin();
    box.textContent = t('setup.rules.countries_failed', { message: error.message });
  });
  fieldset.append(
    el('label', { for: filter.id, text: t('setup.rules.find_country') }), filter, summary, box,
    el('p', { className: 'field-error', id: `${uid}-countries-error` }));
  return fieldset;
}

function groupPicker(uid, chosen) {
  const fieldset = el('fieldset', { className: 'group', name: `${uid}-groups`, 'aria-describedby': `${uid}-groups-error` },
    el('legend', { text: t('setup.rules.groups') }));
  INCOME_GROUPS.forEach((group, i) => {
    fieldset.append(checkbox({ id: `${uid}-group-${i}`, name: `${uid}-group`, label: group.label, checked: (chosen ?? []).includes(group.value) }));
    fieldset.lastElementChild.querySelector('input').value = group.value;
  });
  fieldset.append(el('p', { className: 'field-error', id: `${uid}-groups-error` }));
  return fieldset;
}

function inputField(id, label, input, hint) {
  input.id = id;
  input.name = id;
  input.setAttribute('aria-describedby', `${hint ? `${id}-hint ` : ''}${id}-error`);
  return el('div', { className: 'field' },
    el('label', { for: id, text: label }),
    hint ? el('p', { className: 'hint', id: `${id}-hint`, text: hint }) : null,
    input, el('p', { className: 'field-error', id: `${id}-error` }));
}

function renumberRules() {
  [...ruleList.children].forEach((row, i) => {
    row.querySelector('legend').textContent = t('setup.rules.numbered', { number: i + 1 });
  });
  byId('rules-empty').hidden = ruleList.children.length > 0;
}

function ruleRow(rule = { kind: 'country_in', field: '', enforce: 'block' }) {
  ruleCount += 1;
  const uid = `rule${ruleCount}`;
  const row = el('fieldset', { className: 'rule panel', 'data-uid': uid, name: uid, 'aria-describedby': `${uid}-error` },
    el('legend', { text: t('setup.rules.rule') }),
    el('p', { className: 'field-error', id: `${uid}-error` }));
  const kind = el('select', {});
  for (const [value, { label }] of Object.entries(RULE_KINDS)) kind.append(el('option', { value, text: label }));
  kind.value = rule.kind;
  const fieldSelect = el('select', {});
  const details = el('div', { className: 'rule-details' });
  const maxInput = el('input', { type: 'number', step: 'any', min: '0', inputmode: 'decimal', value: rule.max ?? '' });
  const minInput = el('input', { type: 'number', step: '1', min: '0', max: '120', inputmode: 'numeric', value: rule.min ?? '' });
  const enforce = el('select', {},
    el('option', { value: 'block', text: t('setup.rules.enforce.block') }),
    el('option', { value: 'flag', text: t('setup.rules.enforce.flag') }));
  enforce.value = rule.enforce ?? 'block';
  const label = el('input', { type: 'text', maxlength: '300', value: rule.label ?? '' });
  const remove = el('button', { type: 'button', className: 'button button-secondary', text: t('setup.rules.remove') });

  let countriesBox = null;
  let groupsBox = null;
  const showDetails = () => {
    fieldOptions(fieldSelect, kind.value, rule.field);
    const parts = [];
    if (kind.value === 'country_in') parts.push(countriesBox ??= countryPicker(uid, rule.countries));
    if (kind.value === 'income_group_in') parts.push(groupsBox ??= groupPicker(uid, rule.groups));
    if (kind.value === 'amount_max') parts.push(inputField(`${uid}-max`, t('setup.rules.max'), maxInput));
    if (kind.value === 'min_age') parts.push(inputField(`${uid}-min`, t('setup.rules.min_age'), minInput, t('setup.rules.min_age_hint')));
    details.replaceChildren(...parts);
  };
  kind.addEventListener('change', showDetails);
  remove.addEventListener('click', () => {
    const next = row.nextElementSibling ?? row.previousElementSibling;
    row.remove();
    renumberRules();
    (next?.querySelector('select') ?? byId('rule-add')).focus();
  });
  row.append(
    inputField(`${uid}-kind`, t('setup.rules.kind'), kind),
    inputField(`${uid}-field`, t('setup.rules.field'), fieldSelect),
    details,
    inputField(`${uid}-enforce`, t('setup.rules.enforce'), enforce),
    inputField(`${uid}-label`, t('setup.rules.label'), label, t('setup.rules.label_hint')),
    remove);
  row.collect = () => {
    const out = { kind: kind.value, field: fieldSelect.value, enforce: enforce.value };
    if (label.value.trim()) out.label = label.value.trim();
    if (kind.value === 'country_in') out.countries = [...row.querySelectorAll(`input[name="${uid}-country"]:checked`)].map((i) => i.value);
    if (kind.value === 'income_group_in') out.groups = [...row.querySelectorAll(`input[name="${uid}-group"]:checked`)].map((i) => i.value);
    if (kind.value === 'amount_max' && maxInput.value !== '') out.max = Number(maxInput.value);
    if (kind.value === 'min_age' && minInput.value !== '') out.min = Number(minInput.value);
    return out;
  };
  showDetails();
  return row;
}

function fillRules() {
  ruleCount = 0;
  ruleList.replaceChildren(...(challenge.eligibility_rules ?? []).map((rule) => ruleRow(rule)));
  renumberRules();
}

byId('rule-add').addEventListener('click', () => {
  const row = ruleRow();
  ruleList.append(row);
  renumberRules();
  row.querySelector('select').focus();
});

/** "eligibility_rules.1.countries" → the control of the second rule that shows it. */
function ruleControl(path) {
  const [, index, part] = path.split('.');
  const row = ruleList.children[Number(index)];
  if (!row) return null;
  const uid = row.dataset.uid;
  return part ? `${uid}-${part}` : uid;
}

submitWith(rulesForm, async () => {
  const rules = [...ruleList.children].map((row) => row.collect());
  const missing = rules.findIndex((rule) => !rule.field);
  if (missing >= 0) {
    throw invalid(`${ruleList.children[missing].dataset.uid}-field`, t('setup.rules.field_needed'));
  }
  await save({ eligibility_rules: rules });
  fillRules();
  showStatus(rulesForm, t('setup.rules.saved', { count: rules.length }));
}, ruleControl);

// ---------------------------------------------------------------- screening reasons

const reasonsForm = byId('reasons-form');

submitWith(reasonsForm, async (values) => {
  await save({ screening_reasons: lines(values.screening_reasons) });
  reasonsForm.elements.screening_reasons.value = challenge.screening_reasons.join('\n');
  showStatus(reasonsForm, t('setup.reasons.saved'));
}, firstPart);

// ---------------------------------------------------------------- steering committee

const committeeList = byId('committee-list');
const committeeAlert = byId('committee-alert');
const committeeStatus = byId('committee-status');
const committeeForm = byId('committee-form');

function memberCard(member) {
  const item = el('li', { className: 'card', 'data-testid': 'committee-member' });
  const headingId = `member-${member.id}`;
  const show = () => {
    const edit = el('button', { type: 'button', className: 'button button-secondary', text: t('setup.committee.edit'), 'aria-describedby': headingId });
    const remove = el('button', { type: 'button', className: 'button button-secondary', text: t('setup.committee.remove'), 'aria-describedby': headingId });
    item.replaceChildren(
      el('h3', { className: 'card-title', id: headingId, text: member.name }),
      el('p', { className: 'card-meta' },
        badge(t(member.voting ? 'setup.committee.voting_member' : 'setup.committee.observer'), member.voting ? '' : 'quiet'),
        member.role ? el('span', { text: ` ${member.role}` }) : null),
      member.affiliation ? el('p', { className: 'muted', text: member.affiliation }) : '',
      el('p', { className: 'actions' }, edit, remove));
    edit.addEventListener('click', () => showEditor());
    onClick(remove, committeeAlert, async () => {
      if (!window.confirm(t('setup.committee.confirm_remove', { name: member.name }))) return;
      await del(`${base}/committee/${member.id}`);
      const next = item.nextElementSibling ?? item.previousElementSibling;
      item.remove();
      byId('committee-empty').hidden = committeeList.children.length > 0;
      committeeStatus.textContent = t('setup.committee.removed', { name: member.name });
      (next?.querySelector('button') ?? byId('member-name')).focus();
    });
    return edit;
  };
  const showEditor = () => {
    const p = `edit-member-${member.id}`;
    const form = el('form', { method: 'post', novalidate: true, 'aria-label': t('setup.committee.edit_name', { name: member.name }) },
      el('div', { className: 'alert alert-error', role: 'alert', 'data-alert': true }),
      inputField(`${p}-name`, t('setup.committee.name'), el('input', { type: 'text', maxlength: '200', value: member.name })),
      inputField(`${p}-affiliation`, t('setup.committee.affiliation'), el('input', { type: 'text', maxlength: '300', value: member.affiliation })),
      inputField(`${p}-role`, t('setup.committee.role'), el('input', { type: 'text', maxlength: '200', value: member.role })),
      checkbox({ id: `${p}-voting`, label: t('setup.committee.voting_untick'), checked: member.voting }),
      el('p', { className: 'actions' },
        el('button', { type: 'submit', className: 'button', text: t('setup.committee.save') }),
        el('button', { type: 'button', className: 'button button-secondary', text: t('setup.committee.cancel'), 'data-cancel': true })));
    form.querySelector('[data-cancel]').addEventListener('click', () => show().focus());
    submitWith(form, async () => {
      const body = {
        name: form.elements[`${p}-name`].value.trim(),
        affiliation: form.elements[`${p}-affiliation`].value.trim(),
        role: form.elements[`${p}-role`].value.trim(),
        voting: form.elements[`${p}-voting`].checked,
      };
      Object.assign(member, await patch(`${base}/committee/${member.id}`, body));
      show().focus();
      committeeStatus.textContent = t('setup.committee.saved', { name: member.name });
    }, (path) => `${p}-${path}`);
    item.replaceChildren(form);
    form.elements[`${p}-name`].focus();
  };
  show();
  return item;
}

async function loadCommittee() {
  try {
    const members = await get(`${base}/committee`);
    committeeList.replaceChildren(...members.map(memberCard));
    byId('committee-empty').hidden = members.length > 0;
  } catch (error) {
    if (isAuthError(error)) return goToLogin();
    showAlert(committeeAlert, [t('setup.committee.failed', { message: error.message })]);
  }
  return undefined;
}

submitWith(committeeForm, async (values) => {
  committeeStatus.textContent = '';
  const body = {
    name: values['member-name'].trim(),
    affiliation: values['member-affiliation'].trim(),
    role: values['member-role'].trim(),
    voting: values['member-voting'] !== 'no',
  };
  if (!body.name) throw invalid('member-name', t('setup.committee.name_needed'));
  const member = await post(`${base}/committee`, body);
  committeeList.append(memberCard(member));
  byId('committee-empty').hidden = true;
  committeeForm.reset();
  showStatus(committeeForm, t('setup.committee.added', { name: member.name }));
}, (path) => `member-${path}`);

// ---------------------------------------------------------------- people

const peopleList = byId('people-list');
const peopleAlert = byId('people-alert');
const peopleStatus = byId('people-status');
const peopleForm = byId('people-form');

const ROLES = ['organiser', 'screener', 'judge'];

function personCard(role) {
  const headingId = `person-${role.id}`;
  // Each role has its own sentences (setup.people.remove.judge…), so that every language can
  // put the role where its grammar wants it; a role this page does not know keeps its code.
  const said = (what, vars = {}) => (ROLES.includes(role.role)
    ? t(`setup.people.${what}.${role.role}`, vars)
    : t(`setup.people.${what}.unknown_role`, { ...vars, role: role.role }));
  const remove = el('button', { type: 'button', className: 'button button-secondary', text: said('remove'), 'aria-describedby': headingId });
  const item = el('li', { className: 'card', 'data-testid': 'person' },
    el('h3', { className: 'card-title', id: headingId, text: role.display_name }),
    el('p', { className: 'card-meta' }, badge(ROLE_LABELS[role.role] ?? role.role, role.role), ' ', el('span', { className: 'muted', text: role.email })),
    el('p', { className: 'actions' }, remove));
  onClick(remove, peopleAlert, async () => {
    if (!window.confirm(said('confirm_remove', { name: role.display_name }))) return;
    peopleStatus.textContent = '';
    await del(`${base}/roles/${role.id}`);
    const next = item.nextElementSibling ?? item.previousElementSibling;
    item.remove();
    peopleStatus.textContent = said('removed', { name: role.display_name });
    (next?.querySelector('button') ?? byId('person-email')).focus();
  });
  return item;
}

async function loadPeople() {
  try {
    const roles = await get(`${base}/roles`);
    peopleList.replaceChildren(...roles.map(personCard));
  } catch (error) {
    if (isAuthError(error)) return goToLogin();
    showAlert(peopleAlert, [t('setup.people.failed', { message: error.message })]);
  }
  return undefined;
}

submitWith(peopleForm, async (values) => {
  peopleStatus.textContent = '';
  const role = await post(`${base}/roles`, { email: values['person-email'].trim(), role: values['person-role'] });
  peopleList.append(personCard(role));
  peopleForm.reset();
  const added = { name: role.display_name, role: role.role };
  showStatus(peopleForm, ROLES.includes(role.role) ? t(`setup.people.added.${role.role}`, added) : t('setup.people.added.unknown_role', added));
}, (path) => `person-${path}`);

// ---------------------------------------------------------------- lifecycle

const lifecycleAlert = byId('lifecycle-alert');
const lifecycleStatus = byId('lifecycle-status');
const PUBLISH_FIELDS = {
  title: t('setup.content.title'), prompt: t('setup.content.prompt'), opens_at: t('setup.timeline.opens'), closes_at: t('setup.timeline.closes'),
};

/**
 * A 422 from publish: each missing field as a link to its input. One problem may name several
 * fields in its message ("Set prompt, opens_at before publishing."): each gets its own link.
 */
function showPublishProblems(error) {
  let problems = error.problems;
  if (problems.length === 1) {
    const named = Object.keys(PUBLISH_FIELDS).filter((name) => new RegExp(`\\b${name}\\b`).test(problems[0].message));
    if (named.length > 1 || (named.length === 1 && named[0] !== problems[0].field)) {
      problems = named.map((name) => ({ field: name, message: t('setup.lifecycle.needed') }));
    }
  }
  const items = problems.map(({ field: path, message }) => {
    const item = el('li');
    const input = path ? byId(path) : null;
    if (input) item.append(...tParts('setup.lifecycle.problem', { field: el('a', { href: `#${path}`, text: PUBLISH_FIELDS[path] ?? fieldName(path) }), message }));
    else item.textContent = path ? t('setup.lifecycle.problem', { field: fieldName(path), message }) : message;
    return item;
  });
  lifecycleAlert.replaceChildren(el('p', { text: t('setup.lifecycle.cannot_publish') }), el('ul', {}, ...items));
  lifecycleAlert.focus();
}

function lifecycleButton(id, path, done, question = null) {
  const button = byId(id);
  button.addEventListener('click', async () => {
    if (button.disabled) return;
    if (question && !window.confirm(question)) return;
    button.disabled = true;
    showAlert(lifecycleAlert, []);
    lifecycleStatus.textContent = '';
    try {
      challenge = await post(`${base}/${path}`);
      showPhase();
      lifecycleStatus.textContent = done;
      byId('lifecycle-heading').focus();
    } catch (error) {
      if (isAuthError(error)) return goToLogin();
      if (error instanceof ApiError && error.status === 422) showPublishProblems(error);
      else {
        showAlert(lifecycleAlert, [error.message]);
        lifecycleAlert.focus();
      }
    } finally {
      button.disabled = false;
    }
    return undefined;
  });
}

lifecycleButton('publish', 'publish', t('setup.lifecycle.published_done'));
lifecycleButton('close', 'close', t('setup.lifecycle.closed_done'), t('setup.lifecycle.close_confirm'));
lifecycleButton('archive', 'archive', t('setup.lifecycle.archived_done'), t('setup.lifecycle.archive_confirm'));

const cloneForm = byId('clone-form');
submitWith(cloneForm, async (values) => {
  const copy = await post(`${base}/clone`, { slug: values['clone-slug'].trim(), title: values['clone-title'].trim() });
  cloneForm.reset();
  const status = cloneForm.querySelector('[data-status]');
  const link = el('a', { href: `/challenge-edit.html?slug=${enc(copy.slug)}`, text: t('setup.clone.open', { title: copy.title }) });
  status.replaceChildren(...tParts('setup.clone.done', { link }));
}, (path) => `clone-${path}`);

const phaseForm = byId('phase-form');
submitWith(phaseForm, async (values) => {
  const reason = values['override-reason'].trim();
  if (reason.length < 3) throw invalid('override-reason', t('setup.override.too_short'));
  challenge = await post(`${base}/phase`, { phase: values['override-phase'] || null, reason });
  showPhase();
  phaseForm.reset();
  showStatus(phaseForm, t('setup.override.done', { phase: PHASE_LABELS[challenge.phase] ?? challenge.phase }));
}, (path) => `override-${path}`);

// ---------------------------------------------------------------- start

async function loadFormFields() {
  try {
    formFields = (await get(`${base}/form`)).fields ?? [];
  } catch (error) {
    if (isAuthError(error)) return goToLogin();
    showAlert(rulesForm.querySelector('[data-alert]'), [t('setup.rules.form_failed', { message: error.message })]);
  }
  return undefined;
}

const started = await startPage({ current: 'edit', organiserOnly: true });
if (started) {
  ({ slug, challenge } = started);
  base = `/challenges/${enc(slug)}`;
  const formLink = byId('rules-form-link');
  formLink.href = `/form-builder.html?slug=${enc(slug)}`;
  byId('rules-intro').replaceChildren(...tParts('setup.rules.intro', { form_link: formLink }));
  setUpTimeline();
  fillContent();
  showCover();
  fillTimeline();
  fillLimits();
  reasonsForm.elements.screening_reasons.value = (challenge.screening_reasons ?? []).join('\n');
  showPhase();
  cloneForm.elements['clone-title'].value = t('setup.clone.default_title', { title: challenge.title }).slice(0, 200);
  await loadFormFields();
  fillRules();
  showBody();
  await Promise.all([loadCommittee(), loadPeople()]);
}
