/** Matrix product with PyTorch's rules for 1-D operands and broadcast batch dims. */
import { Tensor } from '../tensor/tensor.js';
import { broadcastShapes, formatShape, sizeOf } from '../tensor/shape.js';
import { checkTensor, expandTo, sumToShape } from './util.js';
import { einsumOp } from './einsum-op.js';
import { reshape } from './shape-ops.js';
import { recordOp } from '../autograd/graph.js';

/**
 * a @ b. 1-D a is a row vector, 1-D b a column vector (that dim is removed from the result);
 * leading batch dims broadcast.
 * @example randn([2, 3]).matmul(randn([3, 4])) // [2, 4]
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  checkTensor(a, 'matmul', 'a'); checkTensor(b, 'matmul', 'b');
  if (a.ndim === 0 || b.ndim === 0) throw new Error(`matmul: both operands need at least 1 dimension, got ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
  const A = a.ndim === 1 ? reshape(a, [1, a.shape[0]!]) : a;
  const B = b.ndim === 1 ? reshape(b, [b.shape[0]!, 1]) : b;
  const n = A.shape[A.ndim - 2]!, k = A.shape[A.ndim - 1]!, k2 = B.shape[B.ndim - 2]!, m = B.shape[B.ndim - 1]!;
  if (k !== k2) {
    throw new Error(`matmul: a ${formatShape(a.shape)} has ${k} columns but b ${formatShape(b.shape)} has ${k2} rows`);
  }
  const batch = broadcastShapes(A.shape.slice(0, -2), B.shape.slice(0, -2), 'matmul (batch dims)');
  const Ae = broadcastBatch(A, batch), Be = broadcastBatch(B, batch);
  const bs = sizeOf(batch);
  const e = {
    kind: 'matmul' as const,
    spec: 'O[b,i,j] = A[b,i,k] * B[b,k,j]',
    constants: {},
    shapes: { A: [bs, n, k], B: [bs, k, m], O: [bs, n, m] },
  };
  let out = einsumOp(e, { A: Ae, B: Be }, 'matmul', [...batch, n, m]);
  if (a.ndim === 1 && b.ndim === 1) out = reshape(out, []);
  else if (a.ndim === 1) out = reshape(out, [...batch, m]);
  else if (b.ndim === 1) out = reshape(out, [...batch, n]);
  return out;
}

/** Materialise broadcast batch dims (the gradient sums them back). */
function broadcastBatch(x: Tensor, batch: readonly number[]): Tensor {
  const target = [...batch, ...x.shape.slice(-2)];
  if (target.length === x.ndim && target.every((d, i) => d === x.shape[i])) return x;
  const out = expandTo(x, target);
  return recordOp(new Tensor(out.data, target), 'expand', [x], (g) => [sumToShape(g, x.shape)]);
}
