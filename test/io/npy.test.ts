/** .npy reader/writer: files numpy wrote (the ONNX fixtures), a round trip, dtypes, and bad files by name. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { decodeNpy, encodeNpy } from '../../src/io/npy.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { assertThrowsWith, repoPath } from '../helpers.js';

test('reads float32 arrays numpy wrote', () => {
  const x = decodeNpy(readFileSync(repoPath('test/fixtures/onnx/encoder_decoder.input.npy')));
  assert.deepEqual(x.shape, [2, 3, 16, 16]);
  assert.ok(x.data.some((v) => v !== 0) && x.data.every(Number.isFinite));
  const y = decodeNpy(readFileSync(repoPath('test/fixtures/onnx/tiny_cnn_opset11.output.npy')));
  assert.deepEqual(y.shape, [3, 23]);
});

test('round trip, including 0-D and 1-D shapes, and numpy header layout', () => {
  for (const shape of [[], [5], [2, 3], [1, 2, 3, 4]]) {
    const n = shape.reduce((a, b) => a * b, 1);
    const t = new Tensor(Float32Array.from({ length: n }, (_, i) => i / 3 - 1), shape);
    const bytes = encodeNpy(t);
    const header = new TextDecoder('latin1').decode(bytes.subarray(10, 10 + (bytes[8]! | (bytes[9]! << 8))));
    assert.match(header, /^\{'descr': '<f4', 'fortran_order': False, 'shape': \([^)]*\), \} *\n$/);
    assert.equal((10 + header.length) % 64, 0, 'data is 64-byte aligned');
    const back = decodeNpy(bytes);
    assert.deepEqual(back.shape, shape);
    assert.deepEqual(back.data, t.data);
  }
});

function npyOf(descr: string, shape: string, data: Uint8Array): Uint8Array {
  const header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`.padEnd(117, ' ') + '\n';
  const out = new Uint8Array(10 + header.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(data, 10 + header.length);
  return out;
}

test('other dtypes become float32: float64, int64, uint8, big-endian int16', () => {
  const f8 = new Uint8Array(new Float64Array([1.5, -2.25]).buffer);
  assert.deepEqual(Array.from(decodeNpy(npyOf('<f8', '(2,)', f8)).data), [1.5, -2.25]);
  const i8 = new Uint8Array(new BigInt64Array([7n, -3n]).buffer);
  assert.deepEqual(Array.from(decodeNpy(npyOf('<i8', '(1, 2)', i8)).data), [7, -3]);
  assert.deepEqual(Array.from(decodeNpy(npyOf('|u1', '(3,)', Uint8Array.of(0, 128, 255))).data), [0, 128, 255]);
  assert.deepEqual(Array.from(decodeNpy(npyOf('>i2', '(2,)', Uint8Array.of(0x01, 0x02, 0xff, 0xfe))).data), [258, -2]);
});

test('bad files are refused by name', () => {
  assertThrowsWith(() => decodeNpy(new TextEncoder().encode('hello world'), 'a.npy'), 'a.npy', 'not a .npy file');
  assertThrowsWith(() => decodeNpy(npyOf('<f4', '(10,)', new Uint8Array(8)), 'b.npy'), 'b.npy', 'needs 40 bytes of data, the file has 8');
  assertThrowsWith(() => decodeNpy(npyOf('<c8', '(1,)', new Uint8Array(8)), 'c.npy'), 'c.npy', "dtype '<c8' is not supported");
  const fortran = npyOf('<f4', '(2, 2)', new Uint8Array(16));
  fortran.set(new TextEncoder().encode("'fortran_order': True, "), 10 + "{'descr': '<f4', ".length);
  assertThrowsWith(() => decodeNpy(fortran, 'd.npy'), 'd.npy', 'Fortran-order');
  assertThrowsWith(() => decodeNpy(encodeNpy(new Tensor(new Float32Array(4), [4])).subarray(0, 40), 'e.npy'), 'e.npy', 'truncated');
});
