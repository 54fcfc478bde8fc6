// What a new user tripped over, each kept from coming back: keys, number boxes, the phone,
// dark mode around a light course page, links copied from an embed, the emulated GPU, the
// compressed engine.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { BASE_URL, launch, openLab, waitForStep } from './support/browser.mjs';

let browser;
before(async () => {
  browser = await launch();
  mkdirSync('target/screenshots', { recursive: true });
});
after(async () => {
  await browser?.close();
});

const labState = (page, key) => page.evaluate((key) => document.querySelector('phenomena-lab').dataset[key], key);

test('space plays and pauses from anywhere on the lab page; on a focused button it presses that button', async () => {
  const { page, errors } = await openLab(browser, '#lab=frozen-subspace&steps=5000');
  await page.evaluate(() => document.activeElement?.blur());
  await page.keyboard.press(' ');
  await page.locator('button.play[aria-label=pause]').waitFor();
  const scrolled = await page.evaluate(() => window.scrollY);
  assert.equal(scrolled, 0, 'space did not scroll the page');
  await page.keyboard.press(' ');
  await page.locator('button.play[aria-label=play]').waitFor();
  await page.waitForTimeout(300);
  const before = Number(await labState(page, 'step'));
  await page.locator('button.step').focus();
  await page.keyboard.press(' ');
  await page.waitForFunction((n) => Number(document.querySelector('phenomena-lab').dataset.step) === n + 1, before);
  assert.equal(await page.locator('button.play').getAttribute('aria-label'), 'play', 'Step stepped; it did not start playing');
  assert.deepEqual(errors, []);
  await page.close();
});

test('clearing a number box puts the value back, and the next change works', async () => {
  const { page, errors } = await openLab(browser, '#lab=frozen-subspace&alpha=0.8');
  const alpha = page.locator('input[type=number][aria-label^="α"]');
  await alpha.fill('');
  await alpha.dispatchEvent('change');
  await page.locator('.message.warn', { hasText: 'needs a number' }).waitFor();
  assert.equal(await alpha.inputValue(), '0.8');
  const lr = page.locator('.control[data-param="lr"] input[type=number]');
  await lr.fill('0.05');
  await lr.dispatchEvent('change');
  await page.waitForFunction(() => location.hash.includes('lr=0.05'));
  assert.ok((await page.evaluate(() => location.hash)).includes('alpha=0.8'));
  assert.equal(await page.locator('.message.error').count(), 0);
  await page.click('button.play');
  await waitForStep(page, 20);
  assert.deepEqual(errors, []);
  await page.close();
});

test('"Copy link to this run" in an embed copies a link to the playground with the run', async () => {
  const context = await browser.newContext({ permissions: ['clipboard-read', 'clipboard-write'] });
  const page = await context.newPage();
  page.setDefaultTimeout(120_000);
  await page.goto(`${BASE_URL}embed.html#lab=frozen-subspace&preset=frozen&seed=4`);
  await page.locator('phenomena-lab figure.chart').first().waitFor();
  await page.locator('button.copy-link').click();
  await page.locator('.message', { hasText: 'Link copied' }).waitFor();
  const link = await page.evaluate(() => navigator.clipboard.readText());
  assert.ok(link.startsWith(`${BASE_URL}#`), link);
  assert.doesNotMatch(link, /embed\.html/);
  for (const part of ['lab=frozen-subspace', 'seed=4']) assert.ok(link.includes(part), `${part} in ${link}`);
  // The link opens the same run on the playground.
  await page.goto(link);
  await page.waitForFunction(() => document.body.dataset.state === 'ready');
  assert.equal(await page.locator('.control[data-param="seed"] input[type=number]').inputValue(), '4');
  await context.close();
});

/** WCAG contrast ratio of two CSS rgb() colours. */
function contrast(a, b) {
  const lum = (css) => {
    const [r, g, bl] = css.match(/[\d.]+/g).slice(0, 3).map(Number).map((v) => {
      const c = v / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

const colours = (locator) =>
  locator.evaluate((lab) => {
    const s = getComputedStyle(lab.shadowRoot.querySelector('.lab-root'));
    const caption = getComputedStyle(lab.shadowRoot.querySelector('.summary'));
    return { fg: s.color, bg: s.backgroundColor, muted: caption.color };
  });

test('in a light course page while the system is dark, embedded labs keep readable text', async () => {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 }, colorScheme: 'dark' });
  page.setDefaultTimeout(120_000);
  await page.goto(`${BASE_URL}examples/course-page.html`);
  const lab = page.locator('phenomena-lab').first();
  await lab.locator('figure.chart').first().waitFor();
  const { fg, bg, muted } = await colours(lab);
  assert.ok(contrast(fg, bg) >= 7, `text ${fg} on ${bg}`);
  assert.ok(contrast(muted, bg) >= 4.5, `secondary text ${muted} on ${bg}`);
  const framed = page.frameLocator('#frame').locator('phenomena-lab');
  await framed.locator('figure.chart').first().waitFor();
  const inFrame = await colours(framed);
  assert.ok(contrast(inFrame.fg, inFrame.bg) >= 7, `framed text ${inFrame.fg} on ${inFrame.bg}`);
  // An embedded lab is a section of the course page: its title is no second h1.
  assert.equal(await lab.locator('h1').count(), 0);
  await page.screenshot({ path: 'target/screenshots/course-page-dark-system.png' });
  // theme="dark" turns it dark, with its own dark background.
  await lab.evaluate((l) => l.setAttribute('theme', 'dark'));
  const dark = await colours(lab);
  assert.ok(contrast(dark.fg, dark.bg) >= 7, `dark theme ${dark.fg} on ${dark.bg}`);
  assert.ok(contrast(dark.bg, 'rgb(0, 0, 0)') < 2, 'a dark background');
  await page.close();
});

test('on the site in dark mode the lab and its charts are dark', async () => {
  const page = await browser.newPage({ viewport: { width: 1300, height: 900 }, colorScheme: 'dark' });
  page.setDefaultTimeout(120_000);
  await page.goto(`${BASE_URL}#lab=overoptimization&preset=dpo-drifts`);
  await page.waitForFunction(() => document.body.dataset.state === 'ready');
  assert.equal(await labState(page, 'theme'), 'dark');
  // The chart's background, just inside the canvas's corner, is dark.
  const corner = await page.locator('figure.chart canvas').first().evaluate((c) => [...c.getContext('2d').getImageData(3, 3, 1, 1).data]);
  assert.ok(corner[0] + corner[1] + corner[2] < 3 * 80, `corner pixel ${corner}`);
  await page.click('button.play');
  await waitForStep(page, 300);
  await page.screenshot({ path: 'target/screenshots/overoptimization-dark.png', fullPage: true });
  await page.close();
});

test('on a phone, a tall autoplaying lab starts, and its control bar does not cover the screen', async () => {
  const page = await browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
  page.setDefaultTimeout(120_000);
  await page.goto(`${BASE_URL}embed.html#lab=simplicity-bias&preset=dominoes&autoplay`);
  const lab = page.locator('phenomena-lab');
  await lab.locator('figure.chart').first().waitFor();
  const height = (await lab.boundingBox()).height;
  assert.ok(height > 2 * 844, `the lab is taller than two screens (${height} px)`);
  await page.waitForFunction(() => Number(document.querySelector('phenomena-lab').dataset.step) > 0);
  // Scrolled into its charts, the control bar is not pinned over them.
  await lab.locator('figure.chart').nth(1).scrollIntoViewIfNeeded();
  const bar = await lab.locator('.transport').boundingBox();
  assert.ok(bar.y + bar.height <= 0 || bar.height < 0.2 * 844, `the bar covers ${bar.height} px at ${bar.y}`);
  await page.screenshot({ path: 'target/screenshots/phone-dominoes.png' });
  await page.close();
});

test('WebGPU emulated in software is said, with a way to the CPU', async () => {
  const { page, errors } = await openLab(browser, '#lab=frozen-subspace&backend=webgpu&n=40&hidden=8');
  const warning = page.locator('.message.warn', { hasText: 'emulated in software' });
  await warning.waitFor();
  await warning.locator('button.use-cpu').click();
  await page.waitForFunction(() => location.hash.includes('backend=flex'));
  assert.deepEqual(errors, []);
  await page.close();
});

test('the engine travels compressed', async () => {
  const { page } = await openLab(browser, '#lab=frozen-subspace');
  const sizes = await page.evaluate(() =>
    performance.getEntriesByType('resource').filter((r) => r.name.endsWith('_bg.wasm')).map((r) => [r.encodedBodySize, r.decodedBodySize]),
  );
  assert.equal(sizes.length, 1);
  const [encoded, decoded] = sizes[0];
  assert.ok(encoded < decoded / 2, `${encoded} bytes sent for ${decoded}`);
  await page.close();
});

test('a <phenomena-lab> without a lab attribute says so', async () => {
  const page = await browser.newPage();
  await page.goto(`${BASE_URL}embed.html#lab=frozen-subspace`);
  await page.locator('phenomena-lab figure.chart').first().waitFor({ timeout: 120_000 });
  await page.evaluate(() => document.body.append(document.createElement('phenomena-lab')));
  const alert = page.locator('phenomena-lab').nth(1).locator('[role=alert]');
  await alert.waitFor();
  assert.match(await alert.textContent(), /no lab attribute/);
  await page.close();
});

test('a chart exported as PNG is drawn at print resolution, not at its size on screen', async () => {
  const { page, errors } = await openLab(browser, '#lab=frozen-subspace&steps=50');
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('figure.chart button.png').first().click()]);
  const png = readFileSync(await download.path());
  const [width, height] = [png.readUInt32BE(16), png.readUInt32BE(20)];
  assert.equal(`${width}x${height}`, '1920x1382');
  assert.match(download.suggestedFilename(), /^phenomena-frozen-subspace-seed0-step0-\w+\.png$/);
  assert.deepEqual(errors, []);
  await page.close();
});
