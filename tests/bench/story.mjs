// Time to story: for every preset of every lab, the seconds from pressing Play on the real page
// to the run's planned last step, in headless Chromium on the CPU backend (flex), as a new user
// would wait for it; and the steps per second that took. Prints figures; asserts nothing.
//
// STORY_LABS=a,b picks labs, STORY_PRESETS=p,q presets, STORY_LIMIT_S caps one preset's wait
// (default 400 s; a preset still running then is reported as "> limit" with the step it
// reached).

import { launch, openLab } from '../support/browser.mjs';

const LIMIT_S = Number(process.env.STORY_LIMIT_S ?? 400);
const pick = (name) => (process.env[name] ? new Set(process.env[name].split(',')) : null);
const labs = pick('STORY_LABS');
const presets = pick('STORY_PRESETS');

const browser = await launch();
try {
  const { page } = await openLab(browser);
  const catalog = await page.evaluate(async () => {
    const engine = await import('./www/pkg-cpu/phenomena_web.js');
    await engine.default();
    return engine.labCatalog().map((lab) => ({ id: lab.id, presets: lab.presets.map((p) => p.id) }));
  });
  await page.close();
  console.log(`time to story, headless Chromium, flex (limit ${LIMIT_S} s a preset)`);
  for (const lab of catalog) {
    if (labs && !labs.has(lab.id)) continue;
    for (const preset of lab.presets) {
      if (presets && !presets.has(preset)) continue;
      const { page, errors } = await openLab(browser, `#lab=${lab.id}&preset=${preset}&backend=flex`);
      const planned = await page.evaluate(() => document.querySelector('phenomena-lab').status.max_steps);
      const result = await page.evaluate(
        ({ limitMs }) =>
          new Promise((resolve) => {
            const el = document.querySelector('phenomena-lab');
            const t0 = performance.now();
            const done = (how) => {
              clearTimeout(timer);
              resolve({ how, secs: (performance.now() - t0) / 1000, step: el.status.step });
            };
            const timer = setTimeout(() => done('limit'), limitMs);
            el.addEventListener('finished', () => done('finished'), { once: true });
            el.addEventListener('diverged', () => done('diverged'), { once: true });
            el.play();
          }),
        { limitMs: LIMIT_S * 1000 },
      );
      const rate = result.step / result.secs;
      const time = result.how === 'limit' ? `> ${LIMIT_S} s (step ${result.step})` : `${result.secs.toFixed(1)} s`;
      const problems = errors.length ? `  errors: ${errors.join('; ')}` : '';
      console.log(
        `story ${lab.id} ${preset}: ${time} to step ${planned}, ${rate.toFixed(0)} steps/s` +
          `${result.how === 'diverged' ? ' (diverged)' : ''}${problems}`,
      );
      await page.close();
    }
  }
} finally {
  await browser.close();
}
