/** Reductions: sum/mean over all or some dims, max with PyTorch's tie rules, argmax. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor } from '../../src/tensor/creation.js';
import { assertClose, assertThrowsWith } from '../helpers.js';

const x = () => tensor([[[1, 2], [3, 4], [5, 6]], [[7, 8], [9, 10], [11, 12]]], undefined, { requiresGrad: true });

test('sum and mean over all elements, one dim, several dims, negative dims, keepDim', () => {
  assert.equal(x().sum().item(), 78);
  assert.deepEqual(x().sum().shape, []);
  assert.deepEqual(x().sum(1).toArray(), [[9, 12], [27, 30]]);
  assert.deepEqual(x().sum(-1).toArray(), [[3, 7, 11], [15, 19, 23]]);
  assert.deepEqual(x().sum([0, 2], true).toArray(), [[[18], [26], [34]]]);
  assert.deepEqual(x().sum([2, 0]).shape, [3]);
  assert.equal(x().mean().item(), 6.5);
  assert.deepEqual(x().mean(0).toArray(), [[4, 5], [6, 7], [8, 9]]);
  assertThrowsWith(() => x().sum(3), 'sum: dim 3 is out of range for a tensor of rank 3');
});

test('sum and mean gradients spread the output gradient over the reduced elements', () => {
  const a = x();
  a.mean([0, 1]).mul(tensor([1, 2])).sum().backward();
  assertClose(a.grad!.data, Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? 1 : 2) / 6), 'd mean');
});

test('max over all elements shares the gradient among ties; along a dim it goes to the first maximum', () => {
  const a = tensor([[3, 1, 3], [2, 3, 0]], undefined, { requiresGrad: true });
  assert.equal(a.max().item(), 3);
  a.max().backward();
  assertClose(a.grad!.data, [1 / 3, 0, 1 / 3, 0, 1 / 3, 0], 'max() gradient');
  const b = tensor([[3, 1, 3], [2, 3, 3]], undefined, { requiresGrad: true });
  const m = b.max(1);
  assert.deepEqual(Array.from(m.data), [3, 3]);
  m.sum().backward();
  assert.deepEqual(Array.from(b.grad!.data), [1, 0, 0, 0, 1, 0]);
  assert.deepEqual(b.max(0, true).shape, [1, 3]);
  assertThrowsWith(() => tensor([]).max(), 'max: input of shape [0] is empty');
});

test('argmax: flat index, along a dim, first of ties, NaN wins', () => {
  const a = tensor([[1, 5, 5], [7, 0, 7]]);
  assert.equal(a.argmax().item(), 3);
  assert.deepEqual(Array.from(a.argmax(1).data), [1, 0]);
  assert.deepEqual(Array.from(a.argmax(0).data), [1, 0, 1]);
  assert.deepEqual(a.argmax(1, true).shape, [2, 1]);
  assert.equal(tensor([1, NaN, 3]).argmax().item(), 1);
  assert.ok(Number.isNaN(tensor([1, NaN, 3]).max().item()));
});
