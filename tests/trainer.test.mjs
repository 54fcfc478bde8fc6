// The training loop's pacing, checked under Node without a browser: the units of work per
// frame, the steps-per-second meter, the timeline slider's log axis, the replay after a lost
// GPU and the frame loop itself, each against a fake lab handle.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  FRAME_BUDGET_MS,
  MAX_UNITS_PER_FRAME,
  RATE_WINDOW_MS,
  TIMELINE_TICKS,
  Pacer,
  RateMeter,
  frameBudget,
  nextUnits,
  replay,
  timelineIndex,
  timelineStop,
  timelineTicks,
  trainFrames,
} from '../www/trainer.js';

const BUDGET = FRAME_BUDGET_MS.normal;

test('a frame with budget left gets more units, and growth is at least one', () => {
  assert.equal(nextUnits(1, BUDGET, BUDGET - 0.1), 2, 'rounding down must not keep one unit at one');
  assert.ok(nextUnits(10, BUDGET, BUDGET / 2) > 10);
  assert.equal(nextUnits(10, BUDGET, BUDGET), 11, 'a frame exactly on budget still grows, gently');
});

test('growth is gentle: a fast frame does not jump to the full ratio at once', () => {
  const units = 10;
  const elapsed = 1;
  const ratio = (units * BUDGET) / elapsed;
  const next = nextUnits(units, BUDGET, elapsed);
  assert.ok(next > units && next < ratio, `${next} between ${units} and ${ratio}`);
});

test('a frame over budget shrinks at once to what fits', () => {
  assert.equal(nextUnits(100, BUDGET, 2 * BUDGET), 50);
  assert.equal(nextUnits(100, BUDGET, 4 * BUDGET), 25);
  assert.ok(nextUnits(2000, BUDGET, BUDGET + 1) < 2000);
});

test('units stay between one and the cap, whatever the timing', () => {
  for (const [units, elapsed] of [[1, 1e6], [5, 1e9], [1, Infinity], [3, 0], [2000, 0], [1999, 0.01], [1, -5]]) {
    const next = nextUnits(units, BUDGET, elapsed);
    assert.ok(Number.isInteger(next), `${units} units in ${elapsed} ms gave ${next}`);
    assert.ok(next >= 1 && next <= MAX_UNITS_PER_FRAME, `${units} units in ${elapsed} ms gave ${next}`);
  }
  assert.equal(nextUnits(1, BUDGET, 1e6), 1, 'never below one');
  assert.equal(nextUnits(MAX_UNITS_PER_FRAME, BUDGET, 0.1), MAX_UNITS_PER_FRAME, 'never above the cap');
});

test('on a machine of fixed speed the unit count settles where a frame fills its budget', () => {
  for (const msPerUnit of [0.05, 0.7, 3, 20]) {
    let units = 1;
    const frames = [];
    for (let i = 0; i < 60; i++) {
      const elapsed = units * msPerUnit;
      frames.push(elapsed);
      units = nextUnits(units, BUDGET, elapsed);
    }
    const fits = Math.max(1, Math.min(MAX_UNITS_PER_FRAME, Math.floor(BUDGET / msPerUnit)));
    assert.ok(Math.abs(units - fits) <= 1, `${msPerUnit} ms a unit: ${units} units, ${fits} fit`);
    // Once settled, no frame runs far past its budget (one unit over, at most).
    for (const elapsed of frames.slice(-20)) assert.ok(elapsed <= Math.max(BUDGET, msPerUnit) + msPerUnit, `${elapsed} ms`);
  }
});

test('each speed has a budget; slow paces like normal', () => {
  assert.equal(frameBudget('normal'), FRAME_BUDGET_MS.normal);
  assert.equal(frameBudget('fast'), FRAME_BUDGET_MS.fast);
  assert.ok(frameBudget('fast') > frameBudget('normal'));
  assert.equal(frameBudget('slow'), FRAME_BUDGET_MS.normal);
  assert.equal(frameBudget('nonsense'), FRAME_BUDGET_MS.normal);
});

test('the rate meter says nothing until a window is full, then steps per second', () => {
  const meter = new RateMeter(1000);
  assert.equal(meter.add(10, 1100), null);
  assert.equal(meter.add(10, 1000 + RATE_WINDOW_MS), null, 'a window must be longer than RATE_WINDOW_MS');
  assert.equal(meter.add(20, 1800), 50, '40 steps in 0.8 s');
  // A new window starts where the last ended.
  assert.equal(meter.add(5, 2000), null);
  assert.equal(meter.add(5, 2800), 10);
});

/** A fake lab handle: `step` counts steps; `stepWork` does at most `perCall` of the units asked. */
function fakeHandle({ maxSteps = 1e9, perCall = Infinity, failAt = Infinity } = {}) {
  const handle = {
    done: 0,
    calls: [],
    step(n) {
      handle.calls.push(['step', n]);
      handle.done = Math.min(maxSteps, handle.done + n);
    },
    stepWork(units, budget) {
      handle.calls.push(['stepWork', units, budget]);
      if (handle.done >= failAt) throw new Error('device lost');
      handle.done = Math.min(maxSteps, handle.done + Math.min(units, perCall));
    },
    async refresh() {
      return { step: handle.done, max_steps: maxSteps };
    },
  };
  return handle;
}

test('the pacer steps once a frame when slow, else works its units within the budget', () => {
  const pacer = new Pacer();
  const handle = fakeHandle();
  pacer.work(handle);
  assert.deepEqual(handle.calls.at(-1), ['stepWork', 1, FRAME_BUDGET_MS.normal]);
  pacer.adapt(1);
  assert.ok(pacer.unitsPerFrame > 1, 'a quick frame raises the units');
  pacer.speed = 'fast';
  pacer.work(handle);
  assert.deepEqual(handle.calls.at(-1), ['stepWork', pacer.unitsPerFrame, FRAME_BUDGET_MS.fast]);
  pacer.speed = 'slow';
  const units = pacer.unitsPerFrame;
  pacer.work(handle);
  assert.deepEqual(handle.calls.at(-1), ['step', 1]);
  pacer.adapt(0.1);
  assert.equal(pacer.unitsPerFrame, units, 'slow frames leave the unit count for later');
});

test('a replay reaches its target exactly, never past it, reporting each slice', async () => {
  for (const [target, perCall] of [[0, Infinity], [1, Infinity], [137, Infinity], [500, 3]]) {
    const handle = fakeHandle({ perCall });
    const seen = [];
    const status = await replay(handle, target, (step) => seen.push(step));
    assert.equal(status.step, target);
    assert.equal(handle.done, target);
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i] > seen[i - 1], 'progress only moves forward');
    assert.ok(seen.every((s) => s <= target));
    if (target > 0) assert.equal(seen.at(-1), target);
    for (const [, units] of handle.calls) assert.ok(units >= 1, 'every slice asks for work');
  }
});

test('the frame loop trains, reports and shows each frame in order until it is stopped', async () => {
  globalThis.requestAnimationFrame ??= (callback) => setTimeout(callback, 0);
  const handle = fakeHandle();
  const pacer = new Pacer();
  const log = [];
  let frames = 0;
  let step = 0;
  await trainFrames({
    pacer,
    playing: () => frames < 5,
    handle: () => handle,
    stepBefore: () => step,
    frameStarted: () => log.push('start'),
    trained: (status, rate) => {
      step = status.step;
      log.push(`trained ${status.step} ${rate === null ? 'no rate' : 'rate'}`);
    },
    shown: (status) => {
      frames++;
      log.push(`shown ${status.step}`);
    },
    failed: (e) => assert.fail(e),
  });
  assert.equal(frames, 5);
  const trained = log.filter((l) => l.startsWith('trained'));
  assert.equal(trained.length, 5);
  // Each frame: start, trained, shown, in that order; the steps grow frame by frame.
  for (let i = 0; i < 5; i++) {
    assert.equal(log[3 * i], 'start');
    assert.match(log[3 * i + 1], /^trained /);
    assert.match(log[3 * i + 2], /^shown /);
  }
  const steps = trained.map((l) => Number(l.split(' ')[1]));
  for (let i = 1; i < steps.length; i++) assert.ok(steps[i] > steps[i - 1], `${steps}`);
  assert.match(trained[0], /no rate/, 'no rate before a window is full');
  assert.ok(pacer.unitsPerFrame > 1, 'quick frames raised the units');
});

test('a failing frame goes to failed() and ends the loop', async () => {
  globalThis.requestAnimationFrame ??= (callback) => setTimeout(callback, 0);
  const handle = fakeHandle({ failAt: 3 });
  const errors = [];
  let shown = 0;
  await trainFrames({
    pacer: new Pacer(),
    playing: () => true,
    handle: () => handle,
    stepBefore: () => handle.done,
    frameStarted: () => {},
    trained: () => {},
    shown: () => shown++,
    failed: (e) => errors.push(e.message),
  });
  assert.deepEqual(errors, ['device lost']);
  assert.ok(shown >= 1);
});

test('the timeline axis is log(1 + step): ends at 0 and TIMELINE_TICKS, monotone between', () => {
  const steps = [0, 1, 2, 5, 10, 50, 100, 1000, 20000];
  const ticks = timelineTicks(steps);
  assert.equal(ticks[0], 0);
  assert.equal(ticks.at(-1), TIMELINE_TICKS);
  for (let i = 1; i < ticks.length; i++) assert.ok(ticks[i] > ticks[i - 1]);
  assert.deepEqual(timelineTicks([7]), [TIMELINE_TICKS], 'one snapshot sits at the live end');
});

test('half-way along a 20 000-step run is step ≈ 140, as on the charts', () => {
  const steps = Array.from({ length: 2001 }, (_, i) => i * 10);
  const middle = steps[timelineIndex(steps, TIMELINE_TICKS / 2)];
  assert.ok(Math.abs(middle - Math.sqrt(20001)) <= 10, `step ${middle}`);
});

test('the timeline index is monotone in the slider and hits both ends', () => {
  const steps = [0, 3, 8, 20, 60, 200, 900, 4000];
  let last = -1;
  for (let tick = 0; tick <= TIMELINE_TICKS; tick++) {
    const index = timelineIndex(steps, tick);
    assert.ok(index >= last, `tick ${tick}: ${index} after ${last}`);
    last = index;
  }
  assert.equal(timelineIndex(steps, 0), 0);
  assert.equal(timelineIndex(steps, TIMELINE_TICKS), steps.length - 1);
  assert.equal(new Set(Array.from({ length: TIMELINE_TICKS + 1 }, (_, t) => timelineIndex(steps, t))).size, steps.length, 'every snapshot can be reached');
});

test('a timeline stop is live only at the latest snapshot, and the thumb snaps onto its snapshot', () => {
  const steps = [0, 10, 100, 1000];
  assert.deepEqual(timelineStop(steps, TIMELINE_TICKS), { index: 3, live: true, tick: TIMELINE_TICKS });
  assert.deepEqual(timelineStop(steps, 0), { index: 0, live: false, tick: 0 });
  for (let tick = 0; tick <= TIMELINE_TICKS; tick += 37) {
    const stop = timelineStop(steps, tick);
    assert.equal(stop.live, stop.index === steps.length - 1);
    assert.equal(stop.tick, stop.live ? TIMELINE_TICKS : Math.round(timelineTicks(steps)[stop.index]));
    assert.equal(timelineStop(steps, stop.tick).index, stop.index, 'a snapped thumb stays on its snapshot');
  }
  assert.equal(timelineStop([42], 0).live, true, 'with one snapshot every position is live');
});
