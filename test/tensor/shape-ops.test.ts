/** Shape ops: reshape/view/flatten share data; permute/transpose/slice/concat/stack copy. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { arange, tensor } from '../../src/tensor/creation.js';
import { concat, stack } from '../../src/ops/shape-ops.js';
import { assertThrowsWith } from '../helpers.js';

const grid = () => arange(24).reshape([2, 3, 4]);

test('reshape/view infer one -1 and share data; flatten merges a range of dims', () => {
  const x = grid();
  const y = x.reshape([4, -1]);
  assert.deepEqual(y.shape, [4, 6]);
  assert.equal(y.data, x.data);
  assert.deepEqual(x.view([-1]).shape, [24]);
  assert.deepEqual(x.flatten().shape, [24]);
  assert.deepEqual(x.flatten(1).shape, [2, 12]);
  assert.deepEqual(x.flatten(0, 1).shape, [6, 4]);
  assertThrowsWith(() => x.reshape([5, -1]), 'reshape: cannot reshape [2,3,4] (24 elements) to [5,-1]');
  assertThrowsWith(() => x.reshape([-1, -1]), 'reshape: only one dimension can be -1');
  assertThrowsWith(() => x.reshape([2, 2]), 'reshape: cannot reshape [2,3,4] (24 elements) to [2,2] (4 elements)');
  assertThrowsWith(() => x.flatten(2, 1), 'flatten: startDim 2 comes after endDim 1');
});

test('permute and transpose reorder elements; their gradients undo the reordering', () => {
  const x = grid();
  const p = x.permute([2, 0, 1]);
  assert.deepEqual(p.shape, [4, 2, 3]);
  assert.equal(p.toArray() instanceof Array && (p.toArray() as number[][][])[1]![1]![2], 12 + 2 * 4 + 1);
  const t = tensor([[1, 2, 3], [4, 5, 6]]).transpose();
  assert.deepEqual(t.toArray(), [[1, 4], [2, 5], [3, 6]]);
  assert.deepEqual(tensor([1, 2]).transpose().shape, [2]);
  assertThrowsWith(() => x.permute([0, 0, 1]), 'permute: dims [0,0,1] must be a permutation of 0..2');
  const w = tensor([[1, 2, 3], [4, 5, 6]], undefined, { requiresGrad: true });
  w.transpose(0, 1).mul(tensor([[1, 10], [100, 1000], [1e4, 1e5]])).sum().backward();
  assert.deepEqual(w.grad!.toArray(), [[1, 100, 1e4], [10, 1000, 1e5]]);
});

test('slice takes a range along a dim (negative and out-of-range indices clamp); its gradient scatters back', () => {
  const x = tensor([[1, 2, 3, 4], [5, 6, 7, 8]], undefined, { requiresGrad: true });
  assert.deepEqual(x.slice(1, 1, 3).toArray(), [[2, 3], [6, 7]]);
  assert.deepEqual(x.slice(1, -1).toArray(), [[4], [8]]);
  assert.deepEqual(x.slice(0, 1, 99).toArray(), [[5, 6, 7, 8]]);
  assert.deepEqual(x.slice(1, 3, 1).shape, [2, 0]);
  x.slice(1, 1, 3).sum().backward();
  assert.deepEqual(Array.from(x.grad!.data), [0, 1, 1, 0, 0, 1, 1, 0]);
  assertThrowsWith(() => x.slice(1, 0.5), 'slice: start and end must be integers');
});

test('unsqueeze/squeeze add and remove size-1 dims', () => {
  const x = tensor([[1, 2, 3]]);
  assert.deepEqual(x.unsqueeze(0).shape, [1, 1, 3]);
  assert.deepEqual(x.unsqueeze(-1).shape, [1, 3, 1]);
  assert.deepEqual(x.squeeze().shape, [3]);
  assert.deepEqual(x.squeeze(0).shape, [3]);
  assert.deepEqual(x.squeeze(1).shape, [1, 3]);
  assertThrowsWith(() => x.unsqueeze(4), 'unsqueeze: dim 4 is out of range');
});

test('concat and stack join tensors; gradients split back', () => {
  const a = tensor([[1, 2]], undefined, { requiresGrad: true });
  const b = tensor([[3, 4], [5, 6]], undefined, { requiresGrad: true });
  const c = concat([a, b], 0);
  assert.deepEqual(c.toArray(), [[1, 2], [3, 4], [5, 6]]);
  c.mul(tensor([[1], [2], [3]])).sum().backward();
  assert.deepEqual(Array.from(a.grad!.data), [1, 1]);
  assert.deepEqual(Array.from(b.grad!.data), [2, 2, 3, 3]);
  assert.deepEqual(concat([tensor([[1], [2]]), tensor([[3, 4], [5, 6]])], 1).toArray(), [[1, 3, 4], [2, 5, 6]]);
  assert.deepEqual(stack([tensor([1, 2]), tensor([3, 4])], 1).toArray(), [[1, 3], [2, 4]]);
  assertThrowsWith(() => concat([tensor([[1, 2]]), tensor([[1, 2, 3]])], 0), 'concat: tensors[1] has shape [1,3], incompatible with tensors[0] [1,2] along dim 0');
  assertThrowsWith(() => concat([]), 'concat: expected a non-empty array of tensors');
});
