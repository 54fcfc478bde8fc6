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
        const n = STEPS[backend];
        const t0 = performance.now();
        lab.step(n);
        await lab.refresh();
        const secs = (performance.now() - t0) / 1000;
        out.push(`${info.id} ${backend}: ${(n / secs).toFixed(1)} steps/s (${n} steps in ${secs.toFixed(2)} s, preset ${info.presets[0].id})`);
        lab.free();
      }
    }
    return out;
  }, STEPS);
  for (const line of results) console.log(`browser ${line}`);
} finally {
  await browser.close();
}
