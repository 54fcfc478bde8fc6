// Robustness: fuzzed and malformed links never break the page; each falls back with a message.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { openLab, waitForStep, BASE_URL, suiteBrowser } from './support/browser.mjs';

const browser = suiteBrowser();

/** Deterministic random hashes: a mix of real keys and values, garbage and edge cases. */
function fuzzHashes(count, seed) {
  let x = seed >>> 0;
  const rand = () => ((x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const pick = (a) => a[Math.floor(rand() * a.length)];
  const keys = ['lab', 'preset', 'backend', 'alpha', 'n', 'lr', 'steps', 'seed', 'noise', 'eta', 'beta', 'dataset', 'seeds', 'hidden', '', '%', '<b>', 'x'.repeat(60), 'constructor', '__proto__'];
  const values = ['frozen-subspace', 'overoptimization', 'early-learning', 'simplicity-bias', 'webgpu', 'flex', 'peak', 'digits', '0', '-1', '1e308', '-1e-308', 'NaN', 'Infinity', '0x10', '1,5', '  3 ', '', '%E0%A4%A', '\u0000', '😀', 'null', 'undefined', '9'.repeat(400)];
  const out = [];
  for (let i = 0; i < count; i++) {
    const parts = [];
    const n = Math.floor(rand() * 6);
    for (let j = 0; j < n; j++) {
      const r = rand();
      if (r < 0.1) parts.push(pick(['&', '=', '==', '%%', '#', '?', '&&&']));
      else parts.push(`${pick(keys)}=${r < 0.6 ? pick(values) : String((rand() - 0.3) * 10 ** Math.floor(rand() * 8))}`);
    }
    out.push('#' + parts.join(rand() < 0.9 ? '&' : ';'));
  }
  return out;
}

test('1000 fuzzed links: the parser and the engine answer each with a value or a clear error', async () => {
  const { page, errors } = await openLab(browser);
  const hashes = fuzzHashes(1000, 7);
  const result = await page.evaluate(async (hashes) => {
    const { parseHash } = await import('./www/url-state.js');
    const { loadEngine } = await import('./www/engine.js');
    const { wasm, catalog } = await loadEngine();
    let created = 0;
    let valid = 0;
    const unexpected = [];
    for (const [i, h] of hashes.entries()) {
      const parsed = parseHash(h);
      const lab = catalog.find((l) => l.id === parsed.lab) ?? catalog[0];
      try {
        wasm.validateParams(lab.id, parsed.preset, parsed.params);
        valid++;
        // Building a lab costs more than checking it: build every 25th for real.
        if (i % 25 === 0) {
          wasm.LabHandle.create(lab.id, parsed.preset, parsed.params, 'flex').free();
          created++;
        }
      } catch (e) {
        if (!(e instanceof Error) || !e.message) unexpected.push(`${h}: ${String(e)}`);
      }
    }
    // The engine still works afterwards.
    const ok = wasm.LabHandle.create('overoptimization', null, { steps: 20 }, 'flex');
    ok.step(20);
    const status = await ok.refresh();
    return { created, valid, unexpected, step: status.step };
  }, hashes);
  assert.deepEqual(result.unexpected, []);
  assert.ok(result.valid > 50, `some fuzzed links are valid (${result.valid})`);
  assert.ok(result.created > 0);
  assert.equal(result.step, 20);
  assert.deepEqual(errors, []);
  await page.close();
});

test('fuzzed links loaded as pages show a lab or the gallery, never a blank page', async () => {
  for (const hash of fuzzHashes(20, 11)) {
    const { page, errors } = await openLab(browser, hash);
    const state = await page.evaluate(() => document.body.dataset.state);
    assert.equal(state, 'ready', `${hash} ended in ${state}`);
    const visible = await page.locator('phenomena-lab, .gallery').count();
    assert.ok(visible >= 1, `${hash} shows something`);
    assert.deepEqual(errors, [], hash);
    await page.close();
  }
});

test('a GPU device lost mid-run: the run continues on the CPU from its last snapshot, with a banner', async () => {
  const page = await browser.newPage();
  page.setDefaultTimeout(120_000);
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(`${BASE_URL}#lab=overoptimization&backend=webgpu&steps=400`, { timeout: 120_000 });
  await page.waitForFunction(() => document.body.dataset.state === 'ready');
  assert.match(await page.locator('#backend-badge').textContent(), /GPU/);
  const recovered = page.evaluate(
    () => new Promise((resolve) => document.querySelector('phenomena-lab').addEventListener('recovered', (e) => resolve(e.detail), { once: true })),
  );
  await page.click('button.play');
  await waitForStep(page, 15);
  // The lab trains in its worker, on a device of the worker's own: destroy that one, and the
  // browser reports it lost, as after a driver reset or a GPU process crash.
  assert.equal(await page.evaluate(() => document.querySelector('phenomena-lab').dataset.engine), 'worker');
  const destroyed = await page.evaluate(() => document.querySelector('phenomena-lab').handle.loseDevices());
  assert.ok(destroyed >= 1, 'the worker made a device');
  const detail = await recovered;
  assert.ok(detail.step >= 15, `replayed to the last GPU snapshot (step ${detail.step})`);
  // The CPU replay reaches the same numbers the GPU had at that step.
  const names = Object.keys(detail.gpuScalars);
  assert.ok(names.length > 0);
  for (const name of names) {
    const [g, c] = [detail.gpuScalars[name], detail.cpuScalars[name]];
    assert.ok(Math.abs(g - c) <= 1e-3 * Math.max(1, Math.abs(g)), `${name}: GPU ${g} vs CPU ${c}`);
  }
  assert.match(await page.locator('#banner').textContent(), /GPU device was lost/);
  assert.match(await page.locator('phenomena-lab .messages[role=alert]').textContent(), /continues on the CPU from that step/);
  assert.match(await page.locator('#backend-badge').textContent(), /your CPU/);
  assert.match(page.url(), /backend=flex/);
  // And it carries on training.
  await waitForStep(page, detail.step + 20);
  mkdirSync('target/screenshots', { recursive: true });
  await page.screenshot({ path: 'target/screenshots/gpu-lost.png' });
  assert.equal(await page.locator('phenomena-lab .message.error').count(), 0);
  assert.deepEqual(pageErrors, []);
  await page.close();
});

test("a crash of a lab's worker is said in the lab, and Reset starts a fresh one that trains", async () => {
  const { page, errors } = await openLab(browser, '#lab=overoptimization&backend=flex&steps=20000');
  await page.click('button.play');
  await waitForStep(page, 20);
  await page.evaluate(() => document.querySelector('phenomena-lab').handle.simulatePanic());
  const alert = page.locator('phenomena-lab .message.error');
  await alert.waitFor();
  assert.match(await alert.textContent(), /internal error \(panicked at a simulated fault\).*Reset to try again/);
  assert.equal(await page.locator('button.play').textContent(), '▶ Play', 'the lab stopped');
  await page.click('button.reset');
  await page.waitForFunction(() => document.querySelector('phenomena-lab').dataset.step === '0');
  await page.click('button.play');
  await waitForStep(page, 20);
  assert.equal(await page.evaluate(() => document.querySelector('phenomena-lab').dataset.engine), 'worker');
  assert.equal(await alert.count(), 0);
  assert.deepEqual(errors, []);
  await page.close();
});

test('two concurrent starts of WebGPU share one start', async () => {
  const page = await browser.newPage();
  page.setDefaultTimeout(120_000);
  // A page of this origin that does not load the app, so nothing has started WebGPU yet.
  await page.goto(`${BASE_URL}README.md`, { timeout: 120_000 });
  const answers = await page.evaluate(async () => {
    const engine = await import('/www/pkg/phenomena_web.js');
    await engine.default();
    return Promise.all([engine.initWebGpu(), engine.initWebGpu()]);
  });
  assert.deepEqual(answers, ['', ''], 'both starts report that WebGPU works');
  await page.close();
});
