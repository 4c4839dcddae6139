/**
 * A first-fit allocator over the shared wasm memory, for both kinds of blocks the backend holds:
 * a kernel call's operands and scratch (freed when the call ends, see arena.ts) and tensors
 * kept resident between calls (freed when their views are collected, see resident.ts).
 *
 * Every block has GUARD readable bytes before and after it: kernels load whole vectors at a
 * row's borders and mask the lanes outside — the conv packing (assembly/conv-pack.ts) up to
 * NR - 1 = 7 floats before or after x, the direct small-layer kernels a row's last 4-float vector.
 * So no caller allocates slack of its own, and a resident tensor read in place is safe too.
 */
const PAGE = 65536;
/** Block alignment and guard: a cache line, so vectors never straddle one needlessly. */
export const GUARD = 64;
/** The most a growth adds beyond what an allocation needs. */
const MAX_GROW_STEP = 64 << 20;

interface Span { start: number; size: number }

export class Heap {
  /** Free spans, sorted by address, never adjacent (freeing merges neighbours). */
  private readonly free: Span[] = [];
  /** Size of each allocated block, by its start. */
  private readonly sizes = new Map<number, number>();
  /** End of the managed region (the memory's size when it last grew). */
  private end: number;

  constructor(readonly memory: WebAssembly.Memory, base: number) {
    const start = Math.ceil(base / GUARD) * GUARD + GUARD;
    this.end = memory.buffer.byteLength;
    if (this.end > start) this.free.push({ start, size: this.end - start });
    else this.end = start;
  }

  /** Reserve `bytes` (GUARD-aligned, guarded); returns the byte offset. */
  alloc(bytes: number): number {
    const size = Math.ceil(Math.max(bytes, 1) / GUARD) * GUARD + GUARD; // + the tail guard
    let i = this.free.findIndex((s) => s.size >= size);
    if (i < 0) i = this.grow(size);
    const span = this.free[i]!;
    const p = span.start;
    if (span.size === size) this.free.splice(i, 1);
    else { span.start += size; span.size -= size; }
    this.sizes.set(p, size);
    return p;
  }

  /** Return a block `alloc` gave. */
  release(p: number): void {
    const size = this.sizes.get(p);
    if (size === undefined) throw new Error(`wasm heap: no block at ${p} to release`);
    this.sizes.delete(p);
    // The first free span after p; merge with it and with the one before where they touch.
    let i = 0, hi = this.free.length;
    while (i < hi) {
      const mid = (i + hi) >> 1;
      if (this.free[mid]!.start < p) i = mid + 1;
      else hi = mid;
    }
    const before = this.free[i - 1], after = this.free[i];
    if (before && before.start + before.size === p) {
      before.size += size;
      if (after && p + size === after.start) { before.size += after.size; this.free.splice(i, 1); }
    } else if (after && p + size === after.start) {
      after.start = p;
      after.size += size;
    } else {
      this.free.splice(i, 0, { start: p, size });
    }
  }

  /** Grow the memory so that a free span at the end holds `size` bytes; returns its index. */
  private grow(size: number): number {
    const last = this.free[this.free.length - 1];
    const tail = last && last.start + last.size === this.end ? last : null;
    const need = size - (tail ? tail.size : 0);
    // Geometric steps: growing a shared memory interrupts every thread using it (a few hundred
    // microseconds each time here), and resident results fill fresh memory until a collection.
    const pages = Math.max(Math.ceil(need / PAGE), Math.ceil(Math.min(this.end / 4, MAX_GROW_STEP) / PAGE));
    try {
      this.memory.grow(pages);
    } catch (e) {
      throw new Error(`wasm backend: cannot grow memory by ${pages * PAGE} bytes for a kernel call (${(e as Error).message})`);
    }
    const added = this.memory.buffer.byteLength - this.end;
    this.end += added;
    if (tail) tail.size += added;
    else this.free.push({ start: this.end - added, size: added });
    return this.free.length - 1;
  }
}
