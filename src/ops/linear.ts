/**
 * The FC layer: y = x w^T + b with PyTorch's Linear layout, as the linear einsum
 *
 *   O[n,m] = B[m] + I[n,c] * F[m,c]
 *
 * over the input flattened to [N, C] (N = product of the leading dims). An FC layer is a CONV
 * layer whose filter covers the whole input (R = H, S = W, P = Q = 1); see linearShape.
 */
import { Tensor } from '../tensor/tensor.js';
import { linearEinsum } from '../einsum/layers.js';
import { einsumOp } from './einsum-op.js';
import { checkBias, checkTensor } from './util.js';
import { linearShape } from './conv-shape.js';

/**
 * Fully connected layer: x [..., C], w [M, C], b [M] -> [..., M].
 * @example F.linear(randn([32, 784]), randn([10, 784]), zeros([10])).shape  // [32, 10]
 */
export function linear(x: Tensor, w: Tensor, b?: Tensor | null): Tensor {
  checkTensor(x, 'linear', 'input');
  checkTensor(w, 'linear', 'weight');
  const s = linearShape(x.shape, w.shape, 'linear');
  const bias = checkBias(b, s.M, 'linear', 'output feature');
  const e = linearEinsum({ N: s.N, C: s.C, M: s.M }, bias !== undefined);
  // einsumOp works on the flat buffers, so x keeps its own shape (and its gradient too).
  const inputs: Record<string, Tensor> = bias ? { I: x, F: w, B: bias } : { I: x, F: w };
  return einsumOp(e, inputs, 'linear', [...x.shape.slice(0, -1), s.M]);
}
