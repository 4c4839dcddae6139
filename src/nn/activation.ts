/**
 * One module per activation, each a thin wrapper over the functional op (F.relu, ...), so
 * they can sit in a Sequential and show up in toString() and in the per-layer analysis.
 */
import type { Tensor } from '../tensor/tensor.js';
import * as A from '../ops/activation.js';
import { Module } from './module.js';

function checkFinite(where: string, arg: string, v: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${where}: ${arg} must be a finite number, got ${String(v)}`);
  return v;
}

function checkDim(where: string, dim: number): number {
  if (!Number.isInteger(dim)) throw new Error(`${where}: dim must be an integer, got ${String(dim)}`);
  return dim;
}

/** max(x, 0); relu'(0) = 0 as in PyTorch. @example new Sequential(new Conv2d(3, 8, 3), new ReLU()) */
export class ReLU extends Module {
  override forward(x: Tensor): Tensor { return A.relu(x); }
}

/** 1 / (1 + exp(-x)). @example new Sigmoid().call(tensor([0]))  // [0.5] */
export class Sigmoid extends Module {
  override forward(x: Tensor): Tensor { return A.sigmoid(x); }
}

/** Hyperbolic tangent. @example new Tanh().call(x) */
export class Tanh extends Module {
  override forward(x: Tensor): Tensor { return A.tanh(x); }
}

/** min(max(x, 0), 6) (MobileNetV2). @example new ReLU6() */
export class ReLU6 extends Module {
  override forward(x: Tensor): Tensor { return A.relu6(x); }
}

/** x * relu6(x + 3) / 6 (MobileNetV3). @example new Hardswish() */
export class Hardswish extends Module {
  override forward(x: Tensor): Tensor { return A.hardswish(x); }
}

/** relu6(x + 3) / 6 (squeeze-and-excitation gates in MobileNetV3). @example new Hardsigmoid() */
export class Hardsigmoid extends Module {
  override forward(x: Tensor): Tensor { return A.hardsigmoid(x); }
}

/** x * sigmoid(x), also called swish (EfficientNet). @example new SiLU() */
export class SiLU extends Module {
  override forward(x: Tensor): Tensor { return A.silu(x); }
}

/** x for x > 0, negativeSlope·x otherwise. @example new LeakyReLU(0.2) */
export class LeakyReLU extends Module {
  readonly negativeSlope: number;
  constructor(negativeSlope = 0.01) {
    super();
    this.negativeSlope = checkFinite('LeakyReLU', 'negativeSlope', negativeSlope);
  }
  override forward(x: Tensor): Tensor { return A.leakyRelu(x, this.negativeSlope); }
  override extraRepr(): string { return `negativeSlope=${this.negativeSlope}`; }
}

/** x for x > 0, alpha·(exp(x) - 1) otherwise. @example new ELU(1.0) */
export class ELU extends Module {
  readonly alpha: number;
  constructor(alpha = 1) {
    super();
    this.alpha = checkFinite('ELU', 'alpha', alpha);
  }
  override forward(x: Tensor): Tensor { return A.elu(x, this.alpha); }
  override extraRepr(): string { return `alpha=${this.alpha}`; }
}

/** exp(x) / sum(exp(x)) along `dim` (default the last). @example new Softmax(1) */
export class Softmax extends Module {
  readonly dim: number;
  constructor(dim = -1) {
    super();
    this.dim = checkDim('Softmax', dim);
  }
  override forward(x: Tensor): Tensor { return A.softmax(x, this.dim); }
  override extraRepr(): string { return `dim=${this.dim}`; }
}

/** log(softmax(x)) along `dim`, without underflow (default the last). @example new LogSoftmax(1) */
export class LogSoftmax extends Module {
  readonly dim: number;
  constructor(dim = -1) {
    super();
    this.dim = checkDim('LogSoftmax', dim);
  }
  override forward(x: Tensor): Tensor { return A.logSoftmax(x, this.dim); }
  override extraRepr(): string { return `dim=${this.dim}`; }
}
