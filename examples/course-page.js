// The host side of the postMessage API: start the framed lab and show what it reports.
const frame = document.getElementById('frame');
const status = document.getElementById('frame-status');

document.getElementById('frame-play').addEventListener('click', () => {
  frame.contentWindow.postMessage({ type: 'phenomena', command: 'play' }, '*');
});

window.addEventListener('message', (e) => {
  if (e.source !== frame.contentWindow || e.data?.type !== 'phenomena') return;
  const { event } = e.data;
  if (event === 'ready') status.textContent = `The framed lab (${e.data.lab}) is ready.`;
  else if (event === 'step') status.textContent = `The framed lab is at step ${e.data.step}.`;
  else if (event === 'paused') status.textContent = `The framed lab paused at step ${e.data.step}.`;
  else if (event === 'finished') status.textContent = `The framed lab finished its ${e.data.step} steps.`;
  else if (event === 'diverged') status.textContent = `The framed lab diverged: ${e.data.message}`;
  document.body.dataset.frameEvent = event;
});
