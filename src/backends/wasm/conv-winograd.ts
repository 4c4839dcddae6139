/**
 * 3x3 stride-1 convolutions by Winograd's minimal filtering: 16 GEMMs over transformed 2x2 tiles
 * instead of one over im2col, 2.25x fewer multiply-adds. F(2x2, 3x3) (assembly/winograd.ts) runs
 * the forward pass (bias and a fused ReLU included) and, with the filter flipped and its channel
 * axes swapped, the data gradient (a stride-1 3x3 conv of dy padded by 2 - pad); F(3x3, 2x2)
 * (assembly/winograd-filter.ts) the filter gradient.
 *
 * The result differs from the direct sum by rounding only (the transforms add and halve), as
 * cuDNN's and NNPACK's Winograd paths do; it does not depend on the thread count or the batch
 * staging. setConvWinograd(false) runs the im2col kernels instead (benchmarks, tests).
 */
import type { Conv2dParams } from '../../einsum/types.js';
import type { Prepared, Runtime } from './runtime.js';
import { call, splitRange, threadsFor } from './runtime.js';
import { batchPipeline } from './batch-pipeline.js';
import { putParams } from './conv.js';

let enabled = true;

/** Winograd calls so far (tests check the kernel really ran). */
export const winogradStats = { calls: 0 };

/** Benchmarks and tests switch Winograd off to compare with the im2col kernels. */
export function setConvWinograd(on: boolean): void {
  enabled = on;
}

/**
 * Layers below these sizes stay on the im2col kernels: with few channels the transforms (which
 * cost per input and output element, not per multiply-add) outweigh the saving.
 */
const MIN_CHANNELS = 16;
const MIN_FILTERS = 16;
/**
 * Whether the forward pass of `p` runs on the Winograd kernel: a 3x3, stride-1, undilated,
 * ungrouped layer padded by at most 2, with enough channels and filters.
 */
export function winogradForwardApplies(p: Conv2dParams): boolean {
  return enabled && p.R === 3 && p.S === 3 && p.strideH === 1 && p.strideW === 1 && p.dilationH === 1 &&
    p.dilationW === 1 && p.groups === 1 && p.padTop <= 2 && p.padLeft <= 2 && p.C >= MIN_CHANNELS && p.M >= MIN_FILTERS;
}

/** The data gradient of `p` as a forward conv: dy [N,M,P,Q] -> dx [N,C,H,W], pad 2 - pad. */
function dataGradientAsForward(p: Conv2dParams): Conv2dParams {
  return { ...p, C: p.M, H: p.P, W: p.Q, M: p.C, P: p.H, Q: p.W, padTop: 2 - p.padTop, padLeft: 2 - p.padLeft };
}

/**
 * Whether the data gradient of `p` runs on the Winograd kernel: wherever its forward pass does,
 * as dataGradientAsForward(p) is such a layer too (channels and filters swapped, pad 2 - pad in
 * [0, 2]; a stride-1 layer's output is H + 2*pad - 2 rows, so the gradient conv recovers H).
 */
export function winogradBackwardInputApplies(p: Conv2dParams): boolean {
  return winogradForwardApplies(p);
}

/**
 * Filter gradients over fewer 2x2 tiles than this stay on the im2col kernels: the tiles are its
 * GEMMs' reduction, and a short one does not pay for the transforms. ResNet 3x3 C256 14x14 at
 * N=1 (56 tiles), 2 threads: 64-76 GFLOP/s im2col vs 52-65 Winograd; C128 28x28 N=1 (224 tiles):
 * 51-61 vs 60-71 (bench/winograd-ab.ts).
 */
const MIN_FILTER_TILES = 200;

/**
 * Whether the filter gradient of `p` runs on the Winograd kernel (its GEMMs reduce over the
 * tiles, so any number of channels fits).
 */
export function winogradFilterGradientApplies(p: Conv2dParams): boolean {
  // Tile rows of ceil(Q/2) tiles rounded up to whole 4-tile vectors (assembly/winograd.ts rowColumns).
  const tiles = p.N * Math.ceil(p.P / 2) * Math.ceil(p.Q / 8) * 4;
  return winogradForwardApplies(p) && tiles >= MIN_FILTER_TILES;
}

/** y [N,M,P,Q] = conv2d(x, w) + b, ReLU'd with `relu`. Needs winogradForwardApplies(p). */
export function conv2dWinograd(p: Conv2dParams, x: Float32Array, w: Float32Array, b: Float32Array | null, relu: boolean): Float32Array {
  return call((r) => plan(r, p, x, w, b, relu, false));
}

/** dx [N,C,H,W] from dy [N,M,P,Q] and w [M,C,3,3]. Needs winogradBackwardInputApplies(p). */
export function conv2dWinogradBackwardInput(p: Conv2dParams, dy: Float32Array, w: Float32Array): Float32Array {
  return call((r) => plan(r, dataGradientAsForward(p), dy, w, null, false, true));
}

/** Chunks of a filter gradient's tiles at most (each keeps a partial sum of 16 x M x C floats). */
const MAX_FILTER_CHUNKS = 16;
/** Tiles per chunk at least (the reduction depth of its GEMMs). */
const MIN_CHUNK_TILES = 256;
/** Units a filter gradient aims for (chunks times filter and channel blocks): 4 per thread on 2. */
const FILTER_UNITS = 8;
/**
 * Bytes of partial sums at most: a chunk's is 64*M*C bytes (16 MB for 512 channels and filters),
 * and wasm memory never shrinks. Fewer chunks are then split into more filter and channel blocks.
 */
const MAX_PARTIAL_BYTES = 32 << 20;

/**
 * dw [M,C,3,3] from x [N,C,H,W] and dy [N,M,P,Q], summed over the batch. Needs
 * winogradFilterGradientApplies(p). The tile rows are cut into chunks, each summed into its own
 * partial, the partials added in order; a layer with too few tiles for FILTER_UNITS chunks (one
 * image of a late ResNet stage) also splits each chunk's sums into blocks of filters and
 * channels (each block repeats the transforms of its share). The units depend on the layer
 * alone: the same bits on any number of threads.
 */
export function conv2dWinogradBackwardFilter(p: Conv2dParams, x: Float32Array, dy: Float32Array): Float32Array {
  return call((r) => {
    winogradStats.calls++;
    const e = r.exports;
    const pp = putParams(r, p);
    const xp = r.arena.put(x), dyp = r.arena.put(dy);
    const tileRows = p.N * Math.ceil(p.P / 2);
    const tiles = tileRows * (e['winogradRowColumns']!(pp) as number);
    const partialFloats = e['winogradFilterPartialFloats']!(pp) as number;
    const chunks = Math.max(1, Math.min(MAX_FILTER_CHUNKS, tileRows, Math.floor(tiles / MIN_CHUNK_TILES),
      Math.floor(MAX_PARTIAL_BYTES / (partialFloats * 4))));
    const { mb, cb } = filterBlocks(p, Math.ceil(FILTER_UNITS / chunks));
    const partials = r.arena.alloc(chunks * partialFloats * 4);
    const wlen = p.M * p.C * 9;
    const dwp = r.arena.alloc(wlen * 4);
    const T = winogradThreads(r, p);
    const next = r.arena.put(new Int32Array(1));
    const scratchBytes = e['winogradFilterScratchBytes']!(pp) as number;
    const units = chunks * Math.ceil(p.M / mb) * Math.ceil(p.C / cb);
    const parts = Array.from({ length: Math.min(T, units) }, () => [pp, xp, dyp, partials, chunks, mb, cb, next, r.arena.alloc(scratchBytes)]);
    const finish = splitRange(p.M, T).map(([a, z]) => [pp, partials, chunks, dwp, a, z]);
    return {
      steps: [['conv2d_winograd_backward_filter', parts], ['winograd_filter_finish', finish]],
      finish: () => r.arena.take(dwp, wlen),
    };
  });
}

/** Blocks of at least MIN_FILTER_BLOCK filters and channels, about `blocks` of them. */
function filterBlocks(p: Conv2dParams, blocks: number): { mb: number; cb: number } {
  const mBlocks = Math.max(1, Math.min(Math.ceil(Math.sqrt(blocks)), Math.floor(p.M / MIN_FILTER_BLOCK)));
  const cBlocks = Math.max(1, Math.min(Math.ceil(blocks / mBlocks), Math.floor(p.C / MIN_FILTER_BLOCK)));
  return { mb: Math.ceil(p.M / mBlocks), cb: Math.ceil(p.C / cBlocks) };
}

/** The call for the forward conv `q` (a data gradient's with `flip`). */
function plan(r: Runtime, q: Conv2dParams, x: Float32Array, w: Float32Array, b: Float32Array | null, relu: boolean,
  flip: boolean): Prepared<Float32Array> {
  winogradStats.calls++;
  const e = r.exports;
  const pp = putParams(r, q);
  const wp = r.arena.put(w), bp = b ? r.arena.put(b) : 0;
  const up = r.arena.alloc(e['winogradFilterBytes']!(pp) as number);
  const T = winogradThreads(r, q);
  const { rows, mb } = units(q, T, e['winogradRowColumns']!(pp) as number);
  const scratchBytes = e['winogradScratchBytes']!(pp, rows, mb) as number;
  const scratch = Array.from({ length: T }, () => r.arena.alloc(scratchBytes));
  // The filter transform is a few microseconds for most layers: one thread unless it is large.
  const packThreads = q.M * q.C >= 1 << 14 ? T : 1;
  const pack = splitRange(Math.ceil(q.M / 4), packThreads).map(([a, z]) => [pp, wp, up, a, z, flip ? 1 : 0]);
  const batch = { N: q.N, T, input: x, inPer: q.C * q.H * q.W, outPer: q.M * q.P * q.Q };
  return batchPipeline(r, batch, [['winograd_pack_filter', pack]], (n0, n, xq, yq) => {
    const next = r.arena.put(new Int32Array(1));
    const pq = putParams(r, { ...q, N: n });
    return ['conv2d_winograd', scratch.map((sc) => [pq, xq, up, bp, yq, rows, mb, next, sc, relu ? 1 : 0])];
  });
}

/** Threads for a Winograd call of `p`: its multiply-adds are 4/9 of the direct sum's. */
function winogradThreads(r: Runtime, p: Conv2dParams): number {
  return threadsFor(r, (2 * p.N * p.M * p.P * p.Q * p.C * 9) / 2.25);
}

/** Tile columns a unit aims for: its 16 GEMMs of ~100 columns keep their operands in L2. */
const UNIT_COLUMNS = 96;
/** Filter blocks are no smaller than this (each repeats the unit's input transform). */
const MIN_FILTER_BLOCK = 32;

/**
 * A unit of work: `rows` tile rows (2 output rows each) of one image, `mb` filters. About
 * UNIT_COLUMNS tiles; when that leaves fewer units than threads (one image of a late ResNet
 * stage: 7 tile rows, one unit), the filters are split too, into as few blocks as give every
 * thread one: each block repeats the unit's input transform (ResNet 3x3 C256 14x14 N=1, 2
 * threads: 62 GFLOP/s with 8 filter blocks, 75-93 with 2; bench/winograd-ab.ts). Any split
 * gives the same result.
 */
function units(q: Conv2dParams, T: number, rowColumns: number): { rows: number; mb: number } {
  const tileRows = Math.ceil(q.P / 2);
  const rows = Math.max(1, Math.min(tileRows, Math.floor(UNIT_COLUMNS / rowColumns)));
  const count = q.N * Math.ceil(tileRows / rows);
  if (count >= T) return { rows, mb: q.M };
  const mBlocks = Math.max(1, Math.min(Math.ceil(T / count), Math.floor(q.M / MIN_FILTER_BLOCK)));
  return { rows, mb: Math.ceil(q.M / mBlocks / 4) * 4 };
}
