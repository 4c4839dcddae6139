/** Interpreter properties: loop order does not matter; padding is zero padding; einsum(). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { assertClose, assertThrowsWith } from '../helpers.js';
import { einsum } from '../../src/einsum/index.js';
import { fastOrder, interpret } from '../../src/einsum/interpret.js';
import { compile } from '../../src/einsum/ranges.js';
import { conv2dEinsum, convOutputSize, convTranspose2dEinsum, convTransposeOutputSize, maxPool2dEinsum } from '../../src/einsum/layers.js';
import { parse } from '../../src/einsum/parse.js';
import type { BoundEinsum } from '../../src/einsum/types.js';
import { randomBuffer } from './naive.js';

const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

function operandsOf(e: BoundEinsum, seed: number): Record<string, Float32Array> {
  const ast = parse(e.spec);
  const out: Record<string, Float32Array> = {};
  [...(ast.bias ? [ast.bias] : []), ...ast.operands].forEach((r, k) => { out[r.name] = randomBuffer(size(e.shapes[r.name]!), seed + k); });
  return out;
}

const convArb = fc.record({
  N: fc.integer({ min: 1, max: 2 }), G: fc.integer({ min: 1, max: 2 }), Cg: fc.integer({ min: 1, max: 3 }),
  Mg: fc.integer({ min: 1, max: 3 }), H: fc.integer({ min: 1, max: 7 }), W: fc.integer({ min: 1, max: 7 }),
  R: fc.integer({ min: 1, max: 3 }), S: fc.integer({ min: 1, max: 3 }), U: fc.integer({ min: 1, max: 3 }),
  V: fc.integer({ min: 1, max: 2 }), pt: fc.integer({ min: 0, max: 2 }), pb: fc.integer({ min: 0, max: 2 }),
  pl: fc.integer({ min: 0, max: 2 }), pr: fc.integer({ min: 0, max: 2 }), DH: fc.integer({ min: 1, max: 2 }),
  DW: fc.integer({ min: 1, max: 2 }), bias: fc.boolean(), seed: fc.integer({ min: 0, max: 1000 }),
});
type ConvArgs = typeof convArb extends fc.Arbitrary<infer T> ? T : never;

function convOf(a: ConvArgs): BoundEinsum | null {
  const P = convOutputSize(a.H, a.R, a.U, a.pt, a.pb, a.DH), Q = convOutputSize(a.W, a.S, a.V, a.pl, a.pr, a.DW);
  if (P < 1 || Q < 1) return null;
  return conv2dEinsum({ N: a.N, C: a.G * a.Cg, H: a.H, W: a.W, M: a.G * a.Mg, R: a.R, S: a.S, P, Q, strideH: a.U,
    strideW: a.V, padTop: a.pt, padLeft: a.pl, dilationH: a.DH, dilationW: a.DW, groups: a.G }, a.bias);
}

test('property: every loop order gives the same conv2d result', () => {
  fc.assert(fc.property(convArb, fc.array(fc.nat(), { minLength: 8, maxLength: 8 }), (a, keys) => {
    const e = convOf(a);
    fc.pre(e !== null);
    const ops = operandsOf(e!, a.seed);
    const base = interpret(e!, ops);
    const all = ['n', 'g', 'm', 'p', 'q', 'c', 'r', 's'];
    const order = all.map((i, k) => [i, keys[k]!] as const).sort((x, y) => x[1] - y[1]).map((x) => x[0]);
    assertClose(interpret(e!, ops, { order }), base, `conv2d in order ${order.join('')}`, 1e-5, 1e-5);
  }), { numRuns: 60 });
});

test('property: every loop order gives the same transposed conv and max pooling result', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }),
    fc.integer({ min: 0, max: 1 }), fc.array(fc.nat(), { minLength: 7, maxLength: 7 }), (H, R, U, pad, keys) => {
      const P = convTransposeOutputSize(H, R, U, pad, pad, 0, 1);
      fc.pre(P >= 1);
      const e = convTranspose2dEinsum({ N: 1, C: 2, H, W: H, M: 3, R, S: R, P, Q: P, strideH: U, strideW: U,
        padTop: pad, padLeft: pad, dilationH: 1, dilationW: 1, groups: 1 }, true);
      const ops = operandsOf(e, H * 7 + R);
      const all = ['n', 'g', 'c', 'h', 'r', 'w', 's', 'm'];
      const order = all.map((i, k) => [i, keys[k % 7]! + k / 10] as const).sort((x, y) => x[1] - y[1]).map((x) => x[0]);
      assertClose(interpret(e, ops, { order }), interpret(e, ops), `convTranspose2d in order ${order.join('')}`, 1e-5, 1e-5);
      if (2 * pad > R) return; // PyTorch forbids windows made only of padding
      const Pm = convOutputSize(H + 2, R, U, pad);
      const m = maxPool2dEinsum({ N: 1, C: 2, H: H + 2, W: H + 2, R, S: R, P: Pm, Q: Pm, strideH: U, strideW: U,
        padTop: pad, padLeft: pad, dilationH: 1, dilationW: 1 });
      const I = randomBuffer(2 * (H + 2) * (H + 2), H);
      const mo = ['s', 'q', 'r', 'n', 'p', 'c'];
      assertClose(interpret(m, { I }, { order: mo }), interpret(m, { I }), 'max pooling in another order');
    }), { numRuns: 40 });
});

test('property: P = floor((H + 2pad - d(R-1) - 1)/U) + 1, and padding equals explicit zero padding', () => {
  fc.assert(fc.property(convArb, (a) => {
    const e = convOf(a);
    fc.pre(e !== null);
    const ops = operandsOf(e!, a.seed);
    // Pad the input explicitly, then run the unpadded einsum with its inferred ("valid") output.
    const Hp = a.H + a.pt + a.pb, Wp = a.W + a.pl + a.pr, C = a.G * a.Cg;
    const Ip = new Float32Array(a.N * C * Hp * Wp);
    for (let n = 0; n < a.N; n++) for (let c = 0; c < C; c++) for (let y = 0; y < a.H; y++) for (let x = 0; x < a.W; x++) {
      Ip[((n * C + c) * Hp + y + a.pt) * Wp + x + a.pl] = ops['I']![((n * C + c) * a.H + y) * a.W + x]!;
    }
    const spec = e!.spec.replace('-PH', '').replace('-PW', '');
    const shapes: Record<string, readonly number[]> = { ...e!.shapes, I: [a.N, a.G, a.Cg, Hp, Wp] };
    delete shapes['O'];
    const c = compile(spec, shapes, e!.constants);
    const oShape = e!.shapes['O']!;
    // The inferred output is the largest whose windows fit, i.e. the formula (when U divides the slack or not).
    assert.deepEqual(c.shapes['O']!.slice(3), [convOutputSize(Hp, a.R, a.U, 0, 0, a.DH), convOutputSize(Wp, a.S, a.V, 0, 0, a.DW)]);
    assert.deepEqual(oShape.slice(3), [convOutputSize(a.H, a.R, a.U, a.pt, a.pb, a.DH), convOutputSize(a.W, a.S, a.V, a.pl, a.pr, a.DW)]);
    assert.deepEqual(c.shapes['O'], oShape);
    const explicit = interpret({ spec, shapes: c.shapes, constants: e!.constants }, { ...ops, I: Ip });
    assertClose(interpret(e!, ops), explicit, 'implicit vs explicit zero padding', 1e-6, 1e-6);
  }), { numRuns: 60 });
});

test('fastOrder keeps every index, puts a long reduction innermost and a long contiguous index next', () => {
  const e = conv2dEinsum({ N: 2, C: 16, H: 28, W: 28, M: 32, R: 3, S: 3, P: 28, Q: 28, strideH: 1, strideW: 1,
    padTop: 1, padLeft: 1, dilationH: 1, dilationW: 1, groups: 1 });
  const order = fastOrder(compile(e.spec, e.shapes, e.constants));
  assert.deepEqual([...order].sort(), ['c', 'g', 'm', 'n', 'p', 'q', 'r', 's']);
  assert.deepEqual(order.slice(-2), ['q', 'c']);
});

test('einsum() on plain operands: matrix-vector, dot product, inferred output shapes', () => {
  const A = { shape: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, 6]) };
  const x = { shape: [3], data: new Float32Array([1, 0, -1]) };
  assert.deepEqual(einsum('y[i] = A[i,k] * x[k]', { A, x }), { shape: [2], data: new Float32Array([-2, -2]) });
  assert.deepEqual(einsum('s[] = x[k] * z[k]', { x, z: x }), { shape: [], data: new Float32Array([2]) });
  const r = einsum('O[n,c,U*h+r,U*w+s] = I[n,c,h,w]', { I: { shape: [1, 1, 1, 2], data: new Float32Array([1, 2]) } },
    { constants: { U: 2 }, outputShape: [1, 1, 2, 4] });
  assert.deepEqual([...r.data], [1, 1, 2, 2, 1, 1, 2, 2]);
  const t = einsum('O[i,j] = A[j,i]', { A }, { order: ['j', 'i'] });
  assert.deepEqual(t, { shape: [3, 2], data: new Float32Array([1, 4, 2, 5, 3, 6]) });
});

test('interpreter errors name the operand and what was wrong', () => {
  const A = { shape: [2, 3], data: new Float32Array(5) };
  assertThrowsWith(() => einsum('y[i] = A[i,k]', { A }), "operand 'A' has 5 elements", 'shape [2,3] needs 6');
  assertThrowsWith(() => interpret({ spec: 'y[i] = A[i,k]', shapes: { A: [2, 3] } }, {}), "operand 'A'", 'missing');
  assertThrowsWith(() => interpret({ spec: 'y[i] = A[i,k]', shapes: { A: [2, 3] } }, { A: new Float32Array(6) }, { order: ['i'] }),
    'loop order [i]', 'i,k');
});
