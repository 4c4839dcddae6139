/**
 * Work and data counts of an einsum, the numbers a hardware designer sizes things with.
 *
 * MACs are the size of the iteration space: the product of every index extent, exactly what
 * the naive loop nest executes — no shortcut for zeros, padding or inserted zeros, so the
 * count does not depend on data and matches the textbook (AlexNet conv1: 105,415,200).
 */
import { compile } from './ranges.js';
import type { BoundEinsum } from './types.js';
import { sizeOf } from '../tensor/shape.js';

export interface EinsumCounts {
  /** Multiply-accumulates (sum reduction): the iteration-space size; 0 for max. */
  macs: number;
  /** Comparisons (max reduction): the iteration-space size; 0 for a sum. */
  comparisons: number;
  /** Points of the iteration space. */
  iterations: number;
  /** Additions of the bias: one per output element (0 without a bias). */
  biasAdds: number;
  /** Elements of every tensor, the output included. */
  elements: Record<string, number>;
  /** Extent of every index. */
  extents: Record<string, number>;
}

/**
 * All counts of a bound einsum.
 *
 * @example
 *   countEinsum(conv2dEinsum({ N: 1, C: 3, H: 227, W: 227, M: 96, R: 11, S: 11, P: 55, Q: 55,
 *     strideH: 4, strideW: 4, padTop: 0, padLeft: 0, dilationH: 1, dilationW: 1, groups: 1 })).macs
 *   // 105415200
 */
export function countEinsum(e: Pick<BoundEinsum, 'spec' | 'shapes' | 'constants'>): EinsumCounts {
  const c = compile(e.spec, e.shapes, e.constants);
  let iterations = 1;
  for (const i of [...c.ast.outputIndices, ...c.ast.reductionIndices]) iterations *= c.extents[i]!;
  const elements: Record<string, number> = {};
  for (const [name, shape] of Object.entries(c.shapes)) elements[name] = sizeOf(shape);
  const isMax = c.ast.reduce === 'max';
  return {
    macs: isMax ? 0 : iterations,
    comparisons: isMax ? iterations : 0,
    iterations,
    biasAdds: c.ast.bias ? elements[c.ast.output.name]! : 0,
    elements,
    extents: { ...c.extents },
  };
}

/**
 * Multiply-accumulates of a bound einsum (the iteration-space size; 0 for max pooling).
 *
 * @example countMacs(linearEinsum({ N: 1, C: 4096, M: 1000 }))  // 4096000
 */
export function countMacs(e: Pick<BoundEinsum, 'spec' | 'shapes' | 'constants'>): number {
  return countEinsum(e).macs;
}
