// What the organiser pages share: the call named by ?slug=, who may see it, the sub-navigation
// between the call's pages, error mapping for their forms, and a small element builder.
import { get, ApiError, showAlert } from './api.js';
import { bindForm } from './form.js';
import { currentUser, loginUrl } from './nav.js';
import { t, useCatalogues } from './i18n.js';

await useCatalogues('manage');

export const byId = (id) => document.getElementById(id);

/**
 * Makes an element. `options`: className, text (set as textContent, so never parsed as HTML),
 * value (the default value of an input or textarea), and attributes (true gives an empty
 * attribute; false, null and undefined are skipped; hidden and disabled are set as properties).
 */
export function el(tag, options = {}, ...children) {
  const node = document.createElement(tag);
  const { className, text, value, ...attributes } = options;
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  for (const [name, attr] of Object.entries(attributes)) {
    if (attr === false || attr === null || attr === undefined) continue;
    if (['hidden', 'disabled'].includes(name)) node[name] = true;
    else node.setAttribute(name, attr === true ? '' : String(attr)); // "checked" too: reset() keeps it
  }
  node.append(...children.filter((child) => child !== null && child !== undefined && child !== false));
  if (value !== undefined && value !== null) {
    // As the default value where there is one, so a form's reset() returns to it.
    if (node instanceof HTMLInputElement) node.setAttribute('value', String(value));
    else if (node instanceof HTMLTextAreaElement) node.defaultValue = String(value);
    else node.value = String(value);
  }
  return node;
}

/** A labelled form control with its hint and error slot, the way the account pages lay them out. */
export function field({ id, label, control, hint = null }) {
  const describedBy = [hint ? `${id}-hint` : null, `${id}-error`].filter(Boolean).join(' ');
  control.id = id;
  if (!control.name) control.name = id;
  control.setAttribute('aria-describedby', describedBy);
  return el('div', { className: 'field' },
    el('label', { for: id, text: label }),
    hint ? el('p', { className: 'hint', id: `${id}-hint`, text: hint }) : null,
    control,
    el('p', { className: 'field-error', id: `${id}-error` }));
}

/** A checkbox with its label beside it (the whole row is the touch target). */
export function checkbox({ id, label, checked = false, hint = null, name = id }) {
  const input = el('input', { type: 'checkbox', id, name, checked });
  if (hint) input.setAttribute('aria-describedby', `${id}-hint`);
  return el('div', { className: 'check' },
    input,
    el('label', { for: id, text: label }),
    hint ? el('p', { className: 'hint', id: `${id}-hint`, text: hint }) : null);
}

/** The first ?name= of this page's address. */
export const param = (name) => new URLSearchParams(location.search).get(name);

/** After "Show more": the keyboard goes to the heading cell of the first row added. */
export function focusFirstAdded(rows, selector = 'th') {
  const heading = rows[0]?.querySelector(selector);
  heading?.setAttribute('tabindex', '-1');
  heading?.focus();
}

export function goToLogin() {
  location.replace(loginUrl());
}

export const isAuthError = (error) => error instanceof ApiError && error.status === 401;

/** Puts a message and a link into an alert region (textContent only). */
export function alertWithLink(region, message, href, linkText) {
  showAlert(region, [message]);
  const paragraph = region.lastElementChild;
  paragraph.append(' ', el('a', { href, text: linkText }));
}

/** A readable name for an API field path ("eligibility_rules.0.max" → "eligibility rules 1 max"). */
export function fieldName(path) {
  return String(path).split('.').map((part) => (/^\d+$/.test(part) ? String(Number(part) + 1) : part.replaceAll('_', ' '))).join(' ');
}

/**
 * The error with each problem's field renamed to the form control that shows it (`mapField`
 * returns a control name; null keeps the field's name in the message, shown at the top; false
 * shows the message at the top as it is).
 */
export function mapError(error, form, mapField = (path) => path) {
  if (!(error instanceof ApiError)) return error;
  const details = error.problems.map(({ field: path, message }) => {
    if (!path) return { field: null, message };
    const shows = (name) => name && form.elements.namedItem(name) instanceof HTMLElement && byId(`${name}-error`);
    // Next to its control, "reason: say why…" needs no "reason: ".
    const bare = message.startsWith(`${path}: `) ? message.slice(path.length + 2) : message;
    if (shows(path)) return { field: path, message: bare }; // already a control's name (e.g. from invalid())
    const name = mapField(path);
    if (name === false) return { field: null, message: bare }; // at the top, needing no field name
    if (shows(name)) return { field: name, message: bare };
    if (bare !== message) return { field: null, message: `${fieldName(path)}: ${bare}` };
    return { field: null, message: `${fieldName(path)}: ${message}` };
  });
  return new ApiError({
    status: error.status, code: error.code, message: error.message, field: null, details,
    requestId: error.requestId, retryAfter: error.retryAfter,
  });
}

/** bindForm, plus: a lost session goes to the login page, field paths map to controls. */
export function submitWith(form, handler, mapField) {
  bindForm(form, async (values) => {
    try {
      await handler(values, form);
    } catch (error) {
      if (isAuthError(error)) return goToLogin();
      throw mapError(error, form, mapField);
    }
  });
}

/** Runs `action` on a click, with the button disabled meanwhile; errors go to `alertRegion`. */
export function onClick(button, alertRegion, action) {
  button.addEventListener('click', async () => {
    if (button.disabled) return;
    button.disabled = true;
    showAlert(alertRegion, []);
    try {
      await action();
    } catch (error) {
      if (isAuthError(error)) return goToLogin();
      const describe = (p) => (p.field && !p.message.startsWith(`${p.field}: `) ? `${fieldName(p.field)}: ${p.message}` : p.message);
      showAlert(alertRegion, error instanceof ApiError ? error.problems.map(describe) : [t('common.error.client')]);
      if (!(error instanceof ApiError)) console.error(error);
    } finally {
      button.disabled = false;
    }
  });
}

const PHASES = ['draft', 'upcoming', 'open', 'closed', 'judging', 'voting', 'results', 'archived'];

/** Each phase's name in the chosen language, as organisers see it ("Closed for entries"). */
export const PHASE_LABELS = Object.fromEntries(PHASES.map((phase) => [phase, t(`manage.phase.${phase}`)]));

/** Each role's name in the chosen language ("Screener"). */
export const ROLE_LABELS = Object.fromEntries(['organiser', 'screener', 'judge'].map((role) => [role, t(`manage.role.${role}`)]));

/** A small coloured label, e.g. for a phase. */
export function badge(text, kind = '') {
  return el('span', { className: `badge${kind ? ` badge-${kind}` : ''}`, text });
}

const PAGES = [
  { key: 'edit', href: 'challenge-edit.html', organiser: true },
  { key: 'form', href: 'form-builder.html', organiser: true },
  { key: 'languages', href: 'call-languages.html', organiser: true },
  { key: 'entries', href: 'entries-admin.html', organiser: false },
  { key: 'import', href: 'import.html', organiser: true },
  { key: 'rounds', href: 'rounds.html', organiser: true },
  { key: 'panel', href: 'panel.html', organiser: true },
  { key: 'voting', href: 'voting.html', organiser: true },
  { key: 'results', href: 'results-admin.html', organiser: true },
  { key: 'dashboard', href: 'dashboard.html', organiser: true },
  { key: 'exports', href: 'exports.html', organiser: true },
  { key: 'messages', href: 'broadcasts.html', organiser: true },
  { key: 'mail', href: 'mail-log.html', organiser: true },
  { key: 'audit', href: 'audit.html', organiser: true },
  { key: 'public', href: 'challenge.html', organiser: false },
];

/** The links between one call's organiser pages; `current` is the key of this page. */
export function renderSubNav(container, slug, current, isOrganiser) {
  const list = el('ul', { className: 'subnav-list' });
  for (const page of PAGES) {
    if (page.organiser && !isOrganiser) continue;
    const link = el('a', { href: `/${page.href}?slug=${encodeURIComponent(slug)}`, text: t(`manage.subnav.${page.key}`) });
    if (page.key === current) link.setAttribute('aria-current', 'page');
    list.append(el('li', {}, link));
  }
  container.replaceChildren(list);
  container.hidden = false;
}

/**
 * Starts an organiser page: needs a login (else goes to the login page), the call named by
 * ?slug=, and a role in it. Resolves to {user, slug, challenge, isOrganiser}, or null when the
 * page cannot go on (the reason is then shown in #page-alert).
 */
export async function startPage({ current, organiserOnly = false }) {
  const alert = byId('page-alert');
  const loading = byId('page-loading');
  const stop = () => {
    if (loading) loading.textContent = '';
    return null;
  };
  let user;
  try {
    user = await currentUser;
  } catch {
    return stop(); // nav.js has said why.
  }
  if (!user) {
    goToLogin();
    return stop();
  }
  const slug = param('slug');
  if (!slug) {
    alertWithLink(alert, t('manage.start.no_slug'), '/manage.html', t('manage.start.choose_call'));
    return stop();
  }
  let challenge;
  try {
    challenge = await get(`/challenges/${encodeURIComponent(slug)}`);
  } catch (error) {
    if (isAuthError(error)) {
      goToLogin();
    } else if (error instanceof ApiError && error.status === 404) {
      alertWithLink(alert, t('manage.start.no_call'), '/manage.html', t('manage.start.see_calls'));
    } else {
      showAlert(alert, [error.message]);
    }
    return stop();
  }
  const roles = challenge.my_roles ?? [];
  const isOrganiser = user.is_admin || roles.includes('organiser');
  const isStaff = isOrganiser || roles.includes('screener');
  const title = byId('call-name');
  if (title) title.textContent = challenge.title;
  document.title = `${document.title.split(' · ')[0]} · ${challenge.title} · OpenCall`;
  if (!isStaff || (organiserOnly && !isOrganiser)) {
    if (isStaff) {
      alertWithLink(alert, t('manage.start.organisers_only'), `/entries-admin.html?slug=${encodeURIComponent(slug)}`, t('manage.start.go_to_entries'));
    } else {
      alertWithLink(alert, t('manage.start.not_staff'), `/challenge.html?slug=${encodeURIComponent(slug)}`, t('manage.start.see_public'));
    }
    return stop();
  }
  const nav = byId('organiser-nav');
  if (nav) renderSubNav(nav, slug, current, isOrganiser);
  return { user, slug, challenge, isOrganiser };
}

/** Shows the page body in place of its loading message. */
export function showBody() {
  byId('page-loading')?.remove();
  byId('page-body').hidden = false;
}
