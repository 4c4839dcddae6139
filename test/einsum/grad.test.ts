/**
 * The one gradient rule, checked for every layer kind: the gradient einsum's result, dotted
 * with a random direction V, must equal the central finite difference of
 * L(X) = sum(O(X) ⊙ Rnd) along V. Every einsum is linear in each operand, so the central
 * difference is exact up to rounding and a large step (1) keeps rounding small.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { assertThrowsWith } from '../helpers.js';
import { referenceContract } from '../../src/backends/reference/contract.js';
import { gradientEinsum, gradientSpec } from '../../src/einsum/grad.js';
import { interpret } from '../../src/einsum/interpret.js';
import {
  avgPool2dEinsum, conv2dEinsum, convOutputSize, convTranspose2dEinsum, convTransposeOutputSize,
  linearEinsum, matmulEinsum, nearestUpsampleEinsum, zeroInsertEinsum,
} from '../../src/einsum/layers.js';
import { parse } from '../../src/einsum/parse.js';
import type { BoundEinsum } from '../../src/einsum/types.js';
import { randomBuffer } from './naive.js';

const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** Check every operand's gradient of `e` along one random direction. */
function checkGradients(e: BoundEinsum, seed: number): void {
  const ast = parse(e.spec);
  const names = [...(ast.bias ? [ast.bias.name] : []), ...ast.operands.map((o) => o.name)];
  const values: Record<string, Float32Array> = {};
  names.forEach((n, k) => { values[n] = randomBuffer(size(e.shapes[n]!), seed + k); });
  const out = ast.output.name;
  const rnd = randomBuffer(size(e.shapes[out]!), seed + 100);
  const loss = (vals: Record<string, Float32Array>): number => dot(interpret(e, vals), rnd);
  for (const [k, x] of names.entries()) {
    const v = randomBuffer(values[x]!.length, seed + 200 + k);
    const plus = Float32Array.from(values[x]!, (a, i) => a + v[i]!);
    const minus = Float32Array.from(values[x]!, (a, i) => a - v[i]!);
    const fd = (loss({ ...values, [x]: plus }) - loss({ ...values, [x]: minus })) / 2;
    const grad = referenceContract(e, x, { ...values, ['d' + out]: rnd });
    assert.equal(grad.length, values[x]!.length, `d${x} has the shape of ${x}`);
    const analytic = dot(grad, v);
    const scale = Math.max(1, Math.abs(fd));
    assert.ok(Math.abs(analytic - fd) <= 1e-4 * scale,
      `${e.kind} "${e.spec}" d${x}: <grad, v> = ${analytic}, finite difference ${fd} (shapes ${JSON.stringify(e.shapes)}, constants ${JSON.stringify(e.constants)})`);
  }
}

test('the gradient rule in text', () => {
  const conv = 'O[n,m,p,q] = B[m] + I[n,c,U*p+r,U*q+s] * F[m,c,r,s]';
  assert.equal(gradientSpec(conv, 'I'), 'dI[n,c,U*p+r,U*q+s] = dO[n,m,p,q] * F[m,c,r,s]');
  assert.equal(gradientSpec(conv, 'F'), 'dF[m,c,r,s] = dO[n,m,p,q] * I[n,c,U*p+r,U*q+s]');
  assert.equal(gradientSpec(conv, 'B'), 'dB[m] = dO[n,m,p,q]');
  assert.equal(gradientSpec('O[n,c,p,q] = I[n,c,U*p+r,U*q+s] / (R*S)', 'I'), 'dI[n,c,U*p+r,U*q+s] = dO[n,c,p,q] / (R*S)');
  assert.equal(gradientSpec('O[n,c,U*h,U*w] = I[n,c,h,w]', 'I'), 'dI[n,c,h,w] = dO[n,c,U*h,U*w]');
  assert.equal(gradientSpec('O[n,c,U*h+r] = B[c] + I[n,m,h] * F[m,c,r]', 'B'), 'dB[c] = dO[n,c,o0]');
  const g = gradientEinsum(linearEinsum({ N: 2, C: 3, M: 4 }, true), 'F');
  assert.deepEqual(g.shapes, { I: [2, 3], dO: [2, 4], dF: [4, 3] });
});

test('gradient errors: max is routed to the argmax; unknown operands are named', () => {
  assertThrowsWith(() => gradientSpec('O[n,c,p,q] = max over r,s of I[n,c,p+r,q+s]', 'I'), 'gradientSpec', 'not an einsum', 'argmax');
  assertThrowsWith(() => gradientSpec('O[n,m] = I[n,c] * F[m,c]', 'X'), "operand 'X'", 'operands: I, F');
});

test('gradients of linear, matmul, zero insertion and nearest upsampling match finite differences', () => {
  checkGradients(linearEinsum({ N: 3, C: 5, M: 4 }, true), 1);
  checkGradients(matmulEinsum({ batch: 2, I: 3, K: 4, J: 5 }), 2);
  checkGradients(zeroInsertEinsum({ N: 1, C: 2, H: 3, W: 4, U: 2 }), 3);
  checkGradients(zeroInsertEinsum({ N: 1, C: 2, H: 3, W: 4, U: 3, P: 7, Q: 10 }), 4);
  checkGradients(nearestUpsampleEinsum({ N: 2, C: 1, H: 3, W: 2, U: 2, V: 3 }), 5);
});

test('property: conv2d gradients (stride, asymmetric padding, dilation, groups) match finite differences', () => {
  fc.assert(fc.property(
    fc.record({
      N: fc.integer({ min: 1, max: 2 }), G: fc.integer({ min: 1, max: 3 }), Cg: fc.integer({ min: 1, max: 2 }),
      Mg: fc.integer({ min: 1, max: 2 }), H: fc.integer({ min: 3, max: 8 }), W: fc.integer({ min: 3, max: 8 }),
      R: fc.integer({ min: 1, max: 3 }), S: fc.integer({ min: 1, max: 3 }), U: fc.integer({ min: 1, max: 3 }),
      V: fc.integer({ min: 1, max: 3 }), pt: fc.integer({ min: 0, max: 2 }), pb: fc.integer({ min: 0, max: 2 }),
      pl: fc.integer({ min: 0, max: 2 }), pr: fc.integer({ min: 0, max: 2 }), DH: fc.integer({ min: 1, max: 2 }),
      DW: fc.integer({ min: 1, max: 2 }), bias: fc.boolean(), seed: fc.integer({ min: 0, max: 1000 }),
    }),
    (a) => {
      const P = convOutputSize(a.H, a.R, a.U, a.pt, a.pb, a.DH), Q = convOutputSize(a.W, a.S, a.V, a.pl, a.pr, a.DW);
      fc.pre(P >= 1 && Q >= 1);
      checkGradients(conv2dEinsum({ N: a.N, C: a.G * a.Cg, H: a.H, W: a.W, M: a.G * a.Mg, R: a.R, S: a.S, P, Q,
        strideH: a.U, strideW: a.V, padTop: a.pt, padLeft: a.pl, dilationH: a.DH, dilationW: a.DW, groups: a.G }, a.bias), a.seed);
    }), { numRuns: 40 });
});

test('property: convTranspose2d gradients (output padding, dilation, groups, bias) match finite differences', () => {
  fc.assert(fc.property(
    fc.record({
      G: fc.integer({ min: 1, max: 2 }), Cg: fc.integer({ min: 1, max: 2 }), Mg: fc.integer({ min: 1, max: 2 }),
      H: fc.integer({ min: 1, max: 5 }), W: fc.integer({ min: 1, max: 5 }), R: fc.integer({ min: 1, max: 3 }),
      U: fc.integer({ min: 1, max: 3 }), pad: fc.integer({ min: 0, max: 2 }), op: fc.integer({ min: 0, max: 2 }),
      D: fc.integer({ min: 1, max: 2 }), seed: fc.integer({ min: 0, max: 1000 }),
    }),
    (a) => {
      fc.pre(a.op < Math.max(a.U, a.D)); // PyTorch's rule for output padding
      const P = convTransposeOutputSize(a.H, a.R, a.U, a.pad, a.pad, a.op, a.D);
      const Q = convTransposeOutputSize(a.W, a.R, a.U, a.pad, a.pad, a.op, a.D);
      fc.pre(P >= 1 && Q >= 1);
      checkGradients(convTranspose2dEinsum({ N: 1, C: a.G * a.Cg, H: a.H, W: a.W, M: a.G * a.Mg, R: a.R, S: a.R, P, Q,
        strideH: a.U, strideW: a.U, padTop: a.pad, padLeft: a.pad, dilationH: a.D, dilationW: a.D, groups: a.G }, true), a.seed);
    }), { numRuns: 30 });
});

test('property: avgPool2d gradient matches finite differences', () => {
  fc.assert(fc.property(
    fc.record({ H: fc.integer({ min: 2, max: 7 }), R: fc.integer({ min: 1, max: 3 }), U: fc.integer({ min: 1, max: 3 }),
      pad: fc.integer({ min: 0, max: 1 }), seed: fc.integer({ min: 0, max: 1000 }) }),
    (a) => {
      fc.pre(a.pad * 2 <= a.R);
      const P = convOutputSize(a.H, a.R, a.U, a.pad);
      fc.pre(P >= 1);
      checkGradients(avgPool2dEinsum({ N: 1, C: 2, H: a.H, W: a.H + 1, R: a.R, S: a.R, P,
        Q: convOutputSize(a.H + 1, a.R, a.U, a.pad), strideH: a.U, strideW: a.U, padTop: a.pad, padLeft: a.pad,
        dilationH: 1, dilationW: 1 }), a.seed);
    }), { numRuns: 30 });
});
