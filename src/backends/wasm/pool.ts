/**
 * The worker pool: threads that run kernel slices over the shared wasm memory.
 *
 * `run(name, parts)` runs parts[0] on the calling thread and parts[i] on worker i-1, then
 * blocks on Atomics.wait until every worker is done, so a kernel call stays synchronous. In
 * Node the workers start (and are waited for) on first use and are unref'd, so they never keep
 * the process alive. In a browser a blocking start would deadlock, so workers start in the
 * background and join the calls once they are ready.
 */
import { nodeModule } from './node.js';
import {
  ARGS, CONTROL_BYTES, DONE, FN, MAX_ARGS, MAX_WORKERS, NARGS, SEQ, STATE, STATE_FAILED,
  STATE_READY, slotBase, type WorkerInit,
} from './protocol.js';
import type { KernelExports } from './loader.js';

interface Handle { terminate(): unknown }

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

/** Start-up wait for a Node worker to instantiate the module, after which threads are disabled. */
const START_TIMEOUT_MS = 10000;

export class Pool {
  private readonly control = new SharedArrayBuffer(CONTROL_BYTES);
  private readonly i32 = new Int32Array(this.control);
  private readonly f64 = new Float64Array(this.control);
  private readonly workers: Handle[] = [];
  private readonly fnIndex = new Map<string, number>();
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

  /**
   * Run export `name` once per entry of `parts` (its argument list), in parallel; returns when
   * all are done. parts.length must not exceed `size`.
   */
  run(name: string, parts: number[][]): void {
    const fn = this.fnIndex.get(name);
    const call = this.exports[name];
    if (fn === undefined || !call) throw new Error(`wasm pool: unknown kernel '${name}'`);
    if (parts.length === 0) return;
    const ready = parts.length > 1 ? this.readyWorkers(parts.length - 1) : 0;
    // Parts beyond the ready workers run on this thread, after its own.
    const local: number[][] = [parts[0]!, ...parts.slice(1 + ready)];
    Atomics.store(this.i32, DONE, 0);
    for (let w = 0; w < ready; w++) this.post(w, fn, parts[w + 1]!);
    let err: unknown = null;
    try {
      for (const a of local) call(...a);
    } catch (e) {
      err = e;
    }
    for (;;) {
      const done = Atomics.load(this.i32, DONE);
      if (done >= ready) break;
      Atomics.wait(this.i32, DONE, done);
    }
    for (let w = 0; w < ready; w++) {
      if (Atomics.load(this.i32, slotBase(w) + STATE) === STATE_FAILED) {
        err ??= new Error(`wasm pool: kernel '${name}' failed in worker ${w}`);
      }
    }
    if (err) throw err;
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
      if (st !== STATE_READY) break;
      ready++;
    }
    return ready;
  }

  private startWorker(): void {
    const slot = this.workers.length;
    const base = slotBase(slot);
    const init: WorkerInit = { module: this.module, memory: this.memory, control: this.control, slot, names: this.names };
    const wt = nodeModule<typeof import('node:worker_threads')>('node:worker_threads');
    // Compiled: worker.js beside this file; under tsx: a bootstrap that loads worker.ts.
    const dev = import.meta.url.endsWith('.ts');
    const url = new URL(dev ? './worker-tsx.mjs' : './worker.js', import.meta.url);
    if (wt) {
      const worker = new wt.Worker(url, { workerData: init });
      worker.unref();
      this.workers.push(worker);
      // Node: block until it is ready (or failed), so the call that started it can use it.
      const deadline = Date.now() + START_TIMEOUT_MS;
      for (;;) {
        const st = Atomics.load(this.i32, base + STATE);
        if (st === STATE_READY) return;
        const left = deadline - Date.now();
        if (st === STATE_FAILED || left <= 0) {
          this.broken = true;
          console.warn(`dnnkit: wasm worker thread did not start (${st === STATE_FAILED ? 'failed' : 'timeout'}); running single-threaded`);
          return;
        }
        Atomics.wait(this.i32, base + STATE, st, Math.min(left, 100));
      }
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
