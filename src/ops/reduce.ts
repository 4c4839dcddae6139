/** Reductions over all elements or given dims: sum, mean, max, argmax. */
import { Tensor } from '../tensor/tensor.js';
import { normalizeDim, sizeOf } from '../tensor/shape.js';
import { recordOp } from '../autograd/graph.js';
import { getBackend } from '../backends/registry.js';
import { checkTensor, expandTo } from './util.js';

/** Normalise a dim argument to sorted unique axes (all axes when undefined). */
function axesOf(x: Tensor, dim: number | readonly number[] | undefined, where: string): number[] {
  if (dim === undefined) return x.shape.map((_, i) => i);
  const list = typeof dim === 'number' ? [dim] : [...dim];
  const axes = [...new Set(list.map((d) => normalizeDim(d, x.ndim, where)))];
  return axes.sort((a, b) => a - b);
}

function reducedShape(shape: readonly number[], axes: readonly number[], keepDim: boolean): number[] {
  return keepDim ? shape.map((d, i) => (axes.includes(i) ? 1 : d)) : shape.filter((_, i) => !axes.includes(i));
}

/**
 * Sum over all elements, or over `dim` (a dim or list of dims).
 * @example x.sum(); x.sum(1); x.sum([0, 2], true)
 */
export function sum(x: Tensor, dim?: number | readonly number[], keepDim = false): Tensor {
  checkTensor(x, 'sum', 'input');
  const axes = axesOf(x, dim, 'sum');
  const kept = reducedShape(x.shape, axes, true);
  const out = new Tensor(getBackend().sum(x.data, x.shape, axes), reducedShape(x.shape, axes, keepDim));
  return recordOp(out, 'sum', [x], (g) => [expandTo(new Tensor(g.data, kept), x.shape)]);
}

/** Mean over all elements or over `dim`. */
export function mean(x: Tensor, dim?: number | readonly number[], keepDim = false): Tensor {
  checkTensor(x, 'mean', 'input');
  const axes = axesOf(x, dim, 'mean');
  const count = axes.reduce((n, a) => n * x.shape[a]!, 1);
  const s = sum(x, dim, keepDim);
  return s.div(count);
}

/** Position of each reduced group's elements: returns, per output, the flat input indices. */
function forEachGroup(x: Tensor, dim: number, visit: (out: number, base: number, stride: number, len: number) => void): void {
  const len = x.shape[dim]!;
  const inner = sizeOf(x.shape.slice(dim + 1));
  const outer = sizeOf(x.shape.slice(0, dim));
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) visit(o * inner + i, o * len * inner + i, inner, len);
  }
}

/** Index of the first maximum in each group (NaN counts as the maximum, as in PyTorch). */
function argmaxIndices(x: Tensor, dim: number): Int32Array {
  const outSize = x.size / (x.shape[dim] || 1);
  const idx = new Int32Array(outSize);
  const d = x.data;
  forEachGroup(x, dim, (out, base, stride, len) => {
    let best = -Infinity, at = 0;
    for (let k = 0; k < len; k++) {
      const v = d[base + k * stride]!;
      if (v !== v) { at = k; break; }
      if (v > best || k === 0) { best = v; at = k; }
    }
    idx[out] = at;
  });
  return idx;
}

/**
 * Maximum over all elements, or the maximum values along `dim`.
 * Gradient: along a dim it goes to the selected element; over all elements it is shared
 * evenly among the tied maxima (PyTorch's rule for max()).
 */
export function max(x: Tensor, dim?: number, keepDim = false): Tensor {
  checkTensor(x, 'max', 'input');
  if (x.size === 0) throw new Error(`max: input of shape [${x.shape.join(',')}] is empty`);
  if (dim === undefined) {
    let m = -Infinity;
    for (const v of x.data) { if (v !== v) { m = NaN; break; } if (v > m) m = v; }
    const out = new Tensor(Float32Array.of(m), keepDim ? x.shape.map(() => 1) : []);
    return recordOp(out, 'max', [x], (g) => {
      let ties = 0;
      for (const v of x.data) if (v === m) ties++;
      const gx = new Float32Array(x.size);
      const share = g.data[0]! / Math.max(ties, 1);
      x.data.forEach((v, i) => { if (v === m) gx[i] = share; });
      return [new Tensor(gx, x.shape)];
    });
  }
  const axis = normalizeDim(dim, x.ndim, 'max');
  const idx = argmaxIndices(x, axis);
  const values = new Float32Array(idx.length);
  forEachGroup(x, axis, (out, base, stride) => { values[out] = x.data[base + idx[out]! * stride]!; });
  const out = new Tensor(values, reducedShape(x.shape, [axis], keepDim));
  return recordOp(out, 'max', [x], (g) => {
    const gx = new Float32Array(x.size);
    forEachGroup(x, axis, (o, base, stride) => { gx[base + idx[o]! * stride] = g.data[o]!; });
    return [new Tensor(gx, x.shape)];
  });
}

/** Index of the maximum (flat over all elements, or along `dim`), as float32 values. */
export function argmax(x: Tensor, dim?: number, keepDim = false): Tensor {
  checkTensor(x, 'argmax', 'input');
  if (x.size === 0) throw new Error(`argmax: input of shape [${x.shape.join(',')}] is empty`);
  if (dim === undefined) {
    const flat = new Tensor(x.data, [x.size]);
    return new Tensor(Float32Array.from(argmaxIndices(flat, 0)), keepDim ? x.shape.map(() => 1) : []);
  }
  const axis = normalizeDim(dim, x.ndim, 'argmax');
  return new Tensor(Float32Array.from(argmaxIndices(x, axis)), reducedShape(x.shape, [axis], keepDim));
}
