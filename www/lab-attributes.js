// A <phenomena-lab> on a course page is configured by its attributes alone:
//
//   <phenomena-lab lab="early-learning" preset="digits" controls="lr,noise"
//                  params="steps=2000" hide="export" autoplay height="640"></phenomena-lab>
//
// controls: the parameters to show (default all); params: fixed values, locked in the UI;
// hide: any of presets, controls, export, notes, caption, fork, points; autoplay: train while visible;
// backend: webgpu or flex (default: WebGPU on a hardware adapter, else the CPU);
// height: a maximum height in px (at least 200), the lab scrolling inside it;
// theme: light (the default), dark, or auto (follow the reader's system setting);
// worker: "off" trains on the page's main thread instead of a worker of the lab's own.
// This module reads them, loads the engine and configures the element with the lab they
// describe.

import { matchesPreset, quizFlag } from './url-state.js';
import { loadEngine } from './engine.js';
import { el } from './dom.js';

/** A comma-separated attribute as a set of its non-empty, trimmed entries. */
export function listAttribute(text) {
  return new Set((text ?? '').split(',').map((s) => s.trim()).filter(Boolean));
}

/**
 * The `params` attribute, "name=value,…", as {name: value} (text, as from a link). Pairs may
 * also be joined by `&`, as in a link copied from the playground.
 */
export function paramsAttribute(text) {
  const params = {};
  for (const pair of listAttribute((text ?? '').replaceAll('&', ','))) {
    const [k, v] = pair.split('=');
    if (k && v !== undefined) params[k.trim()] = v.trim();
  }
  return params;
}

/** The backend the page asked for, as loadEngine takes it: webgpu, flex, or auto. */
export const wantedBackend = (attribute) => (['webgpu', 'flex'].includes(attribute) ? attribute : 'auto');

/** The backend a lab runs on: the one asked for where it can run, else the engine's choice. */
export function chooseBackend(attribute, loaded) {
  if (attribute === 'webgpu' && !loaded.gpuProblem) return 'webgpu';
  return attribute === 'flex' ? 'flex' : loaded.autoBackend;
}

/**
 * The preset a lab starts from: the attribute's; else, since a lab's defaults are its first
 * preset's values, that preset (and its caption) unless the fixed `params` make it another run.
 */
export function startingPreset(attribute, info, params) {
  const first = info.presets[0]?.id;
  return attribute ?? (first && matchesPreset(info, first, params) ? first : null);
}

/**
 * The lab's state and options from element `node`'s attributes, given the loaded engine, the
 * lab's catalog entry `info`, and the fixed `params` and `backend` attribute that were read
 * before the engine loaded.
 */
export function configFromAttributes(node, info, loaded, { params, backend }) {
  const controls = listAttribute(node.getAttribute('controls'));
  return {
    state: {
      preset: startingPreset(node.getAttribute('preset'), info, params),
      params,
      backend: chooseBackend(backend, loaded),
    },
    options: {
      controls: controls.size ? controls : null,
      locked: new Set(Object.keys(params)),
      hide: listAttribute(node.getAttribute('hide')),
      embedded: true,
      // `quiz` (or quiz="on") asks each preset's question first; quiz="off" does not.
      quiz: node.getAttribute('quiz') !== null && quizFlag(node.getAttribute('quiz')),
    },
  };
}

/** Builds `lab`, a <phenomena-lab> in a course page, from its attributes. */
export async function bootFromAttributes(lab) {
  const params = paramsAttribute(lab.getAttribute('params'));
  const height = Number(lab.getAttribute('height'));
  if (Number.isFinite(height) && height >= 200) {
    lab.style.maxHeight = `${height}px`;
    lab.style.overflowY = 'auto';
  }
  lab.dataset.compact = '';
  lab.root.replaceChildren(lab.styleSheet(), el('div', { class: 'lab-root' }, el('p', { class: 'loading' }, 'Loading the lab…')));
  const backend = lab.getAttribute('backend');
  let loaded;
  try {
    loaded = await loadEngine({ backend: wantedBackend(backend) });
  } catch (e) {
    lab.showProblem(`The lab engine could not be loaded: ${e.message}`);
    return;
  }
  const id = lab.getAttribute('lab');
  const info = loaded.catalog.find((l) => l.id === id);
  if (!info) {
    const known = loaded.catalog.map((l) => l.id).join(', ');
    lab.showProblem(`Unknown lab "${String(id).slice(0, 40)}" (known: ${known}).`);
    return;
  }
  const { state, options } = configFromAttributes(lab, info, loaded, { params, backend });
  lab.configure({ engine: loaded, info, state, options });
  if (lab.hasAttribute('autoplay')) autoplayWhenVisible(lab);
}

/**
 * Trains `lab` while it is on screen and the tab is visible. On screen means a third of it, or
 * half the viewport for a lab taller than that (a phone shows a sliver of a tall lab).
 */
export function autoplayWhenVisible(lab) {
  let visible = false;
  const update = () => {
    if (visible && document.visibilityState === 'visible') lab.play({ quiet: true });
    else if (lab.playing) lab.stop();
  };
  const thresholds = Array.from({ length: 21 }, (_, i) => i / 20);
  lab.visibility = new IntersectionObserver(
    (entries) => {
      const e = entries[entries.length - 1];
      const viewport = e.rootBounds?.height || window.innerHeight;
      visible = e.isIntersecting && (e.intersectionRatio >= 0.33 || e.intersectionRect.height >= 0.5 * viewport);
      update();
    },
    { threshold: thresholds },
  );
  // Again after every start of the engine (an element added back to the page starts it anew);
  // observing an observed element does nothing.
  lab.addEventListener('ready', () => lab.visibility.observe(lab));
  document.addEventListener('visibilitychange', update);
}
