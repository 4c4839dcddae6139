/**
 * The conv forward paths against the reference backend (the einsum interpreter): B packed
 * straight from the image (every pixel panel in one output row: Q a multiple of 8, stride 1
 * along rows), the pointwise GEMM and the im2col fallback, with the filter packed once per call.
 * Sizes sit below, at and above each blocking factor: filter rows around the 4-row micro-tile
 * and the 128-row M block, reductions K around the 384-deep K block, pixels around the 8-wide
 * panel and the pixel block; borders with padding up to and beyond the window; and every thread
 * split (units of pixel blocks or of filter rows, taken from a shared counter) on 1 and 2 threads.
 */
import { after, before, describe, it } from 'node:test';
import { assertClose } from '../helpers.js';
import { conv2dForward } from '../../src/backends/wasm/conv.js';
import { setThreads, setMinParallelFlops } from '../../src/backends/wasm/runtime.js';
import { setConvWinograd } from '../../src/backends/wasm/conv-winograd.js';
import assert from 'node:assert/strict';
import { referenceContract } from '../../src/backends/reference/contract.js';
import { conv2dEinsum } from '../../src/einsum/layers.js';
import { convParams, randomArray } from './wasm-naive.js';
import { itOnOneAndTwoThreads, sameOnOneAndTwoThreads } from './two-threads.js';
import type { Conv2dParams } from '../../src/einsum/types.js';

type Shape = Parameters<typeof convParams>[0];

function reference(p: Conv2dParams, x: Float32Array, w: Float32Array, b: Float32Array | null): Float32Array {
  const operands: Record<string, Float32Array> = { I: x, F: w };
  if (b) operands['B'] = b;
  return referenceContract(conv2dEinsum(p, b !== null), 'O', operands);
}

const shapes: Array<[string, Shape]> = [
  // Direct row packing (Q % 8 == 0, horizontal stride 1).
  ['3x3 pad 1, Q = 8', { N: 1, C: 3, H: 8, W: 8, M: 5, R: 3, S: 3, pad: 1 }],
  ['3x3 pad 1, Q = 16, M = 4 (one tile row)', { N: 2, C: 2, H: 6, W: 16, M: 4, R: 3, S: 3, pad: 1 }],
  ['3x3 no pad, Q = 8 (W = 10)', { N: 1, C: 4, H: 7, W: 10, M: 3, R: 3, S: 3 }],
  ['5x5 pad 2, Q = 24', { N: 1, C: 2, H: 9, W: 24, M: 7, R: 5, S: 5, pad: 2 }],
  ['3x3 pad 3 (beyond the window), Q = 8 (W = 4)', { N: 1, C: 2, H: 5, W: 4, M: 6, R: 3, S: 3, pad: 3 }],
  ['7x7 pad 9 (whole panels of padding), Q = 32 (W = 20)', { N: 1, C: 1, H: 6, W: 20, M: 5, R: 7, S: 7, pad: 9 }],
  ['asymmetric pad [0, 2], Q = 16 (W = 14)', { N: 1, C: 3, H: 6, W: 14, M: 9, R: 3, S: 3, pad: [0, 2] }],
  ['dilation [2, 3], Q = 8', { N: 1, C: 3, H: 9, W: 10, M: 5, R: 3, S: 3, pad: [2, 2], dilation: [2, 3] }],
  ['vertical stride 2, Q = 16', { N: 2, C: 3, H: 11, W: 16, M: 6, R: 3, S: 3, pad: 1, stride: [2, 1] }],
  ['groups 3, Q = 8', { N: 2, C: 6, H: 5, W: 8, M: 9, R: 3, S: 3, pad: 1, groups: 3 }],
  ['groups 2, Mg = 5 (padded panels per group)', { N: 1, C: 4, H: 6, W: 8, M: 10, R: 3, S: 3, pad: 1, groups: 2 }],
  ['K = 387 (just over one 384 block)', { N: 1, C: 43, H: 4, W: 8, M: 6, R: 3, S: 3, pad: 1 }],
  ['K = 378 (one block)', { N: 1, C: 42, H: 4, W: 8, M: 6, R: 3, S: 3, pad: 1 }],
  ['K = 810 (three blocks)', { N: 1, C: 90, H: 3, W: 8, M: 5, R: 3, S: 3, pad: 1 }],
  ['M = 129 (over the 128-row block)', { N: 1, C: 3, H: 4, W: 16, M: 129, R: 3, S: 3, pad: 1 }],
  ['M = 1', { N: 2, C: 5, H: 5, W: 8, M: 1, R: 3, S: 3, pad: 1 }],
  ['filter over 64K floats (packed by every thread), K = 576', { N: 2, C: 64, H: 3, W: 8, M: 130, R: 3, S: 3, pad: 1 }],
  ['pixels over one block (K = 27: 2336-pixel blocks), Q = 56', { N: 1, C: 3, H: 56, W: 56, M: 5, R: 3, S: 3, pad: 1 }],
  ['few pixels, many filters (split by filter rows), Q = 8', { N: 1, C: 4, H: 4, W: 8, M: 40, R: 3, S: 3, pad: 1 }],
  ['3 images on 2 threads (pixel split over the batch), Q = 16', { N: 3, C: 2, H: 5, W: 16, M: 6, R: 3, S: 3, pad: 1 }],
  // Pointwise GEMM.
  ['1x1, PQ = 63', { N: 2, C: 9, H: 7, W: 9, M: 7, R: 1, S: 1 }],
  ['1x1, K = 385, M = 130', { N: 1, C: 385, H: 3, W: 5, M: 130, R: 1, S: 1 }],
  ['1x1, few pixels, many filters', { N: 1, C: 6, H: 2, W: 3, M: 36, R: 1, S: 1 }],
  // im2col fallback.
  ['3x3 pad 1, Q = 9', { N: 2, C: 3, H: 7, W: 9, M: 5, R: 3, S: 3, pad: 1 }],
  ['horizontal stride 2, Q = 8', { N: 1, C: 2, H: 7, W: 16, M: 6, R: 3, S: 3, pad: 1, stride: 2 }],
  ['1x1 pad 1 (not pointwise), Q = 7', { N: 1, C: 3, H: 4, W: 5, M: 6, R: 1, S: 1, pad: 1 }],
  ['large image (pixel chunks), Q = 65', { N: 1, C: 3, H: 70, W: 65, M: 8, R: 3, S: 3, pad: 1 }],
];

describe('wasm conv2d forward paths against the reference backend', () => {
  // Tiny shapes too run split across threads here, so every split path is tested.
  setMinParallelFlops(0);
  // These are the im2col kernels' paths: 3x3 stride-1 layers with 16+ channels and filters
  // would otherwise run on Winograd's (tested in wasm-winograd.test.ts).
  before(() => setConvWinograd(false));
  after(() => setConvWinograd(true));
  itOnOneAndTwoThreads(shapes, (shape, name) => {
    const p = convParams(shape);
    const x = randomArray(p.N * p.C * p.H * p.W, 11), w = randomArray(p.M * (p.C / p.groups) * p.R * p.S, 12);
    const b = randomArray(p.M, 13);
    const K = (p.C / p.groups) * p.R * p.S;
    const t = 2e-6 * Math.sqrt(K);
    assertClose(conv2dForward(p, x, w, b), reference(p, x, w, b), `${name} y`, 1e-5, t);
    assertClose(conv2dForward(p, x, w, null), reference(p, x, w, null), `${name} y (no bias)`, 1e-5, t);
  });

  it('matches the reference on 40 random shapes packed straight from the image (Q % 8 == 0)', () => {
    // Seeded LCG: a failure reproduces. W is chosen so that Q is a multiple of 8 with stride 1
    // along rows; everything else (padding, dilation, vertical stride, groups, M, K) varies.
    let seed = 20261125;
    const r = (lo: number, hi: number): number => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return lo + (seed % (hi - lo + 1));
    };
    let done = 0;
    for (let trial = 0; done < 40 && trial < 400; trial++) {
      const G = [1, 1, 2, 3][r(0, 3)]!;
      const R = r(1, 5), S = r(1, 5), DW = r(1, 2), PW = r(0, 3);
      const Q = 8 * r(1, 4);
      const W = Q - 2 * PW + DW * (S - 1);
      if (W < 1) continue;
      const shape = { N: r(1, 3), C: G * r(1, 6), H: r(1, 9), W, M: G * r(1, 11), R, S,
        stride: [r(1, 2), 1] as [number, number], pad: [r(0, 3), PW] as [number, number],
        dilation: [r(1, 2), DW] as [number, number], groups: G };
      const p = convParams(shape);
      if (p.P < 1) continue;
      setThreads(1 + (trial % 2));
      const x = randomArray(p.N * p.C * p.H * p.W, trial), w = randomArray(p.M * (p.C / G) * R * S, trial + 1);
      const b = randomArray(p.M, trial + 2);
      assertClose(conv2dForward(p, x, w, b), reference(p, x, w, b), `trial ${trial} ${JSON.stringify(shape)}`, 1e-5, 1e-5);
      done++;
    }
    assert.equal(done, 40, 'too few valid random shapes');
  });

  it('gives the same bits on 1 and 2 threads, whichever thread takes which unit', () => {
    // Pixel-block units (Q = 24, rows path), filter-row units (few pixels) and pointwise.
    for (const shape of [{ N: 1, C: 8, H: 20, W: 24, M: 12, R: 3, S: 3, pad: 1 },
      { N: 1, C: 4, H: 4, W: 8, M: 40, R: 3, S: 3, pad: 1 }, { N: 3, C: 16, H: 9, W: 9, M: 20, R: 1, S: 1 }]) {
      const p = convParams(shape);
      const x = randomArray(p.N * p.C * p.H * p.W, 31), w = randomArray(p.M * p.C * p.R * p.S, 32), b = randomArray(p.M, 33);
      sameOnOneAndTwoThreads(() => [conv2dForward(p, x, w, b)], `y ${JSON.stringify(shape)}`);
    }
  });

  it('reads no value from outside the image (NaN past x stays out of y)', () => {
    // Border panels load whole vectors across the image's edges and mask the lanes outside it.
    // A first call with a larger NaN image leaves NaN in the arena just past the second x.
    setThreads(1);
    const p = convParams({ N: 1, C: 2, H: 5, W: 13, M: 4, R: 3, S: 3, pad: [1, 2] });
    const big = convParams({ N: 1, C: 2, H: 9, W: 13, M: 4, R: 3, S: 3, pad: [1, 2] });
    const w = randomArray(p.M * p.C * 9, 22);
    conv2dForward(big, new Float32Array(big.C * big.H * big.W).fill(NaN), w, null);
    const x = randomArray(p.N * p.C * p.H * p.W, 21);
    const y = conv2dForward(p, x, w, null);
    for (let i = 0; i < y.length; i++) {
      if (!Number.isFinite(y[i]!)) throw new Error(`y[${i}] = ${y[i]}: a masked lane leaked`);
    }
    assertClose(y, reference(p, x, w, null), 'border masking', 1e-5, 1e-5);
  });
});
