/**
 * Naive loop nests straight from the einsums of src/einsum/types.ts, used as the expected
 * values of the wasm kernel tests (independent of every fast path), plus a seeded generator.
 */
import type { Conv2dParams } from '../../src/einsum/types.js';

/** Deterministic uniform floats in [-1, 1) (xorshift32), so failures reproduce. */
export function randomArray(n: number, seed: number): Float32Array {
  let s = (seed * 2654435761) >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    out[i] = (s / 4294967296) * 2 - 1;
  }
  return out;
}

/** Output size per DESIGN.md: floor((H + padBefore + padAfter - d*(R-1) - 1) / U) + 1. */
export function convParams(o: {
  N: number; C: number; H: number; W: number; M: number; R: number; S: number;
  stride?: number | [number, number]; pad?: number | [number, number]; dilation?: number | [number, number];
  groups?: number;
}): Conv2dParams {
  const pair = (v: number | [number, number] | undefined, d: number): [number, number] =>
    v === undefined ? [d, d] : typeof v === 'number' ? [v, v] : v;
  const [U, V] = pair(o.stride, 1), [PH, PW] = pair(o.pad, 0), [DH, DW] = pair(o.dilation, 1);
  const P = Math.floor((o.H + 2 * PH - DH * (o.R - 1) - 1) / U) + 1;
  const Q = Math.floor((o.W + 2 * PW - DW * (o.S - 1) - 1) / V) + 1;
  return { N: o.N, C: o.C, H: o.H, W: o.W, M: o.M, R: o.R, S: o.S, P, Q, strideH: U, strideW: V,
    padTop: PH, padLeft: PW, dilationH: DH, dilationW: DW, groups: o.groups ?? 1 };
}

/** Visit every (n, m, p, q, c, r, s, ih, iw) of the conv iteration space with an in-bounds input. */
function forEachMac(p: Conv2dParams, f: (yi: number, xi: number, wi: number, m: number) => void): void {
  const Cg = p.C / p.groups, Mg = p.M / p.groups;
  for (let n = 0; n < p.N; n++) for (let m = 0; m < p.M; m++) {
    const g = Math.floor(m / Mg);
    for (let oh = 0; oh < p.P; oh++) for (let ow = 0; ow < p.Q; ow++) {
      const yi = ((n * p.M + m) * p.P + oh) * p.Q + ow;
      for (let c = 0; c < Cg; c++) for (let r = 0; r < p.R; r++) {
        const ih = oh * p.strideH + r * p.dilationH - p.padTop;
        if (ih < 0 || ih >= p.H) continue;
        for (let s = 0; s < p.S; s++) {
          const iw = ow * p.strideW + s * p.dilationW - p.padLeft;
          if (iw < 0 || iw >= p.W) continue;
          f(yi, ((n * p.C + g * Cg + c) * p.H + ih) * p.W + iw, ((m * Cg + c) * p.R + r) * p.S + s, m);
        }
      }
    }
  }
}

export function naiveConv(p: Conv2dParams, x: Float32Array, w: Float32Array, b: Float32Array | null): Float64Array {
  const y = new Float64Array(p.N * p.M * p.P * p.Q);
  if (b) for (let i = 0; i < y.length; i++) y[i] = b[Math.floor(i / (p.P * p.Q)) % p.M]!;
  forEachMac(p, (yi, xi, wi) => { y[yi]! += x[xi]! * w[wi]!; });
  return y;
}

export function naiveConvDx(p: Conv2dParams, dy: Float32Array, w: Float32Array): Float64Array {
  const dx = new Float64Array(p.N * p.C * p.H * p.W);
  forEachMac(p, (yi, xi, wi) => { dx[xi]! += dy[yi]! * w[wi]!; });
  return dx;
}

export function naiveConvDw(p: Conv2dParams, x: Float32Array, dy: Float32Array): Float64Array {
  const dw = new Float64Array(p.M * (p.C / p.groups) * p.R * p.S);
  forEachMac(p, (yi, xi, wi) => { dw[wi]! += dy[yi]! * x[xi]!; });
  return dw;
}

/** C[b,i,j] = sum_k A[b,i,k] B[b,k,j] (row-major, no transposes). */
export function naiveMatmul(batch: number, M: number, N: number, K: number, a: ArrayLike<number>, b: ArrayLike<number>): Float64Array {
  const c = new Float64Array(batch * M * N);
  for (let t = 0; t < batch; t++) for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
    let acc = 0;
    for (let k = 0; k < K; k++) acc += a[(t * M + i) * K + k]! * b[(t * K + k) * N + j]!;
    c[(t * M + i) * N + j] = acc;
  }
  return c;
}

/** Transpose each of `batch` row-major [rows, cols] matrices. */
export function transpose(batch: number, rows: number, cols: number, a: Float32Array): Float32Array {
  const t = new Float32Array(a.length);
  for (let b = 0; b < batch; b++) for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) {
    t[(b * cols + j) * rows + i] = a[(b * rows + i) * cols + j]!;
  }
  return t;
}
