/** Element-wise arithmetic: broadcasting rules, numbers as operands, gradients summed back. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor } from '../../src/tensor/creation.js';
import { broadcastShapes } from '../../src/tensor/shape.js';
import { assertClose, assertThrowsWith } from '../helpers.js';

test('broadcastShapes follows NumPy: align right, 1 stretches, missing dims are 1', () => {
  assert.deepEqual(broadcastShapes([2, 3], [3], 'x'), [2, 3]);
  assert.deepEqual(broadcastShapes([2, 1, 4], [3, 1], 'x'), [2, 3, 4]);
  assert.deepEqual(broadcastShapes([], [2, 2], 'x'), [2, 2]);
  assert.deepEqual(broadcastShapes([0, 1], [1, 5], 'x'), [0, 5]);
  assertThrowsWith(() => broadcastShapes([2, 3], [2], 'add'), 'add: shapes [2,3] and [2] cannot be broadcast (dimension 1 of the result: 3 vs 2)');
});

test('add, sub, mul, div, pow with tensors and numbers, broadcasting both ways', () => {
  const a = tensor([[1, 2, 3], [4, 5, 6]]);
  const row = tensor([10, 20, 30]);
  const col = tensor([[1], [2]]);
  assert.deepEqual(a.add(row).toArray(), [[11, 22, 33], [14, 25, 36]]);
  assert.deepEqual(a.sub(col).toArray(), [[0, 1, 2], [2, 3, 4]]);
  assert.deepEqual(col.mul(row).toArray(), [[10, 20, 30], [20, 40, 60]]);
  assert.deepEqual(a.div(2).toArray(), [[0.5, 1, 1.5], [2, 2.5, 3]]);
  assert.deepEqual(a.pow(2).toArray(), [[1, 4, 9], [16, 25, 36]]);
  assert.deepEqual(col.pow(tensor([1, 2, 3])).toArray(), [[1, 1, 1], [2, 4, 8]]);
  assert.deepEqual(a.maximum(3.5).toArray(), [[3.5, 3.5, 3.5], [4, 5, 6]]);
  assert.deepEqual(a.minimum(row.div(10)).toArray(), [[1, 2, 3], [1, 2, 3]]);
  assert.deepEqual(tensor([-1, 4]).neg().abs().sqrt().toArray(), [1, 2]);
  assertClose(tensor([0, 1]).exp().log().data, [0, 1], 'log(exp(x))');
  assertThrowsWith(() => a.add(tensor([1, 2])), 'add: shapes [2,3] and [2] cannot be broadcast');
  assertThrowsWith(() => a.mul('x' as never), "mul: expected a Tensor or a number, got string x");
});

test('NaN propagates through maximum/minimum as in torch', () => {
  const m = tensor([NaN, 1]).maximum(tensor([0, NaN]));
  assert.ok(m.data.every(Number.isNaN));
});

test('gradients of broadcast operands are summed back to their shapes', () => {
  const a = tensor([[1, 2, 3], [4, 5, 6]], undefined, { requiresGrad: true });
  const b = tensor([[2], [4]], undefined, { requiresGrad: true });
  a.div(b).sum().backward();
  assertClose(a.grad!.data, [0.5, 0.5, 0.5, 0.25, 0.25, 0.25], 'd(a/b)/da');
  assertClose(b.grad!.data, [-(1 + 2 + 3) / 4, -(4 + 5 + 6) / 16], 'd(a/b)/db');
  const x = tensor([1, 2, 3], undefined, { requiresGrad: true });
  x.mul(x).add(x.mul(2)).sum().backward();     // d/dx (x^2 + 2x) = 2x + 2, both uses of x accumulate
  assert.deepEqual(Array.from(x.grad!.data), [4, 6, 8]);
  const p = tensor([2, 3], undefined, { requiresGrad: true });
  const e = tensor([3, 2], undefined, { requiresGrad: true });
  p.pow(e).sum().backward();
  assertClose(p.grad!.data, [3 * 4, 2 * 3], 'd(p^e)/dp');
  assertClose(e.grad!.data, [8 * Math.log(2), 9 * Math.log(3)], 'd(p^e)/de');
});

test('maximum/minimum split the gradient evenly at ties (torch.maximum)', () => {
  const a = tensor([1, 2, 3], undefined, { requiresGrad: true });
  const b = tensor([2, 2, 2], undefined, { requiresGrad: true });
  a.maximum(b).sum().backward();
  assert.deepEqual(Array.from(a.grad!.data), [0, 0.5, 1]);
  assert.deepEqual(Array.from(b.grad!.data), [1, 0.5, 0]);
});
