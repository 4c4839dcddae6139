/**
 * Randomised convolution shapes (seeded, so a failure reproduces): forward and both gradients
 * of the wasm kernels against the naive loop nest, over strides that leave remainders,
 * asymmetric padding and strides, dilation, groups and depthwise multipliers, 1 and 2 threads.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assertClose } from '../helpers.js';
import { conv2dBackwardFilter, conv2dBackwardInput, conv2dForward } from '../../src/backends/wasm/conv.js';
import { setThreads, waitForThreads, setMinParallelFlops } from '../../src/backends/wasm/runtime.js';
import { convParams, naiveConv, naiveConvDw, naiveConvDx, randomArray } from './wasm-naive.js';

/** Small deterministic integer generator (LCG) for shape parameters. */
function rng(seed: number): (lo: number, hi: number) => number {
  let s = seed >>> 0;
  return (lo, hi) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return lo + (s % (hi - lo + 1));
  };
}

describe('wasm conv2d on random shapes', () => {
  // Tiny shapes too run split across threads here, so every split path is tested.
  setMinParallelFlops(0);
  it('matches the naive loops on 60 random configurations', () => {
    setThreads(2);
    waitForThreads();
    const r = rng(20261125);
    let done = 0;
    for (let trial = 0; done < 60 && trial < 1000; trial++) {
      const groups = [1, 1, 2, 3][r(0, 3)]!;
      const depthwise = r(0, 4) === 0;
      const C = depthwise ? r(1, 6) : groups * r(1, 4);
      const G = depthwise ? C : groups;
      const M = G * r(1, depthwise ? 3 : 5);
      const R = r(1, 5), S = r(1, 5);
      const stride: [number, number] = [r(1, 3), r(1, 3)];
      const dilation: [number, number] = [r(1, 2), r(1, 2)];
      const pad: [number, number] = [r(0, 2), r(0, 2)];
      const H = r(1, 13), W = r(1, 13);
      const p = convParams({ N: r(1, 3), C, H, W, M, R, S, stride, pad, dilation, groups: G });
      if (p.P < 1 || p.Q < 1) continue;
      setThreads(1 + (done % 2));
      const x = randomArray(p.N * p.C * p.H * p.W, trial), w = randomArray(p.M * (p.C / G) * R * S, trial + 1);
      const b = randomArray(p.M, trial + 2), dy = randomArray(p.N * p.M * p.P * p.Q, trial + 3);
      const what = `trial ${trial} ${JSON.stringify(p)}`;
      assertClose(conv2dForward(p, x, w, b), naiveConv(p, x, w, b), `${what} y`, 1e-4, 1e-5);
      assertClose(conv2dBackwardInput(p, dy, w), naiveConvDx(p, dy, w), `${what} dx`, 1e-4, 1e-5);
      assertClose(conv2dBackwardFilter(p, x, dy), naiveConvDw(p, x, dy), `${what} dw`, 1e-4, 1e-5);
      done++;
    }
    assert.equal(done, 60, 'too few valid random shapes');
  });
});
