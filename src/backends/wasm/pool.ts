/**
 * The worker pool: threads that run kernel slices over the shared wasm memory.
 *
 * `run(name, parts)` runs parts[0] on the calling thread and parts[i] on worker i-1, then
 * blocks on Atomics.wait until every worker is done, so a kernel call stays synchronous.
 * Workers start on first use, in the background, and join the calls once they are ready (a
 * blocking start would deadlock in a browser and waste the start-up time in Node). Node
 * workers are unref'd, so they never keep the process alive.
 */
import { nodeModule } from './node.js';
import {
  ARGS, CONTROL_BYTES, DONE, FN, MAX_ARGS, MAX_WORKERS, NARGS, SEQ, STATE, STATE_FAILED,
  STATE_READY, slotBase, type WorkerInit,
} from './protocol.js';
import type { KernelExports } from './loader.js';

interface Handle { terminate(): unknown }

/** A kernel call posted to the workers, not yet joined (Pool.start). */
export interface Started {
  readonly name: string;
  readonly call: (...args: number[]) => unknown;
  /** Parts the calling thread runs in `join`. */
  readonly local: number[][];
  /** Workers the call was posted to. */
  readonly posted: number;
}

/** Number of hardware threads of this machine (1 if unknown). */
export function availableCores(): number {
  const os = nodeModule<typeof import('node:os')>('node:os');
  if (os) return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  return Math.max(1, nav?.hardwareConcurrency ?? 1);
}

/**
 * Whether this thread may block in Atomics.wait: Node threads may; in a browser only a worker
 * may (the page's main thread throws), so there the pool runs everything on the caller.
 */
function mayBlock(): boolean {
  if (nodeModule('node:worker_threads')) return true;
  const g = globalThis as unknown as { WorkerGlobalScope?: abstract new () => unknown };
  return typeof g.WorkerGlobalScope === 'function' && globalThis instanceof g.WorkerGlobalScope;
}

/** A worker not ready this long after its start is given up on (threads are disabled). */
const START_TIMEOUT_MS = 30000;

export class Pool {
  private readonly control = new SharedArrayBuffer(CONTROL_BYTES);
  private readonly i32 = new Int32Array(this.control);
  private readonly f64 = new Float64Array(this.control);
  private readonly workers: Handle[] = [];
  private readonly fnIndex = new Map<string, number>();
  private readonly startedAt: number[] = [];
  private threads = 1;
  private broken = !mayBlock();

  constructor(private readonly module: WebAssembly.Module, private readonly memory: WebAssembly.Memory,
              private readonly exports: KernelExports, private readonly names: string[]) {
    names.forEach((n, i) => this.fnIndex.set(n, i));
  }

  /** Threads a kernel call may use (the caller included). */
  get size(): number {
    return this.broken ? 1 : this.threads;
  }

  setThreads(n: number): void {
    if (!Number.isInteger(n) || n < 1) {
      throw new Error(`setThreads: n must be a positive integer, got ${n}`);
    }
    // Fewer threads leave the extra workers parked in Atomics.wait (free); more start new ones
    // on the next call. Slots are never reused, so no stale call can reach a new worker.
    this.threads = Math.min(n, MAX_WORKERS + 1);
  }

  /** Slices of kernel calls run on worker threads so far (tests check threads really ran). */
  workerParts = 0;

  /**
   * Start the workers `size` asks for and block until they are ready (or `timeoutMs` passes);
   * returns how many are. Node only (a browser page's main thread may not block).
   */
  waitReady(timeoutMs = START_TIMEOUT_MS): number {
    const want = this.size - 1;
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const ready = this.readyWorkers(want);
      if (ready >= want || this.broken) return ready;
      const left = deadline - performance.now();
      if (left <= 0) return ready;
      const base = slotBase(ready);
      Atomics.wait(this.i32, base + STATE, Atomics.load(this.i32, base + STATE), Math.min(left, 50));
    }
  }

  /**
   * Run export `name` once per entry of `parts` (its argument list), in parallel; returns when
   * all are done. parts.length must not exceed `size`.
   */
  run(name: string, parts: number[][]): void {
    this.join(this.start(name, parts));
  }

  /**
   * Post parts[1..] to the workers and return at once, so that this thread can do other work
   * (copy the next operands in) while they compute; `join` then runs parts[0] here and waits.
   * Parts beyond the ready workers are left for `join` to run here.
   */
  start(name: string, parts: number[][]): Started {
    const fn = this.fnIndex.get(name);
    const call = this.exports[name];
    if (fn === undefined || !call) throw new Error(`wasm pool: unknown kernel '${name}'`);
    if (parts.length === 0) return { name, call, local: [], posted: 0 };
    const ready = parts.length > 1 ? this.readyWorkers(parts.length - 1) : 0;
    // Parts beyond the ready workers run on this thread, after its own.
    const local: number[][] = [parts[0]!, ...parts.slice(1 + ready)];
    Atomics.store(this.i32, DONE, 0);
    for (let w = 0; w < ready; w++) this.post(w, fn, parts[w + 1]!);
    this.workerParts += ready;
    return { name, call, local, posted: ready };
  }

  /**
   * Run the calling thread's parts of a started call (unless `runLocal` is false: a streamed
   * call's thread takes its work from the kernel's counter itself), then wait for the workers'.
   */
  join(s: Started, runLocal = true): void {
    let err: unknown = null;
    try {
      if (runLocal) for (const a of s.local) s.call(...a);
    } catch (e) {
      err = e;
    }
    for (;;) {
      const done = Atomics.load(this.i32, DONE);
      if (done >= s.posted) break;
      Atomics.wait(this.i32, DONE, done);
    }
    for (let w = 0; w < s.posted; w++) {
      if (Atomics.load(this.i32, slotBase(w) + STATE) === STATE_FAILED) {
        err ??= new Error(`wasm pool: kernel '${s.name}' failed in worker ${w}`);
      }
    }
    if (err) throw err;
  }

  /** Whether every worker a started call was posted to has returned. */
  finished(s: Started): boolean {
    return Atomics.load(this.i32, DONE) >= s.posted;
  }

  private post(w: number, fn: number, args: number[]): void {
    if (args.length > MAX_ARGS) throw new Error(`wasm pool: ${args.length} arguments, at most ${MAX_ARGS}`);
    const base = slotBase(w);
    this.i32[base + FN] = fn;
    this.i32[base + NARGS] = args.length;
    const a0 = (base + ARGS) >> 1;
    for (let i = 0; i < args.length; i++) this.f64[a0 + i] = args[i]!;
    Atomics.add(this.i32, base + SEQ, 1);
    Atomics.notify(this.i32, base + SEQ);
  }

  /** Start workers as needed; return how many of the first `want` are ready to take calls. */
  private readyWorkers(want: number): number {
    if (this.broken) return 0;
    while (this.workers.length < Math.min(want, this.threads - 1) && !this.broken) this.startWorker();
    let ready = 0;
    while (ready < Math.min(want, this.workers.length)) {
      const st = Atomics.load(this.i32, slotBase(ready) + STATE);
      if (st === STATE_READY) { ready++; continue; }
      if (st === STATE_FAILED || performance.now() - this.startedAt[ready]! > START_TIMEOUT_MS) {
        this.broken = true;
        console.warn(`dnnkit: wasm worker thread ${st === STATE_FAILED ? 'failed to start' : 'did not start in time'}; running single-threaded`);
        return 0;
      }
      break;
    }
    return ready;
  }

  /**
   * Start one worker. Nobody waits for it: until it reports ready (it instantiates the module
   * on its own thread, in parallel with the calls running here), its share of each call runs
   * on the calling thread. Results do not depend on how the work was split.
   */
  private startWorker(): void {
    const slot = this.workers.length;
    const base = slotBase(slot);
    const init: WorkerInit = { module: this.module, memory: this.memory, control: this.control, slot, names: this.names };
    const wt = nodeModule<typeof import('node:worker_threads')>('node:worker_threads');
    // Compiled: worker.js beside this file; under tsx: a bootstrap that loads worker.ts.
    const dev = import.meta.url.endsWith('.ts');
    const url = new URL(dev ? './worker-tsx.mjs' : './worker.js', import.meta.url);
    this.startedAt[slot] = performance.now();
    if (wt) {
      const worker = new wt.Worker(url, { workerData: init });
      worker.unref();
      worker.on('error', () => Atomics.store(this.i32, base + STATE, STATE_FAILED));
      this.workers.push(worker);
      return;
    }
    const W = (globalThis as { Worker?: new (u: URL, o: object) => Handle & { postMessage(m: unknown): void } }).Worker;
    if (!W) {
      this.broken = true;
      return;
    }
    const worker = new W(url, { type: 'module' });
    worker.postMessage(init);
    this.workers.push(worker);
  }
}
