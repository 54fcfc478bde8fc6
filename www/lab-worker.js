// The engine of one <phenomena-lab>, in a dedicated worker: it trains, reads results back and
// builds the chart specs, so the page's main thread only draws them and handles input.
// lab-handle.js starts it and speaks to it; each message is {id, op, args}, and every op with
// an id is answered {id, value} or {id, error, crashed}. Ops run one after another, in the
// order they were sent.
//
// `step` and `stepWork` are sent without an id, so the page never waits for them; a failure of
// one is answered on the next op that has an id.

import { watchingDevices } from './gpu-watch.js';

let glue = null;
let lab = null;
/** Why the engine stopped (a Rust panic traps the module; nothing can run in it after that). */
let crashed = null;
/** A failure of an op the page did not wait for, answered on the next one it does. */
let pending = null;
/** Every WebGPU device the engine made, for the page's tests of a lost device. */
const devices = [];

// The engine reports a panic just before its module traps. The trap may end a read-back's
// promise without settling it, so the page hears of the crash at once, not from a reply.
self.addEventListener('phenomena-panic', (e) => {
  crashed = `the engine stopped with an internal error (${String(e.detail)})`;
  self.postMessage({ event: 'crashed', reason: crashed });
});

/** The charts on view: their ids, titles, captions and text summaries, and their specs. */
const charts = () => lab.chartSpecs();

/** The backend strings that mean WebGPU (the engine's `Backend::parse`). */
const WEBGPU = new Set(['webgpu', 'gpu']);
/** The WebGPU engine's device start, made once and only for a lab that trains on it. */
let webGpuStart = null;

/**
 * Starts this worker's WebGPU device before a run on it. A worker whose lab trains on flex
 * never makes one, even with the WebGPU engine loaded (another lab on the page may use it).
 */
async function readyFor(backend) {
  if (!WEBGPU.has(backend)) return;
  webGpuStart ??= watchingDevices(() => glue.initWebGpu(), {
    lost: (reason) => self.postMessage({ event: 'gpu-lost', reason }),
    made: (d) => devices.push(d),
  });
  const gpuProblem = await webGpuStart;
  if (gpuProblem) throw Object.assign(new Error(`WebGPU could not start in a worker (${gpuProblem})`), { workerProblem: true });
}

const OPS = {
  /** Instantiates the page's compiled module. */
  async init({ glueUrl, module }) {
    glue = await import(glueUrl);
    await glue.default({ module_or_path: module });
  },
  /** Creates the lab's run; `runs`, when given, are the only runs this worker trains. */
  async create({ lab: id, preset, params, backend, runs }) {
    await readyFor(backend);
    lab?.free();
    lab = glue.LabHandle.create(id, preset, params, backend);
    if (runs) lab.trainShare(runs);
    return { notes: lab.notes() };
  },
  async restart({ params, backend, runs }) {
    await readyFor(backend);
    lab.restart(params, backend);
    if (runs) lab.trainShare(runs);
    return { notes: lab.notes() };
  },
  step({ k }) {
    lab.step(k);
  },
  stepWork({ units, budget }) {
    lab.stepWork(units, budget);
  },
  /**
   * The status, the timeline's steps and, when asked for or at the run's end, the charts. An
   * ensemble's first shard first takes the other shards' records (`imports`).
   */
  async refresh({ withCharts, imports }) {
    if (imports) lab.absorbShards(imports);
    const status = await lab.refresh();
    const ended = status.step >= status.max_steps || Boolean(status.diverged);
    return { status, timeline: Array.from(lab.timeline()), charts: withCharts || ended ? charts() : null };
  },
  /** The status and what this shard of an ensemble recorded, for the shard that shows it. */
  async shardRefresh() {
    const status = await lab.refresh();
    return { status, record: lab.shardRecord() };
  },
  view({ index }) {
    lab.view(index ?? undefined);
    return charts();
  },
  csv: () => lab.csv(),
  json: () => lab.json(),
  series: ({ name }) => Array.from(lab.series(name)),
  /** Reports a panic as the engine's panic hook does, and stops (for the page's tests). */
  simulatePanic() {
    self.dispatchEvent(new CustomEvent('phenomena-panic', { detail: 'panicked at a simulated fault' }));
    return new Promise(() => {});
  },
  /** How many WebGPU devices this worker made (for the page's tests). */
  deviceCount: () => devices.length,
  /** Destroys the engine's WebGPU devices, as a driver reset would (for the page's tests). */
  loseDevices() {
    for (const d of devices) d.destroy();
    return devices.length;
  },
};

async function run({ id, op, args }) {
  if (crashed) {
    if (id !== undefined) self.postMessage({ id, error: crashed, crashed: true });
    return;
  }
  try {
    if (!OPS[op]) throw new Error(`the lab's worker has no operation "${op}"`);
    if (pending && id !== undefined) {
      const error = pending;
      pending = null;
      throw error;
    }
    const value = await OPS[op](args ?? {});
    if (id !== undefined) self.postMessage({ id, value });
  } catch (e) {
    // A trap (a Rust panic) leaves the module unusable: say why and answer every later op so.
    if (e instanceof WebAssembly.RuntimeError) crashed ??= `the engine stopped with an internal error (${e.message})`;
    const error = crashed ?? (e?.message ?? String(e));
    if (id === undefined) pending = new Error(error);
    else self.postMessage({ id, error, crashed: Boolean(crashed), workerProblem: Boolean(e?.workerProblem) });
  }
}

let queue = Promise.resolve();
self.onmessage = (e) => {
  queue = queue.then(() => run(e.data));
};
self.postMessage({ event: 'loaded' });
