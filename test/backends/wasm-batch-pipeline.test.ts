/**
 * Pipelined kernel calls (src/backends/wasm/batch-pipeline.ts): the batch cut into stages whose
 * copies overlap the other stages' compute must give the very bits of the one-stage call, for
 * every kernel that uses it (dense conv, forward and data gradient), with stage counts that do
 * and do not divide the batch; and agree with the reference backend.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assertClose } from '../helpers.js';
import { conv2dBackwardInput, conv2dForward } from '../../src/backends/wasm/conv.js';
import { pipelineMinBytes, setPipelineMinBytes } from '../../src/backends/wasm/batch-pipeline.js';
import { runtime, setMinParallelFlops, setThreads, waitForThreads } from '../../src/backends/wasm/runtime.js';
import { referenceContract } from '../../src/backends/reference/contract.js';
import { conv2dEinsum } from '../../src/einsum/layers.js';
import { convParams, randomArray } from './wasm-naive.js';

type Shape = Parameters<typeof convParams>[0];

const shapes: Array<[string, Shape]> = [
  ['3x3 pad 1, N = 5 (5 stages: 1, 1, 1, 1, 1 images)', { N: 5, C: 3, H: 6, W: 16, M: 6, R: 3, S: 3, pad: 1 }],
  ['1x1, N = 11 (8 stages: 1, then 9 images in 6, then 1)', { N: 11, C: 9, H: 4, W: 8, M: 5, R: 1, S: 1 }],
  ['im2col path (stride 2), N = 3', { N: 3, C: 2, H: 9, W: 9, M: 4, R: 3, S: 3, pad: 1, stride: 2 }],
  ['groups 2, N = 4', { N: 4, C: 4, H: 6, W: 8, M: 6, R: 3, S: 3, pad: 1, groups: 2 }],
];

describe('wasm pipelined calls: stages give the one-stage bits', () => {
  const defaultMinBytes = pipelineMinBytes();
  before(() => {
    setMinParallelFlops(0);
    setThreads(2);
    assert.equal(waitForThreads(), 1, 'the worker thread did not start');
  });
  after(() => {
    setPipelineMinBytes(defaultMinBytes);
    setMinParallelFlops(2e6);
  });

  let seed = 1;
  for (const [label, s] of shapes) {
    it(label, () => {
      const p = convParams(s);
      const x = randomArray(p.N * p.C * p.H * p.W, seed++), w = randomArray(p.M * (p.C / p.groups) * p.R * p.S, seed++);
      const b = randomArray(p.M, seed++), dy = randomArray(p.N * p.M * p.P * p.Q, seed++);
      const run = (): Float32Array[] => [conv2dForward(p, x, w, b), conv2dBackwardInput(p, dy, w)];
      setPipelineMinBytes(Number.POSITIVE_INFINITY);
      const whole = run();
      setPipelineMinBytes(0);
      const parts = runtime().pool.workerParts;
      const staged = run();
      assert.ok(runtime().pool.workerParts >= parts + 2, `${label}: the worker took no part`);
      assertClose(staged[0]!, whole[0]!, `${label} forward: staged vs one call`, 0, 0);
      assertClose(staged[1]!, whole[1]!, `${label} data gradient: staged vs one call`, 0, 0);
      const e = conv2dEinsum(p, true);
      assertClose(staged[0]!, referenceContract(e, 'O', { I: x, F: w, B: b }), `${label} forward vs reference`, 1e-4, 1e-5);
      assertClose(staged[1]!, referenceContract(e, 'I', { F: w, B: b, dO: dy }), `${label} data gradient vs reference`, 1e-4, 1e-5);
    });
  }
});
