// Packed, cache-blocked GEMM (BLIS loop order) with a register-blocked SIMD128 micro-kernel:
//   C[M,N] = A[M,K] * B[K,N]        (mode 0)
//   C[M,N] += A[M,K] * B[K,N]       (mode 1)
//   C[M,N] = bias[M] + A * B        (mode 2, bias[i] added along row i: conv)
//   C[M,N] = bias[N] + A * B        (mode 3, bias[j] added down column j: linear)
// A and B are addressed by element strides (row stride, column stride), so a transposed
// operand costs nothing but a different packing pattern: conv forward, its data gradient
// and its filter gradient all run through this one routine.

/**
 * Micro-tile rows (register blocking). 4x8 = 8 f32x4 accumulators + 2 B vectors + 1 A splat:
 * measured 48 GFLOP/s in L1 on x86-64 V8, where 5x8 and 6x8 spill (16 xmm registers, one
 * reserved by V8) and drop to 22-24 GFLOP/s.
 */
export const MR: i32 = 4;
/** Micro-tile columns: two f32x4 vectors. */
export const NR: i32 = 8;
/**
 * Largest K block: a kc x NR panel of B (<= 12 KiB) stays in L1 across the A panels. K is cut
 * into equal blocks, so no block is a shallow remainder (interleaved A/B against fixed 256-deep
 * blocks: the same ~45 GFLOP/s per core on conv-shaped and 1024^3 products).
 */
export const KC: i32 = 384;
/** M block: an MC x KC block of packed A (<= 192 KiB) stays in L2. */
export const MC: i32 = 128;
/** N block: a KC x NC block of packed B (<= 768 KiB) stays in L2/L3. */
export const NC: i32 = 512;

/** Bytes of scratch `f32_gemm` needs: packed A block, packed B block, one edge tile + bias. */
export function gemmScratchBytes(): i32 {
  return (MC * KC + KC * NC + MR * NR + NR) * 4 + 64;
}

/**
 * c + a * b. The relaxed-SIMD build (build/dnnkit-relaxed.wasm) uses a fused multiply-add where
 * the engine has one; the default build multiplies and adds (bit-exact everywhere).
 */
// @ts-ignore: decorator
@inline
export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

/**
 * The 4x8 micro-kernel: acc[4][8] (initialised by mode) += Ap[kc][4] (x) Bp[kc][8], stored to
 * c. `ldc` is in bytes. Ap/Bp are packed panels (see packA/packB).
 */
// @ts-ignore: decorator
@inline
function f32_gemm_4x8_wasmsimd(kc: i32, ap: usize, bp: usize, c: usize, ldc: usize, mode: i32, bias: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  if (mode == 1) {
    let p = c;
    c00 = v128.load(p); c01 = v128.load(p, 16); p += ldc;
    c10 = v128.load(p); c11 = v128.load(p, 16); p += ldc;
    c20 = v128.load(p); c21 = v128.load(p, 16); p += ldc;
    c30 = v128.load(p); c31 = v128.load(p, 16);
  } else if (mode == 2) {
    c00 = v128.load32_splat(bias); c01 = c00;
    c10 = v128.load32_splat(bias, 4); c11 = c10;
    c20 = v128.load32_splat(bias, 8); c21 = c20;
    c30 = v128.load32_splat(bias, 12); c31 = c30;
  } else if (mode == 3) {
    c00 = v128.load(bias); c01 = v128.load(bias, 16);
    c10 = c00; c11 = c01; c20 = c00; c21 = c01; c30 = c00; c31 = c01;
  }
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let a = v128.load32_splat(ap);
    c00 = madd(a, b0, c00); c01 = madd(a, b1, c01);
    a = v128.load32_splat(ap, 4);
    c10 = madd(a, b0, c10); c11 = madd(a, b1, c11);
    a = v128.load32_splat(ap, 8);
    c20 = madd(a, b0, c20); c21 = madd(a, b1, c21);
    a = v128.load32_splat(ap, 12);
    c30 = madd(a, b0, c30); c31 = madd(a, b1, c31);
    ap += 16;
    bp += 32;
  }
  let p = c;
  v128.store(p, c00); v128.store(p, c01, 16); p += ldc;
  v128.store(p, c10); v128.store(p, c11, 16); p += ldc;
  v128.store(p, c20); v128.store(p, c21, 16); p += ldc;
  v128.store(p, c30); v128.store(p, c31, 16);
}

/**
 * Pack an mc x kc block of A (element strides rs, cs) into MR-row panels: panel-major, then k,
 * then the MR rows of the panel. Rows past mc are zero so the micro-kernel never branches.
 */
export function packA(mc: i32, kc: i32, a: usize, rs: usize, cs: usize, ap: usize): void {
  const rsb = rs << 2, csb = cs << 2;
  for (let ip = 0; ip < mc; ip += MR) {
    const rows = min(MR, mc - ip);
    const base = a + <usize>ip * rsb;
    if (rows == MR && cs == 1) {
      // Row-major A: four row pointers walk forward together; 4x4 blocks transpose in registers.
      let r0 = base, r1 = r0 + rsb, r2 = r1 + rsb, r3 = r2 + rsb;
      let k = 0;
      for (; k + 4 <= kc; k += 4) {
        const x0 = v128.load(r0), x1 = v128.load(r1), x2 = v128.load(r2), x3 = v128.load(r3);
        const t0 = v128.shuffle<f32>(x0, x1, 0, 4, 1, 5);
        const t1 = v128.shuffle<f32>(x2, x3, 0, 4, 1, 5);
        const t2 = v128.shuffle<f32>(x0, x1, 2, 6, 3, 7);
        const t3 = v128.shuffle<f32>(x2, x3, 2, 6, 3, 7);
        v128.store(ap, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
        v128.store(ap, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7), 16);
        v128.store(ap, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5), 32);
        v128.store(ap, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7), 48);
        r0 += 16; r1 += 16; r2 += 16; r3 += 16;
        ap += 64;
      }
      for (; k < kc; k++) {
        store<f32>(ap, load<f32>(r0)); store<f32>(ap, load<f32>(r1), 4);
        store<f32>(ap, load<f32>(r2), 8); store<f32>(ap, load<f32>(r3), 12);
        r0 += 4; r1 += 4; r2 += 4; r3 += 4;
        ap += 16;
      }
    } else if (rows == MR && rs == 1) {
      // Column-major A (a transposed operand): each k is MR consecutive floats.
      let col = base;
      for (let k = 0; k < kc; k++) {
        v128.store(ap, v128.load(col));
        col += csb;
        ap += 16;
      }
    } else if (rs == 1) {
      // Column-major, rows < MR (a last panel): each k is `rows` consecutive floats.
      let col = base;
      for (let k = 0; k < kc; k++) {
        v128.store(ap, loadLanes(col, rows));
        col += csb;
        ap += 16;
      }
    } else if (cs == 1) {
      // Row-major, rows < MR: zero the panel, then copy each row down its lane.
      memory.fill(ap, 0, <usize>(kc * MR) << 2);
      for (let i = 0; i < rows; i++) {
        let src = base + <usize>i * rsb, dst = ap + (<usize>i << 2);
        for (let k = 0; k < kc; k++) {
          store<f32>(dst, load<f32>(src));
          src += 4; dst += <usize>(MR << 2);
        }
      }
      ap += <usize>(kc * MR) << 2;
    } else {
      for (let k = 0; k < kc; k++) {
        const col = base + <usize>k * csb;
        for (let i = 0; i < MR; i++) {
          store<f32>(ap, i < rows ? load<f32>(col + <usize>i * rsb) : 0);
          ap += 4;
        }
      }
    }
  }
}

/**
 * Pack a kc x nc block of B (element strides rs, cs) into NR-column panels: panel-major, then
 * k, then the NR columns. Columns past nc are zero.
 */
export function packB(kc: i32, nc: i32, b: usize, rs: usize, cs: usize, bp: usize): void {
  const rsb = rs << 2, csb = cs << 2;
  for (let jp = 0; jp < nc; jp += NR) {
    const cols = min(NR, nc - jp);
    const base = b + <usize>jp * csb;
    if (cols == NR && cs == 1) {
      // Row-major B: each k is 8 consecutive floats.
      let row = base;
      for (let k = 0; k < kc; k++) {
        v128.store(bp, v128.load(row));
        v128.store(bp, v128.load(row, 16), 16);
        row += rsb;
        bp += 32;
      }
    } else if (cols == NR && rs == 1) {
      // Column-major B (a transposed operand): 8 column streams read in step; transpose 4x4
      // blocks in registers so every load and store is a full vector.
      let c0 = base;
      let k = 0;
      for (; k + 4 <= kc; k += 4) {
        for (let h = 0; h < 2; h++) {
          const q = c0 + <usize>(h * 4) * csb;
          const x0 = v128.load(q), x1 = v128.load(q + csb), x2 = v128.load(q + 2 * csb), x3 = v128.load(q + 3 * csb);
          // x_j = column j, rows k..k+3 -> y_i = row k+i, columns 0..3
          const t0 = v128.shuffle<f32>(x0, x1, 0, 4, 1, 5);
          const t1 = v128.shuffle<f32>(x2, x3, 0, 4, 1, 5);
          const t2 = v128.shuffle<f32>(x0, x1, 2, 6, 3, 7);
          const t3 = v128.shuffle<f32>(x2, x3, 2, 6, 3, 7);
          const o = bp + <usize>(h * 16);
          v128.store(o, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
          v128.store(o, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7), 32);
          v128.store(o, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5), 64);
          v128.store(o, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7), 96);
        }
        c0 += 16;
        bp += 128;
      }
      for (; k < kc; k++) {
        for (let j = 0; j < NR; j++) {
          store<f32>(bp, load<f32>(c0 + <usize>j * csb));
          bp += 4;
        }
        c0 += 4;
      }
    } else if (cs == 1) {
      // Row-major, cols < NR (a last panel): each k is `cols` consecutive floats.
      let row = base;
      for (let k = 0; k < kc; k++) {
        v128.store(bp, loadLanes(row, cols));
        v128.store(bp, loadLanes(row + 16, cols - 4), 16);
        row += rsb;
        bp += 32;
      }
    } else if (rs == 1) {
      // Column-major, cols < NR: zero the panel, then copy each column down its lane.
      memory.fill(bp, 0, <usize>(kc * NR) << 2);
      for (let j = 0; j < cols; j++) {
        let src = base + <usize>j * csb, dst = bp + (<usize>j << 2);
        for (let k = 0; k < kc; k++) {
          store<f32>(dst, load<f32>(src));
          src += 4; dst += <usize>(NR << 2);
        }
      }
      bp += <usize>(kc * NR) << 2;
    } else {
      for (let k = 0; k < kc; k++) {
        const row = base + <usize>k * rsb;
        for (let j = 0; j < NR; j++) {
          store<f32>(bp, j < cols ? load<f32>(row + <usize>j * csb) : 0);
          bp += 4;
        }
      }
    }
  }
}

/**
 * The bottom tile of a block whose rows are not a multiple of MR (M = 6 filters: LeNet's c1),
 * rows [0, mr) of a full-width tile, mr <= 2: two rows of accumulators from the MR-row packed
 * panel, stored straight to C. The same products in the same order as the 4x8 kernel's rows,
 * without computing two zero rows or going through the scratch tile.
 */
// @ts-ignore: decorator
@inline
function f32_gemm_2x8_wasmsimd(kc: i32, ap: usize, bp: usize, c: usize, ldc: usize, mode: i32, bias: usize, mr: i32): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  if (mode == 1) {
    c00 = v128.load(c); c01 = v128.load(c, 16);
    if (mr == 2) { c10 = v128.load(c + ldc); c11 = v128.load(c + ldc, 16); }
  } else if (mode == 2) {
    c00 = v128.load32_splat(bias); c01 = c00;
    if (mr == 2) { c10 = v128.load32_splat(bias, 4); c11 = c10; }
  } else if (mode == 3) {
    c00 = v128.load(bias); c01 = v128.load(bias, 16);
    c10 = c00; c11 = c01;
  }
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let a = v128.load32_splat(ap);
    c00 = madd(a, b0, c00); c01 = madd(a, b1, c01);
    a = v128.load32_splat(ap, 4);
    c10 = madd(a, b0, c10); c11 = madd(a, b1, c11);
    ap += <usize>(MR << 2);
    bp += 32;
  }
  v128.store(c, c00); v128.store(c, c01, 16);
  if (mr == 2) { v128.store(c + ldc, c10); v128.store(c + ldc, c11, 16); }
}

/** Lanes [0, n) of the f32x4 at p (n <= 4; no float past them is read), the rest 0. */
// @ts-ignore: decorator
@inline
function loadLanes(p: usize, n: i32): v128 {
  if (n >= 4) return v128.load(p);
  if (n <= 0) return f32x4.splat(0);
  if (n == 1) return v128.load32_zero(p);
  const v = v128.load64_zero(p);
  return n == 3 ? v128.load32_lane(p, v, 2, 8) : v;
}

/** Store lanes [0, n) of v at p (n <= 4); no float past them is written. */
// @ts-ignore: decorator
@inline
function storeLanes(p: usize, v: v128, n: i32): void {
  if (n >= 4) { v128.store(p, v); return; }
  if (n >= 2) {
    v128.store64_lane(p, v, 0);
    if (n == 3) v128.store32_lane(p, v, 2, 8);
  } else if (n == 1) {
    v128.store32_lane(p, v, 0);
  }
}

/** Row i (< mr) of an edge tile: nr columns at p, in two f32x4 halves. */
// @ts-ignore: decorator
@inline
function storeRow(p: usize, lo: v128, hi: v128, nr: i32): void {
  storeLanes(p, lo, nr);
  storeLanes(p + 16, hi, nr - 4);
}

/**
 * An edge tile: rows [0, mr) and columns [0, nr) of a 4x8 tile (mr < MR or nr < NR) computed
 * as the 4x8 kernel does (packed panels are zero-padded), C read and written only inside the
 * tile with lane loads and stores: no scratch tile and no scalar copies (a GEMM with 100, 150
 * or 25 columns, LeNet's, ends every row of panels in one; at small K they cost as much as the
 * products). The same products in the same order as the 4x8 kernel.
 */
function f32_gemm_edge_4x8(kc: i32, ap: usize, bp: usize, c: usize, ldc: usize, mode: i32, bias: usize,
                           mr: i32, nr: i32): void {
  const zero = f32x4.splat(0);
  let c00 = zero, c01 = zero, c10 = zero, c11 = zero;
  let c20 = zero, c21 = zero, c30 = zero, c31 = zero;
  if (mode == 1) {
    c00 = loadLanes(c, nr); c01 = loadLanes(c + 16, nr - 4);
    if (mr > 1) { c10 = loadLanes(c + ldc, nr); c11 = loadLanes(c + ldc + 16, nr - 4); }
    if (mr > 2) { c20 = loadLanes(c + 2 * ldc, nr); c21 = loadLanes(c + 2 * ldc + 16, nr - 4); }
    if (mr > 3) { c30 = loadLanes(c + 3 * ldc, nr); c31 = loadLanes(c + 3 * ldc + 16, nr - 4); }
  } else if (mode == 2) {
    c00 = v128.load32_splat(bias); c01 = c00;
    if (mr > 1) { c10 = v128.load32_splat(bias, 4); c11 = c10; }
    if (mr > 2) { c20 = v128.load32_splat(bias, 8); c21 = c20; }
    if (mr > 3) { c30 = v128.load32_splat(bias, 12); c31 = c30; }
  } else if (mode == 3) {
    c00 = loadLanes(bias, nr); c01 = loadLanes(bias + 16, nr - 4);
    c10 = c00; c11 = c01; c20 = c00; c21 = c01; c30 = c00; c31 = c01;
  }
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let a = v128.load32_splat(ap);
    c00 = madd(a, b0, c00); c01 = madd(a, b1, c01);
    a = v128.load32_splat(ap, 4);
    c10 = madd(a, b0, c10); c11 = madd(a, b1, c11);
    a = v128.load32_splat(ap, 8);
    c20 = madd(a, b0, c20); c21 = madd(a, b1, c21);
    a = v128.load32_splat(ap, 12);
    c30 = madd(a, b0, c30); c31 = madd(a, b1, c31);
    ap += 16;
    bp += 32;
  }
  storeRow(c, c00, c01, nr);
  if (mr > 1) storeRow(c + ldc, c10, c11, nr);
  if (mr > 2) storeRow(c + 2 * ldc, c20, c21, nr);
  if (mr > 3) storeRow(c + 3 * ldc, c30, c31, nr);
}

/**
 * The macro-kernel: C[mc, nc] (mode as f32_gemm) from an mc x kc block of A packed by packA at
 * `ap` and a kc x nc block of B packed by packB at `bp`. `ldcb` is C's row stride in bytes;
 * `bias` points at the block's first bias (row bias for mode 2, column bias for mode 3);
 * `tile` (MR*NR + NR floats of scratch) is no longer used: edge tiles store C with lane stores.
 */
export function f32_gemm_macro_4x8(mc: i32, nc: i32, kc: i32, ap0: usize, bp0: usize, c: usize, ldcb: usize,
                                   m: i32, bias: usize, tile: usize): void {
  for (let jr = 0; jr < nc; jr += NR) {
    const nr = min(NR, nc - jr);
    const bp = bp0 + (<usize>(jr * kc) << 2);
    for (let ir = 0; ir < mc; ir += MR) {
      const mr = min(MR, mc - ir);
      const ap = ap0 + (<usize>(ir * kc) << 2);
      const cp = c + <usize>ir * ldcb + (<usize>jr << 2);
      const bi = m == 2 ? bias + (<usize>ir << 2) : m == 3 ? bias + (<usize>jr << 2) : 0;
      if (mr == MR && nr == NR) {
        f32_gemm_4x8_wasmsimd(kc, ap, bp, cp, ldcb, m, bi);
      } else if (mr <= 2 && nr == NR) {
        f32_gemm_2x8_wasmsimd(kc, ap, bp, cp, ldcb, m, bi, mr);
      } else {
        f32_gemm_edge_4x8(kc, ap, bp, cp, ldcb, m, bi, mr, nr);
      }
    }
  }
}

/** Fill C (or C = bias per row) when K = 0: the empty sum. */
function fillEmpty(M: i32, N: i32, c: usize, ldc: i32, mode: i32, bias: usize): void {
  if (mode == 1) return;
  for (let i = 0; i < M; i++) {
    const v: f32 = mode == 2 ? load<f32>(bias + (<usize>i << 2)) : 0;
    const row = c + (<usize>i * <usize>ldc << 2);
    for (let j = 0; j < N; j++) store<f32>(row + (<usize>j << 2), mode == 3 ? load<f32>(bias + (<usize>j << 2)) : v);
  }
}

/**
 * C[M,N] (mode 0: =, 1: +=, 2: = bias[i] +) A[M,K] * B[K,N].
 * Strides are in elements; `ldc` is C's row stride. `scratch` holds gemmScratchBytes() bytes
 * private to the calling thread.
 */
export function f32_gemm(M: i32, N: i32, K: i32,
                         a: usize, rsA: i32, csA: i32,
                         b: usize, rsB: i32, csB: i32,
                         c: usize, ldc: i32, mode: i32, bias: usize, scratch: usize): void {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) { fillEmpty(M, N, c, ldc, mode, bias); return; }
  const sa = (scratch + 15) & ~<usize>15;
  const sb = sa + (<usize>(MC * KC) << 2);
  const tile = sb + (<usize>(KC * NC) << 2);
  const ldcb = <usize>ldc << 2;
  const kblocks = (K + KC - 1) / KC;
  const kstep = ((K + kblocks - 1) / kblocks + 3) & ~3;
  for (let jc = 0; jc < N; jc += NC) {
    const nc = min(NC, N - jc);
    for (let pc = 0; pc < K; pc += kstep) {
      const kc = min(kstep, K - pc);
      packB(kc, nc, b + ((<usize>pc * rsB + <usize>jc * csB) << 2), rsB, csB, sb);
      const m = pc == 0 ? mode : 1;
      for (let ic = 0; ic < M; ic += MC) {
        const mc = min(MC, M - ic);
        packA(mc, kc, a + ((<usize>ic * rsA + <usize>pc * csA) << 2), rsA, csA, sa);
        f32_gemm_macro_4x8(mc, nc, kc, sa, sb, c + <usize>ic * ldcb + (<usize>jc << 2), ldcb, m,
          m == 2 ? bias + (<usize>ic << 2) : m == 3 ? bias + (<usize>jc << 2) : 0, tile);
      }
    }
  }
}

/**
 * `count` independent products C_t = A_t * B_t (t < count), the operands of consecutive t
 * `strideA`, `strideB`, `strideC` elements apart (0 shares an operand): a batched matmul in one
 * call, so a thread takes a range of the batch without a wake-up per matrix.
 */
export function f32_gemm_strided(count: i32, strideA: i32, strideB: i32, strideC: i32,
                                 M: i32, N: i32, K: i32,
                                 a: usize, rsA: i32, csA: i32,
                                 b: usize, rsB: i32, csB: i32,
                                 c: usize, ldc: i32, mode: i32, bias: usize, scratch: usize): void {
  for (let t = 0; t < count; t++) {
    f32_gemm(M, N, K, a + (<usize>t * <usize>strideA << 2), rsA, csA, b + (<usize>t * <usize>strideB << 2), rsB, csB,
      c + (<usize>t * <usize>strideC << 2), ldc, mode, bias, scratch);
  }
}
