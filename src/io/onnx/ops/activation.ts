/**
 * Activations: Relu, LeakyRelu, Elu, Sigmoid, HardSigmoid, HardSwish, Tanh, Clip, Softmax,
 * LogSoftmax. Each becomes the nn activation module when PyTorch has that exact function
 * (HardSigmoid with alpha = 1/6, beta = 1/2 is nn.Hardsigmoid; Clip(0, 6) is nn.ReLU6), and
 * runs the ONNX formula otherwise.
 */
import { Tensor } from '../../../tensor/tensor.js';
import { add, maximum, minimum, mul } from '../../../ops/elementwise.js';
import { softmax, logSoftmax } from '../../../ops/activation.js';
import { reshape } from '../../../ops/shape-ops.js';
import { ReLU, LeakyReLU, ELU, Sigmoid, Tanh, Hardsigmoid, Hardswish, ReLU6, Softmax as SoftmaxLayer, LogSoftmax as LogSoftmaxLayer } from '../../../nn/activation.js';
import type { Module } from '../../../nn/module.js';
import { OnnxError } from '../errors.js';
import { axisOf, floatIn } from './common.js';
import type { OnnxNode, OpSpec, Prepared } from './types.js';
import { sizeOf } from '../../../tensor/shape.js';

function layerOp(attributes: readonly string[], make: (node: OnnxNode) => Module): OpSpec {
  return {
    attributes,
    inputs: [1, 1],
    outputs: [1, 1],
    prepare({ node }): Prepared {
      const layer = make(node);
      return { module: layer, run: (inputs) => [layer.call(floatIn(node, inputs, 0))] };
    },
  };
}

export const Relu = layerOp([], () => new ReLU());
export const Sigmoid_ = layerOp([], () => new Sigmoid());
export const Tanh_ = layerOp([], () => new Tanh());
export const HardSwish = layerOp([], () => new Hardswish());
export const LeakyRelu = layerOp(['alpha'], (n) => new LeakyReLU(n.attrs.float('alpha', 0.01)));
export const Elu = layerOp(['alpha'], (n) => new ELU(n.attrs.float('alpha', 1)));

/** max(0, min(1, alpha * x + beta)) */
export const HardSigmoid: OpSpec = {
  attributes: ['alpha', 'beta'],
  inputs: [1, 1],
  outputs: [1, 1],
  prepare({ node }): Prepared {
    const alpha = node.attrs.float('alpha', 0.2), beta = node.attrs.float('beta', 0.5);
    if (Math.abs(alpha - 1 / 6) < 1e-7 && beta === 0.5) {
      const layer = new Hardsigmoid();
      return { module: layer, run: (inputs) => [layer.call(floatIn(node, inputs, 0))] };
    }
    return { run: (inputs) => [minimum(maximum(add(mul(floatIn(node, inputs, 0), alpha), beta), 0), 1)] };
  },
};

/** Clip to [min, max]: attributes before opset 11, optional inputs from 11 on. */
export const Clip: OpSpec = {
  attributes: ['min', 'max'],
  inputs: [1, 3],
  outputs: [1, 1],
  prepare(ctx): Prepared {
    const { node } = ctx;
    const bound = (i: number, attr: string, fallback: number): number | undefined => {
      if (node.opset < 11) return node.attrs.float(attr, fallback);
      if (node.inputs.length <= i || node.inputs[i] === '') return fallback;
      const c = ctx.constant(i);
      if (c === undefined) return undefined;
      if (c.size !== 1) throw new OnnxError(`${node.label}: ${attr} must be a scalar, got shape [${c.shape.join(',')}]`);
      return c.data[0]!;
    };
    const lo = bound(1, 'min', -Infinity), hi = bound(2, 'max', Infinity);
    if (lo === 0 && hi === 6) {
      const layer = new ReLU6();
      return { module: layer, moduleOwns: [1, 2], run: (inputs) => [layer.call(floatIn(node, inputs, 0))] };
    }
    if (lo === 0 && hi === Infinity) {
      const layer = new ReLU();
      return { module: layer, moduleOwns: [1, 2], run: (inputs) => [layer.call(floatIn(node, inputs, 0))] };
    }
    return {
      run(inputs) {
        let y = floatIn(node, inputs, 0);
        const l = lo ?? (inputs[1] === undefined ? -Infinity : inputs[1].data[0]!);
        const h = hi ?? (inputs[2] === undefined ? Infinity : inputs[2].data[0]!);
        if (l !== -Infinity) y = maximum(y, l);
        if (h !== Infinity) y = minimum(y, h);
        return [y];
      },
    };
  },
};

/**
 * Softmax / LogSoftmax. From opset 13 on they work along one axis (default -1); before, the
 * input is coerced to 2-D [prod(dims < axis), prod(dims >= axis)] (default axis 1) and
 * normalised along the second dimension.
 */
function softmaxOp(log: boolean): OpSpec {
  return {
    attributes: ['axis'],
    inputs: [1, 1],
    outputs: [1, 1],
    prepare({ node }): Prepared {
      const f = log ? logSoftmax : softmax;
      if (node.opset >= 13) {
        const axis = node.attrs.int('axis', -1);
        const layer = log ? new LogSoftmaxLayer(axis) : new SoftmaxLayer(axis);
        return {
          module: layer,
          run(inputs) {
            const x = floatIn(node, inputs, 0);
            axisOf(node, axis, x.shape.length);
            return [layer.call(x)];
          },
        };
      }
      const axis = node.attrs.int('axis', 1);
      return {
        run(inputs) {
          const x: Tensor = floatIn(node, inputs, 0);
          const a = axisOf(node, axis, x.shape.length);
          const rows = sizeOf(x.shape.slice(0, a));
          return [reshape(f(reshape(x, [rows, x.size / Math.max(rows, 1) || 0]), 1), x.shape)];
        },
      };
    },
  };
}

export const Softmax = softmaxOp(false);
export const LogSoftmax = softmaxOp(true);
