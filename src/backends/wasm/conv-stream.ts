/**
 * Streaming a dense conv forward's input in by K blocks of whole channels, for calls whose
 * copies are too small to pipeline by images (batch-pipeline.ts): at N=1 a ResNet-50 1x1 conv
 * copies 3.2 MB in (~0.35 ms) before ~1.3 ms of compute, and the workers would otherwise wait
 * for all of it. Here the workers start once the first block (a quarter of the channels) is in,
 * while this thread copies the rest, then joins them (assembly/conv.ts conv2d_forward_streamed:
 * the units' first blocks first, then their others; the sums keep conv2d_forward's order, so
 * the result has its bits).
 */
import type { Conv2dParams } from '../../einsum/types.js';
import type { Prepared, Runtime } from './runtime.js';

/** What conv2dForward has set up: its parameter block, packed filter, bias and scratch. */
export interface ForwardCall {
  readonly pp: number;
  readonly ap: number;
  readonly bp: number;
  readonly scratch: number[];
  /** The unit: nb pixels x mb filter rows (conv.ts forwardUnits). */
  readonly nb: number;
  readonly mb: number;
  /** ReLU the outputs (conv2dForwardRelu). */
  readonly relu: boolean;
}

let enabled = true;

/** Streamed calls so far (tests check the streamed kernel really ran). */
export const streamStats = { calls: 0 };

/** Benchmarks and tests switch streaming off to compare (the result has the same bits). */
export function setConvStreaming(on: boolean): void {
  enabled = on;
}

export function streamingEnabled(): boolean {
  return enabled;
}

/** K blocks the streamed kernel would wait on for this layer; 0 (or 1) where it does not apply. */
export function streamBlocks(r: Runtime, pp: number): number {
  return r.exports['convForwardStreamBlocks']!(pp) as number;
}

/**
 * The plan of a streamed forward call on every thread of `c.scratch`, after `before` (the filter
 * packing). Needs streamBlocks(r, c.pp) >= 2.
 */
export function streamedForward(r: Runtime, p: Conv2dParams, x: Float32Array, c: ForwardCall,
  before: Array<[string, number[][]]>): Prepared<Float32Array> {
  const blocks = streamBlocks(r, c.pp);
  const channels = (r.exports['convForwardKStep']!(c.pp) as number) / (p.R * p.S);
  const HW = p.H * p.W, perImage = p.C * HW, outLen = p.N * p.M * p.P * p.Q;
  const units = p.N * Math.ceil((p.P * p.Q) / c.nb) * Math.ceil(p.M / c.mb);
  // A resident x is read in place: then the workers find every block ready at once.
  const { at: xp, resident } = r.arena.place(x);
  const yp = r.arena.alloc(outLen * 4);
  const ready = r.arena.put(new Int32Array(1)), next = r.arena.put(new Int32Array(1));
  const failed = r.arena.put(new Int32Array(1)), progress = r.arena.put(new Int32Array(units));
  const parts = c.scratch.map((sc) => [c.pp, xp, c.ap, c.bp, yp, c.nb, c.mb, next, sc, c.relu ? 1 : 0, ready, progress, failed]);
  const feed = (timing: boolean): number => {
    streamStats.calls++;
    // Taken after the last allocation: a memory that grew has a new buffer.
    const view = r.arena.view(), i32 = new Int32Array(r.memory.buffer);
    const t0 = timing ? performance.now() : 0;
    const started = r.pool.start('conv2d_forward_streamed', parts);
    try {
      for (let b = 0; b < blocks && !resident; b++) {
        const c0 = b * channels, c1 = Math.min(p.C, c0 + channels);
        for (let n = 0; n < p.N; n++) {
          const at = n * perImage + c0 * HW;
          view.set(x.subarray(at, n * perImage + c1 * HW), (xp >> 2) + at);
        }
        Atomics.store(i32, ready >> 2, b + 1);
      }
    } finally {
      // Also when a copy failed: release the workers (their result is then never read).
      Atomics.store(i32, ready >> 2, blocks);
    }
    const copyMs = timing ? performance.now() - t0 : 0;
    r.pool.join(started);
    if (Atomics.load(i32, failed >> 2) !== 0) throw new Error('wasm conv2d: a streamed forward unit waited too long for another thread (one failed?)');
    return copyMs;
  };
  return { steps: before, feed, finish: () => r.arena.take(yp, outLen) };
}
