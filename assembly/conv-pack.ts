// Packing for the convolution forward pass: the GEMM operands built straight from the tensors.
//   packConvFilter: the filter rows of one group as the GEMM's packed A (MR-row panels), once
//                   per call for every K block, so no image or pixel block packs it again.
//   packConvRows:   a kc x nc block of the virtual im2col matrix as the GEMM's packed B
//                   (NR-column panels), read from the image without an im2col buffer.
// The packed layouts are packA's and packB's (assembly/gemm.ts): the same macro-kernel runs.

import { ConvParams } from './params';
import { KC, MR, NR, packA } from './gemm';

/** K block depth used for a reduction of length K: K cut into equal blocks <= KC, 4-aligned. */
// @ts-ignore: decorator
@inline
export function kStep(K: i32): i32 {
  const kblocks = (K + KC - 1) / KC;
  return ((K + kblocks - 1) / kblocks + 3) & ~3;
}

/** Rows of a group's packed filter: Mg rounded up to whole MR-row panels. */
// @ts-ignore: decorator
@inline
export function paddedRows(Mg: i32): i32 {
  return (Mg + MR - 1) / MR * MR;
}

/**
 * Pack panels [u0, u1) of the filter w [M, Cg*R*S] into `ap`, in K blocks of depth `kstep`. Panel u is MR rows of group
 * u / (Mgp/MR); group g's packed filter starts at ap + g*Mgp*K floats, and within it the K block
 * starting at pc (depth kc) at + pc*Mgp, panel i of that block at + i*MR*kc: exactly what packA
 * writes for an Mgp x kc block, so the macro-kernel reads any rows [m0, m1) of a block in place.
 */
export function packConvFilter(cp: ConvParams, w: usize, ap: usize, u0: i32, u1: i32, kstep: i32): void {
  const G = cp.G, Mg = cp.M / G, K = (cp.C / G) * cp.R * cp.S;
  const Mgp = paddedRows(Mg), panels = Mgp / MR;
  for (let u = u0; u < u1; u++) {
    const g = u / panels, i0 = (u - g * panels) * MR;
    const rows = min(MR, Mg - i0);
    const src = w + ((<usize>(g * Mg + i0) * <usize>K) << 2);
    const dst = ap + ((<usize>g * <usize>Mgp * <usize>K) << 2);
    for (let pc = 0; pc < K; pc += kstep) {
      const kc = min(kstep, K - pc);
      packA(rows, kc, src + (<usize>pc << 2), K, 1, dst + ((<usize>(pc * Mgp) + <usize>(i0 * kc)) << 2));
    }
  }
}

/**
 * Whether packConvRows applies: stride 1 along rows and every NR-pixel panel inside one output
 * row (Q a multiple of NR; the host and the blocking keep pixel ranges NR-aligned).
 */
// @ts-ignore: decorator
@inline
export function rowsPackable(cp: ConvParams): bool {
  return cp.V == 1 && cp.Q % NR == 0;
}

/**
 * Pack B[k][j] = I[c, p*U + r*DH - PH, q + s*DW - PW] (0 outside the image) for k = (c*R + r)*S + s
 * in [k0, k0 + kc) and pixels j = p*Q + q in [j0, j0 + nc) into NR-column panels at bp (panel
 * t at bp + t*kc*NR floats, row k at + (k - k0)*NR). `x` is channel 0 of the group in one image.
 * Needs rowsPackable(cp) and j0, nc multiples of NR. A panel that straddles the left or right
 * image border loads a full vector anyway and masks the lanes outside the row, so the load may
 * touch up to NR-1 floats before or after the row: every block of the host's heap has 64
 * readable bytes on either side (src/backends/wasm/heap.ts GUARD).
 */
export function packConvRows(cp: ConvParams, x: usize, k0: i32, kc: i32, j0: i32, nc: i32, bp: usize): void {
  const H = cp.H, W = cp.W, R = cp.R, S = cp.S, Q = cp.Q;
  const U = cp.U, PH = cp.PH, PW = cp.PW, DH = cp.DH, DW = cp.DW;
  const RS = R * S;
  const panelBytes = <usize>(kc * NR) << 2;
  const plane = <usize>(H * W);
  const lanes0 = i32x4(0, 1, 2, 3), lanes1 = i32x4(4, 5, 6, 7);
  const width = i32x4.splat(W);
  const zero = f32x4.splat(0);
  const j1 = j0 + nc;
  // One output row p at a time: its panels share the input row of every (c, r).
  for (let p = j0 / Q; p * Q < j1; p++) {
    const qa = max(j0 - p * Q, 0), qb = min(j1 - p * Q, Q);
    // Panel (p*Q + qa - j0) / NR starts (p*Q + qa - j0) / NR * kc * NR floats in.
    const first = bp + (<usize>((p * Q + qa - j0) * kc) << 2);
    let c = k0 / RS;
    const rem = k0 - c * RS;
    let r = rem / S, s = rem - r * S;
    let row = first;
    for (let k = 0; k < kc; k++) {
      const ih = p * U + r * DH - PH;
      let dst = row;
      if (<u32>ih >= <u32>H) {
        for (let q = qa; q < qb; q += NR) {
          v128.store(dst, zero); v128.store(dst, zero, 16);
          dst += panelBytes;
        }
      } else {
        const off = s * DW - PW;
        const src = x + ((<usize>c * plane + <usize>(ih * W)) << 2);
        for (let q = qa; q < qb; q += NR) {
          const iw = q + off;
          if (iw >= 0 && iw + NR <= W) {
            const a = src + (<usize>iw << 2);
            v128.store(dst, v128.load(a)); v128.store(dst, v128.load(a, 16), 16);
          } else if (iw + NR <= 0 || iw >= W) {
            v128.store(dst, zero); v128.store(dst, zero, 16);
          } else {
            // Border panel: lanes with 0 <= iw + lane < W keep the loaded value, others are 0.
            const a = src + (<usize>iw << 2);
            const at = i32x4.splat(iw);
            const m0 = i32x4.lt_u(i32x4.add(at, lanes0), width);
            const m1 = i32x4.lt_u(i32x4.add(at, lanes1), width);
            v128.store(dst, v128.and(v128.load(a), m0));
            v128.store(dst, v128.and(v128.load(a, 16), m1), 16);
          }
          dst += panelBytes;
        }
      }
      row += NR << 2;
      if (++s == S) {
        s = 0;
        if (++r == R) { r = 0; c++; }
      }
    }
  }
}
