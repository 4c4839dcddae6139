/**
 * The window attributes of Conv, ConvTranspose, MaxPool and AveragePool as the ONNX operator
 * specs define them: kernel_shape, strides, dilations, pads ([x1_begin, x2_begin, x1_end,
 * x2_end]) and auto_pad (NOTSET, SAME_UPPER, SAME_LOWER, VALID), for 2-D windows.
 */
import { OnnxError } from '../errors.js';
import { samePadTotal } from '../../../ops/conv-shape.js';
import { convOutputSize, convTransposeOutputSize } from '../../../einsum/layers.js';
import type { OnnxNode } from './types.js';

export interface Window {
  kernel: [number, number] | undefined;
  strides: [number, number];
  dilations: [number, number];
  /** Explicit pads [top, left, bottom, right] (NOTSET) */
  pads: [number, number, number, number];
  autoPad: 'NOTSET' | 'SAME_UPPER' | 'SAME_LOWER' | 'VALID';
}

function pair(node: OnnxNode, name: string, v: number[] | undefined, fallback: number, min: number): [number, number] {
  if (v === undefined) return [fallback, fallback];
  if (v.length !== 2) throw new OnnxError(`${node.label}: attribute '${name}' must have 2 values (2-D windows), got [${v.join(',')}]`);
  for (const x of v) {
    if (!Number.isSafeInteger(x) || x < min || x > 1 << 20) {
      throw new OnnxError(`${node.label}: attribute '${name}' values must be integers >= ${min}, got [${v.join(',')}]`);
    }
  }
  return [v[0]!, v[1]!];
}

export function readWindow(node: OnnxNode): Window {
  const a = node.attrs;
  const kernelAttr = a.ints('kernel_shape');
  const kernel = kernelAttr === undefined ? undefined : pair(node, 'kernel_shape', kernelAttr, 1, 1);
  const strides = pair(node, 'strides', a.ints('strides'), 1, 1);
  const dilations = pair(node, 'dilations', a.ints('dilations'), 1, 1);
  const padsAttr = a.ints('pads');
  let pads: [number, number, number, number] = [0, 0, 0, 0];
  if (padsAttr !== undefined) {
    if (padsAttr.length !== 4) throw new OnnxError(`${node.label}: attribute 'pads' must have 4 values [top, left, bottom, right], got [${padsAttr.join(',')}]`);
    for (const p of padsAttr) {
      if (!Number.isSafeInteger(p) || p < 0 || p > 1 << 20) throw new OnnxError(`${node.label}: attribute 'pads' values must be integers >= 0, got [${padsAttr.join(',')}]`);
    }
    pads = [padsAttr[0]!, padsAttr[1]!, padsAttr[2]!, padsAttr[3]!];
  }
  const autoPad = a.string('auto_pad', 'NOTSET');
  if (!['NOTSET', 'SAME_UPPER', 'SAME_LOWER', 'VALID'].includes(autoPad)) {
    throw new OnnxError(`${node.label}: auto_pad '${autoPad}' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID`);
  }
  return { kernel, strides, dilations, pads, autoPad: autoPad as Window['autoPad'] };
}

/**
 * The pads [top, left, bottom, right] for an input of spatial size [H, W]: explicit ones, or
 * what SAME_UPPER / SAME_LOWER give (output = ceil(in / stride); the odd unit at the end for
 * SAME_UPPER, at the beginning for SAME_LOWER), or none for VALID.
 */
export function resolvePads(w: Window, kernel: [number, number], H: number, W: number): [number, number, number, number] {
  if (w.autoPad === 'NOTSET') return w.pads;
  if (w.autoPad === 'VALID') return [0, 0, 0, 0];
  const th = samePadTotal(H, kernel[0], w.strides[0], w.dilations[0]);
  const tw = samePadTotal(W, kernel[1], w.strides[1], w.dilations[1]);
  const small = [Math.floor(th / 2), Math.floor(tw / 2)];
  const big = [th - small[0]!, tw - small[1]!];
  return w.autoPad === 'SAME_UPPER'
    ? [small[0]!, small[1]!, big[0]!, big[1]!]
    : [big[0]!, big[1]!, small[0]!, small[1]!];
}

/** Pads that do not depend on the input size (so a layer module can hold them), or null. */
export function staticPads(w: Window, kernel: [number, number]): [number, number, number, number] | null {
  if (w.autoPad === 'NOTSET' || w.autoPad === 'VALID') return resolvePads(w, kernel, 1, 1);
  // At stride 1, SAME pads total (k-1)*d whatever the input size.
  if (w.strides[0] === 1 && w.strides[1] === 1) return resolvePads(w, kernel, 1, 1);
  return null;
}

/** [ph, pw] when top = bottom and left = right, else null. */
export function symmetric(p: readonly [number, number, number, number]): [number, number] | null {
  return p[0] === p[2] && p[1] === p[3] ? [p[0], p[1]] : null;
}

/**
 * The largest output extent of a window op along one axis (ceil mode may add one): used to
 * refuse, before anything is allocated, a node whose attributes would make a huge tensor.
 */
export function windowExtent(size: number, kernel: number, stride: number, dilation: number, padTotal: number): number {
  return Math.max(0, convOutputSize(size, kernel, stride, padTotal, 0, dilation) + 1);
}

/** Extent of a transposed convolution's full output along one axis. */
export function transposedExtent(size: number, kernel: number, stride: number, dilation: number, outputPadding: number): number {
  return Math.max(0, convTransposeOutputSize(size, kernel, stride, 0, 0, outputPadding, dilation));
}
