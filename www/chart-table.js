// A chart's data as an HTML table, built from the same spec the canvas draws, for a reader who
// cannot see the canvas (a screen reader, a keyboard, a copy into a spreadsheet). Lines and
// bars share one x column: a row per x value any of them has. A chart without lines lists each
// series' points. Pictures (heat maps, pixel images, shaded bands) are left out with a note;
// the CSV export has the numbers behind them.

import { el } from './dom.js';

/** Rows shown at most; a longer table says how many it left out. */
export const MAX_ROWS = 1000;

const kind = (series) => Object.keys(series.mark)[0];
const TABULATED = new Set(['Line', 'Bars']);
const POINTS = new Set(['Dots', 'Rings', 'Frames']);

/** A value as the table shows it: four significant digits, a dash for a missing one. */
export function cell(value) {
  return Number.isFinite(value) ? String(Number(value.toPrecision(4))) : '–';
}

/** The table's columns and rows for `spec`: {columns, rows, total, left}. */
export function tableData(spec) {
  const withData = spec.series.filter((s) => s.points.length);
  const named = withData.filter((s) => s.name);
  const lines = named.filter((s) => TABULATED.has(kind(s)));
  const left = [...new Set(withData.filter((s) => !TABULATED.has(kind(s)) && !POINTS.has(kind(s))).map((s) => s.name || 'the picture'))];
  if (lines.length) {
    const xs = [...new Set(lines.flatMap((s) => s.points.map((p) => p[0])))].sort((a, b) => a - b);
    const lookup = lines.map((s) => new Map(s.points.map(([x, y]) => [x, y])));
    const rows = xs.map((x) => [x, ...lookup.map((m) => m.get(x))]);
    return { columns: [spec.x.label, ...lines.map((s) => s.name)], rows, left };
  }
  const points = named.filter((s) => POINTS.has(kind(s)));
  // Points coloured one by one (a label per point) say their colour's name where the legend
  // has an entry of that colour alone ("class 2"), since the table cannot show the colour.
  const legend = spec.series.filter((s) => s.name && !s.points.length);
  const colourName = (s, i) => {
    const c = s.colors?.[i];
    return c ? legend.find((l) => l.color.every((v, k) => v === c[k]))?.name ?? '' : '';
  };
  // Rings and frames drawn on other points (a flipped label, your own point) are a column of
  // those points' rows, not rows of their own.
  const at = ([x, y]) => `${x},${y}`;
  const dotted = new Set(points.filter((s) => kind(s) === 'Dots').flatMap((s) => s.points.map(at)));
  const folded = points.filter((s) => kind(s) !== 'Dots' && s.points.length && s.points.every((p) => dotted.has(at(p))));
  const marks = new Map();
  for (const m of folded) for (const p of m.points) marks.set(at(p), [...(marks.get(at(p)) ?? []), m.name]);
  const rows = points.filter((s) => !folded.includes(s))
    .flatMap((s) => s.points.map((p, i) => [s.name, p[0], p[1], colourName(s, i), (marks.get(at(p)) ?? []).join(', ')]));
  // Only the columns some row fills.
  const extra = [['colour', 3], ['marked', 4]].filter(([, k]) => rows.some((r) => r[k]));
  return {
    columns: ['series', spec.x.label, spec.y.label, ...extra.map(([name]) => name)],
    rows: rows.map((r) => [...r.slice(0, 3), ...extra.map(([, k]) => r[k])]),
    left,
  };
}

/** The table of `spec`, with its caption and notes, under element id `id`. */
export function chartTable(spec, id) {
  const { columns, rows, left } = tableData(spec);
  const shown = rows.slice(0, MAX_ROWS);
  const notes = [];
  if (!rows.length) notes.push('This chart has no data to list yet.');
  if (rows.length > shown.length) notes.push(`The first ${shown.length.toLocaleString()} of ${rows.length.toLocaleString()} rows; the CSV export has them all.`);
  if (left.length) notes.push(`Not listed (a picture or a band): ${left.join(', ')}; the CSV export has the numbers behind them.`);
  const head = el('tr', {}, ...columns.map((c) => el('th', { scope: 'col' }, c)));
  const body = shown.map((row) => el('tr', {}, ...row.map((v, i) => (i === 0 ? el('th', { scope: 'row' }, typeof v === 'string' ? v : cell(v)) : el('td', {}, typeof v === 'string' ? v : cell(v))))));
  const what = spec.y.label && columns[0] !== 'series' ? `${spec.y.label} against ${spec.x.label}` : 'its points';
  return el('div', { class: 'chart-table', id, tabindex: '0', role: 'region', 'aria-label': `${spec.title}: data` },
    el('table', {}, el('caption', {}, `${spec.title}: ${what}`), el('thead', {}, head), el('tbody', {}, ...body)),
    ...notes.map((n) => el('p', { class: 'table-note' }, n)));
}
