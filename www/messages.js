// The lab's two message boxes: what the lab has to say (errors, notes about the link, hints),
// each said once, and the run's own warnings, kept in step with its latest status.

import { el, richText } from './dom.js';

export class MessageList {
  constructor() {
    this.node = el('div', { class: 'messages', role: 'alert', 'aria-live': 'polite' });
  }

  /** Adds `text` (kind info, warn or error) and returns its paragraph, unless already shown. */
  add(text, kind = 'info') {
    // The same message twice in a row says nothing new (a second Play on a diverged run).
    if ([...this.node.children].some((m) => m.dataset.text === text)) return;
    const p = el('p', { class: `message ${kind}`, 'data-text': text }, ...richText(text));
    this.node.append(p);
    return p;
  }

  clear() {
    this.node.replaceChildren();
  }
}

/**
 * The warnings to show for a status. A divergence is said once, by the error message; the lab
 * may list it as a warning too.
 */
export function runWarnings(status) {
  return (status.warnings ?? []).filter((w) => !status.diverged || !w.includes(status.diverged));
}

export class WarningList {
  constructor() {
    this.node = el('div', { class: 'messages warnings', role: 'status', 'aria-live': 'polite' });
  }

  /** Shows the warnings of `status`, touching the DOM only when they change. */
  show(status) {
    const warnings = runWarnings(status);
    const text = warnings.join(' · ');
    if (this.node.dataset.text === text) return;
    this.node.dataset.text = text;
    this.node.replaceChildren(...warnings.map((w) => el('p', { class: 'message warn' }, ...richText(w))));
  }
}
