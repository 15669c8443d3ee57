// A call's exports: the bundle, each table (optionally with a byte-order mark for Excel), and
// the anonymised bundle and entries. Plain download links: the browser fetches them with the session.
import { byId, el, startPage, showBody } from './organiser-nav.js';

const TABLES = [
  ['entries', 'Entries', 'One row per entry, one column per question of the form.'],
  ['participants', 'Participants', 'Every entrant and teammate.'],
  ['scorecards', 'Scorecards', 'One row per scorecard and criterion, with N/A.'],
  ['scores', 'Scores per round', 'Each entry’s statistics per round, rank and advancement.'],
  ['judges', 'Judges', 'The panel: perspectives, load and scorecards done.'],
  ['conflicts', 'Conflicts of interest', 'Recorded, declared and detected.'],
  ['votes', 'Votes', 'Counted, held and discarded; voters as pseudonyms.'],
  ['results', 'Results', 'The final ranking as it stands now.'],
  ['awards', 'Awards', 'Every award, with any override’s reason.'],
  ['audit', 'Audit log', 'Who did what, when, and why.'],
  ['codebook', 'Codebook', 'Every column of every table: type, allowed values, meaning.'],
];

const started = await startPage({ current: 'exports', organiserOnly: true });
if (started) {
  const base = `/api/challenges/${encodeURIComponent(started.slug)}/exports`;
  byId('bundle-link').href = `${base}/bundle.zip`;
  byId('anonymised-link').href = `${base}/entries.csv?anonymised=true`;
  byId('anonymised-bundle-link').href = `${base}/bundle.zip?anonymised=true`;
  const bom = byId('bom');
  const links = TABLES.map(([name, label, about]) => {
    const link = el('a', { href: `${base}/${name}.csv`, text: `${label} (CSV)` });
    link.setAttribute('download', '');
    link.dataset.table = name;
    return el('li', { className: 'card' }, el('p', {}, link), el('p', { className: 'muted', text: about }));
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
