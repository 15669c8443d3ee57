// The public list of calls: "Open now" (open and opening soon) and "Past calls", with search.
import { get } from './api.js';
import { callTimeElement } from './dates.js';
import { phaseBadge } from './call-info.js';
import { language, t, useCatalogues } from './i18n.js';
import './nav.js';

await useCatalogues('calls');

const PAGE_SIZE = 20;
const PAST_PHASES = new Set(['closed', 'judging', 'voting', 'results']);
const form = document.getElementById('search-form');
const summary = document.getElementById('search-summary');

/**
 * A section of the page, fed by one or more API listings (each followed through its cursor).
 * `keep` drops items a listing returns that belong elsewhere.
 */
function makeSection(id, sources, keep, emptyText) {
  const root = document.getElementById(id);
  const part = (role) => root.querySelector(`[data-role="${role}"]`);
  return { root, sources, keep, emptyText, status: part('status'), error: part('error'), retry: part('retry'), list: part('list'), more: part('more'), seen: new Set() };
}

const sections = [
  makeSection('open-section', [{ phase: 'open' }, { phase: 'upcoming' }], () => true,
    { all: t('calls.list.open_none'), search: t('calls.list.open_no_match') }),
  makeSection('past-section', [{ phase: null }], (item) => PAST_PHASES.has(item.phase),
    { all: t('calls.list.past_none'), search: t('calls.list.past_no_match') }),
];

let query = '';
let generation = 0;

function listingPath(source, cursor) {
  const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (source.phase) params.set('phase', source.phase);
  if (query) params.set('q', query);
  if (cursor) params.set('cursor', cursor);
  params.set('lang', language); // each call's title in this language where it is given in it
  return `/challenges?${params}`;
}

function line(label, iso, zone) {
  const paragraph = document.createElement('p');
  paragraph.className = 'card-date';
  const term = document.createElement('strong');
  term.textContent = t('calls.list.date_label', { label });
  paragraph.append(term, callTimeElement(iso, zone));
  return paragraph;
}

function card(item) {
  const li = document.createElement('li');
  li.className = 'card';
  const heading = document.createElement('h3');
  const link = document.createElement('a');
  link.href = `/challenge.html?slug=${encodeURIComponent(item.slug)}`;
  link.textContent = item.title;
  heading.append(link);
  if (item.content_language && item.content_language !== language) heading.lang = item.content_language;
  const meta = document.createElement('p');
  meta.className = 'card-meta';
  meta.append(phaseBadge(item.phase));
  li.append(heading, meta);
  if (item.prompt) {
    const prompt = document.createElement('p');
    prompt.className = 'prompt';
    prompt.textContent = item.prompt;
    if (item.content_language && item.content_language !== language) prompt.lang = item.content_language;
    li.append(prompt);
  }
  if (item.phase === 'upcoming' && item.opens_at) li.append(line(t('calls.opens'), item.opens_at, item.timezone));
  if (item.closes_at) li.append(line(PAST_PHASES.has(item.phase) ? t('calls.list.closed') : t('calls.deadline'), item.closes_at, item.timezone));
  return li;
}

/** Loads the first page of each listing (`first`), or the next page of those with more. */
async function load(section, first) {
  const mine = generation;
  section.error.replaceChildren();
  section.retry.hidden = true;
  section.more.hidden = true;
  const button = section.more.querySelector('button');
  button.disabled = true;
  if (first) {
    section.status.textContent = t('calls.list.loading');
    section.list.replaceChildren();
    section.seen.clear();
    for (const source of section.sources) source.cursor = undefined;
  }
  const added = [];
  try {
    // A past listing mixes in open calls; skip pages that held none of this section's.
    for (let round = 0; round < 3 && added.length === 0; round += 1) {
      const waiting = section.sources.filter((s) => s.cursor !== null);
      if (!waiting.length) break;
      const pages = await Promise.all(waiting.map((s) => get(listingPath(s, s.cursor))));
      if (mine !== generation) return;
      pages.forEach((page, index) => {
        waiting[index].cursor = page.next_cursor ?? null;
        for (const item of page.items ?? []) {
          if (section.keep(item) && !section.seen.has(item.id)) {
            section.seen.add(item.id);
            added.push(item);
          }
        }
      });
    }
  } catch (error) {
    if (mine !== generation) return;
    section.status.textContent = '';
    const message = document.createElement('p');
    message.textContent = t('calls.list.load_failed', { message: error.message });
    section.error.replaceChildren(message);
    section.retry.hidden = false;
    section.retry.dataset.first = first ? 'true' : 'false';
    if (!first) section.more.hidden = false;
    button.disabled = false;
    return;
  }
  section.list.append(...added.map(card));
  const hasMore = section.sources.some((s) => s.cursor !== null);
  section.more.hidden = !hasMore;
  button.disabled = false;
  const shown = section.list.children.length;
  if (!shown) section.status.textContent = query ? section.emptyText.search : section.emptyText.all;
  else section.status.textContent = first ? '' : t('calls.list.more_shown', { count: added.length, total: shown });
  if (!first && added.length) section.list.children[shown - added.length].querySelector('a').focus();
}

function search(text) {
  query = text.trim();
  generation += 1;
  const url = new URL(location.href);
  if (query) url.searchParams.set('q', query);
  else url.searchParams.delete('q');
  history.replaceState(null, '', url);
  summary.textContent = query ? t('calls.list.search_summary', { query }) : '';
  document.getElementById('clear-search').hidden = !query;
  for (const section of sections) load(section, true);
}

for (const section of sections) {
  section.more.querySelector('button').addEventListener('click', () => load(section, false));
  section.retry.querySelector('button').addEventListener('click', () => load(section, section.retry.dataset.first === 'true'));
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  search(form.elements.q.value);
});

document.getElementById('clear-search').querySelector('a').addEventListener('click', (event) => {
  event.preventDefault();
  form.elements.q.value = '';
  search('');
  form.elements.q.focus();
});

// The address's ?q=, else what was typed before this script ran (never wiped).
const initial = new URLSearchParams(location.search).get('q') ?? form.elements.q.value;
form.elements.q.value = initial;
search(initial);
