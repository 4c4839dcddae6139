/** matmul with PyTorch's rules: 1-D operands, batch dims that broadcast, and gradients. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, randn } from '../../src/tensor/creation.js';
import { Generator } from '../../src/tensor/random.js';
import { forEachBackend } from '../for-each-backend.js';
import { assertClose, assertThrowsWith } from '../helpers.js';

forEachBackend(() => {
  test('2-D, vector-matrix, matrix-vector and vector-vector products', () => {
    const a = tensor([[1, 2], [3, 4], [5, 6]]);
    const b = tensor([[1, 0, 2], [0, 1, 3]]);
    assert.deepEqual(a.matmul(b).toArray(), [[1, 2, 8], [3, 4, 18], [5, 6, 28]]);
    assert.deepEqual(tensor([1, 1, 1]).matmul(a).toArray(), [9, 12]);
    assert.deepEqual(a.matmul(tensor([1, -1])).toArray(), [-1, -1, -1]);
    const dot = tensor([1, 2, 3]).matmul(tensor([4, 5, 6]));
    assert.deepEqual(dot.shape, []);
    assert.equal(dot.item(), 32);
  });

  test('batch dims broadcast: [2,1,2,3] @ [3,3,2] -> [2,3,2,2]', () => {
    const g = new Generator(3);
    const a = randn([2, 1, 2, 3], { generator: g, requiresGrad: true });
    const b = randn([3, 3, 2], { generator: g, requiresGrad: true });
    const c = a.matmul(b);
    assert.deepEqual(c.shape, [2, 3, 2, 2]);
    // Element [1,2,0,1] = row 0 of a[1,0] times column 1 of b[2].
    let want = 0;
    for (let k = 0; k < 3; k++) want += a.data[6 + k]! * b.data[2 * 6 + k * 2 + 1]!;
    assertClose([c.data[((1 * 3 + 2) * 2 + 0) * 2 + 1]!], [want], 'broadcast batch element');
    c.sum().backward();
    assert.deepEqual(a.grad!.shape, [2, 1, 2, 3]);
    assert.deepEqual(b.grad!.shape, [3, 3, 2]);
    // d sum(A B) / dA[i,k] = sum_j B[k,j], summed over the broadcast batch copies.
    const bRowSums = [0, 1, 2].map((k) => [0, 1, 2].reduce((s, batch) => s + b.data[batch * 6 + k * 2]! + b.data[batch * 6 + k * 2 + 1]!, 0));
    assertClose(Array.from(a.grad!.data.subarray(0, 3)), bRowSums, 'dA sums over the broadcast copies of B', 1e-5, 1e-5);
  });

  test('1-D operands get 1-D gradients', () => {
    const v = tensor([1, 2], undefined, { requiresGrad: true });
    const m = tensor([[1, 2, 3], [4, 5, 6]], undefined, { requiresGrad: true });
    v.matmul(m).sum().backward();
    assert.deepEqual(Array.from(v.grad!.data), [6, 15]);
    assert.deepEqual(m.grad!.toArray(), [[1, 1, 1], [2, 2, 2]]);
  });

  test('shape errors name both operands', () => {
    assertThrowsWith(() => tensor([[1, 2]]).matmul(tensor([[1, 2]])), 'matmul: a [1,2] has 2 columns but b [1,2] has 1 rows');
    assertThrowsWith(() => tensor(1).matmul(tensor([1])), 'matmul: both operands need at least 1 dimension, got [] and [1]');
    assertThrowsWith(() => randn([2, 1, 2]).matmul(randn([3, 2, 1])), 'matmul (batch dims): shapes [2] and [3] cannot be broadcast');
  });
});
