/**
 * The Winograd kernels (assembly/winograd.ts, winograd-filter.ts; src/backends/wasm/conv-winograd.ts)
 * against the reference backend: F(2x2, 3x3) forward (with and without bias, with the fused ReLU)
 * and data gradient, F(3x3, 2x2) filter gradient. Shapes sit around the kernels' edges: odd output sizes (a tile half outside),
 * tile rows whose length is 0, 1, 2 or 3 past a 4-tile vector, padding 0, 1 and 2 and unequal
 * top/left padding, filter counts around the 4-filter panel and the 128-row GEMM block, channels
 * up to and past one 384-deep K block (in the forward pass and, as filters, in the data
 * gradient), one image split by filter blocks on 2 threads, a
 * filter gradient cut into several chunks of tiles and into filter and channel blocks, and a
 * batch cut into pipeline stages. Results are the same bits on 1 and 2 threads.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assertClose } from '../helpers.js';
import { conv2dBackwardFilter, conv2dBackwardInput, conv2dForward } from '../../src/backends/wasm/conv.js';
import {
  conv2dWinogradBackwardFilter, setConvWinograd, winogradBackwardInputApplies, winogradFilterGradientApplies,
  winogradForwardApplies, winogradStats,
} from '../../src/backends/wasm/conv-winograd.js';
import { setPipelineMinBytes, pipelineMinBytes } from '../../src/backends/wasm/batch-pipeline.js';
import { setMinParallelFlops, setThreads } from '../../src/backends/wasm/runtime.js';
import { referenceContract } from '../../src/backends/reference/contract.js';
import { conv2dEinsum } from '../../src/einsum/layers.js';
import { convParams, randomArray } from './wasm-naive.js';
import { itOnOneAndTwoThreads, sameOnOneAndTwoThreads } from './two-threads.js';
import type { Conv2dParams } from '../../src/einsum/types.js';

type Shape = Parameters<typeof convParams>[0];

function reference(p: Conv2dParams, target: 'O' | 'I' | 'F', operands: Record<string, Float32Array>, bias = false): Float32Array {
  return referenceContract(conv2dEinsum(p, bias), target, operands);
}

const relu = (a: Float32Array): Float32Array => a.map((v) => (v > 0 ? v : 0));

const shapes: Array<[string, Shape]> = [
  ['16 channels, 5x5 (odd: the last tile half outside)', { N: 1, C: 16, H: 5, W: 5, M: 16, R: 3, S: 3, pad: 1 }],
  ['14x14 (7 tiles a row: one vector and 3 lanes)', { N: 2, C: 32, H: 14, W: 14, M: 64, R: 3, S: 3, pad: 1 }],
  ['W = 9 (rows of 5 tiles: one vector and a lane)', { N: 1, C: 17, H: 7, W: 9, M: 19, R: 3, S: 3, pad: 1 }],
  ['W = 13, unequal padding [1, 0]', { N: 1, C: 16, H: 9, W: 13, M: 16, R: 3, S: 3, pad: [1, 0] }],
  ['no padding, P = 7, Q = 16', { N: 1, C: 16, H: 9, W: 18, M: 20, R: 3, S: 3 }],
  ['W = 17, padding 2 (P = 19)', { N: 2, C: 20, H: 8, W: 17, M: 33, R: 3, S: 3, pad: 2 }],
  ['M = 130 (over the 128-row GEMM block, a 2-filter last panel)', { N: 1, C: 16, H: 6, W: 6, M: 130, R: 3, S: 3, pad: 1 }],
  ['C = 384 (one whole K block)', { N: 1, C: 384, H: 4, W: 4, M: 16, R: 3, S: 3, pad: 1 }],
  ['C = 385 (two K blocks: 196 + 189 channels)', { N: 1, C: 385, H: 3, W: 5, M: 16, R: 3, S: 3, pad: 1 }],
  ['M = 400 (the data gradient in two K blocks)', { N: 1, C: 16, H: 4, W: 4, M: 400, R: 3, S: 3, pad: 1 }],
  ['one image, few tiles, 256 filters (units split by filters)', { N: 1, C: 24, H: 6, W: 6, M: 256, R: 3, S: 3, pad: 1 }],
  ['one output pixel (H = W = 1, pad 1)', { N: 3, C: 16, H: 1, W: 1, M: 16, R: 3, S: 3, pad: 1 }],
  ['a wide image (several units a row of tiles)', { N: 1, C: 16, H: 4, W: 230, M: 16, R: 3, S: 3, pad: 1 }],
  ['64 channels and filters, few tiles (filter gradient in 2 x 2 blocks)', { N: 1, C: 64, H: 6, W: 6, M: 64, R: 3, S: 3, pad: 1 }],
  ['1,024 tiles (filter gradient in 4 chunks)', { N: 16, C: 16, H: 16, W: 15, M: 17, R: 3, S: 3, pad: 1 }],
];

describe('wasm Winograd F(2x2, 3x3) conv', () => {
  before(() => setMinParallelFlops(0));
  after(() => setMinParallelFlops(2e6));

  itOnOneAndTwoThreads(shapes, (shape, name) => {
    const p = convParams(shape);
    assert.ok(winogradForwardApplies(p) && winogradBackwardInputApplies(p), 'the shape should run on Winograd');
    const x = randomArray(p.N * p.C * p.H * p.W, 1), w = randomArray(p.M * p.C * 9, 2), b = randomArray(p.M, 3);
    const dy = randomArray(p.N * p.M * p.P * p.Q, 4);
    const calls = winogradStats.calls;
    // The transforms round differently from the direct sum: a tolerance that grows with the
    // reduction, as for the im2col kernels.
    const t = 4e-6 * Math.sqrt(p.C * 9);
    const y = reference(p, 'O', { I: x, F: w, B: b }, true);
    assertClose(conv2dForward(p, x, w, b), y, `${name} y`, 1e-5, t);
    assertClose(conv2dForward(p, x, w, null), reference(p, 'O', { I: x, F: w }), `${name} y (no bias)`, 1e-5, t);
    assertClose(conv2dForward(p, x, w, b, true), relu(y), `${name} relu(y)`, 1e-5, t);
    assertClose(conv2dBackwardInput(p, dy, w), reference(p, 'I', { dO: dy, F: w }), `${name} dx`, 1e-5, 4e-6 * Math.sqrt(p.M * 9));
    // Small layers' filter gradients stay on im2col (too few tiles): called directly here.
    const dw = reference(p, 'F', { I: x, dO: dy });
    assertClose(conv2dWinogradBackwardFilter(p, x, dy), dw, `${name} dw`, 1e-5, 4e-6 * Math.sqrt(p.N * p.P * p.Q));
    assert.equal(winogradStats.calls - calls, 5, 'every call ran the Winograd kernel');
  });

  it('gives the same bits on 1 and 2 threads and in pipeline stages as in one call', () => {
    const named = (start: string): Shape => shapes.find(([name]) => name.startsWith(start))![1];
    for (const shape of [named('14x14'), named('one image'), named('C = 385'), named('64 channels'), named('1,024 tiles'),
      { N: 5, C: 16, H: 10, W: 12, M: 24, R: 3, S: 3, pad: 1 }]) {
      const p = convParams(shape);
      const x = randomArray(p.N * p.C * p.H * p.W, 5), w = randomArray(p.M * p.C * 9, 6), b = randomArray(p.M, 7);
      const dy = randomArray(p.N * p.M * p.P * p.Q, 8);
      const run = (): Float32Array[] => [conv2dForward(p, x, w, b, true), conv2dBackwardInput(p, dy, w), conv2dWinogradBackwardFilter(p, x, dy)];
      const [y, dx] = sameOnOneAndTwoThreads(run, `Winograd ${JSON.stringify(shape)}`);
      const minBytes = pipelineMinBytes();
      setPipelineMinBytes(0);
      try {
        const [ys, dxs] = run();
        assertClose(ys!, y!, 'y in stages vs one call', 0, 0);
        assertClose(dxs!, dx!, 'dx in stages vs one call', 0, 0);
      } finally {
        setPipelineMinBytes(minBytes);
      }
    }
  });

  it('leaves layers it does not pay for or cannot run to the im2col kernels', () => {
    const base = { N: 1, C: 16, H: 8, W: 8, M: 16, R: 3, S: 3, pad: 1 };
    for (const [why, shape] of [
      ['few channels', { ...base, C: 8 }], ['few filters', { ...base, M: 8 }], ['stride 2', { ...base, stride: 2 }],
      ['dilation 2', { ...base, dilation: 2 }], ['groups 2', { ...base, groups: 2 }], ['5x5', { ...base, R: 5, S: 5 }],
      ['padding 3', { ...base, pad: 3 }],
    ] as Array<[string, Shape]>) {
      assert.equal(winogradForwardApplies(convParams(shape)), false, why);
    }
    // Filter gradients need 200 tiles (their GEMMs' reduction): 8x8 has 16, 4 images of 14x14 224.
    assert.equal(winogradFilterGradientApplies(convParams(base)), false, 'filter gradient of 16 tiles');
    const many = convParams({ ...base, N: 4, H: 14, W: 14 });
    assert.equal(winogradFilterGradientApplies(many), true, 'filter gradient of 224 tiles');
    const xm = randomArray(many.N * many.C * many.H * many.W, 14), dym = randomArray(many.N * many.M * many.P * many.Q, 15);
    const before = winogradStats.calls;
    assertClose(conv2dBackwardFilter(many, xm, dym), reference(many, 'F', { I: xm, dO: dym }), 'dw of 224 tiles', 1e-5, 1e-4);
    assert.equal(winogradStats.calls, before + 1, 'conv2dBackwardFilter ran Winograd');
    const p = convParams(base);
    const x = randomArray(p.N * p.C * p.H * p.W, 9), w = randomArray(p.M * p.C * 9, 10);
    setConvWinograd(false);
    try {
      const calls = winogradStats.calls;
      assertClose(conv2dForward(p, x, w, null), reference(p, 'O', { I: x, F: w }), 'im2col y', 1e-5, 1e-5);
      assert.equal(winogradStats.calls, calls, 'switched off, Winograd did not run');
    } finally {
      setConvWinograd(true);
    }
  });

  it('reads no value from outside the image (NaN past x stays out of y)', () => {
    // The transforms read whole input rows. A first call with a larger NaN image leaves NaN in
    // the arena around the second call's x; any of it read would show in y.
    setThreads(1);
    const p = convParams({ N: 1, C: 16, H: 7, W: 11, M: 16, R: 3, S: 3, pad: 1 });
    const big = convParams({ N: 1, C: 16, H: 12, W: 11, M: 16, R: 3, S: 3, pad: 1 });
    const w = randomArray(p.M * p.C * 9, 13);
    conv2dForward(big, new Float32Array(big.C * big.H * big.W).fill(NaN), w, null);
    const x = randomArray(p.N * p.C * p.H * p.W, 12);
    const y = conv2dForward(p, x, w, null);
    assert.ok(y.every((v) => Number.isFinite(v)), 'y has a non-finite value');
    assertClose(y, reference(p, 'O', { I: x, F: w }), 'border', 1e-5, 1e-5);
  });
});
