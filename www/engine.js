// Loads the wasm engine once per page (with download progress) and finds out, once, whether
// WebGPU works here and whether its adapter is hardware or a software emulation.

import init, * as wasm from './pkg/phenomena_web.js';

const WASM_URL = new URL('./pkg/phenomena_web_bg.wasm', import.meta.url);
let loading = null;
let gpuLostReason = null;
const gpuLostListeners = new Set();

/**
 * Calls `listener(reason)` once the WebGPU device the engine uses is lost (driver reset, GPU
 * process crash, device destroyed); at once if it already was. Returns an unsubscribe function.
 */
export function onGpuLost(listener) {
  if (gpuLostReason) {
    listener(gpuLostReason);
    return () => {};
  }
  gpuLostListeners.add(listener);
  return () => gpuLostListeners.delete(listener);
}

/** The reason the WebGPU device was lost, or null while it works. */
export const gpuLost = () => gpuLostReason;

/**
 * Runs `start` (which creates the engine's WebGPU device) while `GPUAdapter.requestDevice` is
 * wrapped to watch every device made: burn creates its device inside the engine, and this is
 * the one place the page can see it and hear when it is lost.
 */
async function watchingDevices(start) {
  const proto = globalThis.GPUAdapter?.prototype;
  const original = proto?.requestDevice;
  if (!original) return start();
  proto.requestDevice = async function requestDevice(...args) {
    const device = await original.apply(this, args);
    device.lost.then((info) => {
      gpuLostReason = `${info.reason ?? 'unknown'}: ${(info.message || 'no details').replace(/\.$/, '')}`;
      for (const listener of gpuLostListeners) listener(gpuLostReason);
      gpuLostListeners.clear();
    });
    return device;
  };
  try {
    return await start();
  } finally {
    proto.requestDevice = original;
  }
}

/**
 * Asks the browser for a WebGPU adapter without starting a device. Returns null when there is
 * none, else {software}: software adapters (SwiftShader, fallback adapters) are far slower
 * than the CPU backend, so they are never picked by default.
 */
async function probeAdapter() {
  if (!navigator.gpu) return null;
  try {
    const adapter = await navigator.gpu.requestAdapter();
    if (!adapter) return null;
    const info = adapter.info ?? {};
    const text = `${info.vendor ?? ''} ${info.architecture ?? ''} ${info.description ?? ''}`.toLowerCase();
    return { software: Boolean(info.isFallbackAdapter) || /swiftshader|llvmpipe|software|lavapipe/.test(text) };
  } catch {
    return null;
  }
}

async function fetchWithProgress(onProgress) {
  const response = await fetch(WASM_URL);
  if (!response.ok) throw new Error(`could not download the engine (${response.status})`);
  const total = Number(response.headers.get('Content-Length')) || 0;
  if (!response.body || !total) return response.arrayBuffer();
  const reader = response.body.getReader();
  const chunks = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    received += value.length;
    onProgress(received / total);
  }
  const bytes = new Uint8Array(received);
  let offset = 0;
  for (const c of chunks) {
    bytes.set(c, offset);
    offset += c.length;
  }
  return bytes;
}

/**
 * The engine: {wasm, catalog, gpuProblem ('' when WebGPU works), autoBackend}. Loaded once;
 * every caller gets the same promise. `onProgress(fraction)` sees the download.
 */
export function loadEngine(onProgress = () => {}) {
  loading ??= (async () => {
    const bytes = await fetchWithProgress(onProgress);
    await init({ module_or_path: bytes });
    const gpuProblem = await watchingDevices(() => wasm.initWebGpu());
    const adapter = gpuProblem ? null : await probeAdapter();
    return {
      wasm,
      catalog: wasm.labCatalog(),
      gpuProblem,
      softwareGpu: Boolean(adapter?.software),
      autoBackend: adapter && !adapter.software ? 'webgpu' : 'flex',
    };
  })();
  return loading;
}
