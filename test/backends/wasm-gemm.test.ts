/** The packed GEMM against a naive loop: every tile tail (MR = 4, NR = 8, K blocks of <= 384, MC = 128, NC = 512), transposes, bias, batches, threads. */
import { describe, it } from 'node:test';
import { assertClose } from '../helpers.js';
import { gemm } from '../../src/backends/wasm/gemm.js';
import { runtime, setThreads, waitForThreads, setMinParallelFlops } from '../../src/backends/wasm/runtime.js';
import { loadedVariant } from '../../src/backends/wasm/loader.js';
import assert from 'node:assert/strict';
import { naiveMatmul, randomArray, transpose } from './wasm-naive.js';

const tol = (K: number): number => 1e-5 * Math.max(1, Math.sqrt(K));

describe('wasm f32_gemm', () => {
  // Tiny shapes too run split across threads here, so every split path is tested.
  setMinParallelFlops(0);
  it('runs the module variant the parent test expects', () => {
    const want = process.env['DNNKIT_EXPECT_WASM_VARIANT'];
    runtime();
    if (want) assert.equal(loadedVariant, want);
  });

  for (const threads of [1, 2]) {
    it(`matches the naive product at every tile edge (${threads} thread${threads > 1 ? 's' : ''})`, () => {
      setThreads(threads);
      waitForThreads();
      let seed = 1;
      for (const M of [1, 2, 3, 4, 5, 6, 8, 9, 10, 13, 129]) {
        for (const N of [1, 7, 8, 9, 16, 17, 513]) {
          for (const K of [1, 3, 4, 5, 255, 385, 770]) {
            if (M * N * K > 3e6) continue;
            const a = randomArray(M * K, seed++), b = randomArray(K * N, seed++);
            assertClose(gemm(M, N, K, a, b), naiveMatmul(1, M, N, K, a, b), `gemm ${M}x${N}x${K}`, tol(K), tol(K));
          }
        }
      }
    });
  }

  it('handles transposed operands, a column bias and batches', () => {
    setThreads(2);
    let seed = 100;
    for (const [batch, M, N, K] of [[1, 13, 17, 9], [3, 6, 8, 300], [5, 33, 2, 65], [2, 1, 40, 7]] as const) {
      const a = randomArray(batch * M * K, seed++), b = randomArray(batch * K * N, seed++);
      const bias = randomArray(N, seed++);
      const expect = naiveMatmul(batch, M, N, K, a, b);
      const withBias = expect.map((v, i) => v + bias[i % N]!);
      const at = transpose(batch, M, K, a), bt = transpose(batch, K, N, b);
      const what = `gemm batch ${batch} ${M}x${N}x${K}`;
      assertClose(gemm(M, N, K, a, b, { batch }), expect, what, tol(K), tol(K));
      assertClose(gemm(M, N, K, at, b, { batch, transA: true }), expect, `${what} transA`, tol(K), tol(K));
      assertClose(gemm(M, N, K, a, bt, { batch, transB: true }), expect, `${what} transB`, tol(K), tol(K));
      assertClose(gemm(M, N, K, at, bt, { batch, transA: true, transB: true, biasCols: bias }), withBias,
        `${what} transA transB bias`, tol(K), tol(K));
    }
  });

  it('shares one operand across a batch', () => {
    setThreads(2);
    const batch = 4, M = 7, N = 9, K = 11;
    const a = randomArray(M * K, 7), b = randomArray(batch * K * N, 8);
    const aRep = new Float32Array(batch * M * K);
    for (let t = 0; t < batch; t++) aRep.set(a, t * M * K);
    assertClose(gemm(M, N, K, a, b, { batch, shareA: true }), naiveMatmul(batch, M, N, K, aRep, b), 'gemm shareA', 1e-5, 1e-5);
  });

  it('gives bit-identical results on 1 and 2 threads (row and column splits)', () => {
    for (const [M, N, K] of [[300, 40, 70], [20, 600, 300]] as const) {
      const a = randomArray(M * K, M), b = randomArray(K * N, N);
      setThreads(1);
      const one = gemm(M, N, K, a, b, { transB: false });
      setThreads(2);
      waitForThreads();
      assertClose(gemm(M, N, K, a, b), one, `gemm ${M}x${N}x${K} threads 1 vs 2`, 0, 0);
    }
  });

  it('returns the bias (or zeros) when K is 0', () => {
    setThreads(1);
    const bias = Float32Array.from([1, 2, 3]);
    assertClose(gemm(2, 3, 0, new Float32Array(0), new Float32Array(0), { biasCols: bias }), [1, 2, 3, 1, 2, 3], 'gemm K=0 bias');
    assertClose(gemm(2, 3, 0, new Float32Array(0), new Float32Array(0)), [0, 0, 0, 0, 0, 0], 'gemm K=0');
  });
});
