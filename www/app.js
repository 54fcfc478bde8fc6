// Boot: route from the URL hash to the gallery or a lab. The gallery is drawn at once from
// www/catalog.json (a few hundred bytes, generated from the Rust registry) while the wasm
// engine loads behind it; a lab loads the engine with progress, finds out whether WebGPU
// works, and keeps the hash in step with the lab's state.

import { loadEngine, onGpuLost } from './engine.js';
import { parseHash, buildHash, matchesPreset, presetValues } from './url-state.js';
import { renderGallery } from './gallery.js';
import { el } from './dom.js';
import { keepOffline } from './offline.js';
import './lab-view.js';

const $ = (id) => document.getElementById(id);
const isGalleryHash = () => location.hash.replace('#', '') === '';

function showBanner(text, kind = 'warn') {
  const banner = $('banner');
  banner.textContent = text;
  banner.className = `banner ${kind}`;
  banner.hidden = false;
}

function showFatal(title, detail) {
  const reload = () => {
    location.hash = '';
    location.reload();
  };
  $('main').replaceChildren(
    el('section', { class: 'error-panel', role: 'alert' },
      el('h2', { text: title }),
      el('pre', { text: detail }),
      el('button', { class: 'primary', onclick: reload }, 'Reload with default settings'),
    ),
  );
  document.body.dataset.state = 'error';
}

// The one engine download of this page, shared by the gallery (in the background) and a lab;
// its progress goes to whichever loading bar is on screen.
let progressBar = null;
function engineFor(backend) {
  // A fraction, or null while the size is unknown (a compressed download): the bar then moves
  // without a value.
  const onProgress = (f) => {
    if (!progressBar) return;
    if (f === null) progressBar.removeAttribute('value');
    else progressBar.value = f;
  };
  return loadEngine({ backend, onProgress });
}

/** Says in the footer whether this copy of the playground was kept for offline use. */
async function showOffline() {
  const { state, text } = await keepOffline();
  if (state === 'off') return;
  const status = $('offline-status');
  status.textContent = text;
  status.dataset.state = state;
  status.hidden = false;
}

function showLoading() {
  progressBar = el('progress', { max: 1, value: 0 });
  $('main').replaceChildren(el('div', { class: 'loading', role: 'status' }, el('p', { text: 'Loading the lab engine…' }), progressBar));
}

/** The gallery's lab list (id, title, summary, citation), or null when it cannot be read. */
async function fetchCatalog() {
  try {
    const response = await fetch(new URL('./catalog.json', import.meta.url));
    return response.ok ? await response.json() : null;
  } catch {
    return null;
  }
}

function navLinks(catalog, current) {
  $('lab-nav').replaceChildren(
    ...[{ id: '', title: 'Gallery' }, ...catalog].map((l) =>
      el('a', {
        href: l.id ? `#lab=${l.id}` : '#',
        title: l.summary || null,
        'aria-current': l.id === current ? 'page' : null,
        text: l.title.split(':')[0],
      }),
    ),
  );
}

/** Where the runs train, in plain words for the badge; the technical details in its tooltip. */
function describeBackend(backend, { gpuProblem, softwareGpu }) {
  if (backend === 'webgpu') {
    return softwareGpu
      ? { text: 'Trains on an emulated GPU (slow)', title: 'WebGPU on a software-emulated adapter: slower than the CPU backend' }
      : { text: 'Trains on your GPU', title: 'WebGPU on a hardware adapter' };
  }
  const why = gpuProblem
    ? `no WebGPU here (${gpuProblem})`
    : softwareGpu
      ? "this browser's WebGPU is software-emulated, slower than the CPU"
      : 'chosen in the compute menu';
  return { text: 'Trains on your CPU', title: `burn's pure-Rust CPU backend (flex); ${why}` };
}

function showBackend(backend, loaded) {
  const badge = $('backend-badge');
  const { text, title } = describeBackend(backend, loaded);
  badge.textContent = text;
  badge.title = title;
  badge.hidden = false;
  badge.dataset.backend = backend;
  document.body.dataset.backend = backend;
}

/** Marks the WebGPU choice in the compute menu as unavailable or emulated. */
function describeChoices({ gpuProblem, softwareGpu }) {
  const select = $('backend');
  const gpuOption = select.querySelector('option[value="webgpu"]');
  if (gpuProblem) {
    gpuOption.disabled = true;
    gpuOption.textContent = 'GPU (unavailable)';
    select.title = gpuProblem;
  } else if (softwareGpu) {
    gpuOption.textContent = 'GPU (software-emulated)';
    select.title = 'WebGPU here is a software emulation, slower than the CPU backend';
  }
}

let page = null; // 'gallery' or 'lab': what this page load shows
let galleryEngineFailed = false;

async function showGallery() {
  page = 'gallery';
  const catalog = await fetchCatalog();
  if (catalog) {
    navLinks(catalog, '');
    renderGallery($('main'), catalog);
    document.body.dataset.state = 'ready';
  } else {
    showLoading();
  }
  // The engine loads behind the gallery: the badge can then say where labs train, and a click
  // on a card finds it downloaded (or part of the way there).
  let loaded;
  try {
    loaded = await engineFor('auto');
  } catch (e) {
    galleryEngineFailed = true;
    if (catalog) return; // the gallery works without it; opening a lab reloads and retries
    showFatal('The lab engine could not be loaded', `${e.message}\n\nThis page needs WebAssembly; try a current browser.`);
    return;
  }
  describeChoices(loaded);
  showBackend(loaded.autoBackend, loaded);
  showOffline();
  if (!catalog && page === 'gallery') {
    navLinks(loaded.catalog, '');
    renderGallery($('main'), loaded.catalog);
    document.body.dataset.state = 'ready';
  }
}

async function showLab(parsed) {
  page = 'lab';
  document.body.dataset.state = 'loading';
  showLoading();
  let loaded;
  try {
    loaded = await engineFor(['webgpu', 'flex'].includes(parsed.backend) ? parsed.backend : 'auto');
  } catch (e) {
    showFatal('The lab engine could not be loaded', `${e.message}\n\nThis page needs WebAssembly; try a current browser.`);
    return;
  }
  const { catalog, gpuProblem, autoBackend } = loaded;
  describeChoices(loaded);
  showOffline();

  // Problems with the link are shown, and every value that can be used is kept: the engine
  // names the parameters it could not use and runs with the rest.
  const messages = parsed.problems.map((p) => `The link: ${p}.`);
  let info = catalog.find((l) => l.id === parsed.lab);
  if (parsed.lab && !info) messages.push(`The link names an unknown lab "${parsed.lab.slice(0, 40)}"; showing ${catalog[0].title}.`);
  info ??= catalog[0];
  let preset = parsed.preset;
  let params = parsed.params;
  if (preset && !info.presets.some((p) => p.id === preset)) {
    messages.push(`The link names an unknown preset "${preset.slice(0, 40)}"; using the defaults.`);
    preset = null;
  }
  if (preset && !matchesPreset(info, preset, params)) {
    // The link's values differ from the preset's, so its caption no longer applies; the
    // preset's values still fill in what the link leaves out.
    params = { ...presetValues(info, preset), ...params };
    preset = null;
  }
  if (!preset && Object.keys(params).length === 0) preset = info.presets[0]?.id ?? null;

  let backend = parsed.backend === 'webgpu' || parsed.backend === 'flex' ? parsed.backend : autoBackend;
  if (parsed.backend && parsed.backend !== backend) messages.push(`Unknown backend "${parsed.backend.slice(0, 20)}"; using ${autoBackend === 'webgpu' ? 'WebGPU' : 'the CPU'}.`);
  if (backend === 'webgpu' && gpuProblem) {
    showBanner(`WebGPU is not available here (${gpuProblem}); training on the CPU instead.`);
    backend = 'flex';
  }
  const select = $('backend');
  select.value = backend;
  showBackend(backend, loaded);

  navLinks(catalog, info.id);
  document.title = `${info.title} — Phenomena`;

  const view = document.createElement('phenomena-lab');
  $('main').replaceChildren(view);
  progressBar = null;
  const hashOf = (state, b = state.backend) =>
    buildHash({ lab: info.id, preset: state.preset, backend: b, params: state.params, quiz: view.options.quiz });
  view.configure({
    engine: loaded,
    info,
    state: { preset, params, backend },
    initialMessages: messages,
    options: { quiz: parsed.quiz },
    onState: (state) => {
      // replaceState never fires hashchange, so this does not reload the page.
      const hash = hashOf(state);
      if (hash !== location.hash) history.replaceState(null, '', hash);
      showBackend(state.backend, loaded);
      select.value = state.backend;
    },
  });
  view.addEventListener('ready', () => (document.body.dataset.state = 'ready'), { once: true });

  select.addEventListener('change', () => {
    if (select.value === 'webgpu' && loaded.kind !== 'webgpu') {
      // This page runs the CPU-only engine: reload with the WebGPU one.
      location.hash = hashOf(view.state, 'webgpu');
      return;
    }
    view.setBackend(select.value);
  });
  onGpuLost((reason) => {
    const gpuOption = select.querySelector('option[value="webgpu"]');
    gpuOption.disabled = true;
    gpuOption.textContent = 'GPU (device lost)';
    select.title = `The GPU device was lost (${reason}); reload the page to use it again.`;
    showBanner(`The GPU device was lost (${reason}). Training continues on the CPU; reload the page to use the GPU again.`);
  });
}

async function main() {
  window.addEventListener('phenomena-panic', (e) => {
    showFatal('The lab engine stopped with an internal error', String(e.detail));
  });
  window.addEventListener('unhandledrejection', (e) => {
    showBanner(`Unexpected error: ${e.reason?.message ?? e.reason}`, 'error');
  });
  window.addEventListener('hashchange', () => {
    // A card opens its lab in place, reusing the engine download the gallery started; any
    // other change (Back, Forward, another lab) reloads, so each page starts from its link.
    if (page === 'gallery' && !galleryEngineFailed && !isGalleryHash()) showLab(parseHash(location.hash));
    else location.reload();
  });
  if (isGalleryHash()) await showGallery();
  else await showLab(parseHash(location.hash));
}

main().catch((e) => showFatal('The page could not start', String(e?.stack ?? e)));
