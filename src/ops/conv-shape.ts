/**
 * The one shape rule for CONV, transposed CONV, FC and POOL layers, and the layer descriptor
 * ("decoder ring") that names every shape parameter in the vocabulary of DESIGN.md:
 *
 *   N batch, C input channels, H W input fmap, R S filter, M filters (output channels),
 *   P Q output fmap, U stride (V the stride along the width when it differs), plus padding
 *   on each side, dilation and groups.
 *
 * The ops call these functions for their argument checks and output sizes, and the analysis
 * code (summary) calls them to describe a layer, so there is exactly one output-size rule:
 *
 *   P = floor((H + padTop + padBottom - dilationH*(R-1) - 1) / U) + 1
 */
import { formatShape, sizeOf } from '../tensor/shape.js';
import type { Conv2dParams, ConvTranspose2dParams, Pool2dParams } from '../einsum/types.js';
import { convOutputSize, convTransposeOutputSize } from '../einsum/layers.js';
import { checkPositiveInt } from './util.js';

/** A value for both spatial axes, or [height, width]. */
export type Pair = number | readonly [number, number];
/** Convolution padding: all four sides, [top/bottom, left/right], or a rule. */
export type Padding = Pair | 'same' | 'valid';

/** Which layer a descriptor describes. */
export type LayerKind = 'conv2d' | 'convTranspose2d' | 'linear' | 'maxPool2d' | 'avgPool2d' | 'adaptiveAvgPool2d';

/**
 * A layer's shape parameters. For pooling M = C and there are no weights; for FC
 * R = H, S = W and P = Q = 1 (an FC layer is a CONV layer whose filter covers the input).
 * For a transposed convolution C and M are its input and output channels and P, Q follow
 * the transposed rule (see convTransposeShape).
 */
export interface LayerShape {
  readonly kind: LayerKind;
  readonly N: number; readonly C: number; readonly H: number; readonly W: number;
  readonly R: number; readonly S: number; readonly M: number;
  readonly P: number; readonly Q: number;
  /** Vertical stride (the U of DESIGN.md); `strideW` is the horizontal one. */
  readonly U: number;
  readonly strideH: number; readonly strideW: number;
  readonly padTop: number; readonly padBottom: number; readonly padLeft: number; readonly padRight: number;
  readonly dilationH: number; readonly dilationW: number;
  readonly groups: number;
  /** Number of weights (filter elements; 0 for pooling) and of bias values. */
  readonly weights: number;
  /** Output padding of a transposed convolution (0 otherwise). */
  readonly outputPaddingH: number; readonly outputPaddingW: number;
  readonly ceilMode: boolean;
}

function show(v: unknown): string {
  if (Array.isArray(v)) return `[${v.join(', ')}]`;
  if (typeof v === 'string') return `'${v}'`;
  return String(v);
}

/**
 * Normalise a number-or-pair argument to [h, w], checking each is an integer >= min.
 * @example pairOf(2, 'conv2d', 'stride', 1)  // [2, 2]
 */
export function pairOf(value: Pair | undefined, where: string, arg: string, min: number, fallback?: number): [number, number] {
  if (value === undefined) {
    if (fallback === undefined) throw new Error(`${where}: ${arg} is required`);
    return [fallback, fallback];
  }
  const pair = typeof value === 'number' ? [value, value] : value;
  if (!Array.isArray(pair) || pair.length !== 2 || !pair.every((v) => Number.isInteger(v) && v >= min)) {
    throw new Error(`${where}: ${arg} must be an integer >= ${min} or a pair [h, w] of them, got ${show(value)}`);
  }
  return [pair[0]!, pair[1]!];
}

/**
 * Output size along one axis (PyTorch's rule for conv and pooling):
 * floor((size + padBefore + padAfter - dilation*(kernel-1) - 1) / stride) + 1.
 * With ceilMode the division rounds up, but the last window must start inside the input or
 * the left padding (PyTorch's rule), so a window lying wholly in the right padding is dropped.
 *
 * @example outputSize(227, 11, 4)            // 55 (AlexNet conv1)
 * @example outputSize(5, 2, 2, 0, 0, 1, true) // 3 (the last window hangs over the edge)
 */
export function outputSize(size: number, kernel: number, stride = 1, padBefore = 0, padAfter = padBefore,
                           dilation = 1, ceilMode = false): number {
  const span = size + padBefore + padAfter - dilation * (kernel - 1) - 1;
  if (span < 0) return 0;
  // The floor rule is the einsum engine's (one formula for ops, einsums and analysis).
  if (!ceilMode) return convOutputSize(size, kernel, stride, padBefore, padAfter, dilation);
  let out = Math.ceil(span / stride) + 1;
  if ((out - 1) * stride >= size + padBefore) out--;
  return out;
}

/**
 * Total padding along one axis that makes the output ceil(size/stride) long ("same" padding;
 * TensorFlow's and ONNX's rule, PyTorch's at stride 1): max((P-1)*U + d*(k-1) + 1 - size, 0).
 * @example samePadTotal(7, 3, 2)  // 2 (P = 4)
 */
export function samePadTotal(size: number, kernel: number, stride = 1, dilation = 1): number {
  return Math.max((Math.ceil(size / stride) - 1) * stride + dilation * (kernel - 1) + 1 - size, 0);
}

/**
 * Resolve convolution padding to the four sides.
 * - a number pads all sides; [ph, pw] pads ph top and bottom, pw left and right;
 * - 'valid' is no padding;
 * - 'same' keeps P = ceil(H/U): total = max((P-1)*U + dilation*(R-1) + 1 - H, 0), with the
 *   odd unit on the bottom/right (PyTorch's choice for even kernels at stride 1; PyTorch
 *   itself refuses 'same' with stride > 1, dnnkit follows TensorFlow's rule there).
 */
export function resolvePadding(padding: Padding | undefined, H: number, W: number, R: number, S: number,
                               stride: readonly [number, number], dilation: readonly [number, number],
                               where: string): { padTop: number; padBottom: number; padLeft: number; padRight: number } {
  if (padding === 'valid') return { padTop: 0, padBottom: 0, padLeft: 0, padRight: 0 };
  if (padding === 'same') {
    const th = samePadTotal(H, R, stride[0], dilation[0]), tw = samePadTotal(W, S, stride[1], dilation[1]);
    const top = Math.floor(th / 2), left = Math.floor(tw / 2);
    return { padTop: top, padBottom: th - top, padLeft: left, padRight: tw - left };
  }
  if (typeof padding === 'string') {
    throw new Error(`${where}: padding must be a number, [ph, pw], 'same' or 'valid', got ${show(padding)}`);
  }
  const [ph, pw] = pairOf(padding, where, 'padding', 0, 0);
  return { padTop: ph, padBottom: ph, padLeft: pw, padRight: pw };
}

/**
 * Check a conv layer's channel counts and groups (positive integers, groups dividing both).
 * @example checkConvChannels('Conv2d', 32, 64, 32)  // depthwise-style grouping: fine
 */
export function checkConvChannels(where: string, inChannels: number, outChannels: number, groups: number): void {
  checkPositiveInt(where, 'inChannels', inChannels);
  checkPositiveInt(where, 'outChannels', outChannels);
  checkPositiveInt(where, 'groups', groups);
  if (inChannels % groups !== 0) throw new Error(`${where}: inChannels ${inChannels} is not divisible by groups ${groups}`);
  if (outChannels % groups !== 0) throw new Error(`${where}: outChannels ${outChannels} is not divisible by groups ${groups}`);
}

export interface Conv2dShapeOptions {
  stride?: Pair;
  padding?: Padding;
  dilation?: Pair;
  groups?: number;
}

function checkGroups(groups: number | undefined, where: string): number {
  const g = groups ?? 1;
  if (!Number.isInteger(g) || g < 1) throw new Error(`${where}: groups must be an integer >= 1, got ${show(groups)}`);
  return g;
}

function dims4(shape: readonly number[], where: string, arg: string, layout: string): [number, number, number, number] {
  if (shape.length !== 4) throw new Error(`${where}: ${arg} must be 4-D ${layout}, got shape ${formatShape(shape)}`);
  return [shape[0]!, shape[1]!, shape[2]!, shape[3]!];
}

/**
 * The shape parameters of `conv2d(x, w, b, options)` for x [N,C,H,W] and w [M, C/groups, R, S],
 * with every argument checked.
 *
 * @example convShape([1, 3, 227, 227], [96, 3, 11, 11], { stride: 4 })  // { M: 96, P: 55, Q: 55, ... }
 */
export function convShape(xShape: readonly number[], wShape: readonly number[], options: Conv2dShapeOptions = {},
                          where = 'conv2d'): LayerShape {
  const [N, C, H, W] = dims4(xShape, where, 'input', '[N, C, H, W]');
  const [M, Cg, R, S] = dims4(wShape, where, 'weight', '[M, C/groups, R, S]');
  const groups = checkGroups(options.groups, where);
  const stride = pairOf(options.stride, where, 'stride', 1, 1);
  const dilation = pairOf(options.dilation, where, 'dilation', 1, 1);
  if (C !== Cg * groups) {
    throw new Error(`${where}: input has ${C} channels but weight ${formatShape(wShape)} expects ${Cg * groups} (groups=${groups})`);
  }
  if (M % groups !== 0) {
    throw new Error(`${where}: weight ${formatShape(wShape)} has ${M} filters, which groups=${groups} does not divide`);
  }
  const pad = resolvePadding(options.padding, H, W, R, S, stride, dilation, where);
  const P = outputSize(H, R, stride[0], pad.padTop, pad.padBottom, dilation[0]);
  const Q = outputSize(W, S, stride[1], pad.padLeft, pad.padRight, dilation[1]);
  if (P < 1 || Q < 1) {
    throw new Error(`${where}: the filter ${R}x${S} (dilation ${formatShape(dilation)}) is larger than the padded input `
      + `${H + pad.padTop + pad.padBottom}x${W + pad.padLeft + pad.padRight} (input ${formatShape(xShape)})`);
  }
  return {
    kind: 'conv2d', N, C, H, W, R, S, M, P, Q, U: stride[0], strideH: stride[0], strideW: stride[1], ...pad,
    dilationH: dilation[0], dilationW: dilation[1], groups, weights: M * Cg * R * S,
    outputPaddingH: 0, outputPaddingW: 0, ceilMode: false,
  };
}

export interface ConvTranspose2dShapeOptions {
  stride?: Pair;
  padding?: Pair;
  outputPadding?: Pair;
  dilation?: Pair;
  groups?: number;
}

/**
 * The shape parameters of `convTranspose2d(x, w, b, options)` for x [N,C,H,W] and PyTorch's
 * weight layout w [C, M/groups, R, S]; P = (H-1)*U - 2*padH + dilationH*(R-1) + outputPaddingH + 1.
 *
 * @example convTransposeShape([1, 8, 4, 4], [8, 3, 3, 3], { stride: 2, padding: 1, outputPadding: 1 }).P  // 8
 */
export function convTransposeShape(xShape: readonly number[], wShape: readonly number[],
                                   options: ConvTranspose2dShapeOptions = {}, where = 'convTranspose2d'): LayerShape {
  const [N, C, H, W] = dims4(xShape, where, 'input', '[N, C, H, W]');
  const [Cw, Mg, R, S] = dims4(wShape, where, 'weight', '[C, M/groups, R, S]');
  const groups = checkGroups(options.groups, where);
  const stride = pairOf(options.stride, where, 'stride', 1, 1);
  const dilation = pairOf(options.dilation, where, 'dilation', 1, 1);
  if (typeof (options.padding as unknown) === 'string') {
    throw new Error(`${where}: padding must be a number or [ph, pw], got ${show(options.padding)}`);
  }
  const [ph, pw] = pairOf(options.padding, where, 'padding', 0, 0);
  const [oph, opw] = pairOf(options.outputPadding, where, 'outputPadding', 0, 0);
  if (C !== Cw) {
    throw new Error(`${where}: input has ${C} channels but weight ${formatShape(wShape)} expects ${Cw} (weight layout [C, M/groups, R, S])`);
  }
  if (C % groups !== 0) {
    throw new Error(`${where}: input has ${C} channels, which groups=${groups} does not divide`);
  }
  for (const [op, s, d, axis] of [[oph, stride[0], dilation[0], 'height'], [opw, stride[1], dilation[1], 'width']] as const) {
    if (op >= s && op >= d) {
      throw new Error(`${where}: outputPadding ${op} along the ${axis} must be smaller than the stride (${s}) or the dilation (${d})`);
    }
  }
  const M = Mg * groups;
  const P = convTransposeOutputSize(H, R, stride[0], ph, ph, oph, dilation[0]);
  const Q = convTransposeOutputSize(W, S, stride[1], pw, pw, opw, dilation[1]);
  if (P < 1 || Q < 1) {
    throw new Error(`${where}: padding ${formatShape([ph, pw])} crops the whole output (it would be ${P}x${Q}) for input ${formatShape(xShape)} and weight ${formatShape(wShape)}`);
  }
  return {
    kind: 'convTranspose2d', N, C, H, W, R, S, M, P, Q, U: stride[0], strideH: stride[0], strideW: stride[1],
    padTop: ph, padBottom: ph, padLeft: pw, padRight: pw, dilationH: dilation[0], dilationW: dilation[1], groups,
    weights: C * Mg * R * S, outputPaddingH: oph, outputPaddingW: opw, ceilMode: false,
  };
}

/**
 * The shape parameters of `linear(x, w)` for x [..., C] and w [M, C]: an FC layer is a CONV
 * layer with R = H = 1, S = W = 1 on the flattened input, N the product of the leading dims.
 *
 * @example linearShape([32, 4096], [1000, 4096]).weights  // 4096000
 */
export function linearShape(xShape: readonly number[], wShape: readonly number[], where = 'linear'): LayerShape {
  if (xShape.length < 1) throw new Error(`${where}: input must have at least 1 dimension [..., C], got shape ${formatShape(xShape)}`);
  if (wShape.length !== 2) throw new Error(`${where}: weight must be 2-D [M, C], got shape ${formatShape(wShape)}`);
  const C = xShape[xShape.length - 1]!;
  const [M, Cw] = [wShape[0]!, wShape[1]!];
  if (C !== Cw) {
    throw new Error(`${where}: input has ${C} features (last dim of ${formatShape(xShape)}) but weight ${formatShape(wShape)} expects ${Cw}`);
  }
  const N = sizeOf(xShape.slice(0, -1));
  return {
    kind: 'linear', N, C, H: 1, W: 1, R: 1, S: 1, M, P: 1, Q: 1, U: 1, strideH: 1, strideW: 1,
    padTop: 0, padBottom: 0, padLeft: 0, padRight: 0, dilationH: 1, dilationW: 1, groups: 1,
    weights: M * C, outputPaddingH: 0, outputPaddingW: 0, ceilMode: false,
  };
}

export interface Pool2dShapeOptions {
  kernelSize: Pair;
  /** Defaults to kernelSize. */
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
  ceilMode?: boolean;
}

/**
 * The shape parameters of max or average pooling on x [N,C,H,W] (also [C,H,W], N = 1).
 * PyTorch's limits apply: padding at most half the (effective) window.
 *
 * @example poolShape([1, 64, 112, 112], { kernelSize: 3, stride: 2, padding: 1 }, 'maxPool2d').P  // 56
 */
export function poolShape(xShape: readonly number[], options: Pool2dShapeOptions,
                          kind: 'maxPool2d' | 'avgPool2d', where: string = kind): LayerShape {
  if (options === undefined || options === null || typeof options !== 'object') {
    throw new Error(`${where}: options { kernelSize, ... } are required, got ${show(options)}`);
  }
  const [N, C, H, W] = dims4(xShape.length === 3 ? [1, ...xShape] : xShape, where, 'input', '[N, C, H, W] or [C, H, W]');
  const [R, S] = pairOf(options.kernelSize, where, 'kernelSize', 1);
  const stride = options.stride === undefined || (Array.isArray(options.stride) && options.stride.length === 0)
    ? [R, S] as [number, number] : pairOf(options.stride, where, 'stride', 1);
  const [ph, pw] = pairOf(options.padding, where, 'padding', 0, 0);
  const dilation = pairOf(options.dilation, where, 'dilation', 1, 1);
  if (kind === 'avgPool2d' && (dilation[0] !== 1 || dilation[1] !== 1)) {
    throw new Error(`${where}: dilation must be 1 (PyTorch's AvgPool2d has none), got ${show(options.dilation)}`);
  }
  const effR = dilation[0] * (R - 1) + 1, effS = dilation[1] * (S - 1) + 1;
  if (2 * ph > effR || 2 * pw > effS) {
    throw new Error(`${where}: padding ${formatShape([ph, pw])} must be at most half of the window ${effR}x${effS}`
      + `${kind === 'maxPool2d' ? ' (kernelSize with dilation)' : ''}`);
  }
  const ceilMode = options.ceilMode ?? false;
  const P = outputSize(H, R, stride[0], ph, ph, dilation[0], ceilMode);
  const Q = outputSize(W, S, stride[1], pw, pw, dilation[1], ceilMode);
  if (P < 1 || Q < 1) {
    throw new Error(`${where}: the window ${effR}x${effS} is larger than the padded input ${H + 2 * ph}x${W + 2 * pw} (input ${formatShape(xShape)})`);
  }
  return {
    kind, N, C, H, W, R, S, M: C, P, Q, U: stride[0], strideH: stride[0], strideW: stride[1],
    padTop: ph, padBottom: ph, padLeft: pw, padRight: pw, dilationH: dilation[0], dilationW: dilation[1],
    groups: C, weights: 0, outputPaddingH: 0, outputPaddingW: 0, ceilMode,
  };
}

/**
 * PyTorch's adaptive pooling bins along one axis: output i averages input [start, end) with
 * start = floor(i*size/out), end = ceil((i+1)*size/out) (neighbouring bins may overlap by one).
 * @example adaptiveBins(5, 2)  // [[0, 3], [2, 5]]
 */
export function adaptiveBins(size: number, out: number): Array<[number, number]> {
  const b: Array<[number, number]> = [];
  for (let i = 0; i < out; i++) b.push([Math.floor((i * size) / out), Math.ceil(((i + 1) * size) / out)]);
  return b;
}

/**
 * The shape parameters of adaptive average pooling of x [N,C,H,W] (or [C,H,W]) to [P, Q].
 * Bins are PyTorch's [floor(i*H/P), ceil((i+1)*H/P)); when P divides H this is average
 * pooling with R = U = H/P. Otherwise bins differ in size: R is the largest bin and U the
 * floor of H/P (the descriptor is then a bound, for counting, not a uniform window).
 *
 * @example adaptivePoolShape([1, 512, 7, 7], 1).R  // 7 (global average pooling)
 */
export function adaptivePoolShape(xShape: readonly number[], outputSize: Pair, where = 'adaptiveAvgPool2d'): LayerShape {
  const [N, C, H, W] = dims4(xShape.length === 3 ? [1, ...xShape] : xShape, where, 'input', '[N, C, H, W] or [C, H, W]');
  const [P, Q] = pairOf(outputSize, where, 'outputSize', 1);
  if (H < 1 || W < 1) throw new Error(`${where}: input ${formatShape(xShape)} has an empty spatial size`);
  const largestBin = (size: number, out: number): number => Math.max(...adaptiveBins(size, out).map(([a, b]) => b - a));
  const strideH = Math.max(1, Math.floor(H / P)), strideW = Math.max(1, Math.floor(W / Q));
  return {
    kind: 'adaptiveAvgPool2d', N, C, H, W, R: largestBin(H, P), S: largestBin(W, Q), M: C, P, Q,
    U: strideH, strideH, strideW, padTop: 0, padBottom: 0, padLeft: 0, padRight: 0, dilationH: 1, dilationW: 1,
    groups: C, weights: 0, outputPaddingH: 0, outputPaddingW: 0, ceilMode: false,
  };
}

/** The einsum engine's Conv2dParams of a conv2d descriptor. */
export function conv2dParams(s: LayerShape): Conv2dParams {
  return {
    N: s.N, C: s.C, H: s.H, W: s.W, M: s.M, R: s.R, S: s.S, P: s.P, Q: s.Q,
    strideH: s.strideH, strideW: s.strideW, padTop: s.padTop, padLeft: s.padLeft,
    dilationH: s.dilationH, dilationW: s.dilationW, groups: s.groups,
  };
}

/** The einsum engine's ConvTranspose2dParams of a convTranspose2d descriptor. */
export function convTranspose2dParams(s: LayerShape): ConvTranspose2dParams {
  return conv2dParams(s);
}

/** The backends' Pool2dParams of a pooling descriptor. */
export function pool2dParams(s: LayerShape): Pool2dParams {
  return {
    N: s.N, C: s.C, H: s.H, W: s.W, R: s.R, S: s.S, P: s.P, Q: s.Q,
    strideH: s.strideH, strideW: s.strideW, padTop: s.padTop, padLeft: s.padLeft,
    dilationH: s.dilationH, dilationW: s.dilationW,
  };
}
