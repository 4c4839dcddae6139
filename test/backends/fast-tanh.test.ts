/** The wasm backend's tanh (a rational approximation) against Math.tanh rounded to float32. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fastTanh } from '../../src/backends/wasm/fast-tanh.js';

const ulps = (a: number, exact: number): number => Math.abs(a - exact) / Math.max(2 ** -149, Math.abs(exact) * 2 ** -23);

test('fastTanh is within 3 float32 ulp of tanh on a dense sweep of [-12, 12] and tiny inputs', () => {
  const n = 200001;
  const x = new Float32Array(n + 40);
  for (let i = 0; i < n; i++) x[i] = -12 + (24 * i) / (n - 1);
  for (let k = 0; k < 40; k++) x[n + k] = (k % 2 ? -1 : 1) * 2 ** -(k + 10); // down to ~1e-15
  const y = fastTanh(x);
  let worst = 0, at = 0;
  for (let i = 0; i < x.length; i++) {
    const u = ulps(y[i]!, Math.fround(Math.tanh(x[i]!)));
    if (u > worst) { worst = u; at = x[i]!; }
  }
  assert.ok(worst <= 3, `worst error ${worst.toFixed(2)} ulp at x = ${at}`);
});

test('fastTanh special values: signed zero, infinities, NaN, the switch-over point', () => {
  const y = fastTanh(Float32Array.of(0, -0, Infinity, -Infinity, NaN, 7.9, -7.9, 7.8999, 20));
  assert.ok(Object.is(y[0], 0) && Object.is(y[1], -0), 'tanh(+-0) = +-0');
  assert.deepEqual([y[2], y[3]], [1, -1]);
  assert.ok(Number.isNaN(y[4]!));
  assert.deepEqual([y[5], y[6]], [Math.fround(Math.tanh(Math.fround(7.9))), -Math.fround(Math.tanh(Math.fround(7.9)))]);
  assert.ok(ulps(y[7]!, Math.fround(Math.tanh(Math.fround(7.8999)))) <= 3);
  assert.equal(y[8], 1);
});
