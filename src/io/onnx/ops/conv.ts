/**
 * Conv and ConvTranspose. When the weights are constants and the padding is symmetric (what
 * PyTorch's layers can express) the node becomes an nn.Conv2d / nn.ConvTranspose2d holding the
 * weights; otherwise it runs F.conv2d / F.convTranspose2d with explicit (asymmetric) padding
 * or cropping around it, which gives exactly the ONNX result.
 */
import { Tensor } from '../../../tensor/tensor.js';
import { conv2d, convTranspose2d } from '../../../ops/conv.js';
import { add } from '../../../ops/elementwise.js';
import { reshape } from '../../../ops/shape-ops.js';
import { LoadedConv2d as Conv2d, LoadedConvTranspose2d as ConvTranspose2d } from './layers.js';
import { OnnxError } from '../errors.js';
import { check4d, checkSize, floatIn } from './common.js';
import { padTensor, pad2d } from './pad.js';
import { readWindow, resolvePads, staticPads, symmetric, transposedExtent, windowExtent, type Window } from './spatial.js';
import type { OnnxNode, OpSpec, PrepareContext, Prepared } from './types.js';
import type { Value } from '../value.js';

const WINDOW_ATTRS = ['auto_pad', 'dilations', 'group', 'kernel_shape', 'pads', 'strides'];

function kernelOf(node: OnnxNode, win: Window, w: Tensor): [number, number] {
  const k: [number, number] = [w.shape[2]!, w.shape[3]!];
  if (win.kernel && (win.kernel[0] !== k[0] || win.kernel[1] !== k[1])) {
    throw new OnnxError(`${node.label}: kernel_shape [${win.kernel.join(',')}] does not match the weight shape [${w.shape.join(',')}]`);
  }
  return k;
}

function groupOf(node: OnnxNode): number {
  const g = node.attrs.int('group', 1);
  if (!Number.isSafeInteger(g) || g < 1) throw new OnnxError(`${node.label}: group must be >= 1, got ${g}`);
  return g;
}

function checkWeight(node: OnnxNode, w: Value | undefined): void {
  if (w !== undefined && w.shape.length !== 4) {
    throw new OnnxError(`${node.label}: weight must be 4-D (2-D convolution), got shape [${w.shape.join(',')}]`);
  }
}

/**
 * Module form: copy the constant weight (and bias, checked to be [M]) into the layer, and say
 * which inputs the layer now owns and where their values live (for writing the model back).
 */
function holdWeights(node: OnnxNode, layer: Conv2d | ConvTranspose2d, w0: Tensor, b0: Value | undefined, M: number):
    Pick<Prepared, 'moduleOwns' | 'bindings'> {
  layer.weight.data.set(w0.data);
  if (layer.bias) {
    if (b0!.shape.length !== 1 || b0!.shape[0] !== M) throw new OnnxError(`${node.label}: bias must have shape [${M}], got [${b0!.shape.join(',')}]`);
    layer.bias.data.set((b0 as Tensor).data);
  }
  return {
    moduleOwns: layer.bias ? [1, 2] : [1],
    bindings: [{ input: 1, tensor: layer.weight }, ...(layer.bias ? [{ input: 2, tensor: layer.bias }] : [])],
  };
}

/** Function form: the input, the weight (4-D, matching kernel_shape), the optional bias. */
function runInputs(node: OnnxNode, win: Window, inputs: ReadonlyArray<Value | undefined>) {
  const x = floatIn(node, inputs, 0), w = floatIn(node, inputs, 1, 'weight');
  check4d(node, x); checkWeight(node, w);
  const b = inputs[2] === undefined ? undefined : floatIn(node, inputs, 2, 'bias');
  return { x, w, b, kernel: kernelOf(node, win, w) };
}

export const Conv: OpSpec = {
  attributes: WINDOW_ATTRS,
  inputs: [2, 3],
  outputs: [1, 1],
  prepare(ctx: PrepareContext): Prepared {
    const { node, limits } = ctx;
    const win = readWindow(node);
    const groups = groupOf(node);
    const w0 = ctx.constant(1), b0 = ctx.constant(2);
    checkWeight(node, w0);
    const hasBias = node.inputs.length > 2 && node.inputs[2] !== '';
    if (w0 instanceof Tensor && (!hasBias || b0 instanceof Tensor)) {
      const kernel = kernelOf(node, win, w0);
      const pads = staticPads(win, kernel);
      const sym = pads && symmetric(pads);
      if (sym) {
        const [M, Cg] = [w0.shape[0]!, w0.shape[1]!];
        if (M % groups !== 0) throw new OnnxError(`${node.label}: ${M} filters are not divisible by group ${groups}`);
        const conv = new Conv2d(Cg * groups, M, kernel, { stride: win.strides, padding: sym, dilation: win.dilations, groups, bias: hasBias });
        const checkedInput = (inputs: ReadonlyArray<Value | undefined>): Tensor => {
          const x = floatIn(node, inputs, 0);
          check4d(node, x);
          checkSize(node, [x.shape[0]!, M, windowExtent(x.shape[2]!, kernel[0], win.strides[0], win.dilations[0], 2 * sym[0]),
            windowExtent(x.shape[3]!, kernel[1], win.strides[1], win.dilations[1], 2 * sym[1])], limits);
          return x;
        };
        return {
          module: conv,
          ...holdWeights(node, conv, w0, b0, M),
          run(inputs) {
            return [conv.call(checkedInput(inputs))];
          },
          runRelu(inputs) {
            return [conv.forwardRelu(checkedInput(inputs))];
          },
        };
      }
    }
    return {
      run(inputs) {
        const { x, w, b, kernel } = runInputs(node, win, inputs);
        const pads = resolvePads(win, kernel, x.shape[2]!, x.shape[3]!);
        const sym = symmetric(pads);
        const [N, C, H, W] = x.shape as [number, number, number, number];
        checkSize(node, [N, C, H + pads[0] + pads[2], W + pads[1] + pads[3]], limits, 'padded input');
        checkSize(node, [N, w.shape[0]!, windowExtent(H, kernel[0], win.strides[0], win.dilations[0], pads[0] + pads[2]),
          windowExtent(W, kernel[1], win.strides[1], win.dilations[1], pads[1] + pads[3])], limits);
        const xp = sym ? x : pad2d(x, pads, 0, node.label);
        const out = conv2d(xp, w, b, { stride: win.strides, padding: sym ?? 0, dilation: win.dilations, groups });
        checkSize(node, out.shape, limits);
        return [out];
      },
    };
  },
};

/**
 * ConvTranspose: out = stride*(in-1) + output_padding + (k-1)*dilation + 1 - pad_begin - pad_end,
 * or the pads that give `output_shape` when that attribute is set.
 */
export const ConvTranspose: OpSpec = {
  attributes: [...WINDOW_ATTRS, 'output_padding', 'output_shape'],
  inputs: [2, 3],
  outputs: [1, 1],
  prepare(ctx: PrepareContext): Prepared {
    const { node, limits } = ctx;
    const win = readWindow(node);
    const groups = groupOf(node);
    const op = node.attrs.ints('output_padding') ?? [0, 0];
    const outShapeAttr = node.attrs.ints('output_shape');
    if (op.length !== 2 || op.some((v) => !Number.isSafeInteger(v) || v < 0)) {
      throw new OnnxError(`${node.label}: output_padding must be 2 non-negative integers, got [${op.join(',')}]`);
    }
    if (outShapeAttr !== undefined && (outShapeAttr.length < 2 || outShapeAttr.some((v) => !Number.isSafeInteger(v) || v < 1))) {
      throw new OnnxError(`${node.label}: output_shape must be positive integers, got [${outShapeAttr.join(',')}]`);
    }
    /** [top, left, bottom, right] for input [H, W]; negative bottom/right extends the output. */
    const padsFor = (kernel: [number, number], H: number, W: number): [number, number, number, number] => {
      const full = (i: number, size: number): number => win.strides[i]! * (size - 1) + op[i]! + (kernel[i]! - 1) * win.dilations[i]! + 1;
      if (outShapeAttr !== undefined || (win.autoPad === 'SAME_UPPER' || win.autoPad === 'SAME_LOWER')) {
        const target = outShapeAttr
          ? outShapeAttr.slice(-2)
          : [H * win.strides[0], W * win.strides[1]];
        const total = [full(0, H) - target[0]!, full(1, W) - target[1]!];
        // ONNX Runtime's split (C integer division): the odd unit goes to the end, except
        // for SAME_LOWER. (The spec text says the reverse for NOTSET; runtimes do this.)
        const lower = win.autoPad === 'SAME_LOWER';
        const begin = total.map((t) => (lower ? t - Math.trunc(t / 2) : Math.trunc(t / 2)));
        return [begin[0]!, begin[1]!, total[0]! - begin[0]!, total[1]! - begin[1]!];
      }
      return win.autoPad === 'VALID' ? [0, 0, 0, 0] : win.pads;
    };
    const w0 = ctx.constant(1), b0 = ctx.constant(2);
    checkWeight(node, w0);
    const hasBias = node.inputs.length > 2 && node.inputs[2] !== '';
    const sizeFree = outShapeAttr === undefined && win.autoPad !== 'SAME_UPPER' && win.autoPad !== 'SAME_LOWER';
    if (w0 instanceof Tensor && (!hasBias || b0 instanceof Tensor) && sizeFree) {
      const kernel = kernelOf(node, win, w0);
      const sym = symmetric(padsFor(kernel, 1, 1));
      // PyTorch's output_padding must be smaller than the stride or the dilation.
      const opOk = op.every((v, i) => v < Math.max(win.strides[i]!, win.dilations[i]!));
      if (sym && opOk) {
        const [C, Mg] = [w0.shape[0]!, w0.shape[1]!];
        if (C % groups !== 0) throw new OnnxError(`${node.label}: ${C} input channels are not divisible by group ${groups}`);
        const layer = new ConvTranspose2d(C, Mg * groups, kernel, {
          stride: win.strides, padding: sym, outputPadding: [op[0]!, op[1]!], dilation: win.dilations, groups, bias: hasBias,
        });
        return {
          module: layer,
          ...holdWeights(node, layer, w0, b0, Mg * groups),
          run(inputs) {
            const x = floatIn(node, inputs, 0);
            check4d(node, x);
            checkSize(node, [x.shape[0]!, Mg * groups, transposedExtent(x.shape[2]!, kernel[0], win.strides[0], win.dilations[0], op[0]!),
              transposedExtent(x.shape[3]!, kernel[1], win.strides[1], win.dilations[1], op[1]!)], limits);
            return [layer.call(x)];
          },
        };
      }
    }
    return {
      run(inputs) {
        const { x, w, b, kernel } = runInputs(node, win, inputs);
        const pads = padsFor(kernel, x.shape[2]!, x.shape[3]!);
        // The full output (no padding), then crop pads and extend by output_padding.
        if (w.shape[0] !== x.shape[1]) throw new OnnxError(`${node.label}: input has ${x.shape[1]} channels, weight [${w.shape.join(',')}] expects ${w.shape[0]}`);
        checkSize(node, [x.shape[0]!, w.shape[1]! * groups, transposedExtent(x.shape[2]!, kernel[0], win.strides[0], win.dilations[0], op[0]!),
          transposedExtent(x.shape[3]!, kernel[1], win.strides[1], win.dilations[1], op[1]!)], limits);
        const full = convTranspose2d(x, w, undefined, { stride: win.strides, dilation: win.dilations, groups });
        checkSize(node, full.shape, limits);
        const end = [op[0]! - pads[2], op[1]! - pads[3]];
        let y = padTensor(full, [0, 0, -pads[0], -pads[1]], [0, 0, end[0]!, end[1]!], 'constant', 0, node.label, limits);
        if (b) y = add(y, reshape(b, [1, b.shape[0]!, 1, 1]));
        return [y];
      },
    };
  },
};
