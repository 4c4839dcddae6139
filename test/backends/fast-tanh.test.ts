/**
 * The wasm backend's tanh (a rational approximation: fastTanh in JavaScript for small arrays,
 * the SIMD kernel for large ones) against Math.tanh rounded to float32, and tanh' against the
 * reference.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fastTanh } from '../../src/backends/wasm/fast-tanh.js';
import { unary, unaryGrad } from '../../src/backends/wasm/elementwise.js';
import { unaryGrad as refUnaryGrad } from '../../src/backends/reference/elementwise.js';
import { setThreads, waitForThreads, setMinParallelFlops } from '../../src/backends/wasm/runtime.js';
import { randomArray } from './wasm-naive.js';
import { bits } from '../helpers.js';

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

/** The sweep of the fastTanh test: [-12, 12] densely, then tiny values of both signs. */
function sweep(): Float32Array {
  const n = 200001;
  const x = new Float32Array(n + 40);
  for (let i = 0; i < n; i++) x[i] = -12 + (24 * i) / (n - 1);
  for (let k = 0; k < 40; k++) x[n + k] = (k % 2 ? -1 : 1) * 2 ** -(k + 10);
  return x;
}

test('the SIMD tanh is within 3 float32 ulp of tanh on the same sweep', () => {
  const x = sweep();
  const y = unary('tanh', x, 0);
  let worst = 0, at = 0;
  for (let i = 0; i < x.length; i++) {
    const u = ulps(y[i]!, Math.fround(Math.tanh(x[i]!)));
    if (u > worst) { worst = u; at = x[i]!; }
  }
  assert.ok(worst <= 3, `worst error ${worst.toFixed(2)} ulp at x = ${at}`);
});

test('the SIMD tanh: special values in every lane and tail position, same bits as in a full vector', () => {
  const special = [0, -0, Infinity, -Infinity, NaN, 7.9, -7.9, 20, -20, 1e-30, -1e-30, 3e-4, 0.5];
  const base = randomArray(4096, 3).map((v) => v * 10);
  for (let k = 0; k < special.length; k++) base[100 + k * 5] = special[k]!;
  const full = unary('tanh', base, 0);
  for (let i = 0; i < full.length; i++) assert.ok(full[i]! >= -1 && full[i]! <= 1 || Number.isNaN(base[i]), `|tanh| <= 1 at ${base[i]}`);
  const z = unary('tanh', base.subarray(0, 2048), 0);
  for (const n of [2048, 2049, 2050, 2051, 2053, 2055, 4095]) {
    const part = unary('tanh', base.slice(0, n), 0);
    assert.deepEqual(bits(part), bits(full.subarray(0, n)), `n=${n}: same bits as the full array`);
  }
  const at = (v: number): number => { const i = base.indexOf(v); return full[i]!; };
  assert.ok(Object.is(z[100], 0) && Object.is(full[105], -0), 'tanh(+-0) = +-0');
  assert.deepEqual([at(Infinity), at(-Infinity), at(20), at(-20)], [1, -1, 1, -1]);
  assert.ok(Number.isNaN(full[120]!), 'NaN stays NaN');
  assert.equal(at(Math.fround(1e-30)), Math.fround(1e-30), 'tiny x: tanh(x) = x');
});

test('the SIMD tanh and tanh\' give the same bits on 1 and 2 threads; tanh\' matches the reference', () => {
  setMinParallelFlops(0);
  try {
    const x = randomArray(10007, 4).map((v) => v * 5), dy = randomArray(10007, 5);
    setThreads(1);
    const y1 = unary('tanh', x, 0), g1 = unaryGrad('tanh', x, y1, dy, 0);
    setThreads(2);
    waitForThreads();
    const y2 = unary('tanh', x, 0), g2 = unaryGrad('tanh', x, y2, dy, 0);
    assert.deepEqual(bits(y2), bits(y1));
    assert.deepEqual(bits(g2), bits(g1));
    const r = refUnaryGrad('tanh', x, y1, dy, 0);
    for (let i = 0; i < r.length; i++) assert.ok(Math.abs(g1[i]! - r[i]!) <= 1e-6 * (1e-6 + Math.abs(r[i]!)) + 1e-12, `tanh' at ${i}: ${g1[i]} vs ${r[i]}`);
  } finally {
    setMinParallelFlops(2e6);
    setThreads(1);
  }
});
