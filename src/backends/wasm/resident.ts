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
 * backend runs a collection and the finalizers itself once COLLECT_EVERY more bytes are held than
 * after the last one (V8's `gc` and `FinalizationRegistry.prototype.cleanupSome`, switched on at
 * run time). Where those are unavailable (a browser) and the budget is spent, results are copied
 * out as before: memory stays bounded whatever the program does.
 *
 * One hazard is not covered: a view built on the array's `buffer` by hand
 * (`new Float32Array(t.data.buffer, ...)`) does not keep the block alive. `subarray` does.
 */
import { nodeModule } from './node.js';

/** A resident block: the views holding it, its accounting, and what to do when the last view is collected. */
interface Region { holders: number; readonly owner: Residency; readonly release: () => void }

/** Set while ResidentFloat32Array.subarray builds its view, so the constructor can register it. */
let subarrayOf: Region | null = null;

/**
 * Resident bytes allocated between two collections, at first. A collection costs ~5-50 ms (a full
 * V8 collection; more with a larger JS heap); a fresh 4 KB page's first touch ~12 us here, so
 * the memory the blocks between two collections take is expensive the first time round: 64 MB
 * collected too often (default training step 46 vs 30 ms), and letting the spacing grow to 1 GB
 * page-faulted through the bench's cells (AlexNet conv1 N=32 data gradient 52 vs 77 GFLOP/s).
 */
const COLLECT_EVERY = 256 << 20;
/** Collections may take this share of the time between them before they are spaced out (doubling). */
const COLLECT_SHARE = 0.1;

/** Results and tensors smaller than this are plain arrays: a copy of them costs less than tracking. */
const MIN_RESIDENT_BYTES = 256 << 10;

type Registry = FinalizationRegistry<Region> & { cleanupSome?: () => void };

interface Collector { registry: Registry; gc: (() => void) | null }

/**
 * The finalization registry, with `cleanupSome` and a `gc` where Node can enable them: V8 flags
 * set at run time apply to contexts created afterwards, so both come from a fresh vm context
 * (objects of one isolate may be registered across contexts).
 */
function makeCollector(): Collector {
  const release = (r: Region): void => {
    if (--r.holders === 0) r.release();
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

  /** @internal The accounting of the block this view holds (null for a plain-memory copy made by slice or map). */
  static ownerOf(view: ResidentFloat32Array): Residency | null {
    return view.#region?.owner ?? null;
  }
}

function hold(view: ResidentFloat32Array, region: Region): void {
  region.holders++;
  ResidentFloat32Array.attach(view, region);
  getCollector().registry.register(view, region);
}

/**
 * The resident blocks' accounting: bytes held by live views, when to ask for a collection
 * (Node), and the budget: the most bytes newly held between collections, or, where none can be
 * asked for, the most held before results are copied out.
 */
export class Residency {
  private held = 0;
  /** Bytes held right after the last collection. */
  private heldAfterCollect = 0;
  /** Bytes newly held between collections (see admits), and when the last one ended. */
  collectEvery = COLLECT_EVERY;
  /** Whether admits() may ask for collections where the engine allows (tests turn it off to act as a browser). */
  collecting = true;
  private lastCollect = performance.now();

  constructor(private readonly memory: WebAssembly.Memory, private readonly free: (p: number) => void, public budget: number) {}

  /** Bytes in resident blocks whose views may still be alive. */
  get heldBytes(): number {
    return this.held;
  }

  /** Whether kernels read `a` in place: a resident array of this memory. */
  holds(a: ArrayBufferView): a is ResidentFloat32Array {
    return a instanceof ResidentFloat32Array && ResidentFloat32Array.ownerOf(a) === this;
  }

  /**
   * Whether a block of `bytes` may become resident now: not below MIN_RESIDENT_BYTES, and where
   * the engine lets us (Node), after a collection whenever `collectEvery` more bytes are held
   * than after the last one, so that results that died are reused before fresh memory is touched
   * (a first touch page-faults: ~3 ms per 0.8 MB result here, more than the kernel). When
   * collections take more than COLLECT_SHARE of the time between them, `collectEvery` doubles
   * (up to the budget). Elsewhere finalizers run between tasks, and past the budget results are
   * copied out.
   */
  admits(bytes: number): boolean {
    if (bytes < MIN_RESIDENT_BYTES) return false;
    const collecting = this.collecting && this.canCollect();
    // (One block larger than collectEvery is let in: the collection before it freed what it could.)
    const limit = collecting ? this.heldAfterCollect + Math.max(this.collectEvery, bytes) : this.budget;
    if (this.held + bytes <= limit) return true;
    this.sweep();
    if (this.held + bytes <= limit) return true;
    if (!collecting) return false;
    const t0 = performance.now();
    this.collect();
    const t1 = performance.now();
    if (t1 - t0 > COLLECT_SHARE * (t0 - this.lastCollect)) this.collectEvery = Math.min(this.budget, 2 * this.collectEvery);
    this.lastCollect = t1;
    this.heldAfterCollect = this.held;
    return true;
  }

  /** Make block p (of `bytes`) resident: a view of its first `length` floats that frees it when collected. */
  view(p: number, bytes: number, length: number): ResidentFloat32Array {
    const view = new ResidentFloat32Array(this.memory.buffer, p, length);
    this.held += bytes;
    hold(view, { holders: 0, owner: this, release: () => { this.held -= bytes; this.free(p); } });
    return view;
  }

  /** Whether this engine lets the backend run a collection and the finalizers now (Node). */
  private canCollect(): boolean {
    const c = getCollector();
    return c.gc !== null && c.registry.cleanupSome !== undefined;
  }

  /** Collect now and run the finalizers; false where the engine gives no way to. */
  collect(): boolean {
    if (!this.canCollect()) return false;
    const c = getCollector();
    c.gc!();
    c.registry.cleanupSome!();
    return true;
  }

  /** Run finalizers that are due (cheap when none are). */
  sweep(): void {
    getCollector().registry.cleanupSome?.();
  }
}
