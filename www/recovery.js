// What a lab does when training fails. A lost WebGPU device (a driver reset, a crashed GPU
// process, a destroyed device) fails the pending read-back: the run then moves to the CPU
// backend, replayed from the same seed to the last step read back from the GPU, and goes on
// playing if it was. Any other failure is said as such, with the way out (Reset).

import { gpuLost } from './engine.js';
import { replay, sleep } from './trainer.js';

/** Stops `lab` after error `e`; a lost GPU moves its run to the CPU instead of ending it. */
export async function fail(lab, e) {
  // The element left the page and its engine was closed: nothing went wrong.
  if (e?.closed) return;
  const wasPlaying = lab.playing;
  lab.playing = false;
  lab.setPlayButton();
  if (lab.recovering) return;
  if (lab.state.backend === 'webgpu') {
    // A lost device fails the pending read-back, sometimes before `device.lost` settles;
    // whichever path recovers must know the run was playing.
    lab.interruptedWhilePlaying ||= wasPlaying;
    for (let i = 0; i < 10 && !gpuLost(); i++) await sleep(50);
    if (gpuLost()) return lab.recoverOnCpu(gpuLost(), wasPlaying);
  }
  lab.message(`Something went wrong: ${e?.message ?? e}. Reset to try again.`, 'error');
}

/**
 * The WebGPU device is gone (`reason`): rebuild `lab`'s run on the CPU backend from the same
 * seed, replay it to the last snapshot read back from the GPU (the timeline is rebuilt with it),
 * and carry on if it was playing (`resume`). Emits `recovered` with the step and both
 * snapshots' scalars.
 */
export async function recoverOnCpu(lab, reason, resume) {
  if (lab.recovering || lab.state.backend !== 'webgpu' || !lab.handle) return;
  lab.recovering = true;
  lab.playing = false;
  await lab.loopDone;
  resume ||= lab.interruptedWhilePlaying;
  lab.interruptedWhilePlaying = false;
  const target = lab.status?.step ?? 0;
  const gpuScalars = { ...(lab.status?.scalars ?? {}) };
  lab.state.backend = 'flex';
  lab.onState(lab.state);
  lab.clearMessages();
  lab.message(
    `The GPU device was lost at step ${target.toLocaleString()} (${reason}). ` +
      'This run continues on the CPU from that step, replayed from the same seed. Reload the page to use the GPU again.',
    'warn',
  );
  try {
    await lab.handle.restart(lab.state.params, 'flex');
    // Trains to the target in short slices without drawing, then draws once.
    await replay(lab.handle, target, (step) => lab.transport.showReplay(step, target));
    await lab.refresh();
  } catch (e) {
    lab.recovering = false;
    lab.message(`The run could not be moved to the CPU: ${e?.message ?? e}. Reset to try again.`, 'error');
    return;
  }
  lab.recovering = false;
  lab.dispatchEvent(
    new CustomEvent('recovered', { detail: { step: lab.status.step, gpuScalars, cpuScalars: { ...lab.status.scalars } } }),
  );
  if (resume) lab.play({ quiet: true });
}
