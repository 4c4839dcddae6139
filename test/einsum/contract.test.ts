/** referenceContract: forward and every operand's gradient of each layer kind. */
import { test } from 'node:test';
import { assertClose } from '../helpers.js';
import { referenceContract } from '../../src/backends/reference/contract.js';
import { conv2dEinsum, convTranspose2dEinsum, linearEinsum } from '../../src/einsum/layers.js';
import { naiveConv2d, naiveConvTranspose2d, randomBuffer } from './naive.js';

test('linear forward and gradients on a tiny case', () => {
  const e = linearEinsum({ N: 1, C: 2, M: 1 }, true);
  const I = new Float32Array([1, 2]), F = new Float32Array([3, 4]), B = new Float32Array([0.5]);
  assertClose(referenceContract(e, 'O', { I, F, B }), [11.5], 'O');
  const dO = new Float32Array([2]);
  assertClose(referenceContract(e, 'I', { F, dO }), [6, 8], 'dI');
  assertClose(referenceContract(e, 'F', { I, dO }), [2, 4], 'dF');
  assertClose(referenceContract(e, 'B', { dO }), [2], 'dB');
});

test('conv2d forward through referenceContract matches naive loops', () => {
  const p = { N: 2, C: 4, H: 9, W: 8, M: 6, R: 3, S: 3, P: 5, Q: 4, strideH: 2, strideW: 2, padTop: 1, padLeft: 1,
    dilationH: 1, dilationW: 1, groups: 2 };
  const I = randomBuffer(2 * 4 * 9 * 8, 1), F = randomBuffer(6 * 2 * 9, 2), B = randomBuffer(6, 3);
  assertClose(referenceContract(conv2dEinsum(p, true), 'O', { I, F, B }), naiveConv2d(I, F, B, p), 'conv2d O');
});

test('conv2d input gradient equals the transposed convolution of dO', () => {
  // dI of a conv is a conv-transpose of dO with the same weights: two independent paths.
  const p = { N: 1, C: 4, H: 9, W: 8, M: 6, R: 3, S: 3, P: 5, Q: 4, strideH: 2, strideW: 2, padTop: 1, padLeft: 1,
    dilationH: 1, dilationW: 1, groups: 2 };
  const F = randomBuffer(6 * 2 * 9, 2), dO = randomBuffer(1 * 6 * 5 * 4, 4);
  const dI = referenceContract(conv2dEinsum(p), 'I', { F, dO });
  const t = { N: 1, C: 6, H: 5, W: 4, M: 4, R: 3, S: 3, P: 9, Q: 8, strideH: 2, strideW: 2, padTop: 1, padLeft: 1,
    dilationH: 1, dilationW: 1, groups: 2 };
  assertClose(dI, naiveConvTranspose2d(dO, F, null, t), 'dI');
  assertClose(referenceContract(convTranspose2dEinsum(t), 'O', { I: dO, F }), dI, 'convTranspose2d O');
});
