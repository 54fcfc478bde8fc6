// Loads a wasm engine (with download progress) and finds out, once, whether WebGPU works
// here and whether its adapter is hardware or a software emulation.
//
// There are two engines. The CPU-only one is a fraction of the size (WebGPU brings CubeCL's
// kernel compiler and wgpu) and is what a page loads unless a lab trains on WebGPU; the
// WebGPU engine also trains on the CPU, so once it is loaded it serves every lab.

import { watchingDevices } from './gpu-watch.js';

const ENGINES = {
  cpu: { glue: './pkg-cpu/phenomena_web.js', wasm: './pkg-cpu/phenomena_web_bg.wasm' },
  webgpu: { glue: './pkg/phenomena_web.js', wasm: './pkg/phenomena_web_bg.wasm' },
};
const engines = {};
let adapterProbe = null;
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
 * Says that a WebGPU device the page trains on was lost (`reason`): the page's own, or one a
 * lab's worker made. The first report counts; every listener hears it once.
 */
export function reportGpuLost(reason) {
  if (gpuLostReason) return;
  gpuLostReason = reason;
  for (const listener of gpuLostListeners) listener(gpuLostReason);
  gpuLostListeners.clear();
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

/** Whether the browser offers only a software (emulated) WebGPU adapter. */
export async function softwareAdapter() {
  return Boolean((await (adapterProbe ??= probeAdapter()))?.software);
}

/**
 * Fetches `url`, reporting progress as a fraction (null while unknown). A server that
 * compresses sends the compressed length, while the stream yields decompressed bytes, so
 * progress is only reported for uncompressed answers.
 */
async function fetchWithProgress(url, onProgress) {
  let response;
  try {
    response = await fetch(url);
  } catch (e) {
    throw new Error(`could not download ${url} (${e.message}): the server is unreachable, or it does not send the Access-Control-Allow-Origin header a page on another origin needs`);
  }
  if (!response.ok) throw new Error(`could not download ${url} (${response.status} ${response.statusText}): is the engine built and on the server?`);
  const total = Number(response.headers.get('Content-Length')) || 0;
  const encoded = Boolean(response.headers.get('Content-Encoding'));
  if (encoded) onProgress(null);
  if (!response.body || !total || encoded) return response.arrayBuffer();
  const reader = response.body.getReader();
  const chunks = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    received += value.length;
    onProgress(Math.min(1, received / total));
  }
  const bytes = new Uint8Array(received);
  let offset = 0;
  for (const c of chunks) {
    bytes.set(c, offset);
    offset += c.length;
  }
  return bytes;
}

/** Downloads, compiles and starts engine `kind`; the WebGPU engine also starts its device. */
async function start(kind, onProgress) {
  const files = ENGINES[kind];
  // Resolved against this module, so a course page on another origin loads it from here.
  const glue = await import(new URL(files.glue, import.meta.url).href);
  const bytes = await fetchWithProgress(new URL(files.wasm, import.meta.url), onProgress);
  // Compiled once: each lab's worker instantiates the same module instead of downloading it.
  const module = await WebAssembly.compile(bytes);
  const exports = await glue.default({ module_or_path: module });
  const gpuProblem = kind === 'webgpu' ? await watchingDevices(() => glue.initWebGpu(), { lost: reportGpuLost }) : null;
  const glueUrl = new URL(files.glue, import.meta.url).href;
  return { wasm: glue, module, glueUrl, memory: exports.memory, catalog: glue.labCatalog(), gpuProblem };
}

/**
 * The engine for a lab that wants `backend` ('webgpu', 'flex', or 'auto': WebGPU only on a
 * hardware adapter): {wasm, module (compiled, for workers), glueUrl, catalog, kind ('cpu' or
 * 'webgpu'), gpuProblem ('' when WebGPU can be used, else why not), softwareGpu, autoBackend,
 * memory}. Each engine loads once;
 * `onProgress(fraction)` sees the download.
 */
export async function loadEngine({ backend = 'auto', onProgress = () => {} } = {}) {
  const adapter = await (adapterProbe ??= probeAdapter());
  const autoBackend = adapter && !adapter.software ? 'webgpu' : 'flex';
  const wanted = backend === 'auto' ? autoBackend : backend;
  const kind = (wanted === 'webgpu' && adapter) || engines.webgpu ? 'webgpu' : 'cpu';
  engines[kind] ??= start(kind, onProgress);
  const loaded = await engines[kind];
  let gpuProblem = loaded.gpuProblem;
  if (kind === 'cpu') {
    if (!navigator.gpu) gpuProblem = 'this browser has no WebGPU (navigator.gpu is missing)';
    else gpuProblem = adapter ? '' : 'the browser offers no WebGPU adapter';
  }
  return {
    ...loaded,
    kind,
    gpuProblem,
    softwareGpu: Boolean(adapter?.software),
    autoBackend: gpuProblem ? 'flex' : autoBackend,
  };
}
