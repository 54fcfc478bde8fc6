// Shared helpers for page tests: launch the system Chromium (WebGPU on the software adapter)
// and open the served playground.

import { before, after } from 'node:test';
import { chromium } from 'playwright-core';

export const BASE_URL = process.env.PHENOMENA_URL ?? 'http://127.0.0.1:8000/';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  // Raster the 2-D canvas in software: through the emulated GPU it is ~100× slower.
  '--disable-accelerated-2d-canvas',
];

export async function launch({ webgpu = true, extraArgs = [] } = {}) {
  const args = webgpu ? CHROMIUM_ARGS : CHROMIUM_ARGS.filter((a) => a !== '--enable-unsafe-webgpu');
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [...args, ...extraArgs],
  });
}

/**
 * The browser a test file's tests share, launched before its first test and closed after its
 * last. It stands in for the Browser that `launch` resolves to, which exists only once
 * `before` has run.
 */
export function suiteBrowser(options) {
  let real = null;
  before(async () => {
    real = await launch(options);
  });
  after(async () => {
    await real?.close();
  });
  return new Proxy({}, {
    get: (_, key) => {
      const value = real[key];
      return typeof value === 'function' ? value.bind(real) : value;
    },
  });
}

/** Opens the page at `hash` and waits until the lab is created; collects page errors. */
export async function openLab(browser, hash = '', { viewport = { width: 1400, height: 1000 } } = {}) {
  const page = await browser.newPage({ viewport });
  // A loaded 2-core machine can take a while to hand out a 28 MB module.
  page.setDefaultNavigationTimeout(120_000);
  page.setDefaultTimeout(120_000);
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(BASE_URL + hash, { waitUntil: 'domcontentloaded', timeout: 120_000 });
  await page.waitForFunction(() => ['ready', 'error'].includes(document.body.dataset.state), null, {
    timeout: 120_000,
  });
  return { page, errors };
}

/** Waits until the page's lab has its engine (its step is known): Play works from then on. */
export const engineStarted = (page) => page.waitForFunction(() => document.querySelector('phenomena-lab')?.dataset.step !== undefined);

/** Waits until the lab reports at least `steps` steps. */
export async function waitForStep(page, steps, timeout = 120_000) {
  await page.waitForFunction(
    (n) => Number(document.querySelector('phenomena-lab')?.dataset.step ?? 0) >= n,
    steps,
    { timeout },
  );
}
