/**
 * The depthwise kernels alone, on one thread, without copying operands in or results out:
 * GFLOP/s per CPU second (process.cpuUsage) of dwconv2d_forward / _backward_input /
 * _backward_filter on operands already in wasm memory (builds from before the work counter
 * took (t0, t1, scratch) arguments are not comparable here). Several builds of the kernel module
 * can be compared in one process, their runs interleaved (A B A B ...), so that the load of
 * other processes on the shared cores hits them alike. For tuning assembly/dwconv3x3.ts; the
 * end-to-end numbers are bench/run.ts's.
 *
 *   node --import tsx bench/depthwise-kernel.ts [N] [stride]       # build/dnnkit.wasm, N=1, stride 1
 *   WASM=/tmp/old.wasm,build/dnnkit.wasm ONLY=fwd,dI node --import tsx bench/depthwise-kernel.ts 32
 */
import { readFileSync } from 'node:fs';
import { Arena } from '../src/backends/wasm/arena.js';
import { createSharedMemory, instantiate } from '../src/backends/wasm/loader.js';

const N = Number(process.argv[2] ?? 1), U = Number(process.argv[3] ?? 1);
const C = 128, H = 56, R = 3, pad = 1;
const P = Math.floor((H + 2 * pad - R) / U) + 1;
const files = (process.env['WASM'] ?? 'build/dnnkit.wasm').split(',');
const only = process.env['ONLY']?.split(',');
const rand = (n: number): Float32Array => Float32Array.from({ length: n }, () => Math.random() - 0.5);
const data = { x: rand(N * C * H * H), w: rand(C * R * R), b: rand(C), dy: rand(N * C * P * P) };
const flops = 2 * N * C * P * P * R * R;

/** One build, instantiated on its own memory with the operands in place: name -> run. */
function setUp(file: string): Map<string, () => void> {
  const memory = createSharedMemory();
  const e = instantiate(new WebAssembly.Module(readFileSync(file)), memory) as unknown as Record<string, (...a: number[]) => number>;
  const arena = new Arena(memory, e['heapBase']!());
  const pp = arena.put(Int32Array.from([N, C, H, H, C, R, R, P, P, U, U, pad, pad, 1, 1, C]));
  const x = arena.put(data.x), w = arena.put(data.w), b = arena.put(data.b), dy = arena.put(data.dy);
  const y = arena.alloc(N * C * P * P * 4), dx = arena.alloc(N * C * H * H * 4), dw = arena.alloc(C * R * R * 4);
  const scratch = arena.alloc(1 << 20);
  // The work counter the kernels claim from (one thread here: a single unit of everything).
  const next = arena.put(new Int32Array(1)), counter = new Int32Array(memory.buffer, next, 1);
  const planes = N * C;
  return new Map([
    ['fwd', () => { counter[0] = 0; e['dwconv2d_forward']!(pp, x, w, b, y, planes, planes, next, scratch, 0, 0, planes); }],
    ['dI', () => { counter[0] = 0; e['dwconv2d_backward_input']!(pp, dy, w, dx, planes, planes, next, scratch, 0, 0, planes); }],
    ['dF', () => { counter[0] = 0; e['dwconv2d_backward_filter']!(pp, x, dy, dw, C, C, next, scratch, 0, 0, C); }],
  ]);
}

const builds = files.map(setUp);
const reps = Math.max(1, Math.round(1.5e7 / flops));
for (const name of ['fwd', 'dI', 'dF']) {
  if (only && !only.includes(name)) continue;
  const samples: number[][] = builds.map(() => []);
  builds.forEach((b) => b.get(name)!());
  for (let s = 0; s < 21; s++) {
    builds.forEach((b, i) => {
      const run = b.get(name)!;
      const c0 = process.cpuUsage();
      for (let k = 0; k < reps; k++) run();
      const c = process.cpuUsage(c0);
      samples[i]!.push((c.user + c.system) / 1e6 / reps);
    });
  }
  const g = (sec: number): string => (flops / sec / 1e9).toFixed(1).padStart(6);
  samples.forEach((t, i) => {
    t.sort((a, z) => a - z);
    console.log(`N=${N} stride ${U} ${name.padEnd(4)} ${files[i]!.padEnd(24)} GFLOP/s per CPU second: best ${g(t[0]!)} (${(t[0]! * 1e6).toFixed(0)} us)  median ${g(t[10]!)}`);
  });
}
