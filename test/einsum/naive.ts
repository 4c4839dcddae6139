/**
 * Hand-written naive loops, written independently of the einsum engine, that the interpreter
 * is checked against. Plain nested loops over the PyTorch definitions, accumulating in float64.
 */
import type { Conv2dParams, ConvTranspose2dParams, Pool2dParams } from '../../src/einsum/types.js';

/** A deterministic pseudo-random buffer in [-1, 1) (mulberry32), so failures reproduce. */
export function randomBuffer(n: number, seed: number): Float32Array {
  let a = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

export function naiveConv2d(x: Float32Array, w: Float32Array, b: Float32Array | null, p: Conv2dParams): Float32Array {
  const { N, C, H, W, M, R, S, P, Q, groups: G } = p;
  const Cg = C / G, Mg = M / G;
  const y = new Float32Array(N * M * P * Q);
  for (let n = 0; n < N; n++) for (let m = 0; m < M; m++) for (let oy = 0; oy < P; oy++) for (let ox = 0; ox < Q; ox++) {
    const g = Math.floor(m / Mg);
    let acc = 0;
    for (let c = 0; c < Cg; c++) for (let r = 0; r < R; r++) for (let s = 0; s < S; s++) {
      const iy = oy * p.strideH + r * p.dilationH - p.padTop;
      const ix = ox * p.strideW + s * p.dilationW - p.padLeft;
      if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
      acc += x[((n * C + g * Cg + c) * H + iy) * W + ix]! * w[((m * Cg + c) * R + r) * S + s]!;
    }
    y[((n * M + m) * P + oy) * Q + ox] = acc + (b ? b[m]! : 0);
  }
  return y;
}

export function naiveConvTranspose2d(x: Float32Array, w: Float32Array, b: Float32Array | null, p: ConvTranspose2dParams): Float32Array {
  const { N, C, H, W, M, R, S, P, Q, groups: G } = p;
  const Cg = C / G, Mg = M / G;
  const y = new Float64Array(N * M * P * Q);
  for (let n = 0; n < N; n++) for (let ci = 0; ci < C; ci++) for (let iy = 0; iy < H; iy++) for (let ix = 0; ix < W; ix++) {
    const g = Math.floor(ci / Cg);
    for (let mo = 0; mo < Mg; mo++) for (let r = 0; r < R; r++) for (let s = 0; s < S; s++) {
      const oy = iy * p.strideH + r * p.dilationH - p.padTop;
      const ox = ix * p.strideW + s * p.dilationW - p.padLeft;
      if (oy < 0 || oy >= P || ox < 0 || ox >= Q) continue;
      y[((n * M + g * Mg + mo) * P + oy) * Q + ox] += x[((n * C + ci) * H + iy) * W + ix]! * w[((ci * Mg + mo) * R + r) * S + s]!;
    }
  }
  if (b) for (let i = 0; i < y.length; i++) y[i] += b[Math.floor(i / (P * Q)) % M]!;
  return Float32Array.from(y);
}

export function naiveLinear(x: Float32Array, w: Float32Array, b: Float32Array | null, N: number, C: number, M: number): Float32Array {
  const y = new Float32Array(N * M);
  for (let n = 0; n < N; n++) for (let m = 0; m < M; m++) {
    let acc = 0;
    for (let c = 0; c < C; c++) acc += x[n * C + c]! * w[m * C + c]!;
    y[n * M + m] = acc + (b ? b[m]! : 0);
  }
  return y;
}

export function naiveMatmul(a: Float32Array, b: Float32Array, B: number, I: number, K: number, J: number): Float32Array {
  const y = new Float32Array(B * I * J);
  for (let t = 0; t < B; t++) for (let i = 0; i < I; i++) for (let j = 0; j < J; j++) {
    let acc = 0;
    for (let k = 0; k < K; k++) acc += a[(t * I + i) * K + k]! * b[(t * K + k) * J + j]!;
    y[(t * I + i) * J + j] = acc;
  }
  return y;
}

/** Average (count_include_pad=True, divide by R*S) or max (padding ignored) pooling. */
export function naivePool(x: Float32Array, p: Pool2dParams, mode: 'avg' | 'max'): Float32Array {
  const { N, C, H, W, R, S, P, Q } = p;
  const y = new Float32Array(N * C * P * Q);
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let oy = 0; oy < P; oy++) for (let ox = 0; ox < Q; ox++) {
    let acc = mode === 'max' ? -Infinity : 0;
    for (let r = 0; r < R; r++) for (let s = 0; s < S; s++) {
      const iy = oy * p.strideH + r * p.dilationH - p.padTop;
      const ix = ox * p.strideW + s * p.dilationW - p.padLeft;
      if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
      const v = x[((n * C + c) * H + iy) * W + ix]!;
      acc = mode === 'max' ? Math.max(acc, v) : acc + v;
    }
    y[((n * C + c) * P + oy) * Q + ox] = mode === 'max' ? acc : acc / (R * S);
  }
  return y;
}

export function naiveZeroInsert(x: Float32Array, N: number, C: number, H: number, W: number, U: number, P: number, Q: number): Float32Array {
  const y = new Float32Array(N * C * P * Q);
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) {
    if (U * h < P && U * w < Q) y[((n * C + c) * P + U * h) * Q + U * w] = x[((n * C + c) * H + h) * W + w]!;
  }
  return y;
}

export function naiveNearest(x: Float32Array, N: number, C: number, H: number, W: number, U: number, V: number): Float32Array {
  const P = U * H, Q = V * W;
  const y = new Float32Array(N * C * P * Q);
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let oy = 0; oy < P; oy++) for (let ox = 0; ox < Q; ox++) {
    y[((n * C + c) * P + oy) * Q + ox] = x[((n * C + c) * H + Math.floor(oy / U)) * W + Math.floor(ox / V)]!;
  }
  return y;
}
