// A lab's engine as the <phenomena-lab> element talks to it. Training runs in a dedicated
// worker (lab-worker.js) where the browser allows one, so the page's main thread only draws
// and handles input; where it does not (an old browser, a course page whose
// Content-Security-Policy allows no worker), the same calls run on the main thread.
//
// Both handles offer one interface:
//   notes()                       messages about clamped values, from the last (re)start
//   restart(params, backend)      async; throws an Error naming a bad value
//   step(k), stepWork(units, ms)  queue training; a failure surfaces on the next refresh
//   refresh({withCharts})         async: the status; also keeps the timeline and the charts
//   timeline(), charts()          the kept snapshot steps; chart ids, titles, captions, summaries
//   view(index)                   async: shows a kept snapshot (undefined: the latest)
//   draw(canvases, dpr, dark) → each chart's plot frame, drawChart(id, canvas, dpr, dark),
//   chartSvg(id, w, h)
//   chartSpec(id)                 the spec chart `id` is drawn from (for its table)
//   csv(), json(), series(name)   async
//   dispose()

import { reportGpuLost } from './engine.js';
import { ShardedHandle } from './lab-shards.js';

/** How long a worker may take to load the engine before the lab trains on the main thread. */
const WORKER_START_MS = 30_000;

/**
 * A handle for lab `lab` ({preset, params, backend}) on `engine` (engine.js's loadEngine),
 * in a worker when one starts. Resolves to {handle, fallback}: `fallback` says why the lab
 * trains on the main thread ('' when it has a worker). Throws what creating the lab threw.
 */
export async function createLabHandle(engine, lab, state, { worker = true } = {}) {
  let fallback = 'this page asked for no worker';
  if (worker) {
    try {
      // A lab whose seeds or runs train apart gets a worker per share of them (lab-shards.js).
      const info = engine.catalog.find((l) => l.id === lab);
      if (info?.seed_shards || info?.run_shards) return { handle: await ShardedHandle.start(engine, lab, state), fallback: '' };
      const handle = await WorkerHandle.start(engine);
      try {
        await handle.create(lab, state);
      } catch (e) {
        handle.dispose();
        throw e;
      }
      return { handle, fallback: '' };
    } catch (e) {
      if (!e.workerProblem) throw e;
      fallback = e.message;
    }
  }
  return { handle: LocalHandle.create(engine, lab, state), fallback };
}

/** The engine on the page's main thread: the wasm handle, with the async calls resolved. */
export class LocalHandle {
  static create(engine, lab, { preset, params, backend }) {
    return new LocalHandle(engine.wasm.LabHandle.create(lab, preset, params, backend));
  }

  constructor(wasmHandle) {
    this.lab = wasmHandle;
  }

  get offThread() {
    return false;
  }

  notes = () => this.lab.notes();
  restart = async (params, backend) => this.lab.restart(params, backend);
  step = (k) => this.lab.step(k);
  stepWork = (units, budget) => this.lab.stepWork(units, budget);
  refresh = () => this.lab.refresh();
  timeline = () => Array.from(this.lab.timeline());
  view = async (index) => this.lab.view(index);
  charts = () => this.lab.charts();
  draw = (canvases, dpr, dark) => this.lab.draw(canvases, dpr, dark);
  drawChart = (id, canvas, dpr, dark) => this.lab.drawChart(id, canvas, dpr, dark);
  chartSvg = (id, width, height) => this.lab.chartSvg(id, width, height);
  chartSpec(id) {
    const { infos, specs } = this.lab.chartSpecs();
    const at = infos.findIndex((c) => c.id === id);
    if (at < 0) throw new Error(`no chart \`${id}\``);
    return parseSpec(specs[at]);
  }

  csv = async () => this.lab.csv();
  json = async () => this.lab.json();
  series = async (name) => Array.from(this.lab.series(name));
  dispose = () => this.lab.free();
}

/**
 * A chart spec from its JSON text (`chartSpecs`). JSON has no NaN: the engine writes an
 * undrawable coordinate (a diverged run's point) as null, read back here as NaN, as the spec
 * was before it crossed.
 */
function parseSpec(text) {
  return JSON.parse(text, (key, value) => {
    if (key === 'points') return value.map(([x, y]) => [x ?? NaN, y ?? NaN]);
    if ((key === 'x' || key === 'y') && value === null) return NaN;
    return value;
  });
}

/** An error that means the worker could not be used at all, so the lab falls back. */
function workerProblem(message) {
  return Object.assign(new Error(message), { workerProblem: true });
}

/**
 * A worker for a module on another origin: a page may only start a worker from its own origin,
 * so a course page starts it from a `blob:` URL whose one line imports the worker module.
 */
function spawnWorker(url) {
  if (typeof Worker === 'undefined') throw workerProblem('this browser has no Web Workers');
  try {
    if (url.origin === location.origin) return new Worker(url, { type: 'module' });
    const source = new Blob([`import ${JSON.stringify(url.href)};\n`], { type: 'text/javascript' });
    const blobUrl = URL.createObjectURL(source);
    try {
      return new Worker(blobUrl, { type: 'module' });
    } finally {
      // The worker has fetched its script by the time it runs; revoking later is not needed.
      setTimeout(() => URL.revokeObjectURL(blobUrl), 60_000);
    }
  } catch (e) {
    throw workerProblem(`a worker could not be started (${e.message})${loadHint(url)}`);
  }
}

/** What to add when a worker from `url` fails to load: the policy a course page needs. */
function loadHint(url) {
  return url.origin === location.origin ? '' : `; a page on another origin must allow blob: and ${url.origin} in its Content-Security-Policy's worker-src`;
}

/**
 * The engine in a dedicated worker. Charts are built there and drawn here, by the page's own
 * instance of the engine, from the specs the last refresh (or view) brought.
 */
export class WorkerHandle {
  /** Starts a worker and its engine; throws a `workerProblem` error when that fails. */
  static async start(engine) {
    const handle = new WorkerHandle(engine);
    await handle.boot();
    return handle;
  }

  constructor(engine) {
    this.engine = engine;
    this.nextId = 1;
    this.waiting = new Map();
    this.lastNotes = [];
    this.steps = [];
    /** The charts on view: `infos`, and each one's spec as JSON text (see `chartSpecs`). */
    this.shown = { infos: [], specs: [] };
    /** Specs of `shown` read as objects, by chart id, once something asked (a table, an export). */
    this.parsed = new Map();
    this.chartsAt = -Infinity;
    /** Hears that the worker's WebGPU device was lost (the page's one report of it). */
    this.onGpuLost = reportGpuLost;
  }

  /** Starts a fresh worker and its engine; throws a `workerProblem` error when that fails. */
  async boot() {
    this.crashed = null;
    const url = new URL('./lab-worker.js', import.meta.url);
    const worker = spawnWorker(url);
    this.worker = worker;
    const loaded = new Promise((resolve, reject) => {
      this.markLoaded = resolve;
      this.failLoad = reject;
    });
    worker.onmessage = (e) => this.receive(e.data);
    // A worker whose script fails to load or throws outside an op: every call waiting fails.
    worker.onerror = (e) => {
      e.preventDefault?.();
      this.crash(workerProblem(`the lab's worker failed (${e.message || 'its script could not be loaded'})${loadHint(url)}`));
    };
    worker.onmessageerror = () => this.crash(new Error("a message from the lab's worker could not be read"));
    const timeout = setTimeout(() => this.crash(workerProblem('the worker did not start in time')), WORKER_START_MS);
    const { engine } = this;
    try {
      await loaded;
      await this.request('init', { glueUrl: engine.glueUrl, module: engine.module });
    } catch (e) {
      this.dispose();
      throw e.workerProblem ? e : workerProblem(`the worker could not load the engine (${e.message})`);
    } finally {
      clearTimeout(timeout);
    }
  }

  get offThread() {
    return true;
  }

  receive(message) {
    if (message.event === 'loaded') return this.markLoaded();
    if (message.event === 'gpu-lost') return this.onGpuLost(message.reason);
    if (message.event === 'crashed') return this.crash(new Error(message.reason));
    const waiter = this.waiting.get(message.id);
    if (!waiter) return;
    this.waiting.delete(message.id);
    if (message.error === undefined) waiter.resolve(message.value);
    else {
      if (message.crashed) this.crashed = new Error(message.error);
      // WebGPU that starts on the page but not in the worker: the lab falls back to the page.
      waiter.reject(message.workerProblem ? workerProblem(message.error) : new Error(message.error));
    }
  }

  /** The worker is unusable: every call waiting, and every later one, fails with `error`. */
  crash(error) {
    this.crashed ??= error;
    this.failLoad?.(error);
    for (const waiter of this.waiting.values()) waiter.reject(error);
    this.waiting.clear();
  }

  /** Sends `op` and resolves to its answer; while a fresh worker starts, once it has. */
  call(op, args) {
    if (this.rebooting) return this.rebooting.then(() => this.request(op, args));
    return this.request(op, args);
  }

  /** Sends `op` to the worker as it is now. */
  request(op, args) {
    if (this.crashed) return Promise.reject(this.crashed);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ id, op, args });
    });
  }

  /** Sends `op` without waiting for it; a failure comes back with the next call. */
  send(op, args) {
    if (this.rebooting) this.rebooting.then(() => this.send(op, args), () => {});
    else if (!this.crashed) this.worker.postMessage({ op, args });
  }

  /** Creates lab `lab`'s run; `runs` (optional) are the only runs it trains (lab-shards.js). */
  async create(lab, { preset, params, backend, runs = null }) {
    this.lab = lab;
    const { notes } = await this.request('create', { lab, preset, params, backend, runs });
    this.lastNotes = notes;
  }

  notes() {
    return this.lastNotes;
  }

  /**
   * A new run. After a crash the worker is replaced by a fresh one first, so Reset works
   * whatever happened to the engine.
   */
  async restart(params, backend, runs = null) {
    if (this.crashed && !this.rebooting) {
      this.rebooting = this.reboot(params, backend, runs).finally(() => (this.rebooting = null));
      return this.rebooting;
    }
    // A Reset while a fresh worker starts waits for it, then restarts as asked.
    if (this.rebooting) await this.rebooting;
    const { notes } = await this.request('restart', { params, backend, runs });
    this.lastNotes = notes;
  }

  /** A fresh worker in place of a crashed one, with the lab created anew. */
  async reboot(params, backend, runs) {
    this.worker.terminate();
    await this.boot();
    try {
      await this.create(this.lab, { preset: null, params, backend, runs });
    } catch (e) {
      // No lab in the fresh worker: the next Reset starts another.
      this.crashed = e;
      throw e;
    }
  }

  step(k) {
    this.send('step', { k });
  }

  stepWork(units, budget) {
    this.send('stepWork', { units, budget });
  }

  /**
   * Reads back the run's status. Chart specs come along when `withCharts`, when the last ones
   * are older than `chartsEvery` ms (the page redraws at most that often while training), and
   * always at the run's end.
   */
  async refresh({ withCharts = true, chartsEvery = 100, imports } = {}) {
    const now = performance.now();
    const wanted = withCharts || now - this.chartsAt >= chartsEvery;
    const { status, timeline, charts } = await this.call('refresh', { withCharts: wanted, imports });
    this.steps = timeline;
    if (charts) {
      this.show(charts);
      this.chartsAt = now;
    }
    return status;
  }

  /** Reads back as one shard of an ensemble: {status, record} (see lab-shards.js). */
  shardRefresh() {
    return this.call('shardRefresh');
  }

  timeline() {
    return this.steps;
  }

  async view(index) {
    this.show(await this.call('view', { index: index ?? null }));
  }

  show(charts) {
    this.shown = charts;
    this.parsed.clear();
  }

  charts() {
    return this.shown.infos;
  }

  draw(canvases, dpr, dark) {
    // Only the specs of the charts to draw are read.
    const { infos, specs } = this.shown;
    const picked = specs.filter((_, i) => canvases[infos[i].id]);
    return this.engine.wasm.drawSpecs(`[${picked.join(',')}]`, canvases, dpr, dark);
  }

  drawChart(id, canvas, dpr, dark) {
    this.engine.wasm.drawSpecs(`[${this.shown.specs[this.indexOf(id)]}]`, { [id]: canvas }, dpr, dark);
  }

  chartSvg(id, width, height) {
    return this.engine.wasm.specSvg(this.spec(id), width, height);
  }

  chartSpec(id) {
    return this.spec(id);
  }

  spec(id) {
    if (!this.parsed.has(id)) this.parsed.set(id, parseSpec(this.shown.specs[this.indexOf(id)]));
    return this.parsed.get(id);
  }

  /** Where chart `id` is in `shown`; throws for a chart not on view. */
  indexOf(id) {
    const at = this.shown.infos.findIndex((c) => c.id === id);
    if (at < 0) throw new Error(`no chart \`${id}\``);
    return at;
  }

  csv = () => this.call('csv');
  json = () => this.call('json');
  series = (name) => this.call('series', { name });
  /** How many WebGPU devices the worker made (for tests). */
  deviceCount = () => this.call('deviceCount');
  /** Destroys the worker's WebGPU devices, as a driver reset would (for tests). */
  loseDevices = () => this.call('loseDevices');
  /** Makes the worker's engine crash as a Rust panic would (for tests). */
  simulatePanic = () => this.call('simulatePanic').catch(() => {});

  dispose() {
    this.crash(Object.assign(new Error('the lab was closed'), { closed: true }));
    this.worker.terminate();
  }
}
