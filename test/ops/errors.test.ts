/**
 * Every argument error of the layer ops: the message names the op, the argument, what was
 * expected and what came.
 */
import { test } from 'node:test';
import { Tensor } from '../../src/tensor/tensor.js';
import * as F from '../../src/ops/functional.js';
import { assertThrowsWith } from '../helpers.js';

const z = (...shape: number[]): Tensor => new Tensor(new Float32Array(shape.reduce((a, b) => a * b, 1)), shape);
const bad = <T>(v: unknown): T => v as T;

test('conv2d argument errors', () => {
  assertThrowsWith(() => F.conv2d(z(1, 3, 5, 5), z(4, 2, 3, 3)), 'conv2d: input has 3 channels but weight [4,2,3,3] expects 2 (groups=1)');
  assertThrowsWith(() => F.conv2d(z(1, 4, 5, 5), z(4, 1, 3, 3), null, { groups: 2 }), 'conv2d: input has 4 channels but weight [4,1,3,3] expects 2 (groups=2)');
  assertThrowsWith(() => F.conv2d(z(1, 4, 5, 5), z(3, 2, 3, 3), null, { groups: 2 }), 'conv2d', 'weight [3,2,3,3]', '3 filters', 'groups=2');
  assertThrowsWith(() => F.conv2d(z(5, 5), z(1, 1, 3, 3)), 'conv2d: input must be 4-D [N, C, H, W] or 3-D [C, H, W], got shape [5,5]');
  assertThrowsWith(() => F.conv2d(z(1, 1, 5, 5), z(1, 3, 3)), 'conv2d: weight must be 4-D [M, C/groups, R, S], got shape [1,3,3]');
  assertThrowsWith(() => F.conv2d(z(1, 1, 5, 5), z(2, 1, 3, 3), z(3)), 'conv2d: bias must have shape [2]', 'got [3]');
  assertThrowsWith(() => F.conv2d(z(1, 1, 5, 5), z(1, 1, 3, 3), null, { stride: 0 }), 'conv2d: stride must be an integer >= 1', 'got 0');
  assertThrowsWith(() => F.conv2d(z(1, 1, 5, 5), z(1, 1, 3, 3), null, { stride: bad([1, 2, 3]) }), 'conv2d: stride', 'got [1, 2, 3]');
  assertThrowsWith(() => F.conv2d(z(1, 1, 5, 5), z(1, 1, 3, 3), null, { padding: -1 }), 'conv2d: padding must be an integer >= 0', 'got -1');
  assertThrowsWith(() => F.conv2d(z(1, 1, 5, 5), z(1, 1, 3, 3), null, { padding: bad('full') }), "conv2d: padding must be a number, [ph, pw], 'same' or 'valid', got 'full'");
  assertThrowsWith(() => F.conv2d(z(1, 1, 5, 5), z(1, 1, 3, 3), null, { dilation: 1.5 }), 'conv2d: dilation must be an integer >= 1', 'got 1.5');
  assertThrowsWith(() => F.conv2d(z(1, 1, 5, 5), z(1, 1, 3, 3), null, { groups: 0 }), 'conv2d: groups must be an integer >= 1, got 0');
  assertThrowsWith(() => F.conv2d(z(1, 1, 2, 2), z(1, 1, 3, 3)), 'conv2d: the filter 3x3', 'larger than the padded input 2x2');
  assertThrowsWith(() => F.conv2d(bad([1, 2]), z(1, 1, 3, 3)), 'conv2d: input must be a Tensor, got array [1,2]');
  assertThrowsWith(() => F.conv2d(z(1, 1, 3, 3), bad(undefined)), 'conv2d: weight must be a Tensor, got undefined');
});

test('convTranspose2d argument errors', () => {
  assertThrowsWith(() => F.convTranspose2d(z(1, 3, 4, 4), z(2, 3, 3, 3)), 'convTranspose2d: input has 3 channels but weight [2,3,3,3] expects 2');
  assertThrowsWith(() => F.convTranspose2d(z(1, 3, 4, 4), z(3, 3, 3, 3), null, { groups: 2 }), 'convTranspose2d: input has 3 channels, which groups=2 does not divide');
  assertThrowsWith(() => F.convTranspose2d(z(1, 2, 4, 4), z(2, 3, 3, 3), null, { stride: 2, outputPadding: 2 }),
    'convTranspose2d: outputPadding 2 along the height must be smaller than the stride (2) or the dilation (1)');
  assertThrowsWith(() => F.convTranspose2d(z(1, 2, 1, 1), z(2, 3, 1, 1), null, { padding: 1 }), 'convTranspose2d: padding [1,1] crops the whole output');
  assertThrowsWith(() => F.convTranspose2d(z(1, 2, 4, 4), z(2, 3, 3, 3), null, { padding: bad('same') }), "convTranspose2d: padding must be a number or [ph, pw], got 'same'");
  assertThrowsWith(() => F.convTranspose2d(z(1, 2, 4, 4), z(2, 3, 3, 3), z(2)), 'convTranspose2d: bias must have shape [3]', 'got [2]');
});

test('linear argument errors', () => {
  assertThrowsWith(() => F.linear(z(2, 5), z(3, 4)), 'linear: input has 5 features (last dim of [2,5]) but weight [3,4] expects 4');
  assertThrowsWith(() => F.linear(z(2, 4), z(3, 4, 1)), 'linear: weight must be 2-D [M, C], got shape [3,4,1]');
  assertThrowsWith(() => F.linear(z(2, 4), z(3, 4), z(4)), 'linear: bias must have shape [3]', 'got [4]');
  assertThrowsWith(() => F.linear(z(), z(3, 4)), 'linear: input must have at least 1 dimension', 'got shape []');
});

test('convolve2d argument errors', () => {
  assertThrowsWith(() => F.convolve2d(z(3, 3), z(2, 2), { mode: bad('circular') }), "convolve2d: mode must be 'full', 'same' or 'valid', got 'circular'");
  assertThrowsWith(() => F.convolve2d(z(2, 2), z(3, 3), { mode: 'valid' }), "convolve2d: mode 'valid' needs the kernel 3x3 to fit inside the input 2x2");
  assertThrowsWith(() => F.convolve2d(z(1, 2, 3, 3), z(1, 3, 2, 2)), 'convolve2d: input has 2 channels but kernel [1,3,2,2] expects 3');
  assertThrowsWith(() => F.convolve2d(z(3, 3), z(1, 1, 2, 2)), 'convolve2d: expected input [H, W] with kernel [R, S]', 'got input [3,3] and kernel [1,1,2,2]');
});

test('pooling argument errors', () => {
  assertThrowsWith(() => F.maxPool2d(z(1, 1, 4, 4), { kernelSize: 0 }), 'maxPool2d: kernelSize must be an integer >= 1', 'got 0');
  assertThrowsWith(() => F.maxPool2d(z(1, 1, 4, 4), { kernelSize: 2, padding: 2 }), 'maxPool2d: padding [2,2] must be at most half of the window 2x2');
  assertThrowsWith(() => F.maxPool2d(z(1, 1, 2, 2), { kernelSize: 3 }), 'maxPool2d: the window 3x3 is larger than the padded input 2x2');
  assertThrowsWith(() => F.maxPool2d(z(4, 4), { kernelSize: 2 }), 'maxPool2d: input must be 4-D [N, C, H, W] or 3-D [C, H, W], got shape [4,4]');
  assertThrowsWith(() => F.maxPool2d(z(1, 1, 4, 4), bad(undefined)), 'maxPool2d: options { kernelSize, ... } are required, got undefined');
  assertThrowsWith(() => F.avgPool2d(z(1, 1, 4, 4), bad({ kernelSize: 2, dilation: 2 })), 'avgPool2d: dilation must be 1', 'got 2');
  assertThrowsWith(() => F.avgPool2d(z(1, 1, 4, 4), { kernelSize: 2, stride: -1 }), 'avgPool2d: stride must be an integer >= 1', 'got -1');
  assertThrowsWith(() => F.adaptiveAvgPool2d(z(1, 1, 4, 4), 0), 'adaptiveAvgPool2d: outputSize must be an integer >= 1', 'got 0');
  assertThrowsWith(() => F.adaptiveAvgPool2d(z(4), 2), 'adaptiveAvgPool2d: input must be 4-D', 'got shape [4]');
});

test('upsample argument errors', () => {
  assertThrowsWith(() => F.upsample(z(1, 1, 2, 2), { scaleFactor: 1.5, mode: 'nearest' }), "upsample: scaleFactor must be a positive integer or a pair [h, w] of them for mode 'nearest', got 1.5");
  assertThrowsWith(() => F.upsample(z(1, 1, 2, 2), { scaleFactor: -2, mode: 'bilinear' }), "upsample: scaleFactor must be a positive number", "got -2");
  assertThrowsWith(() => F.upsample(z(1, 1, 2, 2), { scaleFactor: [2, 3], mode: 'zeros' }), "upsample: mode 'zeros' needs the same factor on both axes, got [2, 3]");
  assertThrowsWith(() => F.upsample(z(1, 1, 2, 2), { scaleFactor: 2, mode: bad('bicubic') }), "upsample: mode must be 'zeros', 'nearest' or 'bilinear', got 'bicubic'");
  assertThrowsWith(() => F.upsample(z(1, 2, 2), { scaleFactor: 2 }), 'upsample: input must be 4-D [N, C, H, W], got shape [1,2,2]');
  assertThrowsWith(() => F.upsample(z(1, 1, 2, 2), { scaleFactor: 0.2, mode: 'bilinear' }), 'upsample: scaleFactor [0.2, 0.2] makes the 2x2 input empty (0x0)');
});

test('batchNorm argument errors', () => {
  assertThrowsWith(() => F.batchNorm(z(2, 3), z(4), z(3), null, null, {}), 'batchNorm: runningMean must have shape [3] (one per channel), got [4]');
  assertThrowsWith(() => F.batchNorm(z(2, 3), z(3), z(3), z(2)), 'batchNorm: weight must have shape [3]', 'got [2]');
  assertThrowsWith(() => F.batchNorm(z(2, 3), null, null), 'batchNorm: runningMean and runningVar are required in evaluation mode (training: false)');
  assertThrowsWith(() => F.batchNorm(z(1, 3), z(3), z(3), null, null, { training: true }), 'batchNorm: expected more than 1 value per channel when training, got input of shape [1,3]');
  assertThrowsWith(() => F.batchNorm(z(3), z(3), z(3)), 'batchNorm: input must be 2-D [N, C], 3-D [N, C, L] or 4-D [N, C, H, W], got shape [3]');
  assertThrowsWith(() => F.batchNorm(z(2, 3), z(3), z(3), null, null, { momentum: 2 }), 'batchNorm: momentum must be a number in [0, 1], got 2');
  assertThrowsWith(() => F.batchNorm(z(2, 3), z(3), z(3), null, null, { eps: -1 }), 'batchNorm: eps must be a number >= 0, got -1');
});

test('activation, loss, dropout and pad argument errors', () => {
  assertThrowsWith(() => F.relu(bad(3)), 'relu: input must be a Tensor, got number 3');
  assertThrowsWith(() => F.leakyRelu(z(2), NaN), 'leakyRelu: negativeSlope must be a finite number, got NaN');
  assertThrowsWith(() => F.softmax(z(2, 3), 2), 'softmax: dim 2 is out of range for a tensor of rank 2');
  assertThrowsWith(() => F.logSoftmax(new Tensor(Float32Array.of(1), [])), 'logSoftmax: input must have at least 1 dimension, got a scalar');
  assertThrowsWith(() => F.crossEntropy(z(2, 3), [0, 3]), 'crossEntropy: target 1 is 3, expected a class index in [0, 2] (logits have 3 classes)');
  assertThrowsWith(() => F.crossEntropy(z(2, 3), [0, -1]), 'crossEntropy: target 1 is -1');
  assertThrowsWith(() => F.crossEntropy(z(2, 3), [0.5, 1]), 'crossEntropy: target 0 is 0.5, expected a class index');
  assertThrowsWith(() => F.crossEntropy(z(2, 3), [0]), 'crossEntropy: targets must hold 2 class indices (one class index per row of logits), got 1');
  assertThrowsWith(() => F.crossEntropy(z(2, 3), z(2, 1)), 'crossEntropy: targets must have shape [2]', 'got [2,1]');
  assertThrowsWith(() => F.crossEntropy(z(6), [0]), 'crossEntropy: logits must be 2-D [N, K] (or [N, K, d1, ...]), got shape [6]');
  assertThrowsWith(() => F.crossEntropy(z(2, 3, 4), z(2, 5)), 'crossEntropy: targets must have shape [2,4] (one class index per position of logits without the class dim), got [2,5]');
  assertThrowsWith(() => F.crossEntropy(z(2, 3), [0, 1], { reduction: bad('avg') }), "crossEntropy: reduction must be 'mean', 'sum' or 'none', got string avg");
  assertThrowsWith(() => F.crossEntropy(z(2, 3), [0, 1], { labelSmoothing: 1.5 }), 'crossEntropy: labelSmoothing must be a number in [0, 1], got number 1.5');
  assertThrowsWith(() => F.mseLoss(z(2, 3), z(3, 2)), 'mseLoss: input [2,3] and target [3,2] must have the same shape');
  assertThrowsWith(() => F.dropout(z(2), { p: 1.5 }), 'dropout: p must be a probability in [0, 1], got 1.5');
  assertThrowsWith(() => F.pad(z(2, 2), [1, 1, 1]), 'pad: padding must be [left, right] or [left, right, top, bottom] of integers, got [1, 1, 1]');
  assertThrowsWith(() => F.pad(z(2), [1, 1, 1, 1]), 'pad: padding [1, 1, 1, 1] pads 2 dims but the input has shape [2]');
  assertThrowsWith(() => F.pad(z(2, 2), [-2, -1]), 'pad: padding [-2, -1] crops more than the input [2,2] holds');
});
