/**
 * Tensor: a float32 n-d array with a shape and contiguous row-major data, plus what autograd
 * needs (requiresGrad, grad, gradFn). Tensors are ordinary garbage-collected objects: nothing
 * to dispose. Methods are thin wrappers over the functions in src/ops.
 */
import { backward as runBackward, type GradNode } from '../autograd/graph.js';
import { checkShape, formatShape, sameShape, sizeOf, stridesOf, type Shape } from './shape.js';
import * as ew from '../ops/elementwise.js';
import * as red from '../ops/reduce.js';
import * as sh from '../ops/shape-ops.js';
import { matmul } from '../ops/matmul.js';

export type NestedArray = number | readonly NestedArray[];

/**
 * A float32 n-d array. Create one with tensor()/zeros()/randn(); set requiresGrad to have
 * backward() fill its grad.
 * @example
 *   const w = tensor([[1, 2], [3, 4]]); w.requiresGrad = true;
 *   w.mul(w).sum().backward();  // w.grad: [[2, 4], [6, 8]]
 */
export class Tensor {
  readonly shape: readonly number[];
  /** The elements, row-major. Mutating it in place bypasses autograd (use inside noGrad). */
  data: Float32Array;
  /** Accumulated gradient of a leaf after backward(); null until then. */
  grad: Tensor | null = null;
  /** The op that produced this tensor, when autograd recorded it. */
  gradFn: GradNode | null = null;
  private needsGrad = false;

  constructor(data: Float32Array, shape: Shape) {
    checkShape(shape, 'Tensor');
    if (data.length !== sizeOf(shape)) {
      throw new Error(`Tensor: data has ${data.length} elements but shape ${formatShape(shape)} needs ${sizeOf(shape)}`);
    }
    this.shape = Object.freeze([...shape]);
    this.data = data;
  }

  /** Number of elements. */
  get size(): number { return this.data.length; }
  /** Number of dimensions. */
  get ndim(): number { return this.shape.length; }
  /** Row-major strides. */
  get strides(): number[] { return stridesOf(this.shape); }
  /** True for tensors created by the user (not by an op that recorded a gradient). */
  get isLeaf(): boolean { return this.gradFn === null; }

  get requiresGrad(): boolean { return this.needsGrad; }
  set requiresGrad(value: boolean) {
    if (!this.isLeaf && !value) {
      throw new Error('requiresGrad: cannot turn off gradients of a non-leaf tensor; use detach()');
    }
    this.needsGrad = value;
  }

  /** Mark this as an op output that carries gradients (autograd internal). */
  markNonLeafRequiringGrad(): void { this.needsGrad = true; }

  /** Accumulate a gradient into a leaf (autograd internal). */
  accumulateGrad(g: Tensor): void {
    const gg = sameShape(g.shape, this.shape) ? g : new Tensor(g.data, this.shape);
    this.grad = this.grad ? this.grad.addNoGrad(gg) : new Tensor(Float32Array.from(gg.data), this.shape);
  }

  /** a + b for same-sized tensors without recording a graph (gradient accumulation). */
  addNoGrad(other: Tensor): Tensor {
    const out = new Float32Array(this.size);
    const a = this.data, b = other.data;
    for (let i = 0; i < out.length; i++) out[i] = a[i]! + b[i]!;
    return new Tensor(out, this.shape);
  }

  /**
   * Backpropagate from this tensor (a scalar loss, or pass the output gradient).
   * @example const loss = F.mseLoss(model.forward(x), y); loss.backward(); w.grad
   */
  backward(gradient?: Tensor, options: { retainGraph?: boolean } = {}): void {
    runBackward(this, gradient, options.retainGraph ?? false, (t) => new Tensor(new Float32Array(t.size).fill(1), t.shape));
  }

  /** A tensor sharing this one's data, cut from the graph. */
  detach(): Tensor { return new Tensor(this.data, this.shape); }

  /** A copy of the data, cut from the graph. */
  clone(): Tensor { return new Tensor(Float32Array.from(this.data), this.shape); }

  /** The single value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new Error(`item: tensor of shape ${formatShape(this.shape)} has ${this.size} elements, expected 1`);
    return this.data[0]!;
  }

  /** The elements as nested JavaScript arrays (a number for a scalar). */
  toArray(): NestedArray {
    const build = (dim: number, offset: number): NestedArray => {
      if (dim === this.shape.length) return this.data[offset]!;
      const stride = sizeOf(this.shape.slice(dim + 1));
      const out: NestedArray[] = [];
      for (let i = 0; i < this.shape[dim]!; i++) out.push(build(dim + 1, offset + i * stride));
      return out;
    };
    return build(0, 0);
  }

  toString(): string {
    const preview = Array.from(this.data.subarray(0, 8), (v) => +v.toPrecision(5)).join(', ');
    return `Tensor(shape=${formatShape(this.shape)}, data=[${preview}${this.size > 8 ? ', ...' : ''}]${this.requiresGrad ? ', requiresGrad' : ''})`;
  }

  // Element-wise arithmetic with broadcasting (operand: tensor or number).
  add(other: Tensor | number): Tensor { return ew.add(this, other); }
  sub(other: Tensor | number): Tensor { return ew.sub(this, other); }
  mul(other: Tensor | number): Tensor { return ew.mul(this, other); }
  div(other: Tensor | number): Tensor { return ew.div(this, other); }
  pow(exponent: Tensor | number): Tensor { return ew.pow(this, exponent); }
  maximum(other: Tensor | number): Tensor { return ew.maximum(this, other); }
  minimum(other: Tensor | number): Tensor { return ew.minimum(this, other); }
  neg(): Tensor { return ew.neg(this); }
  exp(): Tensor { return ew.exp(this); }
  log(): Tensor { return ew.log(this); }
  sqrt(): Tensor { return ew.sqrt(this); }
  abs(): Tensor { return ew.abs(this); }

  // Reductions.
  sum(dim?: number | number[], keepDim = false): Tensor { return red.sum(this, dim, keepDim); }
  mean(dim?: number | number[], keepDim = false): Tensor { return red.mean(this, dim, keepDim); }
  max(dim?: number, keepDim = false): Tensor { return red.max(this, dim, keepDim); }
  argmax(dim?: number, keepDim = false): Tensor { return red.argmax(this, dim, keepDim); }

  // Shape.
  reshape(shape: readonly number[]): Tensor { return sh.reshape(this, shape); }
  view(shape: readonly number[]): Tensor { return sh.reshape(this, shape); }
  flatten(startDim = 0, endDim = -1): Tensor { return sh.flatten(this, startDim, endDim); }
  permute(dims: readonly number[]): Tensor { return sh.permute(this, dims); }
  transpose(dim0 = -2, dim1 = -1): Tensor { return sh.transpose(this, dim0, dim1); }
  slice(dim: number, start: number, end?: number): Tensor { return sh.slice(this, dim, start, end); }
  unsqueeze(dim: number): Tensor { return sh.unsqueeze(this, dim); }
  squeeze(dim?: number): Tensor { return sh.squeeze(this, dim); }

  matmul(other: Tensor): Tensor { return matmul(this, other); }
}
