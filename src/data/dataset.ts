/**
 * Datasets: indexable collections of (image, label) examples, like torch.utils.data.Dataset.
 * Images are float32 [C, H, W] arrays; labels are class indices.
 */
import { Tensor } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';

export interface Example {
  /** Pixels, row-major [C, H, W]. */
  image: Float32Array;
  /** Class index. */
  label: number;
}

export interface Dataset {
  /** Number of examples. */
  readonly length: number;
  /** Shape of one image, [C, H, W]. */
  readonly imageShape: readonly [number, number, number];
  /** Example i, 0 <= i < length. */
  get(i: number): Example;
}

function checkIndex(i: number, length: number, where: string): void {
  if (!Number.isInteger(i) || i < 0 || i >= length) {
    throw new Error(`${where}.get: index ${i} is out of range for ${length} examples`);
  }
}

/**
 * Examples held as tensors: images [N, C, H, W] and labels (N class indices).
 * @example const ds = new TensorDataset(randn([8, 1, 28, 28]), [0, 1, 2, 3, 4, 5, 6, 7]);
 */
export class TensorDataset implements Dataset {
  readonly length: number;
  readonly imageShape: readonly [number, number, number];
  private readonly pixels: number;
  private readonly labels: Int32Array;

  constructor(readonly images: Tensor, labels: Tensor | ArrayLike<number>) {
    if (images.ndim !== 4) throw new Error(`TensorDataset: images must be 4-D [N, C, H, W], got shape ${formatShape(images.shape)}`);
    const [n, c, h, w] = images.shape as [number, number, number, number];
    const l = labels instanceof Tensor ? labels.data : labels;
    if (l.length !== n) throw new Error(`TensorDataset: ${n} images but ${l.length} labels`);
    this.labels = Int32Array.from(l as ArrayLike<number>);
    for (let i = 0; i < n; i++) {
      if (this.labels[i] !== (l as ArrayLike<number>)[i] || this.labels[i]! < 0) {
        throw new Error(`TensorDataset: label ${i} is ${(l as ArrayLike<number>)[i]}, expected a non-negative integer class index`);
      }
    }
    this.length = n;
    this.imageShape = [c, h, w];
    this.pixels = c * h * w;
  }

  get(i: number): Example {
    checkIndex(i, this.length, 'TensorDataset');
    return { image: this.images.data.slice(i * this.pixels, (i + 1) * this.pixels), label: this.labels[i]! };
  }
}

/**
 * uint8 images (as stored in IDX files) scaled to [0, 1] on access, like torchvision's ToTensor.
 * Keeps the compact bytes in memory (47 MB for Fashion-MNIST's 60000 training images).
 */
export class ByteImageDataset implements Dataset {
  readonly length: number;
  readonly imageShape: readonly [number, number, number];
  private readonly pixels: number;

  constructor(readonly bytes: Uint8Array, readonly labels: Uint8Array, shape: readonly [number, number, number], readonly name = 'ByteImageDataset') {
    this.pixels = shape[0] * shape[1] * shape[2];
    if (bytes.length !== labels.length * this.pixels) {
      throw new Error(`${name}: ${bytes.length} bytes do not hold ${labels.length} images of shape ${formatShape(shape)}`);
    }
    this.length = labels.length;
    this.imageShape = [...shape] as [number, number, number];
  }

  get(i: number): Example {
    checkIndex(i, this.length, this.name);
    const image = new Float32Array(this.pixels);
    const src = this.bytes, off = i * this.pixels;
    for (let k = 0; k < image.length; k++) image[k] = src[off + k]! / 255;
    return { image, label: this.labels[i]! };
  }

  /** The first n examples (or all when n >= length), sharing the bytes. */
  head(n: number): ByteImageDataset {
    if (n >= this.length) return this;
    return new ByteImageDataset(this.bytes.subarray(0, n * this.pixels), this.labels.subarray(0, n), this.imageShape, this.name);
  }
}

/** A view of some examples of another dataset, by index. @example new Subset(ds, [0, 5, 9]) */
export class Subset implements Dataset {
  readonly length: number;
  readonly imageShape: readonly [number, number, number];
  constructor(readonly dataset: Dataset, readonly indices: readonly number[]) {
    for (const i of indices) checkIndex(i, dataset.length, 'Subset');
    this.length = indices.length;
    this.imageShape = dataset.imageShape;
  }
  get(i: number): Example {
    checkIndex(i, this.length, 'Subset');
    return this.dataset.get(this.indices[i]!);
  }
}
