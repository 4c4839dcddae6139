/**
 * Matrix products on the wasm runtime: batched C[b] = op(A[b]) * op(B[b]) (+ bias per row or
 * per column), where op transposes when asked. Transposes are only strides to the packed GEMM,
 * so linear's forward and both gradients cost the same as a plain product.
 */
import { call, splitRange, threadsFor } from './runtime.js';

export interface GemmOptions {
  /** A is stored [K, M] (use its transpose). */
  transA?: boolean;
  /** B is stored [N, K] (use its transpose). */
  transB?: boolean;
  /** Added to every row of C (length N): linear's bias. */
  biasCols?: Float32Array | null;
  /** Batch count; A, B, C hold `batch` matrices back to back (A or B may be shared: stride 0). */
  batch?: number;
  shareA?: boolean;
  shareB?: boolean;
}

/** C [batch, M, N] = op(A) [M, K] * op(B) [K, N] (+ biasCols). */
export function gemm(M: number, N: number, K: number, a: Float32Array, b: Float32Array,
                     opts: GemmOptions = {}): Float32Array {
  const { transA = false, transB = false, biasCols = null, batch = 1, shareA = false, shareB = false } = opts;
  return call((r) => {
    const ap = r.arena.put(a), bp = r.arena.put(b);
    const clen = batch * M * N;
    const cp = r.arena.alloc(clen * 4);
    const T = threadsFor(r, 2 * batch * M * N * K);
    // Row-major A [M,K]: rs = K, cs = 1; stored transposed [K,M]: rs = 1, cs = M.
    const [rsA, csA] = transA ? [1, M] : [K, 1];
    const [rsB, csB] = transB ? [1, K] : [N, 1];
    const strideA = shareA ? 0 : M * K, strideB = shareB ? 0 : K * N;
    const biasp = biasCols ? r.arena.put(biasCols) : 0;
    const mode = biasCols ? 3 : 0; // 3: bias[j] down each column
    const slices: number[][] = [];
    const one = (bi: number, i0: number, i1: number, j0: number, j1: number): number[] => {
      const A = ap + 4 * (bi * strideA), B = bp + 4 * (bi * strideB), C = cp + 4 * (bi * M * N);
      return [i1 - i0, j1 - j0, K, A + 4 * i0 * rsA, rsA, csA, B + 4 * j0 * csB, rsB, csB,
        C + 4 * (i0 * N + j0), N, mode, biasCols ? biasp + 4 * j0 : 0];
    };
    if (batch >= T) {
      for (const [b0, b1] of splitRange(batch, T)) slices.push([b0, b1, 0, M, 0, N]);
    } else if (M >= N) {
      for (const [i0, i1] of splitRange(M, T, 4)) slices.push([0, batch, i0, i1, 0, N]);
    } else {
      for (const [j0, j1] of splitRange(N, T, 8)) slices.push([0, batch, 0, M, j0, j1]);
    }
    // One pool call per batch index keeps the kernel signature flat; a slice spanning several
    // batches runs them one after another on its thread.
    const steps: Array<[string, number[][]]> = [];
    const maxB = Math.max(...slices.map((s) => s[1]! - s[0]!));
    for (let k = 0; k < maxB; k++) {
      const parts: number[][] = [];
      for (const [b0, b1, i0, i1, j0, j1] of slices) {
        if (b0! + k < b1!) parts.push([...one(b0! + k, i0!, i1!, j0!, j1!), 0]);
      }
      steps.push(['f32_gemm', parts]);
    }
    // Scratch per thread slot, after the operands (parts[t] runs on thread t in every step).
    const scratch = slices.map(() => r.arena.alloc(r.scratchBytes));
    for (const [, parts] of steps) parts.forEach((p, t) => { p[p.length - 1] = scratch[t]!; });
    return { steps, finish: () => r.arena.take(cp, clen) };
  });
}
