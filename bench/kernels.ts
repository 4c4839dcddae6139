/**
 * GFLOP/s (2 * MACs / time) of the wasm kernels on the shapes of the "Fast backend" issue, on
 * 1 and 2 threads, with the share of time spent copying operands in and out of wasm memory.
 * Reported: the best and the median wall-clock rate over repeated runs, and the rate per busy
 * core (FLOPs / CPU seconds of this process: workers block in Atomics.wait, so idle time is not
 * counted), which stays meaningful when other processes share the cores, and the best rate of
 * the kernel alone (without copying operands in and the result out).
 *
 *   node --import tsx bench/kernels.ts            # all shapes
 *   node --import tsx bench/kernels.ts gemm 3x3   # only rows whose name contains a filter
 */
import { conv2dBackwardFilter, conv2dBackwardInput, conv2dForward } from '../src/backends/wasm/conv.js';
import { gemm } from '../src/backends/wasm/gemm.js';
import { setThreads, stats, waitForThreads } from '../src/backends/wasm/runtime.js';
import type { Conv2dParams } from '../src/einsum/types.js';

function params(N: number, C: number, H: number, M: number, R: number, pad: number, groups = 1, stride = 1): Conv2dParams {
  const P = Math.floor((H + 2 * pad - R) / stride) + 1;
  return { N, C, H, W: H, M, R, S: R, P, Q: P, strideH: stride, strideW: stride, padTop: pad, padLeft: pad,
    dilationH: 1, dilationW: 1, groups };
}

function rand(n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.random() - 0.5;
  return a;
}

/**
 * Seconds per call over enough repetitions (>= 5 and ~0.6 s): the best (what the kernel can do
 * when the machine is quiet) and the median (what it did), plus the copy share.
 */
function time(fn: () => unknown): { best: number; median: number; copy: number; copyIn: number; cpu: number; kernel: number } {
  fn(); // warm-up (worker start, memory growth)
  const times: number[] = [];
  let kernel = Infinity;
  stats.enabled = true; stats.copyMs = 0; stats.copyInMs = 0; stats.copyOutMs = 0; stats.totalMs = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  while (times.length < 5 || (performance.now() - t0 < 600 && times.length < 50)) {
    const a = performance.now();
    fn();
    times.push(performance.now() - a);
    kernel = Math.min(kernel, stats.lastKernelMs);
  }
  stats.enabled = false;
  const cpu = process.cpuUsage(cpu0);
  times.sort((x, y) => x - y);
  return { best: times[0]! / 1000, median: times[times.length >> 1]! / 1000, copy: stats.copyMs / stats.totalMs,
    copyIn: stats.copyInMs / stats.totalMs,
    cpu: (cpu.user + cpu.system) / 1e6 / times.length, kernel: kernel / 1000 };
}

interface Case { name: string; flops: number; run: () => unknown }

function convCases(label: string, p: Conv2dParams, backward: boolean): Case[] {
  const macs = p.N * p.M * p.P * p.Q * (p.C / p.groups) * p.R * p.S;
  const x = rand(p.N * p.C * p.H * p.W), w = rand(p.M * (p.C / p.groups) * p.R * p.S), b = rand(p.M);
  const dy = rand(p.N * p.M * p.P * p.Q);
  const cases: Case[] = [{ name: `${label} fwd`, flops: 2 * macs, run: () => conv2dForward(p, x, w, b) }];
  if (backward) {
    cases.push({ name: `${label} dI`, flops: 2 * macs, run: () => conv2dBackwardInput(p, dy, w) });
    cases.push({ name: `${label} dF`, flops: 2 * macs, run: () => conv2dBackwardFilter(p, x, dy) });
  }
  return cases;
}

const A = rand(1024 * 1024), B = rand(1024 * 1024);
const cases: Case[] = [
  ...convCases('resnet50 3x3 C64 56x56 M64', params(1, 64, 56, 64, 3, 1), true),
  ...convCases('resnet50 1x1 C256 56x56 M64', params(1, 256, 56, 64, 1, 0), true),
  ...convCases('vgg conv1_2 C64 224x224 M64', params(1, 64, 224, 64, 3, 1), false),
  ...convCases('depthwise 3x3 C128 56x56', params(1, 128, 56, 128, 3, 1, 128), true),
  ...convCases('fmnist 3x3 N64 C32 28x28 M64', params(64, 32, 28, 64, 3, 1), true),
  { name: 'gemm 1024^3', flops: 2 * 1024 ** 3, run: () => gemm(1024, 1024, 1024, A, B) },
];

const filters = process.argv.slice(2);
const chosen = cases.filter((c) => filters.length === 0 || filters.some((f) => c.name.includes(f)));
console.log(`${'case'.padEnd(40)}threads  GFLOP/s best  median  per-core  kernel-only   ms best  copy% (in)`);
for (const c of chosen) {
  for (const t of [1, 2]) {
    setThreads(t);
    waitForThreads();
    const { best, median, copy, copyIn, cpu, kernel } = time(c.run);
    const g = (sec: number): string => (c.flops / sec / 1e9).toFixed(1);
    console.log(`${c.name.padEnd(40)}${String(t).padStart(7)}  ${g(best).padStart(12)}  ${g(median).padStart(6)}  ${g(cpu).padStart(8)}  ${g(kernel).padStart(11)}  ${(best * 1e3).toFixed(2).padStart(8)}  ${(copy * 100).toFixed(0).padStart(5)} (${(copyIn * 100).toFixed(0)})`);
  }
}
