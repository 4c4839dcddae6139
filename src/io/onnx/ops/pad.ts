/**
 * Pad: constant, reflect and edge padding of any rank, with negative pads cropping, as the
 * ONNX spec defines it (pads = [x1_begin, x2_begin, ..., x1_end, x2_end]). Also the helper
 * the window operators use for asymmetric padding (PyTorch's layers pad both sides alike).
 */
import { Tensor } from '../../../tensor/tensor.js';
import { recordOp } from '../../../autograd/graph.js';
import { OnnxError } from '../errors.js';
import { IntTensor, type Value } from '../value.js';
import { stridesOf, sizeOf } from '../../../tensor/shape.js';
import { checkSize, floatIn, intsIn } from './common.js';
import type { Limits, OpSpec } from './types.js';

export type PadMode = 'constant' | 'reflect' | 'edge';

/** For each output element, the flat input index it reads, or -1 for the constant. */
function sourceIndex(shape: readonly number[], begin: readonly number[], outShape: readonly number[], mode: PadMode): Int32Array {
  const rank = shape.length;
  const total = sizeOf(outShape);
  const inStrides = stridesOf(shape);
  // Per axis, the input coordinate of each output coordinate (-1: outside).
  const maps = outShape.map((n, d) => {
    const m = new Int32Array(n);
    const size = shape[d]!;
    for (let o = 0; o < n; o++) {
      let i = o - begin[d]!;
      if (i < 0 || i >= size) {
        if (mode === 'constant' || size === 0) i = -1;
        else if (mode === 'edge') i = Math.min(Math.max(i, 0), size - 1);
        else {
          // reflect without repeating the edge: period 2*(size-1)
          const period = 2 * (size - 1);
          if (period === 0) i = 0;
          else {
            i = ((i % period) + period) % period;
            if (i >= size) i = period - i;
          }
        }
      }
      m[o] = i;
    }
    return m;
  });
  const out = new Int32Array(total);
  const idx = new Array<number>(rank).fill(0);
  for (let o = 0; o < total; o++) {
    let src = 0;
    for (let d = 0; d < rank; d++) {
      const i = maps[d]![idx[d]!]!;
      if (i < 0) { src = -1; break; }
      src += i * inStrides[d]!;
    }
    out[o] = src;
    for (let d = rank - 1; d >= 0; d--) {
      if (++idx[d]! < outShape[d]!) break;
      idx[d] = 0;
    }
  }
  return out;
}

/**
 * Pad x by `begin[d]` before and `end[d]` after each axis d (negative values crop), with
 * `value` (constant mode) or reflected / repeated edge values. Differentiable in x.
 */
export function padTensor(x: Tensor, begin: readonly number[], end: readonly number[], mode: PadMode, value: number,
                          where: string, limits: Limits | null = null): Tensor {
  const outShape = x.shape.map((n, d) => n + begin[d]! + end[d]!);
  if (outShape.some((n) => n < 0)) {
    throw new OnnxError(`${where}: pads [${begin.join(',')}; ${end.join(',')}] crop shape [${x.shape.join(',')}] below zero`);
  }
  if (mode === 'reflect' && x.shape.some((n, d) => (begin[d]! > 0 || end[d]! > 0) && (begin[d]! >= n || end[d]! >= n))) {
    throw new OnnxError(`${where}: reflect pads must be smaller than the padded dimension, got [${begin.join(',')}; ${end.join(',')}] for shape [${x.shape.join(',')}]`);
  }
  if (limits) {
    const n = sizeOf(outShape);
    if (n > limits.maxElements) throw new OnnxError(`${where}: padded shape [${outShape.join(',')}] exceeds the limit of ${limits.maxElements} elements`);
  }
  const src = sourceIndex(x.shape, begin, outShape, mode);
  const y = new Float32Array(src.length);
  for (let o = 0; o < src.length; o++) { const s = src[o]!; y[o] = s < 0 ? value : x.data[s]!; }
  return recordOp(new Tensor(y, outShape), 'pad', [x], (g) => {
    const dx = new Float32Array(x.size);
    for (let o = 0; o < src.length; o++) { const s = src[o]!; if (s >= 0) dx[s] += g.data[o]!; }
    return [new Tensor(dx, x.shape)];
  });
}

/** Pad the two spatial axes of an NCHW tensor by [top, left, bottom, right]. */
export function pad2d(x: Tensor, p: readonly [number, number, number, number], value: number, where: string): Tensor {
  if (p.every((v) => v === 0)) return x;
  return padTensor(x, [0, 0, p[0], p[1]], [0, 0, p[2], p[3]], 'constant', value, where);
}

export const Pad: OpSpec = {
  attributes: ['mode', 'pads', 'value'],
  inputs: [1, 4],
  outputs: [1, 1],
  prepare({ node, limits }) {
    const mode = node.attrs.string('mode', 'constant');
    if (mode !== 'constant' && mode !== 'reflect' && mode !== 'edge') {
      throw new OnnxError(`${node.label}: mode '${mode}' is not supported (supported: constant, reflect, edge)`);
    }
    return {
      run(inputs) {
        const x = inputs[0];
        if (x === undefined) throw new OnnxError(`${node.label}: input 0 is required but missing`);
        const rank = x.shape.length;
        let pads: number[];
        let value: number;
        if (node.opset < 11) {
          pads = node.attrs.ints('pads') ?? [];
          value = node.attrs.float('value', 0);
        } else {
          pads = intsIn(node, inputs, 1, "input 'pads'");
          value = inputs[2] === undefined || inputs[2].size === 0 ? 0 : inputs[2].data[0]!;
        }
        let axes = Array.from({ length: rank }, (_, i) => i);
        if (inputs[3] !== undefined) {
          axes = intsIn(node, inputs, 3, "input 'axes'").map((a) => (a < 0 ? a + rank : a));
          if (axes.some((a) => a < 0 || a >= rank)) throw new OnnxError(`${node.label}: axes out of range for rank ${rank}`);
        }
        if (pads.length !== 2 * axes.length) {
          throw new OnnxError(`${node.label}: pads must have ${2 * axes.length} values for a rank-${rank} input, got [${pads.join(',')}]`);
        }
        const begin = new Array<number>(rank).fill(0), end = new Array<number>(rank).fill(0);
        axes.forEach((a, i) => { begin[a] = pads[i]!; end[a] = pads[i + axes.length]!; });
        const outShape = x.shape.map((n, d) => n + begin[d]! + end[d]!);
        checkSize(node, outShape, limits);
        if (x instanceof IntTensor) {
          const t = padTensor(new Tensor(Float32Array.from(x.data), x.shape), begin, end, mode, value, node.label);
          return [new IntTensor(t.shape, Array.from(t.data), x.dataType)];
        }
        return [padTensor(floatIn(node, inputs, 0), begin, end, mode, value, node.label, limits) as Value];
      },
    };
  },
};
