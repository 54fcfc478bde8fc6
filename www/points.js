// Your own points: where a lab has the text parameter `points` (early learning's 2-D blobs), a
// click on a decision-region chart adds a training point of the chosen class there, and a
// shift-click on a training point gives it the next class. The bar under the transport picks
// the class, adds a point at typed coordinates (for the keyboard), takes back the last edit and
// clears them all. The set is the `points` parameter, so the link, the exports and the command
// line carry it; the engine encodes it (editPoints). Each edit restarts the lab on the new data.

import { el } from './dom.js';
import { applies } from './controls.js';
import { frameToPixel } from './charts.js';

/** The charts a click edits: each run's decision regions. */
export const EDITABLE_CHART = /^boundary-/;
/** How near (CSS pixels) a shift-click must land to a training point to relabel it. */
const PICK_RADIUS = 12;

const kind = (series) => Object.keys(series.mark)[0];
const sameColor = (a, b) => a.every((v, i) => v === b[i]);

/** The class colours a decision-region chart's legend lists ("class 1", …), in class order. */
export function classColors(spec) {
  return spec.series.filter((s) => /^class \d+$/.test(s.name)).map((s) => s.color);
}

/**
 * The training point nearest to canvas pixel (px, py) on decision-region chart `spec` drawn in
 * `frame`, within `radius` canvas pixels: {index, class} (its place among the chart's training
 * points and its label now), or null.
 */
export function pickPoint(spec, frame, px, py, radius) {
  const dots = spec.series.find((s) => kind(s) === 'Dots' && s.points.length);
  if (!dots) return null;
  let best = null;
  dots.points.forEach(([x, y], index) => {
    const [qx, qy] = frameToPixel(frame, x, y);
    const d = Math.hypot(qx - px, qy - py);
    if (d <= radius && (!best || d < best.d)) best = { index, d };
  });
  if (!best) return null;
  const color = dots.colors[best.index] ?? dots.color;
  const label = classColors(spec).findIndex((c) => sameColor(c, color));
  return label < 0 ? null : { index: best.index, class: label };
}

/** The chart's extent in x₁ and x₂, for typed points: [low, high]. */
export function extentOf(spec) {
  return spec.x.range ?? [-3.6, 3.6];
}

/** The points bar: the class of a new point, typed coordinates, the count, Undo and Clear. */
export class PointsBar {
  /**
   * info: the lab's catalog entry (a lab without a `points` text parameter gets no bar: `node`
   * is null); onEdit(change): a change for the engine's editPoints ({add}, {relabel}, 'undo'),
   * or 'clear'.
   */
  constructor(info, { uid, onEdit }) {
    this.spec = info.schema.find((s) => s.text && s.name === 'points');
    this.node = null;
    if (!this.spec) return;
    this.uid = uid;
    this.onEdit = onEdit;
    this.classList = el('span', { class: 'points-classes', role: 'radiogroup', 'aria-label': 'class of a new point' });
    this.x = el('input', { type: 'number', step: 'any', value: 0, 'aria-label': 'x₁ of a new point', inputmode: 'decimal' });
    this.y = el('input', { type: 'number', step: 'any', value: 0, 'aria-label': 'x₂ of a new point', inputmode: 'decimal' });
    this.extent = [-Infinity, Infinity];
    this.add = el('button', { type: 'submit', class: 'points-add' }, 'Add');
    this.count = el('span', { class: 'points-count', role: 'status' });
    this.undo = el('button', { type: 'button', class: 'points-undo', onclick: () => onEdit('undo') }, 'Undo');
    this.clear = el('button', { type: 'button', class: 'points-clear', onclick: () => onEdit('clear') }, 'Clear');
    // A form, so Enter in x₁ or x₂ adds the point; the lab, not the browser, says what is wrong.
    this.editing = el('form', { class: 'points-editing', 'aria-label': 'add a point', novalidate: true, onsubmit: (e) => { e.preventDefault(); this.addTyped(); } },
      el('span', { class: 'hint' }, 'class'), this.classList,
      el('span', { class: 'hint' }, 'at'), el('label', { class: 'points-at' }, 'x₁ ', this.x), el('label', { class: 'points-at' }, 'x₂ ', this.y), this.add);
    this.hint = el('p', { class: 'hint points-hint' },
      'Click a decision-region chart to add a point of the chosen class; shift-click a point to give it the next class. ' +
      'With the noise rate at 0 only your points are mislabeled; a few points, spread a little, show an island best.');
    this.node = el('div', { class: 'points-bar', role: 'group', 'aria-label': 'your own points', hidden: true },
      el('div', { class: 'points-row' }, el('span', { class: 'label' }, 'Your points'), this.editing, this.count, this.undo, this.clear),
      this.hint);
    this.shown = '';
  }

  /** The class chosen for a new point (0-based). */
  chosen() {
    return Number(this.classList.querySelector('input:checked')?.value ?? 0);
  }

  addTyped() {
    const [low, high] = this.extent;
    const typed = [this.x.value, this.y.value];
    const [x, y] = typed.map(Number);
    const bad = typed.some((t) => t.trim() === '' || !(Number(t) >= low && Number(t) <= high));
    const range = `from ${String(low).replace('-', '−')} to ${high}`;
    this.onEdit(bad ? { refused: `A point needs x₁ and x₂ ${range}, the chart's extent.` } : { add: { x, y, class: this.chosen() } });
  }

  /**
   * params: the values the lab runs with; scalars: what it counted (drawn.added,
   * drawn.relabelled); colors: the class colours (classColors); extent: the chart's [low,
   * high] (extentOf); locked: the page fixes the points; hidden: the page hides the bar; busy:
   * the lab is replaying or restarting; undo: there is an edit to take back. Rebuilt only when
   * one of them changes.
   */
  show({ params, scalars, colors, extent, locked, hidden, busy, undo }) {
    if (!this.node || !params) return;
    const on = applies(this.spec, params) && !hidden;
    const added = scalars?.['drawn.added'] ?? 0;
    const relabelled = scalars?.['drawn.relabelled'] ?? 0;
    const key = JSON.stringify([on, added, relabelled, colors, extent, locked, busy, undo, params.points ?? '']);
    if (key === this.shown) return;
    this.shown = key;
    this.node.hidden = !on;
    if (!on) return;
    this.extent = extent;
    for (const input of [this.x, this.y]) Object.assign(input, { min: extent[0], max: extent[1] });
    this.editing.hidden = this.hint.hidden = locked;
    const chosen = this.chosen();
    this.classList.replaceChildren(...colors.map((c, k) => el('label', { class: 'points-class' },
      el('input', { type: 'radio', name: `${this.uid}-points-class`, value: k, checked: k === Math.min(chosen, colors.length - 1), 'aria-label': `class ${k + 1}` }),
      el('span', { class: 'swatch', style: `background: rgb(${c.join(',')})` }), String(k + 1))));
    const parts = [];
    if (added) parts.push(`${added} added`);
    if (relabelled) parts.push(`${relabelled} relabelled`);
    this.count.textContent = parts.length ? `${parts.join(', ')}.` : locked ? '' : 'None yet.';
    this.undo.disabled = !undo || busy;
    this.clear.disabled = !(params.points ?? '') || busy;
    this.undo.hidden = this.clear.hidden = locked;
    this.add.disabled = busy;
  }
}

/**
 * The edits made here that Undo can take back, latest last ({before, after}): kept only while
 * the set is still the one the latest left (a preset or a link replaces it).
 */
export function undoable(lab) {
  const now = lab.status?.params?.points ?? '';
  const history = lab.pointsHistory ?? [];
  return history.at(-1)?.after === now ? history : [];
}

/** Whether clicks on `lab`'s decision-region charts edit its points now. */
export function editable(lab) {
  const bar = lab.pointsBar;
  return Boolean(bar?.node && !bar.node.hidden && !lab.options.locked.has('points'));
}

/**
 * A click on chart `id` of `lab`: on a decision-region chart, a point of the chosen class where
 * it landed, or with Shift held the nearest training point's next class.
 */
export function clickChart(lab, id, event) {
  if (!EDITABLE_CHART.test(id) || !editable(lab) || lab.refuseWhileBusy()) return;
  const at = lab.charts.dataAt(id, event);
  if (!at) return;
  if (!event.shiftKey) {
    editPoints(lab, { add: { x: at.x, y: at.y, class: lab.pointsBar.chosen() } });
    return;
  }
  const classes = Number(lab.status?.params?.classes);
  const picked = pickPoint(lab.handle.chartSpec(id), at.frame, at.px, at.py, PICK_RADIUS * at.scale);
  if (!picked) {
    lab.message('Shift-click on a training point to change its label; a plain click adds a point.', 'info');
    return;
  }
  editPoints(lab, { relabel: { index: picked.index, class: (picked.class + 1) % classes, classes } });
}

/**
 * Applies `change` (see PointsBar's onEdit) to `lab`'s points and restarts it on the new data,
 * playing on if it was playing. The preset goes: its caption is about its own data. Undo
 * restores the set before the last edit made here (a set that came from a link loses its last
 * edit instead).
 */
export async function editPoints(lab, change) {
  if (lab.refuseWhileBusy()) return;
  if (change.refused) {
    lab.message(change.refused, 'warn');
    return;
  }
  const before = lab.status?.params?.points ?? '';
  const history = undoable(lab);
  let points;
  try {
    if (change === 'clear') points = '';
    else if (change === 'undo' && history.length) points = history.at(-1).before;
    else points = lab.engine.wasm.editPoints(before, change);
  } catch (e) {
    lab.message(`That change to your points could not be made: ${e.message ?? e}.`, 'warn');
    return;
  }
  const playing = lab.playing;
  lab.setBusy('pointsBusy', true);
  try {
    if (points) lab.state.params.points = points;
    else delete lab.state.params.points;
    lab.state.preset = null;
    await lab.restart();
  } finally {
    lab.setBusy('pointsBusy', false);
  }
  const now = lab.status?.params?.points ?? '';
  // A restart that failed kept the set it had: nothing changed, nothing to announce.
  if (now !== points) return;
  lab.pointsHistory = change === 'undo' ? history.slice(0, -1) : [...history, { before, after: now }];
  lab.updatePointsBar();
  const scalars = lab.status?.scalars ?? {};
  lab.dispatchEvent(new CustomEvent('points', { detail: { points: now, added: scalars['drawn.added'] ?? 0, relabelled: scalars['drawn.relabelled'] ?? 0 } }));
  if (playing) lab.play();
}
