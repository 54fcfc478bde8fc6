// How a course page's <phenomena-lab> attributes are read, checked under Node without a
// browser: lists, fixed parameters, the backend and the preset a lab starts from.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseBackend, configFromAttributes, listAttribute, paramsAttribute, startingPreset, wantedBackend } from '../www/lab-attributes.js';

const info = {
  schema: [
    { name: 'alpha', default: 0.5 },
    { name: 'steps', default: 4000 },
    { name: 'seed', default: 0 },
  ],
  presets: [
    { id: 'well', values: [] },
    { id: 'peak', values: [['alpha', 1]] },
  ],
};

test('list attributes are trimmed, and empty entries dropped', () => {
  assert.deepEqual([...listAttribute(' lr, noise ,,steps ')], ['lr', 'noise', 'steps']);
  assert.equal(listAttribute(null).size, 0);
  assert.equal(listAttribute('').size, 0);
});

test('params="name=value,…" fixes values as text; pairs without a value are left out', () => {
  assert.deepEqual(paramsAttribute('steps=60, alpha = 1.5'), { steps: '60', alpha: '1.5' });
  assert.deepEqual(paramsAttribute('steps,=3,alpha='), { alpha: '' });
  // Pairs joined by & as in a playground link.
  assert.deepEqual(paramsAttribute('fork=1&fork_step=250'), { fork: '1', fork_step: '250' });
  assert.deepEqual(paramsAttribute(null), {});
});

test('the backend asked for is used where it can run, else the engine picks', () => {
  assert.equal(wantedBackend('webgpu'), 'webgpu');
  assert.equal(wantedBackend('flex'), 'flex');
  assert.equal(wantedBackend('cuda'), 'auto');
  assert.equal(wantedBackend(null), 'auto');
  const gpu = { gpuProblem: '', autoBackend: 'webgpu' };
  const noGpu = { gpuProblem: 'no adapter', autoBackend: 'flex' };
  assert.equal(chooseBackend('webgpu', gpu), 'webgpu');
  assert.equal(chooseBackend('webgpu', noGpu), 'flex');
  assert.equal(chooseBackend('flex', gpu), 'flex');
  assert.equal(chooseBackend(null, gpu), 'webgpu');
});

test('without a preset attribute a lab starts from its first preset unless fixed values change the run', () => {
  assert.equal(startingPreset('peak', info, { alpha: '3' }), 'peak', 'the attribute wins');
  assert.equal(startingPreset(null, info, {}), 'well');
  assert.equal(startingPreset(null, info, { seed: '4' }), 'well', 'another seed is the same story');
  assert.equal(startingPreset(null, info, { alpha: '2' }), null);
  assert.equal(startingPreset(null, { ...info, presets: [] }, {}), null);
});

test('the fixed parameters are locked, and an empty controls list shows every control', () => {
  const attributes = { controls: '', hide: 'export,notes', preset: null };
  const node = { getAttribute: (name) => attributes[name] ?? null };
  const { state, options } = configFromAttributes(node, info, { gpuProblem: '', autoBackend: 'flex' }, { params: { steps: '60' }, backend: null });
  assert.deepEqual(state, { preset: null, params: { steps: '60' }, backend: 'flex' }, '60 steps is not the first preset\'s run');
  assert.equal(options.controls, null);
  assert.deepEqual([...options.locked], ['steps']);
  assert.deepEqual([...options.hide], ['export', 'notes']);
  assert.equal(options.embedded, true);
  assert.equal(options.quiz, false);
  for (const [value, on] of [['', true], ['on', true], ['off', false], ['0', false]]) {
    attributes.quiz = value;
    assert.equal(configFromAttributes(node, info, { gpuProblem: '', autoBackend: 'flex' }, { params: {}, backend: null }).options.quiz, on, `quiz="${value}"`);
  }
});
