// My entries: every entry I have started, in any call, newest first.
import { get, ApiError, showAlert } from './api.js';
import { loginUrl } from './nav.js';
import { timeElement } from './dates.js';
import { t, useCatalogues } from './i18n.js';

await useCatalogues('entries');

const byId = (id) => document.getElementById(id);
const list = byId('entries');
const status = byId('entries-status');
const more = byId('entries-more');
const retry = byId('entries-retry');
let cursor = null;

const STATUS_NAMES = { draft: t('entries.status.draft'), submitted: t('entries.status.submitted'), withdrawn: t('entries.status.withdrawn') };
const ELIGIBILITY_NAMES = {
  pending: t('entries.eligibility.pending'),
  eligible: t('entries.eligibility.eligible'),
  ineligible: t('entries.eligibility.ineligible'),
};

/** Whether entry.js has changes typed on this device that have not reached the server. */
function hasUnsent(id) {
  try {
    return Boolean(localStorage.getItem(`opencall.entry.${id}.unsent`));
  } catch {
    return false;
  }
}

function fact(dl, term, ...value) {
  const dt = document.createElement('dt');
  const dd = document.createElement('dd');
  dt.textContent = term;
  dd.append(...value);
  dl.append(dt, dd);
}

function item(entry) {
  const li = document.createElement('li');
  li.className = 'card';
  const heading = document.createElement('h2');
  heading.className = 'card-title';
  const link = document.createElement('a');
  link.href = `/entry.html?id=${encodeURIComponent(entry.id)}`;
  link.textContent = entry.title || t('entries.untitled');
  heading.append(link);

  const meta = document.createElement('p');
  meta.className = 'card-meta';
  const badge = document.createElement('span');
  badge.className = `status status-${entry.status}`;
  badge.textContent = STATUS_NAMES[entry.status] ?? entry.status;
  meta.append(badge);
  if (entry.reference) {
    const reference = document.createElement('span');
    reference.className = 'reference-small';
    reference.textContent = entry.reference;
    meta.append(' ', reference);
  }

  const facts = document.createElement('dl');
  facts.className = 'facts';
  const call = document.createElement('a');
  call.href = `/challenge.html?slug=${encodeURIComponent(entry.challenge_slug)}`;
  call.textContent = entry.challenge_title || entry.challenge_slug;
  fact(facts, t('entries.call'), call);
  if (entry.status === 'submitted') {
    let text = ELIGIBILITY_NAMES[entry.eligibility] ?? entry.eligibility;
    if (entry.eligibility === 'ineligible' && entry.eligibility_reason) {
      text = t('entries.ineligible_because', { eligibility: text, reason: entry.eligibility_reason });
    }
    fact(facts, t('entries.eligibility'), text);
  }
  if (entry.submitted_at) fact(facts, t('entries.submitted'), timeElement(entry.submitted_at));
  fact(facts, t('entries.last_saved'), timeElement(entry.updated_at));
  li.append(heading, meta, facts);

  if (hasUnsent(entry.id)) {
    const note = document.createElement('p');
    note.className = 'note';
    note.textContent = t('entries.unsent');
    li.append(note);
  }
  return li;
}

async function load() {
  retry.hidden = true;
  more.hidden = true;
  showAlert(byId('page-alert'), []);
  status.textContent = list.children.length ? t('entries.loading_more') : t('entries.loading');
  const params = new URLSearchParams({ limit: '50' });
  if (cursor) params.set('cursor', cursor);
  let page;
  try {
    page = await get(`/me/entries?${params}`);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      location.replace(loginUrl());
      return;
    }
    status.textContent = '';
    showAlert(byId('page-alert'), [t('entries.load_failed', { message: error.message })]);
    retry.hidden = false;
    if (cursor) more.hidden = false;
    return;
  }
  const before = list.children.length;
  list.append(...(page.items ?? []).map(item));
  cursor = page.next_cursor ?? null;
  more.hidden = !cursor;
  byId('entries-empty').hidden = list.children.length > 0;
  status.textContent = before ? t('entries.more_shown', { count: list.children.length - before }) : '';
  if (before && list.children[before]) list.children[before].querySelector('a').focus();
}

retry.querySelector('button').addEventListener('click', load);
more.querySelector('button').addEventListener('click', load);
load();
