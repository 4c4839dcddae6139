/**
 * Exact points PyTorch fixes and random data rarely hits: derivatives at the kinks, max
 * pooling ties and NaN, numerical stability of softmax/crossEntropy, dropout's scaling and
 * seeding, zero insertion's size, convolution vs cross-correlation.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor } from '../../src/tensor/tensor.js';
import { Generator } from '../../src/tensor/random.js';
import * as F from '../../src/ops/functional.js';
import { assertClose } from '../helpers.js';
import { forEachBackend } from '../for-each-backend.js';

function leaf(values: number[], shape = [values.length]): Tensor {
  const t = new Tensor(Float32Array.from(values), shape);
  t.requiresGrad = true;
  return t;
}

/** The derivative of f at each point (backward of sum(f(x))). */
function derivative(f: (x: Tensor) => Tensor, points: number[]): number[] {
  const x = leaf(points);
  F.sum(f(x)).backward();
  return Array.from(x.grad!.data);
}

forEachBackend(() => {
  test("kink derivatives are PyTorch's", () => {
    assert.deepEqual(derivative(F.relu, [-1, 0, 1]), [0, 0, 1]);
    assertClose(derivative((x) => F.leakyRelu(x, 0.2), [-1, 0, 1]), [0.2, 0.2, 1], 'leakyRelu\'');
    assert.deepEqual(derivative(F.relu6, [-1, 0, 3, 6, 7]), [0, 0, 1, 0, 0]);
    assertClose(derivative(F.hardswish, [-4, -3, 0, 3, 4]), [0, -0.5, 0.5, 1.5, 1], 'hardswish\'');
    assertClose(derivative(F.hardsigmoid, [-4, -3, 0, 3, 4]), [0, 0, 1 / 6, 0, 0], 'hardsigmoid\'');
    assertClose(derivative((x) => F.elu(x, 0.5), [-1, 0, 1]), [0.5 * Math.exp(-1), 0.5, 1], 'elu\'');
    assert.deepEqual(derivative(F.abs, [-2, 0, 2]), [-1, 0, 1]);
  });

  test('activation values at the edges', () => {
    assert.deepEqual(Array.from(F.relu6(leaf([-1, 0, 6, 7])).data), [0, 0, 6, 6]);
    assertClose(F.hardswish(leaf([-3, 3])).data, [0, 3], 'hardswish at -3 and 3', 0, 0);
    assertClose(F.sigmoid(leaf([-100, 0, 100])).data, [0, 0.5, 1], 'sigmoid saturates without NaN');
    assertClose(F.silu(leaf([-100, 1])).data, [0, 1 / (1 + Math.exp(-1))], 'silu');
  });

  test('max pooling: ties go to the first maximum in window order, padding never wins, NaN propagates', () => {
    const x = leaf([3, 1, 3, 3, 3, 0, 0, 2, 2], [1, 1, 3, 3]);
    const y = F.maxPool2d(x, { kernelSize: 2, stride: 1 });
    assert.deepEqual(Array.from(y.data), [3, 3, 3, 3]);
    F.sum(y).backward();
    // Windows (r, then s): [3,1;3,3] -> (0,0); [1,3;3,0] -> (0,2); [3,3;0,2] -> (1,0); [3,0;2,2] -> (1,1).
    assert.deepEqual(Array.from(x.grad!.data), [1, 0, 1, 1, 1, 0, 0, 0, 0]);
    const negative = F.maxPool2d(new Tensor(Float32Array.of(-5, -6, -7, -8), [1, 1, 2, 2]), { kernelSize: 2, padding: 1 });
    assert.deepEqual(Array.from(negative.data), [-5, -6, -7, -8]);
    const nan = F.maxPool2d(new Tensor(Float32Array.of(1, NaN, 3, 4), [1, 1, 2, 2]), { kernelSize: 2 });
    assert.ok(Number.isNaN(nan.data[0]));
  });

  test('softmax, logSoftmax and crossEntropy stay finite for huge logits', () => {
    const big = leaf([1000, 0, -1000, 999], [1, 4]);
    const s = F.softmax(big);
    assertClose(s.data, [1 / (1 + Math.exp(-1)), 0, 0, Math.exp(-1) / (1 + Math.exp(-1))], 'softmax');
    // -infinity logits get probability 0; a row of only -infinity has no distribution (NaN, as PyTorch).
    const masked = F.softmax(new Tensor(Float32Array.of(-Infinity, -Infinity, -Infinity, 0), [2, 2])).data;
    assert.ok(Number.isNaN(masked[0]) && Number.isNaN(masked[1]));
    assert.deepEqual(Array.from(masked.subarray(2)), [0, 1]);
    const ls = F.logSoftmax(big);
    assert.ok(ls.data.every(Number.isFinite));
    const ce = F.crossEntropy(big, [2]);
    assertClose([ce.item()], [2000 + Math.log1p(Math.exp(-1))], 'crossEntropy of the least likely class', 1e-6);
    ce.backward();
    assert.ok(big.grad!.data.every(Number.isFinite));
    // crossEntropy = mean of -logSoftmax at the targets.
    const logits = leaf([0.2, -1, 3, 0.5, 0.5, 0.1], [2, 3]);
    const lsm = F.logSoftmax(logits, 1);
    assertClose([F.crossEntropy(logits, new Tensor(Float32Array.of(2, 0), [2])).item()], [-(lsm.data[2]! + lsm.data[3]!) / 2], 'CE = NLL of logSoftmax');
  });

  test('dropout: identity when not training, inverted scaling, repeatable with a seeded generator', () => {
    const x = new Tensor(new Float32Array(10000).fill(1), [100, 100]);
    assert.equal(F.dropout(x, { p: 0.5, training: false }), x);
    const a = F.dropout(x, { p: 0.3, generator: new Generator(1) });
    const b = F.dropout(x, { p: 0.3, generator: new Generator(1) });
    assert.deepEqual(a.data, b.data);
    const kept = a.data.filter((v) => v !== 0);
    assert.ok(kept.every((v) => Math.abs(v - 1 / 0.7) < 1e-6), 'survivors are scaled by 1/(1-p)');
    assert.ok(Math.abs(kept.length / 10000 - 0.7) < 0.03, `kept ${kept.length} of 10000 at p = 0.3`);
    assert.ok(F.dropout(x, { p: 1 }).data.every((v) => v === 0));
  });

  test('batchNorm leaves the running statistics alone in eval mode and updates them in training', () => {
    const rm = new Tensor(Float32Array.of(1, 2), [2]), rv = new Tensor(Float32Array.of(3, 4), [2]);
    const x = new Tensor(Float32Array.of(0, 10, 2, 20), [2, 2]);
    const y = F.batchNorm(x, rm, rv);
    assertClose(y.data, [-1 / Math.sqrt(3 + 1e-5), 8 / Math.sqrt(4 + 1e-5), 1 / Math.sqrt(3 + 1e-5), 18 / Math.sqrt(4 + 1e-5)], 'eval output');
    assert.deepEqual(Array.from(rm.data), [1, 2]);
    F.batchNorm(x, rm, rv, null, null, { training: true, momentum: 0.5 });
    // Batch means 1, 15; unbiased variances 2, 50.
    assertClose(rm.data, [1, 8.5], 'runningMean');
    assertClose(rv.data, [2.5, 27], 'runningVar (unbiased)');
  });

  test("upsample 'zeros' is U*H x U*W with the samples at multiples of U", () => {
    const y = F.upsample(new Tensor(Float32Array.of(1, 2, 3, 4), [1, 1, 2, 2]), { scaleFactor: 2, mode: 'zeros' });
    assert.deepEqual(y.shape, [1, 1, 4, 4]);
    assert.deepEqual(Array.from(y.data), [1, 0, 2, 0, 0, 0, 0, 0, 3, 0, 4, 0, 0, 0, 0, 0]);
  });

  test('convolve2d flips the filter (full output N+M-1); conv2d does not', () => {
    const x = new Tensor(Float32Array.of(1, 2, 3), [1, 3]);
    const k = new Tensor(Float32Array.of(1, 10), [1, 2]);
    assert.deepEqual(Array.from(F.convolve2d(x, k).data), [1, 12, 23, 30]);
    assert.deepEqual(Array.from(F.convolve2d(x, k, { mode: 'same' }).data), [1, 12, 23]);
    assert.deepEqual(Array.from(F.convolve2d(x, k, { mode: 'valid' }).data), [12, 23]);
    const corr = F.conv2d(new Tensor(x.data, [1, 1, 1, 3]), new Tensor(k.data, [1, 1, 1, 2]));
    assert.deepEqual(Array.from(corr.data), [21, 32]);
  });

  test('conv2d: unbatched [C,H,W] input gives [M,P,Q]; same padding with an even kernel pads bottom/right', () => {
    const x = new Tensor(Float32Array.of(1, 2, 3, 4), [1, 2, 2]);
    const w = new Tensor(Float32Array.of(1, 1, 1, 1), [1, 1, 2, 2]);
    const y = F.conv2d(x, w, null, { padding: 'same' });
    assert.deepEqual(y.shape, [1, 2, 2]);
    // Pads one row below and one column right: windows start at the input's top-left.
    assert.deepEqual(Array.from(y.data), [10, 6, 7, 4]);
  });
});
