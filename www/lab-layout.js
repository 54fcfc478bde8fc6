// The lab's layout inside its shadow root, top to bottom: heading and summary, the preset
// buttons and the preset's caption, the transport bar, the two message boxes, the parameter
// controls beside the charts, the notes, the export bar and the citation. The parts a course
// page hides (hide="presets,controls,export,notes,caption,fork,points") stay in the tree, out of sight.

import { el } from './dom.js';

/** The preset buttons, the caption that tells the chosen preset's story, and the sources. */
export class PresetBar {
  /**
   * onPick(id): a preset's button was pressed; citation: the lab's sources; quiz: null, or
   * {on, onChange(on)} for the "Predict first" switch.
   */
  constructor(presets, onPick, citation, quiz = null) {
    this.presets = presets;
    this.buttons = presets.map((p) =>
      el('button', { class: 'preset', type: 'button', 'data-preset': p.id, onclick: () => onPick(p.id) }, p.title),
    );
    this.quizSwitch = quiz
      ? el('label', { class: 'quiz-switch', title: 'Each preset asks a question before its run; the run answers it at its end.' },
        el('input', { type: 'checkbox', checked: quiz.on || null, onchange: (e) => quiz.onChange(e.target.checked) }),
        ' Predict first')
      : null;
    this.node = el('div', { class: 'presets', role: 'group', 'aria-label': 'presets' }, el('span', { class: 'label' }, 'Presets'), ...this.buttons, this.quizSwitch);
    this.caption = el('p', { class: 'preset-caption' });
    this.citation = citation;
    this.sourceText = el('span', {}, citation);
    this.source = el('p', { class: 'citation' }, 'Source: ', this.sourceText);
  }

  /** While a fork replays or an edit restarts the lab, the presets wait. */
  setBusy(busy) {
    for (const b of this.buttons) b.disabled = busy;
  }

  /** Shows preset `id` as chosen, with its caption; null means custom parameters. */
  show(id) {
    const preset = this.presets.find((p) => p.id === id);
    for (const b of this.buttons) b.setAttribute('aria-pressed', String(b.dataset.preset === id));
    this.caption.textContent = preset ? preset.caption : 'Custom parameters — pick a preset above for a guided story.';
    // A preset built on further papers (the model soups) names them with the lab's own.
    this.sourceText.textContent = preset?.citation || this.citation;
  }
}

/**
 * The lab's root box for catalog entry `info`. heading: 'h1' on the playground's own page, else
 * 'h2'; hide: the set of parts to hide; parts: {presets, transport, messages, warnings,
 * controls, charts}, each with its `node`; onExport(kind): 'csv', 'json' or 'link' was pressed.
 */
export function labLayout(info, { heading, hide, parts, onExport }) {
  const { presets, quiz, transport, fork, points, messages, warnings, controls, charts } = parts;
  const layout = el('div', { class: 'layout' }, controls.node, charts.node);
  const notes = info.notes ? el('details', { class: 'lab-notes' }, el('summary', {}, 'What these runs measured'), el('p', {}, info.notes)) : null;
  const exportBar = el('div', { class: 'export', role: 'group', 'aria-label': 'export' },
    el('span', { class: 'label' }, 'Export'),
    el('button', { type: 'button', onclick: () => onExport('csv') }, 'CSV'),
    el('button', { type: 'button', onclick: () => onExport('json') }, 'JSON'),
    el('button', { type: 'button', class: 'copy-link', onclick: () => onExport('link') }, 'Copy link to this run'),
  );
  const root = el('div', { class: 'lab-root' },
    el('section', { class: 'lab-head' },
      el(heading, { class: 'lab-title', text: info.title }),
      el('p', { class: 'summary', text: info.summary }),
    ),
    presets.node,
    presets.caption,
    quiz?.node,
    transport.node,
    fork?.node,
    points?.node,
    messages.node,
    warnings.node,
    layout,
    notes,
    exportBar,
    presets.source,
  );
  const hidden = { presets: presets.node, controls: controls.node, export: exportBar, notes, caption: presets.caption, fork: fork?.node, points: points?.node };
  for (const [token, node] of Object.entries(hidden)) if (hide.has(token) && node) node.hidden = true;
  if (hide.has('controls')) layout.classList.add('no-controls');
  return root;
}
