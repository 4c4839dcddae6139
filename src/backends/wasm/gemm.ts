/**
 * Matrix products on the wasm runtime: batched C[b] = op(A[b]) * op(B[b]) (+ bias per row or
 * per column), where op transposes when asked. Transposes are only strides to the packed GEMM,
 * so linear's forward and both gradients cost the same as a plain product.
 */
import { call, splitRange, threadsFor, type Runtime } from './runtime.js';

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
  const { batch = 1, biasCols = null } = opts;
  return call((r) => {
    const ap = r.arena.put(a), bp = r.arena.put(b);
    const clen = batch * M * N;
    const cp = r.arena.alloc(clen * 4);
    const biasp = biasCols ? r.arena.put(biasCols) : 0;
    return { steps: [gemmStep(r, M, N, K, ap, bp, cp, biasp, opts)], finish: () => r.arena.take(cp, clen) };
  });
}

/**
 * The kernel step of `gemm` on operands already in the arena (A at ap, B at bp, the bias at
 * biasp when opts.biasCols is given, C to cp), for calls that chain it with other steps.
 */
export function gemmStep(r: Runtime, M: number, N: number, K: number, ap: number, bp: number, cp: number, biasp: number,
                         opts: GemmOptions = {}): [string, number[][]] {
  const { transA = false, transB = false, biasCols = null, batch = 1, shareA = false, shareB = false } = opts;
  // A split repeats the packing of the operand the threads share, and small products leave
  // little to share: a GEMM counts as a quarter of its flops, so one under ~8 MFLOP (4x the
  // general threshold; LeNet's c5, 6.1 MFLOP: 0.15-0.3 ms per step faster) stays on one thread.
  const T = threadsFor(r, 0.25 * 2 * batch * M * N * K);
  // Row-major A [M,K]: rs = K, cs = 1; stored transposed [K,M]: rs = 1, cs = M.
  const [rsA, csA] = transA ? [1, M] : [K, 1];
  const [rsB, csB] = transB ? [1, K] : [N, 1];
  const strideA = shareA ? 0 : M * K, strideB = shareB ? 0 : K * N;
  const mode = biasCols ? 3 : 0; // 3: bias[j] down each column
  // Each thread takes a range of the batch (all of each product), or, for fewer products
  // than threads, a block of rows or columns of every product.
  const parts: number[][] = [];
  const slice = (b0: number, b1: number, i0: number, i1: number, j0: number, j1: number): void => {
    parts.push([b1 - b0, strideA, strideB, M * N, i1 - i0, j1 - j0, K,
      ap + 4 * (b0 * strideA + i0 * rsA), rsA, csA, bp + 4 * (b0 * strideB + j0 * csB), rsB, csB,
      cp + 4 * (b0 * M * N + i0 * N + j0), N, mode, biasCols ? biasp + 4 * j0 : 0, r.arena.alloc(r.scratchBytes)]);
  };
  // Whole products per thread only when they divide evenly or are plentiful (balance).
  if (batch >= T && (batch % T === 0 || batch >= 4 * T)) {
    for (const [b0, b1] of splitRange(batch, T)) slice(b0, b1, 0, M, 0, N);
  } else if (M >= N) {
    for (const [i0, i1] of splitRange(M, T, 4)) slice(0, batch, i0, i1, 0, N);
  } else {
    for (const [j0, j1] of splitRange(N, T, 8)) slice(0, batch, 0, M, j0, j1);
  }
  return ['f32_gemm_strided', parts];
}
