// Words the public pages share about a call: phases, licences and languages.

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
