/**
 * The wasm runtime: compiled module, shared memory, arena and worker pool, created once on
 * first use. `call` is the one way kernels run: it copies operands in, runs the kernel slices
 * on the pool, copies the result out and releases the arena (also when the kernel throws).
 * Large calls on several threads overlap those copies with the compute: batch stages
 * (batch-pipeline.ts: dense conv forward and data gradient, by images) or a stream
 * (stream.ts: the depthwise kernels, by planes or channels).
 */
import { Arena } from './arena.js';
import { compileKernelModule, createSharedMemory, instantiate, type KernelExports } from './loader.js';
import { Pool, availableCores } from './pool.js';
import { runStream, type Stream } from './stream.js';

/** Kernel exports that may run on worker threads (the pool addresses them by index). */
export const KERNEL_NAMES = [
  'f32_gemm', 'f32_gemm_strided', 'conv2d_pack_filter', 'conv2d_forward', 'conv2d_forward_streamed', 'conv2d_backward_input', 'conv2d_backward_filter', 'conv2d_backward_bias',
  'dwconv2d_forward', 'dwconv2d_backward_input', 'dwconv2d_backward_filter',
  'f32_relu', 'f32_relu_grad', 'f32_relu6', 'f32_relu6_grad',
  'bn_train_forward', 'bn_apply', 'bn_backward', 'f32_maxpool2x2', 'f32_tanh', 'f32_tanh_grad',
  'f32_avgpool2x2', 'f32_avgpool2x2_backward', 'bn_relu_maxpool2x2', 'bn_relu_maxpool2x2_backward',
  'conv2d_direct_forward', 'conv2d_direct_backward_filter', 'conv2d_direct_backward_input',
  'conv2d_direct_backward', 'f32_avgpool2x2_tanh_backward', 'winograd_pack_filter', 'conv2d_winograd', 'conv2d_winograd_backward_filter', 'winograd_filter_finish',
];

export interface Runtime {
  readonly exports: KernelExports;
  readonly memory: WebAssembly.Memory;
  readonly arena: Arena;
  readonly pool: Pool;
  /** Per-thread scratch bytes of the conv/GEMM kernels. */
  readonly scratchBytes: number;
}

let rt: Runtime | null = null;
let moduleOverride: WebAssembly.Module | null = null;
let requestedThreads: number | null = null;

/**
 * Time spent copying operands in (copyInMs) and results out (copyOutMs: allocating the fresh
 * result array and filling it) vs. whole kernel calls (ms); copyMs is their sum.
 */
export const stats = { enabled: false, calls: 0, copyMs: 0, copyInMs: 0, copyOutMs: 0, totalMs: 0, lastKernelMs: 0 };

/** Use an already compiled module (a browser compiles it asynchronously first). */
export function provideModule(module: WebAssembly.Module): void {
  moduleOverride = module;
}

export function runtime(): Runtime {
  if (rt) return rt;
  const module = moduleOverride ?? compileKernelModule();
  if (!module) throw new Error('wasm backend: no kernel module; in a browser call initWasm(url) first');
  const memory = createSharedMemory();
  const exports = instantiate(module, memory);
  const arena = new Arena(memory, exports.heapBase());
  const pool = new Pool(module, memory, exports, KERNEL_NAMES.filter((n) => typeof exports[n] === 'function'));
  pool.setThreads(requestedThreads ?? availableCores());
  rt = { exports, memory, arena, pool, scratchBytes: exports.convScratchBytes() };
  return rt;
}

/**
 * Set the number of threads wasm kernels use (the calling thread included). The default is
 * the number of cores.
 * @example setThreads(1)  // single-threaded, e.g. for reproducible timing
 */
export function setThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new Error(`setThreads: n must be a positive integer, got ${n}`);
  requestedThreads = n;
  rt?.pool.setThreads(n);
}

/**
 * Block until the worker threads are running (they otherwise start in the background on the
 * first call and join once ready); returns how many are. For benchmarks and tests, in Node.
 */
export function waitForThreads(timeoutMs?: number): number {
  return runtime().pool.waitReady(timeoutMs);
}

/** The number of threads wasm kernels use now. */
export function getThreads(): number {
  return rt ? rt.pool.size : (requestedThreads ?? availableCores());
}

/** Bytes of wasm memory held (its high-water mark; a wasm memory never shrinks). */
export function wasmMemoryBytes(): number {
  return rt ? rt.memory.buffer.byteLength : 0;
}

/**
 * Storage for a new tensor (Backend.allocate): a zero-filled resident block where it is large
 * enough and there is room (resident.ts), so kernels read it in place; else a plain array.
 */
export function allocateResident(length: number): Float32Array {
  const bytes = length * 4;
  const { heap, residency } = runtime().arena;
  if (!residency.admits(bytes)) return new Float32Array(length);
  return residency.view(heap.alloc(bytes), bytes, length).fill(0);
}

/** Monotonic milliseconds. */
const now = (): number => performance.now();

/**
 * One stage of a pipelined kernel call: a slice of the batch whose operands are copied in while
 * the previous stage computes, and whose result is copied out while the next one does.
 */
export interface Stage {
  /** The kernel and its per-thread argument lists. */
  readonly kernel: [string, number[][]];
  copyIn(): void;
  copyOut(): void;
}

/** What a kernel call's `prepare` returns (see `call`). */
export interface Prepared<T> {
  /** Kernels run in order, each on the pool, after `prepare` copied their operands in. */
  readonly steps: Array<[string, number[][]]>;
  /** Then these, pipelined: stage g + 1's copy-in and g - 1's copy-out overlap stage g. */
  readonly stages?: Stage[];
  /** Or this, streamed (stream.ts). */
  readonly stream?: Stream;
  /**
   * Or this, run after the steps: it starts a kernel on the workers, copies the rest of its
   * input in while they compute, and joins them (conv-stream.ts). Returns the milliseconds it
   * spent copying when `timing` is on.
   */
  readonly feed?: (timing: boolean) => number;
  /** Copies the result out (what stages copied out included) and returns it. */
  readonly finish: () => T;
}

/**
 * Run one kernel call: `prepare` allocates and copies operands in through the arena and
 * returns the kernels to run (name + per-thread argument lists), optionally pipelined stages,
 * and a `finish` that copies the result out. Everything allocated is released afterwards.
 */
export function call<T>(prepare: (r: Runtime) => Prepared<T>): T {
  const r = runtime();
  const t0 = stats.enabled ? now() : 0;
  try {
    const { steps, stages, stream, feed, finish } = prepare(r);
    const t1 = stats.enabled ? now() : 0;
    for (const [name, parts] of steps) r.pool.run(name, parts);
    const stagedCopyMs = stages ? runStages(r, stages) : stream ? runStream(r, stream, stats.enabled) : feed ? feed(stats.enabled) : 0;
    const t2 = stats.enabled ? now() : 0;
    const out = finish();
    if (stats.enabled) {
      const t3 = now();
      stats.calls++;
      stats.lastKernelMs = t2 - t1 - stagedCopyMs;
      stats.copyInMs += t1 - t0;
      stats.copyOutMs += t3 - t2;
      stats.copyMs += (t1 - t0) + (t3 - t2) + stagedCopyMs;
      stats.totalMs += t3 - t0;
    }
    return out;
  } finally {
    r.arena.reset();
  }
}

/**
 * Run pipelined stages: while the workers compute stage g, this thread copies stage g + 1's
 * operands in and stage g - 1's result out, then joins stage g's work (the kernels take their
 * units from a shared counter, so whoever is free takes the rest). Only the first copy-in and
 * the last copy-out are not overlapped. Returns the milliseconds this thread spent copying
 * when stats are enabled.
 */
function runStages(r: Runtime, stages: Stage[]): number {
  let copyMs = 0;
  const copy = (f: () => void): void => {
    if (!stats.enabled) return f();
    const t = now();
    f();
    copyMs += now() - t;
  };
  copy(() => stages[0]?.copyIn());
  for (let g = 0; g < stages.length; g++) {
    const started = r.pool.start(...stages[g]!.kernel);
    const next = stages[g + 1], prev = stages[g - 1];
    if (next) copy(() => next.copyIn());
    if (prev) copy(() => prev.copyOut());
    r.pool.join(started);
  }
  copy(() => stages[stages.length - 1]?.copyOut());
  return copyMs;
}

/** Split [0, total) into at most `parts` contiguous ranges whose starts are multiples of `align`. */
export function splitRange(total: number, parts: number, align = 1): Array<[number, number]> {
  const units = Math.ceil(total / align);
  const n = Math.max(1, Math.min(parts, units));
  const out: Array<[number, number]> = [];
  for (let i = 0; i < n; i++) {
    const a = Math.min(total, Math.floor((units * i) / n) * align);
    const b = Math.min(total, Math.floor((units * (i + 1)) / n) * align);
    if (b > a) out.push([a, b]);
  }
  if (out.length === 0) out.push([0, total]);
  return out;
}

/**
 * Threads worth using for `flops` of work. Waking a worker and waiting for it costs tens of
 * microseconds; below ~2 MFLOP (~50 us on one core) splitting saves less than that.
 */
export function threadsFor(r: Runtime, flops: number): number {
  return flops < minParallelFlops ? 1 : r.pool.size;
}

let minParallelFlops = 2e6;

/** Tests set 0 so that even tiny shapes exercise the multi-threaded splits. */
export function setMinParallelFlops(flops: number): void {
  minParallelFlops = flops;
}
