/**
 * Convolution kernels (forward, data, filter and bias gradients; im2col + GEMM, pointwise and
 * depthwise paths) against the naive loop nest of the CONV einsum, on awkward shapes: strides
 * that leave a remainder, asymmetric padding, dilation, groups, channel multipliers, tile tails.
 */
import { describe, it } from 'node:test';
import { assertClose } from '../helpers.js';
import { conv2dBackwardBias, conv2dBackwardFilter, conv2dBackwardInput, conv2dForward } from '../../src/backends/wasm/conv.js';
import { setThreads, setMinParallelFlops } from '../../src/backends/wasm/runtime.js';
import assert from 'node:assert/strict';
import { convParams, naiveConv, naiveConvDw, naiveConvDx, randomArray } from './wasm-naive.js';
import { sameOnOneAndTwoThreads } from './two-threads.js';

type Shape = Parameters<typeof convParams>[0];

const shapes: Array<[string, Shape]> = [
  ['3x3 pad 1', { N: 2, C: 3, H: 7, W: 9, M: 5, R: 3, S: 3, pad: 1 }],
  ['1x1 pointwise', { N: 3, C: 13, H: 5, W: 5, M: 7, R: 1, S: 1 }],
  ['1x1 stride 2', { N: 1, C: 4, H: 7, W: 6, M: 9, R: 1, S: 1, stride: 2 }],
  ['5x3 stride [2,3] pad [2,1]', { N: 2, C: 2, H: 11, W: 10, M: 6, R: 5, S: 3, stride: [2, 3], pad: [2, 1] }],
  ['dilation 2', { N: 1, C: 3, H: 9, W: 9, M: 4, R: 3, S: 3, pad: 2, dilation: 2 }],
  ['groups 2', { N: 2, C: 4, H: 6, W: 6, M: 6, R: 3, S: 3, pad: 1, groups: 2 }],
  ['depthwise 3x3', { N: 2, C: 5, H: 9, W: 11, M: 5, R: 3, S: 3, pad: 1, groups: 5 }],
  ['depthwise stride 2', { N: 1, C: 3, H: 10, W: 13, M: 3, R: 3, S: 3, stride: 2, pad: 1, groups: 3 }],
  ['depthwise stride 3 dilation 2', { N: 2, C: 2, H: 12, W: 12, M: 2, R: 3, S: 3, stride: 3, pad: 2, dilation: 2, groups: 2 }],
  ['depthwise 3x3 no padding', { N: 2, C: 3, H: 9, W: 10, M: 3, R: 3, S: 3, groups: 3 }],
  ['depthwise 3x3 pad 3 (beyond the window)', { N: 1, C: 2, H: 5, W: 6, M: 2, R: 3, S: 3, pad: 3, groups: 2 }],
  ['depthwise 3x3 dilation 2 multiplier 3', { N: 1, C: 2, H: 11, W: 9, M: 6, R: 3, S: 3, pad: 2, dilation: 2, groups: 2 }],
  ['depthwise multiplier 2, 5x5', { N: 1, C: 3, H: 8, W: 17, M: 6, R: 5, S: 5, pad: 2, groups: 3 }],
  ['more filters than a tile', { N: 2, C: 8, H: 14, W: 14, M: 33, R: 3, S: 3, pad: 1 }],
  ['many channels (K > KC)', { N: 1, C: 40, H: 6, W: 7, M: 7, R: 3, S: 3 }],
  ['one input channel (filter rows split)', { N: 3, C: 1, H: 12, W: 12, M: 16, R: 5, S: 5, pad: 2 }],
  ['FC as conv (R = H)', { N: 3, C: 6, H: 4, W: 4, M: 10, R: 4, S: 4 }],
  ['11x11 stride 4 pad 2 (AlexNet conv1: strided gather)', { N: 2, C: 3, H: 31, W: 29, M: 9, R: 11, S: 11, stride: 4, pad: 2 }],
  ['5x7 stride [2,3] pad [1,4] (padding past a stride)', { N: 1, C: 2, H: 13, W: 17, M: 5, R: 5, S: 7, stride: [2, 3], pad: [1, 4] }],
  ['3x3 stride 2 dilation 3 pad 3', { N: 2, C: 2, H: 12, W: 15, M: 6, R: 3, S: 3, stride: 2, pad: 3, dilation: 3 }],
  ['large image (pixel chunks)', { N: 1, C: 3, H: 70, W: 65, M: 8, R: 3, S: 3, pad: 1 }],
];

describe('wasm conv2d kernels', () => {
  // Tiny shapes too run split across threads here, so every split path is tested.
  setMinParallelFlops(0);
  for (const threads of [1, 2]) {
    for (const [name, shape] of shapes) {
      it(`${name}: forward, dx, dw, db (${threads} thread${threads > 1 ? 's' : ''})`, () => {
        setThreads(threads);
        const p = convParams(shape);
        const x = randomArray(p.N * p.C * p.H * p.W, 1), w = randomArray(p.M * (p.C / p.groups) * p.R * p.S, 2);
        const b = randomArray(p.M, 3), dy = randomArray(p.N * p.M * p.P * p.Q, 4);
        const K = (p.C / p.groups) * p.R * p.S;
        const t = 2e-6 * Math.sqrt(K * p.N * p.P * p.Q);
        assertClose(conv2dForward(p, x, w, b), naiveConv(p, x, w, b), `${name} y`, 1e-5, t);
        assertClose(conv2dForward(p, x, w, null), naiveConv(p, x, w, null), `${name} y (no bias)`, 1e-5, t);
        assertClose(conv2dBackwardInput(p, dy, w), naiveConvDx(p, dy, w), `${name} dx`, 1e-5, t);
        assertClose(conv2dBackwardFilter(p, x, dy), naiveConvDw(p, x, dy), `${name} dw`, 1e-5, t);
        const db = new Float64Array(p.M);
        dy.forEach((v, i) => { db[Math.floor(i / (p.P * p.Q)) % p.M]! += v; });
        assertClose(conv2dBackwardBias(p.N, p.M, p.P * p.Q, dy), db, `${name} db`, 1e-5, t);
      });
    }
  }

  it('filter gradient of small filters in image (or pixel) blocks: random shapes against the reference, 1 vs 2 threads bitwise', () => {
    // Filters <= 4096 weights with N >= 2 sum per block of images (one partial dw each, added
    // in block order): N below, at and above the 8 blocks and not a multiple of them; M and
    // C*R*S below, at and above the 4x8 tile; LeNet's c1 and c3; strides, padding, groups.
    const cases: Shape[] = [
      { N: 64, C: 1, H: 32, W: 32, M: 6, R: 5, S: 5 },
      { N: 64, C: 6, H: 14, W: 14, M: 16, R: 5, S: 5 },
      { N: 2, C: 1, H: 9, W: 7, M: 4, R: 3, S: 3 },
      { N: 3, C: 2, H: 8, W: 8, M: 8, R: 2, S: 2, stride: 2 },
      { N: 7, C: 3, H: 11, W: 10, M: 5, R: 3, S: 3, pad: 1 },
      { N: 8, C: 1, H: 12, W: 13, M: 9, R: 5, S: 5, pad: 2 },
      { N: 9, C: 4, H: 6, W: 9, M: 17, R: 1, S: 1 },
      { N: 17, C: 4, H: 10, W: 10, M: 6, R: 3, S: 3, pad: 1, groups: 2 },
      { N: 20, C: 5, H: 9, W: 9, M: 3, R: 4, S: 4, stride: [2, 1], pad: [1, 2], dilation: 2 },
      // Past 4096 weights but only 3 channels (AlexNet conv1's kind): image blocks too.
      { N: 5, C: 3, H: 27, W: 23, M: 150, R: 11, S: 11, stride: 4, pad: 1 },
      // One image of >= 512 output pixels: pixel blocks (2, 5 and 8 of them; 1296 = 4 x 260 + 256).
      { N: 1, C: 3, H: 99, W: 99, M: 20, R: 11, S: 11, stride: 4, pad: 2 },
      { N: 1, C: 1, H: 40, W: 40, M: 6, R: 5, S: 5 },
      { N: 1, C: 2, H: 70, W: 66, M: 9, R: 3, S: 3, pad: 1 },
    ];
    setMinParallelFlops(0);
    cases.forEach((shape, i) => {
      const p = convParams(shape);
      const x = randomArray(p.N * p.C * p.H * p.W, 100 + i), dy = randomArray(p.N * p.M * p.P * p.Q, 120 + i);
      setThreads(1);
      const one = conv2dBackwardFilter(p, x, dy);
      const t = 2e-6 * Math.sqrt(p.N * p.P * p.Q * (p.C / p.groups) * p.R * p.S);
      assertClose(one, naiveConvDw(p, x, dy), `dw ${JSON.stringify(shape)}`, 1e-5, t);
      setThreads(2);
      assertClose(conv2dBackwardFilter(p, x, dy), one, `dw threads 1 vs 2 ${JSON.stringify(shape)}`, 0, 0);
    });
  });
  it('whole-image window (one GEMM over the batch): tile edges, K past KC, 1 vs 2 threads bitwise', () => {
    // N and M below, at, above and multiples of the 4x8 tile; K = C*H*W from 1 to 400 (> KC = 384)
    // and 785 (two K blocks); stride > 1 and an image the window covers at P = Q = 1.
    const cases: Shape[] = [
      { N: 64, C: 16, H: 5, W: 5, M: 120, R: 5, S: 5 },
      { N: 1, C: 1, H: 1, W: 1, M: 1, R: 1, S: 1, stride: 2 },
      { N: 3, C: 2, H: 3, W: 4, M: 7, R: 3, S: 4 },
      { N: 4, C: 3, H: 2, W: 2, M: 8, R: 2, S: 2, stride: 3 },
      { N: 5, C: 5, H: 4, W: 3, M: 9, R: 4, S: 3 },
      { N: 8, C: 16, H: 5, W: 5, M: 16, R: 5, S: 5 },
      { N: 9, C: 7, H: 3, W: 3, M: 17, R: 3, S: 3 },
      { N: 17, C: 5, H: 157, W: 1, M: 33, R: 157, S: 1 },
    ];
    setMinParallelFlops(0);
    cases.forEach((shape, i) => {
      const p = convParams(shape);
      assert.equal(p.P * p.Q, 1, `case ${i} has one output pixel`);
      const K = p.C * p.R * p.S;
      const x = randomArray(p.N * K, 20 + i), w = randomArray(p.M * K, 40 + i), b = randomArray(p.M, 60 + i);
      const dy = randomArray(p.N * p.M, 80 + i);
      const run = (t: number) => { setThreads(t); return [conv2dForward(p, x, w, b), conv2dForward(p, x, w, null), conv2dBackwardInput(p, dy, w), conv2dBackwardFilter(p, x, dy)]; };
      const one = run(1);
      const want = [naiveConv(p, x, w, b), naiveConv(p, x, w, null), naiveConvDx(p, dy, w), naiveConvDw(p, x, dy)];
      const t = 2e-6 * Math.sqrt(K * p.N);
      one.forEach((a, j) => assertClose(a, want[j]!, `${JSON.stringify(shape)} output ${j}`, 1e-5, t));
      const two = run(2);
      one.forEach((a, j) => assertClose(two[j]!, a, `${JSON.stringify(shape)} output ${j}, threads 1 vs 2`, 0, 0));
    });
  });
  it('gives the same results on 1 and 2 threads (bit for bit)', () => {
    const p = convParams({ N: 1, C: 16, H: 30, W: 30, M: 24, R: 3, S: 3, pad: 1 });
    const x = randomArray(p.N * p.C * p.H * p.W, 5), w = randomArray(p.M * p.C * 9, 6), dy = randomArray(p.N * p.M * p.P * p.Q, 7);
    sameOnOneAndTwoThreads(() => [conv2dForward(p, x, w, null), conv2dBackwardInput(p, dy, w), conv2dBackwardFilter(p, x, dy)], 'y, dx, dw', 3);
  });
  it('data gradient: same bits on 1 and 2 threads with channel-block units over several pixel chunks', () => {
    // N=1 on 2 threads: 8 units of 2 channels; 64x64 pixels take 3 chunks of the 144-row col.
    const p = convParams({ N: 1, C: 16, H: 64, W: 64, M: 8, R: 3, S: 3, pad: 1 });
    const dy = randomArray(p.N * p.M * p.P * p.Q, 8), w = randomArray(p.M * p.C * 9, 9);
    const [dx] = sameOnOneAndTwoThreads(() => [conv2dBackwardInput(p, dy, w)], 'dx');
    assertClose(dx!, naiveConvDx(p, dy, w), 'dx', 1e-5, 1e-4);
  });
  it('filter gradient: same bits on 1 and 2 threads with channel-block and filter-block units', () => {
    // 2 images of 64x64 take several pixel chunks; C = 1 splits the filters instead.
    // (Past 4096 weights and with channels to split: image blocks are tested below. One image
    // with one channel and under 512 pixels splits the filters.)
    for (const shape of [{ N: 2, C: 64, H: 24, W: 24, M: 40, R: 3, S: 3, pad: 1 }, { N: 1, C: 1, H: 20, W: 20, M: 16, R: 5, S: 5, pad: 2 }]) {
      const p = convParams(shape);
      const x = randomArray(p.N * p.C * p.H * p.W, 10), dy = randomArray(p.N * p.M * p.P * p.Q, 11);
      const [dw] = sameOnOneAndTwoThreads(() => [conv2dBackwardFilter(p, x, dy)], `dw ${JSON.stringify(shape)}`);
      assertClose(dw!, naiveConvDw(p, x, dy), 'dw', 1e-5, 1e-3);
    }
  });
});
