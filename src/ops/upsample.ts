/**
 * Upsampling of NCHW feature maps by a scale factor:
 *
 *   'zeros'    zero insertion, the einsum O[n,c,U*h,U*w] = I[n,c,h,w] (other outputs 0). The
 *              output is U*H x U*W: each input sample is followed by U-1 zeros, including
 *              after the last one (so it is not the (H-1)*U+1 of a strided transposed conv).
 *   'nearest'  O[n,c,U*h+r,U*w+s] = I[n,c,h,w] for r,s in [0,U) (PyTorch mode='nearest' at
 *              an integer scale).
 *   'bilinear' PyTorch's mode='bilinear' with align_corners=False: output floor(H*scale);
 *              source coordinate (dst + 0.5)/scale - 0.5, clamped at 0, blending the two
 *              neighbours (the last row/column repeats at the edge).
 *
 * 'zeros' and 'nearest' are einsums (their gradients come from einsum-op.ts); bilinear has
 * its own gradient below (the transpose of its interpolation weights).
 */
import { Tensor } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';
import { recordOp } from '../autograd/graph.js';
import { nearestUpsampleEinsum, zeroInsertEinsum } from '../einsum/layers.js';
import { einsumOp } from './einsum-op.js';
import { checkTensor } from './util.js';

export type UpsampleMode = 'zeros' | 'nearest' | 'bilinear';

export interface UpsampleOptions {
  /** A positive factor for both axes or [height, width]; integers for 'zeros' and 'nearest'. */
  scaleFactor: number | readonly [number, number];
  /** Default 'nearest', as PyTorch. */
  mode?: UpsampleMode;
}

function scalePair(options: UpsampleOptions, integer: boolean, mode: string): [number, number] {
  const f = options.scaleFactor;
  const pair = typeof f === 'number' ? [f, f] : f;
  const ok = Array.isArray(pair) && pair.length === 2
    && pair.every((v) => typeof v === 'number' && Number.isFinite(v) && v > 0 && (!integer || Number.isInteger(v)));
  if (!ok) {
    const what = integer ? 'a positive integer' : 'a positive number';
    throw new Error(`upsample: scaleFactor must be ${what} or a pair [h, w] of them for mode '${mode}', got ${Array.isArray(f) ? `[${f.join(', ')}]` : String(f)}`);
  }
  return [pair[0]!, pair[1]!];
}

/**
 * Upsample x [N,C,H,W] by `scaleFactor`.
 * @example F.upsample(x, { scaleFactor: 2, mode: 'nearest' })   // [N,C,2H,2W]
 * @example F.upsample(x, { scaleFactor: 2, mode: 'zeros' })     // x at even positions, 0 elsewhere
 */
export function upsample(x: Tensor, options: UpsampleOptions): Tensor {
  checkTensor(x, 'upsample', 'input');
  if (x.ndim !== 4) throw new Error(`upsample: input must be 4-D [N, C, H, W], got shape ${formatShape(x.shape)}`);
  if (options === undefined || options === null || typeof options !== 'object') {
    throw new Error(`upsample: options { scaleFactor, mode } are required, got ${String(options)}`);
  }
  const mode = options.mode ?? 'nearest';
  const [N, C, H, W] = x.shape as [number, number, number, number];
  switch (mode) {
    case 'zeros': {
      const [u, v] = scalePair(options, true, mode);
      if (u !== v) throw new Error(`upsample: mode 'zeros' needs the same factor on both axes, got [${u}, ${v}]`);
      return einsumOp(zeroInsertEinsum({ N, C, H, W, U: u }), { I: x }, 'upsample', [N, C, u * H, u * W]);
    }
    case 'nearest': {
      const [u, v] = scalePair(options, true, mode);
      return einsumOp(nearestUpsampleEinsum({ N, C, H, W, U: u, V: v }), { I: x }, 'upsample', [N, C, u * H, v * W]);
    }
    case 'bilinear':
      return bilinear(x, scalePair(options, false, mode));
    default:
      throw new Error(`upsample: mode must be 'zeros', 'nearest' or 'bilinear', got '${String(mode)}'`);
  }
}

/** Per output coordinate: the two source indices and their weights (PyTorch, align_corners=False). */
function axisWeights(inSize: number, outSize: number, scale: number): { i0: Int32Array; i1: Int32Array; l0: Float64Array; l1: Float64Array } {
  const i0 = new Int32Array(outSize), i1 = new Int32Array(outSize);
  const l0 = new Float64Array(outSize), l1 = new Float64Array(outSize);
  const ratio = 1 / scale;   // PyTorch uses the given scale factor, not inSize/outSize
  for (let d = 0; d < outSize; d++) {
    const src = Math.max(ratio * (d + 0.5) - 0.5, 0);
    const lo = Math.floor(src);
    i0[d] = lo;
    i1[d] = lo < inSize - 1 ? lo + 1 : lo;
    l1[d] = src - lo;
    l0[d] = 1 - l1[d]!;
  }
  return { i0, i1, l0, l1 };
}

function bilinear(x: Tensor, [sh, sw]: [number, number]): Tensor {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const P = Math.floor(H * sh), Q = Math.floor(W * sw);
  if (P < 1 || Q < 1) throw new Error(`upsample: scaleFactor [${sh}, ${sw}] makes the ${H}x${W} input empty (${P}x${Q})`);
  const rows = axisWeights(H, P, sh), cols = axisWeights(W, Q, sw);
  const planes = N * C;
  const y = new Float32Array(planes * P * Q);
  for (let k = 0; k < planes; k++) {
    const src = k * H * W;
    for (let p = 0; p < P; p++) {
      const r0 = src + rows.i0[p]! * W, r1 = src + rows.i1[p]! * W;
      const a0 = rows.l0[p]!, a1 = rows.l1[p]!;
      for (let q = 0; q < Q; q++) {
        const c0 = cols.i0[q]!, c1 = cols.i1[q]!, b0 = cols.l0[q]!, b1 = cols.l1[q]!;
        const d = x.data;
        y[(k * P + p) * Q + q] = a0 * (b0 * d[r0 + c0]! + b1 * d[r0 + c1]!) + a1 * (b0 * d[r1 + c0]! + b1 * d[r1 + c1]!);
      }
    }
  }
  const out = new Tensor(y, [N, C, P, Q]);
  return recordOp(out, 'upsample', [x], (g) => {
    // The transpose of the interpolation: each output gradient goes back to its four sources.
    const dx = new Float64Array(x.size);
    for (let k = 0; k < planes; k++) {
      const src = k * H * W;
      for (let p = 0; p < P; p++) {
        const r0 = src + rows.i0[p]! * W, r1 = src + rows.i1[p]! * W;
        const a0 = rows.l0[p]!, a1 = rows.l1[p]!;
        for (let q = 0; q < Q; q++) {
          const c0 = cols.i0[q]!, c1 = cols.i1[q]!, b0 = cols.l0[q]!, b1 = cols.l1[q]!;
          const gv = g.data[(k * P + p) * Q + q]!;
          dx[r0 + c0] += a0 * b0 * gv; dx[r0 + c1] += a0 * b1 * gv;
          dx[r1 + c0] += a1 * b0 * gv; dx[r1 + c1] += a1 * b1 * gv;
        }
      }
    }
    return [new Tensor(Float32Array.from(dx), x.shape)];
  });
}
