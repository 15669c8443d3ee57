// An entry that can no longer change (withdrawn, or past the deadline), for reading, and the
// outcome of its judging rounds: loaded by entry.js only when it is needed, so the editor's
// pages stay small.
import { el, formatSize } from './entry-fields.js';
import { licenceInfo, languageName } from './call-info.js';
import { timeElement } from './dates.js';
import { formatNumber, locale, t } from './i18n.js';

const dateOnly = new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' });

/** A saved answer for reading (no inputs). `ctx`: countries, attachments (this field's). */
export function answerView(field, value, ctx = {}) {
  if (field.type === 'file') {
    const files = ctx.attachments ?? [];
    if (!files.length) return el('span', { className: 'muted', text: t('entry.view.no_file') });
    return el('ul', { className: 'files' }, ...files.map((file) => el('li', {},
      el('a', { href: file.url, text: file.original_name }), ' ', el('span', { className: 'muted', text: t('entry.file.size', { size: formatSize(file.size) }) }))));
  }
  const empty = value === null || value === undefined || value === '' || (Array.isArray(value) && !value.length);
  if (empty && field.type !== 'checkbox') return el('span', { className: 'muted', text: t('entry.view.not_answered') });
  switch (field.type) {
    case 'checkbox':
      return document.createTextNode(value === true ? t('entry.view.yes') : t('entry.view.no'));
    case 'multi_choice':
      return document.createTextNode(Array.isArray(value) ? value.join(', ') : String(value));
    case 'money':
      return document.createTextNode(typeof value === 'object' ? `${formatNumber(Number(value.amount))} ${value.currency ?? ''}`.trim() : String(value));
    case 'country':
      return document.createTextNode((ctx.countries ?? []).find((country) => country.iso2 === value)?.name ?? String(value));
    case 'date': {
      const date = new Date(`${value}T00:00:00Z`);
      return document.createTextNode(Number.isNaN(date.getTime()) ? String(value) : dateOnly.format(date));
    }
    case 'url':
      // Only web addresses become links: a javascript: address must never be clickable.
      return /^https?:\/\//i.test(String(value)) ? el('a', { href: String(value), rel: 'nofollow noopener', text: String(value) }) : document.createTextNode(String(value));
    case 'long_text':
      return el('div', { className: 'text-answer', text: String(value) });
    default:
      return document.createTextNode(typeof value === 'object' ? JSON.stringify(value) : String(value));
  }
}

/** Fills the <dl> `list` with every part of the entry, as the entrant gave it. */
export function renderAnswers(list, { entry, challenge, fields, countries }) {
  list.replaceChildren();
  const row = (term, value) => list.append(el('dt', { text: term }), el('dd', {}, value));
  row(t('entry.view.title'), document.createTextNode(entry.title || t('entry.untitled')));
  row(t('entry.view.summary'), answerView({ type: 'long_text' }, entry.summary));
  if (entry.category || challenge.categories?.length) row(t('entry.view.category'), answerView({ type: 'choice' }, entry.category));
  if (entry.language || challenge.languages?.length) row(t('entry.view.language'), answerView({ type: 'choice' }, entry.language ? languageName(entry.language) : null));
  for (const field of fields) {
    const attachments = (entry.attachments ?? []).filter((a) => a.field_key === field.key);
    row(field.label, answerView(field, entry.answers?.[field.key], { countries, attachments }));
  }
  const member = ({ name, email }) => (email ? t('entry.view.member_email', { name, email }) : name);
  row(t('entry.view.team'), entry.team?.length
    ? el('ul', { className: 'plain-list' }, ...entry.team.map((person) => el('li', { text: member(person) })))
    : el('span', { className: 'muted', text: t('entry.view.none_listed') }));
  const licence = licenceInfo(entry.licence ?? challenge.licence).name;
  row(t('entry.view.licence'), document.createTextNode(entry.licence_accepted ? t('entry.view.agreed', { licence }) : t('entry.view.not_agreed')));
}

/** The changes this device kept (entry.js's `pending`) as a <dl>, to be copied by hand. */
export function keptChanges(pending, fields) {
  const kept = el('dl', { className: 'answers' });
  const labels = {
    title: t('entry.view.title'),
    summary: t('entry.view.summary'),
    category: t('entry.view.category'),
    language: t('entry.view.language'),
    team: t('entry.view.team'),
    licence_accepted: t('entry.view.licence'),
  };
  for (const field of fields) labels[`answers.${field.key}`] = field.label;
  const flat = Object.entries(pending).flatMap(([key, value]) => (key === 'answers' ? Object.entries(value).map(([k, v]) => [`answers.${k}`, v]) : [[key, value]]));
  for (const [key, value] of flat) {
    kept.append(el('dt', { text: labels[key] ?? key }), el('dd', { className: 'text-answer', text: typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value ?? '') }));
  }
  return kept;
}

/**
 * The "Outcome" section: for each round whose decision was applied, whether the entry
 * advanced, when it was decided, and the judges' feedback where the organisers released it.
 */
export function outcomeSection(outcomes) {
  const section = el('section', { id: 'outcome', 'aria-labelledby': 'outcome-heading' },
    el('h2', { id: 'outcome-heading', text: t('entry.outcome.heading') }));
  for (const outcome of outcomes) {
    const facts = el('dl', { className: 'facts' },
      el('dt', { text: t('entry.outcome.result') }),
      el('dd', outcome.advanced ? { text: t('entry.outcome.advanced') } : { className: 'outcome-no', text: t('entry.outcome.not_advanced') }));
    if (outcome.decided_at) facts.append(el('dt', { text: t('entry.outcome.decided') }), el('dd', {}, timeElement(outcome.decided_at)));
    section.append(el('h3', { text: outcome.round_name }), facts);
    const feedback = (outcome.feedback ?? []).filter((text) => String(text).trim());
    if (feedback.length) {
      section.append(el('h4', { text: t('entry.outcome.feedback') }),
        el('ul', { className: 'rules' }, ...feedback.map((text) => el('li', { className: 'text-answer', text: String(text) }))));
    }
  }
  return section;
}

/** The entry's awards once results are out, each with a link to its printable certificate. */
export function awardList(awards) {
  const list = el('ul', { className: 'rules' });
  for (const award of awards) {
    const label = award.category ? t('entry.award.label', { tier: award.tier_label, category: award.category }) : award.tier_label;
    list.append(el('li', {}, el('strong', { text: label }), ' ',
      el('a', { href: award.certificate_url, text: t('entry.award.certificate') })));
  }
  const wrap = el('div', {}, el('h3', { text: t('entry.award.heading') }), list);
  return wrap;
}
