/**
 * Fashion-MNIST and MNIST: any folder holding the four standard IDX files
 * (train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte,
 * t10k-labels-idx1-ubyte; each optionally .gz).
 *
 * Where the files are looked for, in order: `dir` (the CLI's --data), $DNNKIT_DATA, Debian's
 * package dataset-fashion-mnist (/usr/share/datasets/fashion-mnist), then the small sample
 * committed with dnnkit (data/fashion-mnist-sample, 5000 train + 1000 test images), so
 * training works on a fresh machine with nothing downloaded. The result says which was used.
 */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readIdxImagesAndLabels } from './idx.js';
import { ByteImageDataset } from './dataset.js';

export type DatasetName = 'fashion-mnist' | 'mnist';

export const DATASET_NAMES: readonly DatasetName[] = ['fashion-mnist', 'mnist'];

export const FASHION_MNIST_CLASSES = [
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat',
  'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
] as const;

export const MNIST_CLASSES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] as const;

/** Mean and standard deviation of the [0, 1]-scaled training pixels (for normalize()). */
export const PIXEL_STATS: Record<DatasetName, { mean: number; std: number }> = {
  'fashion-mnist': { mean: 0.2860, std: 0.3530 },
  mnist: { mean: 0.1307, std: 0.3081 },
};

export function classNames(name: DatasetName): readonly string[] {
  return name === 'mnist' ? MNIST_CLASSES : FASHION_MNIST_CLASSES;
}

const FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

/** The directory of the committed sample, found relative to this module (src/ or dist/src/). */
export function sampleDir(): string {
  let dir = fileURLToPath(new URL('.', import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'data', 'fashion-mnist-sample');
    if (existsSync(candidate)) return candidate;
    dir = resolve(dir, '..');
  }
  return resolve('data', 'fashion-mnist-sample');
}

/** The path of a standard file in dir (plain or .gz), or null. */
function findFile(dir: string, base: string): string | null {
  for (const name of [base, `${base}.gz`]) {
    const p = join(dir, name);
    if (existsSync(p)) return p;
  }
  return null;
}

export interface DataSource {
  dir: string;
  /** How it was found: '--data', '$DNNKIT_DATA', 'debian', 'sample'. */
  origin: 'argument' | 'env' | 'debian' | 'sample';
  description: string;
}

/**
 * Decide where the dataset comes from. An explicitly given folder must hold the files (no
 * silent fallback when the user named one).
 */
export function locateDataset(name: DatasetName = 'fashion-mnist', dir?: string, env: NodeJS.ProcessEnv = process.env): DataSource {
  const complete = (d: string): boolean => Object.values(FILES).every((f) => findFile(d, f) !== null);
  const missing = (d: string): string => Object.values(FILES).filter((f) => findFile(d, f) === null).join(', ');
  if (dir) {
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`--data ${dir}: no such directory`);
    if (!complete(dir)) throw new Error(`--data ${dir}: missing ${missing(dir)} (plain or .gz)`);
    return { dir, origin: 'argument', description: `${dir} (--data)` };
  }
  if (env.DNNKIT_DATA) {
    const d = env.DNNKIT_DATA;
    // $DNNKIT_DATA may hold the files directly or one folder per dataset.
    for (const c of [join(d, name), d]) {
      if (existsSync(c) && complete(c)) return { dir: c, origin: 'env', description: `${c} ($DNNKIT_DATA)` };
    }
    throw new Error(`$DNNKIT_DATA=${d}: no ${name} IDX files there or in ${join(d, name)} (need ${Object.values(FILES).join(', ')}, plain or .gz)`);
  }
  if (name === 'fashion-mnist') {
    const debian = '/usr/share/datasets/fashion-mnist';
    if (existsSync(debian) && complete(debian)) return { dir: debian, origin: 'debian', description: `${debian} (Debian package dataset-fashion-mnist, 60000 train + 10000 test)` };
    const sample = sampleDir();
    if (complete(sample)) return { dir: sample, origin: 'sample', description: `${sample} (the sample bundled with dnnkit: 5000 train + 1000 test images; pass --data DIR for the full set)` };
    throw new Error(`fashion-mnist: not found: pass --data DIR, set $DNNKIT_DATA, or install the Debian package dataset-fashion-mnist`);
  }
  throw new Error(`${name}: not found: pass --data DIR (a folder with ${Object.values(FILES).join(', ')}, plain or .gz) or set $DNNKIT_DATA`);
}

export interface LoadedDataset {
  train: ByteImageDataset;
  test: ByteImageDataset;
  classes: readonly string[];
  source: DataSource;
  name: DatasetName;
}

/**
 * Load the train and test splits.
 * @example const { train, test, source } = loadDataset('fashion-mnist'); console.log(source.description);
 */
export function loadDataset(name: DatasetName = 'fashion-mnist', dir?: string): LoadedDataset {
  if (!DATASET_NAMES.includes(name)) throw new Error(`dataset: unknown dataset '${name}'; available: ${DATASET_NAMES.join(', ')}`);
  const source = locateDataset(name, dir);
  const classes = classNames(name);
  const split = (images: string, labels: string, what: string): ByteImageDataset => {
    const ip = findFile(source.dir, images)!, lp = findFile(source.dir, labels)!;
    const s = readIdxImagesAndLabels(ip, lp);
    for (let i = 0; i < s.count; i++) {
      if (s.labels[i]! >= classes.length) throw new Error(`${lp}: label ${i} is ${s.labels[i]}, but ${name} has ${classes.length} classes`);
    }
    return new ByteImageDataset(s.images, s.labels, [1, s.height, s.width], `${name} ${what}`);
  };
  return {
    train: split(FILES.trainImages, FILES.trainLabels, 'train'),
    test: split(FILES.testImages, FILES.testLabels, 'test'),
    classes,
    source,
    name,
  };
}
