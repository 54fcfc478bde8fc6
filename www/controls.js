// A lab's parameter controls, generated from its schema: a checkbox for an on/off switch, a
// select for a parameter with named options, else a slider (on a log scale where the schema
// says so) beside a number box. It checks each entry before the lab sees it, hides the
// controls that do not apply to the current values (the schema's visible_when) and disables,
// with its note, a switch whose requirement fails (the schema's requires). The lab decides
// what a new value does.

import { el } from './dom.js';
import { formatNumber } from './url-state.js';

/** The slider's scale for a numeric parameter: log10 of the value where the schema says so. */
export function sliderScale(spec) {
  return {
    toSlider: (v) => (spec.log ? Math.log10(v) : v),
    fromSlider: (s) => (spec.log ? 10 ** s : s),
  };
}

/** The number box's text while the slider is dragged to `position`: four significant digits. */
export function sliderText(spec, position) {
  let v = sliderScale(spec).fromSlider(Number(position));
  if (spec.integer) v = Math.round(v);
  return formatNumber(Number(v.toPrecision(4)));
}

/** The number typed in a box, or null for an empty or non-numeric entry. */
export function parseEntry(text) {
  const trimmed = String(text).trim();
  const value = Number(trimmed);
  return trimmed === '' || !Number.isFinite(value) ? null : value;
}

/** Whether a parameter's control applies to the lab's values (its schema's visible_when). */
export function applies(spec, params) {
  return holds(spec.visible_when, params);
}

/** Whether a condition holds: no condition, or its clause, or the one it allows `or`. */
function holds(when, params) {
  return !when || when.values.includes(Number(params[when.param])) || Boolean(when.or && holds(when.or, params));
}

/** Whether a switch can be turned on with the lab's values (its schema's requires). */
export function available(spec, params) {
  const need = spec.requires;
  return !need || Number(params[need.param]) > need.above;
}

export class ParameterControls {
  /**
   * info: the lab's catalog entry; uid: an id prefix unique on the page; shown: the names to
   * show (null for all); locked: names shown but disabled;
   * running(): the values the lab runs with (undefined before the first read-back);
   * requested(): the values asked for; onChange(name, value): a valid entry;
   * onRefused(text): why an entry was refused, after its control shows the running value again.
   */
  constructor({ info, uid, shown, locked, running, requested, onChange, onRefused }) {
    Object.assign(this, { uid, locked, running, requested, onChange, onRefused });
    this.node = el('form', { class: 'controls', 'aria-label': 'parameters', onsubmit: (e) => e.preventDefault() });
    this.inputs = new Map();
    for (const spec of info.schema) {
      // A text parameter (your own points) has its own editor (points.js).
      if (spec.text || (shown && !shown.has(spec.name))) continue;
      const row = spec.checkbox ? this.checkboxRow(spec) : spec.options.length ? this.selectRow(spec) : this.sliderRow(spec);
      this.node.append(row);
    }
  }

  /** The label, the input(s) and the help line of one parameter. */
  row(spec, id, ...inputs) {
    const help = el('small', { id: `${id}-help`, class: 'help' }, spec.help);
    return el('div', { class: 'control', 'data-param': spec.name }, el('label', { for: id }, spec.label), el('div', { class: 'inputs' }, ...inputs), help);
  }

  selectRow(spec) {
    const id = `${this.uid}-${spec.name}`;
    const select = el('select', { id, 'aria-describedby': `${id}-help`, disabled: this.locked.has(spec.name) },
      ...spec.options.map((label, i) => el('option', { value: i }, label)));
    select.addEventListener('change', () => this.commit(spec, select.value));
    const row = this.row(spec, id, select);
    this.inputs.set(spec.name, { select, spec, row });
    return row;
  }

  checkboxRow(spec) {
    const id = `${this.uid}-${spec.name}`;
    const box = el('input', { type: 'checkbox', id, 'aria-describedby': `${id}-help`, disabled: this.locked.has(spec.name) });
    box.addEventListener('change', () => this.commit(spec, box.checked ? '1' : '0'));
    const note = spec.requires?.note ?? '';
    const needs = el('small', { id: `${id}-needs`, class: 'needs', hidden: true }, `${note.charAt(0).toUpperCase()}${note.slice(1)}.`);
    const help = el('small', { id: `${id}-help`, class: 'help' }, spec.help);
    const row = el('div', { class: 'control switch', 'data-param': spec.name }, el('label', { for: id }, box, ' ', spec.label), needs, help);
    this.inputs.set(spec.name, { box, needs, help, spec, row });
    return row;
  }

  sliderRow(spec) {
    const id = `${this.uid}-${spec.name}`;
    const locked = this.locked.has(spec.name);
    const { toSlider } = sliderScale(spec);
    const slider = el('input', {
      type: 'range',
      id,
      min: toSlider(spec.min),
      max: toSlider(spec.max),
      step: spec.log ? 'any' : spec.step,
      'aria-describedby': `${id}-help`,
      disabled: locked,
    });
    const number = el('input', {
      disabled: locked,
      type: 'number',
      min: spec.min,
      max: spec.max,
      step: spec.integer ? 1 : 'any',
      'aria-label': `${spec.label} value`,
      inputmode: 'decimal',
    });
    slider.addEventListener('input', () => {
      number.value = sliderText(spec, slider.value);
    });
    slider.addEventListener('change', () => this.commit(spec, number.value));
    number.addEventListener('change', () => this.commit(spec, number.value));
    const row = this.row(spec, id, slider, number);
    this.inputs.set(spec.name, { slider, number, spec, toSlider, row });
    return row;
  }

  /**
   * A control's new value. An empty or non-numeric box puts the running value back with a
   * message, so one bad entry never leaves the lab in a state every later change fails from.
   */
  commit(spec, text) {
    const value = parseEntry(text);
    if (value === null) {
      const current = this.running()?.[spec.name];
      if (current !== undefined) this.sync({ [spec.name]: current });
      this.onRefused(`${spec.label} needs a number from ${formatNumber(spec.min)} to ${formatNumber(spec.max)}; it stays at ${formatNumber(current)}.`);
      return;
    }
    this.onChange(spec.name, value);
  }

  /** Shows the values the lab actually runs with (after clamping), and only the controls that apply. */
  sync(params) {
    for (const [name, { slider, number, toSlider, select, box }] of this.inputs) {
      const v = params[name];
      if (v === undefined) continue;
      if (box) {
        box.checked = Number(v) !== 0;
        continue;
      }
      if (select) {
        select.value = String(v);
        continue;
      }
      number.value = formatNumber(v);
      slider.value = toSlider(v);
    }
    this.showApplicable();
  }

  /** Hides controls the lab declares irrelevant for the current values (e.g. another data set's). */
  showApplicable() {
    const params = this.running() ?? this.requested();
    for (const { spec, row, box, needs, help } of this.inputs.values()) {
      if (spec.visible_when) row.hidden = !applies(spec, params);
      if (box && spec.requires) {
        const ok = available(spec, params);
        box.disabled = this.locked.has(spec.name) || !ok;
        needs.hidden = ok;
        // A screen reader announces the note only while it applies.
        box.setAttribute('aria-describedby', ok ? help.id : `${needs.id} ${help.id}`);
      }
    }
  }
}
