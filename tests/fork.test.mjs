// Fork a run: "Fork here" branches the paused run at the step on screen, the link keeps the
// preset and says how to replay the fork, the export carries the branch from its fork point,
// and "Remove fork" takes it back; a link, a course page's <phenomena-lab> and the iframe
// replay a fork too, and a malformed fork in a link leaves a working lab with a message.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL, openLab, waitForStep, suiteBrowser, engineStarted } from './support/browser.mjs';

const browser = suiteBrowser();

const step = (lab) => lab.evaluate((node) => Number(node.dataset.step ?? 0));
/** The lab's current snapshot, as its JSON export has it. */
const snapshot = (lab) => lab.evaluate(async (node) => JSON.parse(await node.handle.json()).snapshot);
const last = (series) => series.y[series.y.length - 1];
const hashOf = (page) => new URLSearchParams(new URL(page.url()).hash.slice(1));
/** Resolves with the detail of the lab's next `name` event. */
const nextEvent = (lab, name) => lab.evaluate((node, n) => new Promise((resolve) => node.addEventListener(n, (e) => resolve(e.detail), { once: true })), name);

test('Fork here branches the paused run, keeps the preset in the link, and Remove fork takes it back', async () => {
  const { page, errors } = await openLab(browser, '#lab=early-learning&preset=linear&backend=flex');
  const lab = page.locator('phenomena-lab');
  await engineStarted(page);
  const forkHere = lab.locator('button.fork-here');
  assert.ok(await forkHere.isDisabled(), 'nothing to fork before the first step');

  await lab.locator('button.play').click();
  await waitForStep(page, 120);
  await lab.locator('button.play').click();
  await page.waitForTimeout(300);
  const k = await step(lab);
  assert.ok(k >= 120 && k < 500, `paused at ${k}`);
  assert.ok(await forkHere.isEnabled());
  assert.equal(await forkHere.textContent(), `Fork here (step ${k})`);

  await lab.locator('.fork-bar select').selectOption({ label: 'CE → ELR' });
  assert.ok(await lab.locator('.fork-value[data-param=fork_lr]').isHidden(), 'a method fork asks no learning rate');
  const forked = nextEvent(lab, 'fork');
  await forkHere.click();
  const detail = await forked;
  assert.equal(detail.step, k);
  assert.equal(detail.label, `CE → ELR from step ${k}`);
  assert.equal(await step(lab), k, 'replayed to the fork and paused there');
  const hash = hashOf(page);
  assert.equal(hash.get('preset'), 'linear', 'a fork keeps the preset and its caption');
  assert.equal(hash.get('fork'), '1');
  assert.equal(hash.get('fork_step'), String(k));
  assert.match(await lab.locator('.fork-current').textContent(), new RegExp(`CE → ELR from step ${k}`));

  // The branch starts at the fork point, where it is CE: as a run that ends at step k has it
  // (the runs beside a fork record on their own schedule, which may skip step k).
  let snap = await snapshot(lab);
  assert.equal(snap.params.fork, 1);
  assert.equal(snap.series['fork.memorized'].x[0], k);
  const reference = await openLab(browser, `#lab=early-learning&preset=linear&steps=${k}&backend=flex`);
  await engineStarted(reference.page);
  await reference.page.locator('phenomena-lab button.play').click();
  await waitForStep(reference.page, k);
  const ceAtK = last((await snapshot(reference.page.locator('phenomena-lab'))).series['ce.memorized']);
  await reference.page.close();
  assert.equal(snap.series['fork.memorized'].y[0], ceAtK);

  // Trained on, ELR's targets pull the forked predictions back from the wrong labels.
  await lab.locator('button.play').click();
  await waitForStep(page, 500);
  snap = await snapshot(lab);
  const ce = last(snap.series['ce.memorized']);
  const fork = last(snap.series['fork.memorized']);
  assert.ok(fork < ce - 0.3, `fork ends at ${fork}, CE at ${ce}`);

  await lab.locator('button.fork-remove').click();
  await page.waitForFunction(() => new URLSearchParams(location.hash.slice(1)).get('fork') === '0');
  await waitForStep(page, 500);
  snap = await snapshot(lab);
  assert.ok(!('fork.memorized' in snap.series), 'the fork is gone');
  assert.equal(last(snap.series['ce.memorized']), ce, 'the run is the one it was');
  assert.ok(await lab.locator('button.fork-remove').isHidden());
  assert.deepEqual(errors, []);
});

test('a new-learning-rate fork asks its rate, and a link replays a fork under its preset', async () => {
  const { page, errors } = await openLab(browser, '#lab=overoptimization&preset=dpo-drifts&fork=1&fork_step=800&backend=flex');
  const lab = page.locator('phenomena-lab');
  await engineStarted(page);
  assert.equal(hashOf(page).get('preset'), 'dpo-drifts');
  assert.equal(await lab.locator('button.preset[aria-pressed=true]').getAttribute('data-preset'), 'dpo-drifts');
  await lab.locator('.fork-bar select').selectOption({ label: 'DPO, new learning rate' });
  const forkLr = lab.locator('.fork-value[data-param=fork_lr] input');
  assert.ok(await forkLr.isVisible());
  const lr = await lab.evaluate((node) => node.status.params.lr);
  assert.equal(Number(await forkLr.inputValue()), lr, 'a new learning rate starts at the run\'s own');
  await lab.locator('.fork-bar select').selectOption({ label: 'DPO → RPO' });

  await lab.locator('button.play').click();
  await page.waitForFunction(() => {
    const node = document.querySelector('phenomena-lab');
    return node.status && node.status.step >= node.status.max_steps;
  });
  const snap = await snapshot(lab);
  // DPO has collapsed by step 800; forked to RPO there, the policy comes back.
  assert.equal(snap.series['fork.gold'].x[0], 800);
  assert.ok(last(snap.series['dpo.gold']) < 0.2);
  assert.ok(last(snap.series['fork.gold']) > 1.5, `fork ends at ${last(snap.series['fork.gold'])}`);
  assert.deepEqual(errors, []);
});

test('a weight-decay fork asks its γ, refuses a wild one, and empties the frozen subspace', async () => {
  const { page, errors } = await openLab(browser, '#lab=frozen-subspace&preset=frozen&steps=400&backend=flex');
  const lab = page.locator('phenomena-lab');
  await engineStarted(page);
  for (let i = 0; i < 2; i++) await lab.locator('button.step').click();
  await page.waitForFunction(() => Number(document.querySelector('phenomena-lab').dataset.step) === 2);
  await lab.locator('.fork-bar select').selectOption({ label: 'linear student, weight decay on' });
  const gamma = lab.locator('.fork-value[data-param=fork_decay] input');
  assert.ok(await gamma.isVisible());
  assert.ok(await lab.locator('.fork-value[data-param=fork_lr]').isHidden());
  await gamma.fill('50');
  await lab.locator('button.fork-here').click();
  await page.waitForFunction(() => document.querySelector('phenomena-lab').shadowRoot.querySelector('.messages').textContent.includes('weight decay'));
  assert.equal(hashOf(page).get('fork'), '0', 'a refused value forks nothing');

  await gamma.fill('0.5');
  const forked = nextEvent(lab, 'fork');
  await lab.locator('button.fork-here').click();
  assert.equal((await forked).label, 'linear student, weight decay on (0.5) from step 2');
  await lab.locator('button.play').click();
  await waitForStep(page, 400);
  const snap = await snapshot(lab);
  const frozen = last(snap.series['linear.null_norm']);
  assert.ok(frozen > 1, 'gradient descent leaves the null space alone');
  assert.ok(last(snap.series['fork.null_norm']) < 0.01 * frozen, 'weight decay empties it');
  assert.deepEqual(errors, []);
});

test('a malformed fork in a link is reported and the lab still trains', async () => {
  const { page, errors } = await openLab(browser, '#lab=early-learning&preset=linear&fork=9&fork_step=oops&backend=flex');
  const lab = page.locator('phenomena-lab');
  await engineStarted(page);
  const text = await lab.locator('.messages').first().textContent();
  assert.match(text, /fork/);
  await lab.locator('button.play').click();
  await waitForStep(page, 20);
  assert.deepEqual(errors, []);
});

test('a course page sets a fork on <phenomena-lab>, and the iframe forks and tells its host', async () => {
  const page = await browser.newPage({ viewport: { width: 1300, height: 1000 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${BASE_URL}tests/fixtures/fork.html`, { waitUntil: 'domcontentloaded' });

  const element = page.locator('#element');
  await page.waitForFunction(() => document.getElementById('element').dataset.step !== undefined, null, { timeout: 120_000 });
  await element.locator('button.play').click();
  await page.waitForFunction(() => {
    const node = document.getElementById('element');
    return node.status && node.status.step >= node.status.max_steps;
  }, null, { timeout: 120_000 });
  const snap = await snapshot(element);
  assert.equal(snap.series['fork.gold'].x[0], 800);
  assert.ok(last(snap.series['fork.gold']) > 1.5);
  // The page fixed the fork: its students cannot move or remove it.
  assert.ok(await element.locator('button.fork-here').isDisabled());
  assert.ok(await element.locator('button.fork-remove').isHidden());
  assert.match(await element.locator('.fork-current').textContent(), /DPO → RPO from step 800/);

  const frame = page.frameLocator('#frame').locator('phenomena-lab');
  await frame.locator('button.step').waitFor();
  await page.frames()[1].waitForFunction(() => document.querySelector('phenomena-lab')?.dataset.step !== undefined, null, { timeout: 120_000 });
  for (let i = 0; i < 3; i++) {
    await frame.locator('button.step').click();
    await page.frames()[1].waitForFunction((n) => Number(document.querySelector('phenomena-lab').dataset.step) === n, i + 1);
  }
  await frame.locator('.fork-bar select').selectOption({ label: 'CE → ELR' });
  await frame.locator('button.fork-here').click();
  await page.waitForFunction(() => window.frameEvents.some((e) => e.event === 'forked'));
  const message = await page.evaluate(() => window.frameEvents.find((e) => e.event === 'forked'));
  assert.equal(message.step, 3);
  assert.equal(message.label, 'CE → ELR from step 3');
  assert.equal(message.params.fork_step, 3);
  const framed = await snapshot(frame);
  assert.equal(framed.series['fork.memorized'].x[0], 3);
  assert.deepEqual(errors, []);
  await page.close();
});
