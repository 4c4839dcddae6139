/** Tensor construction: nested arrays, typed arrays, constants, ranges, seeded random. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor } from '../../src/tensor/tensor.js';
import { arange, full, ones, onesLike, rand, randn, scalar, tensor, zeros, zerosLike } from '../../src/tensor/creation.js';
import { Generator, manualSeed } from '../../src/tensor/random.js';
import { assertClose, assertThrowsWith } from '../helpers.js';

test('tensor() infers shapes from nested arrays and takes typed arrays with a shape', () => {
  const t = tensor([[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(t.shape, [2, 3]);
  assert.deepEqual(Array.from(t.data), [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(t.toArray(), [[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(tensor(7).shape, []);
  assert.equal(tensor(7).item(), 7);
  assert.deepEqual(tensor([]).shape, [0]);
  const typed = tensor(new Float32Array([1, 2, 3, 4, 5, 6]), [3, 2]);
  assert.deepEqual(typed.toArray(), [[1, 2], [3, 4], [5, 6]]);
  assert.deepEqual(tensor([1, 2, 3, 4], [2, 2]).shape, [2, 2]);
  assert.equal(tensor([1], undefined, { requiresGrad: true }).requiresGrad, true);
});

test('tensor() rejects ragged arrays, non-numbers and a shape that does not fit', () => {
  assertThrowsWith(() => tensor([[1, 2], [3]]), 'tensor: ragged nested array', '[1] has 1 elements where 2 were expected');
  assertThrowsWith(() => tensor([[1, 2], 3] as never), 'tensor: ragged nested array');
  assertThrowsWith(() => tensor(['a'] as never), 'tensor: element [0] is not a number');
  assertThrowsWith(() => tensor([1, 2, 3], [2, 2]), 'tensor: 3 values cannot fill shape [2,2] (4 elements)');
  assertThrowsWith(() => new Tensor(new Float32Array(3), [2, 2]), 'Tensor: data has 3 elements but shape [2,2] needs 4');
  assertThrowsWith(() => zeros([2, -1]), 'zeros: shape [2,-1] has invalid dimension -1');
  assertThrowsWith(() => zeros([1.5]), 'zeros: shape [1.5] has invalid dimension 1.5');
  assertThrowsWith(() => zeros([65536, 65536]), 'zeros: shape [65536,65536] has', 'more than the limit');
});

test('constants, likes and ranges', () => {
  assert.deepEqual(Array.from(zeros([2, 2]).data), [0, 0, 0, 0]);
  assert.deepEqual(Array.from(ones([3]).data), [1, 1, 1]);
  assert.deepEqual(Array.from(full([2], 0.5).data), [0.5, 0.5]);
  assert.deepEqual(scalar(3).shape, []);
  const x = tensor([[1, 2]]);
  assert.deepEqual(zerosLike(x).shape, [1, 2]);
  assert.deepEqual(Array.from(onesLike(x).data), [1, 1]);
  assert.deepEqual(Array.from(arange(5).data), [0, 1, 2, 3, 4]);
  assert.deepEqual(Array.from(arange(1, 2, 0.25).data), [1, 1.25, 1.5, 1.75]);
  assert.deepEqual(Array.from(arange(5, 0, -2).data), [5, 3, 1]);
  assert.deepEqual(arange(3, 3).shape, [0]);
  assertThrowsWith(() => arange(0, 1, 0), 'arange: step must be a non-zero finite number, got 0');
});

test('random tensors repeat under manualSeed and per Generator; randn is standard normal, rand is in range', () => {
  manualSeed(42);
  const a = randn([1000]);
  manualSeed(42);
  const b = randn([1000]);
  assert.deepEqual(a.data, b.data);
  const c = randn([1000]);
  assert.notDeepEqual(a.data, c.data);
  const mean = a.data.reduce((s, v) => s + v, 0) / a.size;
  const variance = a.data.reduce((s, v) => s + (v - mean) ** 2, 0) / a.size;
  assert.ok(Math.abs(mean) < 0.1 && Math.abs(variance - 1) < 0.15, `randn mean ${mean}, variance ${variance}`);
  const u = rand([1000], { low: -2, high: 3, generator: new Generator(1) });
  assert.ok(u.data.every((v) => v >= -2 && v < 3));
  assert.deepEqual(rand([5], { generator: new Generator(9) }).data, rand([5], { generator: new Generator(9) }).data);
  const g = new Generator(3);
  g.normal();
  const state = g.getState();
  const next = [g.normal(), g.uniform()];
  const h = new Generator(0);
  h.setState(state);
  assertClose([h.normal(), h.uniform()], next, 'generator state round trip', 0, 0);
});

test('Tensor basics: size, ndim, strides, item, toString, clone', () => {
  const t = tensor([[1, 2, 3], [4, 5, 6]]);
  assert.equal(t.size, 6);
  assert.equal(t.ndim, 2);
  assert.deepEqual(t.strides, [3, 1]);
  assert.ok(t.isLeaf);
  assertThrowsWith(() => t.item(), 'item: tensor of shape [2,3] has 6 elements, expected 1');
  assert.match(String(t), /Tensor\(shape=\[2,3\], data=\[1, 2, 3, 4, 5, 6\]\)/);
  const c = t.clone();
  c.data[0] = 9;
  assert.equal(t.data[0], 1);
  assert.ok(Object.isFrozen(t.shape));
});
