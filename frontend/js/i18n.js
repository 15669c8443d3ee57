// Interface text from message catalogues, and numbers and dates in the viewer's language.
//
// Catalogues are JSON files, frontend/i18n/<language>/<namespace>.json, each a flat object of
// "key": "text" ({name} marks a value; "key.one"/"key.other" are plural forms, chosen through
// Intl.PluralRules). A key is written with its namespace first: t('calls.deadline') reads
// "deadline" from calls.json. `common` (the header, shared errors, dates) is loaded here; a
// module that uses another namespace awaits loadNamespaces() at its top level, so a page
// downloads only the catalogues it uses and no text is asked for before it has arrived.
// A key a catalogue lacks falls back to English.

/** The languages the interface is translated into, each named in its own language. */
export const LANGUAGES = [
  { code: 'en', name: 'English' },
  { code: 'fr', name: 'Français' },
  { code: 'es', name: 'Español' },
];

const RTL = new Set(['ar', 'he', 'fa', 'ur']);
const STORAGE_KEY = 'opencall.language';

/** The interface language for a BCP 47 tag ("fr-CA" → "fr"), or null when not translated. */
export function supportedLanguage(tag) {
  const primary = String(tag ?? '').trim().toLowerCase().split(/[-_]/)[0];
  return LANGUAGES.some((l) => l.code === primary) ? primary : null;
}

function storedLanguage() {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return null; // storage refused (private mode, blocked cookies)
  }
}

/** Remembers the choice on this device; false when the browser will not store it. */
export function rememberLanguage(code) {
  try {
    localStorage.setItem(STORAGE_KEY, code);
    return localStorage.getItem(STORAGE_KEY) === code;
  } catch {
    return false;
  }
}

/**
 * The language and where it came from: the ?lang= query (a shared link), a choice remembered
 * on this device, the browser's languages, English. The account's language, when the person
 * is logged in, is applied by nav.js once the server has said who they are (adoptAccountLanguage).
 */
function choose() {
  const query = supportedLanguage(new URLSearchParams(location.search).get('lang'));
  if (query) return { code: query, source: 'query' };
  const stored = supportedLanguage(storedLanguage());
  if (stored) return { code: stored, source: 'stored' };
  for (const tag of navigator.languages?.length ? navigator.languages : [navigator.language]) {
    const code = supportedLanguage(tag);
    if (code) return { code, source: 'browser' };
  }
  return { code: 'en', source: 'default' };
}

const chosen = choose();

/** The interface language in use ("en", "fr", "es"). */
export const language = chosen.code;

/** Where it came from: "query", "stored", "browser" or "default". */
export const languageSource = chosen.source;

/**
 * The locale for Intl: the browser's own variant of the chosen language where it has one
 * (en-GB, fr-CA), else the language itself.
 */
export const locale = (navigator.languages ?? []).find((tag) => supportedLanguage(tag) === language) ?? language;

/** "rtl" for languages written right to left, else "ltr". */
export function direction(code) {
  return RTL.has(supportedLanguage(code) ?? String(code).split('-')[0]) ? 'rtl' : 'ltr';
}

document.documentElement.lang = locale;
document.documentElement.dir = direction(language);

/**
 * The account's language (from GET /api/auth/me): when it differs from the one in use and no
 * ?lang= asks otherwise, it is remembered here and the page reloads in it. Returns true when
 * a reload was started.
 */
export function adoptAccountLanguage(tag) {
  const code = supportedLanguage(tag);
  if (!code || languageSource === 'query') return false;
  if (code === language) {
    rememberLanguage(code);
    return false;
  }
  // Only when the choice sticks: otherwise the reload would come back to the same question.
  if (!rememberLanguage(code)) return false;
  location.reload();
  return true;
}

// ---------------------------------------------------------------- catalogues

const catalogues = new Map(); // "fr/calls" → {key: text}
const pending = new Map(); // "fr/calls" → Promise
const failed = new Set(); // namespaces whose English catalogue could not be had
const loaded = new Set(); // namespaces whose catalogues have arrived (or failed for good)

async function fetchCatalogue(code, namespace) {
  const id = `${code}/${namespace}`;
  if (!pending.has(id)) {
    pending.set(id, (async () => {
      try {
        const response = await fetch(`/i18n/${id}.json`, { credentials: 'same-origin' });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        catalogues.set(id, await response.json());
      } catch (error) {
        // Never rejects: a module awaiting this at its top level would otherwise never run.
        if (code === 'en') failed.add(namespace);
        console.warn(`The ${id} catalogue could not be loaded (${error.message}).`);
      }
    })());
  }
  return pending.get(id);
}

/** Loads the catalogues of these namespaces in the chosen language and in English. */
export async function loadNamespaces(...namespaces) {
  const codes = language === 'en' ? ['en'] : [language, 'en'];
  await Promise.all(namespaces.flatMap((namespace) => codes.map((code) => fetchCatalogue(code, namespace))));
  for (const namespace of namespaces) loaded.add(namespace);
}

const namespaceOf = (key) => key.slice(0, key.indexOf('.'));

function lookup(code, key) {
  const dot = key.indexOf('.');
  const text = catalogues.get(`${code}/${key.slice(0, dot)}`)?.[key.slice(dot + 1)];
  return typeof text === 'string' ? text : undefined;
}

let pluralRules;
try {
  pluralRules = new Intl.PluralRules(locale);
} catch {
  pluralRules = new Intl.PluralRules('en');
}

/** The catalogue text for a key (with its plural form chosen by `count`), before filling. */
function message(key, vars) {
  if (typeof vars?.count === 'number') {
    const form = pluralRules.select(vars.count);
    const text = lookup(language, `${key}.${form}`) ?? lookup(language, `${key}.other`)
      ?? lookup('en', `${key}.${vars.count === 1 ? 'one' : 'other'}`) ?? lookup('en', `${key}.other`);
    if (text !== undefined) return text;
  }
  const text = lookup(language, key) ?? lookup('en', key);
  if (text !== undefined) return text;
  const namespace = namespaceOf(key);
  if (!failed.has(namespace)) console.error(`No text for "${key}": is the ${namespace} catalogue loaded and the key in it?`);
  return key;
}

function show(value) {
  return typeof value === 'number' ? formatNumber(value) : String(value);
}

/**
 * The text for `key` in the chosen language, `{name}` filled from `vars` (numbers formatted
 * for the language). With a numeric `vars.count`, the plural form for it.
 */
export function t(key, vars = {}) {
  return message(key, vars).replace(/\{(\w+)\}/g, (whole, name) => (name in vars ? show(vars[name]) : whole));
}

/**
 * Like t(), as a list to append(): a value that is a DOM node (a link, a <time>) stays a
 * node, placed where its {name} stands, so translations may move it.
 */
export function tParts(key, vars = {}) {
  return message(key, vars).split(/\{(\w+)\}/).map((part, index) => {
    if (index % 2 === 0) return part;
    if (!(part in vars)) return `{${part}}`;
    return vars[part] instanceof Node ? vars[part] : show(vars[part]);
  }).filter((part) => part !== '');
}

/**
 * Fills `root`'s marked elements: data-i18n="key" sets the text (textContent, never HTML);
 * data-i18n-attr="placeholder:key;aria-label:key" sets attributes. Keys of namespaces not
 * loaded yet keep their English until the module that loads them translates again.
 */
export function translate(root = document) {
  const marked = (selector) => [...(root.matches?.(selector) ? [root] : []), ...root.querySelectorAll(selector)];
  const ready = (key) => loaded.has(namespaceOf(key));
  for (const element of marked('[data-i18n]')) {
    if (ready(element.dataset.i18n)) element.textContent = t(element.dataset.i18n);
  }
  for (const element of marked('[data-i18n-attr]')) {
    for (const pair of element.dataset.i18nAttr.split(';')) {
      const [attribute, key] = pair.split(':').map((part) => part.trim());
      if (attribute && key && ready(key)) element.setAttribute(attribute, t(key));
    }
  }
}

/** The namespaces of the keys `root`'s marked elements use. */
export function namespacesIn(root = document) {
  const keys = [...root.querySelectorAll('[data-i18n]')].map((element) => element.dataset.i18n);
  for (const element of root.querySelectorAll('[data-i18n-attr]')) {
    keys.push(...element.dataset.i18nAttr.split(';').map((pair) => pair.split(':')[1]?.trim() ?? ''));
  }
  return [...new Set(keys.filter((key) => key.includes('.')).map(namespaceOf))];
}

/** Loads the namespaces a page uses, then translates the page. */
export async function useCatalogues(...namespaces) {
  await loadNamespaces(...namespaces);
  translate(document);
}

// ---------------------------------------------------------------- numbers and lists

const numberFormats = new Map();

/** A number written for the chosen language ("1 234,5" in French). */
export function formatNumber(value, options = {}) {
  const id = JSON.stringify(options);
  if (!numberFormats.has(id)) numberFormats.set(id, new Intl.NumberFormat(locale, options));
  return numberFormats.get(id).format(value);
}

/** "a, b or c" (type "disjunction") or "a, b and c" (type "conjunction") in the chosen language. */
export function formatList(items, type = 'conjunction') {
  try {
    return new Intl.ListFormat(locale, { style: 'long', type }).format(items);
  } catch {
    return items.join(', ');
  }
}

await loadNamespaces('common');
