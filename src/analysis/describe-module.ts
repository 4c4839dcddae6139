/**
 * nn Module -> architecture description, by reading each layer's readonly hyper-parameters.
 * This is how `summary(model, ...)` sees any module tree built from nn layers and containers
 * (Sequential, Residual, Concat). A module of another class becomes an opaque layer that
 * passes shapes through; its children are not visited, since only its forward knows the order.
 */
import * as nn from '../nn/index.js';
import type { Arch, ActivationName, NamedArch } from '../models/arch.js';

const ACTIVATIONS: Array<[new (...a: never[]) => nn.Module, ActivationName]> = [
  [nn.ReLU, 'relu'], [nn.ReLU6, 'relu6'], [nn.Tanh, 'tanh'], [nn.Sigmoid, 'sigmoid'], [nn.LeakyReLU, 'leakyRelu'],
  [nn.ELU, 'elu'], [nn.Hardswish, 'hardswish'], [nn.Hardsigmoid, 'hardsigmoid'], [nn.SiLU, 'silu'],
  [nn.Softmax, 'softmax'], [nn.LogSoftmax, 'logSoftmax'], [nn.Identity, 'identity'],
];

const KNOWN_OPS = new Set(['conv2d', 'convTranspose2d', 'linear', 'maxPool2d', 'avgPool2d', 'adaptiveAvgPool2d',
  'batchNorm2d', 'batchNorm1d', 'activation', 'flatten', 'dropout', 'upsample', 'sequential', 'residual', 'concat', 'opaque']);

/** True for an architecture description (plain data with a known `op`). */
export function isArch(x: unknown): x is Arch {
  return typeof x === 'object' && x !== null && !(x instanceof nn.Module) &&
    typeof (x as { op?: unknown }).op === 'string' && KNOWN_OPS.has((x as { op: string }).op);
}

const pair = (v: number | readonly [number, number]): [number, number] => (typeof v === 'number' ? [v, v] : [v[0], v[1]]);

/**
 * Describe an nn Module as an architecture.
 *
 * @example describeModule(new nn.Sequential(new nn.Conv2d(1, 6, 5), new nn.ReLU())).op  // 'sequential'
 */
export function describeModule(m: nn.Module): Arch {
  if (m instanceof nn.Conv2d) {
    const padding = m.padding === 'valid' ? [0, 0] as const : m.padding;
    return { op: 'conv2d', inChannels: m.inChannels, outChannels: m.outChannels, kernelSize: m.kernelSize, stride: m.stride,
             padding, dilation: m.dilation, groups: m.groups, bias: m.bias !== null };
  }
  if (m instanceof nn.ConvTranspose2d) {
    return { op: 'convTranspose2d', inChannels: m.inChannels, outChannels: m.outChannels, kernelSize: m.kernelSize,
             stride: m.stride, padding: m.padding, outputPadding: m.outputPadding, dilation: m.dilation, groups: m.groups,
             bias: m.bias !== null };
  }
  if (m instanceof nn.Linear) return { op: 'linear', inFeatures: m.inFeatures, outFeatures: m.outFeatures, bias: m.bias !== null };
  if (m instanceof nn.MaxPool2d) {
    return { op: 'maxPool2d', kernelSize: m.kernelSize, stride: m.stride, padding: m.padding, dilation: m.dilation,
             ceilMode: m.ceilMode, countIncludePad: true };
  }
  if (m instanceof nn.AvgPool2d) {
    return { op: 'avgPool2d', kernelSize: m.kernelSize, stride: m.stride, padding: m.padding, dilation: [1, 1],
             ceilMode: m.ceilMode, countIncludePad: m.countIncludePad };
  }
  if (m instanceof nn.AdaptiveAvgPool2d) return { op: 'adaptiveAvgPool2d', outputSize: m.outputSize };
  if (m instanceof nn.BatchNorm2d) return { op: 'batchNorm2d', numFeatures: m.numFeatures, affine: m.affine };
  if (m instanceof nn.BatchNorm1d) return { op: 'batchNorm1d', numFeatures: m.numFeatures, affine: m.affine };
  for (const [cls, fn] of ACTIVATIONS) {
    if (m instanceof cls) {
      const arg = m instanceof nn.LeakyReLU ? m.negativeSlope : m instanceof nn.ELU ? m.alpha
        : m instanceof nn.Softmax || m instanceof nn.LogSoftmax ? m.dim : undefined;
      return arg === undefined ? { op: 'activation', fn } : { op: 'activation', fn, arg };
    }
  }
  if (m instanceof nn.Flatten) {
    if (m.endDim !== -1) return { op: 'opaque', typeName: 'Flatten' };
    return { op: 'flatten', startDim: m.startDim };
  }
  if (m instanceof nn.Dropout) return { op: 'dropout', p: m.p };
  if (m instanceof nn.Upsample) {
    const [u, v] = pair(m.scaleFactor);
    if (u !== v || !Number.isInteger(u)) return { op: 'opaque', typeName: 'Upsample' };
    return { op: 'upsample', scaleFactor: u, mode: m.mode as 'nearest' | 'zeros' | 'bilinear' };
  }
  if (m instanceof nn.Sequential) return { op: 'sequential', children: named(m) };
  if (m instanceof nn.Residual) {
    return {
      op: 'residual', body: describeModule(m.body),
      ...(m.shortcut ? { shortcut: describeModule(m.shortcut) } : {}),
      ...(m.activation ? { activation: describeModule(m.activation) } : {}),
    };
  }
  if (m instanceof nn.Concat) return { op: 'concat', branches: named(m), dim: m.dim };
  return { op: 'opaque', typeName: m.constructor.name };
}

function named(m: nn.Module): NamedArch[] {
  return [...m.namedChildren()].map(([name, child]) => ({ name, arch: describeModule(child) }));
}

/** Names given to models built by the zoo, so their summaries are titled. */
const modelNames = new WeakMap<object, string>();

/** Remember a display name for a model (the zoo does this for what it creates). */
export function nameModel<T extends object>(model: T, name: string): T {
  modelNames.set(model, name);
  return model;
}

/** The architecture of a model given as an nn Module or as an architecture description. */
export function archOf(model: unknown): { arch: Arch; name: string } {
  if (isArch(model)) return { arch: model, name: modelNames.get(model) ?? 'model' };
  if (model instanceof nn.Module) return { arch: describeModule(model), name: modelNames.get(model) ?? model.constructor.name };
  throw new Error(`summary: model must be an nn Module or an architecture description, got ${model === null ? 'null' : typeof model}`);
}
