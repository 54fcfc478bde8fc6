// The URL hash parser never throws and reports what it could not use.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseHash, buildHash } from '../www/url-state.js';

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

test('long values are cut before they reach the engine', () => {
  const parsed = parseHash('#alpha=' + '9'.repeat(1000));
  assert.ok(parsed.params.alpha.length <= 64);
});
