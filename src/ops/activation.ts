/**
 * Activations. The element-wise ones are `unaryOp`s (src/ops/elementwise.ts): the backend
 * computes them and their derivative. Derivatives at the kinks are PyTorch's, and pinned by
 * tests: relu'(0) = 0, leakyRelu'(0) = negativeSlope, elu'(0) = alpha, relu6'(0) = relu6'(6) = 0,
 * hardswish'(-3) = -0.5 and hardswish'(3) = 1.5, hardsigmoid'(±3) = 0.
 *
 * softmax and logSoftmax subtract the maximum along `dim` before exponentiating, so large
 * logits do not overflow; their gradients are written out here:
 *   softmax:    dx = y * (dy - sum(dy * y))
 *   logSoftmax: dx = dy - exp(y) * sum(dy)
 */
import { Tensor } from '../tensor/tensor.js';
import { normalizeDim, sizeOf } from '../tensor/shape.js';
import { recordOp } from '../autograd/graph.js';
import { unaryOp } from './elementwise.js';
import { checkTensor } from './util.js';

function checkNumber(value: number, where: string, arg: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(`${where}: ${arg} must be a finite number, got ${String(value)}`);
}

/** max(x, 0). @example F.relu(tensor([-1, 0, 2]))  // [0, 0, 2] */
export const relu = (x: Tensor): Tensor => unaryOp('relu', x);
/** 1 / (1 + exp(-x)). */
export const sigmoid = (x: Tensor): Tensor => unaryOp('sigmoid', x);
/** Hyperbolic tangent. */
export const tanh = (x: Tensor): Tensor => unaryOp('tanh', x);
/** min(max(x, 0), 6) (MobileNet). */
export const relu6 = (x: Tensor): Tensor => unaryOp('relu6', x);
/** x * relu6(x + 3) / 6 (MobileNetV3). */
export const hardswish = (x: Tensor): Tensor => unaryOp('hardswish', x);
/** relu6(x + 3) / 6. */
export const hardsigmoid = (x: Tensor): Tensor => unaryOp('hardsigmoid', x);
/** x * sigmoid(x) (also called swish). */
export const silu = (x: Tensor): Tensor => unaryOp('silu', x);

/** x for x > 0, negativeSlope * x otherwise. @example F.leakyRelu(x, 0.2) */
export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  checkNumber(negativeSlope, 'leakyRelu', 'negativeSlope');
  return unaryOp('leakyRelu', x, negativeSlope);
}

/** x for x > 0, alpha * (exp(x) - 1) otherwise. @example F.elu(x) */
export function elu(x: Tensor, alpha = 1): Tensor {
  checkNumber(alpha, 'elu', 'alpha');
  return unaryOp('elu', x, alpha);
}

/** Visit every 1-D slice along `axis`: base offset, stride between its elements, length. */
function forEachLine(shape: readonly number[], axis: number, visit: (base: number, stride: number, len: number) => void): void {
  const len = shape[axis]!;
  const inner = sizeOf(shape.slice(axis + 1));
  const outer = sizeOf(shape.slice(0, axis));
  for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) visit(o * len * inner + i, inner, len);
}

/**
 * Stable log-softmax data: x - max - log(sum(exp(x - max))). A row of only -infinity gives
 * NaN, as in PyTorch (there is no distribution to normalise).
 */
function logSoftmaxData(x: Tensor, axis: number): Float32Array {
  const y = new Float32Array(x.size);
  const d = x.data;
  forEachLine(x.shape, axis, (base, stride, len) => {
    let m = -Infinity;
    for (let k = 0; k < len; k++) m = Math.max(m, d[base + k * stride]!);
    let s = 0;
    for (let k = 0; k < len; k++) s += Math.exp(d[base + k * stride]! - m);
    const lse = m + Math.log(s);
    for (let k = 0; k < len; k++) y[base + k * stride] = d[base + k * stride]! - lse;
  });
  return y;
}

function axisOf(x: Tensor, dim: number, where: string): number {
  checkTensor(x, where, 'input');
  if (x.ndim === 0) throw new Error(`${where}: input must have at least 1 dimension, got a scalar`);
  return normalizeDim(dim, x.ndim, where);
}

/**
 * exp(x) / sum(exp(x)) along `dim` (default the last).
 * @example F.softmax(tensor([[1, 2, 3]]))  // [[0.090, 0.245, 0.665]]
 */
export function softmax(x: Tensor, dim = -1): Tensor {
  const axis = axisOf(x, dim, 'softmax');
  const y = logSoftmaxData(x, axis);
  for (let i = 0; i < y.length; i++) y[i] = Math.exp(y[i]!);
  const out = new Tensor(y, x.shape);
  return recordOp(out, 'softmax', [x], (g) => {
    const dx = new Float32Array(x.size);
    forEachLine(x.shape, axis, (base, stride, len) => {
      let dot = 0;
      for (let k = 0; k < len; k++) dot += g.data[base + k * stride]! * y[base + k * stride]!;
      for (let k = 0; k < len; k++) {
        const j = base + k * stride;
        dx[j] = y[j]! * (g.data[j]! - dot);
      }
    });
    return [new Tensor(dx, x.shape)];
  });
}

/**
 * log(softmax(x)) along `dim`, computed without forming softmax (no underflow to log(0)).
 * @example F.logSoftmax(logits, 1)
 */
export function logSoftmax(x: Tensor, dim = -1): Tensor {
  const axis = axisOf(x, dim, 'logSoftmax');
  const y = logSoftmaxData(x, axis);
  const out = new Tensor(y, x.shape);
  return recordOp(out, 'logSoftmax', [x], (g) => {
    const dx = new Float32Array(x.size);
    forEachLine(x.shape, axis, (base, stride, len) => {
      let total = 0;
      for (let k = 0; k < len; k++) total += g.data[base + k * stride]!;
      for (let k = 0; k < len; k++) {
        const j = base + k * stride;
        dx[j] = g.data[j]! - Math.exp(y[j]!) * total;
      }
    });
    return [new Tensor(dx, x.shape)];
  });
}
