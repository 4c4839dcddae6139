/**
 * Element-wise arithmetic with NumPy/PyTorch broadcasting, and its gradients: each op's
 * gradient rule stands next to its forward.
 */
import { Tensor } from '../tensor/tensor.js';
import { broadcastShapes } from '../tensor/shape.js';
import { recordOp } from '../autograd/graph.js';
import { getBackend } from '../backends/registry.js';
import type { BinaryOp, UnaryOp } from '../backends/backend.js';
import { asTensor, checkTensor, expandTo, sumToShape } from './util.js';

function binaryForward(op: BinaryOp, a: Tensor, b: Tensor, where: string): Tensor {
  const shape = broadcastShapes(a.shape, b.shape, where);
  return new Tensor(getBackend().binary(op, a.data, a.shape, b.data, b.shape, shape), shape);
}

function raw(op: BinaryOp, a: Tensor, b: Tensor): Tensor {
  return binaryForward(op, a, b, op);
}

/** a + b. @example tensor([1, 2]).add(1) // [2, 3] */
export function add(a: Tensor | number, b: Tensor | number): Tensor {
  const A = asTensor(a, 'add'), B = asTensor(b, 'add');
  const out = binaryForward('add', A, B, 'add');
  return recordOp(out, 'add', [A, B], (g) => [sumToShape(g, A.shape), sumToShape(g, B.shape)]);
}

/** a - b. */
export function sub(a: Tensor | number, b: Tensor | number): Tensor {
  const A = asTensor(a, 'sub'), B = asTensor(b, 'sub');
  const out = binaryForward('sub', A, B, 'sub');
  return recordOp(out, 'sub', [A, B], (g) => [
    sumToShape(g, A.shape),
    B.requiresGrad ? sumToShape(neg(g), B.shape) : null,
  ]);
}

/** a * b. */
export function mul(a: Tensor | number, b: Tensor | number): Tensor {
  const A = asTensor(a, 'mul'), B = asTensor(b, 'mul');
  const out = binaryForward('mul', A, B, 'mul');
  return recordOp(out, 'mul', [A, B], (g) => [
    A.requiresGrad ? sumToShape(raw('mul', g, B), A.shape) : null,
    B.requiresGrad ? sumToShape(raw('mul', g, A), B.shape) : null,
  ]);
}

/** a / b. */
export function div(a: Tensor | number, b: Tensor | number): Tensor {
  const A = asTensor(a, 'div'), B = asTensor(b, 'div');
  const out = binaryForward('div', A, B, 'div');
  return recordOp(out, 'div', [A, B], (g) => [
    A.requiresGrad ? sumToShape(raw('div', g, B), A.shape) : null,
    // d(a/b)/db = -a/b^2 = -out/b
    B.requiresGrad ? sumToShape(neg(raw('div', raw('mul', g, out), B)), B.shape) : null,
  ]);
}

/** a ** b: a number exponent is a unary op; a tensor exponent broadcasts. */
export function pow(a: Tensor | number, b: Tensor | number): Tensor {
  if (typeof b === 'number') {
    const A = asTensor(a, 'pow');
    return unaryOp('pow', A, b);
  }
  const A = asTensor(a, 'pow'), B = asTensor(b, 'pow');
  const out = binaryForward('pow', A, B, 'pow');
  return recordOp(out, 'pow', [A, B], (g) => [
    A.requiresGrad ? sumToShape(raw('mul', g, raw('mul', B, raw('pow', A, raw('sub', B, new Tensor(Float32Array.of(1), []))))), A.shape) : null,
    B.requiresGrad ? sumToShape(raw('mul', g, raw('mul', out, unaryRaw('log', A))), B.shape) : null,
  ]);
}

/** Element-wise maximum; at ties each side gets half the gradient (as torch.maximum). */
export function maximum(a: Tensor | number, b: Tensor | number): Tensor {
  return extremum('maximum', a, b);
}

/** Element-wise minimum; at ties each side gets half the gradient (as torch.minimum). */
export function minimum(a: Tensor | number, b: Tensor | number): Tensor {
  return extremum('minimum', a, b);
}

function extremum(op: 'maximum' | 'minimum', a: Tensor | number, b: Tensor | number): Tensor {
  const A = asTensor(a, op), B = asTensor(b, op);
  const out = binaryForward(op, A, B, op);
  return recordOp(out, op, [A, B], (g) => {
    const shape = g.shape;
    const ea = expandTo(A, shape).data;
    const eb = expandTo(B, shape).data;
    const ga = new Float32Array(g.size), gb = new Float32Array(g.size);
    for (let i = 0; i < g.size; i++) {
      const x = ea[i]!, y = eb[i]!, gi = g.data[i]!;
      const aWins = op === 'maximum' ? x > y : x < y;
      if (x === y) { ga[i] = gi / 2; gb[i] = gi / 2; } else if (aWins) ga[i] = gi; else gb[i] = gi;
    }
    return [sumToShape(new Tensor(ga, shape), A.shape), sumToShape(new Tensor(gb, shape), B.shape)];
  });
}

function unaryRaw(op: UnaryOp, x: Tensor, alpha = 0): Tensor {
  return new Tensor(getBackend().unary(op, x.data, alpha), x.shape);
}

/**
 * Apply an element-wise function with its derivative (shared by arithmetic and activations).
 * `alpha` is the op's scalar parameter (slope, exponent).
 */
export function unaryOp(op: UnaryOp, x: Tensor, alpha = 0): Tensor {
  checkTensor(x, op, 'input');
  const out = unaryRaw(op, x, alpha);
  return recordOp(out, op, [x], (g) => [
    new Tensor(getBackend().unaryGrad(op, x.data, out.data, g.data, alpha), x.shape),
  ]);
}

/** -x. @example F.neg(tensor([1, -2]))  // [-1, 2] */
export const neg = (x: Tensor): Tensor => unaryOp('neg', x);
/** e^x. @example F.exp(tensor([0]))  // [1] */
export const exp = (x: Tensor): Tensor => unaryOp('exp', x);
/** Natural logarithm (-Infinity at 0, NaN below). @example F.log(tensor([1]))  // [0] */
export const log = (x: Tensor): Tensor => unaryOp('log', x);
/** Square root (NaN below 0). @example F.sqrt(tensor([4]))  // [2] */
export const sqrt = (x: Tensor): Tensor => unaryOp('sqrt', x);
/** |x|; its gradient at 0 is 0, as in PyTorch. @example F.abs(tensor([-3]))  // [3] */
export const abs = (x: Tensor): Tensor => unaryOp('abs', x);
