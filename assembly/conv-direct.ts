// Direct convolution for small stride-1, unpadded, undilated, ungrouped layers whose output
// rows are not a multiple of the GEMM's 8-pixel panel (LeNet-5's c1: 1 -> 6 channels over
// 32x32, and c3: 6 -> 16 over 14x14, both 5x5). There im2col plus packing cost as much as the
// GEMM itself; here the 4x8 micro-tile (4 filters x 8 pixels of one output row) reads B
// straight from the image: row k = (c, r, s) of the virtual im2col matrix, at pixel (p, q), is
// x[c, p + r, q + s .. q + s + 7], at a fixed offset (the host's table) from x[0, p, q]. No
// column ever crosses an output row, so nothing is computed for discarded pixels except where
// a row's last tile overlaps the one before it (rewriting the same values).
//
// Epilogue: the bias initialises the accumulators (as the GEMM's mode 2), tanh optionally
// (assembly/tanh.ts's, so a fused conv + tanh gives the bits of the two ops one after the
// other), and a unit's planes are optionally average-pooled 2x2 right after (f32_avgpool2x2).

import { ConvParams, paramsAt } from './params';
import { MR, madd } from './gemm';
import { f32_tanh } from './tanh';
import { f32_avgpool2x2 } from './pool';

/** Activation codes of the epilogue (the host's DIRECT_ACT). */
const ACT_TANH: i32 = 1;

/**
 * One 4 x 8 tile: filters (packed panel at ap: k-major, MR lanes) x pixels [q, q + 8) of one
 * output row, whose x[0, p, q] is at xb; `offs` holds the byte offset of each k. Rows [0, mr)
 * are stored at yb (row stride ldy bytes).
 */
function tile4x8(K: i32, ap: usize, offs: usize, xb: usize, bias: usize, yb: usize, ldy: usize, mr: i32): void {
  let c00 = v128.load32_splat(bias), c10 = v128.load32_splat(bias, 4);
  let c20 = v128.load32_splat(bias, 8), c30 = v128.load32_splat(bias, 12);
  let c01 = c00, c11 = c10, c21 = c20, c31 = c30;
  for (let k = 0; k < K; k++) {
    const at = xb + <usize>load<i32>(offs);
    const b0 = v128.load(at);
    const b1 = v128.load(at, 16);
    let a = v128.load32_splat(ap);
    c00 = madd(a, b0, c00); c01 = madd(a, b1, c01);
    a = v128.load32_splat(ap, 4);
    c10 = madd(a, b0, c10); c11 = madd(a, b1, c11);
    a = v128.load32_splat(ap, 8);
    c20 = madd(a, b0, c20); c21 = madd(a, b1, c21);
    a = v128.load32_splat(ap, 12);
    c30 = madd(a, b0, c30); c31 = madd(a, b1, c31);
    ap += 16;
    offs += 4;
  }
  v128.store(yb, c00); v128.store(yb, c01, 16);
  if (mr > 1) { yb += ldy; v128.store(yb, c10); v128.store(yb, c11, 16); }
  if (mr > 2) { yb += ldy; v128.store(yb, c20); v128.store(yb, c21, 16); }
  if (mr > 3) { yb += ldy; v128.store(yb, c30); v128.store(yb, c31, 16); }
}

/** tile4x8 for 4 pixels: the same products in the same order, for a row's last pixels. */
function tile4x4(K: i32, ap: usize, offs: usize, xb: usize, bias: usize, yb: usize, ldy: usize, mr: i32): void {
  let c0 = v128.load32_splat(bias), c1 = v128.load32_splat(bias, 4);
  let c2 = v128.load32_splat(bias, 8), c3 = v128.load32_splat(bias, 12);
  for (let k = 0; k < K; k++) {
    const b = v128.load(xb + <usize>load<i32>(offs));
    c0 = madd(v128.load32_splat(ap), b, c0);
    c1 = madd(v128.load32_splat(ap, 4), b, c1);
    c2 = madd(v128.load32_splat(ap, 8), b, c2);
    c3 = madd(v128.load32_splat(ap, 12), b, c3);
    ap += 16;
    offs += 4;
  }
  v128.store(yb, c0);
  if (mr > 1) { yb += ldy; v128.store(yb, c1); }
  if (mr > 2) { yb += ldy; v128.store(yb, c2); }
  if (mr > 3) { yb += ldy; v128.store(yb, c3); }
}

/**
 * y[n, m, p, q] = act(bias[m] + sum over k = (c, r, s) of w[m, k] * x[n, c, p + r, q + s]) for
 * a stride-1, unpadded, undilated, ungrouped conv with Q >= 4, in units (image n, panel of MR
 * filters) that the threads of a call take from the shared counter at `next` (an i32 the host
 * zeroes). `ap` is the filter packed as MR-row panels (panel i at ap + i*MR*K floats, k-major,
 * rows past M zero), `bias` M floats padded to whole panels, `offs` the K byte offsets
 * ((c*H + r)*W + s)*4. With `pooled` != 0, each unit then writes the 2x2 average pooling of
 * its planes there ([N, M, P/2, Q/2], as f32_avgpool2x2). Every output is computed by one unit
 * the same way whoever runs it: results do not depend on the split.
 */
export function conv2d_direct_forward(pp: usize, x: usize, ap: usize, bias: usize, offs: usize, y: usize,
                                      pooled: usize, act: i32, next: usize): void {
  const cp = paramsAt(pp);
  const M = cp.M, P = cp.P, Q = cp.Q, W = cp.W;
  const K = cp.C * cp.R * cp.S;
  const panels = (M + MR - 1) / MR;
  const units = cp.N * panels;
  const ldy = <usize>(P * Q) << 2;
  for (let u = atomic.add<i32>(next, 1); u < units; u = atomic.add<i32>(next, 1)) {
    const n = u / panels, i = u - n * panels;
    const m0 = i * MR, mr = min(MR, M - m0);
    const apu = ap + (<usize>(i * MR * K) << 2);
    const bu = bias + (<usize>m0 << 2);
    const xn = x + ((<usize>n * <usize>(cp.C * cp.H * W)) << 2);
    const yn = y + ((<usize>n * <usize>M + <usize>m0) * <usize>(P * Q) << 2);
    for (let p = 0; p < P; p++) {
      const xr = xn + (<usize>(p * W) << 2), yr = yn + (<usize>(p * Q) << 2);
      let q = 0;
      for (; q + 8 <= Q; q += 8) tile4x8(K, apu, offs, xr + (<usize>q << 2), bu, yr + (<usize>q << 2), ldy, mr);
      const rest = Q - q;
      if (rest > 4 && Q >= 8) {
        tile4x8(K, apu, offs, xr + (<usize>(Q - 8) << 2), bu, yr + (<usize>(Q - 8) << 2), ldy, mr);
      } else if (rest > 0) {
        if (rest > 4) tile4x4(K, apu, offs, xr + (<usize>q << 2), bu, yr + (<usize>q << 2), ldy, mr);
        tile4x4(K, apu, offs, xr + (<usize>(Q - 4) << 2), bu, yr + (<usize>(Q - 4) << 2), ldy, mr);
      }
    }
    if (act == ACT_TANH) f32_tanh(yn, yn, mr * P * Q);
    if (pooled != 0) f32_avgpool2x2(y, pooled, P, Q, P >> 1, Q >> 1, n * M + m0, n * M + m0 + mr);
  }
}
