/**
 * Reference element-wise kernels: activations and their derivatives, broadcasting binary ops.
 * Derivatives at the kinks follow PyTorch exactly (relu'(0) = 0, relu6'(0) = relu6'(6) = 0,
 * leakyRelu'(0) = slope, hardswish'(±3) from the middle piece, hardsigmoid'(±3) = 0).
 */
import type { BinaryOp, UnaryOp } from '../backend.js';
import { sizeOf, stridesOf } from '../../tensor/shape.js';

function sigmoid(x: number): number {
  // Two branches keep exp() from overflowing for large |x|.
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

export function unary(op: UnaryOp, x: Float32Array, alpha: number): Float32Array {
  const y = new Float32Array(x.length);
  const n = x.length;
  switch (op) {
    case 'neg': for (let i = 0; i < n; i++) y[i] = -x[i]!; break;
    case 'exp': for (let i = 0; i < n; i++) y[i] = Math.exp(x[i]!); break;
    case 'log': for (let i = 0; i < n; i++) y[i] = Math.log(x[i]!); break;
    case 'sqrt': for (let i = 0; i < n; i++) y[i] = Math.sqrt(x[i]!); break;
    case 'abs': for (let i = 0; i < n; i++) y[i] = Math.abs(x[i]!); break;
    case 'pow': for (let i = 0; i < n; i++) y[i] = Math.pow(x[i]!, alpha); break;
    case 'relu': for (let i = 0; i < n; i++) { const v = x[i]!; y[i] = v > 0 ? v : 0; } break;
    case 'sigmoid': for (let i = 0; i < n; i++) y[i] = sigmoid(x[i]!); break;
    case 'tanh': for (let i = 0; i < n; i++) y[i] = Math.tanh(x[i]!); break;
    case 'leakyRelu': for (let i = 0; i < n; i++) { const v = x[i]!; y[i] = v > 0 ? v : alpha * v; } break;
    case 'elu': for (let i = 0; i < n; i++) { const v = x[i]!; y[i] = v > 0 ? v : alpha * Math.expm1(v); } break;
    case 'relu6': for (let i = 0; i < n; i++) { const v = x[i]!; y[i] = v <= 0 ? 0 : v >= 6 ? 6 : v; } break;
    case 'hardswish': for (let i = 0; i < n; i++) { const v = x[i]!; y[i] = v <= -3 ? 0 : v >= 3 ? v : (v * (v + 3)) / 6; } break;
    case 'hardsigmoid': for (let i = 0; i < n; i++) { const v = x[i]!; y[i] = v <= -3 ? 0 : v >= 3 ? 1 : v / 6 + 0.5; } break;
    case 'silu': for (let i = 0; i < n; i++) { const v = x[i]!; y[i] = v * sigmoid(v); } break;
    default: throw new Error(`unary: unknown op '${op as string}'`);
  }
  return y;
}

export function unaryGrad(op: UnaryOp, x: Float32Array, y: Float32Array, dy: Float32Array, alpha: number): Float32Array {
  const dx = new Float32Array(x.length);
  const n = x.length;
  switch (op) {
    case 'neg': for (let i = 0; i < n; i++) dx[i] = -dy[i]!; break;
    case 'exp': for (let i = 0; i < n; i++) dx[i] = dy[i]! * y[i]!; break;
    case 'log': for (let i = 0; i < n; i++) dx[i] = dy[i]! / x[i]!; break;
    case 'sqrt': for (let i = 0; i < n; i++) dx[i] = dy[i]! / (2 * y[i]!); break;
    case 'abs': for (let i = 0; i < n; i++) dx[i] = dy[i]! * Math.sign(x[i]!); break;
    case 'pow': for (let i = 0; i < n; i++) dx[i] = alpha === 0 ? 0 : dy[i]! * alpha * Math.pow(x[i]!, alpha - 1); break;
    case 'relu': for (let i = 0; i < n; i++) dx[i] = x[i]! > 0 ? dy[i]! : 0; break;
    case 'sigmoid': for (let i = 0; i < n; i++) { const s = y[i]!; dx[i] = dy[i]! * s * (1 - s); } break;
    case 'tanh': for (let i = 0; i < n; i++) { const t = y[i]!; dx[i] = dy[i]! * (1 - t * t); } break;
    case 'leakyRelu': for (let i = 0; i < n; i++) dx[i] = x[i]! > 0 ? dy[i]! : dy[i]! * alpha; break;
    case 'elu': for (let i = 0; i < n; i++) { const v = x[i]!; dx[i] = v > 0 ? dy[i]! : dy[i]! * alpha * Math.exp(v); } break;
    case 'relu6': for (let i = 0; i < n; i++) { const v = x[i]!; dx[i] = v > 0 && v < 6 ? dy[i]! : 0; } break;
    case 'hardswish': for (let i = 0; i < n; i++) { const v = x[i]!; dx[i] = v < -3 ? 0 : v <= 3 ? dy[i]! * (v / 3 + 0.5) : dy[i]!; } break;
    case 'hardsigmoid': for (let i = 0; i < n; i++) { const v = x[i]!; dx[i] = v > -3 && v < 3 ? dy[i]! / 6 : 0; } break;
    case 'silu': for (let i = 0; i < n; i++) { const v = x[i]!; const s = sigmoid(v); dx[i] = dy[i]! * s * (1 + v * (1 - s)); } break;
    default: throw new Error(`unaryGrad: unknown op '${op as string}'`);
  }
  return dx;
}

function apply(op: BinaryOp): (a: number, b: number) => number {
  switch (op) {
    case 'add': return (a, b) => a + b;
    case 'sub': return (a, b) => a - b;
    case 'mul': return (a, b) => a * b;
    case 'div': return (a, b) => a / b;
    case 'pow': return (a, b) => Math.pow(a, b);
    // NaN propagates, as torch.maximum/minimum do.
    case 'maximum': return (a, b) => (a !== a || b !== b ? NaN : a > b ? a : b);
    case 'minimum': return (a, b) => (a !== a || b !== b ? NaN : a < b ? a : b);
  }
}

/** Strides of `shape` aligned right against `outShape`, 0 where the dimension broadcasts. */
function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const s = stridesOf(shape);
  const out = new Array<number>(outShape.length).fill(0);
  for (let i = 0; i < shape.length; i++) {
    const j = outShape.length - shape.length + i;
    out[j] = shape[i] === 1 ? 0 : s[i]!;
  }
  return out;
}

export function binary(op: BinaryOp, a: Float32Array, aShape: readonly number[], b: Float32Array,
                       bShape: readonly number[], outShape: readonly number[]): Float32Array {
  const n = sizeOf(outShape);
  const out = new Float32Array(n);
  const f = apply(op);
  // Fast paths: equal sizes (no broadcasting) and a scalar on either side.
  if (a.length === n && b.length === n) {
    if (op === 'add') for (let i = 0; i < n; i++) out[i] = a[i]! + b[i]!;
    else if (op === 'mul') for (let i = 0; i < n; i++) out[i] = a[i]! * b[i]!;
    else if (op === 'sub') for (let i = 0; i < n; i++) out[i] = a[i]! - b[i]!;
    else for (let i = 0; i < n; i++) out[i] = f(a[i]!, b[i]!);
    return out;
  }
  if (b.length === 1 && a.length === n) { const v = b[0]!; for (let i = 0; i < n; i++) out[i] = f(a[i]!, v); return out; }
  if (a.length === 1 && b.length === n) { const v = a[0]!; for (let i = 0; i < n; i++) out[i] = f(v, b[i]!); return out; }
  // General case: odometer over the output with per-operand strides (0 where broadcast);
  // the innermost dimension runs as a plain loop.
  const rank = outShape.length;
  const sa = broadcastStrides(aShape, outShape), sb = broadcastStrides(bShape, outShape);
  const inner = outShape[rank - 1]!, ia = sa[rank - 1]!, ib = sb[rank - 1]!;
  const idx = new Array<number>(rank).fill(0);
  let offA = 0, offB = 0;
  for (let o = 0; o < n; o += inner) {
    for (let k = 0, pa = offA, pb = offB; k < inner; k++, pa += ia, pb += ib) out[o + k] = f(a[pa]!, b[pb]!);
    for (let d = rank - 2; d >= 0; d--) {
      idx[d]!++;
      offA += sa[d]!; offB += sb[d]!;
      if (idx[d]! < outShape[d]!) break;
      offA -= sa[d]! * idx[d]!; offB -= sb[d]! * idx[d]!;
      idx[d] = 0;
    }
  }
  return out;
}
