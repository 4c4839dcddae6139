/**
 * Interleaved A/B runs of the copy/compute overlap of the wasm backend, in one process, so that
 * the load of other processes hits both sides alike (medians in GFLOP/s):
 *
 *   node --import tsx bench/overlap-ab.ts stages 32,256,56,64,1,0   # dense conv N,C,H,M,R,pad: batch stages vs one call
 *   node --import tsx bench/overlap-ab.ts threads 32                # depthwise 3x3 C=128 56x56 at batch N: 2 threads (streamed) vs 1
 *
 * Set the malloc variables first (see src/cli/malloc-tuning.ts), as `npm run bench` does.
 */
import { F, Tensor, noGrad } from '../src/index.js';
import { setThreads, waitForThreads } from '../src/backends/wasm/runtime.js';
import { conv2dForward } from '../src/backends/wasm/conv.js';
import { pipelineMinBytes, setPipelineMinBytes } from '../src/backends/wasm/batch-pipeline.js';
import { seededArray } from './peers/peer.js';
import { median } from './timing.js';

const [mode = 'threads', shape = '32'] = process.argv.slice(2);
setThreads(2);
waitForThreads(5000);

/** Time `run` under two settings applied alternately; print the medians. */
function ab(flops: number, runs: number, run: () => unknown, sides: Array<[string, () => void]>): void {
  const times = sides.map(() => [] as number[]);
  for (let i = 0; i < runs + 10; i++) {
    const s = i % sides.length;
    sides[s]![1]();
    const t = performance.now();
    run();
    if (i >= 10) times[s]!.push(performance.now() - t);
  }
  console.log(sides.map(([name], s) => `${name} ${(flops / median(times[s]!) / 1e6).toFixed(1)}`).join('  ') + ' GFLOP/s (medians)');
}

if (mode === 'stages') {
  const [N, C, H, M, R, pad] = shape.split(',').map(Number) as [number, number, number, number, number, number];
  const P = H + 2 * pad - R + 1;
  const p = { N, C, H, W: H, M, R, S: R, P, Q: P, strideH: 1, strideW: 1, padTop: pad, padLeft: pad, dilationH: 1, dilationW: 1, groups: 1 };
  const x = seededArray(N * C * H * H, 1), w = seededArray(M * C * R * R, 2);
  const staged = pipelineMinBytes();
  ab(2 * N * M * P * P * C * R * R, 60, () => conv2dForward(p, x, w, null),
    [['staged', () => setPipelineMinBytes(staged)], ['one call', () => setPipelineMinBytes(Number.POSITIVE_INFINITY)]]);
} else {
  const N = Number(shape);
  const x = new Tensor(seededArray(N * 128 * 56 * 56, 1), [N, 128, 56, 56]), w = new Tensor(seededArray(128 * 9, 2), [128, 1, 3, 3]);
  ab(2 * N * 128 * 56 * 56 * 9, N > 1 ? 60 : 400, () => noGrad(() => F.conv2d(x, w, undefined, { padding: 1, groups: 128 })),
    [['2 threads', () => setThreads(2)], ['1 thread', () => setThreads(1)]]);
}
