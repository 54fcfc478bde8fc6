// Predict, then reveal: with the quiz on, a preset asks its question before Play, keeps its
// caption back, and at the run's last step says what the run answered, with its numbers; on
// the playground (a switch kept in the link), in <phenomena-lab quiz> and in the iframe, whose
// host page hears the guess and the outcome. Custom settings have no question, and say so.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL, openLab, waitForStep, suiteBrowser } from './support/browser.mjs';

const browser = suiteBrowser();

const step = (lab) => lab.evaluate((node) => Number(node.dataset.step ?? 0));

test('the playground asks before Play, holds the caption back, and reveals what the run answered', async () => {
  const { page, errors } = await openLab(browser, '#lab=overoptimization&preset=dpo-drifts&quiz=on');
  const lab = page.locator('phenomena-lab');
  const quiz = lab.locator('section.quiz');
  await quiz.locator('legend').waitFor();
  assert.match(await quiz.locator('legend').textContent(), /Where will\s+its gold reward/);
  assert.equal(await quiz.locator('input[type=radio]').count(), 3);
  assert.ok(await lab.locator('.preset-caption').isHidden(), 'the caption would give the answer away');
  assert.ok(await lab.locator('.quiz-switch input').isChecked());

  // Play waits for a guess, and says so.
  await lab.locator('button.play').click();
  await page.waitForTimeout(300);
  assert.equal(await step(lab), 0);
  assert.match(await quiz.locator('.quiz-note').textContent(), /Choose an answer first/);
  await quiz.locator('button.lock').click();
  assert.equal(await step(lab), 0, 'locking in nothing starts nothing');

  await quiz.getByLabel('near zero (under a quarter of its start)').check();
  await quiz.locator('button.lock').click();
  assert.equal(await quiz.getAttribute('data-state'), 'answered');
  assert.match(await quiz.textContent(), /Your guess: near zero \(under a quarter of its start\)/);
  await page.waitForFunction(() => document.querySelector('phenomena-lab').shadowRoot.querySelector('section.quiz').dataset.state === 'revealed', null, { timeout: 120_000 });
  const outcome = await quiz.locator('.outcome').textContent();
  assert.match(outcome, /^Right\. What happened: near zero \(under a quarter of its start\) — DPO's gold reward was 0\.99 at the start, peaked at 1\.58 at step \d+, and ended at 0(\.\d+)?\.$/);
  assert.ok(await lab.locator('.preset-caption').isVisible(), 'the caption comes with the answer');
  const record = await lab.evaluate((node) => node.quiz.record);
  assert.equal(record.guess, 2);
  assert.equal(record.choice, 2);
  assert.equal(record.right, true);
  assert.match(page.url(), /quiz=on/);

  // Reset keeps the guess and takes the answer back until the run ends again.
  await lab.locator('button.reset').click();
  await page.waitForFunction(() => document.querySelector('phenomena-lab').shadowRoot.querySelector('section.quiz').dataset.state === 'answered');
  assert.ok(await lab.locator('.preset-caption').isHidden());

  // The switch off: no question, the caption back, and the link says so.
  await lab.locator('.quiz-switch input').uncheck();
  assert.ok(await quiz.isHidden());
  assert.ok(await lab.locator('.preset-caption').isVisible());
  assert.doesNotMatch(page.url(), /quiz=/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a wrong guess is told as such, and custom settings say they have no question', async () => {
  const { page, errors } = await openLab(browser, '#lab=early-learning&preset=linear&quiz');
  const lab = page.locator('phenomena-lab');
  const quiz = lab.locator('section.quiz');
  await quiz.getByLabel('between 35 % and 65 %').check();
  await quiz.locator('button.lock').click();
  await page.waitForFunction(() => document.querySelector('phenomena-lab').shadowRoot.querySelector('section.quiz').dataset.state === 'revealed', null, { timeout: 120_000 });
  assert.match(await quiz.locator('.outcome').textContent(), /^Not this time\. What happened: over 90 %: it memorizes them — CE predicted the flipped label for 100 % of them/);

  assert.deepEqual(errors, []);
  await page.close();

  // A changed parameter leaves the preset: the quiz has nothing to ask, and Play trains.
  const custom = await openLab(browser, '#lab=early-learning&noise=0.3&quiz=on');
  const customQuiz = custom.page.locator('phenomena-lab section.quiz');
  await customQuiz.waitFor();
  assert.equal(await customQuiz.getAttribute('data-state'), 'none');
  assert.match(await customQuiz.textContent(), /Questions belong to presets, and these are custom settings/);
  await custom.page.locator('phenomena-lab button.play').click();
  await waitForStep(custom.page, 5);
  assert.deepEqual(custom.errors, []);
  await custom.page.close();
});

test('<phenomena-lab quiz> and the iframe ask too, and the iframe tells its host the guess and the outcome', async () => {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  page.setDefaultTimeout(120_000);
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${BASE_URL}tests/fixtures/quiz.html`, { waitUntil: 'domcontentloaded' });

  const element = page.locator('#element');
  const quiz = element.locator('section.quiz');
  await quiz.getByLabel('over 90 %: it memorizes them').check();
  await quiz.locator('button.lock').click();
  await page.waitForFunction(() => document.getElementById('element').shadowRoot.querySelector('section.quiz').dataset.state === 'revealed', null, { timeout: 120_000 });
  assert.match(await quiz.locator('.outcome').textContent(), /^Right\./);
  assert.equal(await element.locator('.quiz-switch').count(), 0, 'the embed has no switch: its page decides');

  const frame = page.frameLocator('#frame').locator('phenomena-lab');
  const frameQuiz = frame.locator('section.quiz');
  await frameQuiz.getByLabel('clearly above its start (by over 20 %)').check();
  await frameQuiz.locator('button.lock').click();
  await page.waitForFunction(() => window.frameEvents.some((e) => e.event === 'revealed'), null, { timeout: 120_000 });
  const events = await page.evaluate(() => window.frameEvents.filter((e) => ['answered', 'revealed'].includes(e.event)));
  assert.equal(events[0].event, 'answered');
  assert.equal(events[0].preset, 'dpo-drifts');
  assert.equal(events[0].answer, 'clearly above its start (by over 20 %)');
  assert.equal(events[0].guess, 0);
  const revealed = events.find((e) => e.event === 'revealed');
  assert.equal(revealed.right, false);
  assert.equal(revealed.outcome, 'near zero (under a quarter of its start)');
  assert.match(revealed.evidence, /DPO's gold reward was 0\.99 at the start/);
  assert.match(await frameQuiz.locator('.outcome').textContent(), /^Not this time\./);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a guessed run that ends while the quiz is off reveals when it is back on; fixed values that change the preset ask nothing', async () => {
  const { page, errors } = await openLab(browser, '#lab=early-learning&preset=linear&quiz=on');
  const lab = page.locator('phenomena-lab');
  const quiz = lab.locator('section.quiz');
  await quiz.getByLabel('over 90 %: it memorizes them').check();
  await quiz.locator('button.lock').click();
  await lab.locator('.quiz-switch input').uncheck();
  await waitForStep(page, 500);
  assert.ok(await quiz.isHidden());
  await lab.locator('.quiz-switch input').check();
  await page.waitForFunction(() => document.querySelector('phenomena-lab').shadowRoot.querySelector('section.quiz').dataset.state === 'revealed', null, { timeout: 60_000 });
  assert.match(await quiz.locator('.outcome').textContent(), /^Right\./);
  assert.deepEqual(errors, []);
  await page.close();

  // An embed that fixes the number of steps runs another run than the preset's.
  const frame = await browser.newPage();
  await frame.goto(`${BASE_URL}embed.html#lab=early-learning&preset=linear&steps=40&quiz`);
  const frameQuiz = frame.locator('phenomena-lab section.quiz');
  await frameQuiz.waitFor();
  assert.equal(await frameQuiz.getAttribute('data-state'), 'none');
  await frame.waitForFunction(() => document.querySelector('phenomena-lab')?.dataset.step !== undefined);
  await frame.locator('phenomena-lab button.play').click();
  await waitForStep(frame, 40);
  await frame.close();
});
