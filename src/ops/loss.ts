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
import { formatShape, sameShape } from '../tensor/shape.js';
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

/** Targets as integer class indices, checked against the number of classes. */
function classIndices(targets: Tensor | readonly number[], N: number, K: number): Int32Array {
  let values: ArrayLike<number>;
  if (targets instanceof Tensor) {
    if (targets.ndim !== 1 || targets.shape[0] !== N) {
      throw new Error(`crossEntropy: targets must have shape [${N}] (one class index per row of logits), got ${formatShape(targets.shape)}`);
    }
    values = targets.data;
  } else if (Array.isArray(targets)) {
    if (targets.length !== N) throw new Error(`crossEntropy: targets must hold ${N} class indices (one per row of logits), got ${targets.length}`);
    values = targets;
  } else {
    throw new Error(`crossEntropy: targets must be a Tensor of class indices or a number[], got ${describe(targets)}`);
  }
  const idx = new Int32Array(N);
  for (let i = 0; i < N; i++) {
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
 * likelihood in one stable step), as torch.nn.functional.cross_entropy.
 * @example F.crossEntropy(logits, [3, 0, 7])                    // mean over the batch
 * @example F.crossEntropy(logits, labels, { labelSmoothing: 0.1 })
 */
export function crossEntropy(logits: Tensor, targets: Tensor | readonly number[], options: CrossEntropyOptions = {}): Tensor {
  checkTensor(logits, 'crossEntropy', 'logits');
  if (logits.ndim !== 2) throw new Error(`crossEntropy: logits must be 2-D [N, K], got shape ${formatShape(logits.shape)}`);
  const reduction = checkReduction(options.reduction, 'crossEntropy');
  const eps = options.labelSmoothing ?? 0;
  if (typeof eps !== 'number' || !(eps >= 0 && eps <= 1)) {
    throw new Error(`crossEntropy: labelSmoothing must be a number in [0, 1], got ${describe(eps)}`);
  }
  const [N, K] = logits.shape as [number, number];
  if (K < 1) throw new Error(`crossEntropy: logits ${formatShape(logits.shape)} have no classes`);
  const idx = classIndices(targets, N, K);

  const x = logits.data;
  const lse = new Float64Array(N);
  const losses = new Float32Array(N);
  for (let i = 0; i < N; i++) {
    const row = i * K;
    let m = -Infinity;
    for (let k = 0; k < K; k++) m = Math.max(m, x[row + k]!);
    let s = 0, total = 0;
    for (let k = 0; k < K; k++) { s += Math.exp(x[row + k]! - m); total += x[row + k]!; }
    lse[i] = m + Math.log(s);
    const nll = lse[i]! - x[row + idx[i]!]!;
    const smooth = lse[i]! - total / K;   // mean over classes of -log p_k
    losses[i] = (1 - eps) * nll + eps * smooth;
  }
  let value: Float32Array, shape: number[];
  if (reduction === 'none') { value = losses; shape = [N]; } else {
    let s = 0;
    for (const l of losses) s += l;
    value = Float32Array.of(reduction === 'mean' ? s / N : s);
    shape = [];
  }
  const out = new Tensor(value, shape);
  return recordOp(out, 'crossEntropy', [logits], (g) => {
    const dx = new Float32Array(logits.size);
    for (let i = 0; i < N; i++) {
      const gi = reduction === 'none' ? g.data[i]! : reduction === 'mean' ? g.data[0]! / N : g.data[0]!;
      const row = i * K;
      for (let k = 0; k < K; k++) {
        const target = (k === idx[i] ? 1 - eps : 0) + eps / K;
        dx[row + k] = gi * (Math.exp(x[row + k]! - lse[i]!) - target);
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
