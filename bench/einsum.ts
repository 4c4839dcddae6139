/**
 * MAC/s of the einsum interpreter (the reference backend's contract) on CONV and FC shapes:
 * the default loop order (output indices, then reduction indices) and the order the
 * reference backend picks (fastOrder), forward and both gradients. Medians of repeated runs,
 * in wall time and in process CPU time (the machine is shared and noisy; CPU time is steadier).
 *
 *   node --import tsx bench/einsum.ts            # all rows
 *   node --import tsx bench/einsum.ts 3x3        # only rows whose name contains a filter
 */
import { referenceContract } from '../src/backends/reference/contract.js';
import { countMacs } from '../src/einsum/count.js';
import { interpret } from '../src/einsum/interpret.js';
import { conv2dEinsum, convOutputSize, linearEinsum } from '../src/einsum/layers.js';
import type { BoundEinsum } from '../src/einsum/types.js';

function rand(n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.random() - 0.5;
  return a;
}

/** Median wall and CPU milliseconds per call over >= 5 runs and >= ~0.5 s. */
function time(fn: () => unknown): { wall: number; cpu: number } {
  fn();
  const wall: number[] = [], cpu: number[] = [];
  const start = performance.now();
  while (wall.length < 5 || performance.now() - start < 500) {
    const c0 = process.cpuUsage(), t0 = performance.now();
    fn();
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  const med = (a: number[]): number => a.sort((x, y) => x - y)[a.length >> 1]!;
  return { wall: med(wall), cpu: med(cpu) };
}

function conv(N: number, C: number, H: number, M: number, R: number, pad: number, groups = 1, stride = 1): BoundEinsum {
  const P = convOutputSize(H, R, stride, pad);
  return conv2dEinsum({ N, C, H, W: H, M, R, S: R, P, Q: P, strideH: stride, strideW: stride, padTop: pad, padLeft: pad,
    dilationH: 1, dilationW: 1, groups }, true);
}

const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
const filter = process.argv[2] ?? '';
const rows: [string, BoundEinsum][] = [
  ['conv 3x3 N2 C16 28x28 M32 pad1', conv(2, 16, 28, 32, 3, 1)],
  ['conv 3x3 stride 2 N2 C16 28x28 M32', conv(2, 16, 28, 32, 3, 1, 1, 2)],
  ['conv 1x1 N2 C32 28x28 M64', conv(2, 32, 28, 64, 1, 0)],
  ['depthwise 3x3 N2 C32 28x28', conv(2, 32, 28, 32, 3, 1, 32)],
  ['linear N64 C784 M128', linearEinsum({ N: 64, C: 784, M: 128 }, true)],
];

console.log(`${'layer'.padEnd(38)} ${'pass'.padEnd(16)} ${'wall ms'.padStart(8)} ${'MMAC/s'.padStart(7)} ${'cpu ms'.padStart(8)} ${'MMAC/s'.padStart(7)}`);
for (const [name, e] of rows) {
  if (!name.includes(filter)) continue;
  const v = { I: rand(size(e.shapes['I']!)), F: rand(size(e.shapes['F']!)), B: rand(size(e.shapes['B']!)), dO: rand(size(e.shapes['O']!)) };
  const macs = countMacs(e);
  const passes: [string, () => unknown][] = [
    ['O default order', () => interpret(e, v)],
    ['O', () => referenceContract(e, 'O', v)],
    ['dI', () => referenceContract(e, 'I', v)],
    ['dF', () => referenceContract(e, 'F', v)],
  ];
  for (const [pass, fn] of passes) {
    const t = time(fn);
    const mm = (ms: number): string => (macs / ms / 1e3).toFixed(1).padStart(7);
    console.log(`${name.padEnd(38)} ${pass.padEnd(16)} ${t.wall.toFixed(2).padStart(8)} ${mm(t.wall)} ${t.cpu.toFixed(2).padStart(8)} ${mm(t.cpu)}`);
  }
}
