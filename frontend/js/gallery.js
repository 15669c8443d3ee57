// The public gallery (?slug=), once the results are published: every eligible entry whose
// entrant agreed to share it, with its public answers, files and licence; search, a category
// filter and "Show more" paging.
import { get, ApiError, showAlert } from './api.js';
import { languageName } from './call-info.js';
import { answerList, licenceLine } from './public-entry.js';
import { el } from './organiser-nav.js';
import { formatNumber, t, useCatalogues } from './i18n.js';

await useCatalogues('results');

const PAGE_SIZE = 12;
const enc = encodeURIComponent;
const byId = (id) => document.getElementById(id);

function fileSize(bytes) {
  const size = (value) => formatNumber(value, { maximumFractionDigits: 1 });
  if (bytes < 1024) return t('results.bytes', { count: bytes });
  if (bytes < 1024 * 1024) return t('results.kilobytes', { size: size(bytes / 1024) });
  return t('results.megabytes', { size: size(bytes / (1024 * 1024)) });
}

function fileList(files) {
  if (!files?.length) return null;
  return el('ul', { className: 'entry-files' }, ...files.map((file) => el('li', {},
    el('a', { href: file.url, download: '', text: t('results.download', { label: file.label }) }),
    el('span', { className: 'muted', text: ` ${t('results.file_details', { name: file.name, size: fileSize(file.size) })}` }))));
}

// ---------------------------------------------------------------- the gallery

function entryCard(entry) {
  const titleId = `entry-${entry.id}-title`;
  const meta = [entry.reference, entry.category, entry.language ? languageName(entry.language) : null].filter(Boolean);
  return el('li', { className: 'gallery-entry', 'data-entry-id': entry.id, 'data-testid': 'gallery-entry' },
    el('article', { 'aria-labelledby': titleId },
      el('h3', { id: titleId, tabindex: '-1', text: entry.title || t('results.untitled') }),
      meta.length ? el('p', { className: 'entry-meta', text: meta.join(' · ') }) : null,
      entry.summary ? el('p', { className: 'pre-line', text: entry.summary }) : null,
      answerList(entry.answers),
      fileList(entry.files),
      licenceLine(entry.licence)));
}

function startGallery() {
  const slug = new URLSearchParams(location.search).get('slug');
  const base = `/challenges/${enc(slug ?? '')}`;
  const list = byId('gallery-list');
  const more = byId('more');
  const searchForm = byId('search-form');
  const listStatus = byId('list-status');
  const listAlert = byId('list-alert');
  const shown = new Set();
  let nextOffset = null;
  let loadSerial = 0;

  const setText = (node, text) => {
    if (node.textContent !== text) node.textContent = text;
  };

  function filters() {
    const query = new URLSearchParams();
    const q = searchForm.elements.q.value.trim();
    const category = searchForm.elements.category.value;
    if (q) query.set('q', q);
    if (category) query.set('category', category);
    return query;
  }

  function showCount(total, filtered) {
    const empty = byId('gallery-empty');
    if (total === 0) {
      setText(listStatus, '');
      empty.textContent = filtered ? t('results.gallery.no_match') : t('results.gallery.none');
      empty.hidden = false;
      return;
    }
    empty.hidden = true;
    const what = filtered ? t('results.gallery.matches', { count: total }) : t('results.gallery.in_gallery', { count: total });
    setText(listStatus, shown.size < total ? t('results.gallery.showing', { what, shown: shown.size }) : t('results.gallery.all_shown', { what }));
  }

  async function loadPage(offset) {
    const serial = ++loadSerial;
    const query = filters();
    const filtered = query.toString() !== '';
    query.set('offset', String(offset));
    query.set('limit', String(PAGE_SIZE));
    showAlert(listAlert, []);
    setText(listStatus, t('results.gallery.loading_entries'));
    more.setAttribute('aria-disabled', 'true');
    let page;
    try {
      page = await get(`${base}/gallery?${query}`);
    } catch (error) {
      if (serial !== loadSerial) return [];
      setText(listStatus, '');
      showAlert(listAlert, [t('results.gallery.entries_failed', { message: error.message })]);
      const retry = el('button', { type: 'button', className: 'button button-secondary button-small', text: t('common.try_again') });
      retry.addEventListener('click', () => loadPage(offset));
      listAlert.lastElementChild.append(' ', retry);
      return [];
    } finally {
      if (serial === loadSerial) more.removeAttribute('aria-disabled');
    }
    if (serial !== loadSerial) return [];
    if (offset === 0) {
      shown.clear();
      list.replaceChildren();
    }
    const added = page.items.filter((entry) => !shown.has(entry.id)).map((entry) => {
      shown.add(entry.id);
      return entryCard(entry);
    });
    list.append(...added);
    nextOffset = page.next_offset ?? null;
    more.hidden = nextOffset === null;
    showCount(page.total, filtered);
    return added;
  }

  more.addEventListener('click', async () => {
    if (more.getAttribute('aria-disabled') === 'true' || nextOffset === null) return;
    const added = await loadPage(nextOffset);
    // Keyboard and screen-reader users carry on at the first new entry.
    added[0]?.querySelector('h3')?.focus();
    if (!added.length && more.hidden) byId('entries-heading').focus();
  });

  searchForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const query = filters();
    byId('search-clear').hidden = query.toString() === '';
    const address = new URLSearchParams({ slug });
    for (const [name, value] of query) address.set(name, value);
    history.replaceState(null, '', `${location.pathname}?${address}`);
    await loadPage(0);
  });

  byId('search-clear').addEventListener('click', () => {
    searchForm.reset();
    searchForm.requestSubmit();
    searchForm.elements.q.focus();
  });

  function fail(message, link = null) {
    byId('page-loading').textContent = '';
    showAlert(byId('page-alert'), [message]);
    if (link) byId('page-alert').lastElementChild.append(' ', el('a', { href: link[0], text: link[1] }));
  }

  async function load() {
    byId('page-retry').hidden = true;
    showAlert(byId('page-alert'), []);
    byId('page-loading').textContent = t('results.gallery.loading');
    let challenge;
    let published = true;
    try {
      challenge = await get(base);
      await get(`${base}/results`).catch((error) => {
        if (error instanceof ApiError && error.status === 404) published = false;
        else throw error;
      });
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        fail(t('results.no_call'), ['/challenges.html', t('results.see_open_calls')]);
      } else {
        fail(t('results.gallery.load_failed', { message: error.message }));
        byId('page-retry').hidden = false;
      }
      return;
    }
    document.title = t('results.gallery.title', { title: challenge.title });
    byId('call-name').textContent = challenge.title;
    const callHref = `/challenge.html?slug=${enc(challenge.slug)}`;
    byId('call-link').href = callHref;
    byId('call-link').textContent = challenge.title;
    byId('page-loading').remove();
    byId('page-retry').remove();
    if (!published) {
      byId('not-published-link').href = callHref;
      byId('not-published').hidden = false;
      return;
    }
    byId('results-link').href = `/results.html?slug=${enc(challenge.slug)}`;
    const categories = challenge.categories ?? [];
    byId('category').append(...categories.map((name) => el('option', { value: name, text: name })));
    byId('category-field').hidden = categories.length === 0;
    const params = new URLSearchParams(location.search);
    searchForm.elements.q.value = params.get('q') ?? '';
    if (categories.includes(params.get('category'))) searchForm.elements.category.value = params.get('category');
    byId('search-clear').hidden = filters().toString() === '';
    byId('page-body').hidden = false;
    await loadPage(0);
  }

  if (!slug) {
    fail(t('results.gallery.no_slug'), ['/challenges.html', t('results.see_open_calls')]);
  } else {
    byId('page-retry').querySelector('button').addEventListener('click', load);
    load();
  }
}

if (byId('gallery-list')) startGallery();
