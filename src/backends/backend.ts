/**
 * The backend interface: kernels over flat float32 buffers plus shape parameters.
 *
 * Ops (src/ops) own argument checks, shape rules and gradients; they call a backend only for
 * the arithmetic. `reference` implements every kernel in plain loops (the einsum interpreter
 * for einsum-defined layers) and is the specification. A fast backend overrides what it
 * accelerates and inherits the rest from `reference`, so a missing fast kernel is never a
 * missing feature.
 *
 * Kernels never keep or mutate their inputs; they return fresh buffers.
 */
import type { BoundEinsum, Conv2dParams, Pool2dParams } from '../einsum/types.js';

export type UnaryOp =
  | 'neg' | 'exp' | 'log' | 'sqrt' | 'abs' | 'pow'          // pow: x ** alpha
  | 'relu' | 'sigmoid' | 'tanh' | 'leakyRelu' | 'elu' | 'relu6'
  | 'hardswish' | 'hardsigmoid' | 'silu';

export type BinaryOp = 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum';

export interface Backend {
  readonly name: string;

  /**
   * Optional: zero-filled storage for a new tensor of `length` floats, placed where this
   * backend's kernels read it in place (wasm: resident in its memory, resident.ts). The creation
   * functions and the data loader call `newStorage` (src/tensor/storage.ts), which falls back to a
   * plain array.
   */
  allocate?(length: number): Float32Array;

  /**
   * Evaluate a bound einsum. `target` is the output's name (forward), or the name of an
   * operand whose gradient is wanted; then `operands` also holds the output gradient under
   * 'd' + output name (e.g. 'dO'), and the result has the operand's shape.
   */
  contract(e: BoundEinsum, target: string, operands: Readonly<Record<string, Float32Array>>): Float32Array;

  /** Max pooling; `argmax` holds, per output, the flat index into x of the chosen input. */
  maxPool2d(x: Float32Array, p: Pool2dParams): { y: Float32Array; argmax: Int32Array };
  /** Scatter-add dy into a zero [N,C,H,W] buffer at argmax. */
  maxPool2dBackward(dy: Float32Array, argmax: Int32Array, p: Pool2dParams): Float32Array;

  /** y = op(x) element-wise; `alpha` is the op's scalar (leakyRelu slope, elu alpha, pow exponent). */
  unary(op: UnaryOp, x: Float32Array, alpha: number): Float32Array;
  /** dx = dy * op'(x), given x and y = op(x). */
  unaryGrad(op: UnaryOp, x: Float32Array, y: Float32Array, dy: Float32Array, alpha: number): Float32Array;

  /** Element-wise a op b with NumPy broadcasting to `outShape`. */
  binary(op: BinaryOp, a: Float32Array, aShape: readonly number[], b: Float32Array,
         bShape: readonly number[], outShape: readonly number[]): Float32Array;

  /** Sum x (shape `shape`) over `axes` (sorted, unique), keeping them as size 1. */
  sum(x: Float32Array, shape: readonly number[], axes: readonly number[]): Float32Array;

  /** Per-channel mean and biased variance of x [N,C,L] (L = H*W, or 1). */
  channelMoments(x: Float32Array, N: number, C: number, L: number): { mean: Float32Array; variance: Float32Array };
  /**
   * Training-mode forward in one kernel: the batch statistics (channelMoments), invStd =
   * 1 / sqrt(variance + eps) (invStdOf) and y = batchNormApply(x, ..., mean, invStd, ..., relu).
   */
  batchNormTraining(x: Float32Array, N: number, C: number, L: number, weight: Float32Array, bias: Float32Array,
                    eps: number, relu?: boolean): { y: Float32Array; mean: Float32Array; variance: Float32Array; invStd: Float32Array };
  /**
   * batchNormTraining with relu, then maxPool2d(·, p) over x [N,C,H,W] (p.N, p.C, p.H, p.W):
   * the pooled output and argmax with the statistics. The relu'd map itself is not returned
   * (its gradient is dy at argmax where the pooled output is positive).
   */
  batchNormReluMaxPool(x: Float32Array, weight: Float32Array, bias: Float32Array, eps: number,
                       p: Pool2dParams): { y: Float32Array; argmax: Int32Array; mean: Float32Array; variance: Float32Array; invStd: Float32Array };
  /**
   * Gradients of batchNormReluMaxPool given dy at the pooled output y: batchNormBackward in
   * training mode of reluPoolGradient(dy, y, argmax) — maxPool2dBackward's scatter-add at
   * argmax, kept where y > 0 (relu's gradient).
   */
  batchNormReluMaxPoolBackward(x: Float32Array, dy: Float32Array, y: Float32Array, argmax: Int32Array,
                               mean: Float32Array, invStd: Float32Array, weight: Float32Array, p: Pool2dParams,
                               needDx: boolean): { dx: Float32Array | null; dWeight: Float32Array; dBias: Float32Array };
  /**
   * y = (x - mean[c]) * invStd[c] * weight[c] + bias[c] over x [N,C,L]; with `relu`,
   * unary('relu') of that y (the same bits as the two kernels one after the other).
   */
  batchNormApply(x: Float32Array, N: number, C: number, L: number, mean: Float32Array,
                 invStd: Float32Array, weight: Float32Array, bias: Float32Array, relu?: boolean): Float32Array;
  /**
   * Gradients of batchNormApply given dy: dWeight = sum dy*xhat and dBias = sum dy per
   * channel, and dx when `needDx` (else null); `training` says mean and invStd are the batch
   * statistics of x (so dx has the terms through them). With `reluOutput` (the forward's
   * output with relu applied) dy is the gradient of that output and first goes through
   * unaryGrad('relu'): dy where reluOutput > 0, else 0.
   */
  batchNormBackward(x: Float32Array, dy: Float32Array, N: number, C: number, L: number, mean: Float32Array,
                    invStd: Float32Array, weight: Float32Array, training: boolean,
                    needDx: boolean, reluOutput?: Float32Array | null): { dx: Float32Array | null; dWeight: Float32Array; dBias: Float32Array };

  /**
   * Optional fusion of Sequential's Conv2d, ReLU: y = relu(conv2d(x, w) + b) [N,M,P,Q], with the
   * bits of contract (conv2d 'O') then unary('relu'). Returns null where it does not apply; the
   * op then runs the two (src/ops/conv-relu.ts). The gradients need no kernel of their own.
   */
  convRelu?(p: Conv2dParams, x: Float32Array, w: Float32Array, b: Float32Array | null): Float32Array | null;
  /**
   * Optional fusion of Sequential's Conv2d, Tanh (, AvgPool2d(2)): y = tanh(conv2d(x, w) + b)
   * [N,M,P,Q] and, with `pool`, its 2x2 stride-2 average pooling, in one pass, with the bits
   * of contract (conv2d 'O'), unary('tanh') and contract (avgPool2d 'O') one after another.
   * Returns null where it does not apply; the op then runs those three (src/ops/conv-tanh.ts).
   */
  convTanhPool?(p: Conv2dParams, x: Float32Array, w: Float32Array, b: Float32Array | null,
                pool: boolean): { y: Float32Array; pooled: Float32Array | null } | null;
  /**
   * Optional, with convTanhPool (called only for a layer it ran, y its tanh output
   * [N,M,P,Q]): the gradients `need` asks for of x, w and b given dy at the block's output,
   * with the bits of the unfused calls: dz = unaryGrad('tanh', y, dy') where dy' is
   * avgPool2d's 2x2 data gradient of dy (pool) or dy itself, then contract (conv2d 'I', 'F',
   * 'B') with dO = dz.
   */
  convTanhPoolBackward?(p: Conv2dParams, x: Float32Array, w: Float32Array, y: Float32Array, dy: Float32Array, pool: boolean,
                        need: { dx: boolean; dw: boolean; db: boolean }): { dx: Float32Array | null; dw: Float32Array | null; dBias: Float32Array | null };
}
