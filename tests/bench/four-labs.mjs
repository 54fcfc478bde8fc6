// The page's main thread with four labs training at once (tests/fixtures/four-labs.html), each
// in its own worker and each scrolled to its charts in a window tall enough for all four, as
// the end-to-end test watches it. Traces the main thread for a few seconds (Chromium's
// devtools timeline) and prints its longest tasks, with the main thread's own time in each,
// and where its time went (its own time in all its tasks, and the wall time of the browser's
// steps that draw the page). Prints figures; asserts nothing. On flex, in headless Chromium.
//
// FOUR_LABS_SECONDS sets the traced window (default 8); FOUR_LABS_RUNS the number of runs
// (default 2).

import { BASE_URL, launch } from '../support/browser.mjs';

const SECONDS = Number(process.env.FOUR_LABS_SECONDS ?? 8);
const RUNS = Number(process.env.FOUR_LABS_RUNS ?? 2);
/** Trace events summed in the breakdown: style and layout, painting, compositing, GC. */
const PARTS = ['UpdateLayoutTree', 'Layout', 'PrePaint', 'Paint', 'Layerize', 'Commit', 'MinorGC', 'MajorGC'];

for (let run = 1; run <= RUNS; run++) {
  // A browser of its own for each run: no worker of an earlier page is left to compete.
  const browser = await launch();
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 2050 } });
    await page.goto(`${BASE_URL}tests/fixtures/four-labs.html`);
    await page.waitForFunction(() => [...document.querySelectorAll('phenomena-lab')].every((lab) => lab.status), null, { timeout: 120_000 });
    await page.evaluate(() => {
      for (const lab of document.querySelectorAll('phenomena-lab')) {
        lab.scrollTop += lab.charts.node.getBoundingClientRect().top - lab.getBoundingClientRect().top;
        lab.play();
      }
    });
    // The first charts and the work per slice settle first.
    await page.waitForTimeout(1000);
    const cdp = await page.context().newCDPSession(page);
    const events = [];
    cdp.on('Tracing.dataCollected', (d) => events.push(...d.value));
    const complete = new Promise((resolve) => cdp.once('Tracing.tracingComplete', resolve));
    await cdp.send('Tracing.start', { categories: 'toplevel,devtools.timeline,disabled-by-default-devtools.timeline', transferMode: 'ReportEvents' });
    await page.waitForTimeout(SECONDS * 1000);
    await cdp.send('Tracing.end');
    await complete;
    const steps = await page.evaluate(() => [...document.querySelectorAll('phenomena-lab')].map((lab) => lab.status.step));
    await page.close();

    const thread = events.find((e) => e.name === 'thread_name' && e.args.name === 'CrRendererMain');
    const own = events.filter((e) => e.pid === thread.pid && e.tid === thread.tid && e.ph === 'X');
    const tasks = own.filter((e) => e.name === 'RunTask').sort((a, b) => b.dur - a.dur);
    const ms = (us) => (us / 1000).toFixed(1);
    const over = (limit) => tasks.filter((t) => t.dur > limit * 1000).length;
    console.log(`four labs, run ${run}: ${SECONDS} s traced; steps reached ${steps.join(', ')}`);
    console.log(`  longest tasks (ms, main thread's own time in brackets): ${tasks.slice(0, 6).map((t) => `${ms(t.dur)} [${ms(t.tdur ?? 0)}]`).join(', ')}`);
    const busy = tasks.reduce((sum, t) => sum + (t.tdur ?? 0), 0);
    console.log(`  tasks over 30 ms: ${over(30)}; over 50 ms: ${over(50)}; the main thread's own time in all tasks: ${Math.round(busy / 1000)} ms`);
    const spent = new Map(PARTS.map((p) => [p, 0]));
    for (const e of own) if (spent.has(e.name)) spent.set(e.name, spent.get(e.name) + e.dur);
    console.log(`  time in (ms over the window): ${[...spent].map(([k, v]) => `${k} ${Math.round(v / 1000)}`).join(', ')}`);
  } finally {
    await browser.close();
  }
}
