/**
 * The reference batch-norm kernels (channelMoments, batchNormBackward) against the textbook
 * formulas written the slow, obvious way in float64, including a large mean offset (where
 * E[x^2] - E[x]^2 would fail), L = 1 ([N, C] input) and evaluation mode.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reference } from '../../src/backends/reference/index.js';
import { Generator } from '../../src/tensor/random.js';

function randomArray(n: number, g: Generator, offset = 0): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = offset + (g.uniform() * 2 - 1);
  return a;
}

function close(actual: Float32Array, expected: Float64Array | number[], tol: number, what: string): void {
  assert.equal(actual.length, expected.length, what);
  for (let i = 0; i < actual.length; i++) {
    const e = expected[i]!, a = actual[i]!;
    assert.ok(Math.abs(a - e) <= tol * (1 + Math.abs(e)), `${what}[${i}]: ${a} vs ${e}`);
  }
}

const cases: Array<[number, number, number, number]> = [[2, 3, 5, 0], [4, 2, 1, 0], [3, 4, 7, 1000], [1, 1, 9, -3]];

for (const [N, C, L, offset] of cases) {
  test(`channelMoments and batchNormBackward match the textbook formulas (N=${N}, C=${C}, L=${L}, offset ${offset})`, () => {
    const g = new Generator(N * 1000 + C * 10 + L);
    const x = randomArray(N * C * L, g, offset), dy = randomArray(N * C * L, g);
    const weight = randomArray(C, g), count = N * L;
    const at = (n: number, c: number, l: number): number => (n * C + c) * L + l;
    const mean = new Float64Array(C), variance = new Float64Array(C);
    for (let c = 0; c < C; c++) {
      let s = 0;
      for (let n = 0; n < N; n++) for (let l = 0; l < L; l++) s += x[at(n, c, l)]!;
      mean[c] = s / count;
      let v = 0;
      for (let n = 0; n < N; n++) for (let l = 0; l < L; l++) v += (x[at(n, c, l)]! - mean[c]!) ** 2;
      variance[c] = v / count;
    }
    const moments = reference.channelMoments(x, N, C, L);
    close(moments.mean, mean, 1e-6, 'mean');
    close(moments.variance, variance, 1e-5, 'variance');

    const invStd = Float32Array.from(variance, (v) => 1 / Math.sqrt(v + 1e-5));
    const m32 = Float32Array.from(mean);
    for (const training of [true, false]) {
      const r = reference.batchNormBackward(x, dy, N, C, L, m32, invStd, weight, training, true);
      const dW = new Float64Array(C), dB = new Float64Array(C), dx = new Float64Array(x.length);
      const xhat = (n: number, c: number, l: number): number => (x[at(n, c, l)]! - m32[c]!) * invStd[c]!;
      for (let c = 0; c < C; c++) {
        for (let n = 0; n < N; n++) for (let l = 0; l < L; l++) { dB[c] += dy[at(n, c, l)]!; dW[c] += dy[at(n, c, l)]! * xhat(n, c, l); }
        for (let n = 0; n < N; n++) {
          for (let l = 0; l < L; l++) {
            const d = dy[at(n, c, l)]!;
            dx[at(n, c, l)] = weight[c]! * invStd[c]! * (training ? d - dB[c]! / count - xhat(n, c, l) * dW[c]! / count : d);
          }
        }
      }
      close(r.dBias, dB, 1e-6, 'dBias');
      close(r.dWeight, dW, 1e-5, 'dWeight');
      close(r.dx!, dx, 1e-4, `dx (training ${training})`);
      assert.equal(reference.batchNormBackward(x, dy, N, C, L, m32, invStd, weight, training, false).dx, null);
    }
  });
}
