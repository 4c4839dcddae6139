import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { encodeIdx, parseIdx, readIdx, readIdxImagesAndLabels, writeIdx } from '../../src/data/idx.js';
import { assertThrowsWith } from '../helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'dnnkit-idx-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

function images(n: number): Uint8Array {
  return Uint8Array.from({ length: n * 4 * 3 }, (_, i) => (i * 7) % 256);
}

test('IDX round trip: uint8 plain and gzip, and multi-byte big-endian dtypes', () => {
  const data = images(5);
  for (const name of ['a-idx3-ubyte', 'a-idx3-ubyte.gz']) {
    const p = join(dir, name);
    writeIdx(p, { dtype: 'uint8', shape: [5, 4, 3], data });
    const r = readIdx(p);
    assert.equal(r.dtype, 'uint8');
    assert.deepEqual(r.shape, [5, 4, 3]);
    assert.deepEqual(Array.from(r.data), Array.from(data));
  }
  const f = Float32Array.of(1.5, -2, 3.25, 1e-3);
  const back = parseIdx(encodeIdx({ dtype: 'float32', shape: [2, 2], data: f }));
  assert.deepEqual(Array.from(back.data), Array.from(f));
  const raw = encodeIdx({ dtype: 'int32', shape: [2], data: Int32Array.of(258, -1) });
  // Big-endian: 258 = 00 00 01 02.
  assert.deepEqual(Array.from(raw.subarray(0, 12)), [0, 0, 0x0c, 1, 0, 0, 0, 2, 0, 0, 1, 2]);
  assert.deepEqual(Array.from(parseIdx(raw).data), [258, -1]);
});

test('IDX gzip is detected by magic bytes, not by the file name', () => {
  const p = join(dir, 'gz-without-suffix');
  writeFileSync(p, gzipSync(encodeIdx({ dtype: 'uint8', shape: [3], data: Uint8Array.of(7, 8, 9) })));
  assert.deepEqual(Array.from(readIdx(p).data), [7, 8, 9]);
});

test('IDX errors name the file and what is wrong', () => {
  const good = encodeIdx({ dtype: 'uint8', shape: [5, 4, 3], data: images(5) });
  const write = (name: string, bytes: Uint8Array): string => { const p = join(dir, name); writeFileSync(p, bytes); return p; };

  const badMagic = Uint8Array.from(good); badMagic[0] = 0x50;
  assertThrowsWith(() => readIdx(write('magic', badMagic)), 'magic', 'not an IDX file');
  const badDtype = Uint8Array.from(good); badDtype[2] = 0x07;
  assertThrowsWith(() => readIdx(write('dtype', badDtype)), 'dtype', 'dtype byte 0x07');
  const noDims = Uint8Array.from(good); noDims[3] = 0;
  assertThrowsWith(() => readIdx(write('nodims', noDims)), 'nodims', '0 dimensions');
  assertThrowsWith(() => readIdx(write('short', good.subarray(0, 3))), 'short', 'too short');
  assertThrowsWith(() => readIdx(write('header', good.subarray(0, 10))), 'header', 'truncated header');
  const truncated = write('trunc-idx3-ubyte', good.subarray(0, good.length - 5));
  assertThrowsWith(() => readIdx(truncated), 'trunc-idx3-ubyte', 'truncated', 'needs 60 data bytes, file has 55');
  const trailing = new Uint8Array(good.length + 2); trailing.set(good);
  assertThrowsWith(() => readIdx(write('trailing', trailing)), 'trailing', '2 unexpected trailing bytes');
  // A huge declared size is refused before anything is allocated.
  const huge = Uint8Array.from(good.subarray(0, 16));
  new DataView(huge.buffer).setUint32(4, 0xffffffff, false);
  assertThrowsWith(() => readIdx(write('huge', huge)), 'huge', 'limit');
  // A truncated gzip stream.
  const gz = gzipSync(good);
  assertThrowsWith(() => readIdx(write('cut.gz', gz.subarray(0, gz.length - 10))), 'cut.gz', 'gzip data is corrupt or truncated');
  assertThrowsWith(() => readIdx(join(dir, 'missing')), 'missing', 'ENOENT');
});

test('images and labels must agree', () => {
  const ip = join(dir, 'img.gz'), lp = join(dir, 'lab.gz');
  writeIdx(ip, { dtype: 'uint8', shape: [5, 4, 3], data: images(5) });
  writeIdx(lp, { dtype: 'uint8', shape: [4], data: Uint8Array.of(0, 1, 2, 3) });
  assertThrowsWith(() => readIdxImagesAndLabels(ip, lp), 'lab.gz', 'has 4 labels', 'img.gz has 5 images');
  writeIdx(lp, { dtype: 'uint8', shape: [5], data: Uint8Array.of(0, 1, 2, 3, 4) });
  const ok = readIdxImagesAndLabels(ip, lp);
  assert.equal(ok.count, 5); assert.equal(ok.height, 4); assert.equal(ok.width, 3);
  writeIdx(lp, { dtype: 'uint8', shape: [5, 1], data: Uint8Array.of(0, 1, 2, 3, 4) });
  assertThrowsWith(() => readIdxImagesAndLabels(ip, lp), 'lab.gz', 'shape [N]');
});

test('the committed Fashion-MNIST sample is valid and class-balanced', () => {
  const s = readIdxImagesAndLabels('data/fashion-mnist-sample/train-images-idx3-ubyte.gz', 'data/fashion-mnist-sample/train-labels-idx1-ubyte.gz');
  assert.equal(s.count, 5000); assert.equal(s.height, 28); assert.equal(s.width, 28);
  const counts = new Array(10).fill(0);
  for (const y of s.labels) counts[y]++;
  assert.deepEqual(counts, new Array(10).fill(500));
});
