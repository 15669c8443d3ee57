// How an entry's public side is shown: its answers and its licence. The ballot, the gallery
// and the results page all show entries this way.
import { licenceInfo } from './call-info.js';
import { el } from './organiser-nav.js';
import { formatNumber, locale, t, tParts, loadNamespaces } from './i18n.js';

await loadNamespaces('results');

const regionNames = (() => {
  try {
    return new Intl.DisplayNames(locale, { type: 'region' });
  } catch {
    return null;
  }
})();

/** A public answer for reading: text, or a link for a web address; null when unanswered. */
export function answerValue({ type, value }) {
  if (value === null || value === undefined || value === '' || (Array.isArray(value) && !value.length)) return null;
  switch (type) {
    case 'checkbox': return value ? t('results.yes') : t('results.no');
    case 'multi_choice': return Array.isArray(value) ? value.join(', ') : String(value);
    case 'money': return typeof value === 'object' ? `${value.currency ?? ''} ${formatNumber(Number(value.amount))}`.trim() : String(value);
    case 'country': {
      let name = null;
      try {
        name = regionNames?.of(String(value)) ?? null;
      } catch {
        name = null;
      }
      return name && name !== value ? `${name} (${value})` : String(value);
    }
    // Only web addresses become links: a javascript: address must never be clickable.
    case 'url': return /^https?:\/\//i.test(String(value))
      ? el('a', { href: String(value), rel: 'nofollow ugc noopener noreferrer', text: String(value) })
      : String(value);
    case 'long_text': return el('span', { className: 'pre-line', text: String(value) });
    case 'number': return typeof value === 'number' ? formatNumber(value) : String(value);
    default: return typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
}

/** The entry's public answers as a <dl>, or null when none is answered. */
export function answerList(answers) {
  const list = el('dl', { className: 'entry-answers' });
  for (const answer of answers ?? []) {
    const value = answerValue(answer);
    if (value !== null) list.append(el('dt', { text: answer.label }), el('dd', {}, value));
  }
  return list.children.length ? list : null;
}

/** "Licence: Creative Commons Attribution 4.0 (CC BY 4.0)." with the licence's link. */
export function licenceLine(code) {
  if (code === 'all-rights-reserved') return el('p', { className: 'entry-licence', text: t('results.licence_reserved') });
  const info = licenceInfo(code);
  const name = info.url ? el('a', { href: info.url, rel: 'license noopener', text: info.name }) : info.name;
  return el('p', { className: 'entry-licence' }, ...tParts('results.licence', { licence: name }));
}
