// 3x3 depthwise micro-kernels (dilation 1) over one zero-padded plane: the XNNPACK-shaped hot
// loops behind depthwise.ts. The plane is padded by the caller (padded row stride Wp floats,
// at least 8 floats of slack past the window's reach), so the loops have no bounds checks and
// no branches; all tap offsets are load immediates (no address arithmetic per tap). Outputs
// are vectorised along the row, 4 per f32x4, with the nine taps as broadcasts of the filter.
// A row's last 1-3 outputs are computed as a whole vector (reading slack) and stored lane by
// lane, so nothing outside the output row is written.

import { madd } from './gemm';

/** Store the first n (0..3) lanes of v at p. */
// @ts-ignore: decorator
@inline
function storeLanes(p: usize, v: v128, n: i32): void {
  store<f32>(p, f32x4.extract_lane(v, 0));
  if (n > 1) store<f32>(p, f32x4.extract_lane(v, 1), 4);
  if (n > 2) store<f32>(p, f32x4.extract_lane(v, 2), 8);
}

/** The splat of tap i of a 3x3 filter at k, or of tap 8 - i (the rotated filter) when flip. */
// @ts-ignore: decorator
@inline
function tap(k: usize, i: i32, flip: bool): v128 {
  return v128.load32_splat(k + (<usize>(flip ? 8 - i : i) << 2));
}

/**
 * Copy rows [from, to) of a padded plane into buf (row stride Wp floats): padded row
 * i + top holds src row i (src is rows x cols) at column left; other rows are left as they
 * are (the caller zeroed the border once). The plane must fit unclipped (depthwise.ts fits).
 */
function feedRows(src: usize, rows: i32, cols: i32, top: i32, left: i32, buf: usize, Wp: i32, from: i32, to: i32): void {
  const r1 = min(to - top, rows);
  for (let i = max(from - top, 0); i < r1; i++) {
    const s = src + (<usize>(i * cols) << 2), d = buf + (<usize>((i + top) * Wp + left) << 2);
    let j = 0;
    for (; j + 4 <= cols; j += 4) v128.store(d + (<usize>j << 2), v128.load(s + (<usize>j << 2)));
    for (; j < cols; j++) store<f32>(d + (<usize>j << 2), load<f32>(s + (<usize>j << 2)));
  }
}

/**
 * Stride 1: out[p][q] = b + sum_{r,s} k[r][s] * buf[p + r][q + s] for a P x Q output (row
 * stride Q), k rotated by 180 degrees when `flip` (the data gradient as a correlation).
 * Two output rows per pass share their two middle input rows: 12 loads for 18 multiply-adds.
 * With src != 0, buf holds only the zero border and the plane src (rows x cols, at top/left
 * in buf) is copied in two rows ahead of the pass that reads them: with a batch of planes
 * streaming from memory, the copy's loads overlap the arithmetic instead of preceding it.
 */
export function f32_dwconv3x3s1_wasmsimd(buf: usize, Wp: i32, k: usize, flip: bool, out: usize, P: i32, Q: i32, b: f32,
                                         src: usize, rows: i32, cols: i32, top: i32, left: i32): void {
  if (src != 0) feedRows(src, rows, cols, top, left, buf, Wp, 0, 4);
  const w0 = tap(k, 0, flip), w1 = tap(k, 1, flip), w2 = tap(k, 2, flip);
  const w3 = tap(k, 3, flip), w4 = tap(k, 4, flip), w5 = tap(k, 5, flip);
  const w6 = tap(k, 6, flip), w7 = tap(k, 7, flip), w8 = tap(k, 8, flip);
  const bv = f32x4.splat(b);
  const rs = <usize>Wp << 2, os = <usize>Q << 2;
  const Q4 = Q & ~3, tail = Q - Q4;
  let p = 0;
  for (; p + 2 <= P; p += 2) {
    if (src != 0) feedRows(src, rows, cols, top, left, buf, Wp, p + 4, p + 6);
    let i0 = buf + <usize>p * rs, i1 = i0 + rs, i2 = i1 + rs, i3 = i2 + rs;
    let o0 = out + <usize>p * os, o1 = o0 + os;
    const end = o0 + (<usize>Q4 << 2);
    while (o0 < end) {
      let x0 = v128.load(i1), x1 = v128.load(i1, 4), x2 = v128.load(i1, 8);
      let a0 = madd(w3, x0, bv), a1 = madd(w0, x0, bv);
      a0 = madd(w4, x1, a0); a1 = madd(w1, x1, a1);
      a0 = madd(w5, x2, a0); a1 = madd(w2, x2, a1);
      x0 = v128.load(i2); x1 = v128.load(i2, 4); x2 = v128.load(i2, 8);
      a0 = madd(w6, x0, a0); a1 = madd(w3, x0, a1);
      a0 = madd(w7, x1, a0); a1 = madd(w4, x1, a1);
      a0 = madd(w8, x2, a0); a1 = madd(w5, x2, a1);
      x0 = v128.load(i0); x1 = v128.load(i0, 4); x2 = v128.load(i0, 8);
      a0 = madd(w0, x0, a0); a0 = madd(w1, x1, a0); a0 = madd(w2, x2, a0);
      x0 = v128.load(i3); x1 = v128.load(i3, 4); x2 = v128.load(i3, 8);
      a1 = madd(w6, x0, a1); a1 = madd(w7, x1, a1); a1 = madd(w8, x2, a1);
      v128.store(o0, a0);
      v128.store(o1, a1);
      i0 += 16; i1 += 16; i2 += 16; i3 += 16; o0 += 16; o1 += 16;
    }
    if (tail > 0) {
      storeLanes(o0, row3(i0, w0, w1, w2, row3(i1, w3, w4, w5, row3(i2, w6, w7, w8, bv))), tail);
      storeLanes(o1, row3(i1, w0, w1, w2, row3(i2, w3, w4, w5, row3(i3, w6, w7, w8, bv))), tail);
    }
  }
  if (p < P) {
    let i0 = buf + <usize>p * rs, i1 = i0 + rs, i2 = i1 + rs;
    let o0 = out + <usize>p * os;
    const end = o0 + (<usize>Q4 << 2);
    while (o0 < end) {
      v128.store(o0, row3(i0, w0, w1, w2, row3(i1, w3, w4, w5, row3(i2, w6, w7, w8, bv))));
      i0 += 16; i1 += 16; i2 += 16; o0 += 16;
    }
    if (tail > 0) storeLanes(o0, row3(i0, w0, w1, w2, row3(i1, w3, w4, w5, row3(i2, w6, w7, w8, bv))), tail);
  }
}

/** acc + ka * row[0..3] + kb * row[1..4] + kc * row[2..5]. */
// @ts-ignore: decorator
@inline
function row3(row: usize, ka: v128, kb: v128, kc: v128, acc: v128): v128 {
  return madd(kc, v128.load(row, 8), madd(kb, v128.load(row, 4), madd(ka, v128.load(row), acc)));
}

/**
 * acc + ka * row[0,2,4,6] + kb * row[1,3,5,7] + kc * row[2,4,6,8]: the stride-2 taps of 4
 * outputs, de-interleaved by shuffles (4 loads per row of taps instead of 12 scalar ones).
 */
// @ts-ignore: decorator
@inline
function row3s2(row: usize, ka: v128, kb: v128, kc: v128, acc: v128): v128 {
  const a = v128.load(row), c = v128.load(row, 16);
  const even = v128.shuffle<f32>(a, c, 0, 2, 4, 6), odd = v128.shuffle<f32>(a, c, 1, 3, 5, 7);
  const next = v128.shuffle<f32>(v128.load(row, 8), v128.load(row, 24), 0, 2, 4, 6);
  return madd(kc, next, madd(kb, odd, madd(ka, even, acc)));
}

/**
 * Stride 2: out[p][q] = b + sum_{r,s} k[r][s] * buf[2p + r][2q + s] (P x Q output, row stride
 * Q); reads up to 2Q + 8 floats of each padded row.
 */
export function f32_dwconv3x3s2_wasmsimd(buf: usize, Wp: i32, k: usize, out: usize, P: i32, Q: i32, b: f32): void {
  const w0 = tap(k, 0, false), w1 = tap(k, 1, false), w2 = tap(k, 2, false);
  const w3 = tap(k, 3, false), w4 = tap(k, 4, false), w5 = tap(k, 5, false);
  const w6 = tap(k, 6, false), w7 = tap(k, 7, false), w8 = tap(k, 8, false);
  const bv = f32x4.splat(b);
  const rs = <usize>Wp << 2, os = <usize>Q << 2;
  const Q4 = Q & ~3, tail = Q - Q4;
  for (let p = 0; p < P; p++) {
    let i0 = buf + (<usize>(2 * p) * rs), i1 = i0 + rs, i2 = i1 + rs;
    let o0 = out + <usize>p * os;
    const end = o0 + (<usize>Q4 << 2);
    while (o0 < end) {
      v128.store(o0, row3s2(i0, w0, w1, w2, row3s2(i1, w3, w4, w5, row3s2(i2, w6, w7, w8, bv))));
      i0 += 32; i1 += 32; i2 += 32; o0 += 16;
    }
    if (tail > 0) storeLanes(o0, row3s2(i0, w0, w1, w2, row3s2(i1, w3, w4, w5, row3s2(i2, w6, w7, w8, bv))), tail);
  }
}

/** Horizontal sum of a vector. */
// @ts-ignore: decorator
@inline
function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

/**
 * Stride-1 filter gradient: dk[r][s] += sum_{p,q} g[p][q] * buf[p + r][q + s] (g is P x Q),
 * one pass over g with nine vector accumulators; two rows of g per pass share the two middle
 * rows of buf (14 loads for 18 multiply-adds). A row's last 1-3 columns are scalar (g has no
 * slack to read past). With src != 0 the plane is copied into buf two rows ahead, as in
 * f32_dwconv3x3s1_wasmsimd.
 */
export function f32_dwconv3x3s1_filtergrad_wasmsimd(buf: usize, Wp: i32, g: usize, P: i32, Q: i32, dk: usize,
                                                    src: usize, rows: i32, cols: i32, top: i32, left: i32): void {
  if (src != 0) feedRows(src, rows, cols, top, left, buf, Wp, 0, 4);
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0);
  let a3 = f32x4.splat(0), a4 = f32x4.splat(0), a5 = f32x4.splat(0);
  let a6 = f32x4.splat(0), a7 = f32x4.splat(0), a8 = f32x4.splat(0);
  const rs = <usize>Wp << 2, os = <usize>Q << 2;
  const Q4 = Q & ~3;
  let p = 0;
  for (; p + 2 <= P; p += 2) {
    if (src != 0) feedRows(src, rows, cols, top, left, buf, Wp, p + 4, p + 6);
    let i0 = buf + <usize>p * rs, i1 = i0 + rs, i2 = i1 + rs, i3 = i2 + rs;
    let g0 = g + <usize>p * os, g1 = g0 + os;
    const end = g0 + (<usize>Q4 << 2);
    while (g0 < end) {
      const d0 = v128.load(g0), d1 = v128.load(g1);
      let x0 = v128.load(i1), x1 = v128.load(i1, 4), x2 = v128.load(i1, 8);
      a3 = madd(d0, x0, a3); a0 = madd(d1, x0, a0);
      a4 = madd(d0, x1, a4); a1 = madd(d1, x1, a1);
      a5 = madd(d0, x2, a5); a2 = madd(d1, x2, a2);
      x0 = v128.load(i2); x1 = v128.load(i2, 4); x2 = v128.load(i2, 8);
      a6 = madd(d0, x0, a6); a3 = madd(d1, x0, a3);
      a7 = madd(d0, x1, a7); a4 = madd(d1, x1, a4);
      a8 = madd(d0, x2, a8); a5 = madd(d1, x2, a5);
      x0 = v128.load(i0); x1 = v128.load(i0, 4); x2 = v128.load(i0, 8);
      a0 = madd(d0, x0, a0); a1 = madd(d0, x1, a1); a2 = madd(d0, x2, a2);
      x0 = v128.load(i3); x1 = v128.load(i3, 4); x2 = v128.load(i3, 8);
      a6 = madd(d1, x0, a6); a7 = madd(d1, x1, a7); a8 = madd(d1, x2, a8);
      i0 += 16; i1 += 16; i2 += 16; i3 += 16; g0 += 16; g1 += 16;
    }
  }
  if (p < P) {
    let i0 = buf + <usize>p * rs, i1 = i0 + rs, i2 = i1 + rs;
    let g0 = g + <usize>p * os;
    const end = g0 + (<usize>Q4 << 2);
    while (g0 < end) {
      const d0 = v128.load(g0);
      a0 = madd(d0, v128.load(i0), a0); a1 = madd(d0, v128.load(i0, 4), a1); a2 = madd(d0, v128.load(i0, 8), a2);
      a3 = madd(d0, v128.load(i1), a3); a4 = madd(d0, v128.load(i1, 4), a4); a5 = madd(d0, v128.load(i1, 8), a5);
      a6 = madd(d0, v128.load(i2), a6); a7 = madd(d0, v128.load(i2, 4), a7); a8 = madd(d0, v128.load(i2, 8), a8);
      i0 += 16; i1 += 16; i2 += 16; g0 += 16;
    }
  }
  let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0, s4: f32 = 0, s5: f32 = 0, s6: f32 = 0, s7: f32 = 0, s8: f32 = 0;
  if (Q4 < Q) {
    for (let pp = 0; pp < P; pp++) {
      const r0 = buf + <usize>pp * rs, r1 = r0 + rs, r2 = r1 + rs;
      const grow = g + <usize>pp * os;
      for (let q = Q4; q < Q; q++) {
        const o = <usize>q << 2;
        const d = load<f32>(grow + o);
        s0 += d * load<f32>(r0 + o); s1 += d * load<f32>(r0 + o, 4); s2 += d * load<f32>(r0 + o, 8);
        s3 += d * load<f32>(r1 + o); s4 += d * load<f32>(r1 + o, 4); s5 += d * load<f32>(r1 + o, 8);
        s6 += d * load<f32>(r2 + o); s7 += d * load<f32>(r2 + o, 4); s8 += d * load<f32>(r2 + o, 8);
      }
    }
  }
  store<f32>(dk, load<f32>(dk) + hsum(a0) + s0);
  store<f32>(dk, load<f32>(dk, 4) + hsum(a1) + s1, 4);
  store<f32>(dk, load<f32>(dk, 8) + hsum(a2) + s2, 8);
  store<f32>(dk, load<f32>(dk, 12) + hsum(a3) + s3, 12);
  store<f32>(dk, load<f32>(dk, 16) + hsum(a4) + s4, 16);
  store<f32>(dk, load<f32>(dk, 20) + hsum(a5) + s5, 20);
  store<f32>(dk, load<f32>(dk, 24) + hsum(a6) + s6, 24);
  store<f32>(dk, load<f32>(dk, 28) + hsum(a7) + s7, 28);
  store<f32>(dk, load<f32>(dk, 32) + hsum(a8) + s8, 32);
}

/**
 * Stride-2 data gradient: dx[ih][iw] = sum of k[r][s] * dy[p][q] over ih + PH = 2p + r,
 * iw + PW = 2q + s. In padded coordinates (i, j) = (ih + PH, iw + PW) an even row takes the
 * taps r = 0, 2 and an odd row r = 1; within a row even columns take s = 0, 2 and odd columns
 * s = 1. So each row is a gather (no read-modify-write scatter): its even and odd columns as
 * two vectors over q, interleaved by shuffles into `row` (2 * A4 floats), then cropped into dx.
 * G is dy padded by one zero row and column in front (G[p + 1][q + 1] = dy[p][q]), row stride
 * Wg, zero to row (PH + H - 1) / 2 + 1 and column A4 (see dwBackInput2Geometry in depthwise.ts).
 */
export function f32_dwconv3x3s2_backward_input_wasmsimd(G: usize, Wg: i32, k: usize, dx: usize, H: i32, W: i32,
                                                        PH: i32, PW: i32, row: usize): void {
  const w0 = tap(k, 0, false), w1 = tap(k, 1, false), w2 = tap(k, 2, false);
  const w3 = tap(k, 3, false), w4 = tap(k, 4, false), w5 = tap(k, 5, false);
  const w6 = tap(k, 6, false), w7 = tap(k, 7, false), w8 = tap(k, 8, false);
  const A4 = (((PW + W + 1) >> 1) + 3) & ~3;
  const gs = <usize>Wg << 2;
  const crop = row + (<usize>PW << 2);
  for (let ih = 0; ih < H; ih++) {
    const i = ih + PH;
    if ((i & 1) == 0) {
      const ga = G + <usize>((i >> 1) + 1) * gs, gb = ga - gs;
      for (let a = 0; a < A4; a += 4) {
        const o = <usize>a << 2;
        const a0 = v128.load(ga + o), a1 = v128.load(ga + o, 4);
        const b0 = v128.load(gb + o), b1 = v128.load(gb + o, 4);
        const even = madd(w8, b0, madd(w6, b1, madd(w2, a0, f32x4.mul(w0, a1))));
        const odd = madd(w7, b1, f32x4.mul(w1, a1));
        v128.store(row + (o << 1), v128.shuffle<f32>(even, odd, 0, 4, 1, 5));
        v128.store(row + (o << 1), v128.shuffle<f32>(even, odd, 2, 6, 3, 7), 16);
      }
    } else {
      const gc = G + <usize>((i >> 1) + 1) * gs;
      for (let a = 0; a < A4; a += 4) {
        const o = <usize>a << 2;
        const c0 = v128.load(gc + o), c1 = v128.load(gc + o, 4);
        const even = madd(w5, c0, f32x4.mul(w3, c1));
        const odd = f32x4.mul(w4, c1);
        v128.store(row + (o << 1), v128.shuffle<f32>(even, odd, 0, 4, 1, 5));
        v128.store(row + (o << 1), v128.shuffle<f32>(even, odd, 2, 6, 3, 7), 16);
      }
    }
    const d = dx + (<usize>(ih * W) << 2);
    let j = 0;
    for (; j + 4 <= W; j += 4) v128.store(d + (<usize>j << 2), v128.load(crop + (<usize>j << 2)));
    for (; j < W; j++) store<f32>(d + (<usize>j << 2), load<f32>(crop + (<usize>j << 2)));
  }
}

/**
 * Stride-2 filter gradient: dk[r][s] += sum_{p,q} g[p][q] * buf[2p + r][2q + s] (g is P x Q),
 * nine vector accumulators, the taps of 4 outputs de-interleaved by shuffles as in the stride-2
 * forward; a row's last 1-3 columns are scalar.
 */
export function f32_dwconv3x3s2_filtergrad_wasmsimd(buf: usize, Wp: i32, g: usize, P: i32, Q: i32, dk: usize): void {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0);
  let a3 = f32x4.splat(0), a4 = f32x4.splat(0), a5 = f32x4.splat(0);
  let a6 = f32x4.splat(0), a7 = f32x4.splat(0), a8 = f32x4.splat(0);
  let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0, s4: f32 = 0, s5: f32 = 0, s6: f32 = 0, s7: f32 = 0, s8: f32 = 0;
  const rs = <usize>Wp << 2, os = <usize>Q << 2;
  const Q4 = Q & ~3;
  for (let p = 0; p < P; p++) {
    let i0 = buf + (<usize>(2 * p) * rs), i1 = i0 + rs, i2 = i1 + rs;
    let g0 = g + <usize>p * os;
    const end = g0 + (<usize>Q4 << 2);
    while (g0 < end) {
      const d = v128.load(g0);
      let x = v128.load(i0), y = v128.load(i0, 16);
      a0 = madd(d, v128.shuffle<f32>(x, y, 0, 2, 4, 6), a0);
      a1 = madd(d, v128.shuffle<f32>(x, y, 1, 3, 5, 7), a1);
      a2 = madd(d, v128.shuffle<f32>(v128.load(i0, 8), v128.load(i0, 24), 0, 2, 4, 6), a2);
      x = v128.load(i1); y = v128.load(i1, 16);
      a3 = madd(d, v128.shuffle<f32>(x, y, 0, 2, 4, 6), a3);
      a4 = madd(d, v128.shuffle<f32>(x, y, 1, 3, 5, 7), a4);
      a5 = madd(d, v128.shuffle<f32>(v128.load(i1, 8), v128.load(i1, 24), 0, 2, 4, 6), a5);
      x = v128.load(i2); y = v128.load(i2, 16);
      a6 = madd(d, v128.shuffle<f32>(x, y, 0, 2, 4, 6), a6);
      a7 = madd(d, v128.shuffle<f32>(x, y, 1, 3, 5, 7), a7);
      a8 = madd(d, v128.shuffle<f32>(v128.load(i2, 8), v128.load(i2, 24), 0, 2, 4, 6), a8);
      i0 += 32; i1 += 32; i2 += 32; g0 += 16;
    }
    // The row's last columns: the loop left i0..i2 at column 2 * Q4 and g0 at Q4.
    for (let q = Q4; q < Q; q++) {
      const d = load<f32>(g0);
      s0 += d * load<f32>(i0); s1 += d * load<f32>(i0, 4); s2 += d * load<f32>(i0, 8);
      s3 += d * load<f32>(i1); s4 += d * load<f32>(i1, 4); s5 += d * load<f32>(i1, 8);
      s6 += d * load<f32>(i2); s7 += d * load<f32>(i2, 4); s8 += d * load<f32>(i2, 8);
      i0 += 8; i1 += 8; i2 += 8; g0 += 4;
    }
  }
  store<f32>(dk, load<f32>(dk) + hsum(a0) + s0);
  store<f32>(dk, load<f32>(dk, 4) + hsum(a1) + s1, 4);
  store<f32>(dk, load<f32>(dk, 8) + hsum(a2) + s2, 8);
  store<f32>(dk, load<f32>(dk, 12) + hsum(a3) + s3, 12);
  store<f32>(dk, load<f32>(dk, 16) + hsum(a4) + s4, 16);
  store<f32>(dk, load<f32>(dk, 20) + hsum(a5) + s5, 20);
  store<f32>(dk, load<f32>(dk, 24) + hsum(a6) + s6, 24);
  store<f32>(dk, load<f32>(dk, 28) + hsum(a7) + s7, 28);
  store<f32>(dk, load<f32>(dk, 32) + hsum(a8) + s8, 32);
}
