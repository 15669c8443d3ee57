// Words the public pages share about a call: phases, licences and languages.
import { locale, t, loadNamespaces } from './i18n.js';

await loadNamespaces('calls');

const PHASES = ['draft', 'upcoming', 'open', 'closed', 'judging', 'voting', 'results', 'archived'];

/** Each phase's name in the chosen language ("Open for entries"). */
export const PHASE_NAMES = Object.fromEntries(PHASES.map((phase) => [phase, t(`calls.phase.${phase}`)]));

/** A small label for a phase; its class picks the colour (see public.css). */
export function phaseBadge(phase) {
  const badge = document.createElement('span');
  badge.className = `phase phase-${phase in PHASE_NAMES ? phase : 'other'}`;
  badge.textContent = PHASE_NAMES[phase] ?? phase;
  return badge;
}

// Each licence's name (in the chosen language) and its deed, which Creative Commons
// translates itself.
const LICENCES = {
  'CC-BY-4.0': { key: 'calls.licence.cc_by', url: 'https://creativecommons.org/licenses/by/4.0/' },
  'CC-BY-SA-4.0': { key: 'calls.licence.cc_by_sa', url: 'https://creativecommons.org/licenses/by-sa/4.0/' },
  'CC-BY-NC-4.0': { key: 'calls.licence.cc_by_nc', url: 'https://creativecommons.org/licenses/by-nc/4.0/' },
  'CC0-1.0': { key: 'calls.licence.cc0', url: 'https://creativecommons.org/publicdomain/zero/1.0/' },
  'all-rights-reserved': { key: 'calls.licence.all_rights_reserved', url: null },
};

/** {code, name, url|null} for a licence code. */
export function licenceInfo(code) {
  const known = LICENCES[code];
  if (known) return { code, name: t(known.key), url: known.url };
  return { code, name: code || t('calls.licence.unknown'), url: null };
}

/** "I agree to share my entry under CC-BY-4.0 (…)" for the licence checkbox. */
export function licenceAgreement(code) {
  if (code === 'all-rights-reserved') return t('calls.licence.agree_keep');
  return t('calls.licence.agree_share', { code, name: licenceInfo(code).name });
}

let languageNames = null;
try {
  languageNames = new Intl.DisplayNames(locale, { type: 'language' });
} catch {
  languageNames = null;
}

/** "French (fr)" for a language code; the text itself when it is not a code. */
export function languageName(code) {
  try {
    const name = languageNames?.of(code);
    if (name && name.toLowerCase() !== String(code).toLowerCase()) return `${name} (${code})`;
  } catch {
    // Not a language code: organisers may have typed the language's name.
  }
  return String(code);
}
