/**
 * Batch normalisation (NORM layer) with PyTorch's semantics, for x [N,C], [N,C,L] or
 * [N,C,H,W]:
 *
 *   y = (x - mean[c]) / sqrt(var[c] + eps) * weight[c] + bias[c]
 *
 * Training uses the batch statistics (biased variance, as PyTorch normalises) and updates the
 * running statistics in place: running = (1 - momentum) * running + momentum * batch, with the
 * unbiased variance (n / (n - 1)) for runningVar, as PyTorch does. Evaluation uses the running
 * statistics. Gradients for x, weight and bias come from the backend's fused
 * batchNormBackward kernel (the batch statistics depend on x, which its classic closed form
 * accounts for). Options `relu` and `maxPool` return relu(y), or its max pooling, as one graph
 * node with the same values and gradients (what Sequential runs for BatchNorm, ReLU, MaxPool2d).
 */
import { Tensor } from '../tensor/tensor.js';
import { formatShape, sizeOf } from '../tensor/shape.js';
import { recordOp } from '../autograd/graph.js';
import { getBackend } from '../backends/registry.js';
import { checkTensor } from './util.js';
import { invStdOf } from '../backends/reference/reduce.js';
import { maxPool2d, type MaxPool2dOptions } from './pool.js';
import { pool2dParams, poolShape } from './conv-shape.js';
import type { Pool2dParams } from '../einsum/types.js';

export interface BatchNormOptions {
  /** Use batch statistics and update the running ones (default false, as torch.nn.functional). */
  training?: boolean;
  /** Weight of the new batch statistics in the running average (default 0.1). */
  momentum?: number;
  /** Added to the variance (default 1e-5). */
  eps?: number;
  /**
   * Return relu(batchNorm(x)) as one graph node (default false): the same values and
   * gradients as F.relu after it, without the intermediate tensor (Sequential fuses a
   * BatchNorm followed by a ReLU this way).
   */
  relu?: boolean;
  /**
   * With relu: return maxPool2d(relu(batchNorm(x)), maxPool) as one graph node (the same
   * values and gradients; Sequential fuses BatchNorm, ReLU, MaxPool2d this way).
   */
  maxPool?: MaxPool2dOptions;
}

function checkChannelVector(t: Tensor | null | undefined, C: number, arg: string): void {
  if (t === undefined || t === null) return;
  checkTensor(t, 'batchNorm', arg);
  if (t.ndim !== 1 || t.shape[0] !== C) {
    throw new Error(`batchNorm: ${arg} must have shape [${C}] (one per channel), got ${formatShape(t.shape)}`);
  }
}

/**
 * Batch normalisation over the channel dim 1.
 * @example
 *   const rm = zeros([16]), rv = ones([16]);
 *   const y = F.batchNorm(x, rm, rv, gamma, beta, { training: true });  // rm, rv updated
 */
export function batchNorm(x: Tensor, runningMean: Tensor | null | undefined, runningVar: Tensor | null | undefined,
                          weight?: Tensor | null, bias?: Tensor | null, options: BatchNormOptions = {}): Tensor {
  checkTensor(x, 'batchNorm', 'input');
  if (x.ndim < 2 || x.ndim > 4) {
    throw new Error(`batchNorm: input must be 2-D [N, C], 3-D [N, C, L] or 4-D [N, C, H, W], got shape ${formatShape(x.shape)}`);
  }
  const training = options.training ?? false;
  const momentum = options.momentum ?? 0.1;
  const eps = options.eps ?? 1e-5;
  const relu = options.relu ?? false;
  const pool = options.maxPool;
  if (pool && !relu) throw new Error('batchNorm: maxPool needs relu: true (the fused op is relu, then max pooling)');
  // Only the training-mode kernel fuses the pooling; elsewhere the ops run one after another.
  if (pool && !(options.training && x.ndim === 4)) {
    return maxPool2d(batchNorm(x, runningMean, runningVar, weight, bias, { ...options, maxPool: undefined }), pool);
  }
  if (typeof momentum !== 'number' || !(momentum >= 0 && momentum <= 1)) {
    throw new Error(`batchNorm: momentum must be a number in [0, 1], got ${String(momentum)}`);
  }
  if (typeof eps !== 'number' || !(eps >= 0)) throw new Error(`batchNorm: eps must be a number >= 0, got ${String(eps)}`);
  const N = x.shape[0]!, C = x.shape[1]!;
  const L = sizeOf(x.shape.slice(2));
  checkChannelVector(runningMean, C, 'runningMean');
  checkChannelVector(runningVar, C, 'runningVar');
  checkChannelVector(weight, C, 'weight');
  checkChannelVector(bias, C, 'bias');
  if (!training && (!runningMean || !runningVar)) {
    throw new Error('batchNorm: runningMean and runningVar are required in evaluation mode (training: false)');
  }
  const count = N * L;
  if (training && count <= 1) {
    throw new Error(`batchNorm: expected more than 1 value per channel when training, got input of shape ${formatShape(x.shape)}`);
  }

  const backend = getBackend();
  const w = weight ? weight.data : new Float32Array(C).fill(1);
  const b = bias ? bias.data : new Float32Array(C);
  let mean: Float32Array, invStd: Float32Array, out: Tensor, argmax: Int32Array | null = null;
  let pooling: Pool2dParams | null = null;
  if (training) {
    // Statistics, invStd and output in one kernel (x crosses into a fast backend once).
    let variance: Float32Array;
    if (pool) {
      const p = pool2dParams(poolShape(x.shape, pool, 'maxPool2d'));
      const r = backend.batchNormReluMaxPool(x.data, w, b, eps, p);
      ({ mean, invStd, variance, argmax } = r);
      pooling = p;
      out = new Tensor(r.y, [N, C, p.P, p.Q]);
    } else {
      const r = backend.batchNormTraining(x.data, N, C, L, w, b, eps, relu);
      ({ mean, invStd, variance } = r);
      out = new Tensor(r.y, x.shape);
    }
    // In-place running-statistics update: state, not part of the graph.
    if (runningMean) for (let c = 0; c < C; c++) runningMean.data[c] = (1 - momentum) * runningMean.data[c]! + momentum * mean[c]!;
    if (runningVar) {
      const unbiased = count / (count - 1);
      for (let c = 0; c < C; c++) runningVar.data[c] = (1 - momentum) * runningVar.data[c]! + momentum * variance[c]! * unbiased;
    }
  } else {
    // Copies: the gradient must see the statistics used now, even if they change later.
    mean = Float32Array.from(runningMean!.data);
    invStd = invStdOf(runningVar!.data, eps);
    out = new Tensor(backend.batchNormApply(x.data, N, C, L, mean, invStd, w, b, relu), x.shape);
  }

  const inputs = [x, ...(weight ? [weight] : []), ...(bias ? [bias] : [])];
  const y = out.data;
  const name = argmax ? 'batchNorm+relu+maxPool2d' : relu ? 'batchNorm+relu' : 'batchNorm';
  return recordOp(out, name, inputs, (g) => {
    const r = argmax && pooling
      ? backend.batchNormReluMaxPoolBackward(x.data, g.data, y, argmax, mean, invStd, w, pooling, x.requiresGrad)
      : backend.batchNormBackward(x.data, g.data, N, C, L, mean, invStd, w, training, x.requiresGrad, relu ? y : null);
    const grads: Array<Tensor | null> = [r.dx ? new Tensor(r.dx, x.shape) : null];
    if (weight) grads.push(new Tensor(r.dWeight, [C]));
    if (bias) grads.push(new Tensor(r.dBias, [C]));
    return grads;
  });
}

