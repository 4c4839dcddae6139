import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataLoader } from '../../src/data/dataloader.js';
import { ByteImageDataset, TensorDataset, Subset } from '../../src/data/dataset.js';
import { compose, horizontalFlip, normalize, randomCrop } from '../../src/data/transforms.js';
import { loadDataset, locateDataset, sampleDir } from '../../src/data/fashion-mnist.js';
import { writeIdx } from '../../src/data/idx.js';
import { Generator } from '../../src/tensor/random.js';
import { tensor, arange } from '../../src/tensor/creation.js';
import { assertThrowsWith } from '../helpers.js';

/** 10 images 1x2x3 whose pixels all equal the image index / 10. */
function tiny(n = 10): ByteImageDataset {
  const bytes = new Uint8Array(n * 6);
  for (let i = 0; i < n; i++) bytes.fill(i * 10, i * 6, i * 6 + 6);
  return new ByteImageDataset(bytes, Uint8Array.from({ length: n }, (_, i) => i % 3), [1, 2, 3]);
}

test('batches: shapes, labels, last partial batch and dropLast', () => {
  const ds = tiny();
  const loader = new DataLoader(ds, { batchSize: 4 });
  const batches = [...loader];
  assert.equal(loader.length, 3);
  assert.deepEqual(batches.map((b) => b.x.shape), [[4, 1, 2, 3], [4, 1, 2, 3], [2, 1, 2, 3]]);
  assert.deepEqual(Array.from(batches[2]!.labels), [8 % 3, 9 % 3]);
  assert.deepEqual(Array.from(batches[2]!.y.data), [2, 0]);
  assert.ok(Math.abs(batches[1]!.x.data[6]! - 50 / 255) < 1e-7);
  const dropping = new DataLoader(ds, { batchSize: 4, dropLast: true });
  assert.equal(dropping.length, 2);
  assert.deepEqual([...dropping].map((b) => b.x.shape[0]), [4, 4]);
  assert.equal(new DataLoader(ds, { batchSize: 5, dropLast: true }).length, 2);
});

test('shuffling is a permutation, reproducible for a seed, different per epoch and per seed', () => {
  const ds = tiny(50);
  const order = (l: DataLoader, e: number): number[] => [...l.epoch(e)].flatMap((b) => Array.from(b.indices));
  const a = new DataLoader(ds, { batchSize: 8, shuffle: true, seed: 3 });
  const b = new DataLoader(ds, { batchSize: 8, shuffle: true, seed: 3 });
  const e0 = order(a, 0);
  assert.deepEqual([...e0].sort((x, y) => x - y), Array.from({ length: 50 }, (_, i) => i));
  assert.notDeepEqual(e0, Array.from({ length: 50 }, (_, i) => i));
  assert.deepEqual(order(b, 0), e0);
  assert.notDeepEqual(order(a, 1), e0);
  assert.notDeepEqual(order(new DataLoader(ds, { batchSize: 8, shuffle: true, seed: 4 }), 0), e0);
  // Plain iteration advances the epoch: the second pass reshuffles, like epoch(1).
  const first = [...a].flatMap((x) => Array.from(x.indices));
  const second = [...a].flatMap((x) => Array.from(x.indices));
  assert.deepEqual(first, e0);
  assert.deepEqual(second, order(b, 1));
  // A seed drawn from a generator is reproducible too.
  const g1 = new Generator(9), g2 = new Generator(9);
  assert.deepEqual(order(new DataLoader(ds, { shuffle: true, generator: g1 }), 0), order(new DataLoader(ds, { shuffle: true, generator: g2 }), 0));
});

test('resuming mid-epoch gives exactly the remaining batches, augmentation included', () => {
  const ds = tiny(30);
  const transform = compose([randomCrop(1), horizontalFlip(0.5)]);
  const loader = new DataLoader(ds, { batchSize: 4, shuffle: true, seed: 11, transform });
  const full = [...loader.epoch(2)];
  const resumed = [...new DataLoader(ds, { batchSize: 4, shuffle: true, seed: 11, transform }).epoch(2, 5)];
  assert.equal(resumed.length, full.length - 5);
  resumed.forEach((b, k) => {
    assert.deepEqual(b.indices, full[k + 5]!.indices);
    assert.deepEqual(b.x.data, full[k + 5]!.x.data);
    assert.equal(b.batch, k + 5);
  });
  assertThrowsWith(() => [...loader.epoch(0, 99)], 'start batch', '99');
});

test('transforms: normalize, flip, crop with padding', () => {
  const shape = [1, 2, 3] as const;
  const img = Float32Array.of(1, 2, 3, 4, 5, 6);
  const g = new Generator(0);
  assert.deepEqual(Array.from(normalize(1, 2)(img, shape, g)), [0, 0.5, 1, 1.5, 2, 2.5]);
  assert.deepEqual(Array.from(horizontalFlip(1)(img, shape, g)), [3, 2, 1, 6, 5, 4]);
  assert.deepEqual(Array.from(horizontalFlip(0)(img, shape, g)), [1, 2, 3, 4, 5, 6]);
  // Every crop of a padded image is a shifted copy with zeros coming in; over many draws all
  // 9 shifts of padding 1 appear.
  const seen = new Set<string>();
  for (let i = 0; i < 200; i++) {
    const out = randomCrop(1)(img, shape, g);
    seen.add(Array.from(out).join(','));
    for (const v of out) assert.ok(v === 0 || img.includes(v));
  }
  assert.equal(seen.size, 9);
  assert.ok(seen.has('0,0,0,0,1,2'));   // shifted down-right
  assertThrowsWith(() => normalize(0, 0), 'normalize', 'std must be positive');
});

test('TensorDataset and Subset', () => {
  const ds = new TensorDataset(arange(12).reshape([3, 1, 2, 2]), tensor([2, 0, 1]));
  assert.deepEqual(Array.from(ds.get(1).image), [4, 5, 6, 7]);
  assert.equal(ds.get(0).label, 2);
  const sub = new Subset(ds, [2, 0]);
  assert.equal(sub.get(0).label, 1);
  assertThrowsWith(() => ds.get(3), 'TensorDataset.get', 'index 3');
  assertThrowsWith(() => new TensorDataset(arange(12).reshape([3, 1, 2, 2]), [0, 1]), '3 images but 2 labels');
  assertThrowsWith(() => new DataLoader(ds, { batchSize: 0 }), 'batchSize', 'got 0');
});

test('dataset location: explicit folder, $DNNKIT_DATA, and the bundled sample', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dnnkit-ds-'));
  try {
    assertThrowsWith(() => locateDataset('mnist', dir), dir, 'missing', 'train-images-idx3-ubyte');
    mkdirSync(join(dir, 'mnist'));
    const d = join(dir, 'mnist');
    writeIdx(join(d, 'train-images-idx3-ubyte'), { dtype: 'uint8', shape: [2, 28, 28], data: new Uint8Array(2 * 784) });
    writeIdx(join(d, 'train-labels-idx1-ubyte.gz'), { dtype: 'uint8', shape: [2], data: Uint8Array.of(3, 4) });
    writeIdx(join(d, 't10k-images-idx3-ubyte.gz'), { dtype: 'uint8', shape: [1, 28, 28], data: new Uint8Array(784) });
    writeIdx(join(d, 't10k-labels-idx1-ubyte'), { dtype: 'uint8', shape: [1], data: Uint8Array.of(12) });
    assert.equal(locateDataset('mnist', undefined, { DNNKIT_DATA: dir }).origin, 'env');
    assert.equal(locateDataset('mnist', d).origin, 'argument');
    assertThrowsWith(() => loadDataset('mnist', d), 't10k-labels-idx1-ubyte', 'label 0 is 12', '10 classes');
    const s = locateDataset('fashion-mnist', undefined, {});
    assert.ok(s.origin === 'debian' || s.origin === 'sample');
    assert.ok(sampleDir().endsWith(join('data', 'fashion-mnist-sample')));
    const sample = loadDataset('fashion-mnist', sampleDir());
    assert.equal(sample.train.length, 5000);
    assert.equal(sample.test.length, 1000);
    assert.equal(sample.classes[9], 'Ankle boot');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
