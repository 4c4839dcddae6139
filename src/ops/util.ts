/** Small helpers shared by the op modules. */
import { Tensor } from '../tensor/tensor.js';
import { formatShape, sameShape, type Shape, sizeOf } from '../tensor/shape.js';
import { getBackend } from '../backends/registry.js';

/** Accept a number where a tensor operand is allowed (a scalar tensor, no gradient). */
export function asTensor(value: Tensor | number, where: string): Tensor {
  if (value instanceof Tensor) return value;
  if (typeof value === 'number') return new Tensor(Float32Array.of(value), []);
  throw new Error(`${where}: expected a Tensor or a number, got ${describe(value)}`);
}

/** Check an argument is a Tensor, naming the op and the argument otherwise. */
export function checkTensor(value: unknown, where: string, arg: string): asserts value is Tensor {
  if (!(value instanceof Tensor)) throw new Error(`${where}: ${arg} must be a Tensor, got ${describe(value)}`);
}

/**
 * Check a count-like argument (channels, features, steps) is an integer >= 1, naming the
 * function and the argument otherwise; returns it.
 * @example checkPositiveInt('Linear', 'inFeatures', 784)  // 784
 */
export function checkPositiveInt(where: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new Error(`${where}: ${name} must be a positive integer, got ${String(v)}`);
  return v;
}

/**
 * Check an optional bias is a [M] tensor; returns it, or undefined when absent (null/undefined).
 * @example checkBias(zeros([16]), 16, 'conv2d', 'output channel')
 */
export function checkBias(b: Tensor | null | undefined, M: number, where: string, per: string): Tensor | undefined {
  if (b === undefined || b === null) return undefined;
  checkTensor(b, where, 'bias');
  if (b.ndim !== 1 || b.shape[0] !== M) {
    throw new Error(`${where}: bias must have shape [${M}] (one per ${per}), got ${formatShape(b.shape)}`);
  }
  return b;
}

/** A short description of any argument, for "got ..." in error messages. @example describe([1, 2])  // 'array [1,2]' */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (value instanceof Tensor) return `Tensor${formatShape(value.shape)}`;
  if (Array.isArray(value)) return `array [${value.slice(0, 6).join(',')}${value.length > 6 ? ',...' : ''}]`;
  if (typeof value === 'object') return value.constructor?.name ?? 'object';
  return `${typeof value} ${String(value)}`;
}

/**
 * Sum a broadcast gradient back to the shape of the operand it came from: the reverse of
 * broadcasting (sum over leading dims and over dims that were 1).
 */
export function sumToShape(g: Tensor, shape: Shape): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.ndim - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.ndim; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  }
  const data = axes.length ? getBackend().sum(g.data, g.shape, axes) : g.data;
  return new Tensor(data, shape);
}

/** Broadcast t's data to `shape` (a materialised copy). */
export function expandTo(t: Tensor, shape: Shape): Tensor {
  if (sameShape(t.shape, shape)) return t;
  const zeros = new Float32Array(sizeOf(shape));
  return new Tensor(getBackend().binary('add', zeros, shape, t.data, t.shape, shape), shape);
}
