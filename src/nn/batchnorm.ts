/**
 * Batch normalisation layers (NORM). In training they normalise with the batch statistics and
 * update the running ones; in eval mode they use the running statistics (an affine map per
 * channel, which foldBatchNorm merges into the preceding CONV or FC layer).
 * Buffers carry PyTorch's names (running_mean, running_var, num_batches_tracked).
 */
import type { Tensor } from '../tensor/tensor.js';
import { ones, zeros } from '../tensor/creation.js';
import { formatShape } from '../tensor/shape.js';
import { batchNorm } from '../ops/norm.js';
import type { MaxPool2dOptions } from '../ops/pool.js';
import { checkPositiveInt } from '../ops/util.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';

export interface BatchNormOptions {
  /** Added to the variance. Default 1e-5. */
  eps?: number;
  /** Weight of each new batch in the running statistics; null = cumulative average. Default 0.1. */
  momentum?: number | null;
  /** Learnable per-channel weight (gamma) and bias (beta). Default true. */
  affine?: boolean;
  /** Keep running statistics (else batch statistics are used in eval mode too). Default true. */
  trackRunningStats?: boolean;
}

export abstract class BatchNormBase extends Module {
  readonly numFeatures: number;
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  /** gamma [C] (null unless affine). */
  weight: Parameter | null;
  /** beta [C] (null unless affine). */
  bias: Parameter | null;

  constructor(numFeatures: number, options: BatchNormOptions) {
    super();
    const where = this.constructor.name;
    checkPositiveInt(where, 'numFeatures', numFeatures);
    const momentum = options.momentum === undefined ? 0.1 : options.momentum;
    if (momentum !== null && !(typeof momentum === 'number' && momentum >= 0 && momentum <= 1)) {
      throw new Error(`${where}: momentum must be a number in [0, 1] or null, got ${String(momentum)}`);
    }
    const eps = options.eps ?? 1e-5;
    if (!(typeof eps === 'number' && eps >= 0)) throw new Error(`${where}: eps must be a number >= 0, got ${String(eps)}`);
    this.numFeatures = numFeatures;
    this.eps = eps;
    this.momentum = momentum;
    this.affine = options.affine ?? true;
    this.trackRunningStats = options.trackRunningStats ?? true;
    this.weight = this.affine ? Parameter.from(ones([numFeatures])) : null;
    this.bias = this.affine ? Parameter.from(zeros([numFeatures])) : null;
    if (this.trackRunningStats) {
      this.registerBuffer('running_mean', zeros([numFeatures]));
      this.registerBuffer('running_var', ones([numFeatures]));
      // A float32 scalar: exact up to 2^24 batches (PyTorch keeps an int64).
      this.registerBuffer('num_batches_tracked', zeros([]));
    }
  }

  /** Running mean [C] (null without trackRunningStats). */
  get runningMean(): Tensor | null { return this.getBuffer('running_mean') ?? null; }
  /** Running (unbiased) variance [C] (null without trackRunningStats). */
  get runningVar(): Tensor | null { return this.getBuffer('running_var') ?? null; }
  /** Number of training batches seen. */
  get numBatchesTracked(): Tensor | null { return this.getBuffer('num_batches_tracked') ?? null; }

  /** Running statistics back to mean 0, variance 1, count 0. */
  resetRunningStats(): void {
    this.runningMean?.data.fill(0);
    this.runningVar?.data.fill(1);
    this.numBatchesTracked?.data.fill(0);
  }

  /** gamma = 1, beta = 0 and fresh running statistics (PyTorch's reset_parameters). */
  resetParameters(): void {
    this.resetRunningStats();
    this.weight?.data.fill(1);
    this.bias?.data.fill(0);
  }

  protected abstract checkInput(x: Tensor): void;

  override forward(x: Tensor): Tensor {
    return this.run(x, false);
  }

  /**
   * relu(forward(x)) as one op (the same values and gradients); Sequential runs a BatchNorm
   * followed by a ReLU this way, which saves the intermediate tensor and a pass over it.
   */
  forwardRelu(x: Tensor): Tensor {
    return this.run(x, true);
  }

  /**
   * maxPool2d(relu(forward(x)), pool) as one op (the same values and gradients); Sequential
   * runs BatchNorm, ReLU, MaxPool2d this way: relu's output never becomes a tensor.
   */
  forwardReluMaxPool(x: Tensor, pool: MaxPool2dOptions): Tensor {
    return this.run(x, true, pool);
  }

  private run(x: Tensor, relu: boolean, maxPool?: MaxPool2dOptions): Tensor {
    this.checkInput(x);
    if (x.shape[1] !== this.numFeatures) {
      throw new Error(`${this.constructor.name}: input has ${String(x.shape[1])} channels (dim 1 of ${formatShape(x.shape)}) but the layer has numFeatures=${this.numFeatures}`);
    }
    // Mirrors torch.nn.modules.batchnorm._BatchNorm.forward.
    let factor = this.momentum ?? 0;
    if (this.training && this.trackRunningStats) {
      const count = this.numBatchesTracked!;
      count.data[0] = count.data[0]! + 1;
      if (this.momentum === null) factor = 1 / count.data[0]!;
    }
    const useBatchStats = this.training || (this.runningMean === null && this.runningVar === null);
    const trackNow = !this.training || this.trackRunningStats;
    return batchNorm(x, trackNow ? this.runningMean : null, trackNow ? this.runningVar : null,
      this.weight, this.bias, { training: useBatchStats, momentum: factor, eps: this.eps, relu, ...(maxPool ? { maxPool } : {}) });
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}, affine=${this.affine}, trackRunningStats=${this.trackRunningStats}`;
  }
}

/**
 * Batch norm over [N, C] or [N, C, L] (after an FC layer).
 * @example new Sequential(new Linear(784, 256), new BatchNorm1d(256), new ReLU())
 */
export class BatchNorm1d extends BatchNormBase {
  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super(numFeatures, options);
  }

  protected checkInput(x: Tensor): void {
    if (x.ndim !== 2 && x.ndim !== 3) {
      throw new Error(`BatchNorm1d: expected 2-D [N, C] or 3-D [N, C, L] input, got shape ${formatShape(x.shape)}`);
    }
  }
}

/**
 * Batch norm over [N, C, H, W], per channel (after a CONV layer).
 * @example new Sequential(new Conv2d(3, 16, 3, { padding: 1, bias: false }), new BatchNorm2d(16), new ReLU())
 */
export class BatchNorm2d extends BatchNormBase {
  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super(numFeatures, options);
  }

  protected checkInput(x: Tensor): void {
    if (x.ndim !== 4) throw new Error(`BatchNorm2d: expected 4-D input [N, C, H, W], got shape ${formatShape(x.shape)}`);
  }
}
