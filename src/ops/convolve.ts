/**
 * 2-D convolution in the signal-processing sense: the filter is flipped,
 *
 *   full:  O[p,q] = sum over r,s of I[p-r, q-s] * K[r,s]     (p in [0, H+R-1): N+M-1 long)
 *
 * whereas the CNN "convolution" (conv2d) is cross-correlation, O[p,q] = I[p+r, q+s] * K[r,s],
 * with no flip. convolve2d(x, k) therefore equals conv2d(x, flip(k)) with R-1, S-1 padding;
 * that is how it is computed, so its gradients come from conv2d's einsum and the flip's.
 * Modes follow numpy/scipy: 'full' (H+R-1), 'same' (H, the centre of 'full', starting at
 * (R-1)//2), 'valid' (H-R+1, only where the filter lies inside the signal).
 */
import { Tensor } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';
import { recordOp } from '../autograd/graph.js';
import { conv2d } from './conv.js';
import { pad } from './pad.js';
import { reshape } from './shape-ops.js';
import { checkTensor } from './util.js';

export type ConvolveMode = 'full' | 'same' | 'valid';

/** Reverse the last two dims (its gradient is the same reversal). */
function flip2d(t: Tensor): Tensor {
  const H = t.shape[t.ndim - 2]!, W = t.shape[t.ndim - 1]!;
  const planes = t.size / (H * W || 1);
  const reverse = (from: Float32Array): Float32Array => {
    const to = new Float32Array(from.length);
    for (let k = 0; k < planes; k++) {
      const base = k * H * W;
      for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) to[base + (H - 1 - h) * W + (W - 1 - w)] = from[base + h * W + w]!;
    }
    return to;
  };
  const out = new Tensor(reverse(t.data), t.shape);
  return recordOp(out, 'flip', [t], (g) => [new Tensor(reverse(g.data), t.shape)]);
}

/**
 * True 2-D convolution. Shapes: x [H,W] with k [R,S]; x [N,C,H,W] with k [M,C,R,S] (summed
 * over C, -> [N,M,P,Q]); or x [N,C,H,W] with k [R,S] (each channel alone, -> [N,C,P,Q]).
 * @example convolve2d(tensor([[1, 2], [3, 4]]), tensor([[1, 1]])).toArray()  // [[1, 3, 2], [3, 7, 4]]
 */
export function convolve2d(x: Tensor, k: Tensor, options: { mode?: ConvolveMode } = {}): Tensor {
  checkTensor(x, 'convolve2d', 'input');
  checkTensor(k, 'convolve2d', 'kernel');
  const mode = options.mode ?? 'full';
  if (mode !== 'full' && mode !== 'same' && mode !== 'valid') {
    throw new Error(`convolve2d: mode must be 'full', 'same' or 'valid', got '${String(mode)}'`);
  }
  let x4: Tensor, k4: Tensor, outLead: number[];
  if (x.ndim === 2 && k.ndim === 2) {
    x4 = reshape(x, [1, 1, ...x.shape]); k4 = reshape(k, [1, 1, ...k.shape]); outLead = [];
  } else if (x.ndim === 4 && k.ndim === 4) {
    if (k.shape[1] !== x.shape[1]) {
      throw new Error(`convolve2d: input has ${x.shape[1]} channels but kernel ${formatShape(k.shape)} expects ${k.shape[1]} (kernel layout [M, C, R, S])`);
    }
    x4 = x; k4 = k; outLead = [x.shape[0]!, k.shape[0]!];
  } else if (x.ndim === 4 && k.ndim === 2) {
    x4 = reshape(x, [x.shape[0]! * x.shape[1]!, 1, x.shape[2]!, x.shape[3]!]);
    k4 = reshape(k, [1, 1, ...k.shape]); outLead = [x.shape[0]!, x.shape[1]!];
  } else {
    throw new Error(`convolve2d: expected input [H, W] with kernel [R, S], or input [N, C, H, W] with kernel [M, C, R, S] or [R, S]; got input ${formatShape(x.shape)} and kernel ${formatShape(k.shape)}`);
  }
  const [H, W] = [x4.shape[2]!, x4.shape[3]!];
  const [R, S] = [k4.shape[2]!, k4.shape[3]!];
  if (R < 1 || S < 1) throw new Error(`convolve2d: kernel ${formatShape(k.shape)} is empty`);
  if (mode === 'valid' && (R > H || S > W)) {
    throw new Error(`convolve2d: mode 'valid' needs the kernel ${R}x${S} to fit inside the input ${H}x${W}`);
  }
  const flipped = flip2d(k4);
  let y: Tensor;
  if (mode === 'valid') y = conv2d(x4, flipped);
  else {
    y = conv2d(x4, flipped, undefined, { padding: [R - 1, S - 1] });
    if (mode === 'same') {
      const top = Math.floor((R - 1) / 2), left = Math.floor((S - 1) / 2);
      y = pad(y, [-left, -(S - 1 - left), -top, -(R - 1 - top)]);
    }
  }
  const [P, Q] = [y.shape[2]!, y.shape[3]!];
  return reshape(y, [...outLead, P, Q]);
}
