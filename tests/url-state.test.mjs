// The URL hash parser never throws and reports what it could not use.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseHash, buildHash, matchesPreset, presetValues } from '../www/url-state.js';

test('a hash round-trips through build and parse', () => {
  const hash = buildHash({ lab: 'frozen-subspace', backend: 'flex', params: { alpha: 0.5, n: 200, lr: 0.1 + 0.2 } });
  const parsed = parseHash(hash);
  assert.equal(parsed.lab, 'frozen-subspace');
  assert.equal(parsed.backend, 'flex');
  assert.deepEqual(parsed.params, { alpha: '0.5', n: '200', lr: '0.3' });
  assert.deepEqual(parsed.problems, []);
});

test('garbage never throws and malformed keys are reported', () => {
  const samples = ['', '#', '#%', '#%%%&&==', '#lab', '#a=1&=2', '#<script>=1', '#' + 'x'.repeat(5000) + '=1', '#alpha=%E0%A4%A'];
  for (const h of samples) {
    const parsed = parseHash(h);
    assert.equal(typeof parsed.params, 'object', h);
  }
  assert.match(parseHash('#<script>=1').problems[0], /malformed/);
});

test('long values are cut before they reach the engine, after room for 256 of your own points', () => {
  const parsed = parseHash('#alpha=' + '9'.repeat(5000));
  assert.ok(parsed.params.alpha.length <= 1100);
  const points = 'xoAC'.repeat(256);
  assert.equal(parseHash(`#lab=early-learning&points=${points}`).params.points, points);
});

test('the preset travels in the hash', () => {
  const hash = buildHash({ lab: 'frozen-subspace', preset: 'peak', backend: 'flex', params: { alpha: 1 } });
  assert.equal(parseHash(hash).preset, 'peak');
  assert.equal(parseHash(buildHash({ lab: 'frozen-subspace', preset: null, params: {} })).preset, null);
});

test('a link keeps its preset only while its values are the preset\'s', () => {
  const info = {
    schema: [
      { name: 'alpha', default: 0.5 },
      { name: 'steps', default: 4000 },
      { name: 'seed', default: 0 },
      { name: 'fork', default: 0, fork: true },
      { name: 'fork_step', default: 100, fork: true },
      { name: 'points', default: 0, text: true },
    ],
    presets: [{ id: 'peak', values: [['alpha', 1], ['steps', 20000]] }],
  };
  assert.ok(matchesPreset(info, 'peak', { alpha: '1', steps: '20000', seed: '0' }));
  assert.ok(matchesPreset(info, 'peak', {}), 'left-out values are the preset\'s');
  assert.ok(matchesPreset(info, 'peak', { alpha: '1', seed: '7' }), 'the seed may differ');
  assert.ok(matchesPreset(info, 'peak', { alpha: '1', fork: '1', fork_step: '300' }), 'a fork changes none of its runs');
  assert.ok(matchesPreset(info, 'peak', { alpha: '1', alhpa: '3' }), 'unknown names are the engine\'s to report');
  assert.ok(!matchesPreset(info, 'peak', { alpha: '2' }));
  assert.ok(!matchesPreset(info, 'peak', { steps: '4000' }), 'a default the preset changed');
  assert.ok(!matchesPreset(info, 'peak', { alpha: 'NaN' }));
  assert.ok(!matchesPreset(info, 'peak', { alpha: '' }));
  assert.ok(!matchesPreset(info, 'nope', {}));
  assert.ok(!matchesPreset(info, 'peak', { alpha: '1', points: 'xoAC' }), 'your own points change the data');
  assert.ok(matchesPreset(info, 'peak', { alpha: '1', points: '' }));
  assert.deepEqual(presetValues(info, 'peak'), { alpha: 1, steps: 20000, seed: 0, fork: 0, fork_step: 100 });
});

test('quiz in a link: on unless it says off, never a parameter, and written back as quiz=on', () => {
  assert.equal(parseHash('#lab=a&quiz').quiz, true);
  assert.equal(parseHash('#lab=a&quiz=on').quiz, true);
  assert.equal(parseHash('#lab=a&quiz=off').quiz, false);
  assert.equal(parseHash('#lab=a').quiz, false);
  assert.deepEqual(parseHash('#lab=a&quiz=1&eta=2').params, { eta: '2' });
  assert.equal(buildHash({ lab: 'a', preset: 'p', params: {}, quiz: true }), '#lab=a&preset=p&quiz=on');
  assert.equal(buildHash({ lab: 'a', preset: 'p', params: { quiz: 3 } }), '#lab=a&preset=p');
});
