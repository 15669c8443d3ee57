// A call's public page (?slug=): what it asks, who can enter, the deadline with a live
// countdown, the committee, and "Start an entry".
import { get, getCached, post, ApiError, showAlert } from './api.js';
import { bindForm } from './form.js';
import { currentUser, loginUrl } from './nav.js';
import { callTimeElement, formatDateTime } from './dates.js';
import { PHASE_NAMES, phaseBadge, licenceInfo, languageName } from './call-info.js';
import { startCountdown } from './countdown.js';
import { formatList, formatNumber, language, locale, t, tParts, useCatalogues } from './i18n.js';

await useCatalogues('calls');

const byId = (id) => document.getElementById(id);
const slug = new URLSearchParams(location.search).get('slug');
// The call's own text is asked for in ?lang= (any language the call may be given in, such as
// Swahili, which the interface is not) or else in the interface's language.
const contentLanguage = new URLSearchParams(location.search).get('lang') || language;
const callUrl = () => `/challenges/${encodeURIComponent(slug)}?lang=${encodeURIComponent(contentLanguage)}`;
const pageAlert = byId('page-alert');
const loading = byId('page-loading');
let challenge = null;
let countdown = null;

function showNotFound() {
  loading.remove();
  byId('not-found').hidden = false;
  document.title = t('calls.call.not_found_title');
}

/** Plain text with blank lines between paragraphs, as paragraphs (never parsed as HTML). */
function textBlock(container, text) {
  const paragraphs = String(text ?? '').split(/\n\s*\n/).map((part) => part.trim()).filter(Boolean);
  container.replaceChildren(...paragraphs.map((part) => {
    const p = document.createElement('p');
    p.textContent = part;
    return p;
  }));
  return paragraphs.length > 0;
}

function fact(list, term, ...value) {
  const dt = document.createElement('dt');
  const dd = document.createElement('dd');
  dt.textContent = term;
  dd.append(...value);
  list.append(dt, dd);
}

function range(from, to, zone) {
  const span = document.createElement('span');
  if (from) span.append(...tParts('calls.call.range_from', { time: callTimeElement(from, zone) }));
  if (from && to) span.append(document.createElement('br'));
  if (to) span.append(...tParts(from ? 'calls.call.range_until' : 'calls.call.range_until_only', { time: callTimeElement(to, zone) }));
  return span;
}

function renderHeader() {
  document.title = t('calls.call.title', { title: challenge.title });
  byId('call-phase').replaceChildren(phaseBadge(challenge.phase));
  byId('call-title').textContent = challenge.title;
  const prompt = byId('call-prompt');
  prompt.textContent = challenge.prompt;
  prompt.hidden = !challenge.prompt;
  const roles = challenge.my_roles ?? [];
  if (roles.includes('organiser') || roles.includes('screener')) {
    const manage = byId('manage-link');
    manage.querySelector('a').href = `/challenge-edit.html?slug=${encodeURIComponent(challenge.slug)}`;
    manage.hidden = false;
  }
  if (challenge.cover_url) {
    const cover = byId('call-cover');
    cover.src = challenge.cover_url;
    cover.hidden = false;
  }
}

/** A language's name in that language ("Kiswahili"), or its tag when the browser has none. */
function ownName(code) {
  try {
    const name = new Intl.DisplayNames([code], { type: 'language' }).of(code);
    if (name && name.toLowerCase() !== code.toLowerCase()) return name.charAt(0).toLocaleUpperCase(code) + name.slice(1);
  } catch {
    // Not a tag Intl knows.
  }
  return code;
}

// Where each of the call's own texts is shown (the formats block is made by renderSubmitFacts).
const CONTENT = {
  title: 'call-title',
  prompt: 'call-prompt',
  description_md: 'call-description',
  eligibility_text: 'eligibility-text',
  formats_text: 'formats-text',
  prizes_text: 'prizes-text',
  recognition_text: 'recognition-text',
  consent_text: 'consent-text',
};

/**
 * Marks each of the call's texts with the language it is in (so screen readers read it
 * right), names the texts still in the original, and links the call's other languages.
 */
function renderLanguages() {
  const untranslated = challenge.untranslated ?? [];
  for (const [name, id] of Object.entries(CONTENT)) {
    const node = byId(id);
    if (node) node.lang = untranslated.includes(name) ? challenge.original_language : challenge.content_language;
  }
  const note = byId('call-untranslated');
  note.hidden = untranslated.length === 0;
  note.textContent = t('calls.call.untranslated', { language: ownName(challenge.original_language) });
  const others = [challenge.original_language, ...(challenge.translations ?? [])]
    .filter((code) => code !== challenge.content_language);
  const nav = byId('call-languages');
  nav.hidden = (challenge.translations ?? []).length === 0;
  nav.querySelector('ul').replaceChildren(...others.map((code) => {
    const link = document.createElement('a');
    const url = new URL(location.href);
    url.searchParams.set('lang', code);
    link.href = url.pathname + url.search;
    link.lang = code;
    link.hreflang = code;
    link.textContent = ownName(code);
    const item = document.createElement('li');
    item.append(link);
    return item;
  }));
}

function renderDeadline() {
  const text = byId('deadline-text');
  if (challenge.closes_at) {
    text.replaceChildren(...tParts('calls.call.entries_close', { time: callTimeElement(challenge.closes_at, challenge.timezone) }));
  } else {
    text.textContent = t('calls.call.no_deadline');
  }
  countdown?.stop();
  let first = true;
  countdown = startCountdown(byId('countdown'), challenge, (state) => {
    // When the call opens or closes while the page is open, ask the server what that means.
    if (!first && (state === 'open' || state === 'closed')) refresh();
    first = false;
  });
}

async function refresh() {
  try {
    challenge = await get(callUrl());
    byId('call-phase').replaceChildren(phaseBadge(challenge.phase));
    await renderEntryAction();
  } catch {
    // The page still shows what it had; the countdown says the call has closed.
  }
}

async function renderEntryAction() {
  const startForm = byId('start-form');
  const loginBlock = byId('login-to-enter');
  const notAccepting = byId('not-accepting');
  let user = null;
  try {
    user = await currentUser;
  } catch {
    user = null; // nav.js has said the server could not be reached.
  }
  startForm.hidden = !(challenge.accepting_entries && user);
  loginBlock.hidden = !(challenge.accepting_entries && !user);
  byId('login-link').href = loginUrl(`/challenge.html?slug=${encodeURIComponent(challenge.slug)}`);
  notAccepting.hidden = challenge.accepting_entries;
  if (challenge.phase === 'upcoming') notAccepting.textContent = t('calls.call.not_open_yet');
  else if (challenge.phase === 'draft') notAccepting.textContent = t('calls.call.not_published');
  else notAccepting.textContent = t('calls.call.not_taking', { phase: (PHASE_NAMES[challenge.phase] ?? challenge.phase).toLocaleLowerCase(locale) });
  if (user) await renderMyEntries();
}

async function renderMyEntries() {
  const block = byId('my-call-entries');
  let page;
  try {
    page = await get('/me/entries?limit=100');
  } catch {
    return; // Only a convenience: My entries lists them too.
  }
  const mine = (page.items ?? []).filter((entry) => entry.challenge_slug === challenge.slug);
  const list = block.querySelector('ul');
  list.replaceChildren(...mine.map((entry) => {
    const li = document.createElement('li');
    const link = document.createElement('a');
    link.href = `/entry.html?id=${encodeURIComponent(entry.id)}`;
    const name = entry.title || t('calls.call.untitled');
    if (entry.status === 'draft') link.textContent = t('calls.call.continue_draft', { name });
    else if (entry.status === 'submitted') link.textContent = t('calls.call.submitted', { reference: entry.reference ?? '', name }).trim();
    else link.textContent = t('calls.call.withdrawn', { name });
    const saved = document.createElement('span');
    saved.className = 'muted';
    saved.textContent = t('calls.call.last_saved', { time: formatDateTime(entry.updated_at) });
    li.append(link, saved);
    return li;
  }));
  block.hidden = mine.length === 0;
}

function renderAbout() {
  const description = byId('call-description');
  // description_html is rendered from Markdown and sanitised with nh3 on the server; it is the
  // only HTML this page inserts as HTML.
  description.innerHTML = challenge.description_html ?? '';
  byId('about-section').hidden = !description.textContent.trim() && !description.querySelector('img');
}

/**
 * One declared eligibility rule in plain words. `fieldLabels` maps a form field's key to its
 * label; `countryNames` maps ISO2 codes to names (either may be empty).
 */
function describeRule(rule, fieldLabels = {}, countryNames = {}) {
  const label = fieldLabels[rule.field];
  const answer = label ? t('calls.rule.answer_to', { label }) : t('calls.rule.answer_given');
  let text;
  switch (rule.kind) {
    case 'country_in': {
      const names = (rule.countries ?? []).map((code) => countryNames[code] ?? code);
      text = names.length === 1
        ? t('calls.rule.country', { answer, country: names[0] })
        : t('calls.rule.country_one_of', { answer, countries: names.join(', ') });
      break;
    }
    case 'income_group_in':
      text = t('calls.rule.income_group', { answer, groups: formatList((rule.groups ?? []).map((g) => g.toLocaleLowerCase(locale)), 'disjunction') });
      break;
    case 'amount_max':
      text = t('calls.rule.amount_max', { answer, max: formatNumber(Number(rule.max)) });
      break;
    case 'consent_required':
      text = label ? t('calls.rule.consent', { label }) : t('calls.rule.consent_form');
      break;
    case 'min_age':
      text = label ? t('calls.rule.min_age_from', { min: rule.min, label }) : t('calls.rule.min_age', { min: rule.min });
      break;
    default:
      text = t('calls.rule.checked', { answer, kind: rule.kind });
  }
  text = capitalise(text);
  if (rule.label) text = t('calls.rule.labelled', { label: rule.label, text });
  const how = rule.enforce === 'flag' ? t('calls.rule.flag') : t('calls.rule.block');
  return `${text} ${how}`;
}

function capitalise(text) {
  return text.charAt(0).toLocaleUpperCase(locale) + text.slice(1);
}

async function renderEligibility() {
  const hasText = textBlock(byId('eligibility-text'), challenge.eligibility_text);
  const rules = challenge.eligibility_rules ?? [];
  byId('eligibility-section').hidden = !hasText && rules.length === 0;
  if (!rules.length) return;
  const needsCountries = rules.some((rule) => rule.kind === 'country_in');
  const [form, countries] = await Promise.all([
    get(`/challenges/${encodeURIComponent(challenge.slug)}/form?lang=${encodeURIComponent(contentLanguage)}`).catch(() => null),
    needsCountries ? getCached('/countries').catch(() => []) : [],
  ]);
  const labels = Object.fromEntries((form?.fields ?? []).map((field) => [field.key, field.label]));
  const names = Object.fromEntries((countries ?? []).map((country) => [country.iso2, country.name]));
  byId('rules').replaceChildren(...rules.map((rule) => {
    const li = document.createElement('li');
    li.textContent = describeRule(rule, labels, names);
    return li;
  }));
  byId('rules-block').hidden = false;
}

function renderSubmitFacts() {
  const list = byId('submit-facts');
  list.replaceChildren();
  if (challenge.categories?.length) fact(list, t('calls.call.categories'), challenge.categories.join(', '));
  if (challenge.languages?.length) fact(list, t('calls.call.languages'), challenge.languages.map(languageName).join(', '));
  if (challenge.formats_text) {
    const block = document.createElement('div');
    block.id = 'formats-text';
    block.className = 'text-block';
    textBlock(block, challenge.formats_text);
    fact(list, t('calls.call.formats'), block);
  }
  const limit = challenge.max_entries_per_participant;
  if (limit) fact(list, t('calls.call.entries_per_person'), t('calls.call.entry_limit', { count: limit }));
  const team = challenge.max_team_size;
  if (team) fact(list, t('calls.call.team_size'), t('calls.call.team_limit', { count: team }));
  byId('submit-section').hidden = list.children.length === 0;
}

function renderPrizes() {
  const hasPrizes = textBlock(byId('prizes-text'), challenge.prizes_text);
  const hasRecognition = textBlock(byId('recognition-text'), challenge.recognition_text);
  byId('recognition-block').hidden = !hasRecognition;
  byId('prizes-section').hidden = !hasPrizes && !hasRecognition;
}

function renderLicence() {
  const licence = licenceInfo(challenge.licence);
  const text = byId('licence-text');
  if (challenge.licence === 'all-rights-reserved') {
    text.textContent = t('calls.call.all_rights');
  } else {
    let name = licence.name;
    if (licence.url) {
      name = document.createElement('a');
      name.href = licence.url;
      name.rel = 'license noopener';
      name.textContent = licence.name;
    }
    text.replaceChildren(...tParts('calls.call.shared_under', { licence: name }));
  }
  byId('consent-block').hidden = !textBlock(byId('consent-text'), challenge.consent_text);
}

function renderTimeline() {
  const list = byId('timeline');
  const zone = challenge.timezone;
  list.replaceChildren();
  if (challenge.opens_at) fact(list, t('calls.opens'), callTimeElement(challenge.opens_at, zone));
  if (challenge.closes_at) fact(list, t('calls.call.deadline_for_entries'), callTimeElement(challenge.closes_at, zone));
  const grace = challenge.grace_minutes || 0;
  fact(list, t('calls.call.grace'), grace ? t('calls.call.grace_minutes', { count: grace }) : t('calls.call.grace_none'));
  if (challenge.judging_opens_at || challenge.judging_closes_at) fact(list, t('calls.phase.judging'), range(challenge.judging_opens_at, challenge.judging_closes_at, zone));
  if (challenge.voting_opens_at || challenge.voting_closes_at) fact(list, t('calls.phase.voting'), range(challenge.voting_opens_at, challenge.voting_closes_at, zone));
  fact(list, t('calls.call.time_zone'), zone);
}

function renderContact() {
  if (!challenge.contact_email) return;
  const link = byId('contact-link');
  link.href = `mailto:${challenge.contact_email}`;
  link.textContent = challenge.contact_email;
  byId('contact-section').hidden = false;
}

async function renderCommittee() {
  const status = byId('committee-status');
  let members;
  try {
    members = await get(`/challenges/${encodeURIComponent(challenge.slug)}/committee`);
  } catch (error) {
    status.textContent = t('calls.call.committee_failed', { message: error.message });
    return;
  }
  members = [...(members ?? [])].sort((a, b) => a.position - b.position);
  status.textContent = members.length ? '' : t('calls.call.committee_none');
  byId('committee').replaceChildren(...members.map((member) => {
    const li = document.createElement('li');
    const name = document.createElement('strong');
    name.textContent = member.name;
    li.append(name);
    const details = [member.role, member.affiliation].filter(Boolean);
    if (!member.voting) details.push(t('calls.call.observer'));
    if (details.length) {
      const span = document.createElement('span');
      span.className = 'person-details';
      span.textContent = details.join(' · ');
      li.append(span);
    }
    return li;
  }));
}

/** When the call runs a public vote: its state and window, and the way to the ballot. */
async function renderVoting() {
  let voting;
  try {
    voting = await get(`/challenges/${encodeURIComponent(challenge.slug)}/voting`);
  } catch {
    return; // Only a signpost: the ballot page says the rest.
  }
  if (!voting.enabled) return;
  const zone = voting.timezone;
  const text = document.createElement('p');
  const at = (iso) => ({ time: callTimeElement(iso, zone) });
  if (voting.state === 'open') {
    text.append(...(voting.closes_at ? tParts('calls.vote.open_until', at(voting.closes_at)) : [t('calls.vote.open')]));
  } else if (voting.state === 'upcoming') {
    text.append(...(voting.opens_at ? tParts('calls.vote.opens', at(voting.opens_at)) : [t('calls.vote.not_open')]));
  } else {
    text.append(...(voting.closes_at ? tParts('calls.vote.closed_at', at(voting.closes_at)) : [t('calls.vote.closed')]));
  }
  const link = document.createElement('a');
  link.className = voting.state === 'closed' ? 'button button-secondary' : 'button';
  link.href = `/ballot.html?slug=${encodeURIComponent(challenge.slug)}`;
  link.textContent = voting.state === 'closed' ? t('calls.vote.see_ballot') : t('calls.vote.vote');
  const heading = document.createElement('h2');
  heading.id = 'vote-heading';
  heading.textContent = t('calls.vote.heading');
  const section = document.createElement('section');
  section.setAttribute('aria-labelledby', 'vote-heading');
  const action = document.createElement('p');
  action.append(link);
  section.append(heading, text, action);
  byId('call').querySelector('.deadline-panel').after(section);
}

/** Once the results are published: the way to them and to the gallery of entries. */
async function renderResults() {
  try {
    await get(`/challenges/${encodeURIComponent(challenge.slug)}/results`);
  } catch {
    return; // Not published (404), or not reachable: the page stands without the links.
  }
  const link = (href, text, className) => {
    const a = document.createElement('a');
    a.href = `${href}?slug=${encodeURIComponent(challenge.slug)}`;
    a.className = className;
    a.textContent = text;
    return a;
  };
  const heading = document.createElement('h2');
  heading.id = 'results-heading';
  heading.textContent = t('calls.phase.results');
  const text = document.createElement('p');
  text.textContent = t('calls.call.results_text');
  const actions = document.createElement('p');
  actions.className = 'actions';
  actions.append(link('/results.html', t('calls.call.results'), 'button'), link('/gallery.html', t('calls.call.gallery'), 'button button-secondary'));
  const section = document.createElement('section');
  section.setAttribute('aria-labelledby', 'results-heading');
  section.append(heading, text, actions);
  byId('call').querySelector('.deadline-panel').before(section);
}

/** An error message in the start form's alert, followed by a link. */
function alertWithLink(message, href, text) {
  const region = byId('start-form').querySelector('[data-alert]');
  showAlert(region, [message]);
  const link = document.createElement('a');
  link.href = href;
  link.textContent = text;
  region.lastElementChild.append(' ', link);
}

bindForm(byId('start-form'), async () => {
  let entry;
  try {
    entry = await post(`/challenges/${encodeURIComponent(challenge.slug)}/entries`, {});
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    if (error.status === 401) return location.assign(loginUrl());
    if (error.code === 'entry_limit') return alertWithLink(error.message, '/my-entries.html', t('calls.call.see_entries'));
    if (error.code === 'email_not_verified') return alertWithLink(error.message, '/account.html', t('calls.call.verify_email'));
    throw error;
  }
  location.assign(`/entry.html?id=${encodeURIComponent(entry.id)}`);
  return undefined;
});

async function load() {
  byId('page-retry').hidden = true;
  showAlert(pageAlert, []);
  loading.textContent = t('calls.call.loading');
  try {
    challenge = await get(callUrl());
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return showNotFound();
    loading.textContent = '';
    showAlert(pageAlert, [t('calls.call.load_failed', { message: error.message })]);
    byId('page-retry').hidden = false;
    return undefined;
  }
  loading.remove();
  byId('page-retry').remove();
  renderHeader();
  renderDeadline();
  renderAbout();
  renderSubmitFacts();
  renderPrizes();
  renderLicence();
  renderTimeline();
  renderContact();
  renderLanguages();
  byId('call').hidden = false;
  return Promise.all([renderEntryAction(), renderEligibility(), renderCommittee(), renderVoting(), renderResults()]);
}

if (!slug) {
  showNotFound();
} else {
  byId('page-retry').querySelector('button').addEventListener('click', load);
  load();
}
