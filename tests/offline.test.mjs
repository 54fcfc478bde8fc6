// The folder `cargo xtask dist` writes, served by static servers without CORS or special
// headers: a page opened once keeps working after the server is gone, on the site, in the
// iframe and on a course page kept in the folder, with two copies of the folder under
// sub-paths of one host that redirects `x.html` to `x` and serves no folder index (as
// Cloudflare Pages and an S3 bucket do); a browser whose storage is full says so and trains
// as usual.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch, waitForStep } from './support/browser.mjs';
import { serveDirectory, servePicky } from './support/servers.mjs';

const REPO = fileURLToPath(new URL('..', import.meta.url));

/** The folder `cargo xtask test` wrote, or one written now from the built engines. */
function distFolder() {
  if (process.env.PHENOMENA_DIST) return process.env.PHENOMENA_DIST;
  const out = join(tmpdir(), `phenomena-dist-${process.pid}`);
  execFileSync('cargo', ['xtask', 'dist', '--no-build', '--out', out], { cwd: REPO, stdio: 'inherit' });
  return out;
}

const COURSE_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Week 7</title><link rel="icon" href="data:,">
<script src="../www/phenomena.js" defer></script></head>
<body><h1>Week 7</h1>
<phenomena-lab lab="early-learning" preset="linear" params="steps=40" hide="notes"></phenomena-lab>
</body></html>`;

let browser;
let dist;
before(async () => {
  dist = distFolder();
  mkdirSync(join(dist, 'course'), { recursive: true });
  writeFileSync(join(dist, 'course', 'week7.html'), COURSE_PAGE);
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

async function open(context, url) {
  const page = await context.newPage();
  page.setDefaultTimeout(120_000);
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 120_000 });
  return { page, errors };
}

/** Waits until the page knows whether it was kept for offline use; returns 'saved' or 'failed'. */
async function offlineState(page) {
  await page.waitForFunction(() => ['saved', 'failed', 'off'].includes(document.documentElement.dataset.offline));
  return page.evaluate(() => document.documentElement.dataset.offline);
}

const labReady = (page) =>
  page.waitForFunction(() => document.querySelector('phenomena-lab')?.dataset.step !== undefined);

test('a page of the dist folder opened once works with the network cut: the site, the iframe page and a course page in the folder, two copies on one picky host', async () => {
  const host = await servePicky(dist, ['/a/phenomena/', '/b/phenomena/']);
  const server = { url: `${host.origin}/a/phenomena/`, close: host.close };
  const other = `${host.origin}/b/phenomena/`;
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  try {
    // The first visits, online.
    const site = await open(context, `${server.url}index.html#lab=early-learning&preset=linear`);
    assert.equal(await offlineState(site.page), 'saved');
    const footer = site.page.locator('#offline-status');
    assert.match(await footer.textContent(), /Saved for offline use/);
    assert.equal(await footer.getAttribute('role'), 'status');
    const course = await open(context, `${server.url}course/week7.html`);
    assert.equal(await offlineState(course.page), 'saved');
    await course.page.close();
    // A second copy on the same host keeps its own files, and leaves the first copy's.
    const second = await open(context, `${other}index.html#lab=frozen-subspace&preset=frozen`);
    assert.equal(await offlineState(second.page), 'saved');
    await second.page.close();

    await server.close();
    await assert.rejects(fetch(`${server.url}index.html`), 'the static server is gone');

    // The site, reloaded with no server: it trains.
    await site.page.reload({ waitUntil: 'domcontentloaded' });
    await site.page.waitForFunction(() => document.body.dataset.state === 'ready');
    await site.page.locator('phenomena-lab').locator('button.play').click();
    await waitForStep(site.page, 5);
    assert.ok(await site.page.evaluate(() => navigator.serviceWorker.controller !== null));
    // The gallery and its stills, from the folder's own address (the host served no index).
    await site.page.goto(server.url, { waitUntil: 'domcontentloaded' });
    await site.page.waitForFunction(() => document.body.dataset.state === 'ready');
    // The stills load lazily: decode each, which waits for it (and throws if it failed).
    const stills = await site.page.evaluate(() =>
      Promise.all([...document.querySelectorAll('#main img')].map((img) => img.decode().then(() => img.naturalWidth > 0, () => false))));
    assert.ok(stills.length >= 4 && stills.every(Boolean), `gallery stills offline: ${stills}`);
    assert.deepEqual(site.errors, []);

    // The iframe page, never opened before but kept at the first visit.
    const frame = await open(context, `${server.url}embed.html#lab=frozen-subspace&preset=frozen&steps=30&autoplay`);
    await waitForStep(frame.page, 30);
    assert.deepEqual(frame.errors, []);

    // The course page, kept because it was opened once.
    const again = await open(context, `${server.url}course/week7`);
    await labReady(again.page);
    await again.page.locator('phenomena-lab').locator('button.play').click();
    await waitForStep(again.page, 40);
    assert.deepEqual(again.errors, []);

    // The second copy too.
    const secondAgain = await open(context, `${other}index.html#lab=frozen-subspace&preset=frozen&steps=30`);
    await secondAgain.page.waitForFunction(() => document.body.dataset.state === 'ready');
    await secondAgain.page.locator('phenomena-lab button.play').click();
    await waitForStep(secondAgain.page, 30);
    assert.deepEqual(secondAgain.errors, []);
  } finally {
    await context.close();
    await server.close();
  }
});

test('a browser whose storage is full says the folder was not kept, and the lab trains as usual', async () => {
  const server = await serveDirectory(dist);
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  try {
    const page = await context.newPage();
    page.setDefaultTimeout(120_000);
    const cdp = await context.newCDPSession(page);
    // 100 kB: far less than the 5 MB the service worker stores.
    await cdp.send('Storage.overrideQuotaForOrigin', { origin: server.origin, quotaSize: 100_000 });
    await page.goto(`${server.url}#lab=early-learning&preset=linear`, { waitUntil: 'domcontentloaded' });
    assert.equal(await offlineState(page), 'failed');
    const footer = await page.locator('#offline-status').textContent();
    assert.match(footer, /Not saved for offline use: the browser's storage for this site is full/);
    assert.match(footer, /works as usual while the network is there/);
    // Play before the lab's engine has started does nothing: wait for it.
    await labReady(page);
    await page.locator('phenomena-lab').locator('button.play').click();
    await waitForStep(page, 5);

    // Embedded, the lab says it among its own messages.
    await page.goto(`${server.url}embed.html#lab=early-learning&preset=linear&steps=20`, { waitUntil: 'domcontentloaded' });
    assert.equal(await offlineState(page), 'failed');
    const lab = page.locator('phenomena-lab');
    await assert.doesNotReject(lab.getByText(/Not saved for offline use: the browser's storage for this site is full/).waitFor());
    await labReady(page);
    await lab.locator('button.play').click();
    await waitForStep(page, 20);
  } finally {
    await context.close();
    await server.close();
  }
});
