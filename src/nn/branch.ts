/**
 * Multi-branch building blocks: Residual (ResNet), Concat (Inception), Add. They make
 * branching networks expressible as module trees, so summary, foldBatchNorm and ONNX export
 * see every layer.
 */
import type { Tensor } from '../tensor/tensor.js';
import { concat } from '../ops/shape-ops.js';
import { Module } from './module.js';

/**
 * out = activation(body(x) + shortcut(x)); no shortcut means the identity, no activation means
 * none. The children are named body, shortcut and activation.
 * @example
 *   new Residual(
 *     new Sequential(new Conv2d(64, 64, 3, { padding: 1 }), new BatchNorm2d(64), new ReLU(),
 *                    new Conv2d(64, 64, 3, { padding: 1 }), new BatchNorm2d(64)),
 *     undefined, new ReLU())  // a ResNet basic block
 */
export class Residual extends Module {
  readonly body: Module;
  readonly shortcut: Module | null;
  readonly activation: Module | null;

  constructor(body: Module, shortcut?: Module | null, activation?: Module | null) {
    super();
    for (const [name, m] of [['body', body], ['shortcut', shortcut], ['activation', activation]] as const) {
      if (m !== undefined && m !== null && !(m instanceof Module)) throw new Error(`Residual: ${name} must be a Module, got ${typeof m}`);
    }
    if (!body) throw new Error('Residual: body is required');
    this.body = body;
    this.shortcut = shortcut ?? null;
    this.activation = activation ?? null;
  }

  override forward(x: Tensor): Tensor {
    const y = this.body.call(x);
    const s = this.shortcut ? this.shortcut.call(x) : x;
    if (y.shape.length !== s.shape.length || y.shape.some((d, i) => d !== s.shape[i])) {
      throw new Error(`Residual: body output [${y.shape.join(',')}] and shortcut output [${s.shape.join(',')}] differ; give a shortcut that matches (e.g. a 1x1 Conv2d with the body's stride)`);
    }
    const sum = y.add(s);
    return this.activation ? this.activation.call(sum) : sum;
  }
}

/**
 * Run every branch on the same input and concatenate the outputs along `dim` (default 1, the
 * channels): the Inception module. Branches are named '0', '1', ... or by the keys given.
 * @example new Concat([conv1x1, new Sequential(conv1x1b, conv3x3), pool_proj])
 */
export class Concat extends Module {
  readonly dim: number;

  constructor(branches: readonly Module[] | Readonly<Record<string, Module>>, dim = 1) {
    super();
    if (!Number.isInteger(dim)) throw new Error(`Concat: dim must be an integer, got ${String(dim)}`);
    this.dim = dim;
    const entries = Array.isArray(branches)
      ? (branches as readonly Module[]).map((m, i) => [String(i), m] as const)
      : Object.entries(branches as Record<string, Module>);
    if (entries.length === 0) throw new Error('Concat: needs at least one branch');
    for (const [name, m] of entries) {
      if (!(m instanceof Module)) throw new Error(`Concat: branch '${name}' must be a Module, got ${m === null ? 'null' : typeof m}`);
      this.registerModule(name, m);
    }
  }

  override forward(x: Tensor): Tensor {
    return concat([...this.children()].map((b) => b.call(x)), this.dim);
  }

  override extraRepr(): string { return `dim=${this.dim}`; }
}

/**
 * The element-wise sum of its inputs (broadcasting), for models written with explicit
 * branches. @example const add = new Add(); add.call(a, b)
 */
export class Add extends Module {
  override forward(...inputs: Tensor[]): Tensor {
    if (inputs.length === 0) throw new Error('Add: needs at least one input');
    return inputs.reduce((acc, t) => acc.add(t));
  }
}
