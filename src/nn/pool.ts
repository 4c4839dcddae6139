/** Pooling layers: MaxPool2d, AvgPool2d, AdaptiveAvgPool2d (no weights, M = C). */
import type { Tensor } from '../tensor/tensor.js';
import { adaptiveAvgPool2d, avgPool2d, maxPool2d, type MaxPool2dOptions as MaxPoolOptions } from '../ops/pool.js';
import { pairOf, type Pair } from '../ops/conv-shape.js';
import { Module } from './module.js';

export interface MaxPool2dOptions {
  /** Default: kernelSize (non-overlapping windows), as PyTorch. */
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
  ceilMode?: boolean;
}

export interface AvgPool2dOptions {
  stride?: Pair;
  padding?: Pair;
  ceilMode?: boolean;
  /** Count zero padding in the divisor (default true, as PyTorch). */
  countIncludePad?: boolean;
}

const show = (p: readonly [number, number]): string => `(${p[0]}, ${p[1]})`;

/**
 * 2-D max pooling over R×S windows.
 * @example new MaxPool2d(3, { stride: 2, padding: 1 })  // ResNet stem: 112 -> 56
 */
export class MaxPool2d extends Module {
  /** [R, S] */
  readonly kernelSize: readonly [number, number];
  /** [U, V] */
  readonly stride: readonly [number, number];
  readonly padding: readonly [number, number];
  readonly dilation: readonly [number, number];
  readonly ceilMode: boolean;

  constructor(kernelSize: Pair, options: MaxPool2dOptions = {}) {
    super();
    this.kernelSize = pairOf(kernelSize, 'MaxPool2d', 'kernelSize', 1);
    this.stride = options.stride === undefined ? this.kernelSize : pairOf(options.stride, 'MaxPool2d', 'stride', 1);
    this.padding = pairOf(options.padding, 'MaxPool2d', 'padding', 0, 0);
    this.dilation = pairOf(options.dilation, 'MaxPool2d', 'dilation', 1, 1);
    this.ceilMode = options.ceilMode ?? false;
  }

  override forward(x: Tensor): Tensor {
    return maxPool2d(x, this.options());
  }

  /** The F.maxPool2d options this layer pools with (Sequential's fused BN+ReLU+pool uses them too). */
  options(): MaxPoolOptions {
    return {
      kernelSize: this.kernelSize, stride: this.stride, padding: this.padding,
      dilation: this.dilation, ceilMode: this.ceilMode,
    };
  }

  override extraRepr(): string {
    return `kernelSize=${show(this.kernelSize)}, stride=${show(this.stride)}, padding=${show(this.padding)}, dilation=${show(this.dilation)}, ceilMode=${this.ceilMode}`;
  }
}

/**
 * 2-D average pooling: O[n,c,p,q] = I[n,c,U*p+r,U*q+s] / (R*S).
 * @example new AvgPool2d(2)  // [N,C,H,W] -> [N,C,H/2,W/2]
 */
export class AvgPool2d extends Module {
  readonly kernelSize: readonly [number, number];
  readonly stride: readonly [number, number];
  readonly padding: readonly [number, number];
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;

  constructor(kernelSize: Pair, options: AvgPool2dOptions = {}) {
    super();
    this.kernelSize = pairOf(kernelSize, 'AvgPool2d', 'kernelSize', 1);
    this.stride = options.stride === undefined ? this.kernelSize : pairOf(options.stride, 'AvgPool2d', 'stride', 1);
    this.padding = pairOf(options.padding, 'AvgPool2d', 'padding', 0, 0);
    this.ceilMode = options.ceilMode ?? false;
    this.countIncludePad = options.countIncludePad ?? true;
  }

  override forward(x: Tensor): Tensor {
    return avgPool2d(x, {
      kernelSize: this.kernelSize, stride: this.stride, padding: this.padding,
      ceilMode: this.ceilMode, countIncludePad: this.countIncludePad,
    });
  }

  override extraRepr(): string {
    return `kernelSize=${show(this.kernelSize)}, stride=${show(this.stride)}, padding=${show(this.padding)}, ceilMode=${this.ceilMode}, countIncludePad=${this.countIncludePad}`;
  }
}

/**
 * Average pooling to a fixed output size [P, Q] whatever the input size.
 * @example new AdaptiveAvgPool2d(1)  // global average pooling: [N,C,H,W] -> [N,C,1,1]
 */
export class AdaptiveAvgPool2d extends Module {
  /** [P, Q] */
  readonly outputSize: readonly [number, number];

  constructor(outputSize: Pair) {
    super();
    this.outputSize = pairOf(outputSize, 'AdaptiveAvgPool2d', 'outputSize', 1);
  }

  override forward(x: Tensor): Tensor {
    return adaptiveAvgPool2d(x, this.outputSize);
  }

  override extraRepr(): string {
    return `outputSize=${show(this.outputSize)}`;
  }
}
