// "Calls you manage": the calls I organise or screen, and a form to create a new one.
import { get, post, showAlert, ApiError } from './api.js';
import { currentUser } from './nav.js';
import { formatDateTime } from './dates.js';
import {
  byId, el, badge, goToLogin, isAuthError, alertWithLink, submitWith, PHASE_LABELS, ROLE_LABELS,
} from './organiser-nav.js';
import { formatList, t, tParts, useCatalogues } from './i18n.js';

await useCatalogues('manage');

const list = byId('call-list');
const more = byId('calls-more');
const callsAlert = byId('calls-alert');
const form = byId('create-form');
let nextCursor = null;

const enc = encodeURIComponent;

function callCard(call) {
  const slug = enc(call.slug);
  const organiser = call.my_roles.includes('organiser') || call.my_roles.length === 0; // none: an admin
  const titleId = `call-${call.id}`;
  const opens = call.opens_at ? formatDateTime(call.opens_at) : null;
  const closes = call.closes_at ? formatDateTime(call.closes_at) : null;
  let when = null;
  if (opens && closes) when = t('manage.card.opens_closes', { opens, closes });
  else if (opens) when = t('manage.card.opens', { opens });
  else if (closes) when = t('manage.card.closes', { closes });
  const links = el('p', { className: 'actions' });
  if (organiser) links.append(el('a', { className: 'button', href: `/challenge-edit.html?slug=${slug}`, 'aria-describedby': titleId, text: t('manage.subnav.edit') }));
  links.append(el('a', { className: `button${organiser ? ' button-secondary' : ''}`, href: `/entries-admin.html?slug=${slug}`, 'aria-describedby': titleId, text: t('manage.subnav.entries') }));
  if (call.phase !== 'draft') links.append(el('a', { className: 'button button-secondary', href: `/challenge.html?slug=${slug}`, 'aria-describedby': titleId, text: t('manage.subnav.public') }));
  return el('li', { className: 'card', 'data-testid': 'managed-call' },
    el('h3', { className: 'card-title', id: titleId, text: call.title }),
    el('p', { className: 'card-meta' },
      badge(PHASE_LABELS[call.phase] ?? call.phase, call.phase),
      ' ',
      el('span', {
        className: 'muted',
        text: call.my_roles.length
          ? t('manage.card.you_are', { roles: formatList(call.my_roles.map((r) => ROLE_LABELS[r] ?? r)) })
          : t('manage.card.admin'),
      })),
    call.prompt ? el('p', { className: 'card-prompt', text: call.prompt }) : null,
    when ? el('p', { className: 'muted small', text: when }) : null,
    links);
}

async function loadCalls(again = false) {
  const query = new URLSearchParams({ scope: 'managed', limit: '50' });
  if (again && nextCursor) query.set('cursor', nextCursor);
  const page = await get(`/challenges?${query}`);
  const cards = page.items.map(callCard);
  if (again) list.append(...cards);
  else list.replaceChildren(...cards);
  nextCursor = page.next_cursor ?? null;
  more.hidden = !nextCursor;
  byId('calls-empty').hidden = list.children.length > 0;
  return cards;
}

more.addEventListener('click', async () => {
  more.disabled = true;
  showAlert(callsAlert, []);
  try {
    const added = await loadCalls(true);
    added[0]?.querySelector('a')?.focus();
  } catch (error) {
    if (isAuthError(error)) return goToLogin();
    showAlert(callsAlert, [error.message]);
  } finally {
    more.disabled = false;
  }
});

function showNotVerified() {
  alertWithLink(form.querySelector('[data-alert]'), t('manage.create.not_verified'), '/account.html', t('manage.create.go_to_account'));
}

submitWith(form, async ({ title, slug, prompt }) => {
  const body = { title: title.trim() };
  if (slug.trim()) body.slug = slug.trim();
  if (prompt.trim()) body.prompt = prompt.trim();
  let created;
  try {
    created = await post('/challenges', body);
  } catch (error) {
    if (error instanceof ApiError && error.code === 'email_not_verified') {
      showNotVerified();
      form.querySelector('[data-alert] a').focus();
      return;
    }
    throw error;
  }
  location.assign(`/challenge-edit.html?slug=${enc(created.slug)}`);
});

currentUser.then(async (user) => {
  if (!user) return goToLogin();
  byId('page-loading').remove();
  byId('page-body').hidden = false;
  if (!user.email_verified) showNotVerified();
  if (user.is_admin) {
    const line = byId('admin-stats');
    line.replaceChildren(...tParts('manage.admin.line', {
      users: byId('admin-users-link'), stats: byId('admin-stats-link'), mail: byId('admin-mail-link'),
    }));
    line.hidden = false;
  }
  try {
    await loadCalls();
  } catch (error) {
    if (isAuthError(error)) return goToLogin();
    showAlert(callsAlert, [error.message]);
  }
  return undefined;
}, () => {
  byId('page-loading').textContent = '';
});
