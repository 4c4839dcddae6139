/**
 * Convolution kernels (forward, data gradient, filter gradient, bias gradient) on the wasm
 * runtime: operands are copied into the arena and the work is cut into units no two of which
 * write the same output element (images, pixel, channel or filter blocks), which the threads
 * take from a shared counter.
 */
import type { Conv2dParams } from '../../einsum/types.js';
import type { Prepared, Runtime } from './runtime.js';
import type { Stream } from './stream.js';
import { uninitializedFloat32 } from './arena.js';
import { call, splitRange, threadsFor } from './runtime.js';
import { batchPipeline, pipelined } from './batch-pipeline.js';
import { streamBlocks, streamedForward, streamingEnabled } from './conv-stream.js';
import { gemm } from './gemm.js';
import {
  conv2dDirect, conv2dDirectBackwardFilter, conv2dDirectBackwardInput, directApplies, directFilterGradientApplies,
} from './conv-direct.js';
import {
  conv2dWinograd, conv2dWinogradBackwardFilter, conv2dWinogradBackwardInput, winogradBackwardInputApplies,
  winogradFilterGradientApplies, winogradForwardApplies,
} from './conv-winograd.js';

/** The GEMM micro-tile (assembly/gemm.ts MR x NR): rows and pixels are split in whole tiles. */
const MR = 4, NR = 8;
/** Filters up to this many floats are packed by one thread (see conv2dForward). */
const PACK_ALONE_FLOATS = 1 << 16;
/** Forward calls with results up to this size stream their input in (conv-stream.ts). */
const STREAM_MAX_OUTPUT_BYTES = 8 << 20;

/** The 16-int parameter block assembly/params.ts reads. */
export function putParams(r: Runtime, p: Conv2dParams): number {
  return r.arena.put(Int32Array.from([
    p.N, p.C, p.H, p.W, p.M, p.R, p.S, p.P, p.Q,
    p.strideH, p.strideW, p.padTop, p.padLeft, p.dilationH, p.dilationW, p.groups,
  ]));
}

function macs(p: Conv2dParams): number {
  return p.N * p.M * p.P * p.Q * (p.C / p.groups) * p.R * p.S;
}

/** Depthwise: one input channel per group (channel multiplier M/C allowed). */
export function isDepthwise(p: Conv2dParams): boolean {
  return p.groups === p.C && p.groups > 1;
}

/**
 * Whether the filter window covers the whole (unpadded, undilated) image in one position, as in
 * LeNet-5's c5 (C16 5x5 -> M120 5x5): then an image is its own im2col column and the conv is a
 * linear layer, y [N,M] = x [N,C*H*W] * w [M,C*H*W]^T. One GEMM over the batch, instead of one
 * per image with a single output pixel (a 1-column product padded to the 8-column micro-tile).
 */
export function coversImage(p: Conv2dParams): boolean {
  return p.groups === 1 && p.P === 1 && p.Q === 1 && p.padTop === 0 && p.padLeft === 0 &&
    p.R === p.H && p.S === p.W && p.dilationH === 1 && p.dilationW === 1;
}

/**
 * A CONV layer and the ReLU after it in one call: relu(conv2d(x, w) + b), with the bits of
 * conv2dForward then unary('relu'), the ReLU applied to each block of outputs while it is in
 * cache. Null for the layers other kernels run (whole-image windows, LeNet's direct conv,
 * depthwise): the caller then runs the two ops.
 */
export function conv2dForwardRelu(p: Conv2dParams, x: Float32Array, w: Float32Array, b: Float32Array | null): Float32Array | null {
  return runsOnGemm(p) ? conv2dForward(p, x, w, b, true) : null;
}

/** Whether conv2dForward runs the layer on its GEMM kernels (not a whole-image GEMM, direct or depthwise). */
function runsOnGemm(p: Conv2dParams): boolean {
  return !coversImage(p) && !directApplies(p) && !isDepthwise(p);
}

/** y [N,M,P,Q] = conv2d(x [N,C,H,W], w [M,C/G,R,S]) + b [M]; relu(y) with `relu` (dense layers only: see conv2dForwardRelu). */
export function conv2dForward(p: Conv2dParams, x: Float32Array, w: Float32Array, b: Float32Array | null, relu = false): Float32Array {
  if (relu && !runsOnGemm(p)) throw new Error('conv2dForward: relu is fused for dense layers only');
  const depthwise = isDepthwise(p);
  if (coversImage(p)) return gemm(p.N, p.M, p.C * p.H * p.W, x, w, { transB: true, biasCols: b });
  // Small stride-1 layers with ragged output rows (LeNet's c1, c3): no im2col (conv-direct.ts).
  if (directApplies(p)) return conv2dDirect(p, x, w, b, 'none', false).y;
  // 3x3 stride-1 layers with enough channels: Winograd F(2x2, 3x3) (conv-winograd.ts).
  if (winogradForwardApplies(p)) return conv2dWinograd(p, x, w, b, relu);
  return call((r) => {
    const pp = putParams(r, p);
    const wp = r.arena.put(w), bp = b ? r.arena.put(b) : 0;
    const T = threadsFor(r, 2 * macs(p));
    if (depthwise) {
      return depthwiseCall(r, p, T, 'dwconv2d_forward', x, p.H * p.W, (p.M / p.C) * p.P * p.Q,
        (xq, yq) => [pp, xq, wp, bp, yq]);
    }
    // The filter is packed once per call, shared by every thread, image and pixel block.
    const Mg = p.M / p.groups, K = (p.C / p.groups) * p.R * p.S;
    const panels = Math.ceil(Mg / MR);
    const ap = r.arena.alloc(p.groups * panels * MR * K * 4);
    // A small filter is packed on the calling thread alone: a second step on the workers would
    // cost a wake-up and a barrier (tens of microseconds) for a few microseconds of packing.
    const packThreads = p.groups * panels * MR * K > PACK_ALONE_FLOATS ? T : 1;
    const pack = splitRange(p.groups * panels, packThreads).map(([a, z]) => [pp, wp, ap, a, z]);
    const maxNb = r.exports['convForwardMaxPixels']!(pp) as number;
    const scratch = threadScratch(r, T, r.scratchBytes);
    const batch = { N: p.N, T, input: x, inPer: p.C * p.H * p.W, outPer: p.M * p.P * p.Q };
    const before: Array<[string, number[][]]> = [['conv2d_pack_filter', pack]];
    // Too few bytes to pipeline by images, but the workers can start on the first channels. Not
    // for a large result: the second phase re-reads it from memory (ResNet-50 1x1 at N=32, 26 MB,
    // run unpipelined: 64 GFLOP/s streamed vs 68 as one call; at N=1 and 4 streaming gains 5-16 %).
    if (T >= 2 && streamingEnabled() && !pipelined(batch) && p.N * batch.outPer * 4 <= STREAM_MAX_OUTPUT_BYTES &&
        streamBlocks(r, pp) >= 2) {
      return streamedForward(r, p, x, { pp, ap, bp, scratch, relu, ...forwardUnits(p, T, maxNb) }, before);
    }
    return batchPipeline(r, batch, before, (n0, n, xq, yq) => {
      const q = { ...p, N: n };
      const { nb, mb } = forwardUnits(q, T, maxNb);
      // The threads take units of work from this counter (see assembly/conv.ts conv2d_forward).
      const next = r.arena.put(new Int32Array(1));
      const pq = putParams(r, q);
      return ['conv2d_forward', scratch.map((sc) => [pq, xq, ap, bp, yq, nb, mb, next, sc, relu ? 1 : 0])];
    });
  });
}

/**
 * A depthwise forward or data-gradient call: planes (n, c) are independent, each reading
 * `inPer` floats of the input and writing `outPer` of the result, and the threads claim them
 * from a counter (dwParts). On several threads the call streams (stream.ts): the workers start
 * on the first planes while this thread copies the rest in, and finished planes are copied out
 * while the others compute. `head(inAt, outAt)` gives the kernel's leading arguments.
 */
function depthwiseCall(r: Runtime, p: Conv2dParams, T: number, kernel: string, input: Float32Array,
  inPer: number, outPer: number, head: (inAt: number, outAt: number) => number[]): Prepared<Float32Array> {
  const planes = p.N * p.C;
  // A resident input is read in place, a resident result not copied out.
  const { at: inp, resident } = r.arena.place(input);
  const outp = r.arena.alloc(planes * outPer * 4);
  const out = r.arena.keepsResult(outp, planes * outPer) ? null : uninitializedFloat32(planes * outPer);
  return depthwisePlan(r, p, T, kernel, planes, head(inp, outp),
    (view, a, z) => { if (!resident) view.set(input.subarray(a * inPer, z * inPer), (inp >> 2) + a * inPer); },
    (view, a, z) => out?.set(view.subarray((outp >> 2) + a * outPer, (outp >> 2) + z * outPer), a * outPer),
    () => out ?? r.arena.take(outp, planes * outPer));
}

/**
 * The depthwise filter gradient: units of input channels (all their filters, summed over the
 * images) claimed from a counter. On several threads it streams (stream.ts): this thread copies
 * x and dy in channel block by channel block (every image's planes of the block), the workers
 * starting on the first blocks meanwhile, then takes blocks itself; dw is copied out at the end.
 */
function depthwiseFilterGradient(r: Runtime, p: Conv2dParams, x: Float32Array, dy: Float32Array): Prepared<Float32Array> {
  const pp = putParams(r, p);
  const mult = p.M / p.C, HW = p.H * p.W, PQ = p.P * p.Q;
  // Resident operands are read in place.
  const { at: xp, resident: xResident } = r.arena.place(x), { at: dyp, resident: dyResident } = r.arena.place(dy);
  const wlen = p.M * p.R * p.S;
  const dwp = r.arena.alloc(wlen * 4);
  const copyIn = (view: Float32Array, a: number, z: number): void => {
    for (let n = 0; n < p.N; n++) {
      const xa = (n * p.C + a) * HW, ya = (n * p.M + a * mult) * PQ;
      if (!xResident) view.set(x.subarray(xa, xa + (z - a) * HW), (xp >> 2) + xa);
      if (!dyResident) view.set(dy.subarray(ya, ya + (z - a) * mult * PQ), (dyp >> 2) + ya);
    }
  };
  // dw is small: nothing to copy out per unit; finish takes it whole.
  return depthwisePlan(r, p, threadsFor(r, 2 * macs(p)), 'dwconv2d_backward_filter', p.C, [pp, xp, dyp, dwp],
    copyIn, () => {}, () => r.arena.take(dwp, wlen));
}

/**
 * The plan of a depthwise kernel call over `items` (planes, or channels for the filter
 * gradient) that the threads claim from a counter (dwParts); `head` is the kernel's leading
 * arguments. On one thread everything is copied in and the kernel runs once; on several the
 * call streams (stream.ts). `copyIn` and `copyOut` move items [a, z) through `view`, the
 * memory's view taken after the last allocation (a growing memory gets a new buffer); `finish`
 * returns the result once everything is copied out.
 */
function depthwisePlan(r: Runtime, p: Conv2dParams, T: number, kernel: string, items: number, head: number[],
  copyIn: (view: Float32Array, a: number, z: number) => void, copyOut: (view: Float32Array, a: number, z: number) => void,
  finish: () => Float32Array): Prepared<Float32Array> {
  // One image runs on one thread: these calls are bound by memory, and streaming planes between
  // two cores cost more than the second core gave. MobileNet (zoo) at batch 1, interleaved:
  // 28.6 / 29.0 ms with its depthwise layers on 2 threads, 28.3 / 28.1 on 1; npm run bench's
  // depthwise 3x3 N=1, 2 threads vs 1: fwd 12.7 vs 16.3, dF 12.4 vs 15.5 GFLOP/s.
  const parts = dwParts(r, items, p.N === 1 ? 1 : T);
  const scratch = threadScratch(r, parts.length, dwScratchBytes(p));
  const args = (t: number, ready: number, done: number, maxUnits: number): number[] =>
    [...head, ...parts[t]!, scratch[t]!, ready, done, maxUnits];
  if (parts.length < 2) {
    copyIn(r.arena.view(), 0, items);
    return { steps: [[kernel, [args(0, 0, 0, items)]]], finish: () => {
      copyOut(r.arena.view(), 0, items);
      return finish();
    } };
  }
  const unit = parts[0]![1]!;
  const readyAt = r.arena.put(new Int32Array(1)), doneAt = r.arena.put(new Int32Array(Math.ceil(items / unit)));
  const view = r.arena.view();
  const stream: Stream = {
    // This thread's call takes one unit, between its copies; the workers' take all they can.
    kernel: [kernel, parts.map((_, t) => args(t, readyAt, doneAt, t === 0 ? 1 : items))],
    items, unit, readyAt, doneAt,
    copyIn: (a, z) => copyIn(view, a, z),
    copyOut: (a, z) => copyOut(view, a, z),
  };
  return { steps: [], stream, finish };
}

/** One scratch area of `bytes` per thread, shared by a call's stages (they run one after another). */
function threadScratch(r: Runtime, T: number, bytes: number): number[] {
  return Array.from({ length: T }, () => r.arena.alloc(bytes));
}

/**
 * The forward pass's unit of work: `nb` pixels (a multiple of NR, at most `maxNb`, the kernel's
 * block) of `mb` filter rows of one image and group. On several threads, enough units that
 * each thread takes about 8 (one running late costs the others at most a unit), but pixel
 * blocks no smaller than 4 panels; when an image has too few pixels even so (a late, small
 * plane), the filter rows are split instead, once per thread (each such unit packs its own B).
 */
function forwardUnits(p: Conv2dParams, T: number, maxNb: number): { nb: number; mb: number } {
  const Mg = p.M / p.groups, PQ = p.P * p.Q, planes = p.N * p.groups;
  if (T === 1) return { nb: maxNb, mb: Mg };
  const blocks = Math.ceil((8 * T) / planes);
  const fewest = Math.min(4 * NR, Math.ceil(PQ / NR) * NR);
  const nb = Math.min(maxNb, Math.max(fewest, Math.ceil(PQ / blocks / NR) * NR));
  if (planes * Math.ceil(PQ / nb) < 2 * T && Mg >= 2 * MR * T) {
    return { nb, mb: Math.ceil(Mg / T / MR) * MR };
  }
  return { nb, mb: Mg };
}

/** dx [N,C,H,W] from dy [N,M,P,Q] and w [M,C/G,R,S]. */
export function conv2dBackwardInput(p: Conv2dParams, dy: Float32Array, w: Float32Array): Float32Array {
  // Whole-image window: dx [N,C*H*W] = dy [N,M] * w [M,C*H*W].
  if (coversImage(p)) return gemm(p.N, p.C * p.H * p.W, p.M, dy, w);
  // LeNet's c3 (and c1): col2im fused into the product (conv-direct.ts).
  if (directApplies(p)) return conv2dDirectBackwardInput(p, dy, w);
  // 3x3 stride-1 layers with enough channels: the conv of dy with the flipped filter, by Winograd.
  if (winogradBackwardInputApplies(p)) return conv2dWinogradBackwardInput(p, dy, w);
  // (On im2col, computing a stride-1 dx as a forward conv with the flipped filter measured no
  // faster in interleaved A/B runs, and slower for 32-channel layers: its GEMM has only C rows to
  // reuse each packed panel, where this one has C*R*S.)
  const depthwise = isDepthwise(p);
  return call((r) => {
    const pp = putParams(r, p);
    const wp = r.arena.put(w);
    const T = threadsFor(r, 2 * macs(p));
    if (depthwise) {
      return depthwiseCall(r, p, T, 'dwconv2d_backward_input', dy, (p.M / p.C) * p.P * p.Q, p.H * p.W,
        (dyq, dxq) => [pp, dyq, wp, dxq]);
    }
    const scratch = threadScratch(r, T, r.scratchBytes);
    const batch = { N: p.N, T, input: dy, inPer: p.M * p.P * p.Q, outPer: p.C * p.H * p.W };
    // Units of (image, channel block) from a shared counter: whole images when there are a few
    // per thread, else channel blocks (each repacks its image's dy, so only ~4 per thread).
    const channelBlock = (n: number): number => (T === 1 || n >= 4 * T ? p.C : Math.ceil(p.C / Math.min(p.C, Math.ceil((4 * T) / n))));
    if (T >= 2 && streamingEnabled() && !pipelined(batch)) return backwardInputStream(r, p, dy, pp, wp, scratch, channelBlock(p.N));
    return batchPipeline(r, batch, [], (n0, n, dyq, dxq) => {
      const next = r.arena.put(new Int32Array(1));
      const pq = putParams(r, { ...p, N: n });
      return ['conv2d_backward_input', scratch.map((sc) => [pq, dyq, wp, dxq, channelBlock(n), next, sc, 0, 1 << 30])];
    });
  });
}

/**
 * The data gradient of a call too small to pipeline by images, on several threads: streamed
 * out (stream.ts). Each unit's channels of dx are contiguous, and so are consecutive units':
 * this thread copies finished units out while the others compute (a 1x1 layer's dx is C/M
 * times dy: ResNet-50's 1x1 at N=1 writes 3.2 MB from 0.8 MB).
 */
function backwardInputStream(r: Runtime, p: Conv2dParams, dy: Float32Array, pp: number, wp: number, scratch: number[],
  cb: number): Prepared<Float32Array> {
  const HW = p.H * p.W, cBlocks = Math.ceil(p.C / cb), units = p.N * cBlocks;
  const dyp = r.arena.put(dy), dxp = r.arena.alloc(p.N * p.C * HW * 4);
  const next = r.arena.put(new Int32Array(1)), readyAt = r.arena.put(new Int32Array(1)), doneAt = r.arena.put(new Int32Array(units));
  const length = p.N * p.C * HW;
  const dx = r.arena.keepsResult(dxp, length) ? null : uninitializedFloat32(length);
  // Where unit u's channels start in dx (u = units: the end).
  const start = (u: number): number => u === units ? length : (Math.floor(u / cBlocks) * p.C + (u % cBlocks) * cb) * HW;
  const view = r.arena.view();
  const stream: Stream = {
    // This thread's call takes one unit, between its copies; the workers' take all they can.
    kernel: ['conv2d_backward_input', scratch.map((sc, t) => [pp, dyp, wp, dxp, cb, next, sc, doneAt, t === 0 ? 1 : units])],
    items: units, unit: 1, readyAt, doneAt,
    copyIn: () => {},
    copyOut: (a, z) => dx?.set(view.subarray((dxp >> 2) + start(a), (dxp >> 2) + start(z)), start(a)),
  };
  return { steps: [], stream, finish: () => dx ?? r.arena.take(dxp, length) };
}

/** dw [M,C/G,R,S] from x [N,C,H,W] and dy [N,M,P,Q], summed over the batch. */
export function conv2dBackwardFilter(p: Conv2dParams, x: Float32Array, dy: Float32Array): Float32Array {
  // Whole-image window: dw [M,C*H*W] = dy [N,M]^T * x [N,C*H*W], the batch as the reduction.
  if (coversImage(p)) return gemm(p.M, p.C * p.H * p.W, p.N, dy, x, { transA: true });
  if (isDepthwise(p)) return call((r) => depthwiseFilterGradient(r, p, x, dy));
  // LeNet's c1 and c3: 2x4 tiles over x and dy in place, no im2col (conv-direct.ts).
  if (directFilterGradientApplies(p)) return conv2dDirectBackwardFilter(p, x, dy);
  // 3x3 stride-1 layers with enough channels and tiles: Winograd F(3x3, 2x2).
  if (winogradFilterGradientApplies(p)) return conv2dWinogradBackwardFilter(p, x, dy);
  return call((r) => {
    const pp = putParams(r, p);
    const xp = r.arena.put(x), dyp = r.arena.put(dy);
    const wlen = p.M * (p.C / p.groups) * p.R * p.S;
    const T = threadsFor(r, 2 * macs(p));
    const parts: number[][] = [];
    const { ib, pb, cb, mb } = filterGradientUnits(p, T);
    // One partial dw per image or pixel block (the kernel's unit writes dw + block*wlen): dw grows.
    const PQ = p.P * p.Q;
    const blocks = Math.max(1, Math.ceil(p.N / ib)) * Math.max(1, Math.ceil(PQ / pb));
    const dwp = r.arena.alloc(blocks * wlen * 4);
    const next = r.arena.put(new Int32Array(1));
    for (let t = 0; t < T; t++) parts.push([pp, xp, dyp, dwp, ib, pb, cb, mb, next, r.arena.alloc(r.scratchBytes)]);
    if (blocks === 1) return { steps: [['conv2d_backward_filter', parts]], finish: () => r.arena.take(dwp, wlen) };
    // dw = ones[1, blocks] * partials[blocks, wlen] on this thread: the micro-kernel adds the
    // partials in block order (a product by 1 is exact; with or without fused multiply-add),
    // as plain float32 adds would.
    const onesp = r.arena.put(new Float32Array(blocks).fill(1));
    const outp = r.arena.alloc(wlen * 4);
    const sum = [1, wlen, blocks, onesp, blocks, 1, dwp, wlen, 1, outp, wlen, 0, 0, r.arena.alloc(r.scratchBytes)];
    return { steps: [['conv2d_backward_filter', parts], ['f32_gemm', [sum]]], finish: () => r.arena.take(outp, wlen) };
  });
}

/**
 * Filter gradients up to this many floats (LeNet: 150, 2400) are split by image blocks (one
 * partial dw each); larger layers with channels to split (ResNet 1x1: 16384) keep channel blocks.
 */
const IMAGE_BLOCK_MAX_WEIGHTS = 1 << 12;
/** Image blocks of a small layer's filter gradient: enough for 2-8 threads to share. */
const IMAGE_BLOCKS = 8;
/** Largest dw split by image blocks for having few channels (8 partials: 32 MB). */
const IMAGE_BLOCK_MAX_PARTIAL = 1 << 20;

/**
 * The filter gradient's unit: `ib` images x `pb` output pixels x `cb` input channels x `mb`
 * filter rows of every group. A small filter (LeNet: 150 and 2400 weights), or a first layer with few channels
 * (AlexNet conv1: 3), is split by images only: a channel or filter split would repeat the
 * im2col and the packing of dy in every unit (and narrow GEMMs further), where a partial dw
 * per image block costs little; a single image is split by pixel blocks the same way. The
 * block size depends on the layer alone (not on T),
 * so 1 and 2 threads sum in the same order. Otherwise about 4 units per thread, by channels,
 * with at least 64 GEMM columns (channels x R x S) each, as every unit repacks dy for its
 * channels; a first layer with too few channels for that also splits the filters (each such
 * unit repeats the cheap im2col of its channels).
 */
function filterGradientUnits(p: Conv2dParams, T: number): { ib: number; pb: number; cb: number; mb: number } {
  const Mg = p.M / p.groups, PQ = p.P * p.Q;
  const wlen = p.M * (p.C / p.groups) * p.R * p.S;
  const minChannels = Math.ceil(64 / (p.R * p.S));
  // Too few channels for 4 channel blocks (AlexNet conv1: C = 3): the split below would
  // repeat each channel's im2col and the packing of dy per filter block.
  const fewChannels = Math.floor(p.C / minChannels) < 4;
  const whole = Math.max(1, PQ);
  if ((wlen <= IMAGE_BLOCK_MAX_WEIGHTS || fewChannels) && wlen <= IMAGE_BLOCK_MAX_PARTIAL) {
    if (p.N >= 2) return { ib: Math.ceil(p.N / Math.min(p.N, IMAGE_BLOCKS)), pb: whole, cb: p.C, mb: Mg };
    // One image: blocks of its pixels instead, if each keeps a GEMM reduction of >= 256.
    const pixelBlocks = Math.min(IMAGE_BLOCKS, Math.floor(PQ / 256));
    if (pixelBlocks >= 2) return { ib: 1, pb: Math.ceil(PQ / pixelBlocks), cb: p.C, mb: Mg };
  }
  const ib = Math.max(1, p.N);
  if (T === 1) return { ib, pb: whole, cb: p.C, mb: Mg };
  const want = 4 * T;
  const cBlocks = Math.max(1, Math.min(want, Math.floor(p.C / minChannels)));
  const cb = Math.ceil(p.C / cBlocks);
  const have = Math.ceil(p.C / cb);
  if (have >= 2 * T || Mg < 2 * MR * T) return { ib, pb: whole, cb, mb: Mg };
  const mBlocks = Math.min(Math.ceil(want / have), Math.floor(Mg / MR));
  return { ib, pb: whole, cb, mb: Math.ceil(Mg / mBlocks / MR) * MR };
}

/** db [M] = sum of dy [N,M,P,Q] over n, p, q. */
export function conv2dBackwardBias(N: number, M: number, PQ: number, dy: Float32Array): Float32Array {
  return call((r) => {
    const dyp = r.arena.put(dy);
    const dbp = r.arena.alloc(M * 4);
    const T = threadsFor(r, N * M * PQ);
    const parts = splitRange(M, T).map(([a, z]) => [dyp, dbp, N, M, PQ, a, z]);
    return { steps: [['conv2d_backward_bias', parts]], finish: () => r.arena.take(dbp, M) };
  });
}

/**
 * The depthwise kernels' (total, unit, counter) arguments, one per thread: `total` items
 * (planes or channels) taken `unit` at a time from a shared zeroed counter, about 8 units per
 * thread, so a thread that starts late or is descheduled holds up the call by at most a unit.
 */
function dwParts(r: Runtime, total: number, T: number): number[][] {
  const unit = T === 1 ? total : Math.max(1, Math.floor(total / (8 * T)));
  const next = r.arena.put(new Int32Array(1));
  return Array.from({ length: Math.min(T, Math.ceil(total / unit)) }, () => [total, unit, next]);
}

/** Scratch of one depthwise slice: a zero-padded input (or gradient) plane plus slack. */
function dwScratchBytes(p: Conv2dParams): number {
  const hp = (p.P - 1) * p.strideH + (p.R - 1) * p.dilationH + 1;
  const wp = (p.Q - 1) * p.strideW + (p.S - 1) * p.dilationW + 1;
  // The stride-1 data gradient pads dy to (H + (R-1)*DH) x (W + (S-1)*DW) instead.
  const hb = p.H + (p.R - 1) * p.dilationH, wb = p.W + (p.S - 1) * p.dilationW;
  return (Math.max(hp, hb, p.H + p.padTop) * (Math.max(wp, wb, p.W + p.padLeft) + 8) + 64) * 4;
}
