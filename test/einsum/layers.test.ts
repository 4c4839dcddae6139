/** The layer builders evaluated by the interpreter, against hand-written naive loops. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertClose, assertThrowsWith } from '../helpers.js';
import { interpret } from '../../src/einsum/interpret.js';
import {
  avgPool2dEinsum, conv2dEinsum, conv2dParamsOf, convOutputSize, convTranspose2dEinsum,
  convTranspose2dParamsOf, convTransposeOutputSize, displaySpec, linearEinsum, matmulEinsum,
  maxPool2dEinsum, nearestUpsampleEinsum, pool2dParamsOf, zeroInsertEinsum,
} from '../../src/einsum/layers.js';
import type { Conv2dParams, ConvTranspose2dParams, Pool2dParams } from '../../src/einsum/types.js';
import {
  naiveConv2d, naiveConvTranspose2d, naiveLinear, naiveMatmul, naiveNearest, naivePool,
  naiveZeroInsert, randomBuffer,
} from './naive.js';

function conv(o: Partial<Conv2dParams> & { padBottom?: number; padRight?: number }): Conv2dParams {
  const p = { N: 2, C: 4, H: 7, W: 6, M: 6, R: 3, S: 2, strideH: 1, strideW: 1, padTop: 0, padLeft: 0,
    dilationH: 1, dilationW: 1, groups: 1, ...o };
  const P = convOutputSize(p.H, p.R, p.strideH, p.padTop, o.padBottom ?? p.padTop, p.dilationH);
  const Q = convOutputSize(p.W, p.S, p.strideW, p.padLeft, o.padRight ?? p.padLeft, p.dilationW);
  return { N: p.N, C: p.C, H: p.H, W: p.W, M: p.M, R: p.R, S: p.S, P, Q, strideH: p.strideH,
    strideW: p.strideW, padTop: p.padTop, padLeft: p.padLeft, dilationH: p.dilationH,
    dilationW: p.dilationW, groups: p.groups };
}

const convCases: [string, Conv2dParams][] = [
  ['plain', conv({})],
  ['stride leaving a remainder', conv({ H: 8, W: 9, strideH: 3, strideW: 2 })],
  ['symmetric padding', conv({ padTop: 1, padLeft: 1 })],
  ['asymmetric padding via P', conv({ padTop: 2, padLeft: 0, padBottom: 0, padRight: 1 })],
  ['dilation', conv({ H: 9, W: 9, dilationH: 2, dilationW: 3, padTop: 1, padLeft: 2 })],
  ['groups', conv({ C: 4, M: 6, groups: 2, padTop: 1, padLeft: 1, strideH: 2 })],
  ['depthwise', conv({ C: 5, M: 5, groups: 5, R: 3, S: 3, padTop: 1, padLeft: 1 })],
  ['1x1', conv({ R: 1, S: 1 })],
];

for (const [name, p] of convCases) {
  for (const bias of [false, true]) {
    test(`conv2d ${name}${bias ? ' with bias' : ''} matches naive loops`, () => {
      const e = conv2dEinsum(p, bias);
      const I = randomBuffer(p.N * p.C * p.H * p.W, 1);
      const F = randomBuffer(p.M * (p.C / p.groups) * p.R * p.S, 2);
      const B = randomBuffer(p.M, 3);
      const got = interpret(e, bias ? { I, F, B } : { I, F });
      assertClose(got, naiveConv2d(I, F, bias ? B : null, p), `conv2d ${name}`);
      assert.deepEqual(conv2dParamsOf(e), p);
    });
  }
}

function convT(o: Partial<ConvTranspose2dParams> & { outputPadding?: number }): ConvTranspose2dParams {
  const p = { N: 2, C: 4, H: 4, W: 5, M: 6, R: 3, S: 3, strideH: 2, strideW: 2, padTop: 1, padLeft: 1,
    dilationH: 1, dilationW: 1, groups: 1, outputPadding: 0, ...o };
  const P = convTransposeOutputSize(p.H, p.R, p.strideH, p.padTop, p.padTop, p.outputPadding, p.dilationH);
  const Q = convTransposeOutputSize(p.W, p.S, p.strideW, p.padLeft, p.padLeft, p.outputPadding, p.dilationW);
  const { outputPadding: _, ...rest } = p;
  return { ...rest, P, Q };
}

const convTCases: [string, ConvTranspose2dParams][] = [
  ['stride 2 pad 1', convT({})],
  ['output padding', convT({ outputPadding: 1 })],
  ['dilation, unequal strides', convT({ strideH: 3, strideW: 1, dilationH: 2, padTop: 2, padLeft: 0 })],
  ['groups', convT({ C: 4, M: 6, groups: 2 })],
  ['no padding', convT({ padTop: 0, padLeft: 0, R: 2, S: 4 })],
];
for (const [name, p] of convTCases) {
  test(`convTranspose2d ${name} matches naive loops`, () => {
    const e = convTranspose2dEinsum(p, true);
    const I = randomBuffer(p.N * p.C * p.H * p.W, 4);
    const F = randomBuffer(p.C * (p.M / p.groups) * p.R * p.S, 5);
    const B = randomBuffer(p.M, 6);
    assertClose(interpret(e, { I, F, B }), naiveConvTranspose2d(I, F, B, p), `convTranspose2d ${name}`);
    assert.deepEqual(convTranspose2dParamsOf(e), p);
  });
}

test('linear matches naive loops, with and without bias', () => {
  const [N, C, M] = [3, 7, 5];
  const I = randomBuffer(N * C, 7), F = randomBuffer(M * C, 8), B = randomBuffer(M, 9);
  assertClose(interpret(linearEinsum({ N, C, M }, true), { I, F, B }), naiveLinear(I, F, B, N, C, M), 'linear+bias');
  assertClose(interpret(linearEinsum({ N, C, M }), { I, F }), naiveLinear(I, F, null, N, C, M), 'linear');
});

test('batched matmul matches naive loops', () => {
  const [Bt, I, K, J] = [2, 3, 4, 5];
  const A = randomBuffer(Bt * I * K, 10), B = randomBuffer(Bt * K * J, 11);
  assertClose(interpret(matmulEinsum({ batch: Bt, I, K, J }), { A, B }), naiveMatmul(A, B, Bt, I, K, J), 'matmul');
});

function pool(o: Partial<Pool2dParams> & { ceil?: boolean }): Pool2dParams {
  const p = { N: 2, C: 3, H: 7, W: 8, R: 3, S: 2, strideH: 2, strideW: 2, padTop: 1, padLeft: 1, dilationH: 1, dilationW: 1, ...o };
  const P = convOutputSize(p.H, p.R, p.strideH, p.padTop, p.padTop, p.dilationH);
  const Q = convOutputSize(p.W, p.S, p.strideW, p.padLeft, p.padLeft, p.dilationW);
  const { ceil: _, ...rest } = p;
  return { ...rest, P, Q };
}

for (const [name, p] of [['padded, remainder', pool({})], ['no padding', pool({ padTop: 0, padLeft: 0, strideH: 3 })],
                          ['overlapping', pool({ strideH: 1, strideW: 1 })]] as const) {
  test(`avgPool2d ${name} matches naive loops (divides by R*S)`, () => {
    const I = randomBuffer(p.N * p.C * p.H * p.W, 12);
    const e = avgPool2dEinsum(p);
    assertClose(interpret(e, { I }), naivePool(I, p, 'avg'), `avgPool2d ${name}`);
    assert.deepEqual(pool2dParamsOf(e), p);
  });
  test(`max pooling ${name} matches naive loops (padding ignored)`, () => {
    const I = randomBuffer(p.N * p.C * p.H * p.W, 13);
    const e = maxPool2dEinsum(p);
    assertClose(interpret(e, { I }), naivePool(I, p, 'max'), `maxPool ${name}`);
    assert.deepEqual(pool2dParamsOf(e), p);
  });
}

test('max pooling with dilation matches naive loops', () => {
  const p = pool({ H: 9, W: 9, dilationH: 2, dilationW: 2, padTop: 1, padLeft: 1 });
  const I = randomBuffer(p.N * p.C * p.H * p.W, 14);
  assertClose(interpret(maxPool2dEinsum(p), { I }), naivePool(I, p, 'max'), 'dilated max pool');
});

test('max pooling of all-negative values picks the largest, not padding zeros', () => {
  const p = pool({ N: 1, C: 1, H: 2, W: 2, R: 2, S: 2, strideH: 1, strideW: 1, padTop: 1, padLeft: 1 });
  const I = new Float32Array([-4, -3, -2, -1]);
  assertClose(interpret(maxPool2dEinsum(p), { I }), [-4, -3, -3, -2, -1, -1, -2, -1, -1], 'max with padding');
});

test('zero insertion matches naive loops, for U*H and U*(H-1)+1 outputs', () => {
  const [N, C, H, W, U] = [2, 2, 3, 4, 2];
  const I = randomBuffer(N * C * H * W, 15);
  assertClose(interpret(zeroInsertEinsum({ N, C, H, W, U }), { I }), naiveZeroInsert(I, N, C, H, W, U, U * H, U * W), 'zeroInsert');
  const P = U * (H - 1) + 1, Q = U * (W - 1) + 1;
  assertClose(interpret(zeroInsertEinsum({ N, C, H, W, U, P, Q }), { I }), naiveZeroInsert(I, N, C, H, W, U, P, Q), 'zeroInsert tight');
});

test('nearest upsampling matches naive loops, equal and unequal factors', () => {
  const [N, C, H, W] = [1, 2, 3, 2];
  const I = randomBuffer(N * C * H * W, 16);
  assertClose(interpret(nearestUpsampleEinsum({ N, C, H, W, U: 3 }), { I }), naiveNearest(I, N, C, H, W, 3, 3), 'nearest 3');
  assertClose(interpret(nearestUpsampleEinsum({ N, C, H, W, U: 2, V: 3 }), { I }), naiveNearest(I, N, C, H, W, 2, 3), 'nearest 2x3');
});

test('output size rules', () => {
  assert.equal(convOutputSize(227, 11, 4), 55);
  assert.equal(convOutputSize(28, 3, 1, 1), 28);
  assert.equal(convOutputSize(7, 3, 2, 1), 4);
  assert.equal(convOutputSize(9, 3, 1, 0, 0, 2), 5);
  assert.equal(convTransposeOutputSize(4, 3, 2, 1, 1, 1), 8);
});

test('displaySpec gives the textbook form', () => {
  const p = conv({});
  assert.equal(displaySpec(conv2dEinsum(p, true)), 'O[n,m,p,q] = B[m] + I[n,c,U*p+r,U*q+s] * F[m,c,r,s]');
  assert.equal(displaySpec(conv2dEinsum(p)), 'O[n,m,p,q] = I[n,c,U*p+r,U*q+s] * F[m,c,r,s]');
  assert.equal(displaySpec(conv2dEinsum({ ...conv({ padTop: 1, padLeft: 2, strideH: 2 }), groups: 2 })),
    'O[n,g,m,p,q] = I[n,g,c,U*p+r-PH,V*q+s-PW] * F[g,m,c,r,s]');
  assert.equal(displaySpec(conv2dEinsum(conv({ dilationH: 2, dilationW: 2, H: 9, W: 9 }))),
    'O[n,m,p,q] = I[n,c,U*p+DH*r,U*q+DW*s] * F[m,c,r,s]');
  assert.equal(displaySpec(avgPool2dEinsum(pool({ padTop: 0, padLeft: 0 }))), 'O[n,c,p,q] = I[n,c,U*p+r,U*q+s] / (R*S)');
  assert.equal(displaySpec(maxPool2dEinsum(pool({ padTop: 0, padLeft: 0 }))), 'O[n,c,p,q] = max over r,s of I[n,c,U*p+r,U*q+s]');
  assert.equal(displaySpec(linearEinsum({ N: 1, C: 2, M: 3 }, true)), 'O[n,m] = B[m] + I[n,c] * F[m,c]');
});

test('builders reject bad parameters naming the function and argument', () => {
  assertThrowsWith(() => conv2dEinsum({ ...conv({}), groups: 3 }), 'conv2dEinsum', 'groups must divide', 'C=4');
  assertThrowsWith(() => conv2dEinsum({ ...conv({}), strideH: 0 }), 'conv2dEinsum', 'strideH', 'got 0');
  assertThrowsWith(() => avgPool2dEinsum({ ...pool({}), dilationH: 2 }), 'avgPool2dEinsum', 'dilation');
  assertThrowsWith(() => conv2dParamsOf(linearEinsum({ N: 1, C: 1, M: 1 })), 'conv2dParamsOf', "'linear'");
});
