/**
 * The layout of the control block (a SharedArrayBuffer) through which the main thread hands
 * kernel calls to workers and waits for them: no messages, no event loop, so the calling
 * thread can block on Atomics.wait and the public API stays synchronous.
 *
 * Int32 words: [DONE] workers finished in the current batch; then one slot per worker of
 * SLOT_WORDS words: [SEQ] bumped by main to post a call, [FN] export index (-1: exit),
 * [NARGS], [STATE] 0 starting / 1 ready / 2 failed, then NARGS float64 arguments.
 */
export const DONE = 0;
export const SLOT_WORDS = 64;
export const SLOT_BASE = 16;
export const SEQ = 0;
export const FN = 1;
export const NARGS = 2;
export const STATE = 3;
export const ARGS = 4; // int32 word offset of the float64 arguments (8-byte aligned: base is even)
export const MAX_ARGS = (SLOT_WORDS - ARGS) / 2;
export const MAX_WORKERS = 63;
export const CONTROL_BYTES = (SLOT_BASE + SLOT_WORDS * MAX_WORKERS) * 4;

export const STATE_STARTING = 0;
export const STATE_READY = 1;
export const STATE_FAILED = 2;

/** Int32 word index of worker `w`'s slot. */
export function slotBase(w: number): number {
  return SLOT_BASE + w * SLOT_WORDS;
}

/** What a worker needs to start: the compiled module, the shared heap, the control block. */
export interface WorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: SharedArrayBuffer;
  slot: number;
  names: string[];
}
