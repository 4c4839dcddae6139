/**
 * The direct convolution (assembly/conv-direct.ts) against the reference backend, and its fused
 * tanh / 2x2 average-pooling epilogue and the fused gradient (tanh-pool.ts) bit for bit against
 * the unfused wasm calls: output widths Q below, at and above the 4- and 8-pixel tiles (a row's
 * last tile overlapping the one before, rows ending in 2 pixels in pairs), filter counts around
 * the 4-row panel, LeNet-5's c1 and c3, odd planes (pooling drops the last row or column), and
 * 1 vs 2 threads.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { assertClose, bits } from '../helpers.js';
import { conv2dForward, conv2dBackwardBias, conv2dBackwardFilter, conv2dBackwardInput } from '../../src/backends/wasm/conv.js';
import { conv2dDirectBackwardFilter, conv2dDirectBackwardInput } from '../../src/backends/wasm/conv-direct.js';
import { conv2dDirect, convTanhPool, convTanhPoolBackward, directApplies } from '../../src/backends/wasm/conv-direct.js';
import { unary, unaryGrad } from '../../src/backends/wasm/elementwise.js';
import { avgPool2d } from '../../src/backends/wasm/resample.js';
import { setThreads, setMinParallelFlops } from '../../src/backends/wasm/runtime.js';
import { referenceContract } from '../../src/backends/reference/contract.js';
import { avgPool2dEinsum, conv2dEinsum } from '../../src/einsum/layers.js';
import { convParams, randomArray } from './wasm-naive.js';
import { sameOnOneAndTwoThreads } from './two-threads.js';
import type { Conv2dParams } from '../../src/einsum/types.js';

type Shape = Parameters<typeof convParams>[0];


function reference(p: Conv2dParams, x: Float32Array, w: Float32Array, b: Float32Array | null): Float32Array {
  const operands: Record<string, Float32Array> = { I: x, F: w };
  if (b) operands['B'] = b;
  return referenceContract(conv2dEinsum(p, b !== null), 'O', operands);
}

function poolEinsum(p: Conv2dParams) {
  return avgPool2dEinsum({ N: p.N, C: p.M, H: p.P, W: p.Q, R: 2, S: 2, P: p.P >> 1, Q: p.Q >> 1, strideH: 2, strideW: 2,
    padTop: 0, padLeft: 0, dilationH: 1, dilationW: 1 });
}

const shapes: Array<[string, Shape]> = [
  ['Q = 4 (one 4-pixel tile)', { N: 2, C: 2, H: 6, W: 6, M: 5, R: 3, S: 3 }],
  ['Q = 5 (two overlapping 4-pixel tiles)', { N: 2, C: 3, H: 7, W: 7, M: 4, R: 3, S: 3 }],
  ['Q = 7, M = 1', { N: 2, C: 1, H: 9, W: 9, M: 1, R: 3, S: 3 }],
  ['Q = 9 (8 + an overlapping 4)', { N: 2, C: 2, H: 5, W: 11, M: 3, R: 3, S: 3 }],
  ['Q = 10, LeNet c3 (6 -> 16, 5x5 over 14x14)', { N: 3, C: 6, H: 14, W: 14, M: 16, R: 5, S: 5 }],
  ['Q = 10, odd P = 9 (row pairs, then a last row alone)', { N: 2, C: 3, H: 13, W: 14, M: 7, R: 5, S: 5 }],
  ['Q = 18, P = 3 (row pairs of 8 + 8 + 2 + 2)', { N: 2, C: 2, H: 5, W: 20, M: 5, R: 3, S: 3 }],
  ['Q = 13 (8 + an overlapping 8)', { N: 2, C: 2, H: 6, W: 15, M: 6, R: 3, S: 3 }],
  ['Q = 28, LeNet c1 (1 -> 6, 5x5 over 32x32)', { N: 3, C: 1, H: 32, W: 32, M: 6, R: 5, S: 5 }],
  ['Q = 27, odd P and Q, M = 9', { N: 2, C: 2, H: 29, W: 31, M: 9, R: 3, S: 5 }],
  ['1 x 7 filter, M = 32', { N: 2, C: 4, H: 5, W: 18, M: 32, R: 1, S: 7 }],
  ['K = 384 (one whole K block)', { N: 2, C: 24, H: 8, W: 9, M: 7, R: 4, S: 4 }],
];

describe('wasm direct conv2d', () => {
  after(() => { setMinParallelFlops(2e6); setThreads(1); });
  setMinParallelFlops(0);

  it('runs the layers it is meant for and no others', () => {
    for (const [name, s] of shapes) assert.ok(directApplies(convParams(s)), name);
    assert.ok(!directApplies(convParams({ N: 1, C: 3, H: 10, W: 10, M: 4, R: 3, S: 3 })), 'Q = 8: packed from the image already');
    assert.ok(!directApplies(convParams({ N: 1, C: 3, H: 10, W: 11, M: 4, R: 3, S: 3, pad: 1 })), 'padding');
    assert.ok(!directApplies(convParams({ N: 1, C: 3, H: 10, W: 11, M: 4, R: 3, S: 3, stride: 2 })), 'stride');
    assert.ok(!directApplies(convParams({ N: 1, C: 16, H: 5, W: 5, M: 120, R: 5, S: 5 })), 'a whole-image window');
    assert.ok(!directApplies(convParams({ N: 1, C: 2, H: 5, W: 5, M: 4, R: 3, S: 3 })), 'Q = 3');
    assert.ok(!directApplies(convParams({ N: 1, C: 25, H: 8, W: 9, M: 7, R: 4, S: 4 })), 'K = 400: over one block');
  });

  for (const [name, s] of shapes) {
    it(`${name}: the reference's values, fused epilogue bits, 1 and 2 threads the same`, () => {
      const p = convParams(s);
      const x = randomArray(p.N * p.C * p.H * p.W, 21), w = randomArray(p.M * p.C * p.R * p.S, 22), b = randomArray(p.M, 23);
      const K = p.C * p.R * p.S, t = 2e-6 * Math.sqrt(K);
      const [y, ynb] = sameOnOneAndTwoThreads(() => [conv2dForward(p, x, w, b), conv2dForward(p, x, w, null)], name);
      assertClose(y!, reference(p, x, w, b), `${name} y`, 1e-5, t);
      assertClose(ynb!, reference(p, x, w, null), `${name} y (no bias)`, 1e-5, t);
      // The epilogue against the unfused wasm calls on the conv output.
      const pool = p.P >= 2 && p.Q >= 2;
      const [z, pooled] = sameOnOneAndTwoThreads(() => {
        const r = conv2dDirect(p, x, w, b, 'tanh', pool);
        return [r.y, r.pooled ?? new Float32Array(0)];
      }, `${name} fused`);
      const tanhY = unary('tanh', y!, 0);
      // unary takes JavaScript's tanh for small arrays (other bits): compare those by value.
      if (y!.length >= 2048) assert.deepEqual(bits(z!), bits(tanhY), `${name} tanh epilogue`);
      else assertClose(z!, tanhY, `${name} tanh epilogue`, 1e-6, 1e-7);
      if (pool) assert.deepEqual(bits(pooled!), bits(avgPool2d(poolEinsum(p), 'O', { I: z! })!), `${name} pooled`);
      assert.deepEqual(bits(conv2dDirect(p, x, w, b, 'none', false).y), bits(y!), `${name} no epilogue`);
    });
  }

  for (const [name, s] of shapes) {
    it(`${name}: the filter gradient without im2col against the reference, 1 and 2 threads the same`, () => {
      const p = convParams(s);
      const x = randomArray(p.N * p.C * p.H * p.W, 31), dy = randomArray(p.N * p.M * p.P * p.Q, 32);
      const [dw] = sameOnOneAndTwoThreads(() => [conv2dDirectBackwardFilter(p, x, dy)], name);
      const e = conv2dEinsum(p, false);
      assertClose(dw!, referenceContract(e, 'F', { I: x, dO: dy }), `${name} dw`, 1e-5, 2e-6 * Math.sqrt(p.N * p.P * p.Q));
    });
  }
  for (const [name, s] of shapes) {
    it(`${name}: the data gradient with col2im fused against the reference, 1 and 2 threads the same`, () => {
      const p = convParams(s);
      const w = randomArray(p.M * p.C * p.R * p.S, 33), dy = randomArray(p.N * p.M * p.P * p.Q, 34);
      const [dx] = sameOnOneAndTwoThreads(() => [conv2dDirectBackwardInput(p, dy, w)], name);
      assertClose(dx!, referenceContract(conv2dEinsum(p, false), 'I', { F: w, dO: dy }), `${name} dx`, 1e-5, 2e-6 * Math.sqrt(p.M * p.R * p.S));
      assert.deepEqual(bits(conv2dBackwardInput(p, dy, w)), bits(dx!), `${name}: conv2dBackwardInput takes the direct kernel`);
    });
  }

  it('matches the reference on 30 random shapes it runs, forward, data and filter gradients, 1 and 2 threads', () => {
    // Seeded LCG: a failure reproduces. Shapes directApplies accepts: stride 1, no padding,
    // Q >= 4 and not a multiple of 8, C*R*S <= 384, M <= 32.
    let seed = 20261126;
    const r = (lo: number, hi: number): number => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return lo + (seed % (hi - lo + 1));
    };
    let done = 0;
    for (let trial = 0; done < 30 && trial < 1000; trial++) {
      const R = r(1, 6), S = r(1, 6);
      const s: Shape = { N: r(1, 3), C: r(1, 8), H: R + r(0, 12), W: S + r(3, 30), M: r(1, 32), R, S };
      const p = convParams(s);
      if (!directApplies(p)) continue;
      done++;
      const name = JSON.stringify(s);
      const x = randomArray(p.N * p.C * p.H * p.W, trial), w = randomArray(p.M * p.C * p.R * p.S, trial + 1);
      const b = randomArray(p.M, trial + 2), dy = randomArray(p.N * p.M * p.P * p.Q, trial + 3);
      const [y, dx, dw] = sameOnOneAndTwoThreads(() => [
        conv2dDirect(p, x, w, b, 'none', false).y, conv2dDirectBackwardInput(p, dy, w), conv2dDirectBackwardFilter(p, x, dy),
      ], name, 0);
      const e = conv2dEinsum(p, true), K = p.C * p.R * p.S;
      assertClose(y!, reference(p, x, w, b), `${name} y`, 1e-5, 2e-6 * Math.sqrt(K));
      assertClose(dx!, referenceContract(e, 'I', { F: w, B: b, dO: dy }), `${name} dx`, 1e-5, 2e-6 * Math.sqrt(p.M * p.R * p.S));
      assertClose(dw!, referenceContract(e, 'F', { I: x, B: b, dO: dy }), `${name} dw`, 1e-5, 2e-6 * Math.sqrt(p.N * p.P * p.Q));
    }
    assert.equal(done, 30, 'enough random shapes qualified');
  });

  it('the filter gradient masks a row\'s last vector: an infinity reaches only its own taps', () => {
    // Q = 7: a full vector and three lanes; x[0, 0, 2, 8] (a row's last column) is seen by the
    // s = 2 taps alone, while the masked lane q = 7 of the s = 1 taps loads it too.
    const p = convParams({ N: 2, C: 1, H: 6, W: 9, M: 2, R: 3, S: 3 });
    const x = randomArray(p.N * p.H * p.W, 41), dy = randomArray(p.N * p.M * p.P * p.Q, 42);
    x[2 * 9 + 8] = Infinity;
    const expected = referenceContract(conv2dEinsum(p, false), 'F', { I: x, dO: dy });
    const dw = conv2dDirectBackwardFilter(p, x, dy);
    assert.ok(expected.some((v) => !Number.isFinite(v)) && expected.some(Number.isFinite), 'the infinity reaches some taps only');
    for (let i = 0; i < expected.length; i++) {
      if (Number.isFinite(expected[i]!)) assertClose([dw[i]!], [expected[i]!], `dw[${i}]`, 1e-5, 1e-6);
      else assert.equal(dw[i], expected[i], `dw[${i}]`);
    }
  });

  it('fused backward: every gradient with the bits of the unfused calls, 1 and 2 threads the same', () => {
    const cases: Array<[string, Shape]> = [
      ['LeNet c1 (direct filter gradient in the call)', { N: 64, C: 1, H: 32, W: 32, M: 6, R: 5, S: 5 }],
      ['LeNet c3', { N: 64, C: 6, H: 14, W: 14, M: 16, R: 5, S: 5 }],
      ['odd P, Q = 27', { N: 4, C: 2, H: 13, W: 31, M: 9, R: 3, S: 5 }],
      ['small, Q = 5', { N: 40, C: 2, H: 5, W: 7, M: 3, R: 3, S: 3 }],
    ];
    for (const [name, s] of cases) {
      const p = convParams(s);
      const x = randomArray(p.N * p.C * p.H * p.W, 51), w = randomArray(p.M * p.C * p.R * p.S, 52);
      const y = unary('tanh', randomArray(p.N * p.M * p.P * p.Q, 53), 0);
      for (const pool of [true, false]) {
        const dy = randomArray(pool ? p.N * p.M * (p.P >> 1) * (p.Q >> 1) : y.length, 54);
        const label = `${name}, pool ${pool}`;
        const [dx, dw, db] = sameOnOneAndTwoThreads(() => {
          const r = convTanhPoolBackward(p, x, w, y, dy, pool, { dx: true, dw: true, db: true });
          return [r.dx!, r.dw!, r.dBias!];
        }, label);
        const g = pool ? avgPool2d(poolEinsum(p), 'I', { dO: dy })! : dy;
        const dz = unaryGrad('tanh', y, y, g, 0);
        const same = (a: Float32Array, e: Float32Array, what: string): void => {
          if (y.length >= 2048) assert.deepEqual(bits(a), bits(e), `${label} ${what}`);
          else assertClose(a, e, `${label} ${what}`, 1e-5, 1e-6);
        };
        same(dx!, conv2dBackwardInput(p, dz, w), 'dx');
        same(dw!, conv2dBackwardFilter(p, x, dz), 'dw');
        same(db!, conv2dBackwardBias(p.N, p.M, p.P * p.Q, dz), 'db');
        const some = convTanhPoolBackward(p, x, w, y, dy, pool, { dx: false, dw: true, db: false });
        assert.equal(some.dx, null); assert.equal(some.dBias, null);
        same(some.dw!, dw!, 'dw alone');
      }
    }
  });

  it('convTanhPool declines where the unfused ops would not give its bits', () => {
    const small = convParams({ N: 1, C: 1, H: 8, W: 8, M: 2, R: 3, S: 3 });  // 72 outputs: JavaScript's tanh
    assert.equal(convTanhPool(small, randomArray(64, 1), randomArray(18, 2), null, true), null);
    const strided = convParams({ N: 64, C: 2, H: 16, W: 16, M: 8, R: 3, S: 3, stride: 2 });
    assert.equal(convTanhPool(strided, randomArray(64 * 512, 1), randomArray(144, 2), null, false), null);
  });

  it('a whole-image window (c5) runs the GEMM and the tanh in one call, forward and backward, with the unfused bits', () => {
    const p = convParams({ N: 64, C: 16, H: 5, W: 5, M: 120, R: 5, S: 5 });
    const x = randomArray(64 * 400, 61), w = randomArray(120 * 400, 62), b = randomArray(120, 63), dy = randomArray(64 * 120, 64);
    assert.equal(convTanhPool(p, x, w, b, true), null, 'no 2x2 pooling of a 1x1 output');
    const [y] = sameOnOneAndTwoThreads(() => [convTanhPool(p, x, w, b, false)!.y], 'c5 forward');
    assert.deepEqual(bits(y!), bits(unary('tanh', conv2dForward(p, x, w, b), 0)), 'y');
    const [dx, dw, db] = sameOnOneAndTwoThreads(() => {
      const r = convTanhPoolBackward(p, x, w, y!, dy, false, { dx: true, dw: true, db: true });
      return [r.dx!, r.dw!, r.dBias!];
    }, 'c5 backward');
    const dz = unaryGrad('tanh', y!, y!, dy, 0);
    assert.deepEqual(bits(dx!), bits(conv2dBackwardInput(p, dz, w)), 'dx');
    assert.deepEqual(bits(dw!), bits(conv2dBackwardFilter(p, x, dz)), 'dw');
    assert.deepEqual(bits(db!), bits(conv2dBackwardBias(p.N, p.M, 1, dz)), 'db');
  });
});
