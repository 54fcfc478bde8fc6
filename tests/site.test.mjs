// Page tests of the site around the labs: the gallery without the engine, links that keep
// their preset, links with a bad entry, and the header badge in plain words.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { openLab, BASE_URL, suiteBrowser } from './support/browser.mjs';

const browser = suiteBrowser();

const control = (page, name) => page.locator(`[data-param="${name}"] input[type=number]`);
const caption = (page) => page.locator('phenomena-lab .preset-caption').textContent();
const hash = (page) => page.evaluate(() => location.hash);

test('the gallery shows every lab while the engine has not arrived', async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  // Hold back every engine download: the front page must not wait for it.
  await page.route('**/*.wasm', () => {});
  await page.goto(BASE_URL, { waitUntil: 'domcontentloaded' });
  const catalog = JSON.parse(readFileSync(new URL('../www/catalog.json', import.meta.url)));
  const titles = page.locator('.gallery .card h2');
  await titles.nth(3).waitFor({ timeout: 15_000 });
  assert.deepEqual(await titles.allTextContents(), catalog.map((l) => l.title));
  assert.equal(catalog.length, 4);
  assert.equal(await page.evaluate(() => document.body.dataset.state), 'ready');
  assert.doesNotMatch(await page.locator('main').textContent(), /Loading/);
  mkdirSync('target/screenshots', { recursive: true });
  await page.screenshot({ path: 'target/screenshots/gallery-without-engine.png' });
  await page.close();
});

test('a link keeps its preset (and caption) through a reload until a parameter changes', async () => {
  const { page, errors } = await openLab(browser, '#lab=frozen-subspace&preset=peak');
  const expected = await page.evaluate(
    () => document.querySelector('phenomena-lab').info.presets.find((p) => p.id === 'peak').caption,
  );
  await page.waitForFunction(() => location.hash.includes('preset=peak') && location.hash.includes('alpha=1'));
  assert.equal(await caption(page), expected);

  await page.reload();
  await page.waitForFunction(() => document.body.dataset.state === 'ready');
  assert.equal(await caption(page), expected, 'the reloaded link still tells the preset\'s story');
  assert.match(await hash(page), /preset=peak/);
  assert.equal(await page.locator('button[data-preset="peak"]').getAttribute('aria-pressed'), 'true');

  await control(page, 'alpha').fill('1.5');
  await control(page, 'alpha').dispatchEvent('change');
  await page.waitForFunction(() => location.hash.includes('alpha=1.5'));
  assert.doesNotMatch(await hash(page), /preset=/);
  assert.match(await caption(page), /Custom parameters/);

  await page.click('button[data-preset="well"]');
  await page.waitForFunction(() => location.hash.includes('preset=well'));
  assert.deepEqual(errors, []);
  await page.close();
});

test('a link whose values left its preset drops the caption but keeps every value', async () => {
  const { page, errors } = await openLab(browser, '#lab=frozen-subspace&preset=peak&alpha=2&seed=3');
  assert.match(await caption(page), /Custom parameters/);
  assert.equal(await control(page, 'alpha').inputValue(), '2');
  assert.equal(await control(page, 'steps').inputValue(), '5000', 'the preset fills in what the link leaves out');
  assert.doesNotMatch(await hash(page), /preset=/);
  assert.match(await hash(page), /seed=3/);
  assert.deepEqual(errors, []);
  await page.close();

  // A different seed is still the preset.
  const other = await openLab(browser, '#lab=frozen-subspace&preset=peak&alpha=1&init_scale=0&lr=0.4&steps=5000&seed=5');
  assert.doesNotMatch(await caption(other.page), /Custom parameters/);
  assert.match(await hash(other.page), /preset=peak/);
  await other.page.close();
});

test('one bad entry in a link is named and the good values are kept', async () => {
  // Needs the engine that reports bad entries as notes instead of refusing the whole link.
  const { page } = await openLab(browser, '#lab=frozen-subspace&alpha=2&alhpa=3&n=NaN');
  assert.equal(await control(page, 'alpha').inputValue(), '2');
  const text = await page.locator('phenomena-lab .messages').first().textContent();
  assert.match(text, /alhpa/);
  assert.match(text, /`n`|\bn\b/);
  await page.close();
});

test('the badge says in plain words where the lab trains, the details in its tooltip', async () => {
  const { page, errors } = await openLab(browser, '#lab=frozen-subspace&backend=flex');
  const badge = page.locator('#backend-badge');
  assert.equal(await badge.textContent(), 'Trains on your CPU');
  assert.match(await badge.getAttribute('title'), /flex/);
  assert.match(await badge.getAttribute('title'), /software-emulated|no WebGPU/, 'and why not the GPU');
  mkdirSync('target/screenshots', { recursive: true });
  await page.screenshot({ path: 'target/screenshots/badge.png', clip: { x: 0, y: 0, width: 1400, height: 120 } });
  assert.deepEqual(errors, []);
  await page.close();

  const gallery = await openLab(browser);
  await gallery.page.waitForFunction(() => !document.getElementById('backend-badge').hidden);
  assert.equal(await gallery.page.locator('#backend-badge').textContent(), 'Trains on your CPU');
  await gallery.page.close();
});
