/**
 * Convolution layers: Conv2d and ConvTranspose2d, holding their weights and hyper-parameters
 * and calling F.conv2d / F.convTranspose2d. Hyper-parameters are readonly fields in the
 * vocabulary of the shape analysis (kernelSize = [R, S], stride = [U, V]).
 */
import type { Tensor } from '../tensor/tensor.js';
import { zeros } from '../tensor/creation.js';
import { conv2d, convTranspose2d, type Conv2dOptions as Conv2dOpOptions } from '../ops/conv.js';
import { conv2dTanh } from '../ops/conv-tanh.js';
import { conv2dRelu } from '../ops/conv-relu.js';
import { checkConvChannels, pairOf, type Pair, type Padding } from '../ops/conv-shape.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';
import { defaultLayerInit } from './init.js';

export interface Conv2dOptions {
  /** U (and V): default 1. */
  stride?: Pair;
  /** A number, [ph, pw], 'same' or 'valid'; default 0. */
  padding?: Padding;
  dilation?: Pair;
  /** Split channels into groups (groups = C: depthwise). Default 1. */
  groups?: number;
  /** Default true. */
  bias?: boolean;
}

export interface ConvTranspose2dOptions {
  stride?: Pair;
  padding?: Pair;
  /** Extra rows/columns on the bottom/right of the output (to pick among output sizes). */
  outputPadding?: Pair;
  dilation?: Pair;
  groups?: number;
  bias?: boolean;
}

function showPair(p: readonly [number, number]): string {
  return `(${p[0]}, ${p[1]})`;
}

/**
 * 2-D convolution layer: x [N, C, H, W] -> [N, M, P, Q], weight [M, C/groups, R, S], bias [M],
 * initialised as PyTorch does (kaiming uniform with a = √5).
 * @example
 *   const conv = new Conv2d(3, 16, 3, { padding: 1 });
 *   conv.call(randn([8, 3, 32, 32])).shape  // [8, 16, 32, 32]
 */
export class Conv2d extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  /** [R, S] */
  readonly kernelSize: readonly [number, number];
  /** [U, V] */
  readonly stride: readonly [number, number];
  /** [ph, pw] (both sides), or 'same' / 'valid'. */
  readonly padding: readonly [number, number] | 'same' | 'valid';
  readonly dilation: readonly [number, number];
  readonly groups: number;
  weight: Parameter;
  bias: Parameter | null;

  constructor(inChannels: number, outChannels: number, kernelSize: Pair, options: Conv2dOptions = {}) {
    super();
    const groups = options.groups ?? 1;
    checkConvChannels('Conv2d', inChannels, outChannels, groups);
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = pairOf(kernelSize, 'Conv2d', 'kernelSize', 1);
    this.stride = pairOf(options.stride, 'Conv2d', 'stride', 1, 1);
    const padding = options.padding ?? 0;
    this.padding = padding === 'same' || padding === 'valid' ? padding : pairOf(padding, 'Conv2d', 'padding', 0);
    this.dilation = pairOf(options.dilation, 'Conv2d', 'dilation', 1, 1);
    this.groups = groups;
    const [R, S] = this.kernelSize;
    this.weight = new Parameter(new Float32Array(outChannels * (inChannels / groups) * R * S), [outChannels, inChannels / groups, R, S]);
    this.bias = options.bias === false ? null : Parameter.from(zeros([outChannels]));
    this.resetParameters();
  }

  /** PyTorch's default initialisation (also what the constructor does). */
  resetParameters(): void {
    defaultLayerInit(this.weight, this.bias);
  }

  override forward(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.bias, this.options());
  }

  /**
   * tanh of this layer's output, 2x2 average-pooled with `pool`, as one op (conv2dTanh: the
   * same values and gradients); Sequential runs Conv2d, Tanh (, AvgPool2d(2)) this way.
   */
  forwardTanh(x: Tensor, pool: boolean): Tensor {
    return conv2dTanh(x, this.weight, this.bias, this.options(), pool);
  }

  /**
   * relu(forward(x)) as one op (src/ops/conv-relu.ts): what Sequential runs for Conv2d, ReLU.
   * @example new Conv2d(3, 16, 3).forwardRelu(randn([1, 3, 8, 8])).shape  // [1, 16, 6, 6]
   */
  forwardRelu(x: Tensor): Tensor {
    return conv2dRelu(x, this.weight, this.bias, this.options());
  }

  /** The F.conv2d options this layer convolves with. */
  options(): Conv2dOpOptions {
    return { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups };
  }

  override extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernelSize=${showPair(this.kernelSize)}, stride=${showPair(this.stride)}`;
    if (typeof this.padding === 'string') s += `, padding=${this.padding}`;
    else if (this.padding[0] !== 0 || this.padding[1] !== 0) s += `, padding=${showPair(this.padding)}`;
    if (this.dilation[0] !== 1 || this.dilation[1] !== 1) s += `, dilation=${showPair(this.dilation)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (!this.bias) s += ', bias=false';
    return s;
  }
}

/**
 * 2-D transposed convolution (a learned upsampler): x [N, C, H, W] -> [N, M, P, Q] with
 * P = (H-1)·U - 2·ph + dilation·(R-1) + outputPadding + 1; weight [C, M/groups, R, S] (PyTorch's
 * layout), bias [M].
 * @example
 *   const up = new ConvTranspose2d(16, 8, 2, { stride: 2 });
 *   up.call(randn([1, 16, 14, 14])).shape  // [1, 8, 28, 28]
 */
export class ConvTranspose2d extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: readonly [number, number];
  readonly stride: readonly [number, number];
  readonly padding: readonly [number, number];
  readonly outputPadding: readonly [number, number];
  readonly dilation: readonly [number, number];
  readonly groups: number;
  weight: Parameter;
  bias: Parameter | null;

  constructor(inChannels: number, outChannels: number, kernelSize: Pair, options: ConvTranspose2dOptions = {}) {
    super();
    const groups = options.groups ?? 1;
    checkConvChannels('ConvTranspose2d', inChannels, outChannels, groups);
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = pairOf(kernelSize, 'ConvTranspose2d', 'kernelSize', 1);
    this.stride = pairOf(options.stride, 'ConvTranspose2d', 'stride', 1, 1);
    this.padding = pairOf(options.padding, 'ConvTranspose2d', 'padding', 0, 0);
    this.outputPadding = pairOf(options.outputPadding, 'ConvTranspose2d', 'outputPadding', 0, 0);
    this.dilation = pairOf(options.dilation, 'ConvTranspose2d', 'dilation', 1, 1);
    this.groups = groups;
    const [R, S] = this.kernelSize;
    this.weight = new Parameter(new Float32Array(inChannels * (outChannels / groups) * R * S), [inChannels, outChannels / groups, R, S]);
    this.bias = options.bias === false ? null : Parameter.from(zeros([outChannels]));
    this.resetParameters();
  }

  /** PyTorch's default initialisation (fanIn from weight dim 1, as PyTorch computes it). */
  resetParameters(): void {
    defaultLayerInit(this.weight, this.bias);
  }

  override forward(x: Tensor): Tensor {
    return convTranspose2d(x, this.weight, this.bias, {
      stride: this.stride, padding: this.padding, outputPadding: this.outputPadding,
      dilation: this.dilation, groups: this.groups,
    });
  }

  override extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernelSize=${showPair(this.kernelSize)}, stride=${showPair(this.stride)}`;
    if (this.padding[0] !== 0 || this.padding[1] !== 0) s += `, padding=${showPair(this.padding)}`;
    if (this.outputPadding[0] !== 0 || this.outputPadding[1] !== 0) s += `, outputPadding=${showPair(this.outputPadding)}`;
    if (this.dilation[0] !== 1 || this.dilation[1] !== 1) s += `, dilation=${showPair(this.dilation)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (!this.bias) s += ', bias=false';
    return s;
  }
}
