/**
 * Streamed dense conv calls. Forward (src/backends/wasm/conv-stream.ts): the workers start on the
 * first K block (channels) while the calling thread copies the others in. The result must have
 * the bits of the one-call kernel and of one thread, for 1x1 and row-packed (3x3, stride 1 along
 * rows) layers, K blocks that do and do not divide the channels, with and without bias, one or
 * several images; agree with the reference; and layers the kernel cannot stream must not be.
 * Data gradient (conv.ts backwardInputStream): finished channel blocks are copied out while the
 * others compute; the same bits as one call and as one thread.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assertClose } from '../helpers.js';
import { conv2dBackwardInput, conv2dForward } from '../../src/backends/wasm/conv.js';
import { setConvStreaming, streamStats } from '../../src/backends/wasm/conv-stream.js';
import { runtime, setMinParallelFlops, setThreads, waitForThreads } from '../../src/backends/wasm/runtime.js';
import { referenceContract } from '../../src/backends/reference/contract.js';
import { conv2dEinsum } from '../../src/einsum/layers.js';
import { convParams, randomArray } from './wasm-naive.js';
import { sameOnOneAndTwoThreads } from './two-threads.js';

type Shape = Parameters<typeof convParams>[0];

// K = C*R*S: 256 = 4 blocks of 64; 260 = 68, 68, 68, 56; 270 (3x3) = 72, 72, 72, 54 (8, 8, 8, 6 channels).
const streamed: Array<[string, Shape, boolean]> = [
  ['1x1 C256, N = 1', { N: 1, C: 256, H: 7, W: 16, M: 12, R: 1, S: 1 }, true],
  ['1x1 C260 (last block short), N = 3, no bias', { N: 3, C: 260, H: 5, W: 8, M: 9, R: 1, S: 1 }, false],
  ['3x3 pad 1 C30 (last block 6 channels), N = 2', { N: 2, C: 30, H: 6, W: 16, M: 7, R: 3, S: 3, pad: 1 }, true],
  ['3x3 row stride 2, C32, N = 1', { N: 1, C: 32, H: 9, W: 8, M: 5, R: 3, S: 3, pad: 1, stride: [2, 1] }, true],
  ['1x1 C1024 (K blocks of KC), N = 1', { N: 1, C: 1024, H: 4, W: 4, M: 8, R: 1, S: 1 }, true],
];
const notStreamed: Array<[string, Shape]> = [
  ['1x1 C64 (K too short to split)', { N: 1, C: 64, H: 8, W: 8, M: 8, R: 1, S: 1 }],
  ['3x3 on 14 columns (im2col)', { N: 1, C: 64, H: 14, W: 14, M: 8, R: 3, S: 3, pad: 1 }],
  ['groups 2', { N: 1, C: 512, H: 4, W: 8, M: 8, R: 1, S: 1, groups: 2 }],
];

describe('wasm streamed conv forward: the one-call bits', () => {
  before(() => setMinParallelFlops(0));
  after(() => {
    setConvStreaming(true);
    setMinParallelFlops(2e6);
  });

  let seed = 100;
  for (const [label, s, withBias] of streamed) {
    it(label, () => {
      const p = convParams(s);
      const x = randomArray(p.N * p.C * p.H * p.W, seed++), w = randomArray(p.M * p.C * p.R * p.S, seed++);
      const b = withBias ? randomArray(p.M, seed++) : null;
      setConvStreaming(true);
      const calls = streamStats.calls;
      // One thread (one call, never streamed) vs two (streamed): the same bits.
      const [y] = sameOnOneAndTwoThreads(() => [conv2dForward(p, x, w, b)], label);
      assert.equal(streamStats.calls, calls + 1, `${label}: the two-thread call was not streamed`);
      setConvStreaming(false);
      assertClose(conv2dForward(p, x, w, b), y!, `${label}: one call on two threads vs streamed`, 0, 0);
      const ref = referenceContract(conv2dEinsum(p, withBias), 'O', withBias ? { I: x, F: w, B: b! } : { I: x, F: w });
      assertClose(y!, ref, `${label} vs reference`, 1e-4, 1e-5);
    });
  }

  for (const [label, s] of notStreamed) {
    it(`${label}: runs as one call`, () => {
      const p = convParams(s);
      const x = randomArray(p.N * p.C * p.H * p.W, seed++), w = randomArray(p.M * (p.C / p.groups) * p.R * p.S, seed++);
      setConvStreaming(true);
      setThreads(2);
      assert.equal(waitForThreads(), 1);
      const calls = streamStats.calls, parts = runtime().pool.workerParts;
      const y = conv2dForward(p, x, w, null);
      assert.equal(streamStats.calls, calls, `${label} was streamed`);
      assert.ok(runtime().pool.workerParts > parts, `${label}: the worker took no part`);
      assertClose(y, referenceContract(conv2dEinsum(p, false), 'O', { I: x, F: w }), `${label} vs reference`, 1e-4, 1e-5);
    });
  }

  const dataGradient: Array<[string, Shape]> = [
    ['1x1 C256 M64, N = 1 (8 channel blocks)', { N: 1, C: 256, H: 6, W: 8, M: 64, R: 1, S: 1 }],
    ['3x3 pad 1, C10 (blocks of 2 channels), N = 3', { N: 3, C: 10, H: 7, W: 9, M: 6, R: 3, S: 3, pad: 1 }],
    ['3x3 stride 2, N = 9 (whole images)', { N: 9, C: 5, H: 9, W: 9, M: 4, R: 3, S: 3, pad: 1, stride: 2 }],
  ];
  for (const [label, s] of dataGradient) {
    it(`data gradient, ${label}`, () => {
      const p = convParams(s);
      const dy = randomArray(p.N * p.M * p.P * p.Q, seed++), w = randomArray(p.M * p.C * p.R * p.S, seed++);
      setConvStreaming(true);
      const [dx] = sameOnOneAndTwoThreads(() => [conv2dBackwardInput(p, dy, w)], label);
      setConvStreaming(false);
      assertClose(conv2dBackwardInput(p, dy, w), dx!, `${label}: one call on two threads vs streamed`, 0, 0);
      assertClose(dx!, referenceContract(conv2dEinsum(p, false), 'I', { F: w, dO: dy }), `${label} vs reference`, 1e-4, 1e-5);
    });
  }
});
