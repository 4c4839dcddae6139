/**
 * Parameter: a Tensor that a Module owns and trains (like torch.nn.Parameter). It is an
 * ordinary leaf tensor with requiresGrad = true; the subclass only marks it, so a Module
 * field holding a Parameter is found by parameters() without any registration call.
 */
import { Tensor } from '../tensor/tensor.js';
import type { Shape } from '../tensor/shape.js';

/** A trainable tensor of a Module. @example this.weight = Parameter.from(zeros([8])) */
export class Parameter extends Tensor {
  /**
   * @param requiresGrad false freezes it (it stays a parameter: saved, loaded, listed)
   * @example const w = new Parameter(new Float32Array(6), [2, 3]);
   */
  constructor(data: Float32Array, shape: Shape, requiresGrad = true) {
    super(data, shape);
    this.requiresGrad = requiresGrad;
  }

  /**
   * Wrap a tensor's data as a parameter (shares the data, drops any graph).
   * @example this.weight = Parameter.from(randn([4, 3]));
   */
  static from(t: Tensor, requiresGrad = true): Parameter {
    return t instanceof Parameter && t.requiresGrad === requiresGrad ? t : new Parameter(t.data, t.shape, requiresGrad);
  }

  override toString(): string {
    return `Parameter${super.toString().slice('Tensor'.length)}`;
  }
}
