/**
 * POOL layers with PyTorch semantics:
 *
 *   max pooling:      O[n,c,p,q] = max over r,s of I[n,c,U*p+DH*r-PH,V*q+DW*s-PW]
 *   average pooling:  O[n,c,p,q] = I[n,c,U*p+r-PH,V*q+s-PW] / (R*S)      (the avgPool2d einsum)
 *   adaptive average: bins [floor(i*H/P), ceil((i+1)*H/P)) per output row, likewise for columns
 *
 * Max pooling is not an einsum gradient: its backward routes each output gradient to the
 * input the forward chose (the first maximum in window order on ties, as PyTorch).
 * Average pooling's gradient is the einsum's; where PyTorch divides by fewer than R*S
 * elements (countIncludePad = false, or ceil-mode windows hanging past the padded input) the
 * output is rescaled by a constant per-position factor, whose gradient is a plain multiply.
 */
import { Tensor } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';
import { recordOp } from '../autograd/graph.js';
import { getBackend } from '../backends/registry.js';
import { avgPool2dEinsum } from '../einsum/layers.js';
import { einsumOp } from './einsum-op.js';
import { mul } from './elementwise.js';
import { checkTensor } from './util.js';
import { adaptiveBins, adaptivePoolShape, pool2dParams, poolShape, type LayerShape, type Pair, type Pool2dShapeOptions } from './conv-shape.js';

export interface MaxPool2dOptions extends Pool2dShapeOptions {}

export interface AvgPool2dOptions {
  kernelSize: Pair;
  /** Defaults to kernelSize. */
  stride?: Pair;
  padding?: Pair;
  ceilMode?: boolean;
  /** Count zero padding in the divisor (default true, as PyTorch). */
  countIncludePad?: boolean;
}

function checkInput(x: Tensor, where: string): void {
  checkTensor(x, where, 'input');
  if (x.ndim !== 3 && x.ndim !== 4) {
    throw new Error(`${where}: input must be 4-D [N, C, H, W] or 3-D [C, H, W], got shape ${formatShape(x.shape)}`);
  }
}

/** Output shape in the input's rank ([C,P,Q] for an unbatched input). */
function outShape(x: Tensor, s: LayerShape): number[] {
  return x.ndim === 3 ? [s.C, s.P, s.Q] : [s.N, s.C, s.P, s.Q];
}

/**
 * 2-D max pooling. Padding never wins (it counts as -infinity); NaN propagates.
 * @example F.maxPool2d(x, { kernelSize: 3, stride: 2, padding: 1 })  // ResNet stem: 112 -> 56
 */
export function maxPool2d(x: Tensor, options: MaxPool2dOptions): Tensor {
  checkInput(x, 'maxPool2d');
  const s = poolShape(x.shape, options, 'maxPool2d');
  const p = pool2dParams(s);
  const { y, argmax } = getBackend().maxPool2d(x.data, p);
  const out = new Tensor(y, outShape(x, s));
  return recordOp(out, 'maxPool2d', [x], (g) => [
    new Tensor(getBackend().maxPool2dBackward(g.data, argmax, p), x.shape),
  ]);
}

/**
 * PyTorch's divisor for each output position, as a factor R*S/divisor (null when every
 * window divides by R*S, the einsum's own divisor).
 */
function divisorCorrection(s: LayerShape, countIncludePad: boolean): Tensor | null {
  const factor = new Float32Array(s.P * s.Q);
  let needed = false;
  for (let p = 0; p < s.P; p++) {
    const h0 = p * s.strideH - s.padTop;
    const h1 = Math.min(h0 + s.R, s.H + s.padBottom);
    for (let q = 0; q < s.Q; q++) {
      const w0 = q * s.strideW - s.padLeft;
      const w1 = Math.min(w0 + s.S, s.W + s.padRight);
      let count = (h1 - h0) * (w1 - w0);
      if (!countIncludePad) count = (Math.min(h1, s.H) - Math.max(h0, 0)) * (Math.min(w1, s.W) - Math.max(w0, 0));
      factor[p * s.Q + q] = (s.R * s.S) / count;
      if (count !== s.R * s.S) needed = true;
    }
  }
  return needed ? new Tensor(factor, [s.P, s.Q]) : null;
}

/**
 * 2-D average pooling. With countIncludePad (default) zero padding counts in the divisor;
 * windows that hang past the padded input in ceil mode divide by the part that lies inside
 * it, exactly as PyTorch.
 * @example F.avgPool2d(x, { kernelSize: 2 })  // [N,C,H,W] -> [N,C,H/2,W/2]
 */
export function avgPool2d(x: Tensor, options: AvgPool2dOptions): Tensor {
  checkInput(x, 'avgPool2d');
  const s = poolShape(x.shape, options as Pool2dShapeOptions, 'avgPool2d');
  const e = avgPool2dEinsum(pool2dParams(s));
  const y = einsumOp(e, { I: x }, 'avgPool2d', outShape(x, s));
  const correction = divisorCorrection(s, options.countIncludePad ?? true);
  return correction ? mul(y, correction) : y;
}

/**
 * Adaptive average pooling to a fixed output size (bins may overlap by one when the sizes
 * do not divide).
 * @example F.adaptiveAvgPool2d(x, 1)  // global average pooling: [N,C,H,W] -> [N,C,1,1]
 * @example F.adaptiveAvgPool2d(x, [6, 6])  // AlexNet's classifier input
 */
export function adaptiveAvgPool2d(x: Tensor, outputSize: Pair): Tensor {
  checkInput(x, 'adaptiveAvgPool2d');
  const { H, W, P, Q } = adaptivePoolShape(x.shape, outputSize, 'adaptiveAvgPool2d');
  const planes = x.size / (H * W);
  const rows = adaptiveBins(H, P), cols = adaptiveBins(W, Q);
  const y = new Float32Array(planes * P * Q);
  for (let k = 0; k < planes; k++) {
    const base = k * H * W;
    for (let p = 0; p < P; p++) {
      const [h0, h1] = rows[p]!;
      for (let q = 0; q < Q; q++) {
        const [w0, w1] = cols[q]!;
        let sum = 0;
        for (let h = h0; h < h1; h++) for (let w = w0; w < w1; w++) sum += x.data[base + h * W + w]!;
        y[(k * P + p) * Q + q] = sum / ((h1 - h0) * (w1 - w0));
      }
    }
  }
  const out = new Tensor(y, [...x.shape.slice(0, -2), P, Q]);
  return recordOp(out, 'adaptiveAvgPool2d', [x], (g) => {
    const dx = new Float32Array(x.size);
    for (let k = 0; k < planes; k++) {
      const base = k * H * W;
      for (let p = 0; p < P; p++) {
        const [h0, h1] = rows[p]!;
        for (let q = 0; q < Q; q++) {
          const [w0, w1] = cols[q]!;
          const share = g.data[(k * P + p) * Q + q]! / ((h1 - h0) * (w1 - w0));
          for (let h = h0; h < h1; h++) for (let w = w0; w < w1; w++) dx[base + h * W + w] += share;
        }
      }
    }
    return [new Tensor(dx, x.shape)];
  });
}
