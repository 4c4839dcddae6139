/** Fully connected layer and the identity. */
import type { Tensor } from '../tensor/tensor.js';
import { zeros } from '../tensor/creation.js';
import { linear } from '../ops/linear.js';
import { checkPositiveInt } from '../ops/util.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';
import { defaultLayerInit } from './init.js';

/**
 * FC layer: x [..., inFeatures] -> [..., outFeatures] with weight [M, C] = [outFeatures,
 * inFeatures] and bias [M], initialised as PyTorch does.
 * @example
 *   const fc = new Linear(784, 10);
 *   fc.call(randn([32, 784])).shape  // [32, 10]
 */
export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  weight: Parameter;
  bias: Parameter | null;

  constructor(inFeatures: number, outFeatures: number, options: { bias?: boolean } = {}) {
    super();
    this.inFeatures = checkPositiveInt('Linear', 'inFeatures', inFeatures);
    this.outFeatures = checkPositiveInt('Linear', 'outFeatures', outFeatures);
    this.weight = new Parameter(new Float32Array(outFeatures * inFeatures), [outFeatures, inFeatures]);
    this.bias = options.bias === false ? null : Parameter.from(zeros([outFeatures]));
    this.resetParameters();
  }

  /** PyTorch's default initialisation: U(-1/√inFeatures, 1/√inFeatures) for weight and bias. */
  resetParameters(): void {
    defaultLayerInit(this.weight, this.bias);
  }

  override forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}

/**
 * Returns its input (a placeholder: an empty shortcut, a removed layer).
 * @example new Residual(body, new Identity())
 */
export class Identity extends Module {
  override forward(x: Tensor): Tensor {
    return x;
  }
}
