/**
 * The 2x2 max pooling fast paths (the unrolled JavaScript loop and the SIMD kernel) against the
 * reference: values, argmax, ties and NaN, row widths around the kernel's four windows, and
 * 1 vs 2 threads.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { maxPool2d, maxPool2x2Wasm } from '../../src/backends/wasm/max-pool.js';
import { setThreads, waitForThreads, setMinParallelFlops } from '../../src/backends/wasm/runtime.js';
import { maxPool2d as referenceMaxPool2d } from '../../src/backends/reference/max-pool.js';
import type { Pool2dParams } from '../../src/einsum/types.js';
import { randomArray } from './wasm-naive.js';

function params(N: number, C: number, H: number, W: number, R = 2, U = 2, pad = 0): Pool2dParams {
  const P = Math.floor((H + 2 * pad - R) / U) + 1, Q = Math.floor((W + 2 * pad - R) / U) + 1;
  return { N, C, H, W, R, S: R, P, Q, strideH: U, strideW: U, padTop: pad, padLeft: pad, dilationH: 1, dilationW: 1 };
}

function same(x: Float32Array, p: Pool2dParams, what: string, pool = maxPool2d): void {
  const a = pool(x, p), b = referenceMaxPool2d(x, p);
  assert.deepEqual([...a.argmax], [...b.argmax], `${what}: argmax`);
  assert.deepEqual([...a.y].map(String), [...b.y].map(String), `${what}: values`);
}

describe('wasm backend maxPool2d', () => {
  it('matches the reference on even and odd sizes', () => {
    same(randomArray(2 * 3 * 8 * 6, 1), params(2, 3, 8, 6), '8x6');
    same(randomArray(1 * 2 * 7 * 9, 2), params(1, 2, 7, 9), '7x9 (odd: last row/column dropped)');
    same(randomArray(1 * 2 * 7 * 9, 3), params(1, 2, 7, 9, 3, 2, 1), '3x3 stride 2 pad 1 (reference path)');
  });

  it('breaks ties and propagates NaN exactly as the reference', () => {
    const windows = [
      [1, 1, 1, 1], [0, 2, 2, 1], [NaN, 1, 2, 3], [1, NaN, NaN, 3], [3, 2, 1, NaN], [-Infinity, -Infinity, -Infinity, -Infinity],
      [-0, 0, 0, -0], [NaN, NaN, NaN, NaN], [Infinity, NaN, 1, 2],
    ];
    for (const w of windows) {
      // A 2x2 input is one window: x = [[w0, w1], [w2, w3]].
      same(Float32Array.from(w), params(1, 1, 2, 2), `window ${w.join(',')}`);
    }
  });
});

describe('wasm backend maxPool2d SIMD kernel', () => {
  /** Values on a coarse grid (many ties) with NaN, infinities and signed zeros sprinkled in. */
  function input(n: number, seed: number): Float32Array {
    const special = [NaN, -0, 0, Infinity, -Infinity];
    const x = randomArray(n, seed).map((v) => Math.round(v * 4));
    for (let i = 3; i < n; i += 11) x[i] = special[i % special.length]!;
    return x;
  }

  it('matches the reference for row widths below, at, above and multiples of four windows', () => {
    for (const W of [2, 3, 4, 5, 6, 7, 8, 9, 10, 15, 16, 17, 28]) {
      for (const H of [2, 3, 6]) {
        const p = params(3, 2, H, W);
        same(input(3 * 2 * H * W, W * 10 + H), p, `${H}x${W}`, maxPool2x2Wasm);
      }
    }
  });

  it('is used for large inputs, on 1 and 2 threads with the same result', () => {
    setMinParallelFlops(0);
    try {
      const p = params(4, 8, 28, 28), x = input(4 * 8 * 28 * 28, 9);
      setThreads(1);
      same(x, p, 'large, 1 thread');
      const one = maxPool2d(x, p);
      setThreads(2);
      waitForThreads();
      same(x, p, 'large, 2 threads');
      const two = maxPool2d(x, p);
      assert.deepEqual(two.argmax, one.argmax);
    } finally {
      setMinParallelFlops(2e6);
      setThreads(1);
    }
  });
});
