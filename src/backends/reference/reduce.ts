/** Reference reductions: sums over axes, per-channel moments. Accumulation in float64. */
import { sizeOf, stridesOf } from '../../tensor/shape.js';
import type { Pool2dParams } from '../../einsum/types.js';
import { maxPool2d } from './max-pool.js';
import { unaryGrad } from './elementwise.js';

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
  // Per (n, c) plane: two passes while the plane is still in cache (the textbook
  // E[x^2] - E[x]^2 loses precision when |mean| >> std), then the planes' means and squared
  // deviations are merged exactly (Chan et al.): M2 = sum M2_n + sum L * (mean_n - mean)^2.
  // Walking whole channels twice instead re-read the activation from memory on the 2nd pass.
  const planeMean = new Float64Array(N), planeM2 = new Float64Array(N);
  for (let c = 0; c < C; c++) {
    let total = 0;
    for (let n = 0; n < N; n++) {
      const base = (n * C + c) * L, end = base + L;
      let s = 0;
      for (let i = base; i < end; i++) s += x[i]!;
      const m = s / L;
      let v = 0;
      for (let i = base; i < end; i++) { const d = x[i]! - m; v += d * d; }
      planeMean[n] = m;
      planeM2[n] = v;
      total += s;
    }
    const m = total / (N * L);
    let m2 = 0;
    for (let n = 0; n < N; n++) { const d = planeMean[n]! - m; m2 += planeM2[n]! + L * d * d; }
    mean[c] = m;
    variance[c] = m2 / (N * L);
  }
  return { mean, variance };
}

/** 1 / sqrt(variance[c] + eps) per channel (in float64, rounded to float32). */
export function invStdOf(variance: Float32Array, eps: number): Float32Array {
  const invStd = new Float32Array(variance.length);
  for (let c = 0; c < variance.length; c++) invStd[c] = 1 / Math.sqrt(variance[c]! + eps);
  return invStd;
}

/** Training-mode forward: the batch statistics, invStd, and the normalised output (relu'd). */
export function batchNormTraining(x: Float32Array, N: number, C: number, L: number, weight: Float32Array,
                                  bias: Float32Array, eps: number, relu = false): { y: Float32Array; mean: Float32Array; variance: Float32Array; invStd: Float32Array } {
  const { mean, variance } = channelMoments(x, N, C, L);
  const invStd = invStdOf(variance, eps);
  return { y: batchNormApply(x, N, C, L, mean, invStd, weight, bias, relu), mean, variance, invStd };
}

/** batchNormTraining with relu, then max pooling: the composition is the specification. */
export function batchNormReluMaxPool(x: Float32Array, weight: Float32Array, bias: Float32Array, eps: number,
                                     p: Pool2dParams): { y: Float32Array; argmax: Int32Array; mean: Float32Array; variance: Float32Array; invStd: Float32Array } {
  const r = batchNormTraining(x, p.N, p.C, p.H * p.W, weight, bias, eps, true);
  const pooled = maxPool2d(r.y, p);
  return { y: pooled.y, argmax: pooled.argmax, mean: r.mean, variance: r.variance, invStd: r.invStd };
}

/**
 * The gradient at relu's output given dy at the pooled output: maxPool2dBackward's scatter-add
 * into zeros at argmax, then relu's gradient, which keeps a position where relu's output is
 * positive — at argmax that output is the pooled value y, and elsewhere the scatter left 0.
 * The same sums in the same order as the two kernels.
 */
export function reluPoolGradient(dy: Float32Array, y: Float32Array, argmax: Int32Array, size: number): Float32Array {
  const g = new Float32Array(size);
  for (let i = 0; i < dy.length; i++) {
    const at = argmax[i]!;
    if (at >= 0 && y[i]! > 0) g[at] += dy[i]!;
  }
  return g;
}

export function batchNormReluMaxPoolBackward(x: Float32Array, dy: Float32Array, y: Float32Array, argmax: Int32Array,
                                             mean: Float32Array, invStd: Float32Array, weight: Float32Array, p: Pool2dParams,
                                             needDx: boolean): { dx: Float32Array | null; dWeight: Float32Array; dBias: Float32Array } {
  return batchNormBackward(x, reluPoolGradient(dy, y, argmax, x.length), p.N, p.C, p.H * p.W, mean, invStd, weight, true, needDx);
}

export function batchNormApply(x: Float32Array, N: number, C: number, L: number, mean: Float32Array,
                               invStd: Float32Array, weight: Float32Array, bias: Float32Array, relu = false): Float32Array {
  const y = new Float32Array(x.length);
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      const scale = invStd[c]! * weight[c]!;
      const shift = bias[c]! - mean[c]! * scale;
      const base = (n * C + c) * L;
      if (!relu) {
        for (let l = 0; l < L; l++) y[base + l] = x[base + l]! * scale + shift;
        continue;
      }
      // relu of the float32 value, as unary('relu') sees it after the plain kernel.
      for (let l = 0; l < L; l++) { const v = Math.fround(x[base + l]! * scale + shift); y[base + l] = v > 0 ? v : 0; }
    }
  }
  return y;
}

/**
 * Gradients of batchNormApply for dy: dWeight[c] = sum dy * xhat, dBias[c] = sum dy (float64
 * sums), and, when `needDx`, dx. With batch statistics (`training`) mean and invStd depend on
 * x, which gives the classic closed form
 *   dx = weight*invStd * (dy - mean(dy) - xhat * mean(dy * xhat)),  xhat = (x - mean) * invStd;
 * with fixed statistics dx = weight * invStd * dy. One fused kernel: the rule used to take
 * three passes with per-element writes to the channel sums (~10 ns/element).
 */
export function batchNormBackward(x: Float32Array, dy: Float32Array, N: number, C: number, L: number,
                                  mean: Float32Array, invStd: Float32Array, weight: Float32Array,
                                  training: boolean, needDx: boolean, reluOutput: Float32Array | null = null): { dx: Float32Array | null; dWeight: Float32Array; dBias: Float32Array } {
  // Through the relu first: its gradient is dy where its output (so also its input) is positive.
  if (reluOutput) dy = unaryGrad('relu', reluOutput, reluOutput, dy, 0);
  const sumDy = new Float64Array(C), sumDyXhat = new Float64Array(C);
  const dx = needDx ? new Float32Array(x.length) : null;
  const count = N * L;
  // Channel by channel: one channel's planes (N*L floats, ~200 KB for 64x32x28x28) stay in
  // cache between the sums and the dx pass, so x and dy come from memory once, not twice.
  for (let c = 0; c < C; c++) {
    const m = mean[c]!, is = invStd[c]!;
    let sDy = 0, sDyXhat = 0;
    for (let n = 0; n < N; n++) {
      const base = (n * C + c) * L, end = base + L;
      let s = 0, sx = 0;
      for (let i = base; i < end; i++) { const d = dy[i]!; s += d; sx += d * (x[i]! - m); }
      sDy += s;
      sDyXhat += sx * is;
    }
    sumDy[c] = sDy;
    sumDyXhat[c] = sDyXhat;
    if (!dx) continue;
    const scale = weight[c]! * is;
    // dx = scale*dy - scale*mean(dy) - scale*invStd*mean(dy*xhat) * (x - mean)
    const mDy = training ? sDy / count : 0;
    const k = training ? scale * is * (sDyXhat / count) : 0;
    for (let n = 0; n < N; n++) {
      const base = (n * C + c) * L, end = base + L;
      for (let i = base; i < end; i++) dx[i] = scale * (dy[i]! - mDy) - k * (x[i]! - m);
    }
  }
  return { dx, dWeight: Float32Array.from(sumDyXhat), dBias: Float32Array.from(sumDy) };
}
