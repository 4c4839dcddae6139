// Convolution forward and both gradients as im2col + GEMM, in units of work that write disjoint
// outputs and that the threads of a call take from a shared counter:
//   forward:         (image, pixel block, filter-row block); B packed straight from the image
//                    where it can be (assembly/conv-pack.ts)
//   data gradient:   (image, input-channel block)   (col2im writes stay disjoint)
//   filter gradient: (input-channel block, filter-row block), each summed over all images
// A 1x1, stride-1, unpadded convolution is a plain GEMM on the input: no im2col.

import { ConvParams, paramsAt } from './params';
import { f32_gemm, f32_gemm_macro_4x8, gemmScratchBytes, packB, KC, MC, NC, NR } from './gemm';
import { im2col, col2im } from './im2col';
import { f32_relu } from './elementwise';
import { kStep, packConvFilter, packConvRows, paddedRows, rowsPackable } from './conv-pack';

/** Floats of im2col buffer per thread (1 MiB: stays in L2 between im2col and packing). */
const COL_FLOATS: i32 = 1 << 18;

/** Bytes of per-thread scratch the conv kernels need. */
export function convScratchBytes(): i32 {
  return gemmScratchBytes() + (COL_FLOATS << 2) + 64;
}

// @ts-ignore: decorator
@inline
function isPointwise(cp: ConvParams): bool {
  return cp.R == 1 && cp.S == 1 && cp.U == 1 && cp.V == 1 && cp.PH == 0 && cp.PW == 0 &&
    cp.P == cp.H && cp.Q == cp.W;
}

/** Columns per im2col chunk for `rows` rows: fits COL_FLOATS, a multiple of NR. */
// @ts-ignore: decorator
@inline
function chunkFor(rows: i32): i32 {
  const c = COL_FLOATS / max(rows, 1);
  return max(NR, c - c % NR);
}

// @ts-ignore: decorator
@inline
function colBuffer(scratch: usize): usize {
  return (scratch + <usize>gemmScratchBytes() + 15) & ~<usize>15;
}

/**
 * Floats of packed B per forward block: a kc x nb block (256 KiB) stays in L2 next to the
 * filter block the macro-kernel streams through it.
 */
const FWD_B_FLOATS: i32 = 1 << 16;

/**
 * Blocks the forward pass cuts K into at least, where each keeps >= MIN_STREAM_DEPTH rows of
 * whole channels: a call whose input is still being copied in can then start on the first
 * block (conv2d_forward_streamed). The depth depends on the layer alone, never on the threads
 * or the batch, so every way of running a layer sums in the same order.
 */
const STREAM_BLOCKS: i32 = 4;
const MIN_STREAM_DEPTH: i32 = 64;

/**
 * The forward pass's K block depth: kStep(K) (blocks <= KC), or, for a layer the streamed
 * kernel can run (one group, B packed from the image), finer, down to STREAM_BLOCKS blocks, when
 * that keeps blocks of >= MIN_STREAM_DEPTH rows made of whole channels (a multiple of R*S, and
 * of 4).
 */
function forwardKStep(cp: ConvParams): i32 {
  const RS = cp.R * cp.S, K = (cp.C / cp.G) * RS;
  const align = RS % 4 == 0 ? RS : RS % 2 == 0 ? RS * 2 : RS * 4;
  const coarse = kStep(K);
  if (!streamable(cp) || K / STREAM_BLOCKS < MIN_STREAM_DEPTH || align > KC) return coarse;
  const blocks = max((K + KC - 1) / KC, STREAM_BLOCKS);
  const step = ((K + blocks - 1) / blocks + align - 1) / align * align;
  return step <= KC ? step : coarse;
}

/** Whether conv2d_forward_streamed can run the layer: one group, B packed from the image (no im2col). */
// @ts-ignore: decorator
@inline
function streamable(cp: ConvParams): bool {
  return cp.G == 1 && (isPointwise(cp) || rowsPackable(cp));
}

/** The forward K block depth for the host: it streams calls in blocks of whole channels. */
export function convForwardKStep(pp: usize): i32 {
  return forwardKStep(paramsAt(pp));
}

/**
 * K blocks a conv2d_forward_streamed call of this layer would wait on, or 0 where it does not
 * apply: groups, im2col (B not packed from the image), or blocks that are not whole channels.
 */
export function convForwardStreamBlocks(pp: usize): i32 {
  const cp = paramsAt(pp);
  const RS = cp.R * cp.S, K = cp.C * RS, kstep = forwardKStep(cp);
  if (!streamable(cp) || kstep % RS != 0) return 0;
  return (K + kstep - 1) / kstep;
}

/** Pack the filter for conv2d_forward: panels [u0, u1) of packConvFilter (assembly/conv-pack.ts). */
export function conv2d_pack_filter(pp: usize, w: usize, ap: usize, u0: i32, u1: i32): void {
  const cp = paramsAt(pp);
  packConvFilter(cp, w, ap, u0, u1, forwardKStep(cp));
}

/**
 * y[n, m, j] = bias[m] + sum_k w[m, k] * B[k, j], where B is image n's im2col matrix and `ap`
 * the filter packed by conv2d_pack_filter. The work is cut into units (image, block of `nb`
 * pixels, block of `mb` filter rows of every group) that the threads of a call take from the
 * shared counter at `next` (an i32 the host zeroes) until none is left: a thread that starts
 * late or is preempted (a shared machine) leaves its units to the others. Every output element
 * is computed by one unit the same way whoever runs it, so results do not depend on the split.
 * nb is a multiple of NR and mb of MR. B is packed block by block straight from the image when
 * every pixel panel lies in one output row (packConvRows), read from the image itself for a 1x1
 * stride-1 unpadded conv (a plain GEMM), else built through im2col. With `relu`, each unit ends
 * with max(y, 0) over its outputs (Conv2d + ReLU as one op: src/ops/conv-relu.ts).
 */
export function conv2d_forward(pp: usize, x: usize, ap: usize, bias: usize, y: usize,
                               nb: i32, mb: i32, next: usize, scratch: usize, relu: bool): void {
  const cp = paramsAt(pp);
  const K = (cp.C / cp.G) * cp.R * cp.S;
  const kstep = forwardKStep(cp);
  const units = forwardBlocks(cp, nb, mb);
  for (let u = atomic.add<i32>(next, 1); u < units; u = atomic.add<i32>(next, 1)) {
    forwardUnit(cp, x, ap, bias, y, nb, mb, u, 0, K, kstep, scratch, relu);
  }
}

/** Units of conv2d_forward: images x groups x pixel blocks x filter-row blocks. */
// @ts-ignore: decorator
@inline
function forwardBlocks(cp: ConvParams, nb: i32, mb: i32): i32 {
  const PQ = cp.P * cp.Q, Mg = cp.M / cp.G;
  return cp.N * cp.G * ((PQ + nb - 1) / nb) * ((Mg + mb - 1) / mb);
}

/**
 * Unit u of conv2d_forward over K rows [k0, k1) (whole blocks of depth kstep): the first block
 * writes y (with the bias), later ones add to it; with `relu`, the last one is followed by
 * max(y, 0) over the unit's outputs, while they are in cache (f32_relu's bits).
 */
function forwardUnit(cp: ConvParams, x: usize, ap: usize, bias: usize, y: usize, nb: i32, mb: i32,
                     u: i32, k0: i32, k1: i32, kstep: i32, scratch: usize, relu: bool): void {
  const G = cp.G, Cg = cp.C / G, Mg = cp.M / G, K = Cg * cp.R * cp.S;
  const HW = <usize>(cp.H * cp.W), PQ = cp.P * cp.Q;
  const Mgp = paddedRows(Mg);
  const sb = (scratch + 15) & ~<usize>15;
  const tile = sb + (<usize>(MC * KC + KC * NC) << 2);
  const pointwise = isPointwise(cp);
  const rows = !pointwise && rowsPackable(cp);
  const mode = bias != 0 ? 2 : 0;
  const ldcb = <usize>PQ << 2;
  const jBlocks = (PQ + nb - 1) / nb, mBlocks = (Mg + mb - 1) / mb;
  // Unit order: filter-row block fastest, then pixel block, group, image.
  let t = u;
  const mi = t % mBlocks; t /= mBlocks;
  const ji = t % jBlocks; t /= jBlocks;
  const g = t % G;
  const n = t / G;
  const m0 = mi * mb, mEnd = min(Mg, m0 + mb);
  const ja = ji * nb, jn = min(nb, PQ - ja);
  const apg = ap + ((<usize>g * <usize>Mgp * <usize>K) << 2);
  const xg = x + ((<usize>n * cp.C + <usize>g * Cg) * HW << 2);
  const yg = y + ((<usize>n * cp.M + <usize>g * Mg) * <usize>PQ << 2);
  const col = colBuffer(scratch);
  if (!pointwise && !rows) im2col(cp, xg, 0, Cg, ja, ja + jn, col, jn);
  for (let pc = k0; pc < k1; pc += kstep) {
    const kc = min(kstep, K - pc);
    if (rows) packConvRows(cp, xg, pc, kc, ja, jn, sb);
    else if (pointwise) packB(kc, jn, xg + ((<usize>pc * HW + <usize>ja) << 2), HW, 1, sb);
    else packB(kc, jn, col + (<usize>(pc * jn) << 2), <usize>jn, 1, sb);
    const m = pc == 0 ? mode : 1;
    const apb = apg + (<usize>(pc * Mgp) << 2);
    for (let ic = m0; ic < mEnd; ic += MC) {
      const mc = min(MC, mEnd - ic);
      f32_gemm_macro_4x8(mc, jn, kc, apb + (<usize>(ic * kc) << 2), sb,
        yg + <usize>ic * ldcb + (<usize>ja << 2), ldcb, m,
        m == 2 ? bias + (<usize>(g * Mg + ic) << 2) : 0, tile);
    }
  }
  if (relu && k1 == K) {
    for (let i = m0; i < mEnd; i++) f32_relu(yg + <usize>i * ldcb + (<usize>ja << 2), yg + <usize>i * ldcb + (<usize>ja << 2), jn);
  }
}

/** Spins before a streamed unit gives up on a wait (seconds: only a failed thread takes that long). */
const SPIN_LIMIT: i64 = 1 << 32;

/** Spin until the i32 at `at` is >= `value`; false if it was not within SPIN_LIMIT loads. */
function awaitAtLeast(at: usize, value: i32): bool {
  for (let i: i64 = 0; i < SPIN_LIMIT; i++) if (atomic.load<i32>(at) >= value) return true;
  return false;
}

/**
 * conv2d_forward while the host is still copying the input in (src/backends/wasm/conv.ts): the
 * i32 at `ready` counts the K blocks of depth convForwardKStep copied in so far (every image's
 * channels of the block; the host raises it). The units are conv2d_forward's, run in two
 * phases: first every unit's first K block (a thread starts as soon as that block is in), then
 * every unit's other blocks, each waiting for its block to be in and for its own first phase to
 * be done (`progress`: one zeroed i32 per unit, set to 1 then). The sums run in conv2d_forward's
 * order, so the result has its bits. Needs the B matrix packed from the image (1x1 or
 * rowsPackable: no im2col). A wait that never ends (a thread failed) sets the i32 at `failed`.
 */
export function conv2d_forward_streamed(pp: usize, x: usize, ap: usize, bias: usize, y: usize, nb: i32, mb: i32,
                                        next: usize, scratch: usize, relu: bool, ready: usize, progress: usize,
                                        failed: usize): void {
  const cp = paramsAt(pp);
  const K = (cp.C / cp.G) * cp.R * cp.S;
  const kstep = forwardKStep(cp);
  const units = forwardBlocks(cp, nb, mb);
  const blocks = (K + kstep - 1) / kstep;
  for (let v = atomic.add<i32>(next, 1); v < 2 * units; v = atomic.add<i32>(next, 1)) {
    if (v < units) {
      if (!awaitAtLeast(ready, 1)) { atomic.store<i32>(failed, 1); return; }
      forwardUnit(cp, x, ap, bias, y, nb, mb, v, 0, min(kstep, K), kstep, scratch, relu);
      atomic.store<i32>(progress + (<usize>v << 2), 1);
      continue;
    }
    const u = v - units;
    if (!awaitAtLeast(progress + (<usize>u << 2), 1)) { atomic.store<i32>(failed, 1); return; }
    for (let b = 1; b < blocks; b++) {
      if (!awaitAtLeast(ready, b + 1)) { atomic.store<i32>(failed, 1); return; }
      forwardUnit(cp, x, ap, bias, y, nb, mb, u, b * kstep, min(K, (b + 1) * kstep), kstep, scratch, relu);
    }
  }
}

/**
 * Pixels per forward unit for a reduction of length K: a multiple of NR whose packed kc x nb
 * block of B (FWD_B_FLOATS) stays in L2, and, through im2col, whose K x nb columns fit the
 * im2col buffer. The host may choose fewer (more units to share) but never more.
 */
export function convForwardMaxPixels(pp: usize): i32 {
  const cp = paramsAt(pp);
  const K = (cp.C / cp.G) * cp.R * cp.S;
  let nb = max(NR, FWD_B_FLOATS / forwardKStep(cp) / NR * NR);
  if (!isPointwise(cp) && !rowsPackable(cp)) nb = min(nb, chunkFor(K));
  return nb;
}

/**
 * dx = col2im(w^T * dy), in units (image n, input channels [c0, c1) with c0 = i*cb) that the
 * threads of a call take from the shared counter at `next` (an i32 the host zeroes) until none
 * is left, so a late or preempted thread holds the call up by one unit at most. A unit writes
 * only its own channels of dx. The pixel chunks depend on the layer alone (not on cb), so each
 * dx element is summed in the same order however the channels are split. Streaming the result
 * out (src/backends/wasm/stream.ts): `done` (0: none) points at one i32 per unit, set to 1 once
 * the unit's dx is written; a call takes at most `maxUnits` units and returns how many it took.
 */
export function conv2d_backward_input(pp: usize, dy: usize, w: usize, dx: usize,
                                      cb: i32, next: usize, scratch: usize, done: usize, maxUnits: i32): i32 {
  const cp = paramsAt(pp);
  const cBlocks = (cp.C + cb - 1) / cb;
  const units = cp.N * cBlocks;
  let taken = 0;
  for (; taken < maxUnits; taken++) {
    const u = atomic.add<i32>(next, 1);
    if (u >= units) break;
    const n = u / cBlocks, c0 = (u - n * cBlocks) * cb;
    backwardInputUnit(cp, dy, w, dx, n, c0, min(cp.C, c0 + cb), scratch);
    if (done != 0) {
      atomic.store<i32>(done + (<usize>u << 2), 1);
      atomic.notify(done + (<usize>u << 2), 1);
    }
  }
  return taken;
}

/** dx[n, c] for channels c in [c0, c1) of image n. */
function backwardInputUnit(cp: ConvParams, dy: usize, w: usize, dx: usize,
                           n: i32, c0: i32, c1: i32, scratch: usize): void {
  const G = cp.G, Cg = cp.C / G, Mg = cp.M / G, RS = cp.R * cp.S, K = Cg * RS;
  const HW = <usize>(cp.H * cp.W), PQ = cp.P * cp.Q;
  const col = colBuffer(scratch);
  const pointwise = isPointwise(cp);
  const chunk = chunkFor(K);
  for (let g = 0; g < G; g++) {
    const la = max(c0, g * Cg) - g * Cg, lb = min(c1, (g + 1) * Cg) - g * Cg;
    if (la >= lb) continue;
    // A[k, m] = w[g, m, la*RS + k]: the transposed filter slice for these channels.
    const a = w + ((<usize>g * Mg * K + <usize>(la * RS)) << 2);
    const dyg = dy + ((<usize>n * cp.M + <usize>g * Mg) * <usize>PQ << 2);
    const dxg = dx + ((<usize>n * cp.C + <usize>g * Cg) * HW << 2);
    if (pointwise) {
      f32_gemm(lb - la, PQ, Mg, a, 1, K, dyg, PQ, 1, dxg + (<usize>la * HW << 2), <i32>HW, 0, 0, scratch);
      continue;
    }
    memory.fill(dxg + (<usize>la * HW << 2), 0, <usize>(lb - la) * HW << 2);
    const rows = (lb - la) * RS;
    for (let ja = 0; ja < PQ; ja += chunk) {
      const jb = min(PQ, ja + chunk), jn = jb - ja;
      f32_gemm(rows, jn, Mg, a, 1, K, dyg + (<usize>ja << 2), PQ, 1, col, jn, 0, 0, scratch);
      col2im(cp, col, jn, la, lb, ja, jb, dxg);
    }
  }
}

/**
 * dw, in units (images [n0, n1) with n0 = i*ib, output pixels [j0, j1) of each with
 * j0 = h*pb, input channels [c0, c1) with c0 = j*cb, filters [m0, m1) of each group with
 * m0 = l*mb) that the threads of a call take from the shared counter at `next` (an i32 the host
 * zeroes): a unit owns its block of one partial dw, the sum over its images and pixels, at
 * dw + (i*(pixel blocks per image) + h)*|dw| (so with ib >= N and pb >= P*Q, dw itself); the host adds the
 * partials in that order. Pixel blocks do for one image (AlexNet conv1 at N = 1) what image
 * blocks do for a batch. Image blocks let a small layer (LeNet: 150 or 2400 weights) share
 * its work without splitting GEMMs that are already narrow, each unit repeating the im2col and
 * dy packing. The pixel chunks and image blocks depend on the layer, ib and pb alone (not on cb,
 * mb or the threads), so each dw element is summed in the same order however the work is split.
 */
export function conv2d_backward_filter(pp: usize, x: usize, dy: usize, dw: usize,
                                       ib: i32, pb: i32, cb: i32, mb: i32, next: usize, scratch: usize): void {
  const cp = paramsAt(pp);
  const G = cp.G, Mg = cp.M / G, PQ = cp.P * cp.Q;
  const wBytes = (<usize>cp.M * <usize>(cp.C / G * cp.R * cp.S)) << 2;
  const iBlocks = max(1, (cp.N + ib - 1) / ib);
  const jBlocks = max(1, (PQ + pb - 1) / pb);
  const cBlocks = (cp.C + cb - 1) / cb, mBlocks = (Mg + mb - 1) / mb;
  const units = iBlocks * jBlocks * cBlocks * mBlocks;
  for (let u = atomic.add<i32>(next, 1); u < units; u = atomic.add<i32>(next, 1)) {
    let t = u;
    const mi = t % mBlocks; t /= mBlocks;
    const ci = t % cBlocks; t /= cBlocks;
    const ji = t % jBlocks;
    const ii = t / jBlocks;
    backwardFilterUnit(cp, x, dy, dw + <usize>(ii * jBlocks + ji) * wBytes, ii * ib, min(cp.N, (ii + 1) * ib),
      ji * pb, min(PQ, (ji + 1) * pb), ci * cb, min(cp.C, (ci + 1) * cb), mi * mb, (mi + 1) * mb, scratch);
  }
}

/**
 * dw[m, c, r, s] for input channels c in [c0, c1) (global channel index; each belongs to one
 * group) and filters [m0, m1) of each group, summed over images [n0, n1) and their output
 * pixels [j0, j1).
 */
function backwardFilterUnit(cp: ConvParams, x: usize, dy: usize, dw: usize, n0: i32, n1: i32,
                            j0: i32, j1: i32, c0: i32, c1: i32, m0: i32, m1: i32, scratch: usize): void {
  const G = cp.G, Cg = cp.C / G, RS = cp.R * cp.S, K = Cg * RS;
  const Mg = min(m1, cp.M / G) - m0;
  if (Mg <= 0) return;
  const mOff = <usize>m0;
  const HW = <usize>(cp.H * cp.W), PQ = cp.P * cp.Q;
  const col = colBuffer(scratch);
  const pointwise = isPointwise(cp);
  const chunk = chunkFor(K);
  for (let g = 0; g < G; g++) {
    const la = max(c0, g * Cg) - g * Cg, lb = min(c1, (g + 1) * Cg) - g * Cg;
    if (la >= lb) continue;
    const rows = (lb - la) * RS;
    const out = dw + (((<usize>g * <usize>(cp.M / G) + mOff) * <usize>K + <usize>(la * RS)) << 2);
    let m = 0;
    if (n1 <= n0 || j1 <= j0) {
      for (let i = 0; i < Mg; i++) memory.fill(out + (<usize>(i * K) << 2), 0, <usize>rows << 2);
    }
    for (let n = n0; n < n1; n++) {
      const dyg = dy + ((<usize>n * cp.M + <usize>g * <usize>(cp.M / G) + mOff) * <usize>PQ << 2);
      const xg = x + ((<usize>n * cp.C + <usize>g * Cg) * HW << 2);
      if (pointwise) {
        // B[j, c] = x[c, j]: the input slice, transposed by strides.
        f32_gemm(Mg, rows, j1 - j0, dyg + (<usize>j0 << 2), PQ, 1, xg + ((<usize>la * HW + <usize>j0) << 2), 1, <i32>HW, out, K, m, 0, scratch);
        m = 1;
        continue;
      }
      for (let ja = j0; ja < j1; ja += chunk) {
        const jb = min(j1, ja + chunk), jn = jb - ja;
        im2col(cp, xg, la, lb, ja, jb, col, jn);
        f32_gemm(Mg, rows, jn, dyg + (<usize>ja << 2), PQ, 1, col, 1, jn, out, K, m, 0, scratch);
        m = 1;
      }
    }
  }
}

/** db[m] = sum over n, p, q of dy[n, m, p, q], for m in [m0, m1). */
export function conv2d_backward_bias(dy: usize, db: usize, N: i32, M: i32, PQ: i32, m0: i32, m1: i32): void {
  for (let m = m0; m < m1; m++) {
    let acc = f32x4.splat(0);
    let tail: f32 = 0;
    for (let n = 0; n < N; n++) {
      const row = dy + ((<usize>n * M + <usize>m) * <usize>PQ << 2);
      let j = 0;
      for (; j + 4 <= PQ; j += 4) acc = f32x4.add(acc, v128.load(row + (<usize>j << 2)));
      for (; j < PQ; j++) tail += load<f32>(row + (<usize>j << 2));
    }
    store<f32>(db + (<usize>m << 2), f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) +
      f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3) + tail);
  }
}
