/**
 * The wasm CONV + ReLU kernel (conv2dForwardRelu): relu applied to each block of outputs in the
 * conv kernel must give the bits of conv2dForward then unary('relu'), on every forward path
 * (1x1, row-packed, im2col, groups; one call, streamed, pipelined by images), on 1 and 2
 * threads; and it declines (null) the layers other kernels run.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assertClose } from '../helpers.js';
import { conv2dForward, conv2dForwardRelu } from '../../src/backends/wasm/conv.js';
import { unary } from '../../src/backends/wasm/elementwise.js';
import { setPipelineMinBytes, pipelineMinBytes } from '../../src/backends/wasm/batch-pipeline.js';
import { streamStats } from '../../src/backends/wasm/conv-stream.js';
import { setMinParallelFlops } from '../../src/backends/wasm/runtime.js';
import { convParams, randomArray } from './wasm-naive.js';
import { sameOnOneAndTwoThreads } from './two-threads.js';

type Shape = Parameters<typeof convParams>[0];

const shapes: Array<[string, Shape]> = [
  ['1x1', { N: 2, C: 9, H: 4, W: 8, M: 5, R: 1, S: 1 }],
  ['3x3 pad 1, row-packed', { N: 1, C: 3, H: 6, W: 16, M: 6, R: 3, S: 3, pad: 1 }],
  ['3x3 stride 2 (im2col)', { N: 2, C: 4, H: 9, W: 9, M: 7, R: 3, S: 3, pad: 1, stride: 2 }],
  ['groups 2', { N: 1, C: 4, H: 6, W: 8, M: 6, R: 3, S: 3, pad: 1, groups: 2 }],
  ['1x1 C256 (streamed on 2 threads)', { N: 1, C: 256, H: 4, W: 16, M: 12, R: 1, S: 1 }],
];

describe('wasm conv + relu: the bits of conv then relu', () => {
  const minBytes = pipelineMinBytes();
  before(() => setMinParallelFlops(0));
  after(() => {
    setMinParallelFlops(2e6);
    setPipelineMinBytes(minBytes);
  });

  let seed = 300;
  for (const [label, s] of shapes) {
    it(label, () => {
      const p = convParams(s);
      const x = randomArray(p.N * p.C * p.H * p.W, seed++), w = randomArray(p.M * (p.C / p.groups) * p.R * p.S, seed++);
      const b = randomArray(p.M, seed++);
      const streamed = streamStats.calls;
      const [fused] = sameOnOneAndTwoThreads(() => [conv2dForwardRelu(p, x, w, b)!], label);
      if (p.C === 256) assert.equal(streamStats.calls, streamed + 1, 'the two-thread call streamed');
      const unfused = unary('relu', conv2dForward(p, x, w, b), 0);
      assertClose(fused!, unfused, `${label}: fused vs conv then relu`, 0, 0);
      assert.ok(fused!.some((v) => v === 0) && fused!.some((v) => v > 0), 'both signs occur');
      if (p.N >= 2) {
        setPipelineMinBytes(0);
        assertClose(conv2dForwardRelu(p, x, w, b)!, unfused, `${label}: pipelined by images`, 0, 0);
        setPipelineMinBytes(minBytes);
      }
    });
  }

  it('declines the layers other kernels run: whole-image windows, direct (LeNet) and depthwise', () => {
    for (const s of [
      { N: 2, C: 16, H: 5, W: 5, M: 12, R: 5, S: 5 },
      { N: 4, C: 6, H: 14, W: 14, M: 16, R: 5, S: 5 },
      { N: 1, C: 8, H: 8, W: 8, M: 8, R: 3, S: 3, pad: 1, groups: 8 },
    ]) {
      assert.equal(conv2dForwardRelu(convParams(s), randomArray(s.N * s.C * s.H * s.W, 1), randomArray(s.M * (s.C / (s.groups ?? 1)) * s.R * s.S, 2), null), null);
    }
  });
});
