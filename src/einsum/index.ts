/**
 * The einsum module: dnnkit's notation for layers, and everything derived from it.
 *
 *     O[n,m,p,q] = B[m] + I[n,c,U*p+r,U*q+s] * F[m,c,r,s]
 *
 * `einsum()` evaluates a spec on plain {shape, data} operands (the Tensor class wraps it);
 * the helpers parse, infer ranges, derive gradients, print loop nests, count MACs and build
 * each layer's bound einsum.
 */
import { parse } from './parse.js';
import { compile } from './ranges.js';
import { evaluate } from './interpret.js';

export type { EinsumAst, IndexExpr, Monomial, TensorRef } from './parse.js';
export { parse } from './parse.js';
export type { AffineDim, CompiledEinsum, RangeOptions } from './ranges.js';
export { compile, inferRanges } from './ranges.js';
export type { EinsumLike, InterpretOptions } from './interpret.js';
export { defaultOrder, evaluate, fastOrder, interpret } from './interpret.js';
export { gradientEinsum, gradientSpec } from './grad.js';
export type { LoopNestOptions } from './loopnest.js';
export { printLoopNest } from './loopnest.js';
export type { EinsumCounts } from './count.js';
export { countEinsum, countMacs } from './count.js';
export {
  avgPool2dEinsum, conv2dEinsum, conv2dParamsOf, convOutputSize, convTranspose2dEinsum,
  convTranspose2dParamsOf, convTransposeOutputSize, displayEinsum, displaySpec, linearEinsum, matmulEinsum,
  maxPool2dEinsum, nearestUpsampleEinsum, pool2dParamsOf, zeroInsertEinsum,
} from './layers.js';
export type { BoundEinsum, Conv2dParams, ConvTranspose2dParams, EinsumKind, Pool2dParams } from './types.js';

/** A plain tensor value: row-major float32 data and its shape. */
export interface EinsumOperand {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

export interface EinsumOptions {
  /** Loop order, outermost first (every index once); the result does not depend on it. */
  order?: readonly string[];
  /** Values of the symbolic constants used in the spec (U, PH, ...). */
  constants?: Readonly<Record<string, number>>;
  /** The output shape; inferred (the smallest holding every write) when omitted. */
  outputShape?: readonly number[];
}

/**
 * Evaluate an einsum in dnnkit notation. Indices on the right that are not on the left are
 * summed (or maxed with `max over`); reads outside an operand are zero (padding); writes
 * outside an affine-indexed output are dropped.
 *
 * @example
 *   const I = { shape: [1, 1, 3, 3], data: new Float32Array(9).fill(1) };
 *   const F = { shape: [1, 1, 2, 2], data: new Float32Array(4).fill(1) };
 *   einsum('O[n,m,p,q] = I[n,c,p+r,q+s] * F[m,c,r,s]', { I, F }, { outputShape: [1, 1, 2, 2] })
 *   // { shape: [1, 1, 2, 2], data: Float32Array [4, 4, 4, 4] }
 */
export function einsum(spec: string, operands: Readonly<Record<string, EinsumOperand>>,
                       options: EinsumOptions = {}): { shape: number[]; data: Float32Array } {
  const shapes: Record<string, readonly number[]> = {};
  const data: Record<string, Float32Array> = {};
  for (const [name, t] of Object.entries(operands)) {
    shapes[name] = t.shape;
    data[name] = t.data;
  }
  const outName = parse(spec).output.name;
  if (options.outputShape) shapes[outName] = options.outputShape;
  const c = compile(spec, shapes, options.constants ?? {});
  return { shape: [...c.shapes[outName]!], data: evaluate(c, data, options.order) };
}
