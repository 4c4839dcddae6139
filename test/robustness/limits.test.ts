/**
 * Resource limits: a tensor or a file whose declared size is absurd (10^12 elements, more bytes
 * than the file holds) fails at once, with an error giving the size, before anything is
 * allocated. "Before allocating" is checked twice: the call returns within a second, and the
 * process's peak resident memory does not grow by more than 64 MB while it runs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { full, rand, randn, tensor, zeros } from '../../src/tensor/creation.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { encodeIdx, parseIdx } from '../../src/data/idx.js';
import { decodeCheckpoint, encodeCheckpoint } from '../../src/io/checkpoint.js';
import { decodeNpy } from '../../src/io/npy.js';
import { loadOnnxBytes } from '../../src/io/onnx/load.js';
import { edit } from '../onnx/fuzz-harness.js';
import { SUPPORTED_OPERATORS } from '../../src/io/onnx/ops/index.js';
import { repoPath } from '../helpers.js';
import { editCheckpointHeader } from './fuzz-targets.js';

const HUGE = [1_000_000, 1_000_000];   // 10^12 elements: 4 TB of float32

/** fn must throw at once, without allocating, with a message containing every fragment. */
function refusedAtOnce(what: string, fn: () => unknown, ...fragments: (string | RegExp)[]): void {
  const peak = process.resourceUsage().maxRSS;
  const t0 = performance.now();
  let caught: unknown;
  try { fn(); } catch (e) { caught = e; }
  const ms = performance.now() - t0;
  assert.ok(caught instanceof Error, `${what}: expected an Error, got ${caught === undefined ? 'no error' : String(caught)}`);
  for (const f of fragments) {
    if (typeof f === 'string') assert.ok(caught.message.includes(f), `${what}: "${caught.message}" lacks "${f}"`);
    else assert.match(caught.message, f, what);
  }
  assert.ok(ms < 1000, `${what}: took ${ms.toFixed(0)} ms to refuse`);
  const grewMB = (process.resourceUsage().maxRSS - peak) / 1024;
  assert.ok(grewMB < 64, `${what}: peak memory grew by ${grewMB.toFixed(0)} MB before refusing`);
}

test('tensors of 10^12 elements are refused with the size, before allocating', () => {
  const size = /1\.000e\+12 elements, more than the limit of 2147483647/;
  refusedAtOnce('zeros', () => zeros(HUGE), 'zeros', '[1000000,1000000]', size);
  refusedAtOnce('full', () => full(HUGE, 1), 'full', size);
  refusedAtOnce('randn', () => randn(HUGE), 'randn', size);
  refusedAtOnce('rand', () => rand([10, ...HUGE]), 'rand', /1\.000e\+13 elements/);
  refusedAtOnce('tensor', () => tensor(new Float32Array(4), HUGE), 'tensor', size);
  refusedAtOnce('new Tensor', () => new Tensor(new Float32Array(4), HUGE), 'Tensor', size);
  const x = zeros([2, 3]);
  refusedAtOnce('reshape', () => x.reshape(HUGE), 'cannot reshape [2,3] (6 elements) to [1000000,1000000] (1000000000000 elements)');
  refusedAtOnce('reshape -1', () => x.reshape([-1, 0]), 'cannot reshape [2,3]');
  refusedAtOnce('negative', () => zeros([2, -3]), 'invalid dimension -3');
  refusedAtOnce('fraction', () => zeros([2.5]), 'invalid dimension 2.5');
});

test('IDX: a header declaring more than the limit or more than the file holds is refused with the sizes', () => {
  const header = (dims: number[]): Uint8Array => {
    const b = new Uint8Array(4 + 4 * dims.length + 16);
    b[2] = 0x08; b[3] = dims.length;
    dims.forEach((d, i) => new DataView(b.buffer).setUint32(4 + 4 * i, d, false));
    return b;
  };
  refusedAtOnce('idx huge', () => parseIdx(header([100000, 100000, 100000]), 'big.idx'), 'big.idx', '[100000, 100000, 100000]', '1000000000000000 bytes', 'more than the 1073741824-byte limit');
  refusedAtOnce('idx short', () => parseIdx(header([60000, 28, 28]), 'short.idx'), 'short.idx', 'truncated', 'needs 47040000 data bytes, file has 16');
  const ok = encodeIdx({ dtype: 'float32', shape: [4], data: new Float32Array(4) });
  refusedAtOnce('idx truncated', () => parseIdx(ok.subarray(0, ok.length - 3), 'cut.idx'), 'cut.idx', 'needs 16 data bytes, file has 13');
});

test('checkpoint: a tensor declared larger than the stored floats, or a file cut short, is refused with the sizes', () => {
  const file = encodeCheckpoint({ w: new Tensor(new Float32Array(6), [2, 3]) });
  // Re-sealed (valid checksum) header claiming a 10^12-element tensor.
  const big = editCheckpointHeader(file, [{ path: 4, value: HUGE }]);
  const header = JSON.parse(Buffer.from(big.subarray(16, 16 + new DataView(big.buffer).getUint32(12, true))).toString());
  assert.deepEqual(header.blobs[0].shape, HUGE, 'the edit reached the shape');
  refusedAtOnce('checkpoint shape', () => decodeCheckpoint(big, 'big.dnnkit'), 'big.dnnkit', 'shape [1000000, 1000000]', 'outside the 6 stored floats');
  const long = editCheckpointHeader(file, [{ path: 8, value: 1e12 }]);
  refusedAtOnce('checkpoint length', () => decodeCheckpoint(long, 'long.dnnkit'), 'long.dnnkit', 'outside the 6 stored floats');
  refusedAtOnce('checkpoint truncated', () => decodeCheckpoint(file.subarray(0, file.length - 10), 'cut.dnnkit'), 'cut.dnnkit', 'checksum mismatch', `${file.length - 10} bytes`);
  // A header length field far beyond the file.
  const lying = Uint8Array.from(file);
  new DataView(lying.buffer).setUint32(12, 2 ** 31, true);
  refusedAtOnce('checkpoint header length', () => decodeCheckpoint(lying, 'lying.dnnkit'), 'lying.dnnkit', 'checksum mismatch (the file is truncated)');
});

test('.npy: a shape beyond the data or the element limit is refused with the sizes', () => {
  const npy = (descr: string, shape: string, payload = 0): Uint8Array => {
    const text = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }\n`;
    const out = new Uint8Array(10 + text.length + payload);
    out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    new DataView(out.buffer).setUint16(8, text.length, true);
    for (let i = 0; i < text.length; i++) out[10 + i] = text.charCodeAt(i);
    return out;
  };
  refusedAtOnce('npy huge', () => decodeNpy(npy('<f4', '(1000000, 1000000)', 8), 'big.npy'), 'big.npy', 'has 1.000e+12 elements');
  refusedAtOnce('npy short', () => decodeNpy(npy('<f4', '(100, 100)', 8), 'short.npy'), 'short.npy', 'needs 40000 bytes of data, the file has 8');
  refusedAtOnce('npy zero-size dtype', () => decodeNpy(npy('<f0', '(1000000000,)'), 'f0.npy'), 'f0.npy', "dtype '<f0' is not supported");
});

test('ONNX: an initializer declared with 2^40 elements is refused with the size', () => {
  const original = new Uint8Array(readFileSync(repoPath('test/fixtures/onnx/tiny_cnn_opset11.onnx')));
  const bytes = edit(original, [{ kind: 'dim', init: 0, index: 0, value: 2 ** 40 }], SUPPORTED_OPERATORS);
  refusedAtOnce('onnx', () => loadOnnxBytes(bytes, { source: 'big.onnx' }), 'big.onnx', /more than \d+ elements/);
});
