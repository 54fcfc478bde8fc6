// The lab's transport bar: play/pause, single step, reset, the speed menu, the timeline slider
// that scrubs back through the run, and the step readout with its progress bar. It shows what
// it is told and passes presses on; what they do is playback.js's, through the element.

import { el, plural } from './dom.js';
import { TIMELINE_TICKS } from './trainer.js';

export class TransportBar {
  /**
   * Callbacks: onPlay (the play/pause button), onStep, onReset, onSpeed(speed),
   * onScrub(tick): the timeline slider moved to `tick` of TIMELINE_TICKS.
   */
  constructor({ onPlay, onStep, onReset, onSpeed, onScrub }) {
    this.playButton = el('button', { class: 'play primary', type: 'button', 'aria-label': 'play', onclick: onPlay }, '▶ Play');
    this.readout = el('span', { class: 'readout', role: 'status', 'aria-live': 'off' }, 'step 0');
    this.progress = el('progress', { class: 'run-progress', max: 1, value: 0, 'aria-label': 'run progress' });
    this.scrubber = el('input', {
      type: 'range', class: 'timeline', min: 0, max: TIMELINE_TICKS, step: 1, value: TIMELINE_TICKS,
      'aria-label': 'timeline: scrub back through this run (log scale, like the charts)',
      oninput: () => onScrub(Number(this.scrubber.value)),
    });
    const speed = el(
      'select',
      { 'aria-label': 'speed', onchange: (e) => onSpeed(e.target.value) },
      el('option', { value: 'slow' }, 'one step a frame'),
      el('option', { value: 'normal', selected: true }, 'normal'),
      el('option', { value: 'fast' }, 'fast'),
    );
    this.node = el('div', { class: 'transport', role: 'toolbar', 'aria-label': 'transport' },
      this.playButton,
      (this.stepButton = el('button', { type: 'button', class: 'step', 'aria-label': 'single step', onclick: onStep }, 'Step')),
      (this.resetButton = el('button', { type: 'button', class: 'reset', 'aria-label': 'reset', onclick: onReset }, '↺ Reset')),
      el('label', { class: 'speed' }, 'speed ', speed),
      el('label', { class: 'timeline-label' }, 'timeline ', this.scrubber),
      this.readout,
      this.progress,
    );
  }

  /** While a fork replays or an edit restarts the lab, Play, Step, Reset and the timeline wait. */
  setBusy(busy) {
    for (const control of [this.playButton, this.stepButton, this.resetButton, this.scrubber]) control.disabled = busy;
  }

  showPlaying(playing) {
    this.playButton.textContent = playing ? '❚❚ Pause' : '▶ Play';
    this.playButton.setAttribute('aria-label', playing ? 'pause' : 'play');
  }

  /** The step, the steps per second once measured (`rate` > 0) and the run's progress. */
  showStatus(status, rate) {
    const perSecond = rate > 0 ? ` · ${plural(Math.round(rate), 'step', 'steps')}/s` : '';
    this.readout.textContent = `step ${status.step.toLocaleString()} / ${status.max_steps.toLocaleString()}${perSecond}`;
    this.progress.value = status.max_steps ? status.step / status.max_steps : 0;
  }

  /** WebGPU compiles each kernel the first time it runs: seconds of waiting, said as such. */
  showWarmup(text) {
    this.readout.textContent = text;
    this.progress.removeAttribute('value');
  }

  /** A replay to `target` under way (`what`: why it replays). */
  showReplay(step, target, what = 'replaying on the CPU') {
    this.readout.textContent = `${what}: step ${step.toLocaleString()} / ${target.toLocaleString()}`;
    this.progress.value = target ? step / target : 1;
  }

  /** The timeline thumb at the live end, at the run's latest `step`. */
  showLiveTimeline(step) {
    this.scrubber.value = TIMELINE_TICKS;
    this.scrubber.setAttribute('aria-valuetext', `live: step ${step.toLocaleString()}`);
  }

  /** Moves the timeline thumb to `tick` without saying anything new. */
  moveThumb(tick) {
    this.scrubber.value = tick;
  }

  /** An earlier snapshot, at `step` of `latest`, is on screen. */
  showViewing(step, latest) {
    this.readout.textContent = `viewing step ${step.toLocaleString()} of ${latest.toLocaleString()} — Play returns to the live run`;
    this.scrubber.setAttribute('aria-valuetext', `step ${step.toLocaleString()}`);
  }
}
