/**
 * Tensors resident in wasm memory: a kernel's result stays where the kernel wrote it, and the
 * next kernel reads it there. Without this every call copied its operands in and its result out
 * on the calling thread, while the workers waited: for ResNet-50's 1x1 layer at N=32, 128 MB per
 * call, a fifth of its time.
 *
 * A resident array is a ResidentFloat32Array: a Float32Array over the shared memory, so user
 * code reads and writes it like any other. Its block is returned to the heap when the array
 * and every subarray of it have been collected (a FinalizationRegistry: users never dispose
 * anything). Finalizers run between tasks, never inside a synchronous loop, so in Node the
 * backend asks V8 for a collection and the finalizers when resident blocks pass a budget
 * (V8's `gc` and `FinalizationRegistry.prototype.cleanupSome`, switched on at run time). Where
 * those are unavailable (a browser) and the budget is spent, results are copied out as before:
 * memory stays bounded whatever the program does.
 *
 * One hazard is not covered: a view built on the array's `buffer` by hand
 * (`new Float32Array(t.data.buffer, ...)`) does not keep the block alive. `subarray` does.
 */
import { nodeModule } from './node.js';

/** A resident block: the views holding it, and what to do when the last one is collected. */
interface Region { readonly p: number; readonly bytes: number; holders: number; readonly release: (p: number) => void }

/** Set while ResidentFloat32Array.subarray builds its view, so the constructor can register it. */
let subarrayOf: Region | null = null;

/** Results and tensors smaller than this are plain arrays: a copy of them costs less than tracking. */
export const MIN_RESIDENT_BYTES = 16 << 10;

type Registry = FinalizationRegistry<Region> & { cleanupSome?: () => void };

interface Collector { registry: Registry; gc: (() => void) | null }

/**
 * The finalization registry, with `cleanupSome` and a `gc` where Node can enable them: V8 flags
 * set at run time apply to contexts created afterwards, so both come from a fresh vm context
 * (objects of one isolate may be registered across contexts).
 */
function makeCollector(): Collector {
  const release = (r: Region): void => {
    if (--r.holders === 0) r.release(r.p);
  };
  const v8 = nodeModule<{ setFlagsFromString(flags: string): void }>('node:v8');
  const vm = nodeModule<{ runInNewContext(code: string): unknown }>('node:vm');
  if (v8 && vm) {
    try {
      v8.setFlagsFromString('--expose-gc');
      v8.setFlagsFromString('--harmony-weak-refs-with-cleanup-some');
      const [FR, gc] = vm.runInNewContext('[FinalizationRegistry, typeof gc === "function" ? gc : null]') as
        [typeof FinalizationRegistry, (() => void) | null];
      return { registry: new FR<Region>(release) as Registry, gc };
    } catch {
      // fall through: plain finalizers
    }
  }
  return { registry: new FinalizationRegistry<Region>(release) as Registry, gc: null };
}

let collector: Collector | null = null;
function getCollector(): Collector {
  return (collector ??= makeCollector());
}

/** A Float32Array whose elements live in a resident block of the wasm memory. */
export class ResidentFloat32Array extends Float32Array {
  #region: Region | null = null;

  // Species constructor too: subarray() builds its view through it (see subarray below); slice()
  // and map() build plain-memory copies (a length argument), which hold nothing.
  constructor(...args: [ArrayBufferLike, number, number] | [number]) {
    super(...(args as [ArrayBuffer, number, number]));
    if (subarrayOf) hold(this, subarrayOf);
  }

  /** A view of part of this array; it keeps the whole block alive. */
  override subarray(begin?: number, end?: number): ResidentFloat32Array {
    subarrayOf = this.#region;
    try {
      return super.subarray(begin, end) as ResidentFloat32Array;
    } finally {
      subarrayOf = null;
    }
  }

  /** @internal Attach the block this view holds. */
  static attach(view: ResidentFloat32Array, region: Region): void {
    view.#region = region;
  }
}

function hold(view: ResidentFloat32Array, region: Region): void {
  region.holders++;
  ResidentFloat32Array.attach(view, region);
  getCollector().registry.register(view, region);
}

/** Whether `a` is read in place by the kernels (a resident array of the current memory). */
export function isResident(a: ArrayBufferView, memory: WebAssembly.Memory): a is ResidentFloat32Array {
  return a instanceof ResidentFloat32Array && a.buffer.byteLength <= memory.buffer.byteLength && sameMemory(a.buffer, memory);
}

/** Shared buffers of one memory are distinct objects after each grow; their bytes are the same. */
function sameMemory(buffer: ArrayBufferLike, memory: WebAssembly.Memory): boolean {
  return buffer === memory.buffer || knownBuffers.has(buffer);
}
const knownBuffers = new WeakSet<ArrayBufferLike>();

/**
 * The resident blocks' accounting: bytes held by live views, and the budget past which the
 * backend collects (where it can) or copies results out.
 */
export class Residency {
  private held = 0;
  /** Bytes held right after the last forced collection: collecting again before much more is held would find little. */
  private heldAfterCollect = 0;
  collections = 0;

  constructor(private readonly memory: WebAssembly.Memory, private readonly free: (p: number) => void, public budget: number) {}

  /** Bytes in resident blocks whose views may still be alive. */
  get heldBytes(): number {
    return this.held;
  }

  /**
   * Whether `bytes` more may become resident now. Runs pending finalizers first, and when that
   * is not enough, a collection (at most once per budget/4 bytes newly held).
   */
  room(bytes: number): boolean {
    if (this.held + bytes <= this.budget) return true;
    const c = getCollector();
    c.registry.cleanupSome?.();
    if (this.held + bytes <= this.budget) return true;
    if (c.gc && c.registry.cleanupSome && this.held - this.heldAfterCollect >= this.budget / 4) {
      c.gc();
      c.registry.cleanupSome();
      this.collections++;
      this.heldAfterCollect = this.held;
    }
    return this.held + bytes <= this.budget;
  }

  /** Make block p (of `bytes`) resident: a view of its first `length` floats that frees it when collected. */
  view(p: number, bytes: number, length: number): ResidentFloat32Array {
    knownBuffers.add(this.memory.buffer);
    const view = new ResidentFloat32Array(this.memory.buffer, p, length);
    this.held += bytes;
    hold(view, { p, bytes, holders: 0, release: (q) => { this.held -= bytes; this.free(q); } });
    return view;
  }

  /** Collect now and run the finalizers; false where the engine gives no way to (tests). */
  collect(): boolean {
    const c = getCollector();
    if (!c.gc || !c.registry.cleanupSome) return false;
    c.gc();
    c.registry.cleanupSome();
    return true;
  }

  /** Run finalizers that are due (cheap when none are). */
  sweep(): void {
    getCollector().registry.cleanupSome?.();
  }
}
