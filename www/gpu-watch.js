// Hearing about a lost WebGPU device. burn creates its device inside the engine, so the one
// place a page (or a lab's worker) can see it is `GPUAdapter.requestDevice`: while the engine
// starts, that method is wrapped to watch every device made.

/**
 * Runs `start` (which creates the engine's WebGPU device) while `GPUAdapter.requestDevice` is
 * wrapped: every device it makes is passed to `made(device)`, and `lost(reason)` hears when one
 * is lost (a driver reset, a crashed GPU process, a destroyed device).
 */
export async function watchingDevices(start, { lost, made = () => {} }) {
  const proto = globalThis.GPUAdapter?.prototype;
  const original = proto?.requestDevice;
  if (!original) return start();
  proto.requestDevice = async function requestDevice(...args) {
    const device = await original.apply(this, args);
    made(device);
    device.lost.then((info) => lost(`${info.reason ?? 'unknown'}: ${(info.message || 'no details').replace(/\.$/, '')}`));
    return device;
  };
  try {
    return await start();
  } finally {
    proto.requestDevice = original;
  }
}
