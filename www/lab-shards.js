// A lab whose runs train in several workers at once. A lab whose catalog entry has
// `seed_shards` (its seeds are independent) splits its seeds into shards, one worker each; one
// with `run_shards` (the runs of a seed are independent) splits its runs, as the engine's
// `runShares` plans them. The first shard, the one the page shows, takes the others' records at
// every read-back. What it shows is what one engine training everything would show (native
// tests check that), while the work runs on as many cores as the machine has.
// tests/bench/cores.mjs measures the gain.
//
// ShardedHandle offers lab-handle.js's interface: training calls go to every shard; the
// timeline, charts, views and exports are the first shard's, which holds the whole ensemble.

import { WorkerHandle } from './lab-handle.js';

/** At most this many workers for one lab. */
const MAX_SHARDS = 8;

/**
 * How a lab training `seeds` seeds from `seed` on splits them over `cores` cores: one
 * {seed, seeds} share per worker, in seed order, as even as they go.
 */
export function shardPlan({ seed, seeds }, cores) {
  const k = Math.max(1, Math.min(seeds, Math.floor(cores) || 1, MAX_SHARDS));
  const plan = [];
  let next = seed;
  for (let i = 0; i < k; i += 1) {
    const count = Math.floor(seeds / k) + (i < seeds % k ? 1 : 0);
    plan.push({ seed: next, seeds: count });
    next += count;
  }
  return plan;
}

/** The cores this machine offers the page's workers. */
const cores = () => Math.min(MAX_SHARDS, Math.floor(globalThis.navigator?.hardwareConcurrency ?? 1) || 1);

/**
 * The shards a run of lab `info` from `preset` (or none) and raw `params` trains in on this
 * machine with `backend`, each {params, runs} (`runs`: the run names it trains, null for all
 * of its own), and the engine's notes about clamped values: the engine resolves the parameters
 * (so a share never hides an out-of-range seed count). A race's runs split on the CPU only:
 * their costs were measured there.
 */
export function plannedShards(engine, info, preset, params, backend) {
  const resolved = engine.wasm.validateParams(info.id, preset ?? undefined, params);
  if (info.run_shards) {
    if (!['flex', 'cpu'].includes(backend)) return { plan: [{ params, runs: null }], notes: resolved.notes };
    const shares = engine.wasm.runShares(info.id, preset ?? undefined, params, cores());
    const plan = shares ? shares.map((runs) => ({ params, runs })) : [{ params, runs: null }];
    return { plan, notes: resolved.notes };
  }
  const { seed, seeds } = resolved.params;
  // A share's first seed must itself be a valid seed; near the top of the range, one worker.
  const lastSeed = info.schema.find((s) => s.name === 'seed').max;
  const k = seed + seeds - 1 <= lastSeed ? cores() : 1;
  const plan = shardPlan({ seed, seeds }, k).map((share) => ({ params: shardParams(params, share), runs: null }));
  return { plan, notes: resolved.notes };
}

/** The records that shards' read-backs brought. */
const records = (read) => read.map((o) => o.record);

/** Raw parameters for one shard: the run's, with the shard's seeds. */
const shardParams = (params, share) => ({ ...params, seed: String(share.seed), seeds: String(share.seeds) });

export class ShardedHandle {
  /**
   * Starts one worker per share of lab `lab`'s run from `state` ({preset, params, backend});
   * throws what starting or creating one threw (a `workerProblem` error when workers cannot
   * be used).
   */
  static async start(engine, lab, state) {
    const handle = new ShardedHandle(engine, lab);
    try {
      await handle.arrange(state.preset, state.params, state.backend);
    } catch (e) {
      handle.dispose();
      throw e;
    }
    return handle;
  }

  constructor(engine, lab) {
    this.engine = engine;
    this.lab = lab;
    this.info = engine.catalog.find((l) => l.id === lab);
    /** One WorkerHandle per share, the first the one shown. */
    this.shards = [];
  }

  get offThread() {
    return true;
  }

  get first() {
    return this.shards[0];
  }

  /**
   * Makes the shards match the run's plan: extra workers are closed, missing ones started;
   * each then creates (new workers) or restarts (kept ones) its share of the run.
   */
  async arrange(preset, params, backend) {
    const { plan, notes } = plannedShards(this.engine, this.info, preset, params, backend);
    this.lastNotes = notes;
    // The last read-back's records belong to the run before.
    this.records = null;
    while (this.shards.length > plan.length) this.shards.pop().dispose();
    const kept = this.shards.length;
    const started = await Promise.allSettled(plan.slice(kept).map(() => WorkerHandle.start(this.engine)));
    for (const s of started) if (s.status === 'fulfilled') this.shards.push(s.value);
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
    await Promise.all(
      plan.map((share, i) =>
        i < kept
          ? this.shards[i].restart(share.params, backend, share.runs)
          : this.shards[i].create(this.lab, { preset, params: share.params, backend, runs: share.runs }),
      ),
    );
  }

  /** The engine's notes about the run's clamped values (each share's seeds are in range). */
  notes() {
    return this.lastNotes;
  }

  restart(params, backend) {
    return this.arrange(null, params, backend);
  }

  step(k) {
    for (const s of this.shards) s.step(k);
  }

  stepWork(units, budget) {
    for (const s of this.shards) s.stepWork(units, budget);
  }

  /**
   * Reads back every shard and gives the others' records to the first: the status is the
   * first shard's, at the step of the slowest shard, diverged if any diverged. While training
   * (`withCharts` false) all read back at once and the first shows the others as of the last
   * read-back, so no worker waits for another; when charts are asked for, and at the run's
   * end, it shows them as of now.
   */
  async refresh(options = {}) {
    const others = this.shards.slice(1);
    const fresh = options.withCharts !== false || !this.records;
    const [status, read] = fresh
      ? await Promise.all(others.map((s) => s.shardRefresh())).then(async (read) => [await this.first.refresh({ ...options, imports: records(read) }), read])
      : await Promise.all([this.first.refresh({ ...options, imports: this.records }), Promise.all(others.map((s) => s.shardRefresh()))]);
    this.records = records(read);
    for (const o of read) {
      status.step = Math.min(status.step, o.status.step);
      status.diverged ||= o.status.diverged;
    }
    const ended = status.step >= status.max_steps || Boolean(status.diverged);
    if (ended && !fresh) return this.refresh({ ...options, withCharts: true });
    return status;
  }

  timeline = () => this.first.timeline();
  view = (index) => this.first.view(index);
  charts = () => this.first.charts();
  draw = (canvases, dpr, dark) => this.first.draw(canvases, dpr, dark);
  drawChart = (id, canvas, dpr, dark) => this.first.drawChart(id, canvas, dpr, dark);
  chartSvg = (id, width, height) => this.first.chartSvg(id, width, height);
  chartSpec = (id) => this.first.chartSpec(id);
  csv = () => this.first.csv();
  json = () => this.first.json();
  series = (name) => this.first.series(name);
  /** How many WebGPU devices the shards' workers made (for tests). */
  deviceCount = async () => (await Promise.all(this.shards.map((s) => s.deviceCount()))).reduce((a, b) => a + b, 0);
  /** Destroys every shard's WebGPU devices, as a driver reset would (for tests). */
  loseDevices = async () => (await Promise.all(this.shards.map((s) => s.loseDevices()))).reduce((a, b) => a + b, 0);
  /** Makes the first shard's engine crash as a Rust panic would (for tests). */
  simulatePanic = () => this.first.simulatePanic();

  dispose() {
    for (const s of this.shards) s.dispose();
    this.shards = [];
  }
}
