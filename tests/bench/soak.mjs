// Soak: each lab's default preset trained for SOAK_STEPS steps (default 100 000) on the CPU
// backend in headless Chromium, restarting the run whenever it ends, as a user who keeps
// pressing Reset and Play would. Prints how much the wasm memory grew after the first tenth
// of the steps. Then the same on WebGPU for SOAK_GPU_SECONDS a lab (default 60; the software
// adapter manages a few steps a second), with the page's live GPU buffer bytes counted by
// wrapping createBuffer/destroy. SOAK_BACKENDS=flex or =webgpu runs one half, SOAK_LABS=a,b
// some labs, SOAK_PARAMS=steps=50000 overrides the preset. Prints figures; asserts nothing.

import { launch, BASE_URL } from '../support/browser.mjs';

const SOAK_STEPS = Number(process.env.SOAK_STEPS ?? 100_000);
const GPU_SECONDS = Number(process.env.SOAK_GPU_SECONDS ?? 60);

/**
 * Counts the bytes of WebGPU buffers alive in the page: created, less destroyed, less
 * garbage-collected (wgpu on the web drops a buffer without destroying it; the browser frees
 * it when the GPUBuffer object is collected, which `settle` forces with `gc()`).
 */
function countGpuBuffers() {
  window.gpuBytes = 0;
  if (!globalThis.GPUDevice) return;
  const create = GPUDevice.prototype.createBuffer;
  const destroy = GPUBuffer.prototype.destroy;
  const sizes = new WeakMap();
  const collected = new FinalizationRegistry((size) => (window.gpuBytes -= size));
  GPUDevice.prototype.createBuffer = function (desc) {
    const buffer = create.call(this, desc);
    sizes.set(buffer, desc.size);
    collected.register(buffer, desc.size, buffer);
    window.gpuBytes += desc.size;
    return buffer;
  };
  GPUBuffer.prototype.destroy = function () {
    if (sizes.has(this)) {
      window.gpuBytes -= sizes.get(this);
      sizes.delete(this);
      collected.unregister(this);
    }
    return destroy.call(this);
  };
}

/** In the page: trains lab `id` until `steps` steps or `seconds` pass; returns memory figures. */
async function soak({ id, backend, steps, seconds, params }) {
  // The page's own loader: the CPU-only engine for flex, the WebGPU engine for WebGPU.
  const { loadEngine } = await import('./www/engine.js');
  const { wasm: engine, gpuProblem, memory } = await loadEngine({ backend });
  if (backend === 'webgpu' && gpuProblem) return { problem: gpuProblem };
  const info = engine.labCatalog().find((l) => l.id === id);
  const lab = engine.LabHandle.create(id, info.presets[0].id, params, backend);
  const wasmBytes = () => memory.buffer.byteLength;
  // Collects garbage (Chromium runs with --expose-gc) and lets finalizers run.
  const settle = async () => {
    for (let i = 0; i < 2; i++) {
      globalThis.gc?.();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  const t0 = performance.now();
  const elapsed = () => (performance.now() - t0) / 1000;
  let total = 0;
  let restarts = 0;
  let baseline = null;
  const samples = [];
  for (;;) {
    const before = lab.stepsDone();
    lab.step(Math.min(backend === 'flex' ? 500 : 5, steps - total));
    const status = await lab.refresh();
    total += lab.stepsDone() - before;
    const done = total >= steps || elapsed() >= seconds;
    if (baseline === null && (total >= steps / 10 || elapsed() >= seconds / 4)) {
      await settle();
      baseline = { wasm: wasmBytes(), gpu: window.gpuBytes, total };
    }
    if (baseline !== null && samples.length < 12 && elapsed() >= (samples.length + 1) * (seconds === Infinity ? Infinity : seconds / 12)) {
      await settle();
      samples.push([total, wasmBytes(), window.gpuBytes]);
    }
    if (done) {
      await settle();
      break;
    }
    if (status.step >= status.max_steps || status.diverged) {
      lab.restart(status.params, backend);
      restarts++;
    }
  }
  const result = {
    steps: total,
    restarts,
    seconds: elapsed(),
    wasm: [baseline.wasm, wasmBytes()],
    gpu: [baseline.gpu, window.gpuBytes],
    baselineStep: baseline.total,
    samples,
  };
  lab.free();
  return result;
}

const mb = (b) => (b / 1e6).toFixed(1);
const growth = ([a, b]) => (a > 0 ? `${(((b - a) / a) * 100).toFixed(1)} %` : 'n/a');

const browser = await launch({ extraArgs: ['--js-flags=--expose-gc'] });
try {
  // Every lab of the registry, as the gallery lists it.
  const all = (await (await fetch(new URL('www/catalog.json', BASE_URL))).json()).map((lab) => lab.id);
  const ids = process.env.SOAK_LABS ? process.env.SOAK_LABS.split(',') : all;
  for (const backend of (process.env.SOAK_BACKENDS ?? 'flex,webgpu').split(',')) {
    for (const id of ids) {
      const page = await browser.newPage();
      page.setDefaultTimeout(0);
      await page.addInitScript(countGpuBuffers);
      await page.goto(BASE_URL, { waitUntil: 'load', timeout: 120_000 });
      const args = backend === 'flex' ? { steps: SOAK_STEPS, seconds: Infinity } : { steps: Infinity, seconds: GPU_SECONDS };
      const params = Object.fromEntries(new URLSearchParams(process.env.SOAK_PARAMS ?? ''));
      const r = await page.evaluate(soak, { id, backend, params, ...args });
      if (r.problem) {
        console.log(`soak ${id} ${backend}: unavailable (${r.problem})`);
      } else {
        const gpu = backend === 'webgpu' ? `, live GPU buffers ${mb(r.gpu[0])} → ${mb(r.gpu[1])} MB (${growth(r.gpu)})` : '';
        if (process.env.SOAK_TREND) console.log(`soak ${id} ${backend} trend [steps, wasm bytes, GPU bytes]: ${JSON.stringify(r.samples)}`);
        console.log(
          `soak ${id} ${backend}: ${r.steps.toLocaleString('en')} steps in ${r.seconds.toFixed(0)} s (${r.restarts} restarts); ` +
            `wasm memory from step ${r.baselineStep.toLocaleString('en')}: ${mb(r.wasm[0])} → ${mb(r.wasm[1])} MB (${growth(r.wasm)})${gpu}`,
        );
      }
      await page.close();
    }
  }
} finally {
  await browser.close();
}
