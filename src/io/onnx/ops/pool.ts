/**
 * MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool. Symmetric padding within PyTorch's
 * limit (at most half the window) becomes an nn.MaxPool2d / nn.AvgPool2d; anything else
 * (asymmetric pads, SAME at a stride, larger pads) is computed exactly by padding explicitly
 * and pooling without padding, with ONNX's output-size rule.
 */
import { Tensor } from '../../../tensor/tensor.js';
import { maxPool2d, avgPool2d } from '../../../ops/pool.js';
import { div } from '../../../ops/elementwise.js';
import { max } from '../../../ops/reduce.js';
import { reshape, slice } from '../../../ops/shape-ops.js';
import { MaxPool2d, AvgPool2d, AdaptiveAvgPool2d } from '../../../nn/pool.js';
import { OnnxError } from '../errors.js';
import { check4d, checkSize, floatIn, unsupported } from './common.js';
import { pad2d } from './pad.js';
import { readWindow, resolvePads, staticPads, symmetric, windowExtent, type Window } from './spatial.js';
import type { Limits, OnnxNode, OpSpec, Prepared } from './types.js';

/**
 * ONNX's pooled size: floor or ceil of (in + pads - effective kernel) / stride, + 1; in ceil
 * mode a last window that would start in the end padding is dropped.
 */
function pooledSize(size: number, begin: number, end: number, keff: number, stride: number, ceil: boolean): number {
  const span = size + begin + end - keff;
  if (span < 0) return 0;
  let out = Math.floor(span / stride) + 1;
  if (ceil && span % stride !== 0) {
    out += 1;
    if ((out - 1) * stride >= size + begin) out -= 1;
  }
  return out;
}

interface PoolPlan { kernel: [number, number]; win: Window; ceil: boolean }

function plan(node: OnnxNode): PoolPlan {
  const win = readWindow(node);
  if (!win.kernel) throw new OnnxError(`${node.label}: attribute 'kernel_shape' is required`);
  const ceil = node.attrs.int('ceil_mode', 0) !== 0;
  return { kernel: win.kernel, win, ceil };
}

/** Pads for module form: symmetric, static and within PyTorch's half-window limit. */
function modulePads(p: PoolPlan): [number, number] | null {
  const pads = staticPads(p.win, p.kernel);
  const sym = pads && symmetric(pads);
  if (!sym) return null;
  const keff = [0, 1].map((i) => p.win.dilations[i]! * (p.kernel[i]! - 1) + 1);
  return 2 * sym[0] <= keff[0]! && 2 * sym[1] <= keff[1]! ? sym : null;
}

/**
 * Pad x explicitly so a floor-mode, unpadded window pass gives ONNX's output size; returns
 * the padded input, the output size, and the pads (real pads plus the ceil-mode extra).
 */
function explicitPadding(node: OnnxNode, p: PoolPlan, x: Tensor, fill: number, limits: Limits) {
  const [H, W] = [x.shape[2]!, x.shape[3]!];
  const pads = resolvePads(p.win, p.kernel, H, W);
  checkSize(node, [x.shape[0]!, x.shape[1]!, H + pads[0] + pads[2] + p.win.strides[0], W + pads[1] + pads[3] + p.win.strides[1]], limits, 'padded input');
  guard(node, p, x, [pads[0] + pads[2], pads[1] + pads[3]], limits);
  const keff = [0, 1].map((i) => p.win.dilations[i]! * (p.kernel[i]! - 1) + 1);
  const P = pooledSize(H, pads[0], pads[2], keff[0]!, p.win.strides[0], p.ceil);
  const Q = pooledSize(W, pads[1], pads[3], keff[1]!, p.win.strides[1], p.ceil);
  if (P < 1 || Q < 1) throw new OnnxError(`${node.label}: the window ${keff.join('x')} is larger than the padded input (input [${x.shape.join(',')}], pads [${pads.join(',')}])`);
  const extra = [
    Math.max(0, (P - 1) * p.win.strides[0] + keff[0]! - (H + pads[0] + pads[2])),
    Math.max(0, (Q - 1) * p.win.strides[1] + keff[1]! - (W + pads[1] + pads[3])),
  ];
  const all: [number, number, number, number] = [pads[0], pads[1], pads[2] + extra[0]!, pads[3] + extra[1]!];
  return { xp: pad2d(x, all, fill, node.label), P, Q, pads, extra };
}

/** Refuse a pooled output over the limit before computing it. */
function guard(node: OnnxNode, p: PoolPlan, x: Tensor, padTotal: [number, number], limits: Limits): void {
  checkSize(node, [x.shape[0]!, x.shape[1]!, windowExtent(x.shape[2]!, p.kernel[0], p.win.strides[0], p.win.dilations[0], padTotal[0]),
    windowExtent(x.shape[3]!, p.kernel[1], p.win.strides[1], p.win.dilations[1], padTotal[1])], limits);
}

/** The node as its nn layer: check the input and its output size, then call the layer. */
function moduleForm(node: OnnxNode, p: PoolPlan, sym: [number, number], limits: Limits, layer: MaxPool2d | AvgPool2d): Prepared {
  return {
    module: layer,
    run(inputs) {
      const x = floatIn(node, inputs, 0);
      check4d(node, x);
      guard(node, p, x, [2 * sym[0], 2 * sym[1]], limits);
      return [layer.call(x)];
    },
  };
}

/** Keep the first P rows and Q columns (floor mode can give more when pads are large). */
function crop(y: Tensor, P: number, Q: number): Tensor {
  let out = y;
  if (out.shape[2]! > P) out = slice(out, 2, 0, P);
  if (out.shape[3]! > Q) out = slice(out, 3, 0, Q);
  return out;
}

export const MaxPool: OpSpec = {
  attributes: ['auto_pad', 'ceil_mode', 'dilations', 'kernel_shape', 'pads', 'storage_order', 'strides'],
  inputs: [1, 1],
  outputs: [1, 1],
  prepare({ node, limits }): Prepared {
    const p = plan(node);
    if (node.attrs.int('storage_order', 0) !== 0) unsupported(node, 'storage_order=1 (column-major indices)');
    const sym = modulePads(p);
    if (sym) {
      return moduleForm(node, p, sym, limits, new MaxPool2d(p.kernel, { stride: p.win.strides, padding: sym, dilation: p.win.dilations, ceilMode: p.ceil }));
    }
    return {
      run(inputs) {
        const x = floatIn(node, inputs, 0);
        check4d(node, x);
        const { xp, P, Q } = explicitPadding(node, p, x, -Infinity, limits);
        checkSize(node, [x.shape[0]!, x.shape[1]!, P, Q], limits);
        const y = maxPool2d(xp, { kernelSize: p.kernel, stride: p.win.strides, dilation: p.win.dilations });
        return [crop(y, P, Q)];
      },
    };
  },
};

export const AveragePool: OpSpec = {
  attributes: ['auto_pad', 'ceil_mode', 'count_include_pad', 'dilations', 'kernel_shape', 'pads', 'strides'],
  inputs: [1, 1],
  outputs: [1, 1],
  prepare({ node, limits }): Prepared {
    const p = plan(node);
    if (p.win.dilations[0] !== 1 || p.win.dilations[1] !== 1) unsupported(node, `dilations [${p.win.dilations.join(',')}] in AveragePool`);
    const countIncludePad = node.attrs.int('count_include_pad', 0) !== 0;
    const sym = modulePads(p);
    if (sym) {
      return moduleForm(node, p, sym, limits, new AvgPool2d(p.kernel, { stride: p.win.strides, padding: sym, ceilMode: p.ceil, countIncludePad }));
    }
    return {
      run(inputs) {
        const x = floatIn(node, inputs, 0);
        check4d(node, x);
        const { xp, P, Q, pads, extra } = explicitPadding(node, p, x, 0, limits);
        checkSize(node, [x.shape[0]!, x.shape[1]!, P, Q], limits);
        // The divisor: the window's cells that count (the input, plus the pads when
        // count_include_pad), found by pooling a mask of ones the same way.
        const [H, W] = [x.shape[2]!, x.shape[3]!];
        const mh = H + pads[0] + pads[2] + extra[0]!, mw = W + pads[1] + pads[3] + extra[1]!;
        const mask = new Float32Array(mh * mw);
        for (let i = 0; i < mh; i++) {
          for (let j = 0; j < mw; j++) {
            const inside = i >= pads[0] && i < pads[0] + H && j >= pads[1] && j < pads[1] + W;
            const inPad = i < H + pads[0] + pads[2] && j < W + pads[1] + pads[3];
            mask[i * mw + j] = inside || (countIncludePad && inPad) ? 1 : 0;
          }
        }
        const opts = { kernelSize: p.kernel, stride: p.win.strides };
        const sums = avgPool2d(xp, opts);
        const counts = avgPool2d(new Tensor(mask, [1, 1, mh, mw]), opts);
        return [crop(div(sums, counts), P, Q)];
      },
    };
  },
};

export const GlobalAveragePool: OpSpec = {
  attributes: [],
  inputs: [1, 1],
  outputs: [1, 1],
  prepare({ node }): Prepared {
    const layer = new AdaptiveAvgPool2d(1);
    return { module: layer, run: (inputs) => { const x = floatIn(node, inputs, 0); check4d(node, x); return [layer.call(x)]; } };
  },
};

export const GlobalMaxPool: OpSpec = {
  attributes: [],
  inputs: [1, 1],
  outputs: [1, 1],
  prepare({ node }): Prepared {
    return {
      run(inputs) {
        const x = floatIn(node, inputs, 0);
        check4d(node, x);
        const [N, C] = [x.shape[0]!, x.shape[1]!];
        return [reshape(max(reshape(x, [N, C, -1]), 2), [N, C, 1, 1])];
      },
    };
  },
};
