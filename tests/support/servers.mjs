// Small loopback HTTP servers for page tests that need a second origin: a course page of
// its own, a copy of the playground served the way a misconfigured host serves it, or one
// served the way a picky static host does.

import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.md': 'text/plain; charset=utf-8',
};

function listen(handler) {
  const server = createServer(handler);
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      // Closing also drops open connections: to a browser the host is then gone, as when
      // the network is cut.
      const close = () => new Promise((r) => {
        server.close(r);
        server.closeAllConnections();
      });
      resolve({ url: `http://127.0.0.1:${port}/`, origin: `http://127.0.0.1:${port}`, close });
    });
  });
}

/** Serves `pages` ({path: {body, type?}}) with `headers` on every answer. */
export function servePages(pages, headers = {}) {
  return listen((req, res) => {
    const page = pages[new URL(req.url, 'http://x').pathname];
    if (!page) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, { 'Content-Type': page.type ?? 'text/html; charset=utf-8', 'Cache-Control': 'no-store', ...headers });
    res.end(page.body);
  });
}

/** Serves the files under `root` with correct types but only the `headers` given (no CORS). */
export function serveDirectory(root, headers = {}) {
  const base = resolve(root);
  return listen(async (req, res) => {
    let path = resolve(join(base, decodeURIComponent(new URL(req.url, 'http://x').pathname)));
    if (path === base || req.url.endsWith('/')) path = join(path, 'index.html');
    if (!path.startsWith(base + sep)) {
      res.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(path);
      res.writeHead(200, { 'Content-Type': TYPES[extname(path)] ?? 'application/octet-stream', ...headers });
      res.end(body);
    } catch {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
    }
  });
}

/**
 * Serves `folder` under each of `prefixes` as a picky host does (Cloudflare Pages, an S3
 * bucket): `x.html` is redirected to `x` (which serves x.html), a folder's own address is a
 * 404, and nothing but the type is sent.
 */
export function servePicky(folder, prefixes) {
  return listen(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const prefix = prefixes.find((p) => path.startsWith(p));
    const rest = prefix ? normalize(path.slice(prefix.length)) : null;
    if (rest === null || rest.startsWith('..') || rest === '.' || rest.endsWith('/')) {
      res.writeHead(404).end('not found');
      return;
    }
    if (rest.endsWith('.html') && rest !== 'index.html') {
      res.writeHead(308, { Location: path.slice(0, -'.html'.length) }).end();
      return;
    }
    for (const file of [rest, `${rest}.html`]) {
      const full = join(folder, file);
      if (!(await stat(full).catch(() => null))?.isFile()) continue;
      res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' });
      res.end(await readFile(full));
      return;
    }
    res.writeHead(404).end('not found');
  });
}
