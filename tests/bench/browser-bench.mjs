// Steps per second of each lab's default preset in headless Chromium, on flex and on WebGPU
// (the software adapter where no GPU exists). Prints figures; asserts nothing about speed.

import { launch, openLab } from '../support/browser.mjs';

const STEPS = { flex: 300, webgpu: 30 };

const browser = await launch();
try {
  const { page } = await openLab(browser);
  const results = await page.evaluate(async (STEPS) => {
    const engine = await import('./www/pkg/phenomena_web.js');
    const out = [];
    const gpuProblem = await engine.initWebGpu();
    for (const info of engine.labCatalog()) {
      for (const backend of ['flex', 'webgpu']) {
        if (backend === 'webgpu' && gpuProblem) {
          out.push(`${info.id} webgpu: unavailable (${gpuProblem})`);
          continue;
        }
        const lab = engine.LabHandle.create(info.id, info.presets[0].id, {}, backend);
        // Warm up: first shader compiles and allocations.
        lab.step(5);
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
        out.push(`${info.id} ${backend}: ${(n / secs).toFixed(1)} steps/s (${n} steps in ${secs.toFixed(2)} s, preset ${info.presets[0].id})`);
        lab.free();
      }
    }
    return out;
  }, STEPS);
  for (const line of results) console.log(`browser ${line}`);

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
} finally {
  await browser.close();
}
