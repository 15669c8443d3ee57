// A call's published results (?slug=), for everyone: the awards by category and tier with each
// entry's public side and licence, how the results were reached (the methods text), the
// results table with its SHA-256 checksum and how to check a download (in the browser too),
// and the earlier versions with what changed.
import { get, ApiError, showAlert } from './api.js';
import { timeElement } from './dates.js';
import { el } from './organiser-nav.js';
import { answerList, licenceLine } from './public-entry.js';
import { t, tParts, useCatalogues } from './i18n.js';

await useCatalogues('results');

const byId = (id) => document.getElementById(id);
const enc = encodeURIComponent;
const slug = new URLSearchParams(location.search).get('slug');
const base = `/challenges/${enc(slug ?? '')}`;

let results = null;

function fail(message, link = null) {
  byId('page-loading').textContent = '';
  showAlert(byId('page-alert'), [message]);
  if (link) byId('page-alert').lastElementChild.append(' ', el('a', { href: link[0], text: link[1] }));
}

// ---------------------------------------------------------------- awards

/** Awards in the server's order (category, then tier), grouped: [[category, [[tier label, awards]]]]. */
function grouped(awards) {
  const categories = new Map();
  for (const award of awards) {
    const category = award.category ?? '';
    if (!categories.has(category)) categories.set(category, new Map());
    const tiers = categories.get(category);
    if (!tiers.has(award.tier_label)) tiers.set(award.tier_label, []);
    tiers.get(award.tier_label).push(award);
  }
  return [...categories].map(([category, tiers]) => [category, [...tiers]]);
}

function awardCard(award, level, n) {
  const titleId = `award-${n}-title`;
  const meta = [award.reference, award.category].filter(Boolean);
  return el('li', { className: 'award-entry', 'data-testid': 'award', 'data-tier': award.tier },
    el('article', { 'aria-labelledby': titleId },
      el(`h${level}`, { id: titleId, text: award.title || t('results.untitled') }),
      meta.length ? el('p', { className: 'entry-meta', text: meta.join(' · ') }) : null,
      award.summary ? el('p', { className: 'pre-line', text: award.summary }) : null,
      answerList(award.answers),
      licenceLine(award.licence)));
}

function renderAwards() {
  const box = byId('awards');
  const groups = grouped(results.awards);
  const byCategory = groups.some(([category]) => category !== '');
  let n = 0;
  const tierBlocks = (tiers, level) => tiers.map(([label, awards]) => el('div', { className: 'award-group' },
    el(`h${level}`, { className: 'tier-heading', text: label }),
    el('ul', { className: 'award-list' }, ...awards.map((award) => awardCard(award, level + 1, n++)))));
  if (byCategory) {
    box.replaceChildren(...groups.map(([category, tiers]) => el('div', { className: 'award-category' },
      el('h3', { text: category || t('results.whole_call') }),
      ...tierBlocks(tiers, 4))));
  } else {
    box.replaceChildren(...tierBlocks(groups[0]?.[1] ?? [], 3));
  }
  byId('awards-empty').hidden = results.awards.length > 0;
}

// ---------------------------------------------------------------- methods

function renderMethods() {
  // One paragraph a line, as the server wrote it: plain text, never parsed as HTML.
  const lines = results.publication.methods.split(/\r?\n/).map((line) => line.trim()).filter(Boolean);
  byId('methods').replaceChildren(...lines.map((line) => el('p', { text: line })));
}

// ---------------------------------------------------------------- the table and its checksum

function fileName() {
  return `${results.challenge_slug}-results-v${results.publication.version}.csv`;
}

function renderTable() {
  const p = results.publication;
  const name = fileName();
  const link = byId('csv-link');
  link.href = p.table_url;
  link.setAttribute('download', name);
  byId('csv-name').textContent = name;
  byId('csv-sha').textContent = p.sha256;
  byId('cmd-windows').textContent = `certutil -hashfile ${name} SHA256`;
  byId('cmd-mac').textContent = `shasum -a 256 ${name}`;
  byId('cmd-linux').textContent = `sha256sum ${name}`;
}

const checkResult = byId('check-result');

function say(outcome, ...paragraphs) {
  checkResult.dataset.outcome = outcome;
  checkResult.replaceChildren(...paragraphs.map((text) => el('p', { text })));
}

async function sha256Hex(buffer) {
  const digest = await crypto.subtle.digest('SHA-256', buffer);
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** Works out the checksum of `read()`'s bytes and says whether it is the published one. */
async function check(what, read) {
  if (!globalThis.crypto?.subtle) {
    say('error', t('results.check.no_crypto'));
    return;
  }
  say('working', t('results.check.working', { what }));
  let actual;
  try {
    actual = await sha256Hex(await read());
  } catch (error) {
    const text = t('results.check.unreadable', { what, message: error.message ?? '' }).trim();
    say('error', text.charAt(0).toLocaleUpperCase() + text.slice(1));
    return;
  }
  const expected = results.publication.sha256;
  if (actual === expected) {
    say('match', t('results.check.match', { what, version: results.publication.version }), actual);
  } else {
    say('mismatch', t('results.check.mismatch', { what }),
      t('results.check.published', { hash: expected }), t('results.check.this_file', { hash: actual }));
  }
}

byId('check-file').addEventListener('change', (event) => {
  const [file] = event.target.files;
  if (file) check(t('results.check.your_file', { name: file.name }), () => file.arrayBuffer());
});

byId('check-fetch').addEventListener('click', async (event) => {
  const button = event.currentTarget;
  if (button.getAttribute('aria-disabled') === 'true') return;
  button.setAttribute('aria-disabled', 'true');
  try {
    await check(t('results.check.downloaded_now'), async () => {
      // The exact bytes are needed, not JSON: api.js reads JSON answers, so this one fetch is
      // made here.
      const response = await fetch(results.publication.table_url, { credentials: 'same-origin', cache: 'no-store' });
      if (!response.ok) throw new Error(response.status === 404 ? t('results.check.taken_down') : t('results.check.server_answered', { status: String(response.status) }));
      return response.arrayBuffer();
    });
  } finally {
    button.removeAttribute('aria-disabled');
  }
});

// ---------------------------------------------------------------- versions

function renderVersions() {
  const p = results.publication;
  byId('version-line').replaceChildren(...tParts('results.versions.line', { version: p.version, time: timeElement(p.published_at) }));
  byId('current-version').replaceChildren(...tParts('results.versions.current', { version: p.version, time: timeElement(p.published_at) }), ' ',
    ...(p.version === 1 ? [t('results.versions.first')] : tParts('results.versions.changed_since', {
      version: p.version - 1,
      changes: el('span', { className: 'pre-line', text: p.changes || t('results.versions.nothing') }),
    })));
  const history = results.history ?? [];
  byId('history').replaceChildren(...history.map((h) => el('li', { value: h.version },
    el('p', {}, ...tParts('results.versions.earlier', { version: el('strong', { text: t('results.versions.version', { version: h.version }) }), time: timeElement(h.published_at) })),
    h.changes ? el('p', { className: 'pre-line', text: t('results.versions.changed_in_it', { changes: h.changes }) }) : el('p', { text: t('results.versions.the_first') }),
    el('p', {}, ...tParts('results.versions.sha', { hash: el('code', { className: 'hash', text: h.sha256 }) })))));
  byId('history-block').hidden = history.length === 0;
}

// ---------------------------------------------------------------- start

async function load() {
  byId('page-retry').hidden = true;
  showAlert(byId('page-alert'), []);
  byId('page-loading').textContent = t('results.loading');
  let challenge;
  try {
    challenge = await get(base);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      fail(t('results.no_call'), ['/challenges.html', t('results.see_open_calls')]);
    } else {
      fail(t('results.load_failed', { message: error.message }));
      byId('page-retry').hidden = false;
    }
    return;
  }
  document.title = t('results.title', { title: challenge.title });
  byId('call-name').textContent = challenge.title;
  const callHref = `/challenge.html?slug=${enc(challenge.slug)}`;
  byId('call-link').href = callHref;
  byId('call-link').textContent = challenge.title;
  try {
    results = await get(`${base}/results`);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      byId('page-loading').remove();
      byId('page-retry').remove();
      byId('not-published-link').href = callHref;
      byId('not-published').hidden = false;
    } else {
      fail(t('results.load_failed', { message: error.message }));
      byId('page-retry').hidden = false;
    }
    return;
  }
  byId('page-loading').remove();
  byId('page-retry').remove();
  byId('gallery-link').href = `/gallery.html?slug=${enc(challenge.slug)}`;
  renderAwards();
  renderMethods();
  renderTable();
  renderVersions();
  byId('page-body').hidden = false;
}

if (!slug) {
  fail(t('results.no_slug'), ['/challenges.html', t('results.see_open_calls')]);
} else {
  byId('page-retry').querySelector('button').addEventListener('click', load);
  load();
}
