/**
 * SIMD relu and relu6 (forward and derivative) against the reference, bit for bit, including
 * the exact points: NaN, -0, 0, 6, infinities, and every lane tail.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { unary, unaryGrad } from '../../src/backends/wasm/elementwise.js';
import { unary as refUnary, unaryGrad as refUnaryGrad } from '../../src/backends/reference/elementwise.js';
import { randomArray } from './wasm-naive.js';

const SPECIAL = [NaN, -0, 0, 6, -6, 3, -1e-30, 1e-30, 5.999999, 6.000001, Infinity, -Infinity];

/** Random values in [-8, 8) with the special points sprinkled in. */
function input(n: number, seed: number): Float32Array {
  const x = randomArray(n, seed).map((v) => v * 8);
  for (let i = 0; i < n; i += 7) x[i] = SPECIAL[(i / 7) % SPECIAL.length]!;
  return x;
}

/** Bitwise equality (distinguishes -0 from 0, NaN equals NaN). */
function sameBits(a: Float32Array, b: Float32Array, what: string): void {
  assert.equal(a.length, b.length, `${what}: length`);
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length), ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < a.length; i++) {
    if (ua[i] !== ub[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) {
      assert.fail(`${what}: element ${i} (x = ${i}) is ${a[i]}, reference ${b[i]}`);
    }
  }
}

describe('wasm element-wise activations', () => {
  for (const op of ['relu', 'relu6'] as const) {
    it(`${op} and its derivative match the reference bit for bit (lane tails, special points)`, () => {
      for (const n of [2048, 2049, 2050, 2051, 2052, 4099, 100003]) {
        const x = input(n, n), dy = input(n, n + 1);
        const y = refUnary(op, x, 0);
        sameBits(unary(op, x, 0), y, `${op} n=${n}`);
        sameBits(unaryGrad(op, x, y, dy, 0), refUnaryGrad(op, x, y, dy, 0), `${op}' n=${n}`);
      }
    });
  }

  it('leaves other ops and small arrays to the reference', () => {
    const x = input(5000, 3);
    sameBits(unary('sigmoid', x, 0), refUnary('sigmoid', x, 0), 'sigmoid');
    const small = input(10, 4);
    sameBits(unary('relu', small, 0), refUnary('relu', small, 0), 'relu n=10');
  });
});
