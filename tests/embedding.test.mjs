// Embedding: the course-page example (four labs: three custom elements and an iframe driven by
// postMessage) under the strict Content-Security-Policy the server sends.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { BASE_URL, suiteBrowser } from './support/browser.mjs';

const browser = suiteBrowser();

async function open(path, viewport = { width: 1200, height: 900 }) {
  const page = await browser.newPage({ viewport });
  page.setDefaultNavigationTimeout(120_000);
  page.setDefaultTimeout(120_000);
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  const response = await page.goto(BASE_URL + path, { waitUntil: 'domcontentloaded', timeout: 120_000 });
  return { page, errors, response };
}

test('pages are served under a strict Content-Security-Policy', async () => {
  const { page, errors, response } = await open('examples/course-page.html');
  const csp = response.headers()['content-security-policy'];
  assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'/);
  assert.doesNotMatch(csp, /'unsafe-eval'|'unsafe-inline'/);
  await page.waitForFunction(
    () => [...document.querySelectorAll('phenomena-lab')].reduce((n, lab) => n + (lab.shadowRoot?.querySelectorAll('.charts figure').length ?? 0), 0) >= 9,
    null,
    { timeout: 120_000 },
  );
  assert.deepEqual(errors, [], 'no CSP violation or error');
  await page.close();
});

test('the course page embeds four labs that autoplay when scrolled into view', async () => {
  const { page, errors } = await open('examples/course-page.html');
  const labs = page.locator('phenomena-lab');
  assert.equal(await labs.count(), 3);
  // The first lab is on screen: it starts by itself.
  await page.waitForFunction(() => Number(document.querySelector('phenomena-lab').dataset.step ?? 0) > 50, null, { timeout: 120_000 });
  // Only the listed controls are shown, fixed parameters are locked.
  const first = labs.first();
  assert.equal(await first.locator('.control').count(), 2);
  assert.equal(await first.locator('.export').isHidden(), true, 'export hidden');
  assert.equal(await first.locator('input[type=number]').first().isDisabled(), false);
  // Scroll down: the first pauses, the second starts.
  await labs.nth(1).scrollIntoViewIfNeeded();
  await page.waitForFunction(() => Number(document.querySelectorAll('phenomena-lab')[1].dataset.step ?? 0) > 20, null, { timeout: 120_000 });
  const paused = await first.getAttribute('data-step');
  await page.waitForTimeout(500);
  assert.equal(await first.getAttribute('data-step'), paused, 'the off-screen lab paused');

  // The iframe: the host's button posts "play"; the frame reports its steps back.
  await page.locator('#frame').scrollIntoViewIfNeeded();
  await page.waitForFunction(() => document.body.dataset.frameEvent === 'ready' || document.body.dataset.frameEvent === 'step', null, { timeout: 120_000 });
  await page.click('#frame-play');
  await page.waitForFunction(() => document.body.dataset.frameEvent === 'step', null, { timeout: 60_000 });
  mkdirSync('target/screenshots', { recursive: true });
  await page.screenshot({ path: 'target/screenshots/course-page.png', fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

test('the embedded frame ignores messages of the wrong shape', async () => {
  const { page, errors } = await open('embed.html#lab=overoptimization&steps=50');
  await page.waitForFunction(() => document.querySelector('phenomena-lab')?.dataset.step === '0', null, { timeout: 60_000 });
  await page.evaluate(() => {
    for (const bad of [null, 'play', 42, { type: 'other', command: 'play' }, { type: 'phenomena', command: 'explode' },
      { type: 'phenomena', command: 'set', params: [1, 2] }, { type: 'phenomena', command: 'set', params: { '<x>': 1 } },
      { type: 'phenomena', command: 'set', params: { beta: { nested: true } } }]) {
      window.postMessage(bad, '*');
    }
  });
  await page.waitForTimeout(500);
  assert.equal(await page.locator('phenomena-lab').getAttribute('data-step'), '0', 'nothing started');
  await page.evaluate(() => window.postMessage({ type: 'phenomena', command: 'set', params: { eta: 0.5 } }, '*'));
  await page.waitForFunction(() => document.querySelector('phenomena-lab').shadowRoot.querySelector('input[type=number][aria-label^="η"]')?.value === '0.5');
  await page.evaluate(() => window.postMessage({ type: 'phenomena', command: 'play' }, '*'));
  await page.waitForFunction(() => Number(document.querySelector('phenomena-lab').dataset.step) >= 50);
  assert.deepEqual(errors, []);
  await page.close();
});

test('four labs training at once on one page, each in its own worker: no main-thread task over 50 ms', async () => {
  // A window tall enough for all four labs (500 px each), each scrolled to its charts: every
  // lab draws its charts as it trains (a lab draws only the charts on screen while training).
  const { page, errors } = await open('tests/fixtures/four-labs.html', { width: 1200, height: 2050 });
  await page.waitForFunction(() => [...document.querySelectorAll('phenomena-lab')].every((lab) => lab.status), null, { timeout: 120_000 });
  assert.deepEqual(await page.evaluate(() => [...document.querySelectorAll('phenomena-lab')].map((lab) => lab.dataset.engine)), ['worker', 'worker', 'worker', 'worker']);
  await page.evaluate(() => {
    for (const lab of document.querySelectorAll('phenomena-lab')) {
      lab.scrollTop += lab.charts.node.getBoundingClientRect().top - lab.getBoundingClientRect().top;
    }
  });
  const pictures = () => page.evaluate(() => [...document.querySelectorAll('phenomena-lab')].map((lab) => lab.charts.node.querySelector('canvas').toDataURL()));
  await page.waitForFunction(() => [...document.querySelectorAll('phenomena-lab')].every((lab) => lab.charts.onScreen.size > 0));
  await page.evaluate(() => {
    window.longTasks = [];
    // The browser reports every task over 50 ms as a "longtask" entry.
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.longTasks.push(Math.round(e.duration));
    }).observe({ type: 'longtask' });
    for (const lab of document.querySelectorAll('phenomena-lab')) lab.play();
  });
  const steps = () => page.evaluate(() => [...document.querySelectorAll('phenomena-lab')].map((lab) => Number(lab.dataset.step)));
  // The first charts and the work per slice settle; then watch four seconds.
  await page.waitForTimeout(1000);
  const before = await steps();
  const drawnBefore = await pictures();
  await page.evaluate(() => (window.longTasks = []));
  await page.waitForTimeout(4000);
  const after = await steps();
  const longTasks = await page.evaluate(() => window.longTasks);
  const drawnAfter = await pictures();
  after.forEach((s, i) => assert.ok(s > before[i], `lab ${i + 1} trained during the check (${before[i]} → ${s})`));
  drawnAfter.forEach((p, i) => assert.notEqual(p, drawnBefore[i], `lab ${i + 1} redrew its first chart during the check`));
  assert.deepEqual(longTasks, [], 'tasks over 50 ms (ms)');
  mkdirSync('target/screenshots', { recursive: true });
  await page.screenshot({ path: 'target/screenshots/four-labs.png' });
  assert.deepEqual(errors, []);
  await page.close();
});

test('a lab taken out of the page and put back starts a fresh run that trains, without an error', async () => {
  const { page, errors } = await open('tests/fixtures/four-labs.html');
  const step = () => page.evaluate(() => Number(document.querySelector('phenomena-lab').dataset.step));
  await page.waitForFunction(() => document.querySelector('phenomena-lab').status, null, { timeout: 120_000 });
  await page.evaluate(() => document.querySelector('phenomena-lab').play());
  await page.waitForFunction(() => Number(document.querySelector('phenomena-lab').dataset.step) > 20);
  await page.evaluate(async () => {
    const lab = document.querySelector('phenomena-lab');
    lab.remove();
    await new Promise((resolve) => setTimeout(resolve, 100));
    document.body.prepend(lab);
  });
  await page.waitForFunction(() => document.querySelector('phenomena-lab').dataset.step === '0');
  await page.evaluate(() => document.querySelector('phenomena-lab').play());
  await page.waitForFunction(() => Number(document.querySelector('phenomena-lab').dataset.step) > 20);
  assert.ok((await step()) > 20);
  assert.equal(await page.evaluate(() => document.querySelector('phenomena-lab').dataset.engine), 'worker');
  assert.equal(await page.locator('phenomena-lab').first().locator('.message.error').count(), 0);
  assert.deepEqual(errors, []);
  await page.close();
});

test('with the WebGPU engine loaded, only a lab that trains on WebGPU starts a device in its worker', async () => {
  const { page, errors } = await open('tests/fixtures/four-labs.html');
  const labs = () => page.evaluate(() => [...document.querySelectorAll('phenomena-lab')].map((lab) => lab.status !== undefined));
  await page.waitForFunction(() => [...document.querySelectorAll('phenomena-lab')].every((lab) => lab.status), null, { timeout: 120_000 });
  assert.equal((await labs()).length, 4);
  // A lab on WebGPU loads the WebGPU engine; one on flex added after it shares that engine.
  await page.evaluate(async () => {
    const add = (backend) => {
      const lab = document.createElement('phenomena-lab');
      lab.setAttribute('lab', 'overoptimization');
      lab.setAttribute('params', 'steps=20');
      lab.setAttribute('backend', backend);
      document.body.append(lab);
      return lab;
    };
    const ready = (lab) => new Promise((resolve) => {
      const check = () => (lab.status ? resolve() : setTimeout(check, 50));
      check();
    });
    window.gpuLab = add('webgpu');
    await ready(window.gpuLab);
    window.cpuLab = add('flex');
    await ready(window.cpuLab);
  });
  const seen = await page.evaluate(async () => ({
    engines: [window.gpuLab.engine.kind, window.cpuLab.engine.kind],
    where: [window.gpuLab.dataset.engine, window.cpuLab.dataset.engine],
    devices: [await window.gpuLab.handle.deviceCount(), await window.cpuLab.handle.deviceCount()],
  }));
  assert.deepEqual(seen.engines, ['webgpu', 'webgpu']);
  assert.deepEqual(seen.where, ['worker', 'worker']);
  assert.ok(seen.devices[0] >= 1, 'the WebGPU lab\'s worker made a device');
  assert.equal(seen.devices[1], 0, 'the flex lab\'s worker made none');
  // The flex lab still trains in its worker.
  await page.evaluate(() => window.cpuLab.play());
  await page.waitForFunction(() => Number(window.cpuLab.dataset.step) >= 20);
  assert.deepEqual(errors, []);
  await page.close();
});
