/**
 * Properties of the CONV/POOL shape rule and of conv2d / convTranspose2d, over random shape
 * combinations (fast-check):
 * - P and Q follow the output-size formula (and 'same' gives ceil(H/U); ceil mode drops a
 *   window that would start in the right padding);
 * - conv2d equals the naive 7-loop definition (in float64);
 * - convTranspose2d is the adjoint of conv2d: <conv2d(x, w), y> = <x, convTranspose2d(y, w)>.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Generator } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';
import * as F from '../../src/ops/functional.js';
import { outputSize, poolShape } from '../../src/ops/conv-shape.js';
import { assertClose } from '../helpers.js';
import { forEachBackend } from '../for-each-backend.js';

function randomTensor(shape: number[], seed: number): Tensor {
  const g = new Generator(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return new Tensor(Float32Array.from({ length: n }, () => g.normal()), shape);
}

/** A valid conv2d configuration with small sizes. */
const convConfig = fc.record({
  N: fc.integer({ min: 1, max: 2 }), G: fc.integer({ min: 1, max: 3 }),
  Cg: fc.integer({ min: 1, max: 2 }), Mg: fc.integer({ min: 1, max: 2 }),
  H: fc.integer({ min: 1, max: 9 }), W: fc.integer({ min: 1, max: 9 }),
  R: fc.integer({ min: 1, max: 4 }), S: fc.integer({ min: 1, max: 4 }),
  U: fc.integer({ min: 1, max: 3 }), V: fc.integer({ min: 1, max: 3 }),
  ph: fc.integer({ min: 0, max: 3 }), pw: fc.integer({ min: 0, max: 3 }),
  dh: fc.integer({ min: 1, max: 3 }), dw: fc.integer({ min: 1, max: 3 }),
  seed: fc.integer({ min: 0, max: 1e6 }),
}).filter((c) => c.H + 2 * c.ph >= c.dh * (c.R - 1) + 1 && c.W + 2 * c.pw >= c.dw * (c.S - 1) + 1);

/** The definition: seven nested loops, float64, zero outside the input. */
function naiveConv2d(x: Tensor, w: Tensor, c: { U: number; V: number; ph: number; pw: number; dh: number; dw: number; G: number }): Float64Array {
  const [N, C, H, W] = x.shape as number[];
  const [M, Cg, R, S] = w.shape as number[];
  const P = Math.floor((H! + 2 * c.ph - c.dh * (R! - 1) - 1) / c.U) + 1;
  const Q = Math.floor((W! + 2 * c.pw - c.dw * (S! - 1) - 1) / c.V) + 1;
  const Mg = M! / c.G;
  const y = new Float64Array(N! * M! * P * Q);
  for (let n = 0; n < N!; n++) for (let m = 0; m < M!; m++) for (let p = 0; p < P; p++) for (let q = 0; q < Q; q++) {
    const g = Math.floor(m / Mg);
    let acc = 0;
    for (let cc = 0; cc < Cg!; cc++) for (let r = 0; r < R!; r++) for (let s = 0; s < S!; s++) {
      const h = p * c.U + r * c.dh - c.ph, ww = q * c.V + s * c.dw - c.pw;
      if (h < 0 || h >= H! || ww < 0 || ww >= W!) continue;
      acc += x.data[((n * C! + g * Cg! + cc) * H! + h) * W! + ww]! * w.data[((m * Cg! + cc) * R! + r) * S! + s]!;
    }
    y[((n * M! + m) * P + p) * Q + q] = acc;
  }
  return y;
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

test('P and Q follow floor((H + 2*pad - d*(R-1) - 1)/U) + 1 for every valid conv2d', () => {
  fc.assert(fc.property(convConfig, (c) => {
    const x = new Tensor(new Float32Array(c.N * c.G * c.Cg * c.H * c.W), [c.N, c.G * c.Cg, c.H, c.W]);
    const w = new Tensor(new Float32Array(c.G * c.Mg * c.Cg * c.R * c.S), [c.G * c.Mg, c.Cg, c.R, c.S]);
    const y = F.conv2d(x, w, null, { stride: [c.U, c.V], padding: [c.ph, c.pw], dilation: [c.dh, c.dw], groups: c.G });
    const P = Math.floor((c.H + 2 * c.ph - c.dh * (c.R - 1) - 1) / c.U) + 1;
    const Q = Math.floor((c.W + 2 * c.pw - c.dw * (c.S - 1) - 1) / c.V) + 1;
    assert.deepEqual(y.shape, [c.N, c.G * c.Mg, P, Q]);
  }), { numRuns: 200 });
});

test("'same' padding gives P = ceil(H/U) and Q = ceil(W/V); 'valid' is padding 0", () => {
  fc.assert(fc.property(convConfig, (c) => {
    const x = new Tensor(new Float32Array(c.H * c.W), [1, 1, c.H, c.W]);
    const w = new Tensor(new Float32Array(c.R * c.S), [1, 1, c.R, c.S]);
    const same = F.conv2d(x, w, null, { stride: [c.U, c.V], padding: 'same', dilation: [c.dh, c.dw] });
    assert.deepEqual(same.shape, [1, 1, Math.ceil(c.H / c.U), Math.ceil(c.W / c.V)]);
    if (c.H >= c.dh * (c.R - 1) + 1 && c.W >= c.dw * (c.S - 1) + 1) {
      const valid = F.conv2d(x, w, null, { stride: [c.U, c.V], padding: 'valid', dilation: [c.dh, c.dw] });
      assert.deepEqual(valid.shape.slice(2), [outputSize(c.H, c.R, c.U, 0, 0, c.dh), outputSize(c.W, c.S, c.V, 0, 0, c.dw)]);
    }
  }), { numRuns: 200 });
});

test('pooling: floor mode follows the formula; ceil mode rounds up unless the last window would start in the right padding', () => {
  fc.assert(fc.property(
    fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }),
    fc.integer({ min: 0, max: 2 }), fc.integer({ min: 1, max: 2 }), fc.boolean(),
    (H, R, U, pad, d, ceilMode) => {
      fc.pre(2 * pad <= d * (R - 1) + 1 && H + 2 * pad >= d * (R - 1) + 1);
      const s = poolShape([1, 1, H, H], { kernelSize: R, stride: U, padding: pad, dilation: d, ceilMode }, 'maxPool2d');
      const span = H + 2 * pad - d * (R - 1) - 1;
      let P = (ceilMode ? Math.ceil(span / U) : Math.floor(span / U)) + 1;
      // Windows are counted by where they start: the last must start before H + pad.
      if (ceilMode) while ((P - 1) * U - pad >= H) P--;
      assert.equal(s.P, P);
      assert.equal(s.Q, P);
      const y = F.maxPool2d(new Tensor(new Float32Array(H * H), [1, 1, H, H]), { kernelSize: R, stride: U, padding: pad, dilation: d, ceilMode });
      assert.deepEqual(y.shape, [1, 1, P, P]);
    }), { numRuns: 300 });
});

forEachBackend(() => {
  test('conv2d equals the naive 7-loop definition', () => {
    fc.assert(fc.property(convConfig, (c) => {
      const x = randomTensor([c.N, c.G * c.Cg, c.H, c.W], c.seed);
      const w = randomTensor([c.G * c.Mg, c.Cg, c.R, c.S], c.seed + 1);
      const y = F.conv2d(x, w, null, { stride: [c.U, c.V], padding: [c.ph, c.pw], dilation: [c.dh, c.dw], groups: c.G });
      assertClose(y.data, naiveConv2d(x, w, c), 'conv2d vs definition', 1e-5, 1e-5);
    }), { numRuns: 60 });
  });

  test('convTranspose2d is the adjoint of conv2d: <conv2d(x, w), y> = <x, convTranspose2d(y, w)>', () => {
    fc.assert(fc.property(convConfig, (c) => {
      const x = randomTensor([c.N, c.G * c.Cg, c.H, c.W], c.seed);
      const w = randomTensor([c.G * c.Mg, c.Cg, c.R, c.S], c.seed + 1);
      const options = { stride: [c.U, c.V] as [number, number], padding: [c.ph, c.pw] as [number, number], dilation: [c.dh, c.dw] as [number, number], groups: c.G };
      const cx = F.conv2d(x, w, null, options);
      const y = randomTensor([...cx.shape], c.seed + 2);
      // The rows/columns the forward's floor dropped come back as outputPadding.
      const outputPadding: [number, number] = [
        (c.H + 2 * c.ph - c.dh * (c.R - 1) - 1) % c.U, (c.W + 2 * c.pw - c.dw * (c.S - 1) - 1) % c.V];
      const ty = F.convTranspose2d(y, w, null, { ...options, outputPadding });
      assert.deepEqual(ty.shape, x.shape);
      const lhs = dot(cx.data, y.data), rhs = dot(x.data, ty.data);
      assert.ok(Math.abs(lhs - rhs) <= 1e-4 * (1 + Math.abs(lhs)), `<conv(x),y> = ${lhs} but <x,convT(y)> = ${rhs}`);
    }), { numRuns: 60 });
  });
});
