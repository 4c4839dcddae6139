// Batch normalisation over x [N, C, L] (L = H*W), one channel range [c0, c1) per call, so
// threads split by channels and every channel's numbers are the same whatever the split.
// Sums run in float64 (as the reference's): each f32x4 load is widened to two f64x2 halves,
// with four independent accumulators so the adds do not wait on each other.

import { maxPoolPlane2x2 } from './pool';

/** The high two lanes of v moved to the low two (for promote_low). */
// @ts-ignore: decorator
@inline
function high(v: v128): v128 {
  return i32x4.shuffle(v, v, 2, 3, 2, 3);
}

// @ts-ignore: decorator
@inline
function hsum(a: v128): f64 {
  return f64x2.extract_lane(a, 0) + f64x2.extract_lane(a, 1);
}

/** Sum of n floats at p, in float64. */
function sumF64(p: usize, n: i32): f64 {
  let a0 = f64x2.splat(0), a1 = f64x2.splat(0), a2 = f64x2.splat(0), a3 = f64x2.splat(0);
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const u = v128.load(p + (<usize>i << 2)), v = v128.load(p + (<usize>i << 2), 16);
    a0 = f64x2.add(a0, f64x2.promote_low_f32x4(u));
    a1 = f64x2.add(a1, f64x2.promote_low_f32x4(high(u)));
    a2 = f64x2.add(a2, f64x2.promote_low_f32x4(v));
    a3 = f64x2.add(a3, f64x2.promote_low_f32x4(high(v)));
  }
  let s = hsum(f64x2.add(f64x2.add(a0, a1), f64x2.add(a2, a3)));
  for (; i < n; i++) s += <f64>load<f32>(p + (<usize>i << 2));
  return s;
}

/** Sum of (x - m)^2 over n floats at p, in float64. */
function sumSqDevF64(p: usize, n: i32, m: f64): f64 {
  const mv = f64x2.splat(m);
  let a0 = f64x2.splat(0), a1 = f64x2.splat(0), a2 = f64x2.splat(0), a3 = f64x2.splat(0);
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const u = v128.load(p + (<usize>i << 2)), v = v128.load(p + (<usize>i << 2), 16);
    const d0 = f64x2.sub(f64x2.promote_low_f32x4(u), mv), d1 = f64x2.sub(f64x2.promote_low_f32x4(high(u)), mv);
    const d2 = f64x2.sub(f64x2.promote_low_f32x4(v), mv), d3 = f64x2.sub(f64x2.promote_low_f32x4(high(v)), mv);
    a0 = f64x2.add(a0, f64x2.mul(d0, d0));
    a1 = f64x2.add(a1, f64x2.mul(d1, d1));
    a2 = f64x2.add(a2, f64x2.mul(d2, d2));
    a3 = f64x2.add(a3, f64x2.mul(d3, d3));
  }
  let s = hsum(f64x2.add(f64x2.add(a0, a1), f64x2.add(a2, a3)));
  for (; i < n; i++) {
    const d = <f64>load<f32>(p + (<usize>i << 2)) - m;
    s += d * d;
  }
  return s;
}

/**
 * y = (x - m) * scale + shift over n floats (in float32); with `relu`, then y > 0 ? y : 0 as
 * f32_relu computes it (so the fused result has the bits of the two kernels in a row).
 */
function affine(x: usize, y: usize, n: i32, m: f32, scale: f32, shift: f32, relu: bool): void {
  const mv = f32x4.splat(m), sv = f32x4.splat(scale), bv = f32x4.splat(shift);
  // All ones keeps every value; the zero vector's mask keeps the positive ones.
  const keepAll = i32x4.splat(-1), zero = f32x4.splat(0);
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const o = <usize>i << 2;
    const u = f32x4.add(f32x4.mul(f32x4.sub(v128.load(x + o), mv), sv), bv);
    const v = f32x4.add(f32x4.mul(f32x4.sub(v128.load(x + o, 16), mv), sv), bv);
    v128.store(y + o, v128.and(u, relu ? f32x4.gt(u, zero) : keepAll));
    v128.store(y + o, v128.and(v, relu ? f32x4.gt(v, zero) : keepAll), 16);
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const v = (load<f32>(x + o) - m) * scale + shift;
    store<f32>(y + o, relu ? (v > 0 ? v : 0) : v);
  }
}

/** Four floats of dy at offset o, through relu's gradient (reluOut > 0) when `masked`. */
// @ts-ignore: decorator
@inline
function gradIn(dy: usize, reluOut: usize, o: usize, masked: bool): v128 {
  const g = v128.load(dy + o);
  if (!masked) return g;
  return v128.and(g, f32x4.gt(v128.load(reluOut + o), f32x4.splat(0)));
}

// @ts-ignore: decorator
@inline
function plane(base: usize, n: i32, c: i32, C: i32, L: i32): usize {
  return base + ((<usize>(n * C + c) * <usize>L) << 2);
}

/**
 * Training-mode forward for channels [c0, c1): the batch mean and biased variance (each
 * (n, c) plane summed twice while it is in cache — the mean, then squared deviations from it —
 * and the planes merged exactly, Chan et al.), invStd = 1 / sqrt(variance + eps) rounded as
 * JavaScript rounds it into a Float32Array, and y = (x - mean) * invStd * weight + bias.
 */
export function bn_train_forward(x: usize, y: usize, mean: usize, variance: usize, invStd: usize, weight: usize,
                                 bias: usize, N: i32, C: i32, L: i32, eps: f64, relu: i32, c0: i32, c1: i32): void {
  for (let c = c0; c < c1; c++) {
    channelStats(x, N, C, L, eps, c, mean, variance, invStd);
    const co = <usize>c << 2;
    const mu = load<f32>(mean + co);
    const scale = <f32>(<f64>load<f32>(invStd + co) * <f64>load<f32>(weight + co)), shift = load<f32>(bias + co);
    for (let n = 0; n < N; n++) affine(plane(x, n, c, C, L), plane(y, n, c, C, L), L, mu, scale, shift, relu != 0);
  }
}

/** Channel c's mean, biased variance and invStd (see bn_train_forward), stored at c. */
function channelStats(x: usize, N: i32, C: i32, L: i32, eps: f64, c: i32, mean: usize, variance: usize, invStd: usize): void {
  const count = <f64>N * <f64>L;
  let total: f64 = 0, seen: f64 = 0, runMean: f64 = 0, m2: f64 = 0;
  for (let n = 0; n < N; n++) {
    const p = plane(x, n, c, C, L);
    const s = sumF64(p, L);
    const m = s / <f64>L;
    const v = sumSqDevF64(p, L, m);
    // Merge this plane's (L, m, v) into the running (seen, runMean, m2).
    const both = seen + <f64>L, delta = m - runMean;
    runMean += delta * <f64>L / both;
    m2 += v + delta * delta * seen * <f64>L / both;
    seen = both;
    total += s;
  }
  const vr = <f32>(m2 / count);
  const co = <usize>c << 2;
  store<f32>(mean + co, <f32>(total / count));
  store<f32>(variance + co, vr);
  store<f32>(invStd + co, <f32>(1.0 / Math.sqrt(<f64>vr + eps)));
}

/**
 * bn_train_forward with relu, then 2x2 stride-2 max pooling, for channels [c0, c1) of x
 * [N, C, H, W]: each plane's relu(y) goes to `scratch` (H*W floats of this thread) and is
 * pooled from there into y [N, C, P, Q] and argmax (flat indices into x), so relu(y) never
 * reaches memory the host copies. The same bits as the three kernels in a row.
 */
export function bn_relu_maxpool2x2(x: usize, y: usize, argmax: usize, mean: usize, variance: usize, invStd: usize,
                                   weight: usize, bias: usize, N: i32, C: i32, H: i32, W: i32, P: i32, Q: i32,
                                   eps: f64, scratch: usize, c0: i32, c1: i32): void {
  const L = H * W;
  for (let c = c0; c < c1; c++) {
    channelStats(x, N, C, L, eps, c, mean, variance, invStd);
    const co = <usize>c << 2;
    const mu = load<f32>(mean + co);
    const scale = <f32>(<f64>load<f32>(invStd + co) * <f64>load<f32>(weight + co)), shift = load<f32>(bias + co);
    for (let n = 0; n < N; n++) {
      affine(plane(x, n, c, C, L), scratch, L, mu, scale, shift, true);
      const out = <usize>((n * C + c) * P * Q) << 2;
      maxPoolPlane2x2(scratch, y + out, argmax + out, H, W, P, Q, (n * C + c) * L);
    }
  }
}

/**
 * y = (x - mean[c]) * invStd[c] * weight[c] + bias[c] for channels [c0, c1) (given
 * statistics), then relu when asked.
 */
export function bn_apply(x: usize, y: usize, mean: usize, invStd: usize, weight: usize, bias: usize,
                         N: i32, C: i32, L: i32, relu: i32, c0: i32, c1: i32): void {
  for (let c = c0; c < c1; c++) {
    const co = <usize>c << 2;
    const mu = load<f32>(mean + co);
    const scale = <f32>(<f64>load<f32>(invStd + co) * <f64>load<f32>(weight + co)), shift = load<f32>(bias + co);
    for (let n = 0; n < N; n++) affine(plane(x, n, c, C, L), plane(y, n, c, C, L), L, mu, scale, shift, relu != 0);
  }
}

/**
 * Backward for channels [c0, c1): dBias = sum dy, dWeight = sum dy * xhat (float64 sums), and
 * when `needDx` dx = scale*(dy - mean(dy)) - k*(x - mean) with scale = weight*invStd and
 * k = scale*invStd*mean(dy*xhat) in training mode (the batch statistics depend on x), or
 * dx = scale*dy with fixed statistics. A channel's planes stay in cache from the sums to dx.
 * With `reluOut` (not 0: the forward's relu'd output) dy first goes through relu's gradient,
 * dy where reluOut > 0 else 0, as f32_relu_grad computes it.
 */
export function bn_backward(x: usize, dy: usize, dx: usize, mean: usize, invStd: usize, weight: usize,
                            dWeight: usize, dBias: usize, N: i32, C: i32, L: i32, training: i32, needDx: i32,
                            reluOut: usize, c0: i32, c1: i32): void {
  for (let c = c0; c < c1; c++) {
    backwardChannel(x, dy + ((<usize>c * <usize>L) << 2), (<usize>C * <usize>L) << 2, dx, mean, invStd, weight,
      dWeight, dBias, N, C, L, training, needDx, reluOut, c);
  }
}

/**
 * bn_backward's work for channel c, with the channel's dy planes at dyc + n * dyStride bytes
 * (the gradient tensor's layout, or a scratch copy of just this channel).
 */
// @ts-ignore: decorator
@inline
function backwardChannel(x: usize, dyc: usize, dyStride: usize, dx: usize, mean: usize, invStd: usize, weight: usize,
                         dWeight: usize, dBias: usize, N: i32, C: i32, L: i32, training: i32, needDx: i32,
                         reluOut: usize, c: i32): void {
  const count = <f64>N * <f64>L;
  const masked = reluOut != 0;
  const co = <usize>c << 2;
  const mf = load<f32>(mean + co), m = <f64>mf, is = <f64>load<f32>(invStd + co);
  const mv = f64x2.splat(m);
  let s0 = f64x2.splat(0), s1 = f64x2.splat(0), t0 = f64x2.splat(0), t1 = f64x2.splat(0);
  let sDy: f64 = 0, sDyX: f64 = 0;
  for (let n = 0; n < N; n++) {
    const px = plane(x, n, c, C, L), pd = dyc + <usize>n * dyStride, pr = plane(reluOut, n, c, C, L);
    let i = 0;
    for (; i + 4 <= L; i += 4) {
      const o = <usize>i << 2;
      const g = gradIn(pd, pr, o, masked), v = v128.load(px + o);
      const g0 = f64x2.promote_low_f32x4(g), g1 = f64x2.promote_low_f32x4(high(g));
      s0 = f64x2.add(s0, g0);
      s1 = f64x2.add(s1, g1);
      t0 = f64x2.add(t0, f64x2.mul(g0, f64x2.sub(f64x2.promote_low_f32x4(v), mv)));
      t1 = f64x2.add(t1, f64x2.mul(g1, f64x2.sub(f64x2.promote_low_f32x4(high(v)), mv)));
    }
    for (; i < L; i++) {
      const o = <usize>i << 2;
      const g = <f64>(masked && !(load<f32>(pr + o) > 0) ? 0 : load<f32>(pd + o));
      sDy += g;
      sDyX += g * (<f64>load<f32>(px + o) - m);
    }
  }
  sDy += hsum(f64x2.add(s0, s1));
  sDyX += hsum(f64x2.add(t0, t1));
  const sDyXhat = sDyX * is;
  store<f32>(dBias + co, <f32>sDy);
  store<f32>(dWeight + co, <f32>sDyXhat);
  if (!needDx) return;
  const scale = <f64>load<f32>(weight + co) * is;
  const mDy = training ? sDy / count : 0.0;
  const k = training ? scale * is * (sDyXhat / count) : 0.0;
  const sc = <f32>scale, md = <f32>mDy, kf = <f32>k;
  const scv = f32x4.splat(sc), mdv = f32x4.splat(md), kv = f32x4.splat(kf), mfv = f32x4.splat(mf);
  for (let n = 0; n < N; n++) {
    const px = plane(x, n, c, C, L), pd = dyc + <usize>n * dyStride, po = plane(dx, n, c, C, L);
    const pr = plane(reluOut, n, c, C, L);
    let i = 0;
    for (; i + 4 <= L; i += 4) {
      const o = <usize>i << 2;
      const a = f32x4.mul(scv, f32x4.sub(gradIn(pd, pr, o, masked), mdv));
      v128.store(po + o, f32x4.sub(a, f32x4.mul(kv, f32x4.sub(v128.load(px + o), mfv))));
    }
    for (; i < L; i++) {
      const o = <usize>i << 2;
      const g: f32 = masked && !(load<f32>(pr + o) > 0) ? 0 : load<f32>(pd + o);
      store<f32>(po + o, sc * (g - md) - kf * (load<f32>(px + o) - mf));
    }
  }
}

/**
 * The gradient of bn_relu_maxpool2x2 for channels [c0, c1) (training mode), from dy at the
 * pooled output: each channel's gradient at relu's output is rebuilt in `scratch` (N*H*W
 * floats of this thread) as maxPool2dBackward's scatter-add into zeros at argmax, kept where
 * the pooled value y is positive (relu's gradient), then bn_backward's work runs on it. The
 * same bits as the separate kernels, without the full-size gradient crossing from the host.
 */
export function bn_relu_maxpool2x2_backward(x: usize, dyp: usize, yp: usize, argmax: usize, dx: usize, mean: usize,
                                            invStd: usize, weight: usize, dWeight: usize, dBias: usize, N: i32, C: i32,
                                            H: i32, W: i32, P: i32, Q: i32, needDx: i32, scratch: usize,
                                            c0: i32, c1: i32): void {
  const L = H * W, PQ = P * Q;
  for (let c = c0; c < c1; c++) {
    memory.fill(scratch, 0, (<usize>N * <usize>L) << 2);
    for (let n = 0; n < N; n++) {
      const base = (n * C + c) * L, o0 = (n * C + c) * PQ;
      const dst = scratch + ((<usize>n * <usize>L) << 2);
      for (let o = o0; o < o0 + PQ; o++) {
        const oo = <usize>o << 2;
        if (!(load<f32>(yp + oo) > 0)) continue;
        const at = dst + (<usize>(load<i32>(argmax + oo) - base) << 2);
        store<f32>(at, load<f32>(at) + load<f32>(dyp + oo));
      }
    }
    backwardChannel(x, scratch, <usize>L << 2, dx, mean, invStd, weight, dWeight, dBias, N, C, L, 1, needDx, 0, c);
  }
}
