// Steps per second of each lab's default preset in headless Chromium, on flex and on WebGPU
// (the software adapter where no GPU exists). Prints figures; asserts nothing about speed.

import { spawnSync } from 'node:child_process';
import { launch, openLab } from '../support/browser.mjs';

/**
 * numpy's steps/s per lab from benches/numpy_reference.py, or null with the reason printed.
 * `threads` caps OpenBLAS's threads (null: its default, every core).
 */
function numpyRates(steps, threads = null) {
  const env = threads ? { ...process.env, OPENBLAS_NUM_THREADS: String(threads) } : process.env;
  const run = spawnSync('python3', ['benches/numpy_reference.py', '--json', '--steps', String(steps)], { encoding: 'utf8', env });
  if (run.status !== 0) {
    console.log(`numpy reference not run (needs python3 with numpy: pip install numpy): ${(run.stderr || run.error?.message || '').trim().split('\n').at(-1)}`);
    return null;
  }
  const { numpy, repeat, rates } = JSON.parse(run.stdout);
  const how = threads ? `OpenBLAS on ${threads} thread` : 'OpenBLAS on its default threads';
  for (const [lab, rate] of Object.entries(rates)) console.log(`numpy ${lab}: ${rate.toFixed(1)} steps/s (numpy ${numpy}, natively, ${how}; best of ${repeat})`);
  return rates;
}

const STEPS = { flex: 300, webgpu: 30 };

const browser = await launch();
try {
  const { page } = await openLab(browser);
  const results = await page.evaluate(async (STEPS) => {
    // The WebGPU engine (it trains on both backends); the gallery page loaded only the CPU one.
    const engine = await import('./www/pkg/phenomena_web.js');
    await engine.default();
    const out = [];
    const gpuProblem = await engine.initWebGpu();
    for (const info of engine.labCatalog()) {
      for (const backend of ['flex', 'webgpu']) {
        if (backend === 'webgpu' && gpuProblem) {
          out.push({ lab: info.id, backend, text: `${info.id} webgpu: unavailable (${gpuProblem})` });
          continue;
        }
        // Steps/s of a fresh run of the first preset over the same steps as the numpy reference
        // (5 warm-up steps, then `wanted`).
        const measure = async () => {
          const lab = engine.LabHandle.create(info.id, info.presets[0].id, {}, backend);
          lab.step(5); // first shader compiles and allocations
          await lab.refresh();
          const wanted = STEPS[backend];
          // Count the steps actually taken: a lab may pause for a read-back (USEFUL's split).
          const first = lab.stepsDone();
          const t0 = performance.now();
          for (let rounds = 0; lab.stepsDone() - first < wanted && rounds < 50; rounds++) {
            lab.step(wanted - (lab.stepsDone() - first));
            await lab.refresh();
          }
          const secs = (performance.now() - t0) / 1000;
          const n = lab.stepsDone() - first;
          lab.free();
          return { rate: n / secs, n, secs };
        };
        const cold = await measure();
        const describe = (m) => `${m.rate.toFixed(1)} steps/s (${m.n} steps in ${m.secs.toFixed(2)} s, preset ${info.presets[0].id})`;
        if (backend === 'webgpu') {
          out.push({ lab: info.id, backend, rate: cold.rate, text: `${info.id} ${backend}: ${describe(cold)}` });
          continue;
        }
        // Chromium first runs wasm through its baseline compiler and optimizes the functions
        // that stay hot a moment later. A page trains for minutes, so the figure that counts is
        // after that: train a throwaway run for 3 s, then measure a fresh run again.
        const fresh = () => engine.LabHandle.create(info.id, info.presets[0].id, {}, backend);
        let warmup = fresh();
        for (const until = performance.now() + 3000; performance.now() < until; ) {
          if (warmup.stepsDone() >= warmup.maxSteps()) {
            warmup.free();
            warmup = fresh();
          }
          warmup.stepWork(64, 50);
          await warmup.refresh();
        }
        warmup.free();
        const warm = await measure();
        out.push({
          lab: info.id,
          backend,
          rate: warm.rate,
          coldRate: cold.rate,
          text: `${info.id} ${backend}: ${describe(warm)} after the optimizing compiler; ${cold.rate.toFixed(1)} steps/s in the first run`,
        });
      }
    }
    return out;
  }, STEPS);
  for (const line of results) console.log(`browser ${line.text}`);

  // Browser CPU against numpy natively, measured one after the other in this run.
  const numpy = numpyRates(STEPS.flex);
  // The same on one core, to tell numpy's second core apart from its per-core speed.
  numpyRates(STEPS.flex, 1);
  if (numpy) {
    for (const r of results.filter((r) => r.backend === 'flex' && numpy[r.lab])) {
      const ratio = r.rate / numpy[r.lab];
      console.log(`ratio ${r.lab}: browser flex / numpy = ${ratio.toFixed(2)}× (target ≥ 1.5×: ${ratio >= 1.5 ? 'met' : 'not met'})`);
    }
  }

  // Width sweep: frozen-subspace's student with more and more hidden units, CPU vs WebGPU,
  // to find the width from which WebGPU is faster here.
  const sweep = await page.evaluate(async () => {
    const engine = await import('./www/pkg/phenomena_web.js');
    await engine.default();
    if (await engine.initWebGpu()) return [];
    const rate = async (hidden, backend, steps) => {
      const lab = engine.LabHandle.create('frozen-subspace', 'frozen', { hidden, steps: 100000 }, backend);
      lab.step(2);
      await lab.refresh();
      const t0 = performance.now();
      lab.step(steps);
      await lab.refresh();
      const r = steps / ((performance.now() - t0) / 1000);
      lab.free();
      return r;
    };
    const rows = [];
    for (const hidden of [16, 128, 512, 2048]) {
      rows.push({ hidden, flex: await rate(hidden, 'flex', 40), webgpu: await rate(hidden, 'webgpu', 6) });
    }
    return rows;
  });
  for (const r of sweep) {
    console.log(`browser width sweep (frozen-subspace, ${r.hidden} hidden units): flex ${r.flex.toFixed(1)} steps/s, WebGPU ${r.webgpu.toFixed(1)} steps/s`);
  }
  const over = sweep.find((r) => r.webgpu > r.flex);
  if (sweep.length) {
    console.log(over ? `browser WebGPU overtakes the CPU from ${over.hidden} hidden units` : `browser WebGPU did not overtake the CPU up to ${sweep.at(-1).hidden} hidden units (the widest the lab allows)`);
  }

  // Responsiveness: the longest main-thread task while each lab trains in the real page on
  // the CPU backend (after the first half second, which includes creating the lab).
  const ids = await page.evaluate(async () => (await import('./www/engine.js')).loadEngine().then((e) => e.catalog.map((l) => l.id)));
  for (const id of ids) {
    const lab = await openLab(browser, `#lab=${id}&backend=flex`);
    await lab.page.evaluate(() => {
      window.__longTasks = [];
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) window.__longTasks.push(e.duration);
      }).observe({ type: 'longtask' });
    });
    await lab.page.click('button.play');
    await lab.page.waitForTimeout(500);
    await lab.page.evaluate(() => (window.__longTasks = []));
    await lab.page.waitForTimeout(3000);
    const longest = await lab.page.evaluate(() => Math.max(0, ...window.__longTasks));
    const readout = await lab.page.locator('.readout').textContent();
    console.log(`browser ${id} page: longest main-thread task while training ${longest.toFixed(0)} ms (tasks over 50 ms are reported; 0 = none) — ${readout}`);
    await lab.page.close();
  }

  // From navigation to the first chart drawn, in a fresh context (empty cache), three times.
  for (let i = 0; i < 3; i++) {
    const context = await browser.newContext();
    const fresh = await context.newPage();
    await fresh.goto(`${process.env.PHENOMENA_URL ?? 'http://127.0.0.1:8000/'}#lab=frozen-subspace&backend=flex`, { timeout: 120_000 });
    await fresh.waitForFunction(() => performance.getEntriesByName('phenomena:first-chart').length > 0, null, { timeout: 120_000 });
    const timing = await fresh.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0];
      const wasm = performance.getEntriesByType('resource').find((r) => r.name.endsWith('.wasm'));
      return {
        firstChart: performance.getEntriesByName('phenomena:first-chart')[0].startTime,
        wasmDownloaded: wasm ? wasm.responseEnd : NaN,
        transferred: performance.getEntriesByType('resource').reduce((sum, r) => sum + (r.transferSize || 0), nav.transferSize || 0),
      };
    });
    console.log(
      `browser first chart (cold cache, localhost): ${timing.firstChart.toFixed(0)} ms after navigation ` +
        `(wasm downloaded at ${timing.wasmDownloaded.toFixed(0)} ms; ${(timing.transferred / 1e6).toFixed(2)} MB transferred)`,
    );
    await context.close();
  }
} finally {
  await browser.close();
}
