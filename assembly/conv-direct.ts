// Direct convolution for small stride-1, unpadded, undilated, ungrouped layers whose output
// rows are not a multiple of the GEMM's 8-pixel panel (LeNet-5's c1: 1 -> 6 channels over
// 32x32, and c3: 6 -> 16 over 14x14, both 5x5). There im2col plus packing cost as much as the
// GEMM itself; here the 4x8 micro-tile (4 filters x 8 pixels of one output row) reads B
// straight from the image: row k = (c, r, s) of the virtual im2col matrix, at pixel (p, q), is
// x[c, p + r, q + s .. q + s + 7], at a fixed offset (the host's table) from x[0, p, q]. No
// column ever crosses an output row, so nothing is computed for discarded pixels except where
// a row's last tile overlaps the one before it (rewriting the same values); rows ending in 2
// pixels go in pairs whose last 2 + 2 pixels share a tile.
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
 * tile4x8 for a last panel of at most 2 filters (c1: M = 6): two rows of accumulators, half
 * the filter loads; the same products in the same order.
 */
function tile2x8(K: i32, ap: usize, offs: usize, xb: usize, bias: usize, yb: usize, ldy: usize, mr: i32): void {
  let c00 = v128.load32_splat(bias), c10 = v128.load32_splat(bias, 4);
  let c01 = c00, c11 = c10;
  for (let k = 0; k < K; k++) {
    const at = xb + <usize>load<i32>(offs);
    const b0 = v128.load(at);
    const b1 = v128.load(at, 16);
    let a = v128.load32_splat(ap);
    c00 = madd(a, b0, c00); c01 = madd(a, b1, c01);
    a = v128.load32_splat(ap, 4);
    c10 = madd(a, b0, c10); c11 = madd(a, b1, c11);
    ap += 16;
    offs += 4;
  }
  v128.store(yb, c00); v128.store(yb, c01, 16);
  if (mr > 1) { yb += ldy; v128.store(yb, c10); v128.store(yb, c11, 16); }
}

/** tile2x8 for 4 pixels. */
function tile2x4(K: i32, ap: usize, offs: usize, xb: usize, bias: usize, yb: usize, ldy: usize, mr: i32): void {
  let c0 = v128.load32_splat(bias), c1 = v128.load32_splat(bias, 4);
  for (let k = 0; k < K; k++) {
    const b = v128.load(xb + <usize>load<i32>(offs));
    c0 = madd(v128.load32_splat(ap), b, c0);
    c1 = madd(v128.load32_splat(ap, 4), b, c1);
    ap += 16;
    offs += 4;
  }
  v128.store(yb, c0);
  if (mr > 1) v128.store(yb + ldy, c1);
}

/**
 * tile4x4 for the last 2 pixels of two rows, the 2 + 2 pixels sharing one vector (8-byte loads
 * at xa and xb, 8-byte stores at ya and yb): rows ending in 2 pixels (c3: Q = 10) computed
 * without the 2 wasted lanes of a tile4x4 each. The same products in the same order.
 */
function tile4x2x2(K: i32, ap: usize, offs: usize, xa: usize, xb: usize, bias: usize, ya: usize, yb: usize,
                   ldy: usize, mr: i32): void {
  let c0 = v128.load32_splat(bias), c1 = v128.load32_splat(bias, 4);
  let c2 = v128.load32_splat(bias, 8), c3 = v128.load32_splat(bias, 12);
  for (let k = 0; k < K; k++) {
    const o = <usize>load<i32>(offs);
    const b = v128.load64_lane(xb + o, v128.load64_zero(xa + o), 1);
    c0 = madd(v128.load32_splat(ap), b, c0);
    c1 = madd(v128.load32_splat(ap, 4), b, c1);
    c2 = madd(v128.load32_splat(ap, 8), b, c2);
    c3 = madd(v128.load32_splat(ap, 12), b, c3);
    ap += 16;
    offs += 4;
  }
  v128.store64_lane(ya, c0, 0); v128.store64_lane(yb, c0, 1);
  if (mr > 1) { ya += ldy; yb += ldy; v128.store64_lane(ya, c1, 0); v128.store64_lane(yb, c1, 1); }
  if (mr > 2) { ya += ldy; yb += ldy; v128.store64_lane(ya, c2, 0); v128.store64_lane(yb, c2, 1); }
  if (mr > 3) { ya += ldy; yb += ldy; v128.store64_lane(ya, c3, 0); v128.store64_lane(yb, c3, 1); }
}

/** One output row's tiles for a panel of at most 2 filters: tile2x8, then the same tail rules. */
// @ts-ignore: decorator
@inline
function rowTiles2(K: i32, ap: usize, offs: usize, xr: usize, bias: usize, yr: usize, ldy: usize, mr: i32, Q: i32): void {
  let q = 0;
  for (; q + 8 <= Q; q += 8) tile2x8(K, ap, offs, xr + (<usize>q << 2), bias, yr + (<usize>q << 2), ldy, mr);
  const rest = Q - q;
  if (rest > 4 && Q >= 8) {
    tile2x8(K, ap, offs, xr + (<usize>(Q - 8) << 2), bias, yr + (<usize>(Q - 8) << 2), ldy, mr);
  } else if (rest > 0) {
    if (rest > 4) tile2x4(K, ap, offs, xr + (<usize>q << 2), bias, yr + (<usize>q << 2), ldy, mr);
    tile2x4(K, ap, offs, xr + (<usize>(Q - 4) << 2), bias, yr + (<usize>(Q - 4) << 2), ldy, mr);
  }
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
    let p0 = 0;
    if (Q % 8 == 2 && Q > 8 && mr > 2) {
      // Row pairs: 8-pixel tiles, then both rows' last 2 pixels in one tile.
      for (; p0 + 2 <= P; p0 += 2) {
        const xr = xn + (<usize>(p0 * W) << 2), yr = yn + (<usize>(p0 * Q) << 2);
        const xs = xr + (<usize>W << 2), ys = yr + (<usize>Q << 2);
        for (let q = 0; q + 8 <= Q; q += 8) {
          tile4x8(K, apu, offs, xr + (<usize>q << 2), bu, yr + (<usize>q << 2), ldy, mr);
          tile4x8(K, apu, offs, xs + (<usize>q << 2), bu, ys + (<usize>q << 2), ldy, mr);
        }
        const t = <usize>(Q - 2) << 2;
        tile4x2x2(K, apu, offs, xr + t, xs + t, bu, yr + t, ys + t, ldy, mr);
      }
    }
    for (let p = p0; p < P; p++) {
      const xr = xn + (<usize>(p * W) << 2), yr = yn + (<usize>(p * Q) << 2);
      if (mr <= 2) {
        rowTiles2(K, apu, offs, xr, bu, yr, ldy, mr, Q);
        continue;
      }
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

/** Lanes [0, n) of all-ones (n >= 4: every lane): masks a row's last, partial vector. */
// @ts-ignore: decorator
@inline
function laneMask(n: i32): v128 {
  return i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(n));
}

/** The sum of the four lanes, as (l0 + l1) + (l2 + l3). */
// @ts-ignore: decorator
@inline
function lanesSum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

/**
 * One 2-filter x 4-tap tile of the filter gradient: dw[m0 + i, k0 + j] (i < mr, j < kr) = the
 * sum over images [n0, n1) and output pixels of dy[n, m0 + i, p, q] * x[n, p*W + q + off(k0 + j)].
 * Each product is accumulated in the lane of its q mod 4 (a row's last vector masked to its
 * pixels, in dy and x), in image, row, vector order, and the lanes summed at the end; rows
 * ending in 2 pixels go in pairs whose last 2 + 2 pixels share a vector instead.
 */
function filterTile2x4(cp: ConvParams, x: usize, dy: usize, offs: usize, dw: usize, n0: i32, n1: i32,
                       m0: i32, mr: i32, k0: i32, kr: i32): void {
  const P = cp.P, Q = cp.Q, W = cp.W, K = cp.C * cp.R * cp.S;
  const imageBytes = <usize>(cp.C * cp.H * W) << 2, planeBytes = <usize>(P * Q) << 2;
  // Missing taps or filter rows repeat a real one; their sums are not stored.
  const o0 = <usize>load<i32>(offs + (<usize>k0 << 2));
  const o1 = <usize>load<i32>(offs + (<usize>(k0 + min(1, kr - 1)) << 2));
  const o2 = <usize>load<i32>(offs + (<usize>(k0 + min(2, kr - 1)) << 2));
  const o3 = <usize>load<i32>(offs + (<usize>(k0 + min(3, kr - 1)) << 2));
  const m1 = mr > 1 ? planeBytes : 0;
  const zero = f32x4.splat(0);
  let a00 = zero, a01 = zero, a02 = zero, a03 = zero;
  let a10 = zero, a11 = zero, a12 = zero, a13 = zero;
  const qFull = Q & ~3, tail = laneMask(Q - qFull);
  for (let n = n0; n < n1; n++) {
    const xn = x + <usize>n * imageBytes;
    const dn = dy + ((<usize>n * <usize>cp.M + <usize>m0) * planeBytes);
    let p = 0;
    if (Q - qFull == 2) {
      // Rows whose last vector would hold 2 pixels (c3: Q = 10) go in pairs: the two rows'
      // last 2 pixels fill one vector (two 8-byte loads each), no lane masked.
      for (; p + 2 <= P; p += 2) {
        const xr = xn + (<usize>(p * W) << 2), dr = dn + (<usize>(p * Q) << 2);
        const xs = xr + (<usize>W << 2), ds = dr + (<usize>Q << 2);
        for (let q = 0; q < qFull; q += 4) {
          const xq = xr + (<usize>q << 2), dq = dr + (<usize>q << 2);
          const d0 = v128.load(dq), d1 = v128.load(dq + m1);
          let b = v128.load(xq + o0);
          a00 = madd(d0, b, a00); a10 = madd(d1, b, a10);
          b = v128.load(xq + o1);
          a01 = madd(d0, b, a01); a11 = madd(d1, b, a11);
          b = v128.load(xq + o2);
          a02 = madd(d0, b, a02); a12 = madd(d1, b, a12);
          b = v128.load(xq + o3);
          a03 = madd(d0, b, a03); a13 = madd(d1, b, a13);
        }
        for (let q = 0; q < qFull; q += 4) {
          const xq = xs + (<usize>q << 2), dq = ds + (<usize>q << 2);
          const d0 = v128.load(dq), d1 = v128.load(dq + m1);
          let b = v128.load(xq + o0);
          a00 = madd(d0, b, a00); a10 = madd(d1, b, a10);
          b = v128.load(xq + o1);
          a01 = madd(d0, b, a01); a11 = madd(d1, b, a11);
          b = v128.load(xq + o2);
          a02 = madd(d0, b, a02); a12 = madd(d1, b, a12);
          b = v128.load(xq + o3);
          a03 = madd(d0, b, a03); a13 = madd(d1, b, a13);
        }
        const xt = xr + (<usize>qFull << 2), dt = dr + (<usize>qFull << 2);
        const xu = xs + (<usize>qFull << 2), du = ds + (<usize>qFull << 2);
        const d0 = v128.load64_lane(du, v128.load64_zero(dt), 1);
        const d1 = v128.load64_lane(du + m1, v128.load64_zero(dt + m1), 1);
        let b = v128.load64_lane(xu + o0, v128.load64_zero(xt + o0), 1);
        a00 = madd(d0, b, a00); a10 = madd(d1, b, a10);
        b = v128.load64_lane(xu + o1, v128.load64_zero(xt + o1), 1);
        a01 = madd(d0, b, a01); a11 = madd(d1, b, a11);
        b = v128.load64_lane(xu + o2, v128.load64_zero(xt + o2), 1);
        a02 = madd(d0, b, a02); a12 = madd(d1, b, a12);
        b = v128.load64_lane(xu + o3, v128.load64_zero(xt + o3), 1);
        a03 = madd(d0, b, a03); a13 = madd(d1, b, a13);
      }
    }
    for (; p < P; p++) {
      const xr = xn + (<usize>(p * W) << 2), dr = dn + (<usize>(p * Q) << 2);
      let q = 0;
      for (; q < qFull; q += 4) {
        const xq = xr + (<usize>q << 2), dq = dr + (<usize>q << 2);
        const d0 = v128.load(dq), d1 = v128.load(dq + m1);
        let b = v128.load(xq + o0);
        a00 = madd(d0, b, a00); a10 = madd(d1, b, a10);
        b = v128.load(xq + o1);
        a01 = madd(d0, b, a01); a11 = madd(d1, b, a11);
        b = v128.load(xq + o2);
        a02 = madd(d0, b, a02); a12 = madd(d1, b, a12);
        b = v128.load(xq + o3);
        a03 = madd(d0, b, a03); a13 = madd(d1, b, a13);
      }
      if (q < Q) {
        const xq = xr + (<usize>q << 2), dq = dr + (<usize>q << 2);
        const d0 = v128.and(v128.load(dq), tail), d1 = v128.and(v128.load(dq + m1), tail);
        let b = v128.and(v128.load(xq + o0), tail);
        a00 = madd(d0, b, a00); a10 = madd(d1, b, a10);
        b = v128.and(v128.load(xq + o1), tail);
        a01 = madd(d0, b, a01); a11 = madd(d1, b, a11);
        b = v128.and(v128.load(xq + o2), tail);
        a02 = madd(d0, b, a02); a12 = madd(d1, b, a12);
        b = v128.and(v128.load(xq + o3), tail);
        a03 = madd(d0, b, a03); a13 = madd(d1, b, a13);
      }
    }
  }
  const row0 = dw + (<usize>(m0 * K + k0) << 2), row1 = row0 + (<usize>K << 2);
  store<f32>(row0, lanesSum(a00));
  if (kr > 1) store<f32>(row0, lanesSum(a01), 4);
  if (kr > 2) store<f32>(row0, lanesSum(a02), 8);
  if (kr > 3) store<f32>(row0, lanesSum(a03), 12);
  if (mr > 1) {
    store<f32>(row1, lanesSum(a10));
    if (kr > 1) store<f32>(row1, lanesSum(a11), 4);
    if (kr > 2) store<f32>(row1, lanesSum(a12), 8);
    if (kr > 3) store<f32>(row1, lanesSum(a13), 12);
  }
}

/**
 * The filter gradient of the layers conv2d_direct_forward runs, without im2col: partial
 * dw [M, K] of image block b (images [b*ib, (b+1)*ib)) at dw + b*M*K floats, in units (image
 * block, pair of filters) that the threads take from the shared counter at `next`; the host
 * adds the partials in block order. x needs 16 readable bytes past its end (a row's last vector,
 * masked). Block sizes depend on the layer alone, so the sums do not depend on the threads.
 */
export function conv2d_direct_backward_filter(pp: usize, x: usize, dy: usize, offs: usize, dw: usize,
                                              ib: i32, next: usize): void {
  const cp = paramsAt(pp);
  const M = cp.M, K = cp.C * cp.R * cp.S;
  const blocks = (cp.N + ib - 1) / ib, pairs = (M + 1) >> 1;
  const units = blocks * pairs;
  for (let u = atomic.add<i32>(next, 1); u < units; u = atomic.add<i32>(next, 1)) {
    const b = u / pairs, m0 = (u - b * pairs) * 2;
    const out = dw + (<usize>b * <usize>(M * K) << 2);
    const n0 = b * ib, n1 = min(cp.N, n0 + ib);
    for (let k0 = 0; k0 < K; k0 += 4) filterTile2x4(cp, x, dy, offs, out, n0, n1, m0, min(2, M - m0), k0, min(4, K - k0));
  }
}

/** Add lanes [0, n) of v (n <= 4) into the floats at p; nothing past them is written. */
// @ts-ignore: decorator
@inline
function addLanes(p: usize, v: v128, n: i32): void {
  const s = f32x4.add(v128.load(p), v);
  if (n >= 4) { v128.store(p, s); return; }
  if (n >= 2) {
    v128.store64_lane(p, s, 0);
    if (n == 3) v128.store32_lane(p, s, 2, 8);
  } else {
    v128.store32_lane(p, s, 0);
  }
}

/**
 * One tile of the data gradient: 4 taps of the col2im matrix (kr of them real; tap i is
 * w + wofs[i] bytes into w's row 0, row stride kBytes) at pixels [q, q + 8) of output row p,
 * col[k][j] = sum over m of w[m, k] * dy[m, p, q + j], added straight into dx at offs[i] past
 * dxb (dx[c, p + r, q + s] for k = (c, r, s)); `dyb` is dy[0, p, q] of the image (plane stride
 * planeBytes). The host orders the taps so that a tile's 4 taps add into different dx rows:
 * rows of one tile overlapping by a few floats would stall every load on the store before it.
 */
function dataTile4x8(M: i32, w: usize, wofs: usize, kBytes: usize, dyb: usize, planeBytes: usize, offs: usize, dxb: usize, kr: i32): void {
  const zero = f32x4.splat(0);
  let c00 = zero, c01 = zero, c10 = zero, c11 = zero, c20 = zero, c21 = zero, c30 = zero, c31 = zero;
  let w0 = w + <usize>load<i32>(wofs), w1 = w + <usize>load<i32>(wofs, 4);
  let w2 = w + <usize>load<i32>(wofs, 8), w3 = w + <usize>load<i32>(wofs, 12);
  for (let m = 0; m < M; m++) {
    const b0 = v128.load(dyb), b1 = v128.load(dyb, 16);
    let a = v128.load32_splat(w0);
    c00 = madd(a, b0, c00); c01 = madd(a, b1, c01);
    a = v128.load32_splat(w1);
    c10 = madd(a, b0, c10); c11 = madd(a, b1, c11);
    a = v128.load32_splat(w2);
    c20 = madd(a, b0, c20); c21 = madd(a, b1, c21);
    a = v128.load32_splat(w3);
    c30 = madd(a, b0, c30); c31 = madd(a, b1, c31);
    w0 += kBytes; w1 += kBytes; w2 += kBytes; w3 += kBytes;
    dyb += planeBytes;
  }
  let at = dxb + <usize>load<i32>(offs);
  v128.store(at, f32x4.add(v128.load(at), c00)); v128.store(at, f32x4.add(v128.load(at, 16), c01), 16);
  if (kr > 1) { at = dxb + <usize>load<i32>(offs, 4); v128.store(at, f32x4.add(v128.load(at), c10)); v128.store(at, f32x4.add(v128.load(at, 16), c11), 16); }
  if (kr > 2) { at = dxb + <usize>load<i32>(offs, 8); v128.store(at, f32x4.add(v128.load(at), c20)); v128.store(at, f32x4.add(v128.load(at, 16), c21), 16); }
  if (kr > 3) { at = dxb + <usize>load<i32>(offs, 12); v128.store(at, f32x4.add(v128.load(at), c30)); v128.store(at, f32x4.add(v128.load(at, 16), c31), 16); }
}

/**
 * dataTile4x8 for the last 2 pixels of two rows (dy at dyb and dyb2, dx at dxb and dxb2), the
 * 2 + 2 pixels in one vector, as the forward pairs rows ending in 2 pixels.
 */
function dataTile4x2x2(M: i32, w: usize, wofs: usize, kBytes: usize, dyb: usize, dyb2: usize, planeBytes: usize, offs: usize,
                       dxb: usize, dxb2: usize, kr: i32): void {
  const zero = f32x4.splat(0);
  let c0 = zero, c1 = zero, c2 = zero, c3 = zero;
  let w0 = w + <usize>load<i32>(wofs), w1 = w + <usize>load<i32>(wofs, 4);
  let w2 = w + <usize>load<i32>(wofs, 8), w3 = w + <usize>load<i32>(wofs, 12);
  for (let m = 0; m < M; m++) {
    const b = v128.load64_lane(dyb2, v128.load64_zero(dyb), 1);
    c0 = madd(v128.load32_splat(w0), b, c0);
    c1 = madd(v128.load32_splat(w1), b, c1);
    c2 = madd(v128.load32_splat(w2), b, c2);
    c3 = madd(v128.load32_splat(w3), b, c3);
    w0 += kBytes; w1 += kBytes; w2 += kBytes; w3 += kBytes;
    dyb += planeBytes; dyb2 += planeBytes;
  }
  addPair(dxb, dxb2, load<i32>(offs), c0);
  if (kr > 1) addPair(dxb, dxb2, load<i32>(offs, 4), c1);
  if (kr > 2) addPair(dxb, dxb2, load<i32>(offs, 8), c2);
  if (kr > 3) addPair(dxb, dxb2, load<i32>(offs, 12), c3);
}

/** Add lanes 0-1 of v at a + o and lanes 2-3 at b + o (two floats each). */
// @ts-ignore: decorator
@inline
function addPair(a: usize, b: usize, o: i32, v: v128): void {
  const pa = a + <usize>o, pb = b + <usize>o;
  const sum = f32x4.add(v128.load64_lane(pb, v128.load64_zero(pa), 1), v);
  v128.store64_lane(pa, sum, 0);
  v128.store64_lane(pb, sum, 1);
}

/**
 * dataTile4x8 for 4 pixels, of which `lanes` are real (the rest of a row: dy is read past it,
 * those lanes are computed and dropped).
 */
function dataTile4x4(M: i32, w: usize, wofs: usize, kBytes: usize, dyb: usize, planeBytes: usize, offs: usize,
                     dxb: usize, kr: i32, lanes: i32): void {
  const zero = f32x4.splat(0);
  let c0 = zero, c1 = zero, c2 = zero, c3 = zero;
  let w0 = w + <usize>load<i32>(wofs), w1 = w + <usize>load<i32>(wofs, 4);
  let w2 = w + <usize>load<i32>(wofs, 8), w3 = w + <usize>load<i32>(wofs, 12);
  for (let m = 0; m < M; m++) {
    const b = v128.load(dyb);
    c0 = madd(v128.load32_splat(w0), b, c0);
    c1 = madd(v128.load32_splat(w1), b, c1);
    c2 = madd(v128.load32_splat(w2), b, c2);
    c3 = madd(v128.load32_splat(w3), b, c3);
    w0 += kBytes; w1 += kBytes; w2 += kBytes; w3 += kBytes;
    dyb += planeBytes;
  }
  addLanes(dxb + <usize>load<i32>(offs), c0, lanes);
  if (kr > 1) addLanes(dxb + <usize>load<i32>(offs, 4), c1, lanes);
  if (kr > 2) addLanes(dxb + <usize>load<i32>(offs, 8), c2, lanes);
  if (kr > 3) addLanes(dxb + <usize>load<i32>(offs, 12), c3, lanes);
}

/**
 * The data gradient of the layers conv2d_direct_forward runs, with col2im fused into the
 * product: dx[n] = sum over taps k = (c, r, s) and pixels (p, q) of col[k][p, q] added at
 * dx[n, c, p + r, q + s], col = w^T dy[n] computed 4 taps x 8 pixels at a time, the taps in the
 * host's order (offs: dx byte offsets, wofs: w byte offsets). Units are whole images (each owns
 * its dx), taken from the shared counter at `next`; within one the taps go in order, then
 * rows, then pixels, so the sums do not depend on the threads. dy, w and dx need 16 readable
 * bytes past their ends.
 */
export function conv2d_direct_backward_input(pp: usize, dy: usize, w: usize, offs: usize, wofs: usize, dx: usize, next: usize): void {
  const cp = paramsAt(pp);
  const M = cp.M, P = cp.P, Q = cp.Q, W = cp.W;
  const K = cp.C * cp.R * cp.S;
  const planeBytes = <usize>(P * Q) << 2, kBytes = <usize>K << 2;
  const imageBytes = <usize>(cp.C * cp.H * W) << 2;
  const pairRows = Q % 8 == 2;
  for (let n = atomic.add<i32>(next, 1); n < cp.N; n = atomic.add<i32>(next, 1)) {
    const dxn = dx + <usize>n * imageBytes;
    const dyn = dy + <usize>n * <usize>M * planeBytes;
    memory.fill(dxn, 0, imageBytes);
    for (let k0 = 0; k0 < K; k0 += 4) {
      const kr = min(4, K - k0);
      const wk = wofs + (<usize>k0 << 2), ok = offs + (<usize>k0 << 2);
      let p = 0;
      if (pairRows) {
        for (; p + 2 <= P; p += 2) {
          const dr = dyn + (<usize>(p * Q) << 2), xr = dxn + (<usize>(p * W) << 2);
          const ds = dr + (<usize>Q << 2), xs = xr + (<usize>W << 2);
          for (let q = 0; q + 8 <= Q; q += 8) {
            dataTile4x8(M, w, wk, kBytes, dr + (<usize>q << 2), planeBytes, ok, xr + (<usize>q << 2), kr);
            dataTile4x8(M, w, wk, kBytes, ds + (<usize>q << 2), planeBytes, ok, xs + (<usize>q << 2), kr);
          }
          const t = <usize>(Q - 2);
          dataTile4x2x2(M, w, wk, kBytes, dr + (t << 2), ds + (t << 2), planeBytes, ok, xr + (t << 2), xs + (t << 2), kr);
        }
      }
      for (; p < P; p++) {
        const dr = dyn + (<usize>(p * Q) << 2), xr = dxn + (<usize>(p * W) << 2);
        let q = 0;
        for (; q + 8 <= Q; q += 8) dataTile4x8(M, w, wk, kBytes, dr + (<usize>q << 2), planeBytes, ok, xr + (<usize>q << 2), kr);
        for (; q < Q; q += 4) {
          dataTile4x4(M, w, wk, kBytes, dr + (<usize>q << 2), planeBytes, ok, xr + (<usize>q << 2), kr, min(4, Q - q));
        }
      }
    }
  }
}

/**
 * conv2d_direct_backward_filter then conv2d_direct_backward_input (their arguments one after
 * the other) in one parallel section: both only read dy, so a thread out of filter-gradient
 * units goes on to data-gradient units with no barrier (one worker wake-up, ~40 us of
 * Atomics.notify here, instead of two).
 */
export function conv2d_direct_backward(pp: usize, x: usize, dy: usize, offs: usize, dw: usize, ib: i32, nextF: usize,
                                       pp2: usize, dy2: usize, w: usize, dxOffs: usize, wOffs: usize, dx: usize, nextI: usize): void {
  conv2d_direct_backward_filter(pp, x, dy, offs, dw, ib, nextF);
  conv2d_direct_backward_input(pp2, dy2, w, dxOffs, wOffs, dx, nextI);
}
