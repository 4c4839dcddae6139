/** Layers that only move or resample activations: Flatten, Upsample, Dropout. */
import type { Tensor } from '../tensor/tensor.js';
import { upsample, type UpsampleMode } from '../ops/upsample.js';
import { dropout } from '../ops/dropout.js';
import { Module } from './module.js';

/**
 * Merge dims startDim..endDim (default 1..-1: [N, C, H, W] -> [N, C·H·W], before an FC layer).
 * @example new Sequential(new Conv2d(1, 6, 5), new Flatten(), new Linear(6 * 24 * 24, 10))
 */
export class Flatten extends Module {
  readonly startDim: number;
  readonly endDim: number;
  constructor(startDim = 1, endDim = -1) {
    super();
    if (!Number.isInteger(startDim) || !Number.isInteger(endDim)) {
      throw new Error(`Flatten: startDim and endDim must be integers, got ${String(startDim)} and ${String(endDim)}`);
    }
    this.startDim = startDim;
    this.endDim = endDim;
  }
  override forward(x: Tensor): Tensor { return x.flatten(this.startDim, this.endDim); }
  override extraRepr(): string { return `startDim=${this.startDim}, endDim=${this.endDim}`; }
}

/**
 * Upsampling by an integer factor: 'nearest' (copies), 'zeros' (zero insertion) or 'bilinear'.
 * @example new Upsample({ scaleFactor: 2, mode: 'nearest' })  // [N,C,H,W] -> [N,C,2H,2W]
 */
export class Upsample extends Module {
  readonly scaleFactor: number | readonly [number, number];
  readonly mode: UpsampleMode;
  constructor(options: { scaleFactor: number | readonly [number, number]; mode?: UpsampleMode }) {
    super();
    if (options === undefined || options === null || options.scaleFactor === undefined) {
      throw new Error('Upsample: options { scaleFactor, mode } are required');
    }
    this.scaleFactor = options.scaleFactor;
    this.mode = options.mode ?? 'nearest';
  }
  override forward(x: Tensor): Tensor { return upsample(x, { scaleFactor: this.scaleFactor, mode: this.mode }); }
  override extraRepr(): string {
    const f = typeof this.scaleFactor === 'number' ? this.scaleFactor : `(${this.scaleFactor.join(', ')})`;
    return `scaleFactor=${f}, mode=${this.mode}`;
  }
}

/**
 * Zero each element with probability p in training (survivors scaled by 1/(1-p)); the identity
 * in eval mode. The mask comes from the seeded generator (manualSeed).
 * @example new Sequential(new Linear(4096, 4096), new ReLU(), new Dropout(0.5))
 */
export class Dropout extends Module {
  readonly p: number;
  constructor(p = 0.5) {
    super();
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new Error(`Dropout: p must be a probability in [0, 1], got ${String(p)}`);
    this.p = p;
  }
  override forward(x: Tensor): Tensor { return dropout(x, { p: this.p, training: this.training }); }
  override extraRepr(): string { return `p=${this.p}`; }
}
