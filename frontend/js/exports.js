// A call's exports: the bundle, each table (optionally with a byte-order mark for Excel), and
// the anonymised bundle and entries. Plain download links: the browser fetches them with the session.
import { byId, el, startPage, showBody } from './organiser-nav.js';
import { t, tParts, useCatalogues } from './i18n.js';

await useCatalogues('dashboard');

const TABLES = [
  'entries', 'participants', 'scorecards', 'scores', 'judges', 'conflicts', 'votes', 'results', 'awards', 'audit', 'codebook',
];

byId('bundle-about').replaceChildren(...tParts('dashboard.exports.bundle.about', {
  file: el('code', { text: 'SHA256SUMS', translate: 'no' }),
}));

const started = await startPage({ current: 'exports', organiserOnly: true });
if (started) {
  const base = `/api/challenges/${encodeURIComponent(started.slug)}/exports`;
  byId('bundle-link').href = `${base}/bundle.zip`;
  byId('anonymised-link').href = `${base}/entries.csv?anonymised=true`;
  byId('anonymised-bundle-link').href = `${base}/bundle.zip?anonymised=true`;
  const bom = byId('bom');
  const links = TABLES.map((name) => {
    const text = t('dashboard.exports.table_csv', { table: t(`dashboard.exports.table.${name}`) });
    const link = el('a', { href: `${base}/${name}.csv`, text });
    link.setAttribute('download', '');
    link.dataset.table = name;
    return el('li', { className: 'card' }, el('p', {}, link), el('p', { className: 'muted', text: t(`dashboard.exports.table.${name}.about`) }));
  });
  byId('table-list').replaceChildren(...links);
  bom.addEventListener('change', () => {
    for (const item of links) {
      const link = item.querySelector('a');
      link.href = `${base}/${link.dataset.table}.csv${bom.checked ? '?bom=true' : ''}`;
    }
  });
  showBody();
}
