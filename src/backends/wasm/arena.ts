/**
 * A kernel call's memory: operands, result and per-thread scratch are blocks of the wasm heap
 * (heap.ts), all returned when the call ends (`reset`) except a result kept resident (`take`).
 * Resident arrays (resident.ts) are read in place: `put` of one copies nothing.
 */
import { Heap } from './heap.js';
import { Residency } from './resident.js';

/** Node's Buffer, where there is one (not in a browser). */
const NodeBuffer = (globalThis as { Buffer?: { allocUnsafeSlow(bytes: number): Uint8Array } }).Buffer;

/**
 * A Float32Array of `length` whose contents are about to be overwritten in full. In Node its
 * memory is not zeroed first (Buffer.allocUnsafeSlow: an unpooled ArrayBuffer of its own), which
 * saves a pass over it: for a 51 MB result, copy-out took ~4.8 ms zeroed and ~2.8 ms not.
 */
export function uninitializedFloat32(length: number): Float32Array {
  if (!NodeBuffer || length < 1024) return new Float32Array(length);
  const bytes = NodeBuffer.allocUnsafeSlow(length * 4);
  return new Float32Array(bytes.buffer, bytes.byteOffset, length);
}

/**
 * Resident blocks newly held between collections (Node) may grow to this; where no collection
 * can be asked for (a browser), resident blocks may hold this much before results are copied out.
 */
const DEFAULT_RESIDENT_BUDGET = 1 << 30;

/**
 * Whether calls verify that kernels left resident operands unchanged (checkResidentInputs; the
 * test suite sets DNNKIT_CHECK_RESIDENT=1 for every test).
 */
let checkInputs = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.['DNNKIT_CHECK_RESIDENT'] === '1';

/**
 * Tests: verify after every call that the kernels did not write to the resident arrays they
 * read in place (they used to get copies, which some could have used as scratch).
 */
export function checkResidentInputs(on: boolean): boolean {
  const was = checkInputs;
  checkInputs = on;
  return was;
}

export class Arena {
  readonly heap: Heap;
  readonly residency: Residency;
  /** Blocks of the current call, returned at reset. */
  private blocks: number[] = [];
  /** Blocks whose result `take` will keep resident (reserved by `keepsResult`). */
  private reserved = new Set<number>();
  /** Copies of resident operands, to compare at reset (with checkResidentInputs). */
  private checked: Array<[Float32Array, Float32Array]> = [];
  private f32: Float32Array;

  constructor(readonly memory: WebAssembly.Memory, base: number) {
    this.heap = new Heap(memory, base);
    this.residency = new Residency(memory, (p) => this.heap.release(p), DEFAULT_RESIDENT_BUDGET);
    this.f32 = new Float32Array(memory.buffer);
  }

  /** Reserve `bytes` (64-byte aligned, with readable guards either side) for this call; returns the byte offset. */
  alloc(bytes: number): number {
    const p = this.heap.alloc(bytes);
    this.blocks.push(p);
    return p;
  }

  /** `src` in wasm memory: its own place if resident, else a copy in a fresh block; returns the byte offset. */
  put(src: Float32Array | Int32Array): number {
    if (src instanceof Int32Array) {
      const p = this.alloc(src.byteLength);
      new Int32Array(this.memory.buffer, p, src.length).set(src);
      return p;
    }
    const { at, resident } = this.place(src);
    if (!resident) this.view().set(src, at >> 2);
    return at;
  }

  /**
   * Where operand `src` is for this call: its own place if it is resident (kernels read it in
   * place), else a fresh block the caller copies it into — at once (put) or by parts (pipelined
   * and streamed calls).
   */
  place(src: Float32Array): { at: number; resident: boolean } {
    if (!this.residency.holds(src)) return { at: this.alloc(src.byteLength), resident: false };
    if (checkInputs) this.checked.push([src, Float32Array.prototype.slice.call(src) as Float32Array]);
    return { at: src.byteOffset, resident: true };
  }

  /**
   * Whether the result in block p, of `length` floats, will be kept resident by `take` (then
   * callers that copy results out by parts skip those copies). Decided now, where there is room.
   */
  keepsResult(p: number, length: number): boolean {
    if (this.reserved.has(p)) return true;
    if (!this.blocks.includes(p) || !this.residency.admits(length * 4)) return false;
    this.reserved.add(p);
    return true;
  }

  /**
   * The result: `length` floats at byte offset p. The block itself, resident, when it is a block
   * of this call and there is room (keepsResult); otherwise a copy in a new (unshared) array.
   */
  take(p: number, length: number): Float32Array {
    if (this.keepsResult(p, length)) {
      this.reserved.delete(p);
      this.blocks.splice(this.blocks.indexOf(p), 1);
      return this.residency.view(p, length * 4, length);
    }
    // set() from a subarray is a memcpy.
    const out = uninitializedFloat32(length);
    out.set(this.view().subarray(p >> 2, (p >> 2) + length));
    return out;
  }

  /** Copy `length` int32s at byte offset p out into a new (unshared) Int32Array. */
  takeInt32(p: number, length: number): Int32Array {
    const out = new Int32Array(length);
    out.set(new Int32Array(this.memory.buffer, p, length));
    return out;
  }

  /** A Float32Array over the whole memory, refreshed after the memory grew. */
  view(): Float32Array {
    if (this.f32.buffer.byteLength !== this.memory.buffer.byteLength) this.f32 = new Float32Array(this.memory.buffer);
    return this.f32;
  }

  /** Return every block of this call (results kept resident excepted). */
  reset(): void {
    for (const p of this.blocks) this.heap.release(p);
    this.blocks = [];
    this.reserved.clear();
    if (this.checked.length > 0) {
      const checked = this.checked;
      this.checked = [];
      for (const [a, before] of checked) {
        for (let i = 0; i < a.length; i++) {
          if (!Object.is(a[i], before[i])) throw new Error(`wasm backend: a kernel wrote to a resident operand (element ${i} of ${a.length}: ${before[i]} -> ${a[i]})`);
        }
      }
    }
    this.residency.sweep();
  }
}
