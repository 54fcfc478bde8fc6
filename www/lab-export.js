// What a lab hands out: its run's data as CSV or JSON, a chart as SVG or as a print-resolution
// PNG, and a link that reproduces the run on the playground, also from a course page on
// another origin. Each takes the <phenomena-lab> element and reports problems in its messages.

import { el, download } from './dom.js';
import { buildHash } from './url-state.js';

/** The playground's front page, for links that reproduce a run from inside an embed. */
const PLAYGROUND_URL = new URL('../', import.meta.url).href;
// Exported PNGs: the SVG export's size at twice the pixel density, enough for print.
const PNG_EXPORT = { width: 960, height: 691, dpr: 2 };

/** Exported files are named after the lab, seed and step, so two exports never collide. */
export function fileBase(lab) {
  return `phenomena-${lab.info.id}-seed${lab.state.params.seed ?? 0}-step${lab.status?.step ?? 0}`;
}

/** The run's recorded data, `kind` 'csv' or 'json'. */
export async function exportData(lab, kind) {
  try {
    if (kind === 'csv') download(`${fileBase(lab)}.csv`, await lab.handle.csv(), 'text/csv');
    else download(`${fileBase(lab)}.json`, withQuiz(await lab.handle.json(), lab), 'application/json');
  } catch (e) {
    lab.message(`Export failed: ${e.message}`, 'error');
  }
}

/** The run's JSON with the quiz's guess and outcome, when the quiz asked one. */
export function withQuiz(json, lab) {
  const record = lab.quiz?.exported();
  if (!record) return json;
  return JSON.stringify({ ...JSON.parse(json), quiz: record }, null, 2);
}

export function exportSvg(lab, id) {
  try {
    download(`${fileBase(lab)}-${id}.svg`, lab.handle.chartSvg(id, 960, 600), 'image/svg+xml');
  } catch (e) {
    lab.message(`Export failed: ${e.message}`, 'error');
  }
}

/** A PNG at print resolution, drawn afresh on a canvas of its own in the light theme. */
export function exportPng(lab, id) {
  const { width, height, dpr } = PNG_EXPORT;
  const canvas = el('canvas', { width: width * dpr, height: height * dpr });
  try {
    lab.handle.drawChart(id, canvas, dpr, false);
  } catch (e) {
    return lab.message(`Export failed: ${e.message}`, 'error');
  }
  canvas.toBlob((blob) => {
    if (!blob) return lab.message('Export failed: the chart could not be encoded as PNG.', 'error');
    download(`${fileBase(lab)}-${id}.png`, blob);
  }, 'image/png');
}

/** A link to this run on the playground itself, also from inside a course page or frame. */
export function runLink(lab) {
  const url = new URL(PLAYGROUND_URL);
  const { info, state } = lab;
  url.hash = buildHash({ lab: info.id, preset: state.preset, backend: state.backend, params: state.params, quiz: lab.options?.quiz });
  return url.href;
}

export async function copyLink(lab) {
  const link = runLink(lab);
  try {
    await navigator.clipboard.writeText(link);
    lab.message('Link copied: it opens this run, with these parameters and seed, in the Phenomena playground.', 'info');
  } catch {
    lab.message(`Copy this link to reproduce the run in the Phenomena playground: ${link}`, 'info');
  }
}
