/**
 * Constant padding of the last one or two dims, in torch.nn.functional.pad's order:
 * [left, right] pads the last dim; [left, right, top, bottom] pads the last two. A negative
 * amount crops, as in PyTorch. The gradient is the crop of the output gradient back to the
 * input's window (padding values get no gradient).
 */
import { Tensor } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';
import { recordOp } from '../autograd/graph.js';
import { checkTensor } from './util.js';

/**
 * @example F.pad(x, [1, 1, 2, 2])              // [N,C,H,W] -> [N,C,H+4,W+2], zeros
 * @example F.pad(x, [0, 1, 0, 1], { value: -Infinity })
 */
export function pad(x: Tensor, padding: readonly number[], options: { value?: number } = {}): Tensor {
  checkTensor(x, 'pad', 'input');
  if (!Array.isArray(padding) || (padding.length !== 2 && padding.length !== 4) || !padding.every((v) => Number.isInteger(v))) {
    throw new Error(`pad: padding must be [left, right] or [left, right, top, bottom] of integers, got ${Array.isArray(padding) ? `[${padding.join(', ')}]` : String(padding)}`);
  }
  const dims = padding.length / 2;
  if (x.ndim < dims) {
    throw new Error(`pad: padding [${padding.join(', ')}] pads ${dims} dims but the input has shape ${formatShape(x.shape)}`);
  }
  const value = options.value ?? 0;
  if (typeof value !== 'number') throw new Error(`pad: value must be a number, got ${String(value)}`);
  const [left, right] = [padding[0]!, padding[1]!];
  const [top, bottom] = dims === 2 ? [padding[2]!, padding[3]!] : [0, 0];
  const W = x.shape[x.ndim - 1]!;
  const H = dims === 2 ? x.shape[x.ndim - 2]! : 1;
  const W2 = W + left + right, H2 = H + top + bottom;
  if (W2 < 0 || H2 < 0) {
    throw new Error(`pad: padding [${padding.join(', ')}] crops more than the input ${formatShape(x.shape)} holds`);
  }
  const outShape = [...x.shape.slice(0, x.ndim - dims), ...(dims === 2 ? [H2] : []), W2];
  const planes = H * W === 0 ? 0 : x.size / (H * W);
  const y = new Float32Array(planes * H2 * W2).fill(value);
  // The overlap of input and output, in input coordinates.
  const h0 = Math.max(0, -top), h1 = Math.min(H, H2 - top);
  const w0 = Math.max(0, -left), w1 = Math.min(W, W2 - left);
  const copy = (from: Float32Array, to: Float32Array, forward: boolean): void => {
    for (let k = 0; k < planes; k++) {
      for (let h = h0; h < h1; h++) {
        const i = (k * H + h) * W, o = (k * H2 + h + top) * W2 + left;
        for (let w = w0; w < w1; w++) {
          if (forward) to[o + w] = from[i + w]!; else to[i + w] = from[o + w]!;
        }
      }
    }
  };
  copy(x.data, y, true);
  const out = new Tensor(y, outShape);
  return recordOp(out, 'pad', [x], (g) => {
    const dx = new Float32Array(x.size);
    copy(g.data, dx, false);
    return [new Tensor(dx, x.shape)];
  });
}
