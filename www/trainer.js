// The training loop's pacing: how much work each frame gets, how fast the run is going, where
// each recorded snapshot sits on the timeline slider, and how the loop gives the page its turn
// between frames. The arithmetic is pure and the loops take the lab's handle and callbacks, so
// tests/trainer.test.mjs checks all of it under Node, without a browser.

// Work per frame, in ms: the adaptive unit count aims at it and the engine stops a call
// once it is spent, so a frame's task (work, read-back, bookkeeping) stays under 50 ms.
export const FRAME_BUDGET_MS = { slow: 0, normal: 12, fast: 25 };
/**
 * Work per slice, in ms, when the lab trains in a worker: the page's thread only waits for the
 * answer, so slices can be longer, and the next one starts as soon as the last is read back
 * rather than at the next frame. Each slice's read-back costs the same whatever its length, so
 * longer slices train more (tests/bench/story.mjs: `useful` 18.4 s at 30 ms, 15.9 s at 60,
 * 13.7 s at 90); at 90 ms a pause is still heard within a tenth of a second, and the charts
 * are redrawn every other slice.
 */
export const WORKER_BUDGET_MS = { slow: 0, normal: 90, fast: 180 };
/** A frame never asks for more units than this, however fast the last one went. */
export const MAX_UNITS_PER_FRAME = 2000;
/** The charts are redrawn at most this often while training. */
export const DRAW_INTERVAL_MS = 120;
/** The steps-per-second readout averages over windows at least this long. */
export const RATE_WINDOW_MS = 500;
// The timeline slider moves along log(1 + step), like the charts' time axes.
export const TIMELINE_TICKS = 1000;

/**
 * Units of work for the next frame, from this frame's `units` and the `elapsed` ms they took:
 * grow gently, shrink at once, so a frame's work stays well under the 50 ms that makes a page
 * feel stuck. Growth is at least one unit, or rounding down would keep a small count from ever
 * growing.
 */
export function nextUnits(units, budget, elapsed) {
  const scaled = (units * budget) / Math.max(elapsed, 0.5);
  const next = scaled < units ? Math.floor(scaled) : Math.max(units + 1, Math.floor(0.7 * units + 0.3 * scaled));
  return Math.max(1, Math.min(MAX_UNITS_PER_FRAME, next));
}

/**
 * The budget the unit count aims at for `speed`, on the page's thread or in a worker
 * (`offThread`); "slow" (a step a frame) paces like normal.
 */
export function frameBudget(speed, offThread = false) {
  const budgets = offThread ? WORKER_BUDGET_MS : FRAME_BUDGET_MS;
  return budgets[speed] || budgets.normal;
}

/** Steps per second, averaged over windows of at least RATE_WINDOW_MS. */
export class RateMeter {
  constructor(now) {
    this.start = now;
    this.steps = 0;
  }

  /** Counts `steps` done by time `now` (ms); the rate once a window is full, else null. */
  add(steps, now) {
    this.steps += steps;
    const since = now - this.start;
    if (since <= RATE_WINDOW_MS) return null;
    const rate = (this.steps * 1000) / since;
    this.start = now;
    this.steps = 0;
    return rate;
  }
}

/** The speed menu's setting and the unit count it has adapted to; both outlive a run. */
export class Pacer {
  constructor() {
    this.speed = 'normal';
    this.unitsPerFrame = 1;
    /** Whether the lab trains in a worker (set with its handle). */
    this.offThread = false;
  }

  /** One frame's training: a single step at "slow", else this frame's units within its budget. */
  work(handle) {
    if (this.speed === 'slow') handle.step(1);
    else handle.stepWork(this.unitsPerFrame, frameBudget(this.speed, this.offThread));
  }

  /** After a frame whose work and read-back took `elapsed` ms: the next frame's units. */
  adapt(elapsed) {
    if (this.speed !== 'slow') this.unitsPerFrame = nextUnits(this.unitsPerFrame, frameBudget(this.speed, this.offThread), elapsed);
  }

  /**
   * Waits for the next frame. "fast" gives the time a frame would wait for the screen to
   * training too, and so does a lab in a worker at any speed but "slow"; the charts are still
   * redrawn every DRAW_INTERVAL_MS.
   */
  nextFrame() {
    return this.speed === 'fast' || (this.offThread && this.speed !== 'slow') ? yieldNow() : nextFrame();
  }
}

/**
 * Trains while `playing()`, a frame at a time: `frameStarted()`, then `pacer`'s work on
 * `handle()` and a read-back of its status, which goes to `trained(status, rate)` (`rate` in
 * steps per second once a window is full, else null) and, after a yield to the browser,
 * to `shown(status)`; then it waits for the next frame. `stepBefore()` is the step the frame
 * starts from. A failure to train or read back goes to `failed(error)` and ends the loop.
 */
export async function trainFrames({ pacer, playing, handle, stepBefore, frameStarted, trained, shown, failed }) {
  const meter = new RateMeter(performance.now());
  while (playing()) {
    const t0 = performance.now();
    const before = stepBefore();
    frameStarted();
    let status;
    try {
      pacer.work(handle());
      // Chart specs only come along as often as the charts are redrawn.
      status = await handle().refresh({ withCharts: false, chartsEvery: DRAW_INTERVAL_MS });
    } catch (e) {
      failed(e);
      break;
    }
    const elapsed = performance.now() - t0;
    const rate = meter.add(status.step - before, performance.now());
    pacer.adapt(elapsed);
    trained(status, rate);
    // Drawing is a task of its own, so training and drawing never add up in one task.
    await yieldToBrowser();
    shown(status);
    await pacer.nextFrame();
  }
}

/**
 * Trains `handle` to `target` steps in short slices without drawing, paced like normal play,
 * and calls `onProgress(step)` after each slice. Returns the last status read back.
 */
export async function replay(handle, target, onProgress = () => {}) {
  let k = 1;
  let status = await handle.refresh({ withCharts: false });
  while (status.step < target) {
    const t0 = performance.now();
    // A unit of work is at most a step, so this never passes the target.
    handle.stepWork(Math.min(k, target - status.step), FRAME_BUDGET_MS.normal);
    status = await handle.refresh({ withCharts: false, chartsEvery: Infinity });
    const elapsed = performance.now() - t0;
    k = nextUnits(k, FRAME_BUDGET_MS.normal, elapsed);
    onProgress(status.step);
    await yieldToBrowser();
  }
  return status;
}

/** Each snapshot's place on the slider, 0…TIMELINE_TICKS, along a log(1 + step) axis. */
export function timelineTicks(steps) {
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

/**
 * Where slider position `tick` lands among snapshots taken at `steps` (not empty): the
 * snapshot's index, whether it is the latest (the live run), and the tick the thumb snaps to.
 */
export function timelineStop(steps, tick) {
  const index = timelineIndex(steps, tick);
  const live = index >= steps.length - 1;
  return { index, live, tick: live ? TIMELINE_TICKS : Math.round(timelineTicks(steps)[index]) };
}

export const nextFrame = () => new Promise((resolve) => requestAnimationFrame(() => resolve()));
export const yieldToBrowser = () => new Promise((resolve) => setTimeout(resolve, 0));
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A yield that lets input and rendering in but, unlike a frame, does not wait for vsync. */
export function yieldNow() {
  if (globalThis.scheduler?.yield) return globalThis.scheduler.yield();
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => resolve();
    channel.port2.postMessage(null);
  });
}
