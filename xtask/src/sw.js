// The service worker of a folder written by `cargo xtask dist` (the lines above this one, with
// VERSION and PRECACHE, are written by it). It keeps the playground for offline use:
// - installing, it stores PRECACHE (the page, the CPU engine, the stills, the docs) in one
//   cache named after VERSION, all or nothing; a storage error is posted to the pages with its
//   name, so they can say why, and the install fails (the pages work online as before);
// - a page asks it to keep what else the page loaded (`{type: 'phenomena-offline', keep}`);
// - it answers from the cache first and from the network otherwise, so a page opened once
//   opens without a network; a new VERSION replaces the old cache once it is installed.

const CACHE = `phenomena-${VERSION}`;
const SCOPE = new URL('./', self.location.href).href;

/** Tells every page of this origin (controlled or not) what went wrong. */
async function tell(message) {
  const pages = await self.clients.matchAll({ includeUncontrolled: true, type: 'window' });
  for (const page of pages) page.postMessage({ type: 'phenomena-offline', ...message });
}

const failure = (e) => ({ state: 'failed', name: e?.name ?? 'Error', message: e?.message ?? String(e) });

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    try {
      const cache = await caches.open(CACHE);
      await cache.addAll(PRECACHE.map((path) => new URL(path, SCOPE).href));
    } catch (e) {
      // A half-written cache would answer some files and not others.
      await caches.delete(CACHE);
      await tell(failure(e));
      throw e;
    }
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) {
      if (key.startsWith('phenomena-') && key !== CACHE) await caches.delete(key);
    }
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
      for (const url of keep) {
        if (typeof url !== 'string' || !url.startsWith(SCOPE) || (await cache.match(url, { ignoreSearch: true }))) continue;
        const response = await fetch(url);
        if (response.ok) await cache.put(url, response);
      }
      reply?.postMessage({ state: 'saved' });
    } catch (e) {
      reply?.postMessage(failure(e));
    }
  })());
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET' || !request.url.startsWith(SCOPE)) return;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    // A link's query string (a cache-busting ?v=…) does not make it another file.
    const hit = await cache.match(request, { ignoreSearch: true });
    return hit ?? fetch(request);
  })());
});
