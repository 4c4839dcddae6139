/**
 * Dense conv forward (and the 1x1 data gradient) on the wasm backend at N=1 and N=32, 1 and 2
 * threads: the shapes of the "Fast backend" issue. Prints, per row, GFLOP/s from the best
 * kernel-only time (no copy in/out), from the median whole call, and per busy core (FLOPs /
 * CPU seconds of this process), so a shared machine still gives comparable numbers.
 *
 *   node --import tsx bench/conv-forward.ts               # all rows
 *   node --import tsx bench/conv-forward.ts 1x1 N=32      # rows whose name contains every filter
 */
import { conv2dBackwardInput, conv2dForward } from '../src/backends/wasm/conv.js';
import { setThreads, stats, waitForThreads } from '../src/backends/wasm/runtime.js';
import type { Conv2dParams } from '../src/einsum/types.js';

function params(N: number, C: number, H: number, M: number, R: number, pad: number): Conv2dParams {
  const P = H + 2 * pad - R + 1;
  return { N, C, H, W: H, M, R, S: R, P, Q: P, strideH: 1, strideW: 1, padTop: pad, padLeft: pad,
    dilationH: 1, dilationW: 1, groups: 1 };
}

function rand(n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.random() - 0.5;
  return a;
}

interface Row { name: string; flops: number; run: () => unknown }

const rows: Row[] = [];
for (const N of [1, 32]) {
  for (const [label, C, H, M, R, pad] of [['resnet50-3x3', 64, 56, 64, 3, 1], ['resnet50-1x1', 256, 56, 64, 1, 0],
    ['vgg16-conv1_2', 64, 224, 64, 3, 1]] as const) {
    const n = label.startsWith('vgg') && N > 1 ? 4 : N;
    const p = params(n, C, H, M, R, pad);
    const flops = 2 * n * M * p.P * p.Q * C * R * R;
    const x = rand(n * C * H * H), w = rand(M * C * R * R), b = rand(M), dy = rand(n * M * p.P * p.Q);
    rows.push({ name: `${label} N=${n} fwd`, flops, run: () => conv2dForward(p, x, w, b) });
    if (R === 1) rows.push({ name: `${label} N=${n} dI`, flops, run: () => conv2dBackwardInput(p, dy, w) });
  }
}

const filters = process.argv.slice(2);
const chosen = rows.filter((r) => filters.every((f) => r.name.includes(f)));
console.log(`${'case'.padEnd(28)} thr  kernel GF/s  call GF/s (best, median)  per-core GF/s  ms: kernel in out (best)`);
for (const r of chosen) {
  for (const t of [1, 2]) {
    setThreads(t);
    waitForThreads();
    r.run();
    const times: number[] = [];
    let kernel = Infinity, copyIn = Infinity, copyOut = Infinity;
    stats.enabled = true;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    while (times.length < 3 || (performance.now() - t0 < 1500 && times.length < 30)) {
      const a = performance.now();
      const in0 = stats.copyInMs, out0 = stats.copyOutMs;
      r.run();
      times.push(performance.now() - a);
      kernel = Math.min(kernel, stats.lastKernelMs);
      copyIn = Math.min(copyIn, stats.copyInMs - in0);
      copyOut = Math.min(copyOut, stats.copyOutMs - out0);
    }
    stats.enabled = false;
    const cpu = process.cpuUsage(cpu0);
    times.sort((a, b) => a - b);
    const g = (ms: number): string => (r.flops / ms / 1e6).toFixed(1);
    const cpuMs = (cpu.user + cpu.system) / 1000 / times.length;
    console.log(`${r.name.padEnd(28)} ${String(t).padStart(3)}  ${g(kernel).padStart(11)}  ${g(times[0]!).padStart(10)} ${g(times[times.length >> 1]!).padStart(12)}  ${g(cpuMs).padStart(13)}  ${kernel.toFixed(2)} ${copyIn.toFixed(2)} ${copyOut.toFixed(2)}`);
  }
}
