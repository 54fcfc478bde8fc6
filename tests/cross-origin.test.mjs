// A course page on another origin, as a teacher's site is: the playground is served by
// `cargo xtask serve` on one loopback port, the course page by a server of its own on another,
// under a strict Content-Security-Policy that names the playground. The page uses the README's
// snippet as written: two <phenomena-lab> elements and one iframe driven by postMessage.
// A second copy of the playground served without CORS headers must explain itself.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BASE_URL, launch } from './support/browser.mjs';
import { servePages, serveDirectory } from './support/servers.mjs';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const playground = new URL(BASE_URL).origin;

/** The course page's own script: it starts the frame once the frame says it is ready. */
const COURSE_SCRIPT = `
const frame = document.getElementById('frame');
const events = [];
window.addEventListener('message', (e) => {
  if (e.source !== frame.contentWindow || e.data?.type !== 'phenomena') return;
  events.push(e.data.event);
  document.body.dataset.frameEvents = events.join(' ');
  if (e.data.event === 'ready') frame.contentWindow.postMessage({ type: 'phenomena', command: 'play' }, '*');
});
`;

function coursePage(host) {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Course notes</title><link rel="icon" href="data:,">
<script src="${host}/www/phenomena.js" defer></script>
<script src="/course.js" defer></script>
<style>
  body { font-family: serif; max-width: 900px; margin: 0 auto; } button { text-transform: uppercase; }
  /* A rule that matches the <phenomena-lab> element itself, which inheritance carries inside. */
  * { letter-spacing: 0.2em; color: #600; background-color: #fffbe6; }
</style>
</head><body>
<h1>Week 7</h1>
<phenomena-lab id="dpo" lab="overoptimization" preset="dpo-drifts" controls="eta,steps" params="steps=60" hide="notes" autoplay></phenomena-lab>
<phenomena-lab id="frozen" lab="frozen-subspace" preset="frozen" params="steps=150" hide="controls,notes"></phenomena-lab>
<iframe id="frame" title="Early learning" style="width: 100%; height: 700px; border: 0"
  src="${host}/embed.html#lab=early-learning&amp;preset=linear&amp;steps=40&amp;hide=notes"></iframe>
</body></html>`;
}

// What docs/embedding.md asks of a course page's policy: the playground in script-src, and
// blob: and the playground in worker-src for the labs' workers (a module worker's imports are
// fetched as worker scripts).
const policy = (host, worker = `worker-src blob: ${host}; `) => `script-src 'self' ${host} 'wasm-unsafe-eval'; ${worker}object-src 'none'`;

let browser;
const servers = [];
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await Promise.all(servers.map((s) => s.close()));
});

async function openCoursePage(host, csp = policy(host)) {
  const course = await servePages(
    { '/': { body: coursePage(host) }, '/course.js': { body: COURSE_SCRIPT, type: 'text/javascript' } },
    { 'Content-Security-Policy': csp },
  );
  servers.push(course);
  assert.notEqual(course.origin, host, 'the course page is on another origin');
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  page.setDefaultTimeout(120_000);
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await page.goto(course.url, { waitUntil: 'domcontentloaded', timeout: 120_000 });
  return { page, errors };
}

const stepOf = (page, id) => page.evaluate((id) => Number(document.getElementById(id).dataset.step ?? -1), id);

test('a course page on another origin embeds two labs and a frame from the playground', async () => {
  const { page, errors } = await openCoursePage(playground);
  const dpo = page.locator('#dpo');
  const frozen = page.locator('#frozen');
  // Each element draws its first chart inside its own shadow root.
  await dpo.locator('figure.chart canvas').first().waitFor();
  await frozen.locator('figure.chart canvas').first().waitFor();
  // The first autoplays; the second trains when its own Play is pressed.
  await page.waitForFunction(() => Number(document.getElementById('dpo').dataset.step) >= 60);
  await frozen.scrollIntoViewIfNeeded();
  await frozen.locator('button.play').click();
  await page.waitForFunction(() => Number(document.getElementById('frozen').dataset.step) > 20);
  // Hidden controls, and a parameter the page fixed shows locked.
  assert.equal(await dpo.locator('.control').count(), 2);
  assert.equal(await dpo.locator('.control[data-param="steps"] input[type=number]').isDisabled(), true);
  assert.equal(await frozen.locator('.controls').isHidden(), true);
  // The course page's CSS does not reach inside.
  assert.equal(await dpo.locator('button.play').evaluate((b) => getComputedStyle(b).textTransform), 'none');
  const look = await dpo.locator('.lab-title').evaluate((h) => {
    const s = getComputedStyle(h);
    return { spacing: s.letterSpacing, color: s.color, background: getComputedStyle(h.closest('.lab-root')).backgroundColor };
  });
  assert.deepEqual(look, { spacing: 'normal', color: 'rgb(29, 34, 40)', background: 'rgb(246, 247, 249)' });
  // The frame reports ready, takes "play" from the course page's script and reports steps.
  await page.locator('#frame').scrollIntoViewIfNeeded();
  await page.waitForFunction(() => /\bstep\b/.test(document.body.dataset.frameEvents ?? ''));
  // Its 40 steps done, the frame says so.
  await page.waitForFunction(() => /\bfinished\b/.test(document.body.dataset.frameEvents ?? ''));
  assert.match(await page.evaluate(() => document.body.dataset.frameEvents), /^ready/);
  assert.ok((await stepOf(page, 'dpo')) >= 60);
  // Each lab trains in a worker of its own, started from a blob: URL on the course page.
  assert.deepEqual(await page.evaluate(() => ['dpo', 'frozen'].map((id) => document.getElementById(id).dataset.engine)), ['worker', 'worker']);
  mkdirSync('target/screenshots', { recursive: true });
  await page.screenshot({ path: 'target/screenshots/cross-origin-course-page.png', fullPage: true });
  assert.deepEqual(errors, [], 'no console errors, no CSP violation');
  await page.close();
});

test('a course page whose policy allows no worker trains its labs on the main thread, with a note', async () => {
  const { page, errors } = await openCoursePage(playground, policy(playground, ''));
  await page.waitForFunction(() => Number(document.getElementById('dpo').dataset.step) >= 60);
  assert.equal(await page.evaluate(() => document.getElementById('dpo').dataset.engine), 'page');
  const note = await page.locator('#dpo .messages[role=alert]').textContent();
  assert.match(note, /trains on the page's main thread/);
  assert.match(note, /worker-src/);
  // The browser reports the blocked worker itself; nothing else goes wrong.
  assert.deepEqual(errors.filter((e) => !/Creating a worker from 'blob:/.test(e)), []);
  await page.close();
});

test('a host that sends no CORS headers gets a one-line explanation, not a blank lab', async () => {
  const corsless = await serveDirectory(REPO);
  servers.push(corsless);
  const { page } = await openCoursePage(corsless.origin);
  for (const id of ['#dpo', '#frozen']) {
    const alert = page.locator(`${id} [role=alert]`);
    await alert.waitFor({ timeout: 60_000 });
    const text = await alert.textContent();
    assert.match(text, /does not send the Access-Control-Allow-Origin header/, text);
    assert.ok((await page.locator(id).boundingBox()).height > 20, 'the message takes room on the page');
  }
  await page.close();
});
