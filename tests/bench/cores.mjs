// Many cores: an ensemble preset's seeds, or a race's runs, train in one worker per core
// (www/lab-shards.js).
// For each preset this times the lab from Play to its planned last step as the page would run
// it on a machine reporting 1, 2, … cores (navigator.hardwareConcurrency), so one worker
// against several, on the cores this machine really has. Prints figures; asserts nothing. On
// flex, in headless Chromium.
//
// CORES_PRESETS=lab/preset,… picks the presets (default: every preset of the labs whose seeds
// train apart, and every preset whose runs split over two workers); CORES_SPLITS=1,2,… the core
// counts (default: 1, 2 and the machine's).

import { BASE_URL, launch } from '../support/browser.mjs';

const LIMIT_MS = 400_000;

const browser = await launch();
try {
  const probe = await browser.newPage();
  await probe.goto(BASE_URL, { waitUntil: 'domcontentloaded' });
  const { cores, catalog } = await probe.evaluate(async () => {
    const engine = await import('./www/pkg-cpu/phenomena_web.js');
    await engine.default();
    const catalog = engine.labCatalog().map((lab) => ({
      id: lab.id,
      presets: lab.presets
        .filter((p) => lab.seed_shards || (lab.run_shards && engine.runShares(lab.id, p.id, {}, 2)))
        .map((p) => p.id),
    }));
    return { cores: navigator.hardwareConcurrency, catalog };
  });
  await probe.close();
  const presets = process.env.CORES_PRESETS
    ? process.env.CORES_PRESETS.split(',')
    : catalog.flatMap((lab) => lab.presets.map((p) => `${lab.id}/${p.id}`));
  const splits = (process.env.CORES_SPLITS ?? `1,2,${cores}`)
    .split(',')
    .map(Number)
    .filter((k, i, all) => k >= 1 && all.indexOf(k) === i);
  console.log(`seeds or runs in one worker per core, headless Chromium, flex, on ${cores} logical cores`);
  for (const entry of presets) {
    const [lab, preset] = entry.split('/');
    for (const k of splits) {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      page.setDefaultTimeout(LIMIT_MS);
      await page.addInitScript((k) => Object.defineProperty(Navigator.prototype, 'hardwareConcurrency', { get: () => k }), k);
      await page.goto(`${BASE_URL}#lab=${lab}&preset=${preset}&backend=flex`, { waitUntil: 'domcontentloaded' });
      await page.waitForFunction(() => document.querySelector('phenomena-lab')?.status);
      const result = await page.evaluate(
        (limitMs) =>
          new Promise((resolve) => {
            const el = document.querySelector('phenomena-lab');
            const t0 = performance.now();
            const done = (how) => {
              clearTimeout(timer);
              resolve({ how, secs: (performance.now() - t0) / 1000, step: el.status.step, max: el.status.max_steps, workers: el.handle.shards?.length ?? 1 });
            };
            const timer = setTimeout(() => done('limit'), limitMs);
            el.addEventListener('finished', () => done('finished'), { once: true });
            el.addEventListener('diverged', () => done('diverged'), { once: true });
            el.play();
          }),
        LIMIT_MS,
      );
      const time = result.how === 'limit' ? `> ${LIMIT_MS / 1000} s (step ${result.step})` : `${result.secs.toFixed(1)} s`;
      console.log(`cores ${lab} ${preset}: ${k} core${k > 1 ? 's' : ''} reported, ${result.workers} worker${result.workers > 1 ? 's' : ''}: ${time} to step ${result.max}${result.how === 'diverged' ? ' (diverged)' : ''}`);
      await page.close();
    }
  }
} finally {
  await browser.close();
}
