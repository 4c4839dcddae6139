/**
 * Streaming a kernel call whose work is a run of independent items (the depthwise planes), each
 * read from its own block of the input and written to its own block of the result. The workers
 * start at once; this thread copies the items in, raising a count the kernel waits on, then
 * alternates between copying finished units out and computing units itself, one per kernel
 * call. Copies overlap the compute without a barrier per stage (the pipelined stages of
 * batch-pipeline.ts cost a wake-up and a barrier each, too much for calls of a few hundred
 * microseconds).
 */
import type { Runtime } from './runtime.js';

export interface Stream {
  /**
   * The kernel and its per-thread arguments: parts[0] is this thread's (its call takes one
   * unit), the others the workers'. The kernel's protocol: assembly/depthwise.ts awaitPlanes.
   */
  readonly kernel: [string, number[][]];
  /** Items, taken `unit` at a time. */
  readonly items: number;
  readonly unit: number;
  /** Byte offsets of the count of items copied in (an i32) and the done flags (one zeroed i32 per unit). */
  readonly readyAt: number;
  readonly doneAt: number;
  /** Copy items [a, z) in; copy their results out. */
  copyIn(a: number, z: number): void;
  copyOut(a: number, z: number): void;
}

/** A worker that has not finished a unit in this long is checked on (it may have failed). */
const CHECK_MS = 20;
/** Spin this long for a unit before sleeping: waking from Atomics.wait takes tens of microseconds. */
const SPIN_MS = 0.2;

/** Wait for done flag i to be set; false if it was not within CHECK_MS. */
function awaitFlag(i32: Int32Array, i: number): boolean {
  const spinUntil = performance.now() + SPIN_MS;
  while (performance.now() < spinUntil) if (Atomics.load(i32, i) === 1) return true;
  return Atomics.wait(i32, i, 0, CHECK_MS) !== 'timed-out';
}

/** Run a streamed call; returns the milliseconds this thread spent copying (with timing on). */
export function runStream(r: Runtime, s: Stream, timing: boolean): number {
  const i32 = new Int32Array(r.memory.buffer);
  const [name, parts] = s.kernel;
  const kernel = r.exports[name]!, own = parts[0]!;
  const units = Math.ceil(s.items / s.unit);
  const first = (u: number): number => u * s.unit;
  const last = (u: number): number => Math.min(s.items, (u + 1) * s.unit);
  let copyMs = 0;
  const t0 = timing ? performance.now() : 0;
  const started = r.pool.start(name, parts);
  const flags = s.doneAt >> 2;
  let out = 0;
  try {
    for (let u = 0; u < units; u++) {
      s.copyIn(first(u), last(u));
      Atomics.store(i32, s.readyAt >> 2, last(u));
    }
    if (timing) copyMs += performance.now() - t0;
    let claimedAll = false;
    while (out < units) {
      if (Atomics.load(i32, flags + out) === 1) {
        const t = timing ? performance.now() : 0;
        s.copyOut(first(out), last(out));
        out++;
        if (timing) copyMs += performance.now() - t;
      } else if (!claimedAll) {
        claimedAll = kernel(...own) === 0;
      } else if (!awaitFlag(i32, flags + out) && r.pool.finished(started)) {
        break; // every worker returned and the unit is not done: one failed (join reports it)
      }
    }
  } finally {
    // Also when this thread failed: release workers waiting for items (their results are then
    // never read) and wait for them, before the arena is reused.
    Atomics.store(i32, s.readyAt >> 2, s.items);
    r.pool.join(started, false);
  }
  if (out < units) throw new Error(`wasm stream: '${name}' left unit ${out} of ${units} unfinished`);
  return copyMs;
}
