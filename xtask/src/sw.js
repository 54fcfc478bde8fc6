// The service worker of a folder written by `cargo xtask dist` (the lines above this one, with
// VERSION, PRECACHE and FILES, are written by it). It keeps the playground for offline use:
// - installing, it fetches PRECACHE (the page, the CPU engine, the stills, the docs) past the
//   browser's HTTP cache and stores it in one cache named after this folder and VERSION, all
//   or nothing; a failure is posted to the pages with its cause, and the install fails (the
//   pages work online as before, and an earlier version keeps serving);
// - a page asks it to keep what else the page loaded from the folder
//   (`{type: 'phenomena-offline', keep}`): the WebGPU engine, a course page kept in the folder;
// - it answers the folder's own files (FILES, which VERSION covers) from the cache first, and
//   anything else in its scope (a course page) from the network first, the cache only when
//   the network fails, so a teacher's edits show while online;
// - a new VERSION installs beside the old one and takes over once no page of the old one is
//   open; only then is the old cache deleted. Other copies of the playground on the same
//   origin keep their caches: the cache names carry this folder's address.

const SCOPE = new URL('./', self.location.href).href;
const PREFIX = `phenomena ${SCOPE} `;
const CACHE = `${PREFIX}${VERSION}`;
const OWN = new Set(FILES.map((path) => new URL(path, SCOPE).href));
/** The most URLs one page may ask to keep. */
const KEEP_LIMIT = 200;

/** Tells the pages of this folder (controlled or not) what went wrong. */
async function tell(message) {
  const pages = await self.clients.matchAll({ includeUncontrolled: true, type: 'window' });
  for (const page of pages) {
    if (page.url.startsWith(SCOPE)) page.postMessage({ type: 'phenomena-offline', ...message });
  }
}

const failure = (e) => ({ state: 'failed', name: e?.name ?? 'Error', message: e?.message ?? String(e) });

/**
 * Fetches `url` past the HTTP cache (a host's max-age would otherwise store the files of the
 * last version) and stores it. A redirected answer (a host that serves `x.html` at `x`) is
 * stored as a plain one: a browser refuses a redirected response for a page it navigates to.
 */
async function store(cache, url) {
  const response = await fetch(new Request(url, { cache: 'reload' }));
  if (!response.ok) {
    const e = new Error(`${url} answered ${response.status} ${response.statusText}`.trim());
    e.name = 'FetchError';
    throw e;
  }
  const plain = response.redirected
    ? new Response(await response.blob(), { status: response.status, statusText: response.statusText, headers: response.headers })
    : response;
  await cache.put(url, plain);
}

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    try {
      for (const path of PRECACHE) await store(cache, new URL(path, SCOPE).href);
    } catch (e) {
      // A half-written cache would answer some files and not others.
      await caches.delete(CACHE);
      await tell(failure(e));
      throw e;
    }
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) {
      if (key.startsWith(PREFIX) && key !== CACHE) await caches.delete(key);
    }
    // The first visit's page is controlled at once, so what it loads can be kept.
    await self.clients.claim();
  })());
});

self.addEventListener('message', (event) => {
  const keep = event.data?.type === 'phenomena-offline' ? event.data.keep : null;
  const reply = event.ports[0];
  if (!Array.isArray(keep)) return;
  event.waitUntil((async () => {
    try {
      const cache = await caches.open(CACHE);
      for (const item of keep.slice(0, KEEP_LIMIT)) {
        if (typeof item !== 'string') continue;
        // Resolved first, so `..` cannot reach out of the folder.
        const url = new URL(item, SCOPE);
        url.hash = '';
        if (url.origin !== self.location.origin || !url.href.startsWith(SCOPE)) continue;
        if (await cache.match(url.href, { ignoreSearch: true })) continue;
        await store(cache, url.href);
      }
      reply?.postMessage({ state: 'saved' });
    } catch (e) {
      reply?.postMessage(failure(e));
    }
  })());
});

/** The stored answer for `request`; the folder's address answers with its index.html. */
async function stored(cache, request) {
  const url = new URL(request.url);
  url.search = '';
  if (url.href === SCOPE) url.pathname += 'index.html';
  return cache.match(url.href);
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  // Byte ranges (media) go to the network: a stored whole file is not what they ask for.
  if (request.method !== 'GET' || !request.url.startsWith(SCOPE) || request.headers.has('range')) return;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    const url = new URL(request.url);
    url.search = '';
    url.hash = '';
    if (OWN.has(url.href) || url.href === SCOPE) return (await stored(cache, request)) ?? fetch(request);
    // Not one of the folder's files (a course page kept in it): the network first.
    try {
      return await fetch(request);
    } catch (e) {
      const hit = await stored(cache, request);
      if (hit) return hit;
      throw e;
    }
  })());
});
