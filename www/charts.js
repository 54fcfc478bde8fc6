// The lab's chart grid: one figure per chart the engine draws, each with its canvas (sized to
// its column at the screen's pixel density), caption, SVG and PNG download buttons, a summary
// for screen readers, and a Table button that shows the chart's data as an HTML table
// (chart-table.js). The engine draws into the canvases; this keeps them in step.

import { el } from './dom.js';
import { chartTable } from './chart-table.js';

/** Where (x, y) goes along an axis from `a` to `b` at fraction `t`, and back. */
const along = (t, [a, b], log) => (log ? 10 ** (Math.log10(a) + t * (Math.log10(b) - Math.log10(a))) : a + t * (b - a));
const fraction = (v, [a, b], log) => (log ? (Math.log10(v) - Math.log10(a)) / (Math.log10(b) - Math.log10(a)) : (v - a) / (b - a));

/** The data at canvas pixel (px, py) of a chart drawn in `frame` (the engine's PlotFrame). */
export function frameToData(frame, px, py) {
  return [
    along((px - frame.left) / (frame.right - frame.left), frame.x, frame.x_log),
    along((frame.bottom - py) / (frame.bottom - frame.top), frame.y, frame.y_log),
  ];
}

/** The canvas pixel where data (x, y) is drawn in `frame`: the inverse of frameToData. */
export function frameToPixel(frame, x, y) {
  return [
    frame.left + fraction(x, frame.x, frame.x_log) * (frame.right - frame.left),
    frame.bottom - fraction(y, frame.y, frame.y_log) * (frame.bottom - frame.top),
  ];
}

/** Tables made on this page so far, for ids unique across several labs. */
let tableCount = 0;

export class ChartGrid {
  /**
   * onExport(format, id): a figure's SVG or PNG button was pressed ('svg' or 'png');
   * onClick(id, event): a chart's canvas was clicked (your own points);
   * onDrawError(error): a chart drawn while training or as it came into view failed;
   * currentHandle(): the lab's handle now (null once closed), which every draw and table
   * reads: a chart drawn in a later task never draws with a handle the lab has closed since.
   */
  constructor(onExport, onClick = () => {}, onDrawError = () => {}, currentHandle = () => null) {
    this.node = el('div', { class: 'charts' });
    this.figures = new Map();
    this.onExport = onExport;
    this.onClick = onClick;
    this.onDrawError = onDrawError;
    this.currentHandle = currentHandle;
    /** Where each chart's plot landed when last drawn, by chart id (the engine's PlotFrame). */
    this.frames = {};
    /** The charts of the last draw (their captions and summaries), by id. */
    this.infos = new Map();
    /** Charts whose figure is on screen or near it: a training run redraws only these. */
    this.onScreen = new Set();
    /** Charts still to draw, one per task (see `drawInTurn`). */
    this.queue = [];
    /** Charts a redraw passed over because they were off screen: drawn when they come on. */
    this.stale = new Set();
    this.watcher = typeof IntersectionObserver === 'undefined'
      ? null
      : new IntersectionObserver((entries) => this.seen(entries), { rootMargin: '25% 0px' });
  }

  /**
   * Draws the lab's charts (theme `dark`) and updates captions and summaries.
   * Unless `all`, only the charts on screen are drawn: a page with several labs training, or
   * a lab taller than the window, spends the main thread on what the reader sees. The others
   * are drawn when they scroll into view, and at every `all` draw (a run's end, a pause, a
   * restart, the timeline).
   */
  draw(dark, { all = true } = {}) {
    this.dark = dark;
    const charts = this.currentHandle().charts();
    this.ensureFigures(charts);
    this.infos = new Map(charts.map((c) => [c.id, c]));
    const ids = charts.map((c) => c.id);
    if (all) {
      this.queue = [];
      this.drawCharts(ids);
    } else {
      const now = this.watcher ? ids.filter((id) => this.onScreen.has(id)) : ids;
      for (const id of ids) if (!now.includes(id)) this.stale.add(id);
      this.drawInTurn(now);
    }
    // For the benchmark: time from navigation to the first chart on screen.
    if (!performance.getEntriesByName('phenomena:first-chart').length) performance.mark('phenomena:first-chart');
    for (const c of charts) {
      const f = this.figures.get(c.id);
      if (!f) continue;
      if (f.caption.textContent !== c.caption) f.caption.textContent = c.caption;
      // An open table follows the run, at most once a second.
      if (f.tableButton.getAttribute('aria-expanded') === 'true' && performance.now() - f.tableAt > 1000) this.fillTable(c.id);
    }
  }

  /**
   * Draws charts `ids` with the lab's handle and the theme of the last draw, and gives each
   * its text summary (for screen readers) with it: a chart off screen keeps both until drawn.
   */
  drawCharts(ids) {
    const handle = this.currentHandle();
    const canvases = {};
    for (const id of ids) if (this.figures.has(id)) canvases[id] = this.figures.get(id).canvas;
    if (!handle || !Object.keys(canvases).length) return;
    Object.assign(this.frames, handle.draw(canvases, window.devicePixelRatio || 1, this.dark) ?? {});
    for (const id of Object.keys(canvases)) {
      const { summary } = this.figures.get(id);
      const text = this.infos.get(id)?.summary;
      if (text !== undefined && summary.textContent !== text) summary.textContent = text;
      this.stale.delete(id);
    }
  }

  /**
   * Draws charts `ids` one per task, the first now: a redraw while training never holds the
   * main thread for more than one chart (a heatmap takes several milliseconds), so scrolling
   * and typing stay smooth beside several labs. Charts an earlier call has yet to draw keep
   * their turn ahead of the others, so on a slow machine every chart still gets drawn.
   */
  drawInTurn(ids) {
    // An engine on the main thread (no worker) builds every spec at each call, and trains
    // there anyway: its charts are drawn at once.
    if (this.currentHandle()?.offThread === false) {
      this.queue = [];
      try {
        this.drawCharts(ids);
      } catch (e) {
        this.onDrawError(e);
      }
      return;
    }
    const waiting = this.queue.filter((id) => ids.includes(id));
    this.queue = [...waiting, ...ids.filter((id) => !waiting.includes(id))];
    if (this.drawing) return;
    this.drawing = true;
    const next = () => {
      const id = this.queue.shift();
      try {
        if (id !== undefined) this.drawCharts([id]);
      } catch (e) {
        this.onDrawError(e);
      }
      if (this.queue.length) setTimeout(next);
      else this.drawing = false;
    };
    next();
  }

  /** Keeps `onScreen`, and draws the charts that come into view with what they missed. */
  seen(entries) {
    const due = [];
    for (const e of entries) {
      const id = e.target.dataset.chart;
      if (!e.isIntersecting) {
        this.onScreen.delete(id);
        continue;
      }
      this.onScreen.add(id);
      if (this.stale.has(id)) due.push(id);
    }
    if (due.length) this.drawInTurn([...this.queue, ...due]);
  }

  /**
   * The data coordinates under a mouse `event` on chart `id`'s canvas: {x, y} with the canvas
   * pixel (px, py), the plot's `frame` and the canvas pixels per CSS pixel (`scale`); null
   * outside the plot or before the chart is drawn.
   */
  dataAt(id, event) {
    const f = this.figures.get(id);
    const frame = this.frames[id];
    if (!f || !frame) return null;
    const rect = f.canvas.getBoundingClientRect();
    if (!rect.width || !rect.height) return null;
    const scale = f.canvas.width / rect.width;
    const px = (event.clientX - rect.left) * scale;
    const py = (event.clientY - rect.top) * (f.canvas.height / rect.height);
    if (px < frame.left || px > frame.right || py < frame.top || py > frame.bottom) return null;
    const [x, y] = frameToData(frame, px, py);
    return { x, y, px, py, frame, scale };
  }

  /** Shows or hides chart `id`'s data as a table. */
  toggleTable(id) {
    const f = this.figures.get(id);
    const open = f.tableButton.getAttribute('aria-expanded') !== 'true';
    f.tableButton.setAttribute('aria-expanded', String(open));
    f.table.hidden = !open;
    if (open) this.fillTable(id);
    else f.table.replaceChildren();
  }

  /** Builds chart `id`'s table afresh from the spec the canvas draws, keeping its scroll. */
  fillTable(id) {
    const f = this.figures.get(id);
    f.tableAt = performance.now();
    const scroll = f.table.firstChild?.scrollTop ?? 0;
    try {
      f.table.replaceChildren(chartTable(this.currentHandle().chartSpec(id), `${f.table.id}-data`));
    } catch (e) {
      f.table.replaceChildren(el('p', { class: 'table-note' }, `The table could not be built: ${e.message}`));
    }
    if (f.table.firstChild) f.table.firstChild.scrollTop = scroll;
  }

  /** One figure per chart in `charts`, rebuilt only when the set of charts changes. */
  ensureFigures(charts) {
    if (this.figures.size === charts.length && charts.every((c) => this.figures.has(c.id))) return;
    this.node.replaceChildren();
    this.figures.clear();
    this.frames = {};
    this.onScreen.clear();
    this.stale.clear();
    this.watcher?.disconnect();
    for (const c of charts) {
      const canvas = el('canvas', { role: 'img', 'aria-label': c.title });
      canvas.addEventListener('click', (e) => this.onClick(c.id, e));
      const summary = el('p', { class: 'sr-only', 'aria-live': 'off' });
      const caption = el('span', { class: 'caption-text' }, c.caption);
      const svg = el('button', { type: 'button', class: 'svg', 'aria-label': `download ${c.title} as SVG`, onclick: () => this.onExport('svg', c.id) }, 'SVG');
      const png = el('button', { type: 'button', class: 'png', 'aria-label': `download ${c.title} as PNG`, onclick: () => this.onExport('png', c.id) }, 'PNG');
      const tableId = `chart-table-${++tableCount}`;
      const tableButton = el('button', { type: 'button', class: 'table', 'aria-expanded': 'false', 'aria-controls': tableId, 'aria-label': `show ${c.title} as a table`, onclick: () => this.toggleTable(c.id) }, 'Table');
      const table = el('div', { id: tableId, class: 'chart-table-slot', hidden: true });
      const figure = el('figure', { class: 'chart', 'data-chart': c.id }, canvas,
        el('figcaption', {}, caption, el('span', { class: 'chart-export' }, tableButton, svg, png)), summary, table);
      this.figures.set(c.id, { figure, canvas, summary, caption, tableButton, table, tableAt: 0 });
      this.node.append(figure);
      this.watcher?.observe(figure);
    }
    this.sizeCanvases();
  }

  /** Canvas buffers at the column's width and the screen's density; the caller redraws. */
  sizeCanvases() {
    const dpr = window.devicePixelRatio || 1;
    for (const { canvas } of this.figures.values()) {
      const w = Math.max(200, Math.round(canvas.clientWidth || 480));
      const h = Math.round(w * 0.72);
      canvas.style.height = `${h}px`;
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(h * dpr);
    }
  }

  /** The chart canvases by chart id, as the engine's `draw` takes them. */
  canvases() {
    const out = {};
    for (const [id, { canvas }] of this.figures) out[id] = canvas;
    return out;
  }
}
