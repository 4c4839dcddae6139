/**
 * Losses with PyTorch semantics.
 *
 * crossEntropy works from the log-sum-exp of each row (never exp of a raw logit), so large
 * logits neither overflow nor lose the loss to log(0); its gradient is written out:
 *   d loss_i / d logits_i = softmax(logits_i) - target distribution_i
 * where the target distribution is the one-hot class, smoothed to (1 - e) * onehot + e / K
 * with labelSmoothing e. mseLoss is a composite of element-wise ops (their gradients apply).
 */
import { Tensor } from '../tensor/tensor.js';
import { formatShape, sameShape, sizeOf } from '../tensor/shape.js';
import { recordOp } from '../autograd/graph.js';
import { sub, mul } from './elementwise.js';
import { sum, mean } from './reduce.js';
import { checkTensor, describe } from './util.js';

export type Reduction = 'mean' | 'sum' | 'none';

export interface CrossEntropyOptions {
  reduction?: Reduction;
  /** In [0, 1]: mix the one-hot target with the uniform distribution (default 0). */
  labelSmoothing?: number;
}

function checkReduction(r: unknown, where: string): Reduction {
  const v = r ?? 'mean';
  if (v !== 'mean' && v !== 'sum' && v !== 'none') {
    throw new Error(`${where}: reduction must be 'mean', 'sum' or 'none', got ${describe(v)}`);
  }
  return v;
}

/**
 * Targets as integer class indices, checked against the number of classes. `shape` is the
 * expected target shape: [N], or [N, d1, ...] for spatial logits [N, K, d1, ...].
 */
function classIndices(targets: Tensor | readonly number[], shape: readonly number[], K: number): Int32Array {
  const count = sizeOf(shape);
  const what = shape.length === 1 ? 'one class index per row of logits' : 'one class index per position of logits without the class dim';
  let values: ArrayLike<number>;
  if (targets instanceof Tensor) {
    if (!sameShape(targets.shape, shape)) {
      throw new Error(`crossEntropy: targets must have shape ${formatShape(shape)} (${what}), got ${formatShape(targets.shape)}`);
    }
    values = targets.data;
  } else if (Array.isArray(targets)) {
    if (targets.length !== count) throw new Error(`crossEntropy: targets must hold ${count} class indices (${what}), got ${targets.length}`);
    values = targets;
  } else {
    throw new Error(`crossEntropy: targets must be a Tensor of class indices or a number[], got ${describe(targets)}`);
  }
  const idx = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const t = values[i]!;
    if (!Number.isInteger(t) || t < 0 || t >= K) {
      throw new Error(`crossEntropy: target ${i} is ${t}, expected a class index in [0, ${K - 1}] (logits have ${K} classes)`);
    }
    idx[i] = t;
  }
  return idx;
}

/**
 * Cross-entropy of logits [N, K] against integer class indices [N] (softmax + negative log
 * likelihood in one stable step), as torch.nn.functional.cross_entropy. Spatial logits
 * [N, K, d1, ...] (segmentation) take targets [N, d1, ...]; 'mean' averages over every position.
 * @example F.crossEntropy(logits, [3, 0, 7])                    // mean over the batch
 * @example F.crossEntropy(logits, labels, { labelSmoothing: 0.1 })
 */
export function crossEntropy(logits: Tensor, targets: Tensor | readonly number[], options: CrossEntropyOptions = {}): Tensor {
  checkTensor(logits, 'crossEntropy', 'logits');
  if (logits.ndim < 2) {
    throw new Error(`crossEntropy: logits must be 2-D [N, K] (or [N, K, d1, ...]), got shape ${formatShape(logits.shape)}`);
  }
  const reduction = checkReduction(options.reduction, 'crossEntropy');
  const eps = options.labelSmoothing ?? 0;
  if (typeof eps !== 'number' || !(eps >= 0 && eps <= 1)) {
    throw new Error(`crossEntropy: labelSmoothing must be a number in [0, 1], got ${describe(eps)}`);
  }
  const N = logits.shape[0]!, K = logits.shape[1]!;
  const spatial = logits.shape.slice(2);
  const D = sizeOf(spatial);
  if (K < 1) throw new Error(`crossEntropy: logits ${formatShape(logits.shape)} have no classes`);
  const targetShape = [N, ...spatial];
  const idx = classIndices(targets, targetShape, K);
  const rows = N * D;
  // Row r = n*D + d; its logit for class k sits at (n*K + k)*D + d.
  const at = (r: number, k: number): number => (Math.floor(r / D) * K + k) * D + (r % D);

  const x = logits.data;
  const lse = new Float64Array(rows);
  const losses = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let m = -Infinity;
    for (let k = 0; k < K; k++) m = Math.max(m, x[at(r, k)]!);
    let s = 0, total = 0;
    for (let k = 0; k < K; k++) { const v = x[at(r, k)]!; s += Math.exp(v - m); total += v; }
    lse[r] = m + Math.log(s);
    const nll = lse[r]! - x[at(r, idx[r]!)]!;
    const smooth = lse[r]! - total / K;   // mean over classes of -log p_k
    losses[r] = (1 - eps) * nll + eps * smooth;
  }
  let value: Float32Array, shape: number[];
  if (reduction === 'none') { value = losses; shape = targetShape; } else {
    let s = 0;
    for (const l of losses) s += l;
    value = Float32Array.of(reduction === 'mean' ? s / rows : s);
    shape = [];
  }
  const out = new Tensor(value, shape);
  return recordOp(out, 'crossEntropy', [logits], (g) => {
    const dx = new Float32Array(logits.size);
    for (let r = 0; r < rows; r++) {
      const gr = reduction === 'none' ? g.data[r]! : reduction === 'mean' ? g.data[0]! / rows : g.data[0]!;
      for (let k = 0; k < K; k++) {
        const target = (k === idx[r] ? 1 - eps : 0) + eps / K;
        const j = at(r, k);
        dx[j] = gr * (Math.exp(x[j]! - lse[r]!) - target);
      }
    }
    return [new Tensor(dx, logits.shape)];
  });
}

/**
 * Mean squared error between two tensors of the same shape.
 * @example F.mseLoss(prediction, target)                       // scalar mean
 * @example F.mseLoss(prediction, target, { reduction: 'none' }) // element-wise
 */
export function mseLoss(a: Tensor, b: Tensor, options: { reduction?: Reduction } = {}): Tensor {
  checkTensor(a, 'mseLoss', 'input');
  checkTensor(b, 'mseLoss', 'target');
  if (!sameShape(a.shape, b.shape)) {
    throw new Error(`mseLoss: input ${formatShape(a.shape)} and target ${formatShape(b.shape)} must have the same shape`);
  }
  const reduction = checkReduction(options.reduction, 'mseLoss');
  const d = sub(a, b);
  const sq = mul(d, d);
  return reduction === 'none' ? sq : reduction === 'sum' ? sum(sq) : mean(sq);
}
