/**
 * Every op's backward against central finite differences (gradcheck: random directions plus,
 * for small inputs, every element), on every backend. Inputs of ops with kinks (relu, abs,
 * max pooling, maximum) are kept away from the kinks by more than the finite-difference step.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gradcheck } from '../../src/autograd/gradcheck.js';
import { Generator } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';
import * as F from '../../src/ops/functional.js';
import { forEachBackend } from '../for-each-backend.js';

const gen = new Generator(99);

/** A leaf with normal entries (requiresGrad). */
function leaf(shape: number[], scale = 1, offset = 0): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const t = new Tensor(Float32Array.from({ length: n }, () => offset + scale * gen.normal()), shape);
  t.requiresGrad = true;
  return t;
}

/** Entries at least `gap` away from each kink (and from each other when `distinct`). */
function awayFrom(shape: number[], kinks: number[], gap = 0.2, range = 4): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let v: number;
    do v = (gen.uniform() * 2 - 1) * range; while (kinks.some((k) => Math.abs(v - k) < gap));
    data[i] = v;
  }
  const t = new Tensor(data, shape);
  t.requiresGrad = true;
  return t;
}

/** Distinct values 0.1 apart in random order: max pooling and max() never meet a near-tie. */
function distinct(shape: number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const values = Array.from({ length: n }, (_, i) => (i - n / 2) * 0.1);
  for (let i = n - 1; i > 0; i--) { const j = gen.int(i + 1); [values[i], values[j]] = [values[j]!, values[i]!]; }
  const t = new Tensor(Float32Array.from(values), shape);
  t.requiresGrad = true;
  return t;
}

const check = (fn: (...xs: Tensor[]) => Tensor, inputs: Tensor[], options = {}): void => {
  const r = gradcheck(fn, inputs, { directions: 3, exhaustiveUpTo: 40, ...options });
  assert.ok(r.ok && r.checks > 0);
};

forEachBackend(() => {
  test('element-wise arithmetic with broadcasting', () => {
    check((a, b) => F.add(a, b), [leaf([2, 3]), leaf([3])]);
    check((a, b) => F.sub(a, b), [leaf([2, 1]), leaf([1, 3])]);
    check((a, b) => F.mul(a, b), [leaf([2, 3, 1]), leaf([4])]);
    check((a, b) => F.div(a, b), [leaf([2, 3]), leaf([2, 1], 0.3, 2)]);
    check((a, b) => F.pow(a, b), [leaf([3, 2], 0.2, 1.5), leaf([2])]);
    check((a) => F.pow(a, 3), [leaf([5])]);
    check((a, b) => F.maximum(a, b), [distinct([2, 3]), distinct([3])]);
    check((a, b) => F.minimum(a, b), [distinct([2, 3]), distinct([2, 1])]);
  });

  test('unary math', () => {
    check((a) => F.neg(a), [leaf([4])]);
    check((a) => F.exp(a), [leaf([4])]);
    check((a) => F.log(a), [leaf([4], 0.2, 2)]);
    check((a) => F.sqrt(a), [leaf([4], 0.2, 2)]);
    check((a) => F.abs(a), [awayFrom([6], [0])]);
  });

  test('reductions', () => {
    check((a) => F.sum(a), [leaf([2, 3])]);
    check((a) => F.sum(a, [0, 2], true), [leaf([2, 3, 2])]);
    check((a) => F.mean(a, 1), [leaf([2, 3, 2])]);
    check((a) => F.max(a), [distinct([3, 4])]);
    check((a) => F.max(a, 1), [distinct([3, 4])]);
  });

  test('shape ops', () => {
    check((a) => F.reshape(a, [3, 2]), [leaf([2, 3])]);
    check((a) => F.flatten(a, 1), [leaf([2, 3, 2])]);
    check((a) => F.permute(a, [2, 0, 1]), [leaf([2, 3, 2])]);
    check((a) => F.transpose(a, 0, 1), [leaf([2, 3])]);
    check((a) => F.slice(a, 1, 1, 3), [leaf([2, 4])]);
    check((a) => F.unsqueeze(a, 1), [leaf([2, 3])]);
    check((a) => F.squeeze(a, 1), [leaf([2, 1, 3])]);
    check((a, b) => F.concat([a, b], 1), [leaf([2, 1]), leaf([2, 3])]);
    check((a, b) => F.stack([a, b], 0), [leaf([3]), leaf([3])]);
  });

  test('matmul: 2-D, 1-D, batched with broadcasting', () => {
    check((a, b) => F.matmul(a, b), [leaf([2, 3]), leaf([3, 4])]);
    check((a, b) => F.matmul(a, b), [leaf([3]), leaf([3, 2])]);
    check((a, b) => F.matmul(a, b), [leaf([2, 3]), leaf([3])]);
    check((a, b) => F.matmul(a, b), [leaf([2, 1, 2, 3]), leaf([3, 3, 2])]);
  });

  test('conv2d: padding, stride, dilation, groups, same', () => {
    check((x, w, b) => F.conv2d(x, w, b, { stride: [2, 1], padding: [1, 2], dilation: [1, 2] }),
      [leaf([2, 2, 5, 6]), leaf([3, 2, 3, 2]), leaf([3])]);
    check((x, w) => F.conv2d(x, w, null, { groups: 2, padding: 'same' }), [leaf([1, 4, 5, 4]), leaf([4, 2, 2, 3])]);
    check((x, w) => F.conv2d(x, w, null, { groups: 3, stride: 2, padding: 1 }), [leaf([1, 3, 5, 5]), leaf([3, 1, 3, 3])]);
    check((x, w) => F.conv2d(x, w), [leaf([2, 5, 4]), leaf([2, 2, 3, 3])]);   // unbatched input
  });

  test('convTranspose2d: stride, outputPadding, groups, dilation, bias', () => {
    check((x, w, b) => F.convTranspose2d(x, w, b, { stride: 2, padding: 1, outputPadding: 1 }),
      [leaf([1, 2, 3, 3]), leaf([2, 3, 3, 3]), leaf([3])]);
    check((x, w) => F.convTranspose2d(x, w, null, { groups: 2, stride: [1, 2], dilation: 2 }),
      [leaf([1, 4, 3, 2]), leaf([4, 1, 2, 2])]);
  });

  test('convolve2d: full, same, valid', () => {
    check((x, k) => F.convolve2d(x, k), [leaf([4, 5]), leaf([2, 3])]);
    check((x, k) => F.convolve2d(x, k, { mode: 'same' }), [leaf([1, 2, 4, 4]), leaf([3, 2, 2, 3])]);
    check((x, k) => F.convolve2d(x, k, { mode: 'valid' }), [leaf([2, 1, 5, 4]), leaf([3, 2])]);
  });

  test('linear', () => {
    check((x, w, b) => F.linear(x, w, b), [leaf([3, 4]), leaf([2, 4]), leaf([2])]);
    check((x, w) => F.linear(x, w), [leaf([2, 2, 3]), leaf([4, 3])]);
  });

  test('pooling', () => {
    check((x) => F.maxPool2d(x, { kernelSize: 3, stride: 2, padding: 1, ceilMode: true }), [distinct([1, 2, 6, 5])]);
    check((x) => F.maxPool2d(x, { kernelSize: 2, dilation: 2, stride: 1 }), [distinct([1, 1, 5, 5])]);
    check((x) => F.avgPool2d(x, { kernelSize: 3, stride: 2, padding: 1, ceilMode: true, countIncludePad: false }), [leaf([1, 2, 6, 5])]);
    check((x) => F.avgPool2d(x, { kernelSize: [2, 3], stride: [1, 2] }), [leaf([2, 1, 4, 5])]);
    check((x) => F.adaptiveAvgPool2d(x, [2, 3]), [leaf([1, 2, 5, 4])]);
  });

  test('upsample: zeros, nearest, bilinear', () => {
    check((x) => F.upsample(x, { scaleFactor: 2, mode: 'zeros' }), [leaf([1, 2, 2, 3])]);
    check((x) => F.upsample(x, { scaleFactor: [2, 3], mode: 'nearest' }), [leaf([1, 2, 2, 2])]);
    check((x) => F.upsample(x, { scaleFactor: 2, mode: 'bilinear' }), [leaf([1, 1, 3, 5])]);
    check((x) => F.upsample(x, { scaleFactor: 1.5, mode: 'bilinear' }), [leaf([2, 1, 3, 3])]);
  });

  test('batchNorm: training and eval, with and without affine parameters', () => {
    const rm = () => new Tensor(Float32Array.of(0.1, -0.2, 0.3), [3]);
    const rv = () => new Tensor(Float32Array.of(0.5, 1.5, 2), [3]);
    check((x, w, b) => F.batchNorm(x, rm(), rv(), w, b, { training: true }), [leaf([3, 3, 2, 2]), leaf([3]), leaf([3])]);
    check((x) => F.batchNorm(x, null, null, null, null, { training: true }), [leaf([4, 3])]);
    check((x, w, b) => F.batchNorm(x, rm(), rv(), w, b, { training: false }), [leaf([2, 3, 2]), leaf([3]), leaf([3])]);
  });

  test('activations (inputs away from the kinks)', () => {
    check((x) => F.relu(x), [awayFrom([8], [0])]);
    check((x) => F.sigmoid(x), [leaf([6], 2)]);
    check((x) => F.tanh(x), [leaf([6])]);
    check((x) => F.leakyRelu(x, 0.1), [awayFrom([8], [0])]);
    check((x) => F.elu(x, 0.7), [awayFrom([8], [0])]);
    check((x) => F.relu6(x), [awayFrom([10], [0, 6], 0.2, 8)]);
    check((x) => F.hardswish(x), [awayFrom([10], [-3, 3], 0.2, 5)]);
    check((x) => F.hardsigmoid(x), [awayFrom([10], [-3, 3], 0.2, 5)]);
    check((x) => F.silu(x), [leaf([6], 2)]);
    check((x) => F.softmax(x, 1), [leaf([2, 4, 2], 2)]);
    check((x) => F.logSoftmax(x, 0), [leaf([3, 4], 2)]);
  });

  test('losses, dropout, pad', () => {
    check((x) => F.crossEntropy(x, [1, 0, 3]), [leaf([3, 4], 2)]);
    check((x) => F.crossEntropy(x, [2, 2], { reduction: 'none', labelSmoothing: 0.2 }), [leaf([2, 3])]);
    check((x) => F.crossEntropy(x, [0, 2, 1, 1, 0, 2], { labelSmoothing: 0.1 }), [leaf([2, 3, 3])]);
    check((a, b) => F.mseLoss(a, b), [leaf([2, 3]), leaf([2, 3])]);
    check((a, b) => F.mseLoss(a, b, { reduction: 'none' }), [leaf([4]), leaf([4])]);
    // The same seed on every call: the finite differences must see the same mask.
    check((x) => F.dropout(x, { p: 0.4, generator: new Generator(5) }), [leaf([3, 4])]);
    check((x) => F.pad(x, [1, 2, -1, 1], { value: 3 }), [leaf([1, 2, 3, 3])]);
  });
});
