/**
 * DataLoader: batches of a Dataset as tensors, with seeded shuffling and augmentation.
 *
 * Randomness is derived, not streamed: the order of epoch e comes from a generator seeded with
 * hash(seed, e), and the augmentation of batch b of epoch e from hash(seed, e, b). So any batch
 * of any epoch can be produced again on its own — which is what makes a killed training run
 * resumable mid-epoch with bitwise-identical results, and independent of the global generator
 * (model init and dropout draw from that one).
 */
import { Tensor } from '../tensor/tensor.js';
import { newStorage } from '../tensor/storage.js';
import { Generator } from '../tensor/random.js';
import type { Dataset } from './dataset.js';
import type { Transform } from './transforms.js';

export interface DataLoaderOptions {
  /** Examples per batch (default 1). */
  batchSize?: number;
  /** A new random order every epoch (default false: dataset order). */
  shuffle?: boolean;
  /** Drop the last batch if it is smaller than batchSize (default false). */
  dropLast?: boolean;
  /** Seed of the shuffling and augmentation streams (default 0). */
  seed?: number;
  /** Alternatively, draw the seed from this generator (once, at construction). */
  generator?: Generator;
  /** Applied to each example's image (augmentation, normalisation). */
  transform?: Transform;
}

export interface Batch {
  /** Images [B, C, H, W]. */
  x: Tensor;
  /** Class indices as a float32 tensor [B] (the form F.crossEntropy takes). */
  y: Tensor;
  /** The same class indices as integers. */
  labels: Int32Array;
  /** Dataset indices of the examples, in batch order. */
  indices: Int32Array;
  /** Which batch of the epoch this is (0-based). */
  batch: number;
  /** Which epoch (0-based). */
  epoch: number;
}

/** A 32-bit hash of a few integers (murmur3 finaliser over a running mix). */
export function hashSeed(...values: number[]): number {
  let h = 0x811c9dc5;
  for (const v of values) {
    h = Math.imul(h ^ (v >>> 0), 0x01000193);
    h ^= h >>> 15; h = Math.imul(h, 0x2c1b3c6d);
    h ^= h >>> 12; h = Math.imul(h, 0x297a2d39);
    h ^= h >>> 15;
  }
  return h >>> 0;
}

/**
 * @example
 * const loader = new DataLoader(train, { batchSize: 64, shuffle: true, seed: 1, transform: normalize(0.286, 0.353) });
 * for (const { x, y } of loader) { ... }           // one epoch; the next loop reshuffles
 * for (const b of loader.epoch(3, 100)) { ... }   // epoch 3 from batch 100 (resuming)
 */
export class DataLoader implements Iterable<Batch> {
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  readonly seed: number;
  readonly transform: Transform | undefined;
  /** The epoch the next `for ... of` iterates; advances after each complete pass. */
  nextEpoch = 0;

  constructor(readonly dataset: Dataset, options: DataLoaderOptions = {}) {
    const { batchSize = 1, shuffle = false, dropLast = false } = options;
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new Error(`DataLoader: batchSize must be a positive integer, got ${batchSize}`);
    }
    if (options.seed !== undefined && !Number.isInteger(options.seed)) {
      throw new Error(`DataLoader: seed must be an integer, got ${options.seed}`);
    }
    this.batchSize = batchSize;
    this.shuffle = shuffle;
    this.dropLast = dropLast;
    this.seed = options.seed ?? (options.generator ? options.generator.nextUint32() : 0);
    this.transform = options.transform;
  }

  /** Batches per epoch. */
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** The dataset indices in the order epoch `epoch` visits them (Fisher-Yates when shuffling). */
  order(epoch: number): Int32Array {
    const n = this.dataset.length;
    const idx = new Int32Array(n);
    for (let i = 0; i < n; i++) idx[i] = i;
    if (this.shuffle) {
      const g = new Generator(hashSeed(this.seed, epoch, 0x5eed));
      for (let i = n - 1; i > 0; i--) {
        const j = g.int(i + 1);
        const t = idx[i]!; idx[i] = idx[j]!; idx[j] = t;
      }
    }
    return idx;
  }

  /** The batches of one epoch, starting at batch `start` (to resume mid-epoch). */
  *epoch(epoch: number, start = 0): Generator_<Batch> {
    if (!Number.isInteger(epoch) || epoch < 0) throw new Error(`DataLoader.epoch: epoch must be a non-negative integer, got ${epoch}`);
    if (!Number.isInteger(start) || start < 0 || start > this.length) {
      throw new Error(`DataLoader.epoch: start batch must be an integer from 0 to ${this.length}, got ${start}`);
    }
    const order = this.order(epoch);
    for (let b = start; b < this.length; b++) {
      yield this.makeBatch(order.subarray(b * this.batchSize, Math.min(order.length, (b + 1) * this.batchSize)), epoch, b);
    }
  }

  [Symbol.iterator](): Iterator<Batch> {
    const e = this.nextEpoch;
    const self = this;
    return (function* () {
      yield* self.epoch(e);
      self.nextEpoch = e + 1;
    })();
  }

  private makeBatch(indices: Int32Array, epoch: number, batch: number): Batch {
    const [c, h, w] = this.dataset.imageShape;
    const pixels = c * h * w;
    const x = newStorage(indices.length * pixels);
    const labels = new Int32Array(indices.length);
    const rng = this.transform ? new Generator(hashSeed(this.seed, epoch, batch, 0xa06)) : undefined;
    indices.forEach((i, k) => {
      const ex = this.dataset.get(i);
      let image = ex.image;
      if (this.transform) image = this.transform(image, this.dataset.imageShape, rng!);
      if (image.length !== pixels) {
        throw new Error(`DataLoader: example ${i} has ${image.length} pixels after the transform, expected ${pixels} (${c}x${h}x${w})`);
      }
      x.set(image, k * pixels);
      labels[k] = ex.label;
    });
    return {
      x: new Tensor(x, [indices.length, c, h, w]),
      y: new Tensor(Float32Array.from(labels), [indices.length]),
      labels,
      indices: Int32Array.from(indices),
      batch,
      epoch,
    };
  }
}

// The built-in generator type, renamed so it does not clash with our random Generator class.
type Generator_<T> = globalThis.Generator<T, void, unknown>;
