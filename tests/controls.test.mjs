// The parameter controls' arithmetic, checked under Node without a browser: the slider's log
// scale, the number box's text while dragging, which entries are refused, and which controls
// apply to the current values.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applies, available, parseEntry, sliderScale, sliderText } from '../www/controls.js';

const lr = { name: 'lr', min: 1e-4, max: 1, log: true, integer: false };
const steps = { name: 'steps', min: 10, max: 20000, log: false, integer: true };

test('a log parameter moves along log10 on its slider, and back', () => {
  const { toSlider, fromSlider } = sliderScale(lr);
  assert.equal(toSlider(1e-4), -4);
  assert.equal(toSlider(1), 0);
  for (const v of [1e-4, 3e-3, 0.05, 0.5]) assert.ok(Math.abs(fromSlider(toSlider(v)) - v) < 1e-12 * v);
  const linear = sliderScale(steps);
  assert.equal(linear.toSlider(300), 300);
  assert.equal(linear.fromSlider(300), 300);
});

test('while dragging, the box shows four significant digits, whole numbers for integers', () => {
  assert.equal(sliderText(lr, Math.log10(0.0123456)), '0.01235');
  assert.equal(sliderText(lr, 0), '1');
  assert.equal(sliderText(steps, '1234.6'), '1235');
  assert.equal(sliderText(steps, '12344'), '12340', 'four significant digits');
});

test('empty and non-numeric entries are refused; numbers pass, spaces and all', () => {
  for (const bad of ['', '   ', 'abc', 'NaN', 'Infinity', '-Infinity', '1,5', '0x']) assert.equal(parseEntry(bad), null, bad);
  assert.equal(parseEntry(' 2 '), 2);
  assert.equal(parseEntry('1e-3'), 0.001);
  assert.equal(parseEntry('0'), 0, 'zero is a number, not an empty box');
  assert.equal(parseEntry(-3), -3);
});

test('a control with visible_when applies only for the listed values of its parameter', () => {
  const width = { name: 'width', visible_when: { param: 'dataset', values: [1, 2] } };
  assert.equal(applies(width, { dataset: 1 }), true);
  assert.equal(applies(width, { dataset: '2' }), true, 'values read from a link are text');
  assert.equal(applies(width, { dataset: 0 }), false);
  assert.equal(applies(width, {}), false);
  assert.equal(applies({ name: 'lr' }, {}), true, 'without visible_when a control always applies');
  const rho = { name: 'rho', visible_when: { param: 'runs', values: [0, 2], or: { param: 'fork', values: [1] } } };
  assert.equal(applies(rho, { runs: 1, fork: 0 }), false);
  assert.equal(applies(rho, { runs: 1, fork: 1 }), true, 'or its other clause holds');
  assert.equal(applies(rho, { runs: 2, fork: 0 }), true);
});

test('a switch can be turned on only when what it needs is there', () => {
  const dropout = { name: 'msd', requires: { param: 'hidden', above: 0, note: 'needs a hidden layer' } };
  assert.equal(available(dropout, { hidden: 0 }), false);
  assert.equal(available(dropout, { hidden: 8 }), true);
  assert.equal(available({ name: 'pskd', requires: null }, { hidden: 0 }), true);
});
