// Boot: load the wasm engine with progress, find out whether WebGPU works, route from the
// URL hash to a lab, and keep the hash in step with the lab's state.

import { loadEngine, onGpuLost } from './engine.js';
import { parseHash, buildHash } from './url-state.js';
import { renderGallery } from './gallery.js';
import './lab-view.js';

const $ = (id) => document.getElementById(id);

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

async function main() {
  window.addEventListener('phenomena-panic', (e) => {
    showFatal('The lab engine stopped with an internal error', String(e.detail));
  });
  window.addEventListener('unhandledrejection', (e) => {
    showBanner(`Unexpected error: ${e.reason?.message ?? e.reason}`, 'error');
  });

  const parsed = parseHash(location.hash);
  let loaded;
  try {
    const bar = $('load-progress');
    const backend = ['webgpu', 'flex'].includes(parsed.backend) ? parsed.backend : 'auto';
    loaded = await loadEngine({ backend, onProgress: (f) => (bar.value = f) });
  } catch (e) {
    showFatal('The lab engine could not be loaded', `${e.message}\n\nThis page needs WebAssembly; try a current browser.`);
    return;
  }
  const { wasm: engine, catalog, gpuProblem, softwareGpu, autoBackend } = loaded;
  const select = $('backend');
  const gpuOption = select.querySelector('option[value="webgpu"]');
  if (gpuProblem) {
    gpuOption.disabled = true;
    gpuOption.textContent = 'WebGPU (unavailable)';
    select.title = gpuProblem;
  }

  const nav = $('lab-nav');
  const navLinks = (current) =>
    nav.replaceChildren(
      ...[{ id: '', title: 'Gallery' }, ...catalog].map((l) => {
        const a = document.createElement('a');
        a.href = l.id ? `#lab=${l.id}` : '#';
        a.textContent = l.title.split(':')[0];
        if (l.summary) a.title = l.summary;
        if (l.id === current) a.setAttribute('aria-current', 'page');
        return a;
      }),
    );
  window.addEventListener('hashchange', () => location.reload());

  if (location.hash.replace('#', '') === '') {
    navLinks('');
    renderGallery($('main'), catalog);
    $('backend-badge').textContent = gpuProblem ? 'CPU (flex)' : softwareGpu ? 'CPU (flex); WebGPU emulated' : 'WebGPU available';
    document.body.dataset.state = 'ready';
    return;
  }
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

  let backend = parsed.backend === 'webgpu' || parsed.backend === 'flex' ? parsed.backend : autoBackend;
  if (parsed.backend && parsed.backend !== backend) messages.push(`Unknown backend "${parsed.backend.slice(0, 20)}"; using ${autoBackend === 'webgpu' ? 'WebGPU' : 'the CPU'}.`);
  if (softwareGpu) {
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

  navLinks(info.id);
  document.title = `${info.title} — Phenomena`;

  const view = document.createElement('phenomena-lab');
  $('main').replaceChildren(view);
  view.configure({
    engine,
    info,
    state: { preset, params: parsed.params, backend },
    initialMessages: messages,
    onState: (state) => {
      const hash = buildHash({ lab: info.id, backend: state.backend, params: state.params });
      // replaceState never fires hashchange, so this does not reload the page.
      if (hash !== location.hash) history.replaceState(null, '', hash);
      showBackend(state.backend);
      select.value = state.backend;
    },
  });
  view.addEventListener('ready', () => (document.body.dataset.state = 'ready'), { once: true });

  select.addEventListener('change', () => {
    if (select.value === 'webgpu' && loaded.kind !== 'webgpu') {
      // This page runs the CPU-only engine: reload with the WebGPU one.
      location.hash = buildHash({ lab: info.id, backend: 'webgpu', params: view.state.params });
      return;
    }
    view.setBackend(select.value);
  });
  onGpuLost((reason) => {
    gpuOption.disabled = true;
    gpuOption.textContent = 'WebGPU (device lost)';
    select.title = `The GPU device was lost (${reason}); reload the page to use it again.`;
    showBanner(`The GPU device was lost (${reason}). Training continues on the CPU; reload the page to use the GPU again.`);
  });
}

main().catch((e) => showFatal('The page could not start', String(e?.stack ?? e)));
