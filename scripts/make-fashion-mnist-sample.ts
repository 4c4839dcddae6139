/**
 * Build data/fashion-mnist-sample/ from the full Fashion-MNIST IDX files (Debian package
 * dataset-fashion-mnist, or any folder given as the first argument): the first 500 train and
 * the first 100 test images of each class, in file order, as gzip IDX files with the standard
 * names. This small sample is committed so `dnnkit train` works on a machine with nothing else.
 *
 *   npx tsx scripts/make-fashion-mnist-sample.ts [/usr/share/datasets/fashion-mnist] [data/fashion-mnist-sample]
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { readIdxImagesAndLabels, writeIdx } from '../src/data/idx.js';

const source = process.argv[2] ?? '/usr/share/datasets/fashion-mnist';
const target = process.argv[3] ?? 'data/fashion-mnist-sample';
const perClass = { train: 500, t10k: 100 };

mkdirSync(target, { recursive: true });
for (const split of ['train', 't10k'] as const) {
  const src = readIdxImagesAndLabels(join(source, `${split}-images-idx3-ubyte.gz`), join(source, `${split}-labels-idx1-ubyte.gz`));
  const taken = new Array<number>(10).fill(0);
  const keep: number[] = [];
  for (let i = 0; i < src.count; i++) {
    const y = src.labels[i]!;
    if (taken[y]! < perClass[split]) { taken[y]!++; keep.push(i); }
  }
  const pixels = src.height * src.width;
  const images = new Uint8Array(keep.length * pixels);
  const labels = new Uint8Array(keep.length);
  keep.forEach((i, k) => {
    images.set(src.images.subarray(i * pixels, (i + 1) * pixels), k * pixels);
    labels[k] = src.labels[i]!;
  });
  writeIdx(join(target, `${split}-images-idx3-ubyte.gz`), { dtype: 'uint8', shape: [keep.length, src.height, src.width], data: images });
  writeIdx(join(target, `${split}-labels-idx1-ubyte.gz`), { dtype: 'uint8', shape: [keep.length], data: labels });
  console.log(`${split}: ${keep.length} images (${taken.join(' ')} per class)`);
}
