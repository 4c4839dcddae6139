/**
 * The direct convolution (assembly/conv-direct.ts) for small stride-1 layers whose output rows
 * are not a multiple of the GEMM's 8-pixel panel (LeNet-5's c1 and c3): the micro-tile reads
 * the image itself, with no im2col and no packing of B. It is the forward pass of those layers
 * whether or not they are fused, optionally with tanh and 2x2 average pooling as its epilogue
 * (one call instead of three: Sequential's Conv2d, Tanh, AvgPool2d), so fused and unfused give
 * the same bits; its filter and data gradients read x and dy in place too. Backend.convTanhPool
 * and convTanhPoolBackward live here: these kernels for c1 and c3, and for a whole-image
 * window (c5) conv.ts's GEMM with the tanh (and its gradient) in the same call.
 */
import type { Conv2dParams } from '../../einsum/types.js';
import { call, splitRange, threadsFor, type Runtime } from './runtime.js';
import { MIN_ELEMENTS as TANH_MIN_ELEMENTS } from './elementwise.js';
import { conv2dBackwardFilter, coversImage, putParams } from './conv.js';
import { gemmStep } from './gemm.js';

/** The micro-tile's filter rows (assembly/gemm.ts MR). */
const MR = 4;
/** Largest reduction C*R*S (the GEMM's K block, assembly/gemm.ts KC): a 4-filter panel and the tap offsets stay in L1. */
const KC = 384;
/** Largest image plane set (C*H*W floats) read straight from memory: it stays in L1/L2 across the filter panels. */
const MAX_IMAGE_FLOATS = 1 << 14;
/** Largest M: every 4-filter panel reads the whole image again. */
const MAX_FILTERS = 32;

/** Epilogue activations (assembly/conv-direct.ts). */
export type DirectActivation = 'none' | 'tanh';
const ACT_CODE: Record<DirectActivation, number> = { none: 0, tanh: 1 };

/**
 * Whether the direct kernel runs this conv: stride 1, no padding or dilation, one group, a
 * reduction C*R*S of at most one K block, small images and few filters, output rows of at
 * least 4 pixels that are not a multiple of 8 (those the GEMM path packs straight from the
 * image already), and more than one output pixel (a whole-image window is a GEMM).
 */
export function directApplies(p: Conv2dParams): boolean {
  return p.groups === 1 && p.strideH === 1 && p.strideW === 1 && p.padTop === 0 && p.padLeft === 0 &&
    p.dilationH === 1 && p.dilationW === 1 && p.P === p.H - p.R + 1 && p.Q === p.W - p.S + 1 &&
    p.C * p.R * p.S <= KC && p.C * p.H * p.W <= MAX_IMAGE_FLOATS && p.M <= MAX_FILTERS &&
    p.Q >= 4 && p.Q % 8 !== 0;
}

/**
 * y [N,M,P,Q] = act(conv2d(x, w) + b) and, with `pool`, its 2x2 stride-2 average pooling
 * [N,M,floor(P/2),floor(Q/2)] (as F.avgPool2d(y, 2) computes it), in one call. Needs
 * directApplies(p).
 */
export function conv2dDirect(p: Conv2dParams, x: Float32Array, w: Float32Array, b: Float32Array | null,
                             act: DirectActivation, pool: boolean): { y: Float32Array; pooled: Float32Array | null } {
  if (!directApplies(p)) throw new Error(`conv2dDirect: the direct kernel does not run this conv (${JSON.stringify(p)})`);
  const K = p.C * p.R * p.S, panels = Math.ceil(p.M / MR);
  const PQ = p.P * p.Q, ylen = p.N * p.M * PQ;
  const plen = pool ? p.N * p.M * (p.P >> 1) * (p.Q >> 1) : 0;
  return call((r) => {
    const pp = putParams(r, p);
    const xp = r.arena.put(x);
    // The filter as MR-row panels, k-major, rows past M zero; the bias padded the same way.
    const ap = r.arena.alloc(panels * MR * K * 4), bp = r.arena.alloc(panels * MR * 4);
    const f32 = r.arena.view();
    f32.fill(0, ap >> 2, (ap >> 2) + panels * MR * K);
    f32.fill(0, bp >> 2, (bp >> 2) + panels * MR);
    for (let m = 0; m < p.M; m++) {
      const dst = (ap >> 2) + Math.floor(m / MR) * MR * K + (m % MR);
      for (let k = 0; k < K; k++) f32[dst + k * MR] = w[m * K + k]!;
      if (b) f32[(bp >> 2) + m] = b[m]!;
    }
    const op = r.arena.put(tapOffsets(p));
    const yp = r.arena.alloc(ylen * 4);
    const pooledp = pool ? r.arena.alloc(plen * 4) : 0;
    const next = r.arena.put(new Int32Array(1));
    const units = p.N * panels;
    const T = Math.min(threadsFor(r, 2 * p.N * p.M * PQ * K), units);
    const parts: number[][] = [];
    for (let t = 0; t < T; t++) parts.push([pp, xp, ap, bp, op, yp, pooledp, ACT_CODE[act], next]);
    return {
      steps: [['conv2d_direct_forward', parts]],
      finish: () => ({ y: r.arena.take(yp, ylen), pooled: pool ? r.arena.take(pooledp, plen) : null }),
    };
  });
}

/**
 * Backend.convTanhPool: the direct kernel with its tanh (and pooling) epilogue, or for a
 * whole-image window (c5) the GEMM conv.ts runs and wasm's tanh in one call, where the unfused
 * ops would give the same bits: the tanh on wasm's (fast-tanh.ts's JavaScript takes small
 * outputs); null elsewhere.
 */
export function convTanhPool(p: Conv2dParams, x: Float32Array, w: Float32Array, b: Float32Array | null,
                             pool: boolean): { y: Float32Array; pooled: Float32Array | null } | null {
  if (p.N * p.M * p.P * p.Q < TANH_MIN_ELEMENTS) return null;
  if (coversImage(p) && !pool) return { y: gemmTanh(p, x, w, b), pooled: null };
  if (!directApplies(p)) return null;
  if (pool && (p.P < 2 || p.Q < 2)) return null;
  return conv2dDirect(p, x, w, b, 'tanh', pool);
}

/**
 * Backend.convTanhPoolBackward for the layers convTanhPool ran: the gradients of x, w and b
 * given dy at the block's output (pooled or not), with the bits of the unfused wasm calls
 * (f32_avgpool2x2_backward and f32_tanh_grad for dz, then conv2d's bias, filter and data
 * gradients of dz, which for these layers are the direct kernels): one call, so dz never
 * leaves wasm memory (a filter gradient the direct kernel does not take, for rows of an odd
 * number of pixels under 16, is conv.ts's call on dz).
 */
export function convTanhPoolBackward(p: Conv2dParams, x: Float32Array, w: Float32Array, y: Float32Array, dy: Float32Array,
                                     pool: boolean, need: { dx: boolean; dw: boolean; db: boolean }):
    { dx: Float32Array | null; dw: Float32Array | null; dBias: Float32Array | null } {
  if (coversImage(p)) return gemmTanhBackward(p, x, w, y, dy, need);
  const { N, M, P: H, Q: W } = p;
  const planes = N * M, len = planes * H * W;
  const P = pool ? H >> 1 : H, Q = pool ? W >> 1 : W;
  const directDw = need.dw && directFilterGradientApplies(p);
  const K = p.C * p.R * p.S, wlen = M * K, xlen = p.N * p.C * p.H * p.W;
  const r1 = call((r) => {
    const yp = r.arena.put(y), dyp = r.arena.put(dy);
    const dzp = r.arena.alloc(len * 4), dbp = r.arena.alloc(M * 4);
    const T = threadsFor(r, 4 * len);
    const steps: Array<[string, number[][]]> = [pool
      ? ['f32_avgpool2x2_tanh_backward', splitRange(planes, T).map(([t0, t1]) => [yp, dyp, dzp, H, W, P, Q, t0, t1])]
      // Element ranges start on 64-byte lines (16 floats), as elementwise.ts splits them.
      : ['f32_tanh_grad', splitRange(len, T, 16).map(([a, z]) => [yp + 4 * a, dyp + 4 * a, dzp + 4 * a, z - a])]];
    if (need.db) steps.push(['conv2d_backward_bias', splitRange(M, threadsFor(r, len)).map(([a, z]) => [dzp, dbp, N, M, H * W, a, z])]);
    const filter: Array<[string, number[][]]> = [];
    const dwp = directDw ? filterGradientSteps(r, p, r.arena.put(x), dzp, filter) : 0;
    const data = need.dx ? dataGradientSteps(r, p, dzp, w) : null;
    const dxp = data ? data.dxp : 0;
    if (filter.length > 0 && data) {
      // One parallel section for both gradients (each only reads dz), then the partials' sum.
      const f = filter[0]![1][0]!, d = data.steps[0]![1][0]!;
      const T = Math.max(filter[0]![1].length, data.steps[0]![1].length);
      steps.push(['conv2d_direct_backward', Array.from({ length: T }, () => [...f, ...d])], ...filter.slice(1));
    } else {
      steps.push(...filter, ...(data ? data.steps : []));
    }
    return {
      steps,
      finish: () => ({
        dx: need.dx ? r.arena.take(dxp, xlen) : null,
        dw: directDw ? r.arena.take(dwp, wlen) : null,
        dBias: need.db ? r.arena.take(dbp, M) : null,
        // Only a filter gradient the direct kernel does not take needs dz outside.
        dz: need.dw && !directDw ? r.arena.take(dzp, len) : null,
      }),
    };
  });
  return { dx: r1.dx, dw: directDw ? r1.dw : need.dw ? conv2dBackwardFilter(p, x, r1.dz!) : null, dBias: r1.dBias };
}

/**
 * Whether conv2dDirectBackwardFilter runs this conv's filter gradient: rows of at least 16
 * pixels, or of an even number (a row's 2 last pixels pair up with the next row's in one
 * vector). Its tiles loop over a row's vectors; short rows ending in 1 or 3 pixels take a
 * masked vector each, where im2col + GEMM measured faster. At batch 64: c1 (Q = 28) 0.46 vs
 * 1.00 ms, c3 (Q = 10) 0.96-0.99 vs 1.21-1.23 ms.
 */
export function directFilterGradientApplies(p: Conv2dParams): boolean {
  return directApplies(p) && (p.Q >= 16 || p.Q % 2 === 0);
}

/** Image blocks of the direct filter gradient (one partial dw each): enough for 2-8 threads. */
const IMAGE_BLOCKS = 8;

/** The byte offset of each k = (c, r, s) of the filter from x[0, p, q]: ((c*H + r)*W + s)*4. */
function tapOffsets(p: Conv2dParams): Int32Array {
  const offs = new Int32Array(p.C * p.R * p.S);
  for (let c = 0, k = 0; c < p.C; c++) {
    for (let r = 0; r < p.R; r++) for (let s = 0; s < p.S; s++) offs[k++] = ((c * p.H + r) * p.W + s) * 4;
  }
  return offs;
}

/**
 * dw [M,C,R,S] from x [N,C,H,W] and dy [N,M,P,Q], summed over the batch, for the layers the
 * direct forward runs: 2-filter x 4-tap tiles that read x and dy in place (no im2col), one
 * partial dw per block of images, added in block order. Needs directApplies(p) (the host
 * takes it where directFilterGradientApplies).
 */
export function conv2dDirectBackwardFilter(p: Conv2dParams, x: Float32Array, dy: Float32Array): Float32Array {
  if (!directApplies(p)) throw new Error(`conv2dDirectBackwardFilter: the direct kernel does not run this conv (${JSON.stringify(p)})`);
  return call((r) => {
    const xp = r.arena.put(x), dyp = r.arena.put(dy);
    const steps: Array<[string, number[][]]> = [];
    const dwp = filterGradientSteps(r, p, xp, dyp, steps);
    return { steps, finish: () => r.arena.take(dwp, p.M * p.C * p.R * p.S) };
  });
}

/**
 * Append the direct filter gradient's steps (x and dy already in the arena) and return where dw will be: the partial of each image block, then their sum.
 */
function filterGradientSteps(r: Runtime, p: Conv2dParams, xp: number, dyp: number, steps: Array<[string, number[][]]>): number {
  const K = p.C * p.R * p.S, wlen = p.M * K;
  const ib = Math.ceil(p.N / Math.min(p.N, IMAGE_BLOCKS)), blocks = Math.ceil(p.N / ib);
  const pp = putParams(r, p);
  const op = r.arena.put(tapOffsets(p));
  const dwp = r.arena.alloc(blocks * wlen * 4);
  const next = r.arena.put(new Int32Array(1));
  const units = blocks * Math.ceil(p.M / 2);
  const T = Math.min(threadsFor(r, 2 * p.N * p.M * p.P * p.Q * K), units);
  steps.push(['conv2d_direct_backward_filter', Array.from({ length: T }, () => [pp, xp, dyp, op, dwp, ib, next])]);
  if (blocks === 1) return dwp;
  // dw = ones[1, blocks] * partials[blocks, wlen]: the partials added in block order (a
  // product by 1 is exact), as conv.ts sums its image blocks.
  const onesp = r.arena.put(new Float32Array(blocks).fill(1));
  const outp = r.arena.alloc(wlen * 4);
  steps.push(['f32_gemm', [[1, wlen, blocks, onesp, blocks, 1, dwp, wlen, 1, outp, wlen, 0, 0, r.arena.alloc(r.scratchBytes)]]]);
  return outp;
}

/**
 * dx [N,C,H,W] from dy [N,M,P,Q] and w [M,C,R,S] for the layers the direct forward runs, with
 * col2im fused into the product (no column buffer, no packing): whole images per unit.
 * Needs directApplies(p).
 */
export function conv2dDirectBackwardInput(p: Conv2dParams, dy: Float32Array, w: Float32Array): Float32Array {
  if (!directApplies(p)) throw new Error(`conv2dDirectBackwardInput: the direct kernel does not run this conv (${JSON.stringify(p)})`);
  return call((r) => {
    const dyp = r.arena.put(dy);
    const { steps, dxp } = dataGradientSteps(r, p, dyp, w);
    return { steps, finish: () => r.arena.take(dxp, p.N * p.C * p.H * p.W) };
  });
}

/** The direct data gradient's step (dy already in the arena) and where dx will be. */
function dataGradientSteps(r: Runtime, p: Conv2dParams, dyp: number, w: Float32Array): { steps: Array<[string, number[][]]>; dxp: number } {
  const pp = putParams(r, p);
  // Taps in (c, s, r) order: 4 consecutive ones add into different dx rows (for R >= 4).
  const K = p.C * p.R * p.S, offs = tapOffsets(p), dxOffs = new Int32Array(K + 3), wOffs = new Int32Array(K + 3);
  for (let c = 0, i = 0; c < p.C; c++) {
    for (let s = 0; s < p.S; s++) {
      for (let rr = 0; rr < p.R; rr++, i++) {
        const k = (c * p.R + rr) * p.S + s;
        dxOffs[i] = offs[k]!;
        wOffs[i] = k * 4;
      }
    }
  }
  // A last tile's missing taps read (and drop) tap K - 1 again.
  for (let i = K; i < K + 3; i++) { dxOffs[i] = dxOffs[K - 1]!; wOffs[i] = wOffs[K - 1]!; }
  const wp = r.arena.put(w), op = r.arena.put(dxOffs), wop = r.arena.put(wOffs);
  const dxp = r.arena.alloc((p.N * p.C * p.H * p.W + 4) * 4);
  const next = r.arena.put(new Int32Array(1));
  const T = Math.min(threadsFor(r, 2 * p.N * p.M * p.P * p.Q * K), p.N);
  return { steps: [['conv2d_direct_backward_input', Array.from({ length: T }, () => [pp, dyp, wp, op, wop, dxp, next])]], dxp };
}

/** The tanh kernels' per-thread element ranges, as elementwise.ts splits them (starts on 64-byte lines). */
function tanhSlices(r: Runtime, opsPerElement: number, n: number): Array<[number, number]> {
  return splitRange(n, threadsFor(r, opsPerElement * n), 16).map(([a, z]) => [a, z - a]);
}

/**
 * tanh(conv2d(x, w) + b) for a whole-image window (c5: y [N,M] = x [N,CHW] w^T + b, the GEMM
 * conv2dForward runs) with the tanh in the same call.
 */
function gemmTanh(p: Conv2dParams, x: Float32Array, w: Float32Array, b: Float32Array | null): Float32Array {
  const K = p.C * p.H * p.W, ylen = p.N * p.M;
  return call((r) => {
    const xp = r.arena.put(x), wp = r.arena.put(w), bp = b ? r.arena.put(b) : 0;
    const yp = r.arena.alloc(ylen * 4);
    const tanh: [string, number[][]] = ['f32_tanh', tanhSlices(r, 24, ylen).map(([a, n]) => [yp + 4 * a, yp + 4 * a, n])];
    return { steps: [gemmStep(r, p.N, p.M, K, xp, wp, yp, bp, { transB: true, biasCols: b }), tanh], finish: () => r.arena.take(yp, ylen) };
  });
}

/**
 * gemmTanh's gradients in one call: dz = f32_tanh_grad(y, dy), the bias gradient (the sum of dz
 * per filter), dx = dz w and dw = dz^T x, as conv.ts's whole-image calls compute them.
 */
function gemmTanhBackward(p: Conv2dParams, x: Float32Array, w: Float32Array, y: Float32Array, dy: Float32Array,
                          need: { dx: boolean; dw: boolean; db: boolean }): { dx: Float32Array | null; dw: Float32Array | null; dBias: Float32Array | null } {
  const K = p.C * p.H * p.W, len = p.N * p.M;
  return call((r) => {
    const yp = r.arena.put(y), dyp = r.arena.put(dy), dzp = r.arena.alloc(len * 4);
    const steps: Array<[string, number[][]]> = [['f32_tanh_grad', tanhSlices(r, 2, len).map(([a, n]) => [yp + 4 * a, dyp + 4 * a, dzp + 4 * a, n])]];
    const dbp = need.db ? r.arena.alloc(p.M * 4) : 0;
    if (need.db) steps.push(['conv2d_backward_bias', splitRange(p.M, threadsFor(r, len)).map(([a, z]) => [dzp, dbp, p.N, p.M, 1, a, z])]);
    const wp = need.dx ? r.arena.put(w) : 0, dxp = need.dx ? r.arena.alloc(p.N * K * 4) : 0;
    if (need.dx) steps.push(gemmStep(r, p.N, K, p.M, dzp, wp, dxp, 0));
    const xp = need.dw ? r.arena.put(x) : 0, dwp = need.dw ? r.arena.alloc(p.M * K * 4) : 0;
    if (need.dw) steps.push(gemmStep(r, p.M, K, p.N, dzp, xp, dwp, 0, { transA: true }));
    return {
      steps,
      finish: () => ({
        dx: need.dx ? r.arena.take(dxp, p.N * K) : null,
        dw: need.dw ? r.arena.take(dwp, p.M * K) : null,
        dBias: need.db ? r.arena.take(dbp, p.M) : null,
      }),
    };
  });
}
