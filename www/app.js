// Boot: load the wasm engine with progress, find out whether WebGPU works, route from the
// URL hash to a lab, and keep the hash in step with the lab's state.

import init, * as engine from './pkg/phenomena_web.js';
import { parseHash, buildHash } from './url-state.js';
import './lab-view.js';

const $ = (id) => document.getElementById(id);
const WASM_URL = new URL('./pkg/phenomena_web_bg.wasm', import.meta.url);

function showBanner(text, kind = 'warn') {
  const banner = $('banner');
  banner.textContent = text;
  banner.className = `banner ${kind}`;
  banner.hidden = false;
}

function showFatal(title, detail) {
  const main = $('main');
  main.replaceChildren();
  const panel = document.createElement('section');
  panel.className = 'error-panel';
  panel.setAttribute('role', 'alert');
  const h = document.createElement('h2');
  h.textContent = title;
  const p = document.createElement('pre');
  p.textContent = detail;
  const reload = document.createElement('button');
  reload.textContent = 'Reload with default settings';
  reload.className = 'primary';
  reload.addEventListener('click', () => {
    location.hash = '';
    location.reload();
  });
  panel.append(h, p, reload);
  main.append(panel);
  document.body.dataset.state = 'error';
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

/** Fetches the wasm with a progress bar, then instantiates it. */
async function loadEngine() {
  const bar = $('load-progress');
  const response = await fetch(WASM_URL);
  if (!response.ok) throw new Error(`could not download the engine (${response.status})`);
  const total = Number(response.headers.get('Content-Length')) || 0;
  let bytes;
  if (response.body && total) {
    const reader = response.body.getReader();
    const chunks = [];
    let received = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      received += value.length;
      bar.value = received / total;
    }
    bytes = new Uint8Array(received);
    let offset = 0;
    for (const c of chunks) {
      bytes.set(c, offset);
      offset += c.length;
    }
  } else {
    bytes = await response.arrayBuffer();
  }
  bar.removeAttribute('value');
  await init({ module_or_path: bytes });
}

async function main() {
  window.addEventListener('phenomena-panic', (e) => {
    showFatal('The lab engine stopped with an internal error', String(e.detail));
  });
  window.addEventListener('unhandledrejection', (e) => {
    showBanner(`Unexpected error: ${e.reason?.message ?? e.reason}`, 'error');
  });

  try {
    await loadEngine();
  } catch (e) {
    showFatal('The lab engine could not be loaded', `${e.message}\n\nThis page needs WebAssembly; try a current browser.`);
    return;
  }

  const gpuProblem = await engine.initWebGpu();
  const select = $('backend');
  const gpuOption = select.querySelector('option[value="webgpu"]');
  if (gpuProblem) {
    gpuOption.disabled = true;
    gpuOption.textContent = 'WebGPU (unavailable)';
    select.title = gpuProblem;
  }

  const catalog = engine.labCatalog();
  const parsed = parseHash(location.hash);
  const messages = parsed.problems.map((p) => `The link: ${p}.`);
  let info = catalog.find((l) => l.id === parsed.lab);
  if (parsed.lab && !info) messages.push(`The link names an unknown lab "${parsed.lab.slice(0, 40)}"; showing ${catalog[0].title}.`);
  info ??= catalog[0];
  let preset = parsed.preset;
  if (preset && !info.presets.some((p) => p.id === preset)) {
    messages.push(`The link names an unknown preset "${preset.slice(0, 40)}"; using the defaults.`);
    preset = null;
  }
  if (!preset && Object.keys(parsed.params).length === 0) preset = info.presets[0]?.id ?? null;

  const adapter = gpuProblem ? null : await probeAdapter();
  const autoBackend = adapter && !adapter.software ? 'webgpu' : 'flex';
  let backend = parsed.backend === 'webgpu' || parsed.backend === 'flex' ? parsed.backend : autoBackend;
  if (parsed.backend && parsed.backend !== backend) messages.push(`Unknown backend "${parsed.backend.slice(0, 20)}"; using ${autoBackend === 'webgpu' ? 'WebGPU' : 'the CPU'}.`);
  if (adapter?.software) {
    select.title = 'WebGPU here is a software emulation, slower than the CPU backend';
    gpuOption.textContent = 'WebGPU (software-emulated)';
  }
  if (backend === 'webgpu' && gpuProblem) {
    showBanner(`WebGPU is not available here (${gpuProblem}); training on the CPU instead.`);
    backend = 'flex';
  }
  select.value = backend;

  const badge = $('backend-badge');
  const showBackend = (b) => {
    badge.textContent = b === 'webgpu' ? 'running on WebGPU' : 'running on CPU (flex)';
    badge.dataset.backend = b;
    document.body.dataset.backend = b;
  };
  showBackend(backend);

  const nav = $('lab-nav');
  nav.replaceChildren(
    ...catalog.map((l) => {
      const a = document.createElement('a');
      a.href = `#lab=${l.id}`;
      a.textContent = l.title.split(':')[0];
      a.title = l.summary;
      if (l.id === info.id) a.setAttribute('aria-current', 'page');
      return a;
    }),
  );
  document.title = `${info.title} — Phenomena`;

  const view = document.createElement('phenomena-lab');
  $('main').replaceChildren(view);
  let writingHash = false;
  view.configure({
    engine,
    info,
    state: { preset, params: parsed.params, backend },
    initialMessages: messages,
    onState: (state) => {
      const hash = buildHash({ lab: info.id, backend: state.backend, params: state.params });
      if (hash !== location.hash) {
        writingHash = true;
        history.replaceState(null, '', hash);
        writingHash = false;
      }
      showBackend(state.backend);
    },
  });
  view.addEventListener('ready', () => (document.body.dataset.state = 'ready'), { once: true });

  select.addEventListener('change', () => view.setBackend(select.value));
  window.addEventListener('hashchange', () => {
    if (!writingHash) location.reload();
  });
}

main().catch((e) => showFatal('The page could not start', String(e?.stack ?? e)));
