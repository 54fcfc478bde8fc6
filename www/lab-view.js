// <phenomena-lab>: one lab with its transport bar, generated controls, live charts, captions
// and export. The playground configures it with `configure({engine, info, state, ...})`; a
// course page just writes the tag and the element boots itself from its attributes:
//
//   <phenomena-lab lab="early-learning" preset="digits" controls="lr,noise"
//                  params="steps=2000" hide="export" autoplay height="640"></phenomena-lab>
//
// controls: the parameters to show (default all); params: fixed values, locked in the UI;
// hide: any of presets, controls, export, notes, caption; autoplay: train while visible;
// theme: light (the default), dark, or auto (follow the reader's system setting).
// The training loop steps the lab, reads results back asynchronously and redraws the charts.
//
// The element renders into its own shadow root with its own style sheet, so a course page's
// CSS (say, uppercase buttons) cannot reach inside; everything it loads is resolved against
// this module's URL, never the host page's, so it works from another origin.

import { formatNumber, buildHash, presetValues, matchesPreset } from './url-state.js';
import { loadEngine, onGpuLost, gpuLost, softwareAdapter } from './engine.js';

const STYLE_URL = new URL('./lab.css', import.meta.url).href;
/** The playground's front page, for links that reproduce a run from inside an embed. */
const PLAYGROUND_URL = new URL('../', import.meta.url).href;
// Exported PNGs: the SVG export's size at twice the pixel density, enough for print.
const PNG_EXPORT = { width: 960, height: 691, dpr: 2 };
// The timeline slider moves along log(1 + step), like the charts' time axes.
const TIMELINE_TICKS = 1000;

// Work per frame, in ms: the adaptive unit count aims at it and the engine stops a call
// once it is spent, so a frame's task (work, read-back, bookkeeping) stays under 50 ms.
const FRAME_BUDGET_MS = { slow: 0, normal: 12, fast: 25 };
const DRAW_INTERVAL_MS = 120;
let instances = 0;

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else if (v !== false && v != null) node.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children) if (c != null) node.append(c);
  return node;
}

/** Message text with `name` spans shown as code rather than as literal backticks. */
function richText(text) {
  return String(text)
    .split(/`([^`]{1,80})`/)
    .map((part, i) => (i % 2 ? el('code', {}, part) : part));
}

const plural = (n, one, many) => `${n.toLocaleString()} ${n === 1 ? one : many}`;

const nextFrame = () => new Promise((resolve) => requestAnimationFrame(() => resolve()));
const yieldToBrowser = () => new Promise((resolve) => setTimeout(resolve, 0));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
/** A yield that lets input and rendering in but, unlike a frame, does not wait for vsync. */
function yieldNow() {
  if (globalThis.scheduler?.yield) return globalThis.scheduler.yield();
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => resolve();
    channel.port2.postMessage(null);
  });
}

/**
 * Units of work for the next frame, from this frame's `units` and the `elapsed` ms they took:
 * grow gently, shrink at once, so a frame's work stays well under the 50 ms that makes a page
 * feel stuck. Growth is at least one unit, or rounding down would keep a small count from ever
 * growing.
 */
function nextUnits(units, budget, elapsed) {
  const scaled = (units * budget) / Math.max(elapsed, 0.5);
  const next = scaled < units ? Math.floor(scaled) : Math.max(units + 1, Math.floor(0.7 * units + 0.3 * scaled));
  return Math.max(1, Math.min(2000, next));
}

/** Each snapshot's place on the slider, 0…TIMELINE_TICKS, along a log(1 + step) axis. */
function timelineTicks(steps) {
  const lo = Math.log1p(steps[0]);
  const hi = Math.log1p(steps[steps.length - 1]);
  return steps.map((s) => (hi > lo ? (TIMELINE_TICKS * (Math.log1p(s) - lo)) / (hi - lo) : TIMELINE_TICKS));
}

/**
 * The timeline entry nearest to slider position `tick` on the log(1 + step) axis: half-way
 * along a 20 000-step run is step ≈ 140, as on the charts, not step 19 600.
 */
export function timelineIndex(steps, tick) {
  const ticks = timelineTicks(steps);
  let best = 0;
  for (let i = 0; i < ticks.length; i++) if (Math.abs(ticks[i] - tick) < Math.abs(ticks[best] - tick)) best = i;
  return best;
}

function saveBlob(name, blob) {
  const url = URL.createObjectURL(blob);
  const a = el('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

const download = (name, text, type) => saveBlob(name, new Blob([text], { type }));

export class PhenomenaLab extends HTMLElement {
  static observedAttributes = ['theme'];

  constructor() {
    super();
    this.uid = `lab${++instances}`;
    this.root = this.attachShadow({ mode: 'open' });
    this.playing = false;
    this.loopDone = Promise.resolve();
    this.unitsPerFrame = 1;
    this.speed = 'normal';
    this.lastDraw = 0;
    this.rate = 0;
    this.figures = new Map();
    this.darkQuery = window.matchMedia?.('(prefers-color-scheme: dark)');
    this.onSchemeChange = () => this.applyTheme();
  }

  /**
   * engine: the wasm module; info: the lab's catalog entry; state: {preset, params, backend};
   * onState(state): called whenever parameters or backend change (URL sync);
   * initialMessages: messages to show from parsing the URL; options: {controls, locked, hide,
   * embedded}. The playground's own page leaves `embedded` false: its keyboard shortcuts then
   * work from anywhere on the page, and its heading is the page's h1.
   */
  configure({ engine, info, state, onState, initialMessages = [], options = {} }) {
    this.engine = engine;
    this.info = info;
    this.configured = true;
    this.options = { controls: null, locked: new Set(), hide: new Set(), embedded: false, ...options };
    this.lockedValues = { ...state.params };
    this.state = { preset: state.preset ?? null, params: { ...state.params }, backend: state.backend };
    this.onState = onState ?? (() => {});
    this.render();
    this.applyTheme();
    for (const m of initialMessages) this.message(m, 'warn');
    this.createHandle();
    this.unwatchGpu?.();
    this.unwatchGpu = onGpuLost((reason) => this.recoverOnCpu(reason, this.playing));
    if (!this.options.embedded) this.listenToPageKeys();
  }

  connectedCallback() {
    this.applyTheme();
    this.darkQuery?.addEventListener?.('change', this.onSchemeChange);
    if (!this.hasAttribute('tabindex')) this.tabIndex = 0;
    if (this.configured || this.booting) return;
    if (this.hasAttribute('lab')) {
      this.booting = this.bootFromAttributes();
      return;
    }
    // The playground configures its element right after adding it; a course page's element
    // without a `lab` attribute would otherwise stay empty without saying why.
    setTimeout(() => {
      if (!this.configured && !this.booting && this.isConnected) {
        this.showProblem('This <phenomena-lab> has no lab attribute. Add one, e.g. lab="frozen-subspace" (also overoptimization, early-learning, simplicity-bias).');
      }
    }, 0);
  }

  disconnectedCallback() {
    this.playing = false;
    this.unwatchGpu?.();
    this.resizeObserver?.disconnect();
    this.visibility?.disconnect();
    this.darkQuery?.removeEventListener?.('change', this.onSchemeChange);
    if (this.pageKeys) document.removeEventListener('keydown', this.pageKeys);
  }

  attributeChangedCallback() {
    this.applyTheme();
  }

  /**
   * The `theme` attribute, else auto on the playground's own page and light in a course page,
   * whose own colours the lab cannot know: auto there turned the lab's text pale on a white page.
   */
  get dark() {
    const theme = this.getAttribute('theme') ?? (this.options && !this.options.embedded ? 'auto' : 'light');
    return theme === 'dark' || (theme === 'auto' && Boolean(this.darkQuery?.matches));
  }

  applyTheme() {
    const dark = this.dark;
    if ((this.dataset.theme === 'dark') === dark && this.dataset.theme) return;
    this.dataset.theme = dark ? 'dark' : 'light';
    if (this.handle) this.draw(true);
  }

  /** The style sheet, first in the shadow root; resolves once it has loaded (or failed). */
  styleSheet() {
    const link = el('link', { rel: 'stylesheet', href: STYLE_URL });
    const loaded = new Promise((resolve) => {
      link.addEventListener('load', () => resolve(true), { once: true });
      link.addEventListener('error', () => resolve(false), { once: true });
    });
    loaded.then((ok) => {
      if (!ok) this.message(`The lab's style sheet could not be loaded from ${STYLE_URL}: check that the file is on the server.`, 'error');
    });
    return link;
  }

  /** One line in place of the lab, for problems that leave nothing to show. */
  showProblem(text) {
    const p = el('p', { class: 'lab-error', role: 'alert' }, ...richText(text));
    // Inline styles, so the message is readable even when the style sheet cannot be loaded.
    Object.assign(p.style, { padding: '0.75rem 1rem', border: '1px solid #d55e00', borderRadius: '8px', background: '#fde8e4', color: '#1d2228', font: '15px/1.4 system-ui, sans-serif', margin: '0' });
    this.root.replaceChildren(this.styleSheet(), p);
    this.dataset.state = 'error';
  }

  /** Embedding: builds the lab from the element's attributes. */
  async bootFromAttributes() {
    const list = (name) =>
      new Set((this.getAttribute(name) ?? '').split(',').map((s) => s.trim()).filter(Boolean));
    const params = {};
    for (const pair of list('params')) {
      const [k, v] = pair.split('=');
      if (k && v !== undefined) params[k.trim()] = v.trim();
    }
    const height = Number(this.getAttribute('height'));
    if (Number.isFinite(height) && height >= 200) {
      this.style.maxHeight = `${height}px`;
      this.style.overflowY = 'auto';
    }
    this.dataset.compact = '';
    this.root.replaceChildren(this.styleSheet(), el('div', { class: 'lab-root' }, el('p', { class: 'loading' }, 'Loading the lab…')));
    const wanted = this.getAttribute('backend');
    let loaded;
    try {
      loaded = await loadEngine({ backend: ['webgpu', 'flex'].includes(wanted) ? wanted : 'auto' });
    } catch (e) {
      this.showProblem(`The lab engine could not be loaded: ${e.message}`);
      return;
    }
    const id = this.getAttribute('lab');
    const info = loaded.catalog.find((l) => l.id === id);
    if (!info) {
      const known = loaded.catalog.map((l) => l.id).join(', ');
      this.showProblem(`Unknown lab "${String(id).slice(0, 40)}" (known: ${known}).`);
      return;
    }
    const backend = wanted === 'webgpu' && !loaded.gpuProblem ? 'webgpu' : wanted === 'flex' ? 'flex' : loaded.autoBackend;
    const controls = list('controls');
    // Without a preset attribute the lab runs its defaults, which are its first preset's: say
    // so, with that preset's caption, unless fixed values make it another run.
    const first = info.presets[0]?.id;
    const preset = this.getAttribute('preset') ?? (first && matchesPreset(info, first, params) ? first : null);
    this.configure({
      engine: loaded.wasm,
      info,
      state: { preset, params, backend },
      options: {
        controls: controls.size ? controls : null,
        locked: new Set(Object.keys(params)),
        hide: list('hide'),
        embedded: true,
      },
    });
    if (this.hasAttribute('autoplay')) this.autoplayWhenVisible();
  }

  /**
   * Trains while the lab is on screen and the tab is visible. On screen means a third of it,
   * or half the viewport for a lab taller than that (a phone shows a sliver of a tall lab).
   */
  autoplayWhenVisible() {
    let visible = false;
    const update = () => {
      if (visible && document.visibilityState === 'visible') this.play({ quiet: true });
      else if (this.playing) this.stop();
    };
    const thresholds = Array.from({ length: 21 }, (_, i) => i / 20);
    this.visibility = new IntersectionObserver(
      (entries) => {
        const e = entries[entries.length - 1];
        const viewport = e.rootBounds?.height || window.innerHeight;
        visible = e.isIntersecting && (e.intersectionRatio >= 0.33 || e.intersectionRect.height >= 0.5 * viewport);
        update();
      },
      { threshold: thresholds },
    );
    this.addEventListener('ready', () => this.visibility.observe(this), { once: true });
    document.addEventListener('visibilitychange', update);
  }

  // ---- DOM ---------------------------------------------------------------------------

  $(selector) {
    return this.root.querySelector(selector);
  }

  render() {
    const { info } = this;
    this.presetButtons = info.presets.map((p) =>
      el('button', { class: 'preset', type: 'button', 'data-preset': p.id, onclick: () => this.applyPreset(p.id) }, p.title),
    );
    this.playButton = el('button', { class: 'play primary', type: 'button', 'aria-label': 'play', onclick: () => this.togglePlay() }, '▶ Play');
    this.readout = el('span', { class: 'readout', role: 'status', 'aria-live': 'off' }, 'step 0');
    this.progress = el('progress', { class: 'run-progress', max: 1, value: 0, 'aria-label': 'run progress' });
    this.scrubber = el('input', {
      type: 'range', class: 'timeline', min: 0, max: TIMELINE_TICKS, step: 1, value: TIMELINE_TICKS,
      'aria-label': 'timeline: scrub back through this run (log scale, like the charts)',
      oninput: () => this.scrub(Number(this.scrubber.value)),
    });
    this.messages = el('div', { class: 'messages', role: 'alert', 'aria-live': 'polite' });
    this.captionBox = el('p', { class: 'preset-caption' });
    this.controls = el('form', { class: 'controls', 'aria-label': 'parameters', onsubmit: (e) => e.preventDefault() });
    this.chartGrid = el('div', { class: 'charts' });
    this.warningBox = el('div', { class: 'messages warnings', role: 'status', 'aria-live': 'polite' });
    const speed = el(
      'select',
      { 'aria-label': 'speed', onchange: (e) => (this.speed = e.target.value) },
      el('option', { value: 'slow' }, 'one step a frame'),
      el('option', { value: 'normal', selected: true }, 'normal'),
      el('option', { value: 'fast' }, 'fast'),
    );
    const heading = this.options.embedded ? 'h2' : 'h1';
    this.root.replaceChildren(this.styleSheet(), el('div', { class: 'lab-root' },
      el('section', { class: 'lab-head' },
        el(heading, { class: 'lab-title', text: info.title }),
        el('p', { class: 'summary', text: info.summary }),
      ),
      el('div', { class: 'presets', role: 'group', 'aria-label': 'presets' }, el('span', { class: 'label' }, 'Presets'), ...this.presetButtons),
      this.captionBox,
      el('div', { class: 'transport', role: 'toolbar', 'aria-label': 'transport' },
        this.playButton,
        el('button', { type: 'button', class: 'step', 'aria-label': 'single step', onclick: () => this.singleStep() }, 'Step'),
        el('button', { type: 'button', class: 'reset', 'aria-label': 'reset', onclick: () => this.reset() }, '↺ Reset'),
        el('label', { class: 'speed' }, 'speed ', speed),
        el('label', { class: 'timeline-label' }, 'timeline ', this.scrubber),
        this.readout,
        this.progress,
      ),
      this.messages,
      this.warningBox,
      el('div', { class: 'layout' }, this.controls, this.chartGrid),
      info.notes ? el('details', { class: 'lab-notes' }, el('summary', {}, 'What these runs measured'), el('p', {}, info.notes)) : null,
      el('div', { class: 'export', role: 'group', 'aria-label': 'export' },
        el('span', { class: 'label' }, 'Export'),
        el('button', { type: 'button', onclick: () => this.exportData('csv') }, 'CSV'),
        el('button', { type: 'button', onclick: () => this.exportData('json') }, 'JSON'),
        el('button', { type: 'button', class: 'copy-link', onclick: () => this.copyLink() }, 'Copy link to this run'),
      ),
      el('p', { class: 'citation' }, 'Source: ', info.citation),
    ));
    this.figures.clear();
    this.buildControls();
    this.updatePresetUi();
    const hide = this.options.hide;
    const hidden = {
      presets: this.$('.presets'),
      controls: this.controls,
      export: this.$('.export'),
      notes: this.$('.lab-notes'),
      caption: this.captionBox,
    };
    for (const [token, node] of Object.entries(hidden)) if (hide.has(token) && node) node.hidden = true;
    if (hide.has('controls')) this.$('.layout').classList.add('no-controls');
    this.resizeObserver?.disconnect();
    this.resizeObserver = new ResizeObserver(() => this.sizeCanvases());
    this.resizeObserver.observe(this.chartGrid);
    if (!this.keysBound) {
      this.keysBound = true;
      this.addEventListener('keydown', (e) => this.onKey(e));
    }
  }

  buildControls() {
    this.inputs = new Map();
    const shown = this.options.controls;
    for (const spec of this.info.schema) {
      const id = `${this.uid}-${spec.name}`;
      if (shown && !shown.has(spec.name)) continue;
      const locked = this.options.locked.has(spec.name);
      const help = el('small', { id: `${id}-help`, class: 'help' }, spec.help);
      if (spec.options.length) {
        const select = el('select', { id, 'aria-describedby': `${id}-help`, disabled: locked },
          ...spec.options.map((label, i) => el('option', { value: i }, label)));
        select.addEventListener('change', () => this.commit(spec, select.value));
        const row = el('div', { class: 'control', 'data-param': spec.name }, el('label', { for: id }, spec.label), el('div', { class: 'inputs' }, select), help);
        this.inputs.set(spec.name, { select, spec, row });
        this.controls.append(row);
        continue;
      }
      const toSlider = (v) => (spec.log ? Math.log10(v) : v);
      const fromSlider = (s) => (spec.log ? 10 ** s : s);
      const slider = el('input', {
        type: 'range',
        id,
        min: toSlider(spec.min),
        max: toSlider(spec.max),
        step: spec.log ? 'any' : spec.step,
        'aria-describedby': `${id}-help`,
        disabled: locked,
      });
      const number = el('input', {
        disabled: locked,
        type: 'number',
        min: spec.min,
        max: spec.max,
        step: spec.integer ? 1 : 'any',
        'aria-label': `${spec.label} value`,
        inputmode: 'decimal',
      });
      slider.addEventListener('input', () => {
        let v = fromSlider(Number(slider.value));
        if (spec.integer) v = Math.round(v);
        number.value = formatNumber(Number(v.toPrecision(4)));
      });
      slider.addEventListener('change', () => this.commit(spec, number.value));
      number.addEventListener('change', () => this.commit(spec, number.value));
      const row = el('div', { class: 'control', 'data-param': spec.name }, el('label', { for: id }, spec.label), el('div', { class: 'inputs' }, slider, number), help);
      this.inputs.set(spec.name, { slider, number, spec, toSlider, row });
      this.controls.append(row);
    }
  }

  /**
   * A control's new value. An empty or non-numeric box puts the running value back with a
   * message, so one bad entry never leaves the lab in a state every later change fails from.
   */
  commit(spec, text) {
    const value = Number(String(text).trim());
    if (String(text).trim() === '' || !Number.isFinite(value)) {
      const current = this.status?.params?.[spec.name];
      if (current !== undefined) this.syncControls({ [spec.name]: current });
      this.clearMessages();
      this.message(`${spec.label} needs a number from ${formatNumber(spec.min)} to ${formatNumber(spec.max)}; it stays at ${formatNumber(current)}.`, 'warn');
      return;
    }
    this.state.params[spec.name] = value;
    this.state.preset = null;
    this.restart();
  }

  /** Shows the values the lab actually runs with (after clamping), and only the controls that apply. */
  syncControls(params) {
    for (const [name, { slider, number, toSlider, select }] of this.inputs) {
      const v = params[name];
      if (v === undefined) continue;
      if (select) {
        select.value = String(v);
        continue;
      }
      number.value = formatNumber(v);
      slider.value = toSlider(v);
    }
    this.showApplicableControls();
  }

  /** Hides controls the lab declares irrelevant for the current values (e.g. another data set's). */
  showApplicableControls() {
    const params = this.status?.params ?? this.state.params;
    for (const { spec, row } of this.inputs.values()) {
      const when = spec.visible_when;
      if (when) row.hidden = !when.values.includes(Number(params[when.param]));
    }
  }

  updatePresetUi() {
    const preset = this.info.presets.find((p) => p.id === this.state.preset);
    for (const b of this.presetButtons) b.setAttribute('aria-pressed', String(b.dataset.preset === this.state.preset));
    this.captionBox.textContent = preset ? preset.caption : 'Custom parameters — pick a preset above for a guided story.';
  }

  message(text, kind = 'info') {
    // The same message twice in a row says nothing new (a second Play on a diverged run).
    if ([...this.messages.children].some((m) => m.dataset.text === text)) return;
    const p = el('p', { class: `message ${kind}`, 'data-text': text }, ...richText(text));
    this.messages.append(p);
    return p;
  }

  clearMessages() {
    this.messages.replaceChildren();
  }

  ensureFigures(charts) {
    if (this.figures.size === charts.length && charts.every((c) => this.figures.has(c.id))) return;
    this.chartGrid.replaceChildren();
    this.figures.clear();
    for (const c of charts) {
      const canvas = el('canvas', { role: 'img', 'aria-label': c.title });
      const summary = el('p', { class: 'sr-only', 'aria-live': 'off' });
      const caption = el('span', { class: 'caption-text' }, c.caption);
      const svg = el('button', { type: 'button', class: 'svg', 'aria-label': `download ${c.title} as SVG`, onclick: () => this.exportSvg(c.id) }, 'SVG');
      const png = el('button', { type: 'button', class: 'png', 'aria-label': `download ${c.title} as PNG`, onclick: () => this.exportPng(c.id) }, 'PNG');
      const figure = el('figure', { class: 'chart', 'data-chart': c.id }, canvas,
        el('figcaption', {}, caption, el('span', { class: 'chart-export' }, svg, png)), summary);
      this.figures.set(c.id, { figure, canvas, summary, caption });
      this.chartGrid.append(figure);
    }
    this.sizeCanvases(false);
  }

  sizeCanvases(redraw = true) {
    const dpr = window.devicePixelRatio || 1;
    for (const { canvas } of this.figures.values()) {
      const w = Math.max(200, Math.round(canvas.clientWidth || 480));
      const h = Math.round(w * 0.72);
      canvas.style.height = `${h}px`;
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(h * dpr);
    }
    if (redraw) this.draw(true);
  }

  // ---- the lab ------------------------------------------------------------------------

  createHandle() {
    const { engine, info, state } = this;
    try {
      this.handle = engine.LabHandle.create(info.id, state.preset, state.params, state.backend);
    } catch (e) {
      this.message(`The parameters in the link could not be used: ${e.message}. Showing the defaults instead.`, 'warn');
      this.state.params = {};
      this.state.preset = info.presets[0]?.id ?? null;
      this.handle = engine.LabHandle.create(info.id, this.state.preset, {}, state.backend);
    }
    for (const note of this.handle.notes()) this.message(note, 'warn');
    this.afterRestart();
  }

  async afterRestart() {
    this.rate = 0;
    this.kernelsWarm = this.state.backend !== 'webgpu';
    if (!this.kernelsWarm) this.showWarmup('WebGPU: compiling the first kernels…');
    const status = await this.refresh();
    if (status) {
      // The lab's resolved values become the state (preset values included).
      this.state.params = { ...status.params };
      this.syncControls(status.params);
      this.onState(this.state);
    }
    this.updatePresetUi();
    this.warnIfEmulatedGpu();
    this.dispatchEvent(new CustomEvent('ready', { detail: { lab: this.info.id } }));
  }

  /** A software WebGPU adapter trains at a step or two a second: say so, and offer the CPU. */
  async warnIfEmulatedGpu() {
    if (this.state.backend !== 'webgpu' || !(await softwareAdapter())) return;
    const p = this.message('WebGPU is emulated in software in this browser, so training runs at about a step a second; the CPU trains these small networks far faster.', 'warn');
    p?.append(' ', el('button', { type: 'button', class: 'use-cpu', onclick: () => this.setBackend('flex') }, 'Train on the CPU'));
  }

  async refresh() {
    try {
      const status = await this.handle.refresh();
      this.status = status;
      this.updateReadout(status);
      this.updateTimeline();
      this.draw(true);
      return status;
    } catch (e) {
      this.fail(e);
      return null;
    }
  }

  async fail(e) {
    const wasPlaying = this.playing;
    this.playing = false;
    this.setPlayButton();
    if (this.recovering) return;
    if (this.state.backend === 'webgpu') {
      // A lost device fails the pending read-back, sometimes before `device.lost` settles;
      // whichever path recovers must know the run was playing.
      this.interruptedWhilePlaying ||= wasPlaying;
      for (let i = 0; i < 10 && !gpuLost(); i++) await sleep(50);
      if (gpuLost()) return this.recoverOnCpu(gpuLost(), wasPlaying);
    }
    this.message(`Something went wrong: ${e?.message ?? e}. Reset to try again.`, 'error');
  }

  /**
   * The WebGPU device is gone: rebuild the run on the CPU backend from the same seed, replay it
   * to the last snapshot read back from the GPU (the timeline is rebuilt with it), and carry on
   * if it was playing. Emits `recovered` with the step and both snapshots' scalars.
   */
  async recoverOnCpu(reason, resume) {
    if (this.recovering || this.state.backend !== 'webgpu' || !this.handle) return;
    this.recovering = true;
    this.playing = false;
    await this.loopDone;
    resume ||= this.interruptedWhilePlaying;
    this.interruptedWhilePlaying = false;
    const target = this.status?.step ?? 0;
    const gpuScalars = { ...(this.status?.scalars ?? {}) };
    this.state.backend = 'flex';
    this.onState(this.state);
    this.clearMessages();
    this.message(
      `The GPU device was lost at step ${target.toLocaleString()} (${reason}). ` +
        'This run continues on the CPU from that step, replayed from the same seed. Reload the page to use the GPU again.',
      'warn',
    );
    try {
      this.handle.restart(this.state.params, 'flex');
      await this.replayTo(target);
    } catch (e) {
      this.recovering = false;
      this.message(`The run could not be moved to the CPU: ${e?.message ?? e}. Reset to try again.`, 'error');
      return;
    }
    this.recovering = false;
    this.dispatchEvent(
      new CustomEvent('recovered', { detail: { step: this.status.step, gpuScalars, cpuScalars: { ...this.status.scalars } } }),
    );
    if (resume) this.play({ quiet: true });
  }

  /** Trains to `target` steps in short slices without drawing, then draws once. */
  async replayTo(target) {
    let k = 1;
    let status = await this.handle.refresh();
    while (status.step < target) {
      const t0 = performance.now();
      // A unit of work is at most a step, so this never passes the target.
      this.handle.stepWork(Math.min(k, target - status.step), FRAME_BUDGET_MS.normal);
      status = await this.handle.refresh();
      const elapsed = performance.now() - t0;
      k = nextUnits(k, FRAME_BUDGET_MS.normal, elapsed);
      this.readout.textContent = `replaying on the CPU: step ${status.step.toLocaleString()} / ${target.toLocaleString()}`;
      this.progress.value = target ? status.step / target : 1;
      await yieldToBrowser();
    }
    await this.refresh();
  }

  /** The chart canvases by chart id, as the engine's `draw` takes them. */
  canvases() {
    const out = {};
    for (const [id, { canvas }] of this.figures) out[id] = canvas;
    return out;
  }

  draw(force = false) {
    if (!this.handle) return;
    const now = performance.now();
    if (!force && now - this.lastDraw < DRAW_INTERVAL_MS) return;
    this.lastDraw = now;
    try {
      const charts = this.handle.charts();
      this.ensureFigures(charts);
      this.handle.draw(this.canvases(), window.devicePixelRatio || 1, this.dark);
      // For the benchmark: time from navigation to the first chart on screen.
      if (!performance.getEntriesByName('phenomena:first-chart').length) performance.mark('phenomena:first-chart');
      for (const c of charts) {
        const f = this.figures.get(c.id);
        if (!f) continue;
        f.summary.textContent = c.summary;
        if (f.caption.textContent !== c.caption) f.caption.textContent = c.caption;
      }
    } catch (e) {
      if (!String(e?.message).includes('busy')) this.fail(e);
    }
  }

  showWarnings(status) {
    // A divergence is said once, by the error message; the lab may list it as a warning too.
    const warnings = (status.warnings ?? []).filter((w) => !status.diverged || !w.includes(status.diverged));
    const text = warnings.join(' · ');
    if (this.warningBox.dataset.text === text) return;
    this.warningBox.dataset.text = text;
    this.warningBox.replaceChildren(...warnings.map((w) => el('p', { class: 'message warn' }, ...richText(w))));
  }

  /** Keeps the timeline slider at the live end of the recorded snapshots. */
  updateTimeline() {
    try {
      this.timelineSteps = Array.from(this.handle.timeline());
      this.scrubber.value = TIMELINE_TICKS;
      this.scrubber.setAttribute('aria-valuetext', `live: step ${(this.status?.step ?? 0).toLocaleString()}`);
    } catch {
      // Busy reading back: the next frame updates it.
    }
  }

  /** Shows an earlier snapshot of this run; Play (or any refresh) returns to the live one. */
  async scrub(tick) {
    await this.stop();
    const steps = this.timelineSteps ?? [];
    if (!steps.length) return;
    const index = timelineIndex(steps, tick);
    const live = index >= steps.length - 1;
    try {
      this.handle.view(live ? undefined : index);
    } catch (e) {
      return this.fail(e);
    }
    this.draw(true);
    if (!live) {
      this.readout.textContent = `viewing step ${steps[index].toLocaleString()} of ${this.status.step.toLocaleString()} — Play returns to the live run`;
      this.scrubber.setAttribute('aria-valuetext', `step ${steps[index].toLocaleString()}`);
      this.dataset.viewing = String(steps[index]);
    } else {
      this.updateReadout(this.status);
      delete this.dataset.viewing;
    }
    // Snap the thumb to the snapshot shown.
    this.scrubber.value = live ? TIMELINE_TICKS : Math.round(timelineTicks(steps)[index]);
  }

  /** Leaves a scrubbed-back view for the latest snapshot. */
  showLive() {
    try {
      this.handle.view(undefined);
    } catch {
      return;
    }
    delete this.dataset.viewing;
    this.scrubber.value = TIMELINE_TICKS;
    if (this.status) this.updateReadout(this.status);
    this.draw(true);
  }

  /** WebGPU compiles each kernel the first time it runs: seconds of waiting, said as such. */
  showWarmup(text) {
    this.readout.textContent = text;
    this.progress.removeAttribute('value');
  }

  updateReadout(status) {
    this.showWarnings(status);
    const rate = this.rate > 0 ? ` · ${plural(Math.round(this.rate), 'step', 'steps')}/s` : '';
    this.readout.textContent = `step ${status.step.toLocaleString()} / ${status.max_steps.toLocaleString()}${rate}`;
    this.progress.value = status.max_steps ? status.step / status.max_steps : 0;
    this.dataset.step = String(status.step);
  }

  async restart() {
    await this.stop();
    this.clearMessages();
    try {
      this.handle.restart(this.state.params, this.state.backend);
      for (const note of this.handle.notes()) this.message(note, 'warn');
    } catch (e) {
      // Keep the run that works: the state goes back to the values it was built from.
      if (this.status?.params) {
        this.state.params = { ...this.status.params };
        this.syncControls(this.status.params);
      }
      this.message(`${e.message}`, 'error');
      return;
    }
    await this.afterRestart();
  }

  applyPreset(id) {
    const params = presetValues(this.info, id);
    if (!params) return;
    params.seed = this.state.params.seed ?? 0;
    // Values an embedding page fixed stay fixed across presets.
    for (const name of this.options.locked) params[name] = this.lockedValues[name];
    this.state.params = params;
    this.state.preset = id;
    this.restart();
  }

  async setBackend(backend) {
    this.state.backend = backend;
    await this.restart();
  }

  reset() {
    return this.restart();
  }

  setPlayButton() {
    this.playButton.textContent = this.playing ? '❚❚ Pause' : '▶ Play';
    this.playButton.setAttribute('aria-label', this.playing ? 'pause' : 'play');
  }

  togglePlay() {
    if (this.playing) this.stop();
    else this.play();
  }

  play({ quiet = false } = {}) {
    if (this.playing || !this.handle) return;
    if (this.dataset.viewing !== undefined) this.showLive();
    if (this.status?.diverged) {
      if (!quiet) this.message('This run diverged — lower the learning rate and reset.', 'error');
      return;
    }
    if (this.status && this.status.step >= this.status.max_steps) {
      if (!quiet) this.message('The run is finished: reset to train again, or raise the number of steps.', 'info');
      return;
    }
    this.playing = true;
    this.setPlayButton();
    this.loopDone = this.loop();
  }

  async stop() {
    const wasPlaying = this.playing;
    this.playing = false;
    if (this.playButton) this.setPlayButton();
    await this.loopDone;
    if (wasPlaying) this.dispatchEvent(new CustomEvent('pause', { detail: { step: this.status?.step ?? 0 } }));
  }

  async singleStep() {
    await this.stop();
    try {
      this.handle.step(1);
    } catch (e) {
      this.fail(e);
      return;
    }
    await this.refresh();
  }

  async loop() {
    let windowStart = performance.now();
    let windowSteps = 0;
    while (this.playing) {
      const t0 = performance.now();
      const before = this.status?.step ?? 0;
      let status;
      if (!this.kernelsWarm) this.showWarmup('WebGPU: compiling the training kernels (the first steps take a few seconds)…');
      try {
        if (this.speed === 'slow') this.handle.step(1);
        else this.handle.stepWork(this.unitsPerFrame, FRAME_BUDGET_MS[this.speed]);
        status = await this.handle.refresh();
      } catch (e) {
        this.fail(e);
        break;
      }
      const elapsed = performance.now() - t0;
      this.kernelsWarm = true;
      this.status = status;
      delete this.dataset.viewing;
      windowSteps += status.step - before;
      const sinceWindow = performance.now() - windowStart;
      if (sinceWindow > 500) {
        this.rate = (windowSteps * 1000) / sinceWindow;
        windowStart = performance.now();
        windowSteps = 0;
      }
      const budget = FRAME_BUDGET_MS[this.speed] || FRAME_BUDGET_MS.normal;
      if (this.speed !== 'slow') this.unitsPerFrame = nextUnits(this.unitsPerFrame, budget, elapsed);
      this.updateReadout(status);
      this.updateTimeline();
      const finished = status.step >= status.max_steps;
      // Drawing is a task of its own, so training and drawing never add up in one task.
      await yieldToBrowser();
      this.draw(finished || Boolean(status.diverged));
      this.dispatchEvent(new CustomEvent('step', { detail: { step: status.step } }));
      if (status.diverged) {
        this.playing = false;
        this.message(`The run ${status.diverged}. Then press Reset.`, 'error');
        this.dispatchEvent(new CustomEvent('diverged', { detail: { message: status.diverged } }));
      } else if (finished) {
        this.playing = false;
        this.message(`Finished ${plural(status.max_steps, 'step', 'steps')}. Change a parameter or preset to run again.`, 'info');
        this.dispatchEvent(new CustomEvent('finished', { detail: { step: status.step } }));
      }
      // "fast" gives the time a frame would wait for the screen to training too; the charts
      // are still redrawn every DRAW_INTERVAL_MS.
      if (this.speed === 'fast') await yieldNow();
      else await nextFrame();
    }
    this.setPlayButton();
  }

  /**
   * Space plays or pauses, → steps, r resets. Keys typed into a field are the field's, and
   * space on a focused button presses that button, as everywhere else.
   */
  onKey(e) {
    const target = e.composedPath()[0];
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
    if (target instanceof Element && target.matches('input, select, textarea, [contenteditable]')) return;
    if (e.key === ' ') {
      if (target instanceof Element && target.matches('button, a[href], summary')) return;
      e.preventDefault();
      this.togglePlay();
    } else if (e.key === 'ArrowRight') {
      e.preventDefault();
      this.singleStep();
    } else if (e.key === 'r') {
      this.reset();
    }
  }

  /** On the playground's own page the keys work from anywhere, not only inside the lab. */
  listenToPageKeys() {
    if (this.pageKeys) return;
    this.pageKeys = (e) => {
      const t = e.target;
      if (t === document.body || t === document.documentElement || t === document) this.onKey(e);
    };
    document.addEventListener('keydown', this.pageKeys);
  }

  // ---- export -------------------------------------------------------------------------

  fileBase() {
    return `phenomena-${this.info.id}-seed${this.state.params.seed ?? 0}-step${this.status?.step ?? 0}`;
  }

  exportData(kind) {
    try {
      if (kind === 'csv') download(`${this.fileBase()}.csv`, this.handle.csv(), 'text/csv');
      else download(`${this.fileBase()}.json`, this.handle.json(), 'application/json');
    } catch (e) {
      this.message(`Export failed: ${e.message}`, 'error');
    }
  }

  exportSvg(id) {
    try {
      download(`${this.fileBase()}-${id}.svg`, this.handle.chartSvg(id, 960, 600), 'image/svg+xml');
    } catch (e) {
      this.message(`Export failed: ${e.message}`, 'error');
    }
  }

  /** A PNG at print resolution, drawn afresh on a canvas of its own in the light theme. */
  exportPng(id) {
    const { width, height, dpr } = PNG_EXPORT;
    const canvas = el('canvas', { width: width * dpr, height: height * dpr });
    try {
      this.handle.drawChart(id, canvas, dpr, false);
    } catch (e) {
      return this.message(`Export failed: ${e.message}`, 'error');
    }
    canvas.toBlob((blob) => {
      if (!blob) return this.message('Export failed: the chart could not be encoded as PNG.', 'error');
      saveBlob(`${this.fileBase()}-${id}.png`, blob);
    }, 'image/png');
  }

  /** A link to this run on the playground itself, also from inside a course page or frame. */
  runLink() {
    const url = new URL(PLAYGROUND_URL);
    url.hash = buildHash({ lab: this.info.id, preset: this.state.preset, backend: this.state.backend, params: this.state.params });
    return url.href;
  }

  async copyLink() {
    const link = this.runLink();
    try {
      await navigator.clipboard.writeText(link);
      this.message('Link copied: it opens this run, with these parameters and seed, in the Phenomena playground.', 'info');
    } catch {
      this.message(`Copy this link to reproduce the run in the Phenomena playground: ${link}`, 'info');
    }
  }
}

customElements.define('phenomena-lab', PhenomenaLab);
