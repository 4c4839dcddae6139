/**
 * A grow-only bump allocator over the shared wasm memory.
 *
 * Each kernel call allocates its operands, result and per-thread scratch, runs, copies the
 * result out and releases everything with `reset`. The memory grows to the largest call seen
 * and is then reused, so repeated calls of one shape never grow it (a wasm memory cannot
 * shrink; the peak is the price).
 */
const PAGE = 65536;
const ALIGN = 64; // a cache line: vectors never straddle one needlessly

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

export class Arena {
  private top: number;
  private f32: Float32Array;

  constructor(readonly memory: WebAssembly.Memory, readonly base: number) {
    this.top = base;
    this.f32 = new Float32Array(memory.buffer);
  }

  /** Reserve `bytes` (64-byte aligned) and return the byte offset. */
  alloc(bytes: number): number {
    const p = Math.ceil(this.top / ALIGN) * ALIGN;
    const end = p + bytes;
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      const pages = Math.ceil((end - have) / PAGE);
      try {
        this.memory.grow(pages);
      } catch (e) {
        throw new Error(`wasm backend: cannot grow memory to ${end} bytes for a kernel call (${(e as Error).message})`);
      }
    }
    this.top = end;
    return p;
  }

  /** Copy `src` into a fresh allocation; returns its byte offset. */
  put(src: Float32Array | Int32Array): number {
    const p = this.alloc(src.byteLength);
    if (src instanceof Float32Array) this.view().set(src, p >> 2);
    else new Int32Array(this.memory.buffer, p, src.length).set(src);
    return p;
  }

  /** Copy `length` floats at byte offset p out into a new (unshared) Float32Array. */
  take(p: number, length: number): Float32Array {
    // set() from a subarray is a memcpy; slice() on a shared buffer copies element by element
    // (measured ~90x slower in Node 20).
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

  /** Release every allocation made since construction. */
  reset(): void {
    this.top = this.base;
  }

  /** Bytes the memory holds now (its high-water mark). */
  get capacity(): number {
    return this.memory.buffer.byteLength;
  }
}
