// A lab's keyboard shortcuts: space plays or pauses, → steps, r resets. Keys typed into a
// field are the field's, and space on a focused button presses that button, as everywhere else.

/** The command a key press asks for, 'toggle', 'step' or 'reset', or null for none. */
export function shortcut(e) {
  const target = e.composedPath()[0];
  if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return null;
  if (target instanceof Element && target.matches('input, select, textarea, [contenteditable]')) return null;
  if (e.key === ' ') {
    if (target instanceof Element && target.matches('button, a[href], summary')) return null;
    return 'toggle';
  }
  if (e.key === 'ArrowRight') return 'step';
  if (e.key === 'r') return 'reset';
  return null;
}

/** Does what key press `e` asks of `lab`, if it is a shortcut. */
export function onKey(lab, e) {
  const command = shortcut(e);
  if (command === 'toggle') {
    e.preventDefault();
    lab.togglePlay();
  } else if (command === 'step') {
    e.preventDefault();
    lab.singleStep();
  } else if (command === 'reset') {
    lab.reset();
  }
}

/** On the playground's own page the keys work from anywhere, not only inside the lab. */
export function listenToPageKeys(lab) {
  if (lab.pageKeys) return;
  lab.pageKeys = (e) => {
    const t = e.target;
    if (t === document.body || t === document.documentElement || t === document) onKey(lab, e);
  };
  document.addEventListener('keydown', lab.pageKeys);
}
