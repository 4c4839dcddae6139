/**
 * The CONV layer (conv2d: dense, grouped, depthwise, strided, dilated, padded) and its
 * transpose (convTranspose2d). Both are einsums of the einsum engine (src/einsum/layers.ts):
 *
 *   conv2d:          O[n,g,m,p,q] = B[g,m] + I[n,g,c,U*p+DH*r-PH,V*q+DW*s-PW] * F[g,m,c,r,s]
 *   convTranspose2d: O[n,g,c,U*h+DH*r-PH,V*w+DW*s-PW] = I[n,g,m,h,w] * F[g,m,c,r,s]
 *
 * so forward and every gradient run through the one rule in einsum-op.ts. Layouts follow
 * PyTorch: x [N,C,H,W], conv weight [M, C/groups, R, S], transposed-conv weight
 * [C, M/groups, R, S], bias [M]. Like PyTorch (and unlike signal processing, see convolve.ts)
 * the filter is not flipped: this is cross-correlation.
 */
import { Tensor } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';
import { conv2dEinsum, convTranspose2dEinsum } from '../einsum/layers.js';
import { einsumOp } from './einsum-op.js';
import { add } from './elementwise.js';
import { reshape } from './shape-ops.js';
import { checkBias, checkTensor } from './util.js';
import {
  conv2dParams, convShape, convTranspose2dParams, convTransposeShape,
  type Conv2dShapeOptions, type ConvTranspose2dShapeOptions,
} from './conv-shape.js';

export type Conv2dOptions = Conv2dShapeOptions;
export type ConvTranspose2dOptions = ConvTranspose2dShapeOptions;

/** Accept an unbatched [C,H,W] input as PyTorch does: run it as a batch of one. */
function batched(x: Tensor, where: string): { x4: Tensor; unbatched: boolean } {
  checkTensor(x, where, 'input');
  if (x.ndim === 3) return { x4: reshape(x, [1, ...x.shape]), unbatched: true };
  if (x.ndim !== 4) throw new Error(`${where}: input must be 4-D [N, C, H, W] or 3-D [C, H, W], got shape ${formatShape(x.shape)}`);
  return { x4: x, unbatched: false };
}

/**
 * 2-D convolution (cross-correlation) with PyTorch semantics.
 * padding: a number, [ph, pw], 'valid', or 'same' (P = ceil(H/U); an even kernel pads one
 * more on the bottom/right, as PyTorch does).
 *
 * @example
 *   const y = F.conv2d(randn([1, 3, 32, 32]), randn([16, 3, 3, 3]), zeros([16]), { padding: 1 });
 *   y.shape  // [1, 16, 32, 32]
 * @example F.conv2d(x, w, undefined, { groups: C })  // depthwise: w [C, 1, R, S]
 */
export function conv2d(x: Tensor, w: Tensor, b?: Tensor | null, options: Conv2dOptions = {}): Tensor {
  const { x4, unbatched } = batched(x, 'conv2d');
  checkTensor(w, 'conv2d', 'weight');
  const s = convShape(x4.shape, w.shape, options ?? {}, 'conv2d');
  const bias = checkBias(b, s.M, 'conv2d', 'output channel');
  const e = conv2dEinsum(conv2dParams(s), bias !== undefined);
  const inputs: Record<string, Tensor> = bias ? { I: x4, F: w, B: bias } : { I: x4, F: w };
  const y = einsumOp(e, inputs, 'conv2d', [s.N, s.M, s.P, s.Q]);
  return unbatched ? reshape(y, [s.M, s.P, s.Q]) : y;
}

/**
 * 2-D transposed convolution (PyTorch ConvTranspose2d): the gradient of conv2d with respect to
 * its input, used as a learned upsampler. Weight layout [C, M/groups, R, S];
 * P = (H-1)*U - 2*padH + dilationH*(R-1) + outputPaddingH + 1.
 *
 * @example
 *   F.convTranspose2d(randn([1, 8, 4, 4]), randn([8, 3, 3, 3]), undefined,
 *                     { stride: 2, padding: 1, outputPadding: 1 }).shape  // [1, 3, 8, 8]
 */
export function convTranspose2d(x: Tensor, w: Tensor, b?: Tensor | null, options: ConvTranspose2dOptions = {}): Tensor {
  const { x4, unbatched } = batched(x, 'convTranspose2d');
  checkTensor(w, 'convTranspose2d', 'weight');
  const s = convTransposeShape(x4.shape, w.shape, options ?? {}, 'convTranspose2d');
  const bias = checkBias(b, s.M, 'convTranspose2d', 'output channel');
  const e = convTranspose2dEinsum(convTranspose2dParams(s), false);
  let y = einsumOp(e, { I: x4, F: w }, 'convTranspose2d', [s.N, s.M, s.P, s.Q]);
  // The bias is added as a broadcast term rather than inside the scatter einsum: output
  // positions that no input reaches (outputPadding, large strides) still get their bias.
  if (bias) y = add(y, reshape(bias, [1, s.M, 1, 1]));
  return unbatched ? reshape(y, [s.M, s.P, s.Q]) : y;
}
