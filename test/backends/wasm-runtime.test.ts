/**
 * The wasm runtime around the kernels: the arena returns to its base after every call and the
 * memory stops growing once the largest call has been seen; setThreads validates its argument;
 * results are fresh, unshared arrays the caller owns.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assertThrowsWith } from '../helpers.js';
import { conv2dBackwardFilter, conv2dBackwardInput, conv2dForward } from '../../src/backends/wasm/conv.js';
import { gemm } from '../../src/backends/wasm/gemm.js';
import { getThreads, runtime, setThreads, splitRange, wasmMemoryBytes } from '../../src/backends/wasm/runtime.js';
import { convParams, randomArray } from './wasm-naive.js';

describe('wasm runtime', () => {
  it('does not grow memory over repeated calls of the same shapes', () => {
    setThreads(2);
    const p = convParams({ N: 4, C: 8, H: 20, W: 20, M: 16, R: 3, S: 3, pad: 1 });
    const x = randomArray(p.N * p.C * p.H * p.W, 1), w = randomArray(p.M * p.C * 9, 2), dy = randomArray(p.N * p.M * p.P * p.Q, 3);
    const step = (): void => {
      conv2dForward(p, x, w, null);
      conv2dBackwardInput(p, dy, w);
      conv2dBackwardFilter(p, x, dy);
      gemm(64, 48, 32, randomArray(64 * 32, 4), randomArray(32 * 48, 5));
    };
    step();
    const after = wasmMemoryBytes();
    for (let i = 0; i < 50; i++) step();
    assert.equal(wasmMemoryBytes(), after, 'wasm memory grew over repeated identical calls');
    // The arena is back at its base: a new allocation starts where the first one did.
    const r = runtime();
    const a = r.arena.alloc(16);
    r.arena.reset();
    assert.equal(r.arena.alloc(16), a);
    r.arena.reset();
  });

  it('releases the arena when a kernel throws', () => {
    const r = runtime();
    const base = r.arena.alloc(4);
    r.arena.reset();
    assert.throws(() => gemm(4, 4, 4, new Float32Array(16), new Float32Array(16), { batch: 1e12 }));
    assert.equal(r.arena.alloc(4), base);
    r.arena.reset();
  });

  it('returns unshared arrays the caller owns', () => {
    const y = gemm(2, 2, 2, Float32Array.from([1, 2, 3, 4]), Float32Array.from([1, 0, 0, 1]));
    assert.ok(!(y.buffer instanceof SharedArrayBuffer));
    assert.deepEqual([...y], [1, 2, 3, 4]);
  });

  it('gives every large result an ArrayBuffer of its own (allocated without zero-filling in Node)', () => {
    // 64 x 64 results: above the size where results skip the zero fill.
    const a = randomArray(64 * 64, 1), eye = new Float32Array(64 * 64);
    for (let i = 0; i < 64; i++) eye[i * 65] = 1;
    const y1 = gemm(64, 64, 64, a, eye), y2 = gemm(64, 64, 64, a, eye);
    for (const y of [y1, y2]) {
      assert.ok(!(y.buffer instanceof SharedArrayBuffer));
      assert.equal(y.byteOffset, 0);
      assert.equal(y.buffer.byteLength, y.byteLength, 'a result shares its ArrayBuffer');
    }
    assert.notEqual(y1.buffer, y2.buffer);
    y1[0] = 12345;
    assert.equal(y2[0], a[0]);
    assert.deepEqual([...y2], [...a]);
  });

  it('validates setThreads', () => {
    assertThrowsWith(() => setThreads(0), 'setThreads', 'positive integer', '0');
    assertThrowsWith(() => setThreads(1.5), 'setThreads', '1.5');
    setThreads(2);
    assert.equal(getThreads(), 2);
  });

  it('splits ranges into aligned, covering, non-overlapping pieces', () => {
    for (const [total, parts, align] of [[10, 3, 1], [100, 2, 8], [7, 4, 8], [0, 2, 1], [5, 8, 1]] as const) {
      const r = splitRange(total, parts, align);
      let next = 0;
      for (const [a, b] of r) {
        assert.equal(a, next);
        assert.ok(b >= a);
        if (a !== 0) assert.equal(a % align, 0);
        next = b;
      }
      assert.equal(next, total);
      assert.ok(r.length <= Math.max(1, parts));
    }
  });
});
