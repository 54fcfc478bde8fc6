// Your own points: on the 2-D blobs a click on a decision-region chart adds a training point of
// the chosen class, a shift-click gives a training point the next class, Undo and Clear take
// edits back; the link and the exports carry the set, a link replays it, a malformed one leaves
// a working lab with a message, and a course page's fixed points cannot be edited.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL, openLab, suiteBrowser, engineStarted } from './support/browser.mjs';

const browser = suiteBrowser();

const hashOf = (page) => new URLSearchParams(new URL(page.url()).hash.slice(1));
/** What the lab counted of the points it trains on: [added, relabelled]. */
const counts = (lab) => lab.evaluate((node) => [node.status?.scalars?.['drawn.added'], node.status?.scalars?.['drawn.relabelled']]);
const waitForCounts = (page, added, relabelled) => page.waitForFunction(([a, r]) => {
  const s = document.querySelector('phenomena-lab')?.status?.scalars;
  return s?.['drawn.added'] === a && s?.['drawn.relabelled'] === r;
}, [added, relabelled]);

/** Clicks chart `id` at data coordinates (x, y), with Shift held when `shift`. */
async function clickAt(page, lab, id, x, y, shift = false) {
  const at = await lab.evaluate((node, [id, x, y]) => {
    const canvas = node.charts.figures.get(id).canvas;
    canvas.scrollIntoView({ block: 'center' });
    const f = node.charts.frames[id];
    const r = canvas.getBoundingClientRect();
    const px = f.left + ((x - f.x[0]) / (f.x[1] - f.x[0])) * (f.right - f.left);
    const py = f.bottom - ((y - f.y[0]) / (f.y[1] - f.y[0])) * (f.bottom - f.top);
    return { x: r.left + (px * r.width) / canvas.width, y: r.top + (py * r.height) / canvas.height };
  }, [id, x, y]);
  if (shift) await page.keyboard.down('Shift');
  await page.mouse.click(at.x, at.y);
  if (shift) await page.keyboard.up('Shift');
}

test('clicks add and relabel points, the link and the export carry them, Undo and Clear take them back', async () => {
  const { page, errors } = await openLab(browser, '#lab=early-learning&preset=boundary&backend=flex');
  const lab = page.locator('phenomena-lab');
  await engineStarted(page);
  const bar = lab.locator('.points-bar');
  assert.ok(await bar.isVisible(), 'the 2-D set offers your own points');
  assert.equal(await bar.locator('.points-count').textContent(), 'None yet.');
  assert.equal(await bar.locator('.points-class').count(), 4, 'one class per blob');

  // A point of class 3 in the middle of class 1's blob (its centre is at (2, 0)).
  await bar.locator('.points-class input').nth(2).check();
  await clickAt(page, lab, 'boundary-ce', 2, 0);
  await waitForCounts(page, 1, 0);
  await page.waitForFunction(() => location.hash.includes('points='));
  assert.equal(hashOf(page).get('preset'), null, 'the preset\'s caption is about its own data');
  assert.match(await bar.locator('.points-count').textContent(), /1 added/);
  const json = JSON.parse(await lab.evaluate((node) => node.handle.json())).snapshot;
  assert.equal(json.params.points, hashOf(page).get('points'));
  assert.equal(json.scalars.train_examples, 301);
  const csv = await lab.evaluate((node) => node.handle.csv());
  assert.ok(csv.split('\n')[0].includes(`points=${json.params.points}`), 'the CSV header names the points');
  // It trains, and its ring says its label is not its blob's.
  const before = json.scalars.mislabeled;

  // Shift-click on the new point: its class moves on to 4, still mislabeled.
  const added = json.params.points;
  await clickAt(page, lab, 'boundary-ce', 2, 0, true);
  await page.waitForFunction((p) => !location.hash.includes(`points=${p}`), added);
  assert.deepEqual(await counts(lab), [1, 0]);
  const moved = hashOf(page).get('points');
  // Shift-click on a generated training point: it gets the next class.
  const generated = await lab.evaluate((node) => node.handle.chartSpec('boundary-ce').series.find((s) => 'Dots' in s.mark && s.points.length).points[0]);
  await clickAt(page, lab, 'boundary-elr', generated[0], generated[1], true);
  await waitForCounts(page, 1, 1);
  const after = JSON.parse(await lab.evaluate((node) => node.handle.json())).snapshot.scalars.mislabeled;
  assert.ok(Math.abs(after - before) === 1, `relabelling one point changes the mislabeled count by one (${before} → ${after})`);

  // Undo takes back the edits in the order they were made: the relabel, then the new class.
  const undo = bar.locator('button.points-undo');
  await undo.click();
  await waitForCounts(page, 1, 0);
  assert.equal(hashOf(page).get('points'), moved);
  await undo.click();
  await page.waitForFunction((p) => new URLSearchParams(location.hash.slice(1)).get('points') === p, added);
  // A typed point out of the chart is refused; Clear empties the set.
  await bar.locator('.points-at input').first().fill('9');
  await bar.locator('button.points-add').click();
  await lab.locator('.messages', { hasText: 'from −3.6 to 3.6' }).waitFor();
  // Enter in a coordinate adds the point, as Add does.
  await bar.locator('.points-at input').first().fill('-2');
  await bar.locator('.points-at input').first().press('Enter');
  await waitForCounts(page, 2, 0);
  // Your points are boxed on every decision-region chart.
  const boxed = await lab.evaluate((node) => node.handle.chartSpec('boundary-elr').series.find((s) => s.name === 'your point')?.points.length);
  assert.equal(boxed, 2);
  await lab.locator('button.play').click();
  await page.waitForFunction(() => Number(document.querySelector('phenomena-lab').dataset.step) >= 30);
  await bar.locator('button.points-clear').click();
  await waitForCounts(page, 0, 0);
  assert.equal(hashOf(page).get('points'), null);
  // Play goes on after an edit.
  await page.waitForFunction(() => Number(document.querySelector('phenomena-lab').dataset.step) >= 5);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a link replays your points; a malformed set is reported and the lab still trains', async () => {
  const points = 'xn8CzYYCvngCxooC0HgC';
  const { page, errors } = await openLab(browser, `#lab=early-learning&dataset=1&classes=4&noise=0&hidden=256&optimizer=1&lr=0.01&points=${points}&backend=flex`);
  const lab = page.locator('phenomena-lab');
  await engineStarted(page);
  assert.deepEqual(await counts(lab), [5, 0]);
  assert.equal(JSON.parse(await lab.evaluate((node) => node.handle.json())).snapshot.scalars.mislabeled, 5);
  await page.close();

  const bad = await openLab(browser, '#lab=early-learning&preset=boundary&points=ab!d&backend=flex');
  const badLab = bad.page.locator('phenomena-lab');
  await engineStarted(bad.page);
  await badLab.locator('.messages', { hasText: 'your points' }).waitFor();
  assert.deepEqual(await counts(badLab), [0, 0]);
  await badLab.locator('button.step').click();
  await bad.page.waitForFunction(() => Number(document.querySelector('phenomena-lab').dataset.step) >= 1);
  assert.deepEqual([...errors, ...bad.errors], []);
  await bad.page.close();
});

test('a course page fixes its points on <phenomena-lab>; in the iframe a typed point is added and posted to the host', async () => {
  const page = await browser.newPage({ viewport: { width: 1200, height: 1000 } });
  page.setDefaultTimeout(120_000);
  await page.goto(`${BASE_URL}tests/fixtures/points.html`, { waitUntil: 'domcontentloaded' });
  const lab = page.locator('#element');
  await page.waitForFunction(() => document.getElementById('element')?.status?.scalars?.['drawn.added'] === 5, null, { timeout: 120_000 });
  const bar = lab.locator('.points-bar');
  assert.match(await bar.locator('.points-count').textContent(), /5 added/);
  assert.ok(await bar.locator('.points-editing').isHidden());
  assert.equal(await lab.evaluate((node) => node.hasAttribute('data-points')), false);
  await clickAt(page, lab, 'boundary-ce', -2, 0);
  // An edit would have begun at once (the set in the lab's state, the lab busy): none did.
  assert.deepEqual(await lab.evaluate((node) => [node.state.params.points, node.busy]), ['xn8CzYYCvngCxooC0HgC', false]);
  assert.deepEqual(await counts(lab), [5, 0]);

  // A course page that hides the bar gets no editing either.
  const hidden = page.locator('#hidden');
  await page.waitForFunction(() => document.getElementById('hidden')?.status?.params?.dataset === 1);
  assert.ok(await hidden.locator('.points-bar').isHidden());
  assert.equal(await hidden.evaluate((node) => node.hasAttribute('data-points')), false);
  // Its data set is fixed: a preset of another data set runs on the blobs, and says so.
  await hidden.locator('button.preset[data-preset=digits]').click();
  await hidden.locator('.messages', { hasText: 'This page fixes data set (2-D blobs), so "digits with 40 % noise" runs with it' }).waitFor();
  assert.equal(await hidden.evaluate((node) => node.state.params.dataset), 1);

  const frame = page.frameLocator('#frame').locator('phenomena-lab');
  await page.frames()[1].waitForFunction(() => document.querySelector('phenomena-lab')?.dataset.step !== undefined, null, { timeout: 120_000 });
  const frameBar = frame.locator('.points-bar');
  await frameBar.locator('.points-at input').nth(0).fill('0');
  await frameBar.locator('.points-at input').nth(1).fill('-2');
  await frameBar.locator('button.points-add').click();
  await page.waitForFunction(() => window.frameEvents.some((e) => e.event === 'points'));
  const message = await page.evaluate(() => window.frameEvents.find((e) => e.event === 'points'));
  assert.equal(message.added, 1);
  assert.equal(message.points.length, 4);
  await page.close();
});
