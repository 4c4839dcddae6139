/**
 * The fast 2x2 max pooling against the reference on every window over seven awkward values
 * (7^4 windows: ties in every position, +-0, +-Infinity, NaN): same argmax and the same bits
 * in every output (so -0 vs +0 and NaN payloads count).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maxPool2d } from '../../src/backends/wasm/max-pool.js';
import { maxPool2d as referenceMaxPool2d } from '../../src/backends/reference/max-pool.js';
import { bits } from '../helpers.js';

test('2x2 max pool: every window of {-1, -0, 0, 1, NaN, Inf, -Inf} matches the reference bit for bit', () => {
  const values = [-1, -0, 0, 1, NaN, Infinity, -Infinity];
  const k = values.length, windows = k ** 4, W = 2 * windows;
  const x = new Float32Array(2 * W);
  for (let w = 0; w < windows; w++) {
    const [a, b, c, d] = [w % k, Math.floor(w / k) % k, Math.floor(w / k ** 2) % k, Math.floor(w / k ** 3) % k];
    x[2 * w] = values[a]!; x[2 * w + 1] = values[b]!; x[W + 2 * w] = values[c]!; x[W + 2 * w + 1] = values[d]!;
  }
  const p = { N: 1, C: 1, H: 2, W, R: 2, S: 2, P: 1, Q: windows, strideH: 2, strideW: 2, padTop: 0, padLeft: 0, dilationH: 1, dilationW: 1 };
  const fast = maxPool2d(x, p), ref = referenceMaxPool2d(x, p);
  assert.deepEqual([...fast.argmax], [...ref.argmax], 'argmax');
  assert.deepEqual(bits(fast.y), bits(ref.y), 'output bits');
});
