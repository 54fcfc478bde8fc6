// Offline use of a folder written by `cargo xtask dist`: its service worker (sw.js, at the
// folder's root) keeps the page, the CPU engine, the stills and the docs at the first visit,
// and afterwards whatever else a page loaded (the WebGPU engine, a course page of the folder),
// so a page opened once works without a network. In the repository OFFLINE is null and
// nothing here runs.

import { OFFLINE } from './offline-config.js';

const ROOT = new URL('../', import.meta.url);

let kept = null;

/**
 * Keeps the playground for offline use, once per page: resolves to {state, text} with state
 * 'saved', 'failed' (text says why; the page works as usual online) or 'off' (not a dist
 * folder, or a page on another origin, whose service worker this folder cannot be).
 */
export function keepOffline() {
  kept ??= register()
    .catch((e) => failed(e?.message ?? String(e)))
    .then((outcome) => {
      // For tests and for a course page's own script: whether this page was kept.
      document.documentElement.dataset.offline = outcome.state;
      return outcome;
    });
  return kept;
}

const saved = () => ({ state: 'saved', text: 'Saved for offline use: this page now opens without a network.' });
const waiting = () => ({
  state: 'saved',
  text: 'Saved for offline use. A newer version of the playground is saved too and takes over once every page of it is closed.',
});
const failed = (why) => ({
  state: 'failed',
  text: `Not saved for offline use: ${why}. Everything works as usual while the network is there.`,
});

/** Why a service worker's cache could not be written, in words a teacher can act on. */
export function storageProblem(name, message) {
  const detail = (message || name).replace(/[.\s]+$/, '');
  if (name === 'QuotaExceededError') {
    return `the browser's storage for this site is full (${detail}); free some in the browser's site settings and reload`;
  }
  if (name === 'FetchError') return `a file could not be downloaded to keep (${detail})`;
  return `the files could not be kept (${name === detail ? name : `${name}: ${detail}`})`;
}

async function register() {
  if (!OFFLINE || ROOT.origin !== location.origin) return { state: 'off', text: '' };
  if (!('serviceWorker' in navigator)) {
    return failed(window.isSecureContext
      ? 'this browser has no service workers'
      : 'service workers need the page to be served over https (or from localhost)');
  }
  const container = navigator.serviceWorker;
  // What the service worker says while it installs: the first failure names its cause.
  let reported = null;
  const onMessage = (e) => {
    if (e.data?.type === 'phenomena-offline' && e.data.state === 'failed') reported ??= e.data;
  };
  container.addEventListener('message', onMessage);
  try {
    const registration = await container.register(new URL('sw.js', ROOT), { scope: ROOT.href });
    const outcome = await installed(registration);
    if (outcome === 'redundant') {
      // The worker posts its reason before it gives up; wait a moment for it to arrive.
      await new Promise((r) => setTimeout(r, 50));
      const why = reported ? storageProblem(reported.name, reported.message) : 'the service worker could not install';
      // An earlier version installed before still serves.
      if (registration.active) {
        return { state: 'saved', text: `Saved for offline use, but the newest version could not be saved: ${why}.` };
      }
      return failed(why);
    }
    const problem = await keepLoaded(registration.active);
    if (problem) return failed(storageProblem(problem.name, problem.message));
    return outcome === 'waiting' ? waiting() : saved();
  } finally {
    container.removeEventListener('message', onMessage);
  }
}

/**
 * 'activated' once a worker of `registration` is active; 'waiting' when a newer version is
 * installed beside an active one (it takes over once the old one's pages are closed);
 * 'redundant' if installing failed.
 */
function installed(registration) {
  if (registration.active && !registration.installing && !registration.waiting) return Promise.resolve('activated');
  const worker = registration.installing ?? registration.waiting ?? registration.active;
  return new Promise((resolve) => {
    const check = () => {
      if (worker.state === 'activated' || worker.state === 'redundant') resolve(worker.state);
      else if (worker.state === 'installed' && registration.active) resolve('waiting');
    };
    worker.addEventListener('statechange', check);
    check();
  });
}

/**
 * Asks the service worker to keep what this page loaded from the folder beyond what it keeps
 * anyway (the WebGPU engine when the lab trains on a GPU, a course page kept in the folder):
 * resolves to null, or {name, message} of the storage error.
 */
function keepLoaded(worker) {
  const inFolder = (url) => url.startsWith(ROOT.href);
  const urls = [location.href.split('#')[0], ...performance.getEntriesByType('resource').map((e) => e.name)]
    .filter(inFolder);
  const channel = new MessageChannel();
  return new Promise((resolve) => {
    // A worker stopped by the browser mid-way never answers.
    setTimeout(() => resolve({ name: 'TimeoutError', message: 'the service worker did not answer' }), 120_000);
    channel.port1.onmessage = (e) => resolve(e.data?.state === 'failed' ? e.data : null);
    worker.postMessage({ type: 'phenomena-offline', keep: [...new Set(urls)] }, [channel.port2]);
  });
}
