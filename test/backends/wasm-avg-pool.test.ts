/**
 * 2x2 stride-2 average pooling on the wasm backend (the SIMD kernel for large inputs, the
 * unrolled loop for small ones), forward and data gradient, bit for bit against the rule
 * written out (float64 sum in window order, times 1/4, rounded once): row widths below, at,
 * above and multiples of the kernel's four windows, odd sizes (last row/column dropped; its
 * gradient 0), and 1 vs 2 threads.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { avgPool2dEinsum } from '../../src/einsum/layers.js';
import { avgPool2d } from '../../src/backends/wasm/resample.js';
import { setThreads, waitForThreads, setMinParallelFlops } from '../../src/backends/wasm/runtime.js';
import { randomArray } from './wasm-naive.js';
import { bits } from '../helpers.js';

function expected(x: Float32Array, dy: Float32Array, planes: number, H: number, W: number) {
  const P = H >> 1, Q = W >> 1;
  const y = new Float32Array(planes * P * Q), dx = new Float32Array(planes * H * W);
  for (let t = 0; t < planes; t++) {
    for (let p = 0; p < P; p++) {
      for (let q = 0; q < Q; q++) {
        const i = (t * H + 2 * p) * W + 2 * q, o = (t * P + p) * Q + q;
        y[o] = (x[i]! + x[i + 1]! + x[i + W]! + x[i + W + 1]!) * 0.25;
        const g = dy[o]! * 0.25;
        dx[i] = g; dx[i + 1] = g; dx[i + W] = g; dx[i + W + 1] = g;
      }
    }
  }
  return { y, dx };
}

function run(planes: number, H: number, W: number, seed: number) {
  const P = H >> 1, Q = W >> 1;
  const e = avgPool2dEinsum({ N: planes, C: 1, H, W, R: 2, S: 2, P, Q, strideH: 2, strideW: 2, padTop: 0, padLeft: 0, dilationH: 1, dilationW: 1 });
  const x = randomArray(planes * H * W, seed), dy = randomArray(planes * P * Q, seed + 1);
  return { x, dy, y: avgPool2d(e, 'O', { I: x })!, dx: avgPool2d(e, 'I', { dO: dy })! };
}


describe('wasm 2x2 average pooling', () => {
  after(() => { setMinParallelFlops(2e6); setThreads(1); });

  it('gives the rule\'s bits, small (loop) and large (SIMD kernel), for all row widths', () => {
    for (const W of [2, 3, 4, 5, 6, 7, 8, 9, 10, 15, 16, 17, 28]) {
      for (const H of [2, 3, 6]) {
        for (const planes of [3, Math.ceil(16384 / (H * W)) + 2]) {
          const r = run(planes, H, W, W * 100 + H);
          const e = expected(r.x, r.dy, planes, H, W);
          assert.deepEqual(bits(r.y), bits(e.y), `forward ${planes}x${H}x${W}`);
          assert.deepEqual(bits(r.dx), bits(e.dx), `gradient ${planes}x${H}x${W}`);
        }
      }
    }
  });

  it('gives the same bits on 1 and 2 threads', () => {
    setMinParallelFlops(0);
    setThreads(1);
    const one = run(64, 28, 28, 5);
    setThreads(2);
    waitForThreads();
    const two = run(64, 28, 28, 5);
    assert.deepEqual(bits(two.y), bits(one.y));
    assert.deepEqual(bits(two.dx), bits(one.dx));
  });
});
