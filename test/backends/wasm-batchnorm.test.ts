/**
 * The wasm batch-norm kernels (training forward, apply, backward) against the reference on
 * plane sizes around the SIMD widths (L below, at, above and multiples of 4 and 8), one and
 * several channels, a large mean offset, training and evaluation mode; and 1 vs 2 threads
 * bitwise equal (threads split the channels, never a channel's sums).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { batchNormApply, batchNormBackward, batchNormTraining } from '../../src/backends/wasm/batchnorm.js';
import { reference } from '../../src/backends/reference/index.js';
import { setThreads, waitForThreads, setMinParallelFlops } from '../../src/backends/wasm/runtime.js';
import { randomArray } from './wasm-naive.js';

/** |a - e| <= tol * (scale + |e|) element-wise. */
function close(a: Float32Array | null, e: Float32Array | null, tol: number, scale: number, what: string): void {
  assert.ok(a && e, `${what}: missing`);
  assert.equal(a.length, e.length, `${what}: length`);
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - e[i]!);
    if (!(d <= tol * (scale + Math.abs(e[i]!)))) assert.fail(`${what}[${i}]: ${a[i]} vs reference ${e[i]}`);
  }
}

function sameBits(a: Float32Array | null, b: Float32Array | null, what: string): void {
  assert.ok(a && b, `${what}: missing`);
  assert.deepEqual(new Uint32Array(a.buffer, a.byteOffset, a.length), new Uint32Array(b.buffer, b.byteOffset, b.length), what);
}

/** [N, C, L] shapes with at least 4096 elements (smaller ones take the reference loops). */
const SHAPES: Array<[number, number, number]> = [];
for (const L of [1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 49, 196]) {
  for (const C of [1, 3, 8]) SHAPES.push([Math.ceil(4096 / (C * L)) + 1, C, L]);
}

function run(N: number, C: number, L: number, offset: number, seed: number) {
  const x = randomArray(N * C * L, seed).map((v) => offset + 3 * v);
  const dy = randomArray(N * C * L, seed + 1);
  const w = randomArray(C, seed + 2), b = randomArray(C, seed + 3);
  const f = batchNormTraining(x, N, C, L, w, b, 1e-5);
  const apply = batchNormApply(x, N, C, L, f.mean, f.invStd, w, b);
  const back = [true, false].map((training) => batchNormBackward(x, dy, N, C, L, f.mean, f.invStd, w, training, true));
  const noDx = batchNormBackward(x, dy, N, C, L, f.mean, f.invStd, w, true, false);
  return { x, dy, w, b, f, apply, back, noDx };
}

describe('wasm batch norm kernels', () => {
  before(() => setMinParallelFlops(0));
  after(() => { setMinParallelFlops(2e6); setThreads(1); });

  it('match the reference on plane sizes around the vector widths, with and without a mean offset', () => {
    setThreads(1);
    for (const [N, C, L] of SHAPES) {
      for (const offset of [0, 100]) {
        const label = `N=${N} C=${C} L=${L} offset ${offset}`;
        const { x, dy, w, b, f, apply, back, noDx } = run(N, C, L, offset, N + C + L);
        const rf = reference.batchNormTraining(x, N, C, L, w, b, 1e-5);
        close(f.mean, rf.mean, 1e-6, 0, `${label} mean`);
        close(f.variance, rf.variance, 1e-5, 0, `${label} variance`);
        close(f.invStd, rf.invStd, 1e-5, 0, `${label} invStd`);
        close(f.y, rf.y, 1e-5, 1, `${label} y`);
        // Apply with the wasm statistics is the training output again.
        sameBits(apply, f.y, `${label} apply = training forward`);
        for (const [k, training] of [true, false].entries()) {
          const r = reference.batchNormBackward(x, dy, N, C, L, f.mean, f.invStd, w, training, true);
          const mode = training ? 'training' : 'eval';
          close(back[k]!.dBias, r.dBias, 1e-5, 1, `${label} ${mode} dBias`);
          close(back[k]!.dWeight, r.dWeight, 1e-5, 1, `${label} ${mode} dWeight`);
          close(back[k]!.dx, r.dx, 1e-4, 1e-3, `${label} ${mode} dx`);
        }
        assert.equal(noDx.dx, null, `${label}: no dx when not needed`);
        sameBits(noDx.dWeight, back[0]!.dWeight, `${label} dWeight without dx`);
      }
    }
  });

  it('give bitwise identical results on 1 and 2 threads', () => {
    for (const [N, C, L] of [[40, 3, 49], [9, 8, 196], [300, 5, 7]] as const) {
      setThreads(1);
      const one = run(N, C, L, 1, 5);
      setThreads(2);
      waitForThreads();
      const two = run(N, C, L, 1, 5);
      const label = `N=${N} C=${C} L=${L}`;
      for (const k of ['y', 'mean', 'variance', 'invStd'] as const) sameBits(two.f[k], one.f[k], `${label} ${k}`);
      sameBits(two.apply, one.apply, `${label} apply`);
      for (const i of [0, 1]) {
        sameBits(two.back[i]!.dx, one.back[i]!.dx, `${label} dx`);
        sameBits(two.back[i]!.dWeight, one.back[i]!.dWeight, `${label} dWeight`);
        sameBits(two.back[i]!.dBias, one.back[i]!.dBias, `${label} dBias`);
      }
    }
  });

  it('leave small inputs to the reference', () => {
    const x = randomArray(2 * 3 * 5, 1), w = randomArray(3, 2), b = randomArray(3, 3);
    const f = batchNormTraining(x, 2, 3, 5, w, b, 1e-5), r = reference.batchNormTraining(x, 2, 3, 5, w, b, 1e-5);
    sameBits(f.y, r.y, 'y');
  });
});
