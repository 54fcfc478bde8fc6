// Playing a lab's run, which is what the transport bar's buttons do: play and pause, a single
// step, and scrubbing the timeline back through the recorded snapshots. The loop trains frame
// by frame at the pace trainer.js sets; each frame's status goes to the readout and timeline,
// then, in a task of its own, to the charts and the `step` event.

import { plural } from './dom.js';
import { TIMELINE_TICKS, trainFrames, timelineStop } from './trainer.js';

/** Starts training `lab`, unless its run diverged or is finished (said, unless `quiet`). */
export function play(lab, { quiet = false } = {}) {
  if (lab.playing) return;
  // A restart under way (a preset just chosen) is the run Play means: it plays once the
  // restart is done, unless a pause (or the lab leaving the page) comes first.
  if (lab.restarting) {
    if (lab.playWanted) return;
    lab.playWanted = true;
    const again = () => {
      if (!lab.playWanted) return;
      lab.playWanted = false;
      // A fork's replay that restarted the run trains it now; its end decides.
      if (!lab.busy) play(lab, { quiet });
    };
    lab.restarting.then(again, again);
    return;
  }
  if (!lab.handle) return;
  // Predict first: the run waits for a guess (autoplay too, without taking the focus).
  if (lab.quiz?.waiting) {
    if (!quiet) lab.quiz.holdPlay();
    return;
  }
  if (lab.dataset.viewing !== undefined) showLive(lab);
  if (lab.status?.diverged) {
    if (!quiet) lab.message('This run diverged — lower the learning rate and reset.', 'error');
    return;
  }
  if (lab.status && lab.status.step >= lab.status.max_steps) {
    if (!quiet) lab.message('The run is finished: reset to train again, or raise the number of steps.', 'info');
    return;
  }
  lab.playing = true;
  lab.setPlayButton();
  lab.loopDone = trainWhilePlaying(lab);
}

/**
 * Pauses `lab` and waits for its loop to end; emits `pause` if it was playing. Unless
 * `cancelPlay` is false (a restart's own pause), a Play waiting for a restart is called off.
 */
export async function stop(lab, { cancelPlay = true } = {}) {
  if (cancelPlay) lab.playWanted = false;
  const wasPlaying = lab.playing;
  lab.playing = false;
  if (lab.transport) lab.setPlayButton();
  await lab.loopDone;
  if (wasPlaying) lab.dispatchEvent(new CustomEvent('pause', { detail: { step: lab.status?.step ?? 0 } }));
}

export async function singleStep(lab) {
  await stop(lab);
  if (!lab.handle) return;
  if (lab.quiz?.waiting) return lab.quiz.holdPlay();
  try {
    lab.handle.step(1);
  } catch (e) {
    lab.fail(e);
    return;
  }
  await lab.refresh();
  // A step onto the last one ends the run as playing there would.
  lab.quiz?.settle();
}

/**
 * One frame after another while playing: a frame's work, the read-back, then the charts. A lab
 * in a worker brings chart specs only every DRAW_INTERVAL_MS, so after a pause it reads back
 * once more: the charts and exports then show the step the readout says.
 */
async function trainWhilePlaying(lab) {
  let failed = false;
  await trainFrames({
    pacer: lab.pacer,
    playing: () => lab.playing,
    handle: () => lab.handle,
    stepBefore: () => lab.status?.step ?? 0,
    frameStarted: () => {
      if (!lab.kernelsWarm) lab.transport.showWarmup('WebGPU: compiling the training kernels (the first steps take a few seconds)…');
    },
    trained: (status, rate) => {
      lab.kernelsWarm = true;
      lab.status = status;
      delete lab.dataset.viewing;
      if (rate !== null) lab.rate = rate;
      lab.updateReadout(status);
      updateTimeline(lab);
    },
    shown: (status) => showFrame(lab, status),
    failed: (e) => {
      failed = true;
      lab.fail(e);
    },
  });
  lab.setPlayButton();
  // Paused mid-run (a finished or diverged run already brought its last charts).
  const ended = !lab.status || lab.status.diverged || lab.status.step >= lab.status.max_steps;
  if (!failed && !ended && lab.handle?.offThread && lab.isConnected && !lab.recovering) await lab.refresh();
}

/** After a frame's training: the charts, its `step` event, and the end of a run. */
function showFrame(lab, status) {
  const finished = status.step >= status.max_steps;
  lab.draw(finished || Boolean(status.diverged));
  lab.dispatchEvent(new CustomEvent('step', { detail: { step: status.step } }));
  if (status.diverged) {
    lab.playing = false;
    lab.message(`The run ${status.diverged}. Then press Reset.`, 'error');
    lab.dispatchEvent(new CustomEvent('diverged', { detail: { message: status.diverged } }));
  } else if (finished) {
    lab.playing = false;
    lab.message(`Finished ${plural(status.max_steps, 'step', 'steps')}. Change a parameter or preset to run again.`, 'info');
    lab.dispatchEvent(new CustomEvent('finished', { detail: { step: status.step } }));
  }
  // A finished or diverged run answers the quiz's question.
  lab.quiz?.settle();
}

/** Keeps the timeline slider at the live end of the recorded snapshots. */
export function updateTimeline(lab) {
  try {
    lab.timelineSteps = Array.from(lab.handle.timeline());
    lab.transport.showLiveTimeline(lab.status?.step ?? 0);
  } catch {
    // Busy reading back: the next frame updates it.
  }
}

/** Shows an earlier snapshot of the run; Play (or any refresh) returns to the live one. */
export async function scrub(lab, tick) {
  await stop(lab);
  const steps = lab.timelineSteps ?? [];
  if (!steps.length) return;
  const { index, live, tick: snapped } = timelineStop(steps, tick);
  try {
    await lab.handle.view(live ? undefined : index);
  } catch (e) {
    return lab.fail(e);
  }
  lab.draw(true);
  if (!live) {
    lab.transport.showViewing(steps[index], lab.status.step);
    lab.dataset.viewing = String(steps[index]);
  } else {
    lab.updateReadout(lab.status);
    delete lab.dataset.viewing;
  }
  // Snap the thumb to the snapshot shown.
  lab.transport.moveThumb(snapped);
  lab.updateForkBar();
}

/**
 * Leaves a scrubbed-back view for the latest snapshot. A worker hears this before the next
 * frame's work, so the loop that starts meanwhile reads back the live run.
 */
function showLive(lab) {
  delete lab.dataset.viewing;
  lab.updateForkBar?.();
  lab.transport.moveThumb(TIMELINE_TICKS);
  if (lab.status) lab.updateReadout(lab.status);
  lab.handle
    .view(undefined)
    .then(() => lab.draw(true))
    .catch(() => {});
}
