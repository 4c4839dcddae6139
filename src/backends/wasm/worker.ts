/**
 * A kernel worker: instantiates the kernel module over the shared memory, then loops forever
 * waiting for calls in its control slot (see protocol.ts). Node worker_threads get the init
 * data as workerData; a browser Web Worker gets it as its first message.
 */
import { instantiate } from './loader.js';
import { nodeModule } from './node.js';
import { ARGS, DONE, FN, NARGS, SEQ, STATE, STATE_FAILED, STATE_READY, slotBase, type WorkerInit } from './protocol.js';

function serve(init: WorkerInit): void {
  const i32 = new Int32Array(init.control);
  const f64 = new Float64Array(init.control);
  const base = slotBase(init.slot);
  let fns: Array<(...a: number[]) => unknown>;
  try {
    const ex = instantiate(init.module, init.memory);
    fns = init.names.map((n) => ex[n] as (...a: number[]) => unknown);
  } catch {
    Atomics.store(i32, base + STATE, STATE_FAILED);
    Atomics.notify(i32, base + STATE);
    return;
  }
  // Calls posted before this worker existed are not ours: start from the slot's current count.
  let seen = Atomics.load(i32, base + SEQ);
  Atomics.store(i32, base + STATE, STATE_READY);
  Atomics.notify(i32, base + STATE);
  for (;;) {
    Atomics.wait(i32, base + SEQ, seen);
    seen = Atomics.load(i32, base + SEQ);
    const fn = i32[base + FN]!;
    if (fn < 0) return;
    const n = i32[base + NARGS]!;
    const a0 = (base + ARGS) >> 1;
    const args: number[] = [];
    for (let i = 0; i < n; i++) args.push(f64[a0 + i]!);
    try {
      fns[fn]!(...args);
    } catch {
      Atomics.store(i32, base + STATE, STATE_FAILED);
    }
    Atomics.add(i32, DONE, 1);
    Atomics.notify(i32, DONE);
  }
}

const wt = nodeModule<typeof import('node:worker_threads')>('node:worker_threads');
if (wt && !wt.isMainThread) {
  serve(wt.workerData as WorkerInit);
} else {
  const scope = globalThis as unknown as { onmessage: ((e: MessageEvent) => void) | null };
  scope.onmessage = (e: MessageEvent) => {
    scope.onmessage = null;
    serve(e.data as WorkerInit);
  };
}
