/** Reference reductions: sums over axes, per-channel moments. Accumulation in float64. */
import { sizeOf, stridesOf } from '../../tensor/shape.js';

/** Sum over `axes`, keeping them as size-1 dimensions. */
export function sum(x: Float32Array, shape: readonly number[], axes: readonly number[]): Float32Array {
  const outShape = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const out = new Float64Array(sizeOf(outShape));
  if (out.length === 1) {
    let s = 0;
    for (let i = 0; i < x.length; i++) s += x[i]!;
    return Float32Array.of(s);
  }
  const outStrides = stridesOf(outShape).map((s, i) => (axes.includes(i) ? 0 : s));
  const rank = shape.length;
  const idx = new Array<number>(rank).fill(0);
  let o = 0;
  for (let i = 0; i < x.length; i++) {
    out[o] += x[i]!;
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]!++;
      o += outStrides[d]!;
      if (idx[d]! < shape[d]!) break;
      o -= outStrides[d]! * idx[d]!;
      idx[d] = 0;
    }
  }
  return Float32Array.from(out);
}

export function channelMoments(x: Float32Array, N: number, C: number, L: number): { mean: Float32Array; variance: Float32Array } {
  const mean = new Float32Array(C), variance = new Float32Array(C);
  const count = N * L;
  for (let c = 0; c < C; c++) {
    let s = 0;
    for (let n = 0; n < N; n++) {
      const base = (n * C + c) * L;
      for (let l = 0; l < L; l++) s += x[base + l]!;
    }
    const m = s / count;
    // Two passes: the textbook E[x^2] - E[x]^2 loses precision when |mean| >> std.
    let v = 0;
    for (let n = 0; n < N; n++) {
      const base = (n * C + c) * L;
      for (let l = 0; l < L; l++) { const d = x[base + l]! - m; v += d * d; }
    }
    mean[c] = m;
    variance[c] = v / count;
  }
  return { mean, variance };
}

export function batchNormApply(x: Float32Array, N: number, C: number, L: number, mean: Float32Array,
                               invStd: Float32Array, weight: Float32Array, bias: Float32Array): Float32Array {
  const y = new Float32Array(x.length);
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      const scale = invStd[c]! * weight[c]!;
      const shift = bias[c]! - mean[c]! * scale;
      const base = (n * C + c) * L;
      for (let l = 0; l < L; l++) y[base + l] = x[base + l]! * scale + shift;
    }
  }
  return y;
}
