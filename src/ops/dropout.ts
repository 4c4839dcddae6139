/**
 * Dropout with inverted scaling: in training each element is zeroed with probability p and
 * the survivors are scaled by 1 / (1 - p), so evaluation is the identity. The mask comes from
 * a seeded Generator (the default one unless given), so runs repeat exactly; the gradient is
 * the multiply by the same mask.
 */
import { Tensor } from '../tensor/tensor.js';
import { defaultGenerator, type Generator } from '../tensor/random.js';
import { mul } from './elementwise.js';
import { checkTensor } from './util.js';

export interface DropoutOptions {
  /** Probability of zeroing an element (default 0.5). */
  p?: number;
  /** Default true, as torch.nn.functional.dropout; false returns x unchanged. */
  training?: boolean;
  generator?: Generator;
}

/**
 * @example F.dropout(x, { p: 0.2, training: model.training })
 */
export function dropout(x: Tensor, options: DropoutOptions = {}): Tensor {
  checkTensor(x, 'dropout', 'input');
  const p = options.p ?? 0.5;
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new Error(`dropout: p must be a probability in [0, 1], got ${String(p)}`);
  if (!(options.training ?? true) || p === 0) return x;
  const g = options.generator ?? defaultGenerator;
  const mask = new Float32Array(x.size);
  // p = 1 drops everything (the scale would be infinite): zeros, as PyTorch.
  const scale = p === 1 ? 0 : 1 / (1 - p);
  for (let i = 0; i < mask.length; i++) mask[i] = g.uniform() < p ? 0 : scale;
  return mul(x, new Tensor(mask, x.shape));
}
