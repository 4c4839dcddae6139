// im2col / col2im over a range of output pixels: the bridge between a convolution and a GEMM.
// For one image and one group, col[k][j] with k = (c*R + r)*S + s over the channel range
// [c0, c1) and j over output pixels [j0, j1) (flattened p*Q + q) holds
//   I[c, p*U + r*DH - PH, q*V + s*DW - PW]   (zero outside the input: padding).

import { ConvParams } from './params';

/**
 * Copy n floats. Rows of a small image (LeNet: 10 or 28 floats) are too short for memory.copy,
 * whose call costs more than the copy; a vector loop does them.
 */
// @ts-ignore: decorator
@inline
function copyFloats(dst: usize, src: usize, n: i32): void {
  if (n >= 64) { memory.copy(dst, src, <usize>n << 2); return; }
  if (n < 4) {
    for (let i = 0; i < n; i++) store<f32>(dst + (<usize>i << 2), load<f32>(src + (<usize>i << 2)));
    return;
  }
  // Whole vectors, the last one overlapping the one before it (no scalar tail).
  let i = 0;
  for (; i + 4 < n; i += 4) v128.store(dst + (<usize>i << 2), v128.load(src + (<usize>i << 2)));
  const last = <usize>(n - 4) << 2;
  v128.store(dst + last, v128.load(src + last));
}

/**
 * Write col (rows (c1-c0)*R*S, row stride `ld` elements) for channels [c0, c1) of image plane
 * `x` (channel 0 of the group at x) and output pixels [j0, j1).
 */
export function im2col(cp: ConvParams, x: usize, c0: i32, c1: i32, j0: i32, j1: i32, col: usize, ld: i32): void {
  const H = cp.H, W = cp.W, R = cp.R, S = cp.S, Q = cp.Q;
  const U = cp.U, V = cp.V, PH = cp.PH, PW = cp.PW, DH = cp.DH, DW = cp.DW;
  const plane = <usize>(H * W) << 2;
  let row = col;
  const ldb = <usize>ld << 2;
  for (let c = c0; c < c1; c++) {
    const xc = x + <usize>c * plane;
    for (let r = 0; r < R; r++) {
      for (let s = 0; s < S; s++) {
        let j = j0;
        let dst = row;
        // One division per col row, not per output row: at LeNet's sizes (rows of 10 or 28
        // pixels) the division cost as much as the copy.
        const p = j0 / Q;
        let qa = j0 - p * Q;
        let ih = p * U + r * DH - PH;
        const off = s * DW - PW;
        // Every column of an output row reads inside the input row (no horizontal padding
        // reached): a plain copy per row.
        const interior = V == 1 && off >= 0 && Q + off <= W;
        for (; j < j1; qa = 0, ih += U) {
          const qb = min(Q, qa + (j1 - j));
          const n = qb - qa;
          if (ih < 0 || ih >= H) {
            memory.fill(dst, 0, <usize>n << 2);
          } else {
            const xrow = xc + (<usize>(ih * W) << 2);
            if (interior) {
              copyFloats(dst, xrow + (<usize>(qa + off) << 2), n);
            } else if (V == 1) {
              // Valid q: 0 <= q + off < W.
              const lo = max(qa, -off), hi = min(qb, W - off);
              if (hi <= lo) {
                memory.fill(dst, 0, <usize>n << 2);
              } else {
                if (lo > qa) memory.fill(dst, 0, <usize>(lo - qa) << 2);
                copyFloats(dst + (<usize>(lo - qa) << 2), xrow + (<usize>(lo + off) << 2), hi - lo);
                if (qb > hi) memory.fill(dst + (<usize>(hi - qa) << 2), 0, <usize>(qb - hi) << 2);
              }
            } else {
              // Valid q: 0 <= q*V + off < W, found once per row, so the gather loop has no test
              // (AlexNet conv1, stride 4: the per-element test was a third of its filter gradient).
              const lo = max(qa, min(qb, off >= 0 ? 0 : (V - 1 - off) / V));
              const hi = max(lo, min(qb, W - off <= 0 ? 0 : (W - off + V - 1) / V));
              if (lo > qa) memory.fill(dst, 0, <usize>(lo - qa) << 2);
              const vb = <usize>V << 2;
              let src = xrow + (<usize>(lo * V + off) << 2);
              let d = dst + (<usize>(lo - qa) << 2);
              let q = lo;
              for (; q + 4 <= hi; q += 4) {
                const a0 = load<f32>(src), a1 = load<f32>(src + vb), a2 = load<f32>(src + 2 * vb), a3 = load<f32>(src + 3 * vb);
                v128.store(d, f32x4(a0, a1, a2, a3));
                src += 4 * vb; d += 16;
              }
              for (; q < hi; q++) {
                store<f32>(d, load<f32>(src));
                src += vb; d += 4;
              }
              if (qb > hi) memory.fill(dst + (<usize>(hi - qa) << 2), 0, <usize>(qb - hi) << 2);
            }
          }
          dst += <usize>n << 2;
          j += n;
        }
        row += ldb;
      }
    }
  }
}

/** The adjoint of im2col: dx[c, ih, iw] += col[k][j] over channels [c0, c1), pixels [j0, j1). */
export function col2im(cp: ConvParams, col: usize, ld: i32, c0: i32, c1: i32, j0: i32, j1: i32, dx: usize): void {
  const H = cp.H, W = cp.W, R = cp.R, S = cp.S, Q = cp.Q;
  const U = cp.U, V = cp.V, PH = cp.PH, PW = cp.PW, DH = cp.DH, DW = cp.DW;
  const plane = <usize>(H * W) << 2;
  let row = col;
  const ldb = <usize>ld << 2;
  for (let c = c0; c < c1; c++) {
    const xc = dx + <usize>c * plane;
    for (let r = 0; r < R; r++) {
      for (let s = 0; s < S; s++) {
        let j = j0;
        let src = row;
        // One division per col row, as in im2col.
        const p = j0 / Q;
        let qa = j0 - p * Q;
        let ih = p * U + r * DH - PH;
        for (; j < j1; qa = 0, ih += U) {
          const qb = min(Q, qa + (j1 - j));
          const n = qb - qa;
          if (ih >= 0 && ih < H) {
            const xrow = xc + (<usize>(ih * W) << 2);
            const off = s * DW - PW;
            if (V == 1) {
              const lo = max(qa, -off), hi = min(qb, W - off);
              let q = lo;
              for (; q + 4 <= hi; q += 4) {
                const d = xrow + (<usize>(q + off) << 2);
                v128.store(d, f32x4.add(v128.load(d), v128.load(src + (<usize>(q - qa) << 2))));
              }
              for (; q < hi; q++) {
                const d = xrow + (<usize>(q + off) << 2);
                store<f32>(d, load<f32>(d) + load<f32>(src + (<usize>(q - qa) << 2)));
              }
            } else {
              // Valid q found once per row, as in im2col.
              const lo = max(qa, min(qb, off >= 0 ? 0 : (V - 1 - off) / V));
              const hi = max(lo, min(qb, W - off <= 0 ? 0 : (W - off + V - 1) / V));
              const vb = <usize>V << 2;
              let d = xrow + (<usize>(lo * V + off) << 2);
              let a = src + (<usize>(lo - qa) << 2);
              for (let q = lo; q < hi; q++) {
                store<f32>(d, load<f32>(d) + load<f32>(a));
                d += vb; a += 4;
              }
            }
          }
          src += <usize>n << 2;
          j += n;
        }
        row += ldb;
      }
    }
  }
}
