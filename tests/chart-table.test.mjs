// A chart's table, checked under Node without a browser: lines share one x column, a chart of
// points lists them, pictures are left out by name. (The page test checks the table itself.)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cell, tableData } from '../www/chart-table.js';

const line = (name, points) => ({ name, mark: { Line: { width: 2, dashed: false } }, points });
const axis = (label) => ({ label });

test('lines share one x column, a row per x any of them has', () => {
  const spec = { x: axis('step'), y: axis('accuracy'), series: [line('CE', [[1, 0.5], [2, 0.75]]), line('ELR', [[2, 0.8], [4, 0.9]])] };
  const { columns, rows, left } = tableData(spec);
  assert.deepEqual(columns, ['step', 'CE', 'ELR']);
  assert.deepEqual(rows, [[1, 0.5, undefined], [2, 0.75, 0.8], [4, undefined, 0.9]]);
  assert.deepEqual(left, []);
});

test('a chart of points lists them, and a picture is named as left out', () => {
  const spec = {
    x: axis('x₁'),
    y: axis('x₂'),
    series: [
      { name: '', mark: { Cells: { width: 1, height: 1 } }, points: [[0, 0]] },
      { name: 'training point', mark: { Dots: { radius: 2 } }, points: [[1, 2]] },
    ],
  };
  const { columns, rows, left } = tableData(spec);
  assert.deepEqual(columns, ['series', 'x₁', 'x₂']);
  assert.deepEqual(rows, [['training point', 1, 2]]);
  assert.deepEqual(left, ['the picture']);
});

test('points coloured one by one name their colour from the legend', () => {
  const spec = {
    x: axis('x₁'),
    y: axis('x₂'),
    series: [
      { name: 'training point', mark: { Dots: { radius: 2 } }, color: [1, 1, 1], points: [[1, 2], [3, 4]], colors: [[0, 114, 178], [9, 9, 9]] },
      { name: 'class 1', mark: { Dots: { radius: 2 } }, color: [0, 114, 178], points: [] },
    ],
  };
  const { columns, rows } = tableData(spec);
  assert.deepEqual(columns, ['series', 'x₁', 'x₂', 'colour']);
  assert.deepEqual(rows, [['training point', 1, 2, 'class 1'], ['training point', 3, 4, '']]);
});

test('rings and frames on listed points are a column of their rows, not rows of their own', () => {
  const spec = {
    x: axis('x₁'),
    y: axis('x₂'),
    series: [
      { name: 'training point', mark: { Dots: { radius: 2 } }, color: [1, 1, 1], points: [[1, 2], [3, 4]], colors: [] },
      { name: 'flipped label', mark: { Rings: { radius: 5 } }, color: [0, 0, 0], points: [[3, 4]] },
      { name: 'your point', mark: { Frames: { width: 1, height: 1 } }, color: [0, 0, 0], points: [[3, 4]] },
      { name: 'elsewhere', mark: { Rings: { radius: 5 } }, color: [0, 0, 0], points: [[9, 9]] },
    ],
  };
  const { columns, rows } = tableData(spec);
  assert.deepEqual(columns, ['series', 'x₁', 'x₂', 'marked']);
  assert.deepEqual(rows, [
    ['training point', 1, 2, ''],
    ['training point', 3, 4, 'flipped label, your point'],
    ['elsewhere', 9, 9, ''],
  ]);
});

test('cells show four significant digits and a dash for a missing value', () => {
  assert.equal(cell(0.123456), '0.1235');
  assert.equal(cell(1234567), '1235000');
  assert.equal(cell(undefined), '–');
  assert.equal(cell(NaN), '–');
});
