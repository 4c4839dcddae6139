/**
 * Kernel-only time of the small-channel and first-layer convolutions (LeNet-5's c1, c3, c5 at
 * batch 64, AlexNet conv1) in each direction, 1 and 2 threads: median kernel ms and GFLOP/s,
 * plus CPU ms per call (all threads), so a shared machine still gives comparable numbers.
 *
 *   node --import tsx bench/small-conv.ts            # all rows
 *   node --import tsx bench/small-conv.ts c3 dF      # rows whose name contains every filter
 */
import { conv2dBackwardFilter, conv2dBackwardInput, conv2dForward } from '../src/backends/wasm/conv.js';
import { setThreads, stats, waitForThreads } from '../src/backends/wasm/runtime.js';
import type { Conv2dParams } from '../src/einsum/types.js';

function params(N: number, C: number, H: number, M: number, R: number, stride: number, pad: number): Conv2dParams {
  const P = Math.floor((H + 2 * pad - R) / stride) + 1;
  return { N, C, H, W: H, M, R, S: R, P, Q: P, strideH: stride, strideW: stride, padTop: pad, padLeft: pad,
    dilationH: 1, dilationW: 1, groups: 1 };
}

function rand(n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.random() - 0.5;
  return a;
}

const shapes: Array<[string, Conv2dParams]> = [
  ['lenet-c1 N=64', params(64, 1, 32, 6, 5, 1, 0)],
  ['lenet-c3 N=64', params(64, 6, 14, 16, 5, 1, 0)],
  ['lenet-c5 N=64', params(64, 16, 5, 120, 5, 1, 0)],
  ['lenet-c3 N=32', params(32, 6, 14, 16, 5, 1, 0)],
  ['lenet-c3 N=1', params(1, 6, 14, 16, 5, 1, 0)],
  // The default model of `dnnkit train` (src/train/default-model.ts) at its batch of 64.
  ['fashion-conv1 N=64', params(64, 1, 28, 32, 3, 1, 1)],
  ['fashion-conv2 N=64', params(64, 32, 14, 64, 3, 1, 1)],
  ['alexnet-conv1 N=1', params(1, 3, 227, 96, 11, 4, 0)],
  ['alexnet-conv1 N=8', params(8, 3, 227, 96, 11, 4, 0)],
];
const filters = process.argv.slice(2);
console.log(`${'case'.padEnd(26)} thr  kernel ms  GFLOP/s  CPU ms/call`);
for (const [name, p] of shapes) {
  const flops = 2 * p.N * p.M * p.P * p.Q * p.C * p.R * p.S;
  const x = rand(p.N * p.C * p.H * p.W), w = rand(p.M * p.C * p.R * p.S), b = rand(p.M);
  const dy = rand(p.N * p.M * p.P * p.Q);
  for (const [dir, run] of [['fwd', () => conv2dForward(p, x, w, b)], ['dI', () => conv2dBackwardInput(p, dy, w)],
    ['dF', () => conv2dBackwardFilter(p, x, dy)]] as const) {
    const label = `${name} ${dir}`;
    if (!filters.every((f) => label.includes(f))) continue;
    for (const t of [1, 2]) {
      setThreads(t);
      waitForThreads();
      run(); run();
      const ks: number[] = [];
      stats.enabled = true;
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      while (ks.length < 5 || (performance.now() - t0 < 600 && ks.length < 200)) { run(); ks.push(stats.lastKernelMs); }
      stats.enabled = false;
      const cpu = process.cpuUsage(cpu0);
      ks.sort((a, b) => a - b);
      const med = ks[ks.length >> 1]!;
      console.log(`${label.padEnd(26)} ${String(t).padStart(3)}  ${med.toFixed(3).padStart(9)}  ${(flops / med / 1e6).toFixed(1).padStart(7)}  ${((cpu.user + cpu.system) / 1000 / ks.length).toFixed(3).padStart(11)}`);
    }
  }
}
process.exit(0);
