// 3x3 stride-1 convolution by Winograd's minimal filtering F(2x2, 3x3) (Lavin & Gray, 2015):
// each 2x2 block of outputs ("tile") comes from a 4x4 block of the input, and
//   Y = A^T [ (G g G^T) .* (B^T d B) ] A
// turns the 36 multiplications of a tile (per channel and filter) into 16. The elementwise
// products over the channels are 16 GEMMs, one per position xi of the 4x4 transformed tile:
//   M_xi [M x tiles] = U_xi [M x C] * V_xi [C x tiles]
// run on the packed GEMM macro-kernel (assembly/gemm.ts). 2.25x fewer multiply-adds than the
// direct sum; the transforms are additions only, done four tiles at a time in SIMD lanes.
//
// The work is cut into units (image, block of tile rows, block of filters) that the threads take
// from a shared counter; each unit transforms its own input tiles, runs the 16 GEMMs (channels
// past one K block of the GEMM summed block by block) and writes its outputs, so results do not
// depend on how the units were shared out or sized.
//
// The same kernel runs the data gradient of such a layer: a stride-1 3x3 conv of dy with the
// filter flipped and its channel axes swapped (winograd_pack_filter's `flip`), padded by 2 - pad.

import { ConvParams, paramsAt } from './params';
import { f32_gemm_macro_4x8, MC, MR, NR } from './gemm';
import { kStep } from './conv-pack';
import { f32_relu } from './elementwise';

/** Tile columns of a tile row in the GEMMs: ceil(Q/2) rounded up to whole 4-lane groups. */
// @ts-ignore: decorator
@inline
export function rowColumns(cp: ConvParams): i32 {
  return (((cp.Q + 1) >> 1) + 3) & ~3;
}

/** Units of a call with `rows` tile rows and `mb` filters per unit: images x row blocks x filter blocks. */
function winogradUnits(pp: usize, rows: i32, mb: i32): i32 {
  const cp = paramsAt(pp);
  const tileRows = (cp.P + 1) >> 1;
  return cp.N * ((tileRows + rows - 1) / rows) * ((cp.M + mb - 1) / mb);
}

/** GEMM columns of a tile row (the host sizes units with it). */
export function winogradRowColumns(pp: usize): i32 {
  return rowColumns(paramsAt(pp));
}

/** Floats of one of the 4 transformed input rows (a vector load past the last tile stays inside). */
// @ts-ignore: decorator
@inline
export function rowFloats(cp: ConvParams): i32 {
  return 2 * rowColumns(cp) + 8;
}

/** Rows of the packed U: M rounded up to whole MR-row panels. */
// @ts-ignore: decorator
@inline
function paddedM(cp: ConvParams): i32 {
  return (cp.M + MR - 1) / MR * MR;
}

/** Bytes of the transformed filter U the host allocates (16 x paddedM x C floats). */
export function winogradFilterBytes(pp: usize): i32 {
  const cp = paramsAt(pp);
  return 16 * paddedM(cp) * cp.C * 4;
}

/** Bytes of per-thread scratch of conv2d_winograd with `rows` tile rows and `mb` filters per unit. */
export function winogradScratchBytes(pp: usize, rows: i32, mb: i32): i32 {
  const cp = paramsAt(pp);
  const cols = (rows * rowColumns(cp) + NR - 1) / NR * NR;
  const v = 16 * cp.C * cols, m = 16 * min(mb, cp.M) * cols;
  return (v + m + 4 * rowFloats(cp) + max(cp.W, 4) + MR * NR + NR) * 4 + 128;
}

/**
 * U_xi = (G g G^T)_xi for the filter panels [u0, u1) (MR filters each) of the layer at pp,
 * packed as the GEMM's A operand: position xi's M x C matrix at up + xi*paddedM*C floats, cut
 * into K blocks of kStep(C) channels (the block from channel pc, depth kc, at + pc*paddedM), each
 * in MR-row panels (packA's layout: panel i at + i*MR*kc, channel pc + c at + c*MR), so a panel's
 * MR filters are the lanes of one vector. G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1].
 * With `flip`, the layer at pp is a data gradient: filter m, channel c is the original filter
 * w[c, m] rotated by 180 degrees (w has M_orig = cp.C filters of cp.M channels). Lanes past
 * the last filter are zero.
 */
export function winograd_pack_filter(pp: usize, w: usize, up: usize, u0: i32, u1: i32, flip: bool): void {
  const cp = paramsAt(pp);
  const C = cp.C, M = cp.M, Mp = paddedM(cp);
  const step = <usize>Mp * <usize>C << 2;
  const kstep = kStep(C);
  // Bytes between filter m and m + 1 (the lanes), and from channel c to c + 1.
  const laneBytes = <usize>(flip ? 9 : C * 9) << 2, channelBytes = <usize>(flip ? M * 9 : 9) << 2;
  const half = f32x4.splat(0.5);
  for (let u = u0; u < u1; u++) {
    const m0 = u * MR, lanes = min(MR, M - m0);
    const first = w + <usize>(flip ? m0 * 9 : m0 * C * 9) * 4;
    for (let c = 0; c < C; c++) {
      const base = first + <usize>c * channelBytes;
      // Taps in reading order (rotated for a data gradient), four filters per vector.
      const g00 = tap(base, laneBytes, lanes, flip ? 8 : 0), g01 = tap(base, laneBytes, lanes, flip ? 7 : 1);
      const g02 = tap(base, laneBytes, lanes, flip ? 6 : 2), g10 = tap(base, laneBytes, lanes, flip ? 5 : 3);
      const g11 = tap(base, laneBytes, lanes, 4), g12 = tap(base, laneBytes, lanes, flip ? 3 : 5);
      const g20 = tap(base, laneBytes, lanes, flip ? 2 : 6), g21 = tap(base, laneBytes, lanes, flip ? 1 : 7);
      const g22 = tap(base, laneBytes, lanes, flip ? 0 : 8);
      // Rows of t = G g (4 x 3), then each row times G^T gives four positions of U.
      const pc = c / kstep * kstep, kc = min(kstep, C - pc);
      const dst = up + (<usize>(pc * Mp + u * MR * kc + (c - pc) * MR) << 2);
      storeRow(dst, step, 0, g00, g01, g02, half);
      storeRow(dst, step, 4, f32x4.mul(f32x4.add(f32x4.add(g00, g10), g20), half),
        f32x4.mul(f32x4.add(f32x4.add(g01, g11), g21), half), f32x4.mul(f32x4.add(f32x4.add(g02, g12), g22), half), half);
      storeRow(dst, step, 8, f32x4.mul(f32x4.add(f32x4.sub(g00, g10), g20), half),
        f32x4.mul(f32x4.add(f32x4.sub(g01, g11), g21), half), f32x4.mul(f32x4.add(f32x4.sub(g02, g12), g22), half), half);
      storeRow(dst, step, 12, g20, g21, g22, half);
    }
  }
}

/** Tap k of `lanes` consecutive filters (laneBytes apart) as a vector; missing lanes are 0. */
// @ts-ignore: decorator
@inline
function tap(base: usize, laneBytes: usize, lanes: i32, k: i32): v128 {
  const at = base + (<usize>k << 2);
  let v = f32x4.splat(load<f32>(at));
  v = f32x4.replace_lane(v, 1, lanes > 1 ? load<f32>(at + laneBytes) : 0);
  v = f32x4.replace_lane(v, 2, lanes > 2 ? load<f32>(at + 2 * laneBytes) : 0);
  v = f32x4.replace_lane(v, 3, lanes > 3 ? load<f32>(at + 3 * laneBytes) : 0);
  return v;
}

/** One row (a, b, c) of G g times G^T: positions xi0 .. xi0+3 of U, `step` bytes apart. */
// @ts-ignore: decorator
@inline
function storeRow(dst: usize, step: usize, xi0: i32, a: v128, b: v128, c: v128, half: v128): void {
  const at = dst + <usize>xi0 * step;
  v128.store(at, a);
  v128.store(at + step, f32x4.mul(f32x4.add(f32x4.add(a, b), c), half));
  v128.store(at + 2 * step, f32x4.mul(f32x4.add(f32x4.sub(a, b), c), half));
  v128.store(at + 3 * step, c);
}

/**
 * y = conv2d(x, w) + bias (relu'd with `relu`) for the 3x3 stride-1 layer at pp, from the
 * transformed filter at up (winograd_pack_filter). Units of `rows` tile rows of one image and
 * `mb` filters (a multiple of MR), from the counter at `next`; every output is computed the
 * same way whatever the units, so the host may size them freely. `scratch` holds
 * winogradScratchBytes(pp, rows, mb) bytes private to the thread.
 */
export function conv2d_winograd(pp: usize, x: usize, up: usize, bias: usize, y: usize, rows: i32, mb: i32,
                                next: usize, scratch: usize, relu: bool): void {
  const cp = paramsAt(pp);
  const units = winogradUnits(pp, rows, mb);
  for (let u = atomic.add<i32>(next, 1); u < units; u = atomic.add<i32>(next, 1)) {
    winogradUnit(cp, x, up, bias, y, u, rows, mb, scratch, relu);
  }
}

function winogradUnit(cp: ConvParams, x: usize, up: usize, bias: usize, y: usize, u: i32, rows: i32, mb: i32,
                      scratch: usize, relu: bool): void {
  const C = cp.C, H = cp.H, W = cp.W, P = cp.P, Q = cp.Q;
  const TQ4 = rowColumns(cp), tileRows = (P + 1) >> 1;
  const blocks = (tileRows + rows - 1) / rows, mBlocks = (cp.M + mb - 1) / mb;
  // Unit order: filter block fastest (its neighbours share the input tiles), then rows, image.
  let t = u;
  const mi = t % mBlocks; t /= mBlocks;
  const bi = t % blocks;
  const n = t / blocks;
  const ty0 = bi * rows, ty1 = min(tileRows, ty0 + rows);
  const f0 = mi * mb, M = min(mb, cp.M - f0);
  const cols = (ty1 - ty0) * TQ4;
  const colsP = (cols + NR - 1) / NR * NR;
  const vp = (scratch + 63) & ~<usize>63;
  const mp = vp + (<usize>(16 * C * colsP) << 2);
  const rowLen = rowFloats(cp);
  const rb = mp + (<usize>(16 * M * colsP) << 2);
  const zeros = rb + (<usize>(4 * rowLen) << 2);
  const tile = zeros + (<usize>max(W, 4) << 2);
  zeroRowBuffers(cp, rb, zeros);
  const plane = <usize>(H * W) << 2;
  const xn = x + <usize>n * <usize>C * plane;
  const vPlane = <usize>(C * colsP) << 2;

  // Input transform, into the packed B layout of each V_xi, in the K blocks of U (the block from
  // channel pc, depth kc, at + pc*colsP; in it panel col/NR at + panel*kc*NR, channel pc + c at
  // + c*NR, lane col%NR).
  const kstep = kStep(C);
  for (let c = 0; c < C; c++) {
    const xc = xn + <usize>c * plane;
    const pc = c / kstep * kstep, kc = min(kstep, C - pc);
    const base = vp + (<usize>(pc * colsP + (c - pc) * NR) << 2);
    for (let ty = ty0; ty < ty1; ty++) {
      transformInputRow(cp, xc, ty, rb, zeros, base, (ty - ty0) * TQ4, vPlane, <usize>(kc * NR) << 2);
    }
  }

  // The 16 products M_xi [M x cols] = U_xi * V_xi, summed over the K blocks in order.
  const ldm = <usize>colsP << 2;
  const Mp = paddedM(cp);
  const uPlane = <usize>(Mp * C) << 2, mPlane = <usize>(M * colsP) << 2;
  for (let xi = 0; xi < 16; xi++) {
    for (let pc = 0; pc < C; pc += kstep) {
      const kc = min(kstep, C - pc);
      for (let ic = 0; ic < M; ic += MC) {
        const mc = min(MC, M - ic);
        f32_gemm_macro_4x8(mc, cols, kc, up + <usize>xi * uPlane + (<usize>(pc * Mp + (f0 + ic) * kc) << 2),
          vp + <usize>xi * vPlane + (<usize>(pc * colsP) << 2), mp + <usize>xi * mPlane + <usize>ic * ldm, ldm,
          pc == 0 ? 0 : 1, 0, tile);
      }
    }
  }

  // Output transform: Y = A^T M A + bias, A^T = [1 1 1 0; 0 1 -1 -1], four tiles per vector,
  // interleaved into two output rows of 8 pixels.
  const PQ = <usize>(P * Q) << 2;
  const yn = y + (<usize>n * <usize>cp.M + <usize>f0) * PQ;
  const rowOut = <usize>Q << 2;
  for (let m = 0; m < M; m++) {
    const b = f32x4.splat(bias != 0 ? load<f32>(bias + (<usize>(f0 + m) << 2)) : 0);
    const ym = yn + <usize>m * PQ;
    const src0 = mp + <usize>m * ldm;
    for (let ty = ty0; ty < ty1; ty++) {
      const col0 = (ty - ty0) * TQ4;
      const oh = 2 * ty;
      const out0 = ym + <usize>oh * rowOut;
      const second = oh + 1 < P;
      for (let tx = 0; tx < TQ4; tx += 4) {
        const s = src0 + (<usize>(col0 + tx) << 2);
        const m00 = v128.load(s), m01 = v128.load(s + mPlane), m02 = v128.load(s + 2 * mPlane), m03 = v128.load(s + 3 * mPlane);
        const m10 = v128.load(s + 4 * mPlane), m11 = v128.load(s + 5 * mPlane), m12 = v128.load(s + 6 * mPlane), m13 = v128.load(s + 7 * mPlane);
        const m20 = v128.load(s + 8 * mPlane), m21 = v128.load(s + 9 * mPlane), m22 = v128.load(s + 10 * mPlane), m23 = v128.load(s + 11 * mPlane);
        const m30 = v128.load(s + 12 * mPlane), m31 = v128.load(s + 13 * mPlane), m32 = v128.load(s + 14 * mPlane), m33 = v128.load(s + 15 * mPlane);
        const s00 = f32x4.add(f32x4.add(m00, m10), m20), s01 = f32x4.add(f32x4.add(m01, m11), m21);
        const s02 = f32x4.add(f32x4.add(m02, m12), m22), s03 = f32x4.add(f32x4.add(m03, m13), m23);
        const s10 = f32x4.sub(f32x4.sub(m10, m20), m30), s11 = f32x4.sub(f32x4.sub(m11, m21), m31);
        const s12 = f32x4.sub(f32x4.sub(m12, m22), m32), s13 = f32x4.sub(f32x4.sub(m13, m23), m33);
        const y00 = f32x4.add(f32x4.add(f32x4.add(s00, s01), s02), b);
        const y01 = f32x4.add(f32x4.sub(f32x4.sub(s01, s02), s03), b);
        const y10 = f32x4.add(f32x4.add(f32x4.add(s10, s11), s12), b);
        const y11 = f32x4.add(f32x4.sub(f32x4.sub(s11, s12), s13), b);
        const ow = 2 * tx;
        storeOutputRow(out0 + (<usize>ow << 2), v128.shuffle<f32>(y00, y01, 0, 4, 1, 5), v128.shuffle<f32>(y00, y01, 2, 6, 3, 7), Q - ow);
        if (second) {
          storeOutputRow(out0 + rowOut + (<usize>ow << 2), v128.shuffle<f32>(y10, y11, 0, 4, 1, 5), v128.shuffle<f32>(y10, y11, 2, 6, 3, 7), Q - ow);
        }
      }
      if (relu) {
        f32_relu(out0, out0, Q);
        if (second) f32_relu(out0 + rowOut, out0 + rowOut, Q);
      }
    }
  }
}

/** Input row ih of a channel plane, or a row of zeros outside the image. */
// @ts-ignore: decorator
@inline
function rowAt(xc: usize, ih: i32, H: i32, W: i32, zeros: usize): usize {
  return <u32>ih < <u32>H ? xc + (<usize>(ih * W) << 2) : zeros;
}

/**
 * V_xi = (B^T d B)_xi for the tiles of tile row `ty` of one channel plane `xc`, d each tile's
 * 4x4 input block: B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1], first down the columns of the
 * 4 input rows (whole rows at once, into rb), then along each transformed row, four tiles per
 * vector (rb and zeros as zeroRowBuffers left them). The row's tiles are the columns col0 ..
 * col0 + TQ4 - 1 of each V_xi, which starts at
 * base + xi*vPlane: packed as the GEMM's B (column col at + (col/NR)*panelBytes + col%NR floats)
 * for the forward, plain (at + col floats; panelBytes 0) for the filter gradient.
 */
export function transformInputRow(cp: ConvParams, xc: usize, ty: i32, rb: usize, zeros: usize, base: usize,
                                  col0: i32, vPlane: usize, panelBytes: usize): void {
  const H = cp.H, W = cp.W, TQ4 = rowColumns(cp), rowLen = rowFloats(cp);
  const rowBytes = <usize>rowLen << 2;
  const ih = 2 * ty - cp.PH;
  const r0 = rowAt(xc, ih, H, W, zeros), r1 = rowAt(xc, ih + 1, H, W, zeros);
  const r2 = rowAt(xc, ih + 2, H, W, zeros), r3 = rowAt(xc, ih + 3, H, W, zeros);
  verticalTransform(rb, rowLen, cp.PW, W, r0, r1, r2, r3);
  for (let tx = 0; tx < TQ4; tx += 4) {
    const col = col0 + tx;
    const at = panelBytes != 0 ? base + <usize>(col / NR) * panelBytes + (<usize>(col % NR) << 2) : base + (<usize>col << 2);
    for (let i = 0; i < 4; i++) {
      const t = rb + <usize>i * rowBytes + (<usize>(2 * tx) << 2);
      const A = v128.load(t), B = v128.load(t, 16), Cv = v128.load(t, 32);
      const a0 = v128.shuffle<f32>(A, B, 0, 2, 4, 6), a1 = v128.shuffle<f32>(A, B, 1, 3, 5, 7);
      const a2 = v128.shuffle<f32>(a0, Cv, 1, 2, 3, 4), a3 = v128.shuffle<f32>(a1, Cv, 1, 2, 3, 5);
      const d = at + <usize>(4 * i) * vPlane;
      v128.store(d, f32x4.sub(a0, a2));
      v128.store(d + vPlane, f32x4.add(a1, a2));
      v128.store(d + 2 * vPlane, f32x4.sub(a2, a1));
      v128.store(d + 3 * vPlane, f32x4.sub(a1, a3));
    }
  }
}

/**
 * The four rows of B^T d down the columns, written to rb (4 rows of rowLen floats), column iw
 * of the image at position iw + PW. Positions outside the image are never written: the caller
 * zeroes rb once (zeroRowBuffers), and every row of a layer writes the same positions.
 */
function verticalTransform(rb: usize, rowLen: i32, PW: i32, W: i32, r0: usize, r1: usize, r2: usize, r3: usize): void {
  const rowBytes = <usize>rowLen << 2;
  const end = min(rowLen, PW + W);
  const t0 = rb + (<usize>PW << 2), t1 = t0 + rowBytes, t2 = t1 + rowBytes, t3 = t2 + rowBytes;
  const n = end - PW;
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const o = <usize>j << 2;
    const a0 = v128.load(r0 + o), a1 = v128.load(r1 + o), a2 = v128.load(r2 + o), a3 = v128.load(r3 + o);
    v128.store(t0 + o, f32x4.sub(a0, a2));
    v128.store(t1 + o, f32x4.add(a1, a2));
    v128.store(t2 + o, f32x4.sub(a2, a1));
    v128.store(t3 + o, f32x4.sub(a1, a3));
  }
  for (; j < n; j++) {
    const o = <usize>j << 2;
    const a0 = load<f32>(r0 + o), a1 = load<f32>(r1 + o), a2 = load<f32>(r2 + o), a3 = load<f32>(r3 + o);
    store<f32>(t0 + o, a0 - a2);
    store<f32>(t1 + o, a1 + a2);
    store<f32>(t2 + o, a2 - a1);
    store<f32>(t3 + o, a1 - a3);
  }
}

/**
 * Zero the four row buffers of transformInputRow (4 x rowFloats floats at rb) and a row of
 * zeros for the rows outside the image (max(W, 4) floats at zeros): once per unit.
 */
export function zeroRowBuffers(cp: ConvParams, rb: usize, zeros: usize): void {
  memory.fill(rb, 0, <usize>(4 * rowFloats(cp)) << 2);
  memory.fill(zeros, 0, <usize>max(cp.W, 4) << 2);
}

/** Store 8 output pixels (lo, hi) of a row, or the first `left` of them at the row's end. */
// @ts-ignore: decorator
@inline
function storeOutputRow(at: usize, lo: v128, hi: v128, left: i32): void {
  if (left >= 8) {
    v128.store(at, lo);
    v128.store(at, hi, 16);
    return;
  }
  if (left <= 0) return;
  store<f32>(at, f32x4.extract_lane(lo, 0));
  if (left > 1) store<f32>(at, f32x4.extract_lane(lo, 1), 4);
  if (left > 2) store<f32>(at, f32x4.extract_lane(lo, 2), 8);
  if (left > 3) store<f32>(at, f32x4.extract_lane(lo, 3), 12);
  if (left > 4) store<f32>(at, f32x4.extract_lane(hi, 0), 16);
  if (left > 5) store<f32>(at, f32x4.extract_lane(hi, 1), 20);
  if (left > 6) store<f32>(at, f32x4.extract_lane(hi, 2), 24);
}
