// Words the public pages share about a call: phases, licences, languages, eligibility rules.

export const PHASE_NAMES = {
  draft: 'Draft',
  upcoming: 'Opening soon',
  open: 'Open for entries',
  closed: 'Closed',
  judging: 'Judging',
  voting: 'Public voting',
  results: 'Results published',
  archived: 'Archived',
};

/** A small label for a phase; its class picks the colour (see public.css). */
export function phaseBadge(phase) {
  const badge = document.createElement('span');
  badge.className = `phase phase-${phase in PHASE_NAMES ? phase : 'other'}`;
  badge.textContent = PHASE_NAMES[phase] ?? phase;
  return badge;
}

const LICENCES = {
  'CC-BY-4.0': { name: 'Creative Commons Attribution 4.0 (CC BY 4.0)', url: 'https://creativecommons.org/licenses/by/4.0/' },
  'CC-BY-SA-4.0': { name: 'Creative Commons Attribution-ShareAlike 4.0 (CC BY-SA 4.0)', url: 'https://creativecommons.org/licenses/by-sa/4.0/' },
  'CC-BY-NC-4.0': { name: 'Creative Commons Attribution-NonCommercial 4.0 (CC BY-NC 4.0)', url: 'https://creativecommons.org/licenses/by-nc/4.0/' },
  'CC0-1.0': { name: 'Creative Commons Zero 1.0 (CC0, public domain)', url: 'https://creativecommons.org/publicdomain/zero/1.0/' },
  'all-rights-reserved': { name: 'all rights reserved (you keep the copyright)', url: null },
};

/** {code, name, url|null} for a licence code. */
export function licenceInfo(code) {
  return { code, ...(LICENCES[code] ?? { name: code || 'the licence the organisers chose', url: null }) };
}

/** "I agree to share my entry under CC-BY-4.0 (…)" for the licence checkbox. */
export function licenceAgreement(code) {
  if (code === 'all-rights-reserved') return 'I agree to the terms of this call: I keep the copyright of my entry (all rights reserved).';
  return `I agree to share my entry under ${code} (${licenceInfo(code).name}).`;
}

let languageNames = null;
try {
  languageNames = new Intl.DisplayNames(undefined, { type: 'language' });
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

const listFormat = new Intl.ListFormat(undefined, { style: 'long', type: 'disjunction' });

/**
 * One declared eligibility rule in plain words. `fieldLabels` maps a form field's key to its
 * label; `countryNames` maps ISO2 codes to names (either may be empty).
 */
export function describeRule(rule, fieldLabels = {}, countryNames = {}) {
  const label = fieldLabels[rule.field];
  const answer = label ? `the answer to “${label}”` : 'the answer given';
  let text;
  switch (rule.kind) {
    case 'country_in': {
      const names = (rule.countries ?? []).map((code) => countryNames[code] ?? code);
      text = `${capitalise(answer)} must be ${names.length === 1 ? names[0] : `one of: ${names.join(', ')}`}.`;
      break;
    }
    case 'income_group_in':
      text = `${capitalise(answer)} must be a country the World Bank classes as ${listFormat.format((rule.groups ?? []).map((g) => g.toLowerCase()))}.`;
      break;
    case 'amount_max':
      text = `${capitalise(answer)} must be no more than ${Number(rule.max).toLocaleString()}.`;
      break;
    case 'consent_required':
      text = label ? `You must tick “${label}”.` : 'You must give the consent the form asks for.';
      break;
    case 'min_age':
      text = `You must be at least ${rule.min} years old${label ? ` (from “${label}”)` : ''}.`;
      break;
    default:
      text = `${capitalise(answer)} is checked (${rule.kind}).`;
  }
  if (rule.label) text = `${rule.label}: ${text}`;
  const how = rule.enforce === 'flag' ? 'The screeners check this.' : 'Checked when you submit: an entry that does not meet it cannot be submitted.';
  return `${text} ${how}`;
}

function capitalise(text) {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
