/**
 * The wasm runtime around the kernels: a call's blocks are returned when it ends and the memory
 * stops growing once the largest call has been seen (resident results reclaimed within their
 * budget); setThreads validates its argument; results are the caller's: small ones plain arrays,
 * large ones resident views that nothing reuses while they (or a subarray) live.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assertThrowsWith, bits } from '../helpers.js';
import { ResidentFloat32Array } from '../../src/backends/wasm/resident.js';
import { checkResidentInputs } from '../../src/backends/wasm/arena.js';
import { conv2dBackwardFilter, conv2dBackwardInput, conv2dForward } from '../../src/backends/wasm/conv.js';
import { gemm } from '../../src/backends/wasm/gemm.js';
import { getThreads, runtime, setThreads, splitRange, wasmMemoryBytes } from '../../src/backends/wasm/runtime.js';
import { convParams, randomArray } from './wasm-naive.js';

describe('wasm runtime', () => {
  it('keeps memory bounded over repeated calls of the same shapes: resident results are reclaimed', () => {
    setThreads(2);
    const p = convParams({ N: 4, C: 8, H: 20, W: 20, M: 16, R: 3, S: 3, pad: 1 });
    const x = randomArray(p.N * p.C * p.H * p.W, 1), w = randomArray(p.M * p.C * 9, 2), dy = randomArray(p.N * p.M * p.P * p.Q, 3);
    const step = (): void => {
      conv2dForward(p, x, w, null);
      conv2dBackwardInput(p, dy, w);
      conv2dBackwardFilter(p, x, dy);
      gemm(64, 48, 32, randomArray(64 * 32, 4), randomArray(32 * 48, 5));
    };
    const residency = runtime().arena.residency;
    const { budget, collectEvery, collecting } = residency;
    // ~10 steps' results between collections (or, acting as a browser, before copying out).
    residency.budget = residency.collectEvery = 1 << 20;
    try {
      for (const collect of [true, false]) {
        residency.collecting = collect;
        for (let i = 0; i < 50; i++) step();
        const after = wasmMemoryBytes();
        for (let i = 0; i < 200; i++) step();
        assert.equal(wasmMemoryBytes(), after, `wasm memory grew over repeated identical calls (collections ${collect ? 'on' : 'off'})`);
        assert.ok(residency.heldBytes <= 4 << 20, `${residency.heldBytes} bytes held`);
      }
    } finally {
      Object.assign(residency, { budget, collectEvery, collecting });
    }
    // The call's blocks are returned: a new allocation starts where the first one did.
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

  it('returns small results as arrays of their own, large ones resident: distinct, writable, never reused while alive', () => {
    const small = gemm(2, 2, 2, Float32Array.from([1, 2, 3, 4]), Float32Array.from([1, 0, 0, 1]));
    assert.ok(!(small.buffer instanceof SharedArrayBuffer) && !(small instanceof ResidentFloat32Array));
    assert.deepEqual([...small], [1, 2, 3, 4]);
    const a = randomArray(256 * 256, 1), eye = new Float32Array(256 * 256);
    for (let i = 0; i < 256; i++) eye[i * 257] = 1;
    const y1 = gemm(256, 256, 256, a, eye), y2 = gemm(256, 256, 256, a, eye);
    for (const y of [y1, y2]) assert.ok(y instanceof ResidentFloat32Array && y.buffer instanceof SharedArrayBuffer);
    assert.ok(Math.abs(y1.byteOffset - y2.byteOffset) >= y1.byteLength, 'two live results overlap');
    y1[0] = 12345;
    assert.equal(y2[0], a[0]);
    assert.deepEqual([...y2], [...a]);
    // A resident operand is read in place, and gives the bits of a plain copy.
    const y3 = gemm(256, 256, 256, y2, eye);
    assert.deepEqual(bits(y3), bits(gemm(256, 256, 256, Float32Array.from(y2), eye)));
  });

  it('keeps a resident block alive while a subarray of it lives; copies results out past the budget', () => {
    const residency = runtime().arena.residency;
    const a = randomArray(256 * 256, 7), eye = new Float32Array(256 * 256);
    for (let i = 0; i < 256; i++) eye[i * 257] = 1;
    let y: Float32Array | null = gemm(256, 256, 256, a, eye);
    const part = y.subarray(1000, 1100);
    const want = [...part];
    y = null;
    if (!residency.collect()) return; // no gc to call in this engine: the finalizers alone decide
    for (let i = 0; i < 20; i++) gemm(256, 256, 256, randomArray(256 * 256, 100 + i), eye);
    residency.collect();
    for (let i = 0; i < 20; i++) gemm(256, 256, 256, randomArray(256 * 256, 200 + i), eye);
    assert.deepEqual([...part], want, 'a live subarray\'s block was reused');
    // Where no collection can be asked for, past the budget results are copied out.
    const { budget, collecting } = residency;
    Object.assign(residency, { budget: 0, collecting: false });
    try {
      const z = gemm(256, 256, 256, a, eye);
      assert.ok(!(z instanceof ResidentFloat32Array) && !(z.buffer instanceof SharedArrayBuffer));
      assert.deepEqual(bits(z), bits(a));
    } finally {
      Object.assign(residency, { budget, collecting });
    }
  });

  it('catches a kernel that writes to a resident operand (the check the test suite runs with)', () => {
    const a = randomArray(256 * 256, 1), eye = new Float32Array(256 * 256);
    for (let i = 0; i < 256; i++) eye[i * 257] = 1;
    const y = gemm(256, 256, 256, a, eye);
    const r = runtime();
    const was = checkResidentInputs(true);
    try {
      assert.deepEqual(r.arena.place(y), { at: y.byteOffset, resident: true });
      r.arena.view()[(y.byteOffset >> 2) + 5] = 99; // what a kernel using its operand as scratch would do
      assertThrowsWith(() => r.arena.reset(), 'wrote to a resident operand', 'element 5');
    } finally {
      checkResidentInputs(was);
      r.arena.reset();
    }
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
