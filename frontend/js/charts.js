// Small charts drawn as inline SVG, each shown with a table of its numbers: the picture is one
// image to a screen reader (role="img" and a label), the table carries every figure.
// Numbers and days are written for the interface's language (i18n.js), and so is each
// chart's description.
import { formatNumber, locale, t, loadNamespaces } from './i18n.js';

await loadNamespaces('dashboard');

const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 320;

/** A count in the viewer's language ("1,234"). */
export const count = (n) => formatNumber(n);
/** A share 0–1 as a percentage ("12.5%"); a dash when unknown. */
export const share = (x) => (x === null || x === undefined ? '—' : formatNumber(x, { style: 'percent', maximumFractionDigits: 1 }));

/** An amount in a currency ("$1,500.00"); a dash when unknown. */
export function money(value, currency) {
  if (value === null || value === undefined) return '—';
  try {
    return formatNumber(value, { style: 'currency', currency });
  } catch {
    return t('dashboard.charts.amount', { amount: count(value), currency });
  }
}

const days = {
  long: new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' }),
  short: new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short', timeZone: 'UTC' }),
};

/** A calendar day ("2026-11-27", a day in the call's zone) as the viewer writes it, with its
 * year unless `length` is 'short'. */
export function day(iso, length = 'long') {
  const [y, m, d] = iso.split('-').map(Number);
  return days[length].format(Date.UTC(y, m - 1, d));
}

function node(tag, attributes = {}, text = null) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  if (text !== null) element.textContent = String(text); // untrusted labels stay text
  return element;
}

const clip = (text, length) => (text.length > length ? `${text.slice(0, length - 1)}…` : text);

const canvas = (height, label) => node('svg', { viewBox: `0 0 ${WIDTH} ${height}`, width: WIDTH, height, role: 'img', 'aria-label': label, class: 'chart' });

/**
 * What a chart shows, for its label: the figures themselves when there are few. `kind` is
 * "bars" or "columns" (dashboard.charts.bars.listed, …in_table).
 */
function describe(title, kind, rows, format) {
  if (rows.length > 6) return t(`dashboard.charts.${kind}.in_table`, { title, count: rows.length });
  const figures = rows.map((r) => t('dashboard.charts.figure', { label: r.label, value: format(r.value) }));
  return t(`dashboard.charts.${kind}.listed`, { title, figures: figures.join(t('dashboard.charts.figure_separator')) });
}

/** Horizontal bars, one row per {label, value}, each labelled with its value. */
export function bars(title, rows, format = count) {
  const max = Math.max(1, ...rows.map((r) => r.value));
  const svg = canvas(rows.length * 32 + 4, describe(title, 'bars', rows, format));
  rows.forEach((row, i) => {
    const y = i * 32;
    const width = Math.max(row.value > 0 ? 2 : 0, ((WIDTH - 64) * row.value) / max);
    svg.append(
      node('text', { x: 0, y: y + 12, class: 'chart-label' }, clip(row.label, 46)),
      node('rect', { x: 0, y: y + 17, width, height: 12, rx: 2, class: 'chart-bar' }),
      node('text', { x: width + 4, y: y + 28, class: 'chart-value' }, format(row.value)));
  });
  return svg;
}

/**
 * Columns over time or bins: rows of {label, values: [n, …]} stacked in `series` order
 * ([{name, className}]); `marks` labels a few columns below the axis ({index: text}), `ends`
 * labels the axis's two ends (a histogram's edges) and `marker` ({index, text}) draws a
 * labelled line through one column (e.g. the deadline).
 */
export function columns(title, rows, { series = [{ name: t('dashboard.charts.count'), className: 'chart-bar' }], marks = {}, ends = null, marker = null } = {}) {
  const height = 170;
  const top = 22;
  const bottom = height - 30;
  const left = 30;
  const totals = rows.map((r) => r.values.reduce((a, b) => a + b, 0));
  const max = Math.max(1, ...totals);
  const step = (WIDTH - left) / Math.max(rows.length, 1);
  const summary = rows.map((r, i) => ({ label: r.label, value: totals[i] }));
  const svg = canvas(height, describe(title, 'columns', summary, count));
  svg.append(
    node('text', { x: left - 4, y: top + 4, class: 'chart-axis', 'text-anchor': 'end' }, count(max)),
    node('text', { x: left - 4, y: bottom, class: 'chart-axis', 'text-anchor': 'end' }, count(0)),
    node('line', { x1: left, x2: WIDTH, y1: bottom, y2: bottom, class: 'chart-rule' }));
  rows.forEach((row, i) => {
    let y = bottom;
    row.values.forEach((value, s) => {
      const h = ((bottom - top) * value) / max;
      if (h > 0) {
        y -= h;
        svg.append(node('rect', { x: left + i * step + step * 0.1, y, width: Math.max(step * 0.8, 1), height: h, class: series[s].className }));
      }
    });
  });
  const centre = (i) => left + (i + 0.5) * step;
  const anchor = (x) => (x < left + 40 ? 'start' : x > WIDTH - 40 ? 'end' : 'middle');
  for (const [index, text] of Object.entries(marks)) {
    const x = centre(Number(index));
    svg.append(node('text', { x, y: bottom + 16, class: 'chart-axis', 'text-anchor': anchor(x) }, text));
  }
  if (ends) {
    svg.append(
      node('text', { x: left, y: bottom + 16, class: 'chart-axis', 'text-anchor': 'start' }, ends[0]),
      node('text', { x: WIDTH, y: bottom + 16, class: 'chart-axis', 'text-anchor': 'end' }, ends[1]));
  }
  if (marker) {
    const x = centre(marker.index);
    svg.append(
      node('line', { x1: x, x2: x, y1: top - 6, y2: bottom + 4, class: 'chart-marker' }),
      node('text', { x, y: top - 10, class: 'chart-marker-label', 'text-anchor': anchor(x) }, marker.text));
  }
  return svg;
}

/** A key to the colours of a stacked chart. */
export function legend(series) {
  const list = document.createElement('ul');
  list.className = 'chart-legend';
  list.setAttribute('aria-hidden', 'true'); // the table's column headings say the same
  for (const { name, className } of series) {
    const item = document.createElement('li');
    const swatch = node('svg', { viewBox: '0 0 12 12', width: 12, height: 12, class: 'chart-swatch' });
    swatch.append(node('rect', { width: 12, height: 12, rx: 2, class: className }));
    item.append(swatch, ` ${name}`);
    list.append(item);
  }
  return list;
}

/**
 * A table of figures: `columns` [{text, num}], `rows` of cells, the first a row heading.
 * Wrapped in a labelled scrolling region, as the other organiser pages do.
 */
export function table(caption, columns, rows, id) {
  const make = (tag, className, text) => {
    const cell = document.createElement(tag);
    if (className) cell.className = className;
    if (text !== undefined) cell.textContent = String(text);
    return cell;
  };
  const element = make('table', 'data figures');
  const captionCell = make('caption', '', caption);
  captionCell.id = `${id}-caption`;
  const head = make('tr');
  for (const column of columns) {
    const th = make('th', column.num ? 'num' : '', column.text);
    th.scope = 'col';
    head.append(th);
  }
  const body = make('tbody');
  for (const cells of rows) {
    const tr = make('tr');
    cells.forEach((value, i) => {
      const cell = make(i === 0 ? 'th' : 'td', columns[i].num ? 'num' : '', value);
      if (i === 0) cell.scope = 'row';
      tr.append(cell);
    });
    body.append(tr);
  }
  const thead = make('thead');
  thead.append(head);
  element.append(captionCell, thead, body);
  const region = make('div', 'table-scroll');
  region.tabIndex = 0; // a keyboard can scroll it
  region.setAttribute('role', 'region');
  region.setAttribute('aria-labelledby', captionCell.id);
  region.append(element);
  return region;
}

/** A chart and its table side by side (or one under the other on a narrow screen). */
export function figure(chart, figures) {
  const wrapper = document.createElement('div');
  wrapper.className = 'figure';
  wrapper.append(chart, figures);
  return wrapper;
}
