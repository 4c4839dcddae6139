// The filter gradient of a 3x3 stride-1 convolution by Winograd's F(3x3, 2x2): per image,
// channel and filter, dW[m, c] = sum over the 2x2 tiles of dy of the 3x3 correlation of the
// tile's 4x4 input block d with the tile g:
//   dW = A^T [ sum_tiles (G g G^T) .* (B^T d B) ] A
// with the forward's input transform B^T (assembly/winograd.ts transformInputRow),
//   G = [1 0; 1/2 1/2; 1/2 -1/2; 0 -1],   A^T = [1 1 1 0; 0 1 -1 0; 0 1 1 1],
// so the sums over the tiles are 16 GEMMs with the tiles as the reduction:
//   S_xi [M x C] = U_xi [M x tiles] * V_xi^T [tiles x C]
// 4 multiply-adds per output pixel, filter and channel instead of 9.
//
// The tiles (tile rows of every image, in order) are cut into a fixed number of chunks, each
// summed into its own partial S, and winograd_filter_finish adds the partials in chunk order and
// applies A. A layer with few tiles and many channels (a late ResNet stage) also splits S into
// blocks of filters and channels. The threads take the units (chunk, filter block, channel block)
// from a counter; the units depend on the layer alone, so the result has the same bits on any
// number of threads.

import { ConvParams, paramsAt } from './params';
import { f32_gemm, gemmScratchBytes } from './gemm';
import { rowColumns, rowFloats, transformInputRow, zeroRowBuffers } from './winograd';

/** Tiles a unit's GEMMs aim for in one pass (its K depth). */
const PASS_COLUMNS: i32 = 256;

/** Tile rows per pass of a unit. */
// @ts-ignore: decorator
@inline
function passRows(cp: ConvParams): i32 {
  return max(1, PASS_COLUMNS / rowColumns(cp));
}

/** Floats of one unit's partial sums: 16 x M x C. */
export function winogradFilterPartialFloats(pp: usize): i32 {
  const cp = paramsAt(pp);
  return 16 * cp.M * cp.C;
}

/** Bytes of per-thread scratch of conv2d_winograd_backward_filter. */
export function winogradFilterScratchBytes(pp: usize): i32 {
  const cp = paramsAt(pp);
  const cols = passRows(cp) * rowColumns(cp);
  return (16 * (cp.C + cp.M) * cols + 4 * rowFloats(cp) + max(cp.W, 4)) * 4 + gemmScratchBytes() + 256;
}

/**
 * Partial sums S_xi of the layer at pp (x [N,C,H,W], dy [N,M,P,Q]) over `chunks` chunks of its
 * tile rows into partials (chunk k's at + k*winogradFilterPartialFloats floats, [xi][m][c]), in
 * units of `mb` filters and `cb` channels of a chunk taken from the counter at `next`;
 * `scratch` of winogradFilterScratchBytes per thread.
 */
export function conv2d_winograd_backward_filter(pp: usize, x: usize, dy: usize, partials: usize, chunks: i32,
                                                mb: i32, cb: i32, next: usize, scratch: usize): void {
  const cp = paramsAt(pp);
  const mBlocks = (cp.M + mb - 1) / mb, cBlocks = (cp.C + cb - 1) / cb;
  const units = chunks * mBlocks * cBlocks;
  for (let u = atomic.add<i32>(next, 1); u < units; u = atomic.add<i32>(next, 1)) {
    const ci = u % cBlocks, mi = (u / cBlocks) % mBlocks, k = u / (cBlocks * mBlocks);
    const m0 = mi * mb, c0 = ci * cb;
    filterUnit(cp, x, dy, partials + (<usize>k * <usize>(16 * cp.M * cp.C) << 2), k, chunks,
      m0, min(cp.M, m0 + mb), c0, min(cp.C, c0 + cb), scratch);
  }
}

/** Chunk k's sums for filters [m0, m1) and channels [c0, c1). */
function filterUnit(cp: ConvParams, x: usize, dy: usize, partial: usize, k: i32, chunks: i32,
                    m0: i32, m1: i32, c0: i32, c1: i32, scratch: usize): void {
  const H = cp.H, W = cp.W, P = cp.P, Q = cp.Q, Call = cp.C;
  const C = c1 - c0, M = m1 - m0;
  const TQ4 = rowColumns(cp), tileRows = (P + 1) >> 1;
  // Chunk k: tile rows [r0, r1) of the batch's N * tileRows, in (image, row) order.
  const total = cp.N * tileRows;
  const r0 = <i32>((<i64>total * k) / chunks), r1 = <i32>((<i64>total * (k + 1)) / chunks);
  const rows = passRows(cp), maxCols = rows * TQ4;
  const vp = (scratch + 63) & ~<usize>63;
  const up = vp + (<usize>(16 * C * maxCols) << 2);
  const rowLen = rowFloats(cp);
  const rb = up + (<usize>(16 * M * maxCols) << 2);
  const zeros = rb + (<usize>(4 * rowLen) << 2);
  const gemm = (zeros + (<usize>max(W, 4) << 2) + 63) & ~<usize>63;
  zeroRowBuffers(cp, rb, zeros);
  const plane = <usize>(H * W) << 2, dyPlane = <usize>(P * Q) << 2;
  const partialPlane = <usize>(cp.M * Call) << 2;
  const out = partial + (<usize>(m0 * Call + c0) << 2);
  let first = true;
  for (let a = r0; a < r1; a += rows) {
    const b = min(r1, a + rows);
    const cols = (b - a) * TQ4;
    const vPlane = <usize>(C * cols) << 2, uPlane = <usize>(M * cols) << 2;
    for (let r = a; r < b; r++) {
      const n = r / tileRows, ty = r - n * tileRows;
      const col0 = (r - a) * TQ4;
      const xn = x + (<usize>n * <usize>Call + <usize>c0) * plane;
      for (let c = 0; c < C; c++) {
        transformInputRow(cp, xn + <usize>c * plane, ty, rb, zeros, vp + <usize>c * (<usize>cols << 2), col0, vPlane, 0);
      }
      const dyn = dy + (<usize>n * <usize>cp.M + <usize>m0) * dyPlane;
      for (let m = 0; m < M; m++) {
        transformGradientRow(dyn + <usize>m * dyPlane, ty, P, Q, TQ4, up + (<usize>(m * cols + col0) << 2), uPlane);
      }
    }
    // S_xi (+)= U_xi [M x cols] * V_xi^T: V_xi is [C x cols] row-major, read transposed.
    for (let xi = 0; xi < 16; xi++) {
      f32_gemm(M, C, cols, up + <usize>xi * uPlane, cols, 1, vp + <usize>xi * vPlane, 1, cols,
        out + <usize>xi * partialPlane, Call, first ? 0 : 1, 0, gemm);
    }
    first = false;
  }
  // A chunk without tiles (more chunks than tile rows): its block of S is zero.
  if (first) {
    for (let xi = 0; xi < 16; xi++) {
      for (let m = 0; m < M; m++) memory.fill(out + <usize>xi * partialPlane + (<usize>(m * Call) << 2), 0, <usize>C << 2);
    }
  }
}

/**
 * U_xi = (G g G^T)_xi for the tiles of tile row `ty` of one gradient plane (P x Q), g each
 * tile's 2x2 block (zero past the plane), four tiles per vector, stored at dst + tile*4 bytes,
 * position xi at + xi*uPlane. G = [1 0; 1/2 1/2; 1/2 -1/2; 0 -1]. A vector of four tiles reads
 * 8 columns; at the row's end the columns past Q are masked (the load may touch up to 7 floats
 * past the plane: the host allocates more after dy).
 */
function transformGradientRow(plane: usize, ty: i32, P: i32, Q: i32, TQ4: i32, dst: usize, uPlane: usize): void {
  const row0 = plane + (<usize>(2 * ty * Q) << 2);
  const second = 2 * ty + 1 < P;
  const row1 = row0 + (<usize>Q << 2);
  const half = f32x4.splat(0.5), zero = f32x4.splat(0);
  const lanes0 = i32x4(0, 1, 2, 3), lanes1 = i32x4(4, 5, 6, 7), width = i32x4.splat(Q);
  for (let tx = 0; tx < TQ4; tx += 4) {
    const col = 2 * tx, o = <usize>col << 2;
    let a = v128.load(row0 + o), b = v128.load(row0 + o, 16);
    let c = second ? v128.load(row1 + o) : zero, d = second ? v128.load(row1 + o, 16) : zero;
    if (col + 8 > Q) {
      const at = i32x4.splat(col);
      const m0 = i32x4.lt_s(i32x4.add(at, lanes0), width), m1 = i32x4.lt_s(i32x4.add(at, lanes1), width);
      a = v128.and(a, m0); b = v128.and(b, m1); c = v128.and(c, m0); d = v128.and(d, m1);
    }
    // g00 g01 (row 0), g10 g11 (row 1) of four tiles.
    const g00 = v128.shuffle<f32>(a, b, 0, 2, 4, 6), g01 = v128.shuffle<f32>(a, b, 1, 3, 5, 7);
    const g10 = v128.shuffle<f32>(c, d, 0, 2, 4, 6), g11 = v128.shuffle<f32>(c, d, 1, 3, 5, 7);
    const out = dst + (<usize>tx << 2);
    // Rows of G g: g0, (g0 + g1)/2, (g0 - g1)/2, -g1; each row times G^T the same way.
    gradientRow(out, uPlane, 0, g00, g01, half);
    gradientRow(out, uPlane, 4, f32x4.mul(f32x4.add(g00, g10), half), f32x4.mul(f32x4.add(g01, g11), half), half);
    gradientRow(out, uPlane, 8, f32x4.mul(f32x4.sub(g00, g10), half), f32x4.mul(f32x4.sub(g01, g11), half), half);
    gradientRow(out, uPlane, 12, f32x4.neg(g10), f32x4.neg(g11), half);
  }
}

/** One row (a, b) of G g times G^T: positions xi0 .. xi0+3, `step` bytes apart. */
// @ts-ignore: decorator
@inline
function gradientRow(at: usize, step: usize, xi0: i32, a: v128, b: v128, half: v128): void {
  const p = at + <usize>xi0 * step;
  v128.store(p, a);
  v128.store(p + step, f32x4.mul(f32x4.add(a, b), half));
  v128.store(p + 2 * step, f32x4.mul(f32x4.sub(a, b), half));
  v128.store(p + 3 * step, f32x4.neg(b));
}

/**
 * dw [M, C, 3, 3] for filters [m0, m1): the chunks' partial sums added in chunk order, then
 * A^T S A, A^T = [1 1 1 0; 0 1 -1 0; 0 1 1 1].
 */
export function winograd_filter_finish(pp: usize, partials: usize, chunks: i32, dw: usize, m0: i32, m1: i32): void {
  const cp = paramsAt(pp);
  const C = cp.C, M = cp.M;
  const partialBytes = <usize>(16 * M * C) << 2, planeBytes = <usize>(M * C) << 2;
  for (let m = m0; m < m1; m++) {
    for (let c = 0; c < C; c++) {
      const at = partials + (<usize>(m * C + c) << 2);
      // s[xi] = sum over the chunks, in order.
      let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0, s4: f32 = 0, s5: f32 = 0, s6: f32 = 0, s7: f32 = 0;
      let s8: f32 = 0, s9: f32 = 0, s10: f32 = 0, s11: f32 = 0, s12: f32 = 0, s13: f32 = 0, s14: f32 = 0, s15: f32 = 0;
      for (let k = 0; k < chunks; k++) {
        const q = at + <usize>k * partialBytes;
        s0 += load<f32>(q); s1 += load<f32>(q + planeBytes); s2 += load<f32>(q + 2 * planeBytes); s3 += load<f32>(q + 3 * planeBytes);
        s4 += load<f32>(q + 4 * planeBytes); s5 += load<f32>(q + 5 * planeBytes); s6 += load<f32>(q + 6 * planeBytes); s7 += load<f32>(q + 7 * planeBytes);
        s8 += load<f32>(q + 8 * planeBytes); s9 += load<f32>(q + 9 * planeBytes); s10 += load<f32>(q + 10 * planeBytes); s11 += load<f32>(q + 11 * planeBytes);
        s12 += load<f32>(q + 12 * planeBytes); s13 += load<f32>(q + 13 * planeBytes); s14 += load<f32>(q + 14 * planeBytes); s15 += load<f32>(q + 15 * planeBytes);
      }
      // Rows: t = A^T S (3 x 4).
      const t00 = s0 + s4 + s8, t01 = s1 + s5 + s9, t02 = s2 + s6 + s10, t03 = s3 + s7 + s11;
      const t10 = s4 - s8, t11 = s5 - s9, t12 = s6 - s10, t13 = s7 - s11;
      const t20 = s4 + s8 + s12, t21 = s5 + s9 + s13, t22 = s6 + s10 + s14, t23 = s7 + s11 + s15;
      // Columns: t A.
      const out = dw + (<usize>(m * C + c) * 9 << 2);
      store<f32>(out, t00 + t01 + t02); store<f32>(out, t01 - t02, 4); store<f32>(out, t01 + t02 + t03, 8);
      store<f32>(out, t10 + t11 + t12, 12); store<f32>(out, t11 - t12, 16); store<f32>(out, t11 + t12 + t13, 20);
      store<f32>(out, t20 + t21 + t22, 24); store<f32>(out, t21 - t22, 28); store<f32>(out, t21 + t22 + t23, 32);
    }
  }
}
