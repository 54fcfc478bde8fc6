// The iframe form of a lab: embed.html#lab=…&preset=…&hide=export,notes&controls=lr&autoplay
// (any other key=value pair fixes a parameter). The host page talks to it with postMessage:
//   commands in:  {type: 'phenomena', command: 'play' | 'pause' | 'reset'}
//                 {type: 'phenomena', command: 'set', params: {name: number | string}}
//   events out:   {type: 'phenomena', event: 'ready' | 'step' | 'paused' | 'finished' | 'diverged' |
//                  'answered' | 'revealed' | 'forked' | 'points', …}
// Messages of any other shape are ignored.

import './lab-view.js';
import { MAX_VALUE } from './url-state.js';

const RESERVED = new Set(['lab', 'preset', 'hide', 'controls', 'autoplay', 'backend', 'theme', 'quiz']);
const COMMANDS = new Set(['play', 'pause', 'reset', 'set']);

function post(event, detail = {}) {
  if (window.parent !== window) window.parent.postMessage({ type: 'phenomena', event, ...detail }, '*');
}

/** Accepts only {type:'phenomena', command, params?} with plain number/string parameters. */
export function validCommand(data) {
  if (!data || typeof data !== 'object' || data.type !== 'phenomena') return null;
  if (typeof data.command !== 'string' || !COMMANDS.has(data.command)) return null;
  if (data.command !== 'set') return { command: data.command };
  const params = data.params;
  if (!params || typeof params !== 'object' || Array.isArray(params)) return null;
  const clean = {};
  for (const [k, v] of Object.entries(params).slice(0, 32)) {
    if (!/^[a-z_][a-z0-9_]{0,40}$/i.test(k)) return null;
    if (typeof v !== 'number' && typeof v !== 'string') return null;
    clean[k] = String(v).slice(0, MAX_VALUE);
  }
  return { command: 'set', params: clean };
}

function start() {
  const search = new URLSearchParams(location.hash.slice(1));
  const lab = document.createElement('phenomena-lab');
  for (const name of ['lab', 'preset', 'hide', 'controls', 'backend', 'theme']) {
    const v = search.get(name);
    if (v !== null) lab.setAttribute(name, v);
  }
  if (search.has('autoplay')) lab.setAttribute('autoplay', '');
  if (search.has('quiz')) lab.setAttribute('quiz', search.get('quiz'));
  const fixed = [...search].filter(([k]) => !RESERVED.has(k)).map(([k, v]) => `${k}=${v}`);
  if (fixed.length) lab.setAttribute('params', fixed.join(','));
  if (!lab.hasAttribute('lab')) lab.setAttribute('lab', 'frozen-subspace');
  document.getElementById('main').replaceChildren(lab);

  let lastStepPost = 0;
  lab.addEventListener('ready', (e) => post('ready', { lab: e.detail.lab }));
  lab.addEventListener('step', (e) => {
    const now = performance.now();
    if (now - lastStepPost > 250) {
      lastStepPost = now;
      post('step', { step: e.detail.step });
    }
  });
  lab.addEventListener('pause', (e) => post('paused', { step: e.detail.step }));
  lab.addEventListener('finished', (e) => post('finished', { step: e.detail.step }));
  lab.addEventListener('diverged', (e) => post('diverged', { message: e.detail.message }));
  // Predict, then reveal: the guess and the outcome, for a course page that collects them.
  lab.addEventListener('quiz-answer', (e) => post('answered', e.detail));
  lab.addEventListener('quiz-reveal', (e) => post('revealed', e.detail));
  lab.addEventListener('fork', (e) => post('forked', e.detail));
  lab.addEventListener('points', (e) => post('points', e.detail));

  window.addEventListener('message', (e) => {
    const cmd = validCommand(e.data);
    if (!cmd) return;
    // While a fork replays or an edit restarts the lab, commands wait (the lab says so).
    if (cmd.command !== 'pause' && lab.refuseWhileBusy()) return;
    if (cmd.command === 'play') lab.play();
    else if (cmd.command === 'pause') lab.stop();
    else if (cmd.command === 'reset') lab.reset();
    else if (cmd.command === 'set') {
      Object.assign(lab.state.params, cmd.params);
      lab.state.preset = null;
      lab.restart();
    }
  });
}

start();
