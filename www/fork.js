// Forking a run: "Fork here" branches, at the step on screen, a copy of one run (its weights,
// optimizer and method state) that goes on with one thing changed, drawn beside the run it
// came from. A fork is a few of the lab's parameters (fork, fork_step, and the value a fork
// sets: fork_lr, fork_decay), so the link, the exports and the command line replay it: the lab restarts with them, replays to the
// fork step (the same seed gives the same weights) and waits there for Play.

import { el } from './dom.js';
import { replay } from './trainer.js';
import { formatNumber } from './url-state.js';

/** The fork bar under the transport: what to change, "Fork here", and the fork in place. */
export class ForkBar {
  /**
   * info: the lab's catalog entry (a lab without a `fork` parameter gets no bar: `node` is
   * null); onFork(choice, values): "Fork here" was pressed, `values` the value the choice sets
   * ({fork_lr} or {fork_decay}); onRemove(): "Remove fork" was.
   */
  constructor(info, { onFork, onRemove }) {
    this.info = info;
    this.spec = info.schema.find((s) => s.name === 'fork');
    this.node = null;
    if (!this.spec) return;
    this.choice = el('select', { 'aria-label': 'what the fork changes' },
      ...this.spec.options.slice(1).map((label, i) => el('option', { value: i + 1 }, label)));
    // The values a fork sets (its learning rate, its weight decay), each shown for its choices.
    this.values = info.schema.filter((s) => s.fork && s.visible_when && s.name !== 'fork_step').map((spec) => {
      const input = el('input', {
        type: 'number', min: spec.min, max: spec.max, step: 'any', value: spec.default,
        inputmode: 'decimal', 'aria-label': spec.label,
      });
      const label = el('label', { class: 'fork-value', 'data-param': spec.name }, `${spec.label} `, input);
      input.addEventListener('input', () => (input.dataset.typed = 'yes'));
      return { spec, input, label };
    });
    this.button = el('button', { type: 'button', class: 'fork-here', onclick: () => onFork(this.chosen(), this.chosenValues()) }, 'Fork here');
    this.current = el('span', { class: 'fork-current', role: 'status' });
    this.remove = el('button', { type: 'button', class: 'fork-remove', hidden: true, onclick: onRemove }, 'Remove fork');
    this.node = el('div', { class: 'fork-bar', role: 'group', 'aria-label': 'fork the run' },
      el('span', { class: 'label' }, 'Fork'), this.choice, ...this.values.map((v) => v.label), this.button, this.current, this.remove);
    this.choice.addEventListener('change', () => this.showValues());
    this.showValues();
  }

  chosen() {
    return Number(this.choice.value);
  }

  /** The entries of the values the chosen fork sets: [{spec, input, label}]. */
  chosenEntries() {
    return this.values.filter(({ spec }) => spec.visible_when.values.includes(this.chosen()));
  }

  /** The values the chosen fork sets, as typed: {fork_lr: 0.05}. */
  chosenValues() {
    return Object.fromEntries(this.chosenEntries().map(({ spec, input }) => [spec.name, Number(input.value)]));
  }

  showValues() {
    const shown = this.chosenEntries();
    for (const v of this.values) v.label.hidden = !shown.includes(v);
  }

  /**
   * The bar shows the run's fork, when it has one: its choice and the values it sets. Without
   * one, a new learning rate starts at the run's own until the reader types another.
   */
  showFork(params) {
    const lr = this.values.find(({ spec }) => spec.name === 'fork_lr');
    if (lr && !lr.input.dataset.typed && Number.isFinite(Number(params?.lr))) lr.input.value = formatNumber(Number(params.lr));
    const fork = Number(params?.fork);
    const key = JSON.stringify([fork, ...this.values.map(({ spec }) => params?.[spec.name])]);
    if (!(fork > 0)) this.forkShown = null;
    if (!(fork > 0) || key === this.forkShown) return;
    this.forkShown = key;
    this.choice.value = String(fork);
    for (const { spec, input } of this.values) if (params[spec.name] !== undefined) input.value = formatNumber(Number(params[spec.name]));
    this.showValues();
  }

  /**
   * step: the step on screen; last: the run's last step; playing, busy: whether training or a
   * replay is under way; params: the values the lab runs with; locked: the course page fixed
   * the fork (its `params` attribute), so it stays.
   */
  show({ step, last, playing, busy, params, locked }) {
    if (!this.node) return;
    // Rebuilt only when something it shows changes (it is called every frame while training).
    const key = JSON.stringify([step, last, playing, busy, locked, params?.fork, params?.fork_step, ...this.values.map(({ spec }) => params?.[spec.name])]);
    if (key === this.shown) return;
    this.shown = key;
    this.showFork(params);
    this.choice.disabled = locked;
    for (const { input } of this.values) input.disabled = locked;
    const why = locked ? 'this page fixes the fork'
      : busy ? 'the lab is replaying'
      : playing ? 'pause first: a fork branches at the step on screen'
      : step < 1 ? 'train a step first: a fork branches from a trained run'
      : step >= last ? 'scrub the timeline back: the run ends at this step'
      : '';
    this.button.disabled = Boolean(why);
    this.button.title = why ? `Fork here — ${why}` : `Branch a copy of the run at step ${step.toLocaleString()}`;
    this.button.textContent = `Fork here (step ${step.toLocaleString()})`;
    const active = Number(params?.fork) > 0;
    this.current.textContent = active ? `In this run: ${describe(this.info, params)}.` : '';
    this.remove.hidden = !active || locked;
  }
}

/**
 * "CE → ELR from step 250", or for a fork that sets a value "CE, new learning rate (0.05) from
 * step 250"; `info`: the lab's catalog entry, `params`: the values it runs with.
 */
export function describe(info, params) {
  const choice = Number(params.fork);
  const spec = info.schema.find((s) => s.name === 'fork');
  const label = spec.options[choice] ?? 'a fork';
  const set = info.schema.filter((s) => s.fork && s.name !== 'fork_step' && s.visible_when?.values.includes(choice));
  const values = set.map((s) => formatNumber(Number(params[s.name]))).join(', ');
  return `${label}${values ? ` (${values})` : ''} from step ${Number(params.fork_step).toLocaleString()}`;
}

/**
 * Restarts `lab` with the parameters changed by `values` (a fork set or removed) and replays it
 * to step `target`, paused there. The preset stays: a fork changes none of its runs.
 */
export async function replayWith(lab, values, target) {
  if (lab.refuseWhileBusy()) return false;
  await lab.stop();
  lab.setBusy('forkBusy', true);
  try {
    Object.assign(lab.state.params, values);
    await lab.restart();
    const took = Object.entries(values).every(([k, v]) => Number(lab.status?.params?.[k]) === Number(v));
    if (!took || !lab.handle) return false;
    await replay(lab.handle, target, (step) => lab.transport.showReplay(step, target, 'replaying to the fork'));
    await lab.refresh();
    return true;
  } catch (e) {
    lab.fail(e);
    return false;
  } finally {
    lab.setBusy('forkBusy', false);
  }
}

/**
 * "Fork here": fork choice `choice` at the step on screen, with the values it sets (`set`:
 * {fork_lr} or {fork_decay}), each checked against its range first.
 */
export async function forkHere(lab, choice, set) {
  const step = Number(lab.dataset.viewing ?? lab.status?.step ?? 0);
  for (const [name, v] of Object.entries(set)) {
    const spec = lab.info.schema.find((s) => s.name === name);
    if (!(v >= spec.min && v <= spec.max)) {
      lab.message(`The ${spec.label} needs a number from ${formatNumber(spec.min)} to ${formatNumber(spec.max)}.`, 'warn');
      return;
    }
  }
  if (!(await replayWith(lab, { fork: choice, fork_step: step, ...set }, step))) return;
  const label = describe(lab.info, lab.status.params);
  lab.message(`Forked: ${label}, drawn beside the run it came from (the legends name it). Press Play to train both on.`, 'info');
  lab.dispatchEvent(new CustomEvent('fork', { detail: { step, fork: choice, label, params: { ...lab.status.params } } }));
}

/** "Remove fork": the run without its fork, replayed to the step it had reached. */
export async function removeFork(lab) {
  const step = Math.min(lab.status?.step ?? 0, lab.status?.max_steps ?? 0);
  if (await replayWith(lab, { fork: 0 }, step)) lab.message('The fork is removed.', 'info');
}
