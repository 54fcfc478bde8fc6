// Soak: each lab's default preset trained for SOAK_STEPS steps (default 100 000) on the CPU
// backend in headless Chromium, restarting the run whenever it ends, as a user who keeps
// pressing Reset and Play would. Prints how much the wasm memory grew after the first tenth
// of the steps. Then the same on WebGPU for SOAK_GPU_SECONDS a lab (default 60; the software
// adapter manages a few steps a second), with the page's live GPU buffer bytes counted by
// wrapping createBuffer/destroy. Prints figures; asserts nothing.

import { launch, BASE_URL } from '../support/browser.mjs';

const SOAK_STEPS = Number(process.env.SOAK_STEPS ?? 100_000);
const GPU_SECONDS = Number(process.env.SOAK_GPU_SECONDS ?? 60);

/** Counts the bytes of WebGPU buffers alive in the page. */
function countGpuBuffers() {
  window.gpuBytes = 0;
  if (!globalThis.GPUDevice) return;
  const create = GPUDevice.prototype.createBuffer;
  const destroy = GPUBuffer.prototype.destroy;
  const sizes = new WeakMap();
  GPUDevice.prototype.createBuffer = function (desc) {
    const buffer = create.call(this, desc);
    sizes.set(buffer, desc.size);
    window.gpuBytes += desc.size;
    return buffer;
  };
  GPUBuffer.prototype.destroy = function () {
    window.gpuBytes -= sizes.get(this) ?? 0;
    sizes.delete(this);
    return destroy.call(this);
  };
}

/** In the page: trains lab `id` until `steps` steps or `seconds` pass; returns memory figures. */
async function soak({ id, backend, steps, seconds }) {
  const engine = await import('./www/pkg/phenomena_web.js');
  const exports = await engine.default();
  if (backend === 'webgpu') {
    const problem = await engine.initWebGpu();
    if (problem) return { problem };
  }
  const info = engine.labCatalog().find((l) => l.id === id);
  const lab = engine.LabHandle.create(id, info.presets[0].id, {}, backend);
  const wasmBytes = () => exports.memory.buffer.byteLength;
  const t0 = performance.now();
  const elapsed = () => (performance.now() - t0) / 1000;
  let total = 0;
  let restarts = 0;
  let baseline = null;
  for (;;) {
    const before = lab.stepsDone();
    lab.step(Math.min(backend === 'flex' ? 500 : 5, steps - total));
    const status = await lab.refresh();
    total += lab.stepsDone() - before;
    const done = total >= steps || elapsed() >= seconds;
    if (baseline === null && (total >= steps / 10 || elapsed() >= seconds / 4)) {
      baseline = { wasm: wasmBytes(), gpu: window.gpuBytes, total };
    }
    if (done) break;
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
  };
  lab.free();
  return result;
}

const mb = (b) => (b / 1e6).toFixed(1);
const growth = ([a, b]) => (a > 0 ? `${(((b - a) / a) * 100).toFixed(1)} %` : 'n/a');

const browser = await launch();
try {
  const ids = ['frozen-subspace', 'overoptimization', 'early-learning', 'simplicity-bias'];
  for (const backend of ['flex', 'webgpu']) {
    for (const id of ids) {
      const page = await browser.newPage();
      page.setDefaultTimeout(0);
      await page.addInitScript(countGpuBuffers);
      await page.goto(BASE_URL, { waitUntil: 'load', timeout: 120_000 });
      const args = backend === 'flex' ? { steps: SOAK_STEPS, seconds: Infinity } : { steps: Infinity, seconds: GPU_SECONDS };
      const r = await page.evaluate(soak, { id, backend, ...args });
      if (r.problem) {
        console.log(`soak ${id} ${backend}: unavailable (${r.problem})`);
      } else {
        const gpu = backend === 'webgpu' ? `, live GPU buffers ${mb(r.gpu[0])} → ${mb(r.gpu[1])} MB (${growth(r.gpu)})` : '';
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
