// <phenomena-lab>: one lab with its transport bar, generated controls, live charts, captions
// and export. The playground configures it with `configure({engine, info, state, ...})`; a
// course page just writes the tag and the element boots itself from its attributes (listed in
// lab-attributes.js):
//
//   <phenomena-lab lab="early-learning" preset="digits" controls="lr,noise"
//                  params="steps=2000" hide="export" autoplay height="640"></phenomena-lab>
//
// The element wires the lab's parts together: lab-layout.js (the layout and preset bar),
// transport.js (the transport bar), controls.js (the parameter controls), charts.js (the chart
// grid), messages.js, keys.js (shortcuts), lab-export.js (downloads and links), quiz.js
// (predict, then reveal), fork.js (fork the run at a step) and points.js (your own points). playback.js plays the run: its loop steps the lab at the pace trainer.js sets, reads results back
// asynchronously and redraws the charts. When training fails, recovery.js says so or, for a
// lost GPU, moves the run to the CPU. lab-handle.js runs the engine in a worker of the lab's
// own, so training never holds up the page; the element only draws what it reads back.
//
// The element renders into its own shadow root with its own style sheet, so a course page's
// CSS (say, uppercase buttons) cannot reach inside; everything it loads is resolved against
// this module's URL, never the host page's, so it works from another origin.

import { presetValues } from './url-state.js';
import { onGpuLost, softwareAdapter } from './engine.js';
import { createLabHandle } from './lab-handle.js';
import { el, richText } from './dom.js';
import { Pacer, DRAW_INTERVAL_MS } from './trainer.js';
import * as playback from './playback.js';
import { ParameterControls } from './controls.js';
import { ChartGrid } from './charts.js';
import { TransportBar } from './transport.js';
import { PresetBar, labLayout } from './lab-layout.js';
import { MessageList, WarningList } from './messages.js';
import { onKey, listenToPageKeys } from './keys.js';
import * as recovery from './recovery.js';
import { bootFromAttributes } from './lab-attributes.js';
import { keepOffline } from './offline.js';
import { LabQuiz } from './quiz.js';
import { ForkBar, forkHere, removeFork } from './fork.js';
import { PointsBar, classColors, extentOf, clickChart, editPoints, editable, undoable, EDITABLE_CHART } from './points.js';
import { exportData, exportSvg, exportPng, copyLink } from './lab-export.js';

// Scripts that import the timeline lookup from this module, where it used to live, keep working.
export { timelineIndex } from './trainer.js';

const STYLE_URL = new URL('./lab.css', import.meta.url).href;
let instances = 0;

export class PhenomenaLab extends HTMLElement {
  static observedAttributes = ['theme'];

  constructor() {
    super();
    this.uid = `lab${++instances}`;
    this.root = this.attachShadow({ mode: 'open' });
    this.playing = false;
    this.loopDone = Promise.resolve();
    this.pacer = new Pacer();
    this.lastDraw = 0;
    this.rate = 0;
    this.darkQuery = window.matchMedia?.('(prefers-color-scheme: dark)');
    this.onSchemeChange = () => this.applyTheme();
    // While training only the charts on screen are redrawn; a printout shows every chart.
    this.onPrint = () => this.draw(true);
  }

  /**
   * engine: the loaded engine (engine.js's loadEngine); info: the lab's catalog entry; state: {preset, params, backend};
   * onState(state): called whenever parameters or backend change (URL sync);
   * initialMessages: messages to show from parsing the URL; options: {controls, locked, hide,
   * embedded}. The playground's own page leaves `embedded` false: its keyboard shortcuts then
   * work from anywhere on the page, and its heading is the page's h1.
   */
  configure({ engine, info, state, onState, initialMessages = [], options = {} }) {
    this.engine = engine;
    this.info = info;
    this.configured = true;
    this.options = { controls: null, locked: new Set(), hide: new Set(), embedded: false, quiz: false, ...options };
    this.lockedValues = { ...state.params };
    this.state = { preset: state.preset ?? null, params: { ...state.params }, backend: state.backend };
    this.onState = onState ?? (() => {});
    this.quiz = new LabQuiz(this);
    this.render();
    this.quiz.setOn(this.options.quiz);
    this.applyTheme();
    for (const m of initialMessages) this.message(m, 'warn');
    // Embedded, the lab itself says when its folder could not be kept for offline use (the
    // playground's page says it in its footer).
    if (this.options.embedded) {
      keepOffline().then(({ state, text }) => state === 'failed' && this.message(text, 'warn'));
    }
    this.handleReady = this.createHandle();
    this.listen();
  }

  /** What the element listens to while it is in the page: a lost GPU, and the page's keys. */
  listen() {
    this.unwatchGpu?.();
    this.unwatchGpu = onGpuLost((reason) => this.recoverOnCpu(reason, this.playing));
    if (!this.options.embedded) listenToPageKeys(this);
  }

  connectedCallback() {
    this.applyTheme();
    if (this.configured) {
      // Back in the page (moved, or removed and added again): listen again, and start the
      // engine again if it was closed when the element left.
      this.listen();
      this.resizeObserver?.observe(this.charts.node);
      this.visibility?.observe(this);
      if (this.disposed) {
        this.disposed = false;
        this.handleReady = this.createHandle();
      }
    }
    this.darkQuery?.addEventListener?.('change', this.onSchemeChange);
    window.addEventListener('beforeprint', this.onPrint);
    if (!this.hasAttribute('tabindex')) this.tabIndex = 0;
    if (this.configured || this.booting) return;
    if (this.hasAttribute('lab')) {
      this.booting = bootFromAttributes(this);
      return;
    }
    // The playground configures its element right after adding it; a course page's element
    // without a `lab` attribute would otherwise stay empty without saying why.
    setTimeout(() => {
      if (!this.configured && !this.booting && this.isConnected) {
        this.showProblem('This <phenomena-lab> has no lab attribute. Add one, e.g. lab="frozen-subspace" (a lab\'s id is the lab= part of its link in the playground).');
      }
    }, 0);
  }

  disconnectedCallback() {
    this.playing = false;
    this.playWanted = false;
    // Once the element is really gone (not just moved), its worker goes too.
    setTimeout(() => {
      if (this.isConnected) return;
      this.handle?.dispose();
      this.handle = null;
      // An engine still starting is closed when it arrives (see createHandle).
      this.disposed = true;
    }, 0);
    this.unwatchGpu?.();
    if (this.pageKeys) document.removeEventListener('keydown', this.pageKeys);
    this.pageKeys = null;
    this.resizeObserver?.disconnect();
    this.visibility?.disconnect();
    this.darkQuery?.removeEventListener?.('change', this.onSchemeChange);
    window.removeEventListener('beforeprint', this.onPrint);
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

  // ---- DOM ---------------------------------------------------------------------------

  render() {
    const { info } = this;
    // The playground's own page offers the quiz as a switch; an embed has it by attribute.
    const quizSwitch = this.options.embedded ? null : { on: this.options.quiz, onChange: (on) => this.setQuiz(on) };
    this.presetBar = new PresetBar(info.presets, (id) => this.applyPreset(id), info.citation, quizSwitch);
    this.transport = new TransportBar({
      onPlay: () => this.togglePlay(),
      onStep: () => this.singleStep(),
      onReset: () => this.reset(),
      onSpeed: (speed) => (this.pacer.speed = speed),
      onScrub: (tick) => playback.scrub(this, tick),
    });
    this.messages = new MessageList();
    this.warnings = new WarningList();
    this.paramControls = new ParameterControls({
      info,
      uid: this.uid,
      shown: this.options.controls,
      locked: this.options.locked,
      running: () => this.status?.params,
      requested: () => this.state.params,
      onChange: (name, value) => {
        if (this.refuseWhileBusy()) {
          this.syncControls(this.status?.params ?? this.state.params);
          return;
        }
        this.state.params[name] = value;
        // A fork's parameters change none of the preset's runs: its story still holds.
        if (!info.schema.find((s) => s.name === name)?.fork) this.state.preset = null;
        this.restart();
      },
      onRefused: (text) => {
        this.clearMessages();
        this.message(text, 'warn');
      },
    });
    this.forkBar = new ForkBar(info, {
      onFork: (choice, set) => forkHere(this, choice, set),
      onRemove: () => removeFork(this),
    });
    this.pointsBar = new PointsBar(info, { uid: this.uid, onEdit: (change) => editPoints(this, change) });
    this.charts = new ChartGrid(
      (format, id) => (format === 'svg' ? exportSvg(this, id) : exportPng(this, id)),
      (id, event) => clickChart(this, id, event),
      (e) => this.drawFailed(e),
      () => this.handle,
    );
    const parts = { presets: this.presetBar, quiz: this.quiz.panel, transport: this.transport, fork: this.forkBar, points: this.pointsBar, messages: this.messages, warnings: this.warnings, controls: this.paramControls, charts: this.charts };
    this.root.replaceChildren(this.styleSheet(), labLayout(info, {
      heading: this.options.embedded ? 'h2' : 'h1',
      hide: this.options.hide,
      parts,
      onExport: (kind) => (kind === 'link' ? copyLink(this) : exportData(this, kind)),
    }));
    this.updatePresetUi();
    this.resizeObserver?.disconnect();
    this.resizeObserver = new ResizeObserver(() => {
      this.charts.sizeCanvases();
      this.draw(true);
    });
    this.resizeObserver.observe(this.charts.node);
    if (!this.keysBound) {
      this.keysBound = true;
      this.addEventListener('keydown', (e) => onKey(this, e));
    }
  }

  /** Shows the values the lab actually runs with (after clamping), and only the controls that apply. */
  syncControls(params) {
    this.paramControls.sync(params);
  }

  updatePresetUi() {
    this.presetBar.show(this.state.preset);
  }

  message(text, kind = 'info') {
    return this.messages.add(text, kind);
  }

  clearMessages() {
    this.messages.clear();
  }

  // ---- the lab ------------------------------------------------------------------------

  /**
   * Starts the lab's engine: in a worker of its own where the page allows one (the `worker`
   * attribute set to "off" asks for none), else on the page's thread with a note saying why.
   */
  async createHandle() {
    const { engine, info, state } = this;
    this.handle?.dispose();
    this.handle = null;
    // Only the latest start keeps its engine (the element may leave, or start again, meanwhile).
    const start = (this.starts = (this.starts ?? 0) + 1);
    const options = { worker: this.getAttribute('worker') !== 'off' };
    let created;
    try {
      created = await createLabHandle(engine, info.id, state, options);
    } catch (e) {
      this.message(`The parameters in the link could not be used: ${e.message}. Showing the defaults instead.`, 'warn');
      this.state.params = {};
      this.state.preset = info.presets[0]?.id ?? null;
      try {
        created = await createLabHandle(engine, info.id, { ...this.state, params: {} }, options);
      } catch (e2) {
        this.showProblem(`The lab could not be started: ${e2.message}`);
        return;
      }
    }
    const { handle, fallback } = created;
    if (start !== this.starts || !this.isConnected) {
      handle.dispose();
      return;
    }
    this.handle = handle;
    this.pacer.offThread = handle.offThread;
    this.dataset.engine = handle.offThread ? 'worker' : 'page';
    if (fallback && options.worker) this.message(`This lab trains on the page's main thread, so the page may stutter while it trains: ${fallback}.`, 'info');
    for (const note of handle.notes()) this.message(note, 'warn');
    await this.afterRestart();
  }

  async afterRestart() {
    this.rate = 0;
    this.kernelsWarm = this.state.backend !== 'webgpu';
    if (!this.kernelsWarm) this.transport.showWarmup('WebGPU: compiling the first kernels…');
    const status = await this.refresh();
    if (status) {
      // The lab's resolved values become the state (preset values included).
      this.state.params = { ...status.params };
      this.syncControls(status.params);
      this.onState(this.state);
    }
    this.updatePresetUi();
    this.quiz.restarted();
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
      playback.updateTimeline(this);
      this.draw(true);
      return status;
    } catch (e) {
      this.fail(e);
      return null;
    }
  }

  fail(e) {
    return recovery.fail(this, e);
  }

  recoverOnCpu(reason, resume) {
    return recovery.recoverOnCpu(this, reason, resume);
  }

  /**
   * Redraws the charts: every chart at once when `force`d, else the charts on screen at most
   * every DRAW_INTERVAL_MS.
   */
  draw(force = false) {
    if (!this.handle) return;
    const now = performance.now();
    if (!force && now - this.lastDraw < DRAW_INTERVAL_MS) return;
    this.lastDraw = now;
    try {
      this.charts.draw(this.dark, { all: force });
    } catch (e) {
      this.drawFailed(e);
    }
  }

  /** A chart that could not be drawn: the run's next redraw tries again while reading back. */
  drawFailed(e) {
    if (!String(e?.message).includes('busy')) this.fail(e);
  }

  updateReadout(status) {
    this.warnings.show(status);
    this.transport.showStatus(status, this.rate);
    this.dataset.step = String(status.step);
    this.updateForkBar();
    this.updatePointsBar();
  }

  /** The points bar for the values the lab runs with; clicks on its charts edit them. */
  updatePointsBar() {
    if (!this.pointsBar?.node || !this.status) return;
    const classes = Number(this.status.params?.classes);
    if (this.pointsChartFor !== classes && this.handle) {
      const chart = this.handle.charts().find((c) => EDITABLE_CHART.test(c.id));
      if (chart) {
        const spec = this.handle.chartSpec(chart.id);
        this.pointsChart = { colors: classColors(spec), extent: extentOf(spec) };
        this.pointsChartFor = classes;
      }
    }
    const points = this.status.params?.points ?? '';
    this.pointsBar.show({
      params: this.status.params,
      scalars: this.status.scalars,
      colors: this.pointsChart?.colors ?? [],
      extent: this.pointsChart?.extent ?? [-Infinity, Infinity],
      locked: this.options.locked.has('points'),
      hidden: this.options.hide.has('points'),
      busy: this.busy,
      undo: Boolean(points) || undoable(this).length > 0,
    });
    this.toggleAttribute('data-points', editable(this));
  }

  /** The fork bar for the step on screen (a scrubbed-back one, or the live one). */
  updateForkBar() {
    this.forkBar?.show({
      step: Number(this.dataset.viewing ?? this.status?.step ?? 0),
      last: this.status?.max_steps ?? 0,
      playing: this.playing,
      busy: this.busy,
      params: this.status?.params,
      // A course page that fixes any of the fork's values fixes the fork.
      locked: this.info.schema.some((s) => s.fork && this.options.locked.has(s.name)),
    });
  }

  /**
   * Restarts the run with the state's values. Until it is done `restarting` holds its
   * promise, so Play pressed meanwhile (on a finished run, say, after choosing a preset) plays
   * the new run instead of being refused by the old one's status.
   */
  restart() {
    const running = this.restartRun().finally(() => {
      if (this.restarting === running) this.restarting = null;
    });
    this.restarting = running;
    return running;
  }

  async restartRun() {
    await this.handleReady;
    if (!this.handle) return;
    // A Play that waits for this restart (see `restart`) still plays the new run.
    await this.stop({ cancelPlay: false });
    this.clearMessages();
    // A note for this restart only (a preset run under a page's fixed values).
    const note = this.restartNote;
    this.restartNote = null;
    try {
      await this.handle.restart(this.state.params, this.state.backend);
      for (const note of this.handle.notes()) this.message(note, 'warn');
      if (note) this.message(note, 'info');
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

  /**
   * Whether a fork's replay or an edit's restart is under way: Play, Step, Reset, presets,
   * controls, forks, edits and an embedding page's commands wait for it (their buttons are
   * disabled meanwhile; a key or command that comes anyway gets a message).
   */
  get busy() {
    return Boolean(this.forkBusy || this.pointsBusy);
  }

  /** Marks `what` ('forkBusy' or 'pointsBusy') as under way or done, and shows it. */
  setBusy(what, on) {
    this[what] = on;
    this.transport.setBusy(this.busy);
    this.presetBar.setBusy(this.busy);
    this.updateForkBar();
    this.updatePointsBar();
    // The request to wait is done with once nothing is under way.
    if (!this.busy) this.waitMessage?.remove();
  }

  /** True, with a message, when a replay or restart is under way (see `busy`). */
  refuseWhileBusy() {
    if (!this.busy) return false;
    const what = this.forkBusy ? 'replaying the run to the fork' : 'restarting on your points';
    this.waitMessage?.remove();
    this.waitMessage = this.message(`Wait a moment: the lab is ${what}.`, 'info');
    return true;
  }

  applyPreset(id) {
    if (this.refuseWhileBusy()) return;
    const params = presetValues(this.info, id);
    if (!params) return;
    params.seed = this.state.params.seed ?? 0;
    // Values an embedding page fixed stay fixed across presets; where the preset asks for
    // another choice (another data set), the reader is told its story may not hold.
    const overridden = [];
    for (const name of this.options.locked) {
      const spec = this.info.schema.find((s) => s.name === name);
      if (spec?.options.length && name in params && Number(params[name]) !== Number(this.lockedValues[name])) {
        overridden.push(`${spec.label} (${spec.options[Number(this.lockedValues[name])] ?? this.lockedValues[name]})`);
      }
      params[name] = this.lockedValues[name];
    }
    this.state.params = params;
    this.state.preset = id;
    if (overridden.length) {
      const title = this.info.presets.find((p) => p.id === id)?.title;
      this.restartNote = `This page fixes ${overridden.join(' and ')}, so "${title}" runs with it, and its caption may not hold.`;
    }
    // The new preset's question at once, before its engine restarts.
    this.quiz.update();
    this.restart();
  }

  /** Turns predict-then-reveal on or off (the playground's switch; kept in its link). */
  setQuiz(on) {
    this.options.quiz = Boolean(on);
    this.quiz.setOn(on);
    this.onState(this.state);
  }

  async setBackend(backend) {
    this.state.backend = backend;
    await this.restart();
  }

  reset() {
    if (this.refuseWhileBusy()) return Promise.resolve();
    return this.restart();
  }

  // ---- training -----------------------------------------------------------------------

  setPlayButton() {
    this.transport.showPlaying(this.playing);
    this.updateForkBar();
  }

  togglePlay() {
    if (this.refuseWhileBusy()) return;
    if (this.playing) this.stop();
    else this.play();
  }

  play(options) {
    playback.play(this, options);
  }

  stop(options) {
    return playback.stop(this, options);
  }

  singleStep() {
    if (this.refuseWhileBusy()) return Promise.resolve();
    return playback.singleStep(this);
  }
}

customElements.define('phenomena-lab', PhenomenaLab);
