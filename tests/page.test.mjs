// End-to-end tests of the served playground in headless Chromium (system build, software
// WebGPU). Run by `cargo xtask test`, which builds the page and serves it first.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { BASE_URL, launch, openLab, waitForStep, suiteBrowser } from './support/browser.mjs';

const browser = suiteBrowser();

// The lab's parts live in its shadow root: locators reach them, document.querySelector does not.
const canvasPixels = (page, id) => page.locator(`figure[data-chart="${id}"] canvas`).evaluate((c) => c.toDataURL());

test('the front page is a gallery of every lab, each card opening its lab', async () => {
  const { page, errors } = await openLab(browser);
  const cards = page.locator('.gallery .card');
  assert.equal(await cards.count(), 4);
  for (const img of await page.locator('.gallery img').all()) {
    await img.scrollIntoViewIfNeeded();
    assert.ok(await img.evaluate((i) => i.complete && i.naturalWidth > 0), 'a still loads');
  }
  mkdirSync('target/screenshots', { recursive: true });
  await page.screenshot({ path: 'target/screenshots/gallery.png', fullPage: true });
  await cards.nth(1).locator('a').click();
  await page.waitForFunction(() => document.querySelector('phenomena-lab')?.dataset.step === '0');
  assert.match(page.url(), /#lab=overoptimization/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('the lab loads, trains when Play is pressed, and its charts change', async () => {
  const { page, errors } = await openLab(browser, '#lab=frozen-subspace');
  assert.match(await page.locator('#backend-badge').textContent(), /your CPU/);
  assert.equal(await page.locator('figure.chart').count(), 4);
  const before = await canvasPixels(page, 'errors');
  await page.click('button.play');
  await waitForStep(page, 300);
  await page.click('button.play');
  await page.waitForTimeout(300);
  const afterPixels = await canvasPixels(page, 'errors');
  assert.notEqual(afterPixels, before, 'the error chart was redrawn with new points');
  assert.match(await page.locator('.readout').textContent(), /steps\/s/);
  const summary = await page.locator('figure[data-chart="errors"] .sr-only').textContent();
  assert.match(summary, /E_g linear/);
  mkdirSync('target/screenshots', { recursive: true });
  await page.screenshot({ path: 'target/screenshots/frozen-subspace.png', fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

test('the frozen-subspace batch study draws E_g against updates, and a batch as large as P is refused', async () => {
  // A preset built on a further paper names it; custom parameters show the lab's own sources.
  const preset = await openLab(browser, '#lab=frozen-subspace&preset=batch-size');
  assert.match(await preset.page.locator('.citation').textContent(), /^Source: Hoffer, E\., Hubara, I\. & Soudry, D\. \(2017\)/);
  await preset.page.close();
  const { page, errors } = await openLab(browser, '#lab=frozen-subspace&preset=batch-size&steps=30');
  assert.match(await page.locator('.citation').textContent(), /^Source: Advani/);
  assert.equal(await page.locator('figure.chart').count(), 5);
  await page.click('button.play');
  await waitForStep(page, 30);
  const summary = await page.locator('figure[data-chart="batch-size"] .sr-only').textContent();
  // The same-epochs student took ten updates for each of the full batch's: 300 by step 30.
  assert.match(summary, /small batch, same epochs: [\d.]+ at updates 300\./);
  assert.deepEqual(errors, []);
  await page.close();
  const big = await openLab(browser, '#lab=frozen-subspace&alpha=0.5&n=100&small_batch=50');
  assert.match(await big.page.locator('.messages[role=alert]').textContent(), /small_batch.*smaller than the P = 50/);
  await big.page.close();
});

test('every parameter lives in the URL and a reload reproduces it', async () => {
  const { page, errors } = await openLab(browser, '#lab=frozen-subspace&alpha=0.8&n=100&hidden=16&seed=3');
  const alpha = page.locator('input[type=number][aria-label^="α"]');
  assert.equal(await alpha.inputValue(), '0.8');
  await alpha.fill('1.5');
  await alpha.dispatchEvent('change');
  await page.waitForFunction(() => location.hash.includes('alpha=1.5'));
  const hash = await page.evaluate(() => location.hash);
  for (const part of ['lab=frozen-subspace', 'n=100', 'hidden=16', 'seed=3', 'backend=flex']) {
    assert.ok(hash.includes(part), `${part} in ${hash}`);
  }
  await page.reload();
  await page.waitForFunction(() => document.body.dataset.state === 'ready');
  assert.equal(await page.locator('input[type=number][aria-label^="α"]').inputValue(), '1.5');
  assert.deepEqual(errors, []);
  await page.close();
});

test('a malformed link names each bad entry and uses the default there', async () => {
  const { page, errors } = await openLab(browser, '#lab=frozen-subspace&alpha=banana&%%%&=&steps=1e99x&n=60');
  const text = await page.locator('.messages[role=alert]').textContent();
  assert.match(text, /ignored a malformed entry "%%%"/);
  assert.match(text, /\(alpha\) must be a number .* got banana; using the default 0\.5/);
  assert.match(text, /\(steps\) must be a number/);
  assert.equal(await page.locator('input[type=number][aria-label^="α"]').inputValue(), '0.5');
  assert.equal(await page.locator('.control[data-param="n"] input[type=number]').inputValue(), '60', 'the good value is kept');
  assert.equal(await page.locator('figure.chart').count(), 4);
  assert.deepEqual(errors, []);
  await page.close();
});

test('out-of-range values are clamped with a message naming the range', async () => {
  const { page } = await openLab(browser, '#lab=frozen-subspace&alpha=99&lr=-3');
  const text = await page.locator('.messages[role=alert]').textContent();
  assert.match(text, /α = P\/N .*\[0\.05, 4\]/);
  assert.match(text, /learning rate .*\[0\.0001, 2\]/);
  assert.equal(await page.locator('input[type=number][aria-label^="α"]').inputValue(), '4');
  await page.close();
});

test('an unstable learning rate stops the run with a divergence message, and reset works', async () => {
  const { page, errors } = await openLab(browser, '#lab=frozen-subspace&alpha=4&lr=2&n=50&hidden=4');
  await page.click('button.play');
  await page.locator('.message.error', { hasText: 'lower the learning rate' }).waitFor({ timeout: 60_000 });
  assert.equal(await page.locator('button.play').getAttribute('aria-label'), 'play');
  await page.click('button.reset');
  await page.waitForFunction(() => document.querySelector('phenomena-lab').dataset.step === '0');
  assert.deepEqual(errors, []);
  await page.close();
});

const loadedEngines = (page) =>
  page.evaluate(() =>
    performance
      .getEntriesByType('resource')
      .map((r) => new URL(r.name).pathname)
      .filter((p) => p.endsWith('_bg.wasm')),
  );

test('a page on the CPU loads only the small CPU engine; choosing WebGPU loads the WebGPU one', async () => {
  const { page, errors } = await openLab(browser, '#lab=overoptimization&steps=50');
  assert.deepEqual(await loadedEngines(page), ['/www/pkg-cpu/phenomena_web_bg.wasm']);
  await page.selectOption('#backend', 'webgpu');
  await page.waitForFunction(() => document.body.dataset.backend === 'webgpu' && document.body.dataset.state === 'ready');
  assert.match(page.url(), /backend=webgpu/);
  assert.match(page.url(), /steps=50/, 'the parameters survive the switch');
  assert.deepEqual(await loadedEngines(page), ['/www/pkg/phenomena_web_bg.wasm']);
  await page.click('button.play');
  await waitForStep(page, 50);
  assert.deepEqual(errors, []);
  await page.close();
});

test('the WebGPU backend trains and the badge says so', async () => {
  const { page, errors } = await openLab(browser, '#lab=frozen-subspace&backend=webgpu&n=40&hidden=8&steps=12');
  assert.match(await page.locator('#backend-badge').textContent(), /GPU/);
  await page.evaluate(() => {
    window.readouts = [];
    const readout = document.querySelector('phenomena-lab').shadowRoot.querySelector('.readout');
    new MutationObserver(() => window.readouts.push(readout.textContent)).observe(readout, { childList: true, characterData: true, subtree: true });
  });
  await page.click('button.play');
  await waitForStep(page, 12, 180_000);
  const readouts = await page.evaluate(() => window.readouts);
  assert.ok(readouts.some((t) => t.includes('compiling the training kernels')), 'the warm-up is announced');
  assert.match(readouts.at(-1), /^step 12/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('without WebGPU the page says so and trains on the CPU', async () => {
  const noGpu = await launch({ webgpu: false });
  try {
    const { page, errors } = await openLab(noGpu, '#lab=frozen-subspace&backend=webgpu&n=40&hidden=8&steps=30');
    assert.match(await page.locator('#banner').textContent(), /WebGPU is not available/);
    assert.match(await page.locator('#backend-badge').textContent(), /CPU/);
    await page.click('button.play');
    await waitForStep(page, 30);
    assert.deepEqual(errors, []);
  } finally {
    await noGpu.close();
  }
});

test('a Rust panic becomes an error panel, not a blank page', async () => {
  const { page } = await openLab(browser, '#lab=frozen-subspace');
  await page.evaluate(() =>
    window.dispatchEvent(new CustomEvent('phenomena-panic', { detail: 'panicked at test' })),
  );
  await page.locator('.error-panel').waitFor();
  assert.match(await page.locator('.error-panel').textContent(), /panicked at test/);
  await page.close();
});

test('the overoptimization lab trains, draws six charts and warns when a policy collapses', async () => {
  const { page, errors } = await openLab(browser, '#lab=overoptimization&preset=dpo-drifts');
  assert.equal(await page.locator('figure.chart').count(), 6);
  assert.equal(await page.locator('nav.labs a[aria-current=page]').textContent(), 'Overoptimization');
  await page.click('button.play');
  await waitForStep(page, 2000);
  const ood = await page.locator('figure[data-chart="ood"] .sr-only').textContent();
  assert.match(ood, /DPO: 0\.9\d+/);
  mkdirSync('target/screenshots', { recursive: true });
  await page.screenshot({ path: 'target/screenshots/overoptimization.png', fullPage: true });

  assert.deepEqual(errors, []);
  await page.close();

  const collapsed = await openLab(browser, '#lab=overoptimization&lr=20&beta=0.001&steps=200');
  await collapsed.page.click('button.play');
  await waitForStep(collapsed.page, 200);
  await collapsed.page.locator('.warnings .message', { hasText: 'policy collapsed' }).first().waitFor();
  assert.deepEqual(collapsed.errors, []);
  await collapsed.page.close();
});

test('the policy choice is a menu and lives in the URL', async () => {
  const { page, errors } = await openLab(browser, '#lab=overoptimization&policy=1&steps=50');
  const select = page.locator('select[aria-describedby$="policy-help"]');
  assert.equal(await select.inputValue(), '1');
  await select.selectOption('0');
  await page.waitForFunction(() => location.hash.includes('policy=0'));
  assert.deepEqual(errors, []);
  await page.close();
});

test('the early-learning lab shows decision regions in 2-D and images for digits', async () => {
  const { page, errors } = await openLab(browser, '#lab=early-learning&preset=boundary&steps=200');
  assert.equal(await page.locator('figure.chart').count(), 5);
  await page.click('button.play');
  await waitForStep(page, 200);
  mkdirSync('target/screenshots', { recursive: true });
  await page.screenshot({ path: 'target/screenshots/early-learning-2d.png', fullPage: true });
  await page.close();

  const digits = await openLab(browser, '#lab=early-learning&preset=digits&steps=300');
  assert.equal(await digits.page.locator('figure[data-chart="digits"]').count(), 1);
  await digits.page.click('button.play');
  await waitForStep(digits.page, 300);
  await digits.page.screenshot({ path: 'target/screenshots/early-learning-digits.png', fullPage: true });
  assert.deepEqual([...errors, ...digits.errors], []);
  await digits.page.close();
});

test('the early-learning race: methods are checkboxes, and the dropout methods need a hidden layer', async () => {
  const { page, errors } = await openLab(browser, '#lab=early-learning&preset=race&steps=40');
  const box = (name) => page.locator(`.control[data-param="${name}"] input[type="checkbox"]`);
  for (const name of ['pskd', 'msd', 'nested']) assert.equal(await box(name).isChecked(), true, name);
  assert.equal(await page.locator('figure[data-chart="race"]').count(), 1);
  assert.equal(await page.locator('figure[data-chart="mislabeled-nested"]').count(), 1);
  await page.click('button.play');
  await waitForStep(page, 40);
  // Unchecking a method drops its run and its charts.
  await box('pskd').uncheck();
  await page.waitForFunction(() => location.hash.includes('pskd=0'));
  await page.waitForFunction(() => !document.querySelector('figure[data-chart="mislabeled-pskd"]'));
  // The linear model has no hidden layer: the dropout switches go off, disabled, with a note.
  const hidden = page.locator('.control[data-param="hidden"] input[type="number"]');
  await hidden.fill('0');
  await hidden.dispatchEvent('change');
  await page.waitForFunction(() => location.hash.includes('msd=0'));
  for (const name of ['msd', 'nested']) {
    assert.equal(await box(name).isChecked(), false, name);
    assert.equal(await box(name).isDisabled(), true, name);
    const note = page.locator(`.control[data-param="${name}"] .needs`);
    assert.match(await note.innerText(), /^Needs a hidden layer: set hidden units above 0\.$/);
    // The note is announced with the switch while it applies.
    assert.ok((await box(name).getAttribute('aria-describedby')).includes(await note.getAttribute('id')), name);
  }
  assert.match(await page.getByRole('alert').innerText(), /multi-sample dropout \(msd\) needs a hidden layer: set hidden units above 0; it is off/);
  assert.equal(await page.locator('figure[data-chart="race"]').count(), 0);
  assert.deepEqual(errors, []);
  await page.close();
});

test('every chart shows its data as a table, the numbers the run recorded, by keyboard too', async () => {
  const { page, errors } = await openLab(browser, '#lab=early-learning&preset=linear&steps=40');
  await page.click('button.play');
  await waitForStep(page, 40);
  const figure = page.locator('figure[data-chart="accuracy"]');
  const button = figure.locator('button.table');
  assert.equal(await button.getAttribute('aria-expanded'), 'false');
  await button.focus();
  await page.keyboard.press('Enter');
  assert.equal(await button.getAttribute('aria-expanded'), 'true');
  const table = figure.locator('.chart-table table');
  const headers = await table.locator('thead th').allInnerTexts();
  assert.deepEqual(headers.slice(0, 3), ['step', 'CE: test', 'CE: clean training examples']);
  // Its last row holds the last recorded test accuracy of CE, to four significant digits.
  const last = await page.evaluate(async () => {
    const xy = await document.querySelector('phenomena-lab').handle.series('ce.test_accuracy');
    return [xy[xy.length - 2], xy[xy.length - 1]];
  });
  const row = await table.locator('tbody tr').last().locator('th, td').allInnerTexts();
  assert.equal(Number(row[0]), last[0]);
  assert.equal(Number(row[1]), Number(last[1].toPrecision(4)));
  assert.match(await table.locator('caption').innerText(), /accuracy against step/);
  // Pressed again, the table closes.
  await button.click();
  assert.equal(await figure.locator('.chart-table').count(), 0);
  assert.deepEqual(errors, []);
  await page.close();
});

test('the simplicity-bias lab: GD ignores the slabs; USEFUL pauses for its split and shows it', async () => {
  const { page, errors } = await openLab(browser, '#lab=simplicity-bias&preset=slabs&steps=120&cluster_step=20');
  // Controls and charts of the patch model do not apply to LMS.
  assert.equal(await page.locator('.control[data-param="beta_fast"]').isHidden(), true);
  assert.equal(await page.locator('figure[data-chart="useful-split"]').count(), 0);
  await page.click('button.play');
  await waitForStep(page, 120);
  assert.match(await page.locator('.readout').textContent(), /^step 120 \/ 120/);
  const randomized = await page.locator('figure[data-chart="randomized"] .sr-only').textContent();
  assert.match(randomized, /GD: 0\.[45]\d* at step/);
  mkdirSync('target/screenshots', { recursive: true });
  await page.screenshot({ path: 'target/screenshots/simplicity-bias.png', fullPage: true });
  await page.close();

  const patch = await openLab(browser, '#lab=simplicity-bias&preset=useful&steps=80&cluster_step=20&seeds=1');
  assert.equal(await patch.page.locator('.control[data-param="beta_fast"]').isHidden(), false);
  await patch.page.click('button.play');
  await waitForStep(patch.page, 80);
  const split = await patch.page.locator('figure[data-chart="useful-split"] .sr-only').textContent();
  assert.match(split, /slow cluster/);
  assert.deepEqual([...errors, ...patch.errors], []);
  await patch.page.close();

  // The lab's sources name the soups' papers; the two charts fill in once the runs meet.
  const small = await openLab(browser, '#lab=simplicity-bias&preset=soups&steps=60&cluster_step=10&seeds=1&dim=20&width=8');
  assert.match(await small.page.locator('.citation').textContent(), /^Source: Nguyen.*Wortsman, M\. et al\. \(2022\)\. Model soups.*Lin, Y\. et al\./);
  await small.page.click('button.play');
  await waitForStep(small.page, 60);
  assert.match(await small.page.locator('figure[data-chart="soups"] .sr-only').textContent(), /uniform soup: 0\.\d+ at step of the run 60\. greedy soup: 0\.\d+ at step of the run 60/);
  assert.match(await small.page.locator('figure[data-chart="weight-path"] .sr-only').textContent(), /out of distribution/);
  assert.deepEqual(small.errors, []);
  await small.page.close();
});

test('an ensemble trains in one worker per core and shows what one worker training every seed shows', async () => {
  // A machine reporting `cores` cores; the run trained to its end, and its JSON export.
  const trained = async (cores) => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.setDefaultTimeout(120_000);
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.addInitScript((k) => Object.defineProperty(Navigator.prototype, 'hardwareConcurrency', { get: () => k }), cores);
    await page.goto(`${BASE_URL}#lab=simplicity-bias&preset=useful&dim=20&width=8&steps=60&cluster_step=10&seeds=5&backend=flex`, { timeout: 120_000 });
    await page.waitForFunction(() => document.body.dataset.state === 'ready');
    await page.click('button.play');
    await waitForStep(page, 60);
    const lab = await page.evaluate(async () => {
      const el = document.querySelector('phenomena-lab');
      return { workers: el.handle.shards.length, engine: el.dataset.engine, json: JSON.parse(await el.handle.json()).snapshot };
    });
    await page.close();
    return { ...lab, errors };
  };
  const one = await trained(1);
  const three = await trained(3);
  assert.equal(one.workers, 1);
  // Five seeds on three cores: shares of 2, 2 and 1.
  assert.equal(three.workers, 3);
  assert.equal(three.engine, 'worker');
  assert.equal(three.json.scalars.seeds, 5);
  assert.equal(three.json.params.seeds, 5, 'the export names every seed');
  assert.deepEqual(Object.keys(three.json.series).sort(), Object.keys(one.json.series).sort());
  assert.ok(three.json.series['useful.accuracy'], 'USEFUL trained in every shard');
  for (const [name, series] of Object.entries(one.json.series)) {
    const other = three.json.series[name];
    assert.deepEqual(other.x, series.x, name);
    series.y.forEach((y, i) => assert.ok(Math.abs(other.y[i] - y) <= 1e-9, `${name}[${i}]: ${other.y[i]} vs ${y}`));
  }
  for (const [name, value] of Object.entries(one.json.scalars)) assert.ok(Math.abs(three.json.scalars[name] - value) <= 1e-9, name);
  assert.deepEqual([...one.errors, ...three.errors], []);

  // A seed count out of range is clamped and said, as for a lab in one worker.
  const page = await browser.newPage();
  await page.addInitScript(() => Object.defineProperty(Navigator.prototype, 'hardwareConcurrency', { get: () => 3 }));
  await page.goto(`${BASE_URL}#lab=simplicity-bias&preset=useful&seeds=99&backend=flex`, { timeout: 120_000 });
  await page.waitForFunction(() => document.body.dataset.state === 'ready', null, { timeout: 120_000 });
  assert.match(await page.locator('.messages[role=alert]').textContent(), /seeds.*\[1, 16\]/);
  assert.equal(await page.evaluate(() => document.querySelector('phenomena-lab').handle.shards.reduce((n, s) => n + 1, 0)), 3);
  await page.close();
});

test('a race trains its runs in a worker per core and shows what one worker training every run shows', async () => {
  const open = async (cores, hash) => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.setDefaultTimeout(120_000);
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.addInitScript((k) => Object.defineProperty(Navigator.prototype, 'hardwareConcurrency', { get: () => k }), cores);
    await page.goto(`${BASE_URL}${hash}`, { timeout: 120_000 });
    await page.waitForFunction(() => document.body.dataset.state === 'ready');
    return { page, errors };
  };
  const exported = (page) =>
    page.evaluate(async () => {
      const el = document.querySelector('phenomena-lab');
      return { workers: el.handle.shards.length, engine: el.dataset.engine, json: JSON.parse(await el.handle.json()).snapshot, charts: el.handle.charts().map((c) => c.id) };
    });
  const race = '#lab=early-learning&preset=race&steps=60&backend=flex';
  const trained = async (cores) => {
    const { page, errors } = await open(cores, race);
    await page.click('button.play');
    await waitForStep(page, 60);
    const lab = await exported(page);
    return { ...lab, page, errors };
  };
  const one = await trained(1);
  const two = await trained(2);
  await one.page.close();
  assert.equal(one.workers, 1);
  // Multi-sample dropout (8 samples) in one worker, the four other runs in the other.
  assert.equal(two.workers, 2);
  assert.equal(two.engine, 'worker');
  assert.deepEqual(two.charts, one.charts);
  assert.deepEqual(Object.keys(two.json.series).sort(), Object.keys(one.json.series).sort());
  assert.ok(two.json.series['msd.test_accuracy'] && two.json.series['ce.test_accuracy']);
  assert.deepEqual(two.json.series, one.json.series, 'the same numbers, to the last digit');
  assert.deepEqual(two.json.scalars, one.json.scalars);
  assert.deepEqual(two.json.params, one.json.params);
  // CE and ELR alone on a linear model train in one worker; the second one is closed, and
  // started again with its share when a preset with a hidden layer comes.
  const workers = (page) => page.evaluate(() => document.querySelector('phenomena-lab').handle.shards.length);
  // A preset's run, once the lab has restarted with it (the lab fires `ready`).
  const pick = async (page, preset) => {
    const ready = page.evaluate(() => new Promise((r) => document.querySelector('phenomena-lab').addEventListener('ready', () => r(), { once: true })));
    await page.click(`button[data-preset="${preset}"]`);
    await ready;
  };
  await pick(two.page, 'linear');
  assert.equal(await workers(two.page), 1);
  await two.page.click('button.play');
  await waitForStep(two.page, 500);
  await pick(two.page, 'digits');
  assert.equal(await workers(two.page), 2);
  await pick(two.page, 'race');
  assert.equal(await workers(two.page), 2);
  await two.page.click('button.play');
  await waitForStep(two.page, 30);
  // A fork's base run and its branch train in one engine.
  const forked = await open(2, `${race}&fork=1&fork_step=20`);
  assert.equal(await workers(forked.page), 1);
  await forked.page.close();
  assert.deepEqual([...one.errors, ...two.errors, ...forked.errors], []);
  await two.page.close();
});

test('Play pressed as a finished run restarts with another preset plays the new run', async () => {
  const { page, errors } = await openLab(browser, '#lab=overoptimization&preset=dpo-drifts&steps=60');
  await page.evaluate(() => new Promise((resolve) => {
    const lab = document.querySelector('phenomena-lab');
    lab.addEventListener('finished', resolve, { once: true });
    lab.play();
  }));
  // Both clicks in one task: Play comes while the preset's restart is under way.
  await page.evaluate(() => {
    const root = document.querySelector('phenomena-lab').shadowRoot;
    root.querySelector('button[data-preset="rpo-home"]').click();
    root.querySelector('button.play').click();
  });
  await page.waitForFunction(() => {
    const lab = document.querySelector('phenomena-lab');
    return lab.status?.max_steps === 5000 && lab.status.step > 100;
  }, null, { timeout: 30_000 });
  const messages = await page.locator('phenomena-lab .message').allTextContents();
  assert.ok(!messages.some((m) => m.includes('finished')), messages.join(' | '));
  assert.deepEqual(errors, []);
  await page.close();
});

test('while a run trains, a chart off screen waits and is drawn as it scrolls into view', async () => {
  // A short window: the frozen-subspace lab's last chart lies far below it.
  const { page, errors } = await openLab(browser, '#lab=frozen-subspace&steps=20000', { viewport: { width: 1200, height: 700 } });
  const last = await page.evaluate(() => [...document.querySelector('phenomena-lab').charts.figures.keys()].at(-1));
  const offScreen = () => page.evaluate((id) => !document.querySelector('phenomena-lab').charts.onScreen.has(id), last);
  assert.ok(await offScreen(), 'the last chart starts off screen');
  const before = await canvasPixels(page, last);
  await page.click('button.play');
  await waitForStep(page, 300);
  assert.ok(await offScreen());
  assert.equal(await canvasPixels(page, last), before, 'not redrawn while off screen');
  await page.locator(`figure[data-chart="${last}"]`).scrollIntoViewIfNeeded();
  await page.waitForFunction((id) => document.querySelector('phenomena-lab').charts.onScreen.has(id), last);
  await page.waitForFunction(
    ([id, was]) => document.querySelector('phenomena-lab').shadowRoot.querySelector(`figure[data-chart="${id}"] canvas`).toDataURL() !== was,
    [last, before],
  );
  await page.click('button.play');
  assert.deepEqual(errors, []);
  await page.close();
});

test('the timeline scrubs back along the charts\' log axis, and Play returns to the live run', async () => {
  const { page, errors } = await openLab(browser, '#lab=overoptimization&steps=2000');
  await page.click('button.play');
  await waitForStep(page, 2000);
  const live = await page.locator('figure[data-chart="ood"] .sr-only').textContent();
  const slider = page.locator('input.timeline');
  const viewing = () => page.evaluate(() => Number(document.querySelector('phenomena-lab').dataset.viewing ?? -1));
  // Half-way along a log(1 + step) axis from 0 to 2 000 is step ≈ 44; a slider by recorded
  // frame put half its length on the last few hundred steps.
  await slider.fill('500');
  await page.waitForFunction(() => document.querySelector('phenomena-lab').dataset.viewing !== undefined);
  const middle = await viewing();
  assert.ok(middle >= 20 && middle <= 100, `half-way shows step ${middle}`);
  assert.match(await page.locator('.readout').textContent(), /^viewing step/);
  const past = await page.locator('figure[data-chart="ood"] .sr-only').textContent();
  assert.notEqual(past, live, 'an earlier step shows other values');
  await slider.fill('100');
  // The worker answers the scrub asynchronously: wait for the view to move, then check it.
  await page
    .waitForFunction((m) => Number(document.querySelector('phenomena-lab').dataset.viewing) !== m, middle, { timeout: 10_000 })
    .catch(() => {});
  assert.ok((await viewing()) < middle, 'further left is earlier');
  await page.click('button.play');
  await page.waitForFunction(() => document.querySelector('phenomena-lab').dataset.viewing === undefined);
  assert.deepEqual(errors, []);
  await page.close();
});

test('while any lab trains on the CPU, no main-thread task takes over 50 ms', async () => {
  // Every lab of the registry, as the gallery lists it.
  const catalog = await (await fetch(new URL('www/catalog.json', BASE_URL))).json();
  assert.ok(catalog.length >= 4);
  for (const { id } of catalog) {
    const { page, errors } = await openLab(browser, `#lab=${id}&backend=flex&steps=20000`);
    await page.evaluate(() => {
      window.longTasks = [];
      // The browser reports every task over 50 ms as a "longtask" entry.
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) window.longTasks.push(Math.round(e.duration));
      }).observe({ type: 'longtask' });
    });
    await page.click('button.play');
    // The first frames size the work per frame; watch the three seconds after them.
    await page.waitForTimeout(500);
    const stepBefore = Number(await page.evaluate(() => document.querySelector('phenomena-lab').dataset.step));
    await page.evaluate(() => (window.longTasks = []));
    await page.waitForTimeout(3000);
    const longTasks = await page.evaluate(() => window.longTasks);
    const stepAfter = Number(await page.evaluate(() => document.querySelector('phenomena-lab').dataset.step));
    assert.ok(stepAfter > stepBefore, `${id} trained during the check`);
    assert.deepEqual(longTasks, [], `${id}: tasks over 50 ms (ms)`);
    assert.deepEqual(errors, []);
    await page.close();
  }
});
