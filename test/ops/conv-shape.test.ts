/** The layer descriptors (decoder ring) for CONV, transposed CONV, FC and POOL calls. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  adaptiveBins, adaptivePoolShape, samePadTotal, conv2dParams, convShape, convTransposeShape, linearShape, outputSize, poolShape, resolvePadding,
} from '../../src/ops/conv-shape.js';
import { convTransposeOutputSize } from '../../src/einsum/layers.js';
import { assertThrowsWith } from '../helpers.js';

test('AlexNet conv1: N C H W R S M P Q U and the weight count', () => {
  const s = convShape([1, 3, 227, 227], [96, 3, 11, 11], { stride: 4 });
  const { N, C, H, W, R, S, M, P, Q, U, weights } = s;
  assert.deepEqual({ N, C, H, W, R, S, M, P, Q, U, weights }, { N: 1, C: 3, H: 227, W: 227, R: 11, S: 11, M: 96, P: 55, Q: 55, U: 4, weights: 34848 });
  assert.equal(s.kind, 'conv2d');
  assert.deepEqual(conv2dParams(s), {
    N: 1, C: 3, H: 227, W: 227, M: 96, R: 11, S: 11, P: 55, Q: 55, strideH: 4, strideW: 4,
    padTop: 0, padLeft: 0, dilationH: 1, dilationW: 1, groups: 1,
  });
});

test("'same' padding: the odd unit goes bottom/right; strided 'same' gives ceil(H/U)", () => {
  assert.deepEqual(resolvePadding('same', 6, 6, 4, 3, [1, 1], [1, 1], 'conv2d'), { padTop: 1, padBottom: 2, padLeft: 1, padRight: 1 });
  assert.deepEqual(resolvePadding('same', 7, 7, 3, 3, [1, 1], [2, 2], 'conv2d'), { padTop: 2, padBottom: 2, padLeft: 2, padRight: 2 });
  const s = convShape([1, 1, 7, 8], [1, 1, 3, 3], { stride: 2, padding: 'same' });
  assert.deepEqual([s.P, s.Q], [4, 4]);
  assert.deepEqual([s.padTop, s.padBottom, s.padLeft, s.padRight], [1, 1, 0, 1]);
  assert.deepEqual(resolvePadding('valid', 5, 5, 3, 3, [1, 1], [1, 1], 'conv2d'), { padTop: 0, padBottom: 0, padLeft: 0, padRight: 0 });
  assert.deepEqual(resolvePadding([1, 2], 5, 5, 3, 3, [1, 1], [1, 1], 'conv2d'), { padTop: 1, padBottom: 1, padLeft: 2, padRight: 2 });
});

test('grouped and depthwise layers count weights per group', () => {
  const dw = convShape([1, 32, 112, 112], [32, 1, 3, 3], { groups: 32, padding: 1 });
  assert.equal(dw.weights, 288);
  assert.equal(dw.groups, 32);
  assert.equal(convShape([1, 4, 5, 5], [6, 2, 3, 3], { groups: 2 }).weights, 108);
});

test('FC is a CONV with R = H = 1 on the flattened input', () => {
  const s = linearShape([32, 9216], [4096, 9216]);
  assert.deepEqual([s.N, s.C, s.M, s.P, s.Q, s.R, s.S, s.weights], [32, 9216, 4096, 1, 1, 1, 1, 37748736]);
  assert.equal(linearShape([2, 3, 5], [4, 5]).N, 6);
});

test('pooling descriptors: stride defaults to the kernel, ceil mode, M = C and no weights', () => {
  const s = poolShape([1, 64, 112, 112], { kernelSize: 3, stride: 2, padding: 1 }, 'maxPool2d');
  assert.deepEqual([s.P, s.Q, s.M, s.weights, s.U], [56, 56, 64, 0, 2]);
  assert.equal(poolShape([1, 1, 6, 6], { kernelSize: 2 }, 'avgPool2d').U, 2);
  assert.equal(poolShape([1, 1, 8, 8], { kernelSize: 3, stride: 2, ceilMode: true }, 'maxPool2d').P, 4);
  assert.equal(poolShape([1, 1, 8, 8], { kernelSize: 3, stride: 2 }, 'maxPool2d').P, 3);
  assert.equal(poolShape([2, 8, 8], { kernelSize: 2 }, 'maxPool2d').N, 1);
});

test('transposed and adaptive descriptors', () => {
  const t = convTransposeShape([1, 8, 4, 4], [8, 3, 3, 3], { stride: 2, padding: 1, outputPadding: 1 });
  assert.deepEqual([t.C, t.M, t.P, t.Q, t.outputPaddingH], [8, 3, 8, 8, 1]);
  assert.equal(convTransposeOutputSize(4, 3, 2, 1, 1, 1), 8);
  const g = adaptivePoolShape([1, 512, 7, 7], 1);
  assert.deepEqual([g.R, g.S, g.P, g.Q, g.U], [7, 7, 1, 1, 7]);
  const a = adaptivePoolShape([1, 1, 7, 9], [3, 4]);
  assert.deepEqual([a.R, a.S, a.U, a.strideW], [3, 3, 2, 2]);
  // PyTorch's bins: 7 -> 3 gives [0,3) [2,5) [4,7) (overlapping by one), 9 -> 4 has a 3-wide bin.
  assert.deepEqual(adaptiveBins(7, 3), [[0, 3], [2, 5], [4, 7]]);
  assert.deepEqual(adaptiveBins(9, 4), [[0, 3], [2, 5], [4, 7], [6, 9]]);
  assert.deepEqual(adaptiveBins(6, 3), [[0, 2], [2, 4], [4, 6]]);
  // 'same': ceil(7/2) = 4 outputs of a 3-wide window need 2 pad; dilation 2 widens it to 5.
  assert.equal(samePadTotal(7, 3, 2), 2);
  assert.equal(samePadTotal(8, 3, 2), 1);
  assert.equal(samePadTotal(8, 3, 1, 2), 4);
  assert.equal(samePadTotal(5, 1, 3), 0);
});

test('outputSize: the floor rule, ceil mode, and an empty output as 0', () => {
  assert.equal(outputSize(227, 11, 4), 55);
  assert.equal(outputSize(5, 2, 2, 0, 0, 1, true), 3);
  assert.equal(outputSize(5, 2, 2), 2);
  // ceil mode: a window that would start in the right padding is dropped.
  assert.equal(outputSize(4, 2, 2, 1, 1, 1, true), 3);
  assert.equal(outputSize(2, 5), 0);
});

test('descriptor errors name the function and the argument', () => {
  assertThrowsWith(() => convShape([1, 3, 5], [1, 3, 3, 3]), 'conv2d: input must be 4-D [N, C, H, W], got shape [1,3,5]');
  assertThrowsWith(() => convShape([1, 3, 5, 5], [1, 2, 3, 3], {}, 'Conv2d'), 'Conv2d: input has 3 channels but weight [1,2,3,3] expects 2');
  assertThrowsWith(() => poolShape([1, 1, 4, 4], { kernelSize: [2, 2, 2] as never }, 'avgPool2d'), 'avgPool2d: kernelSize must be an integer >= 1 or a pair [h, w] of them, got [2, 2, 2]');
  assertThrowsWith(() => linearShape([2, 3], [3]), 'linear: weight must be 2-D [M, C], got shape [3]');
  assertThrowsWith(() => adaptivePoolShape([1, 1, 4, 4], [2, 0]), 'adaptiveAvgPool2d: outputSize must be an integer >= 1', 'got [2, 0]');
});
