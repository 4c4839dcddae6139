/**
 * Architecture description -> runnable nn Module, with PyTorch's default initialisation from
 * the seeded generator (call manualSeed first for reproducible weights).
 */
import * as nn from '../nn/index.js';
import type { Module } from '../nn/module.js';
import type { ActivationArch, Arch } from './arch.js';

/**
 * Build the nn Module an architecture describes. Child names carry over, so parameter names
 * follow the description (e.g. `features.conv1.weight`).
 *
 * @example buildModel(seq(conv(1, 6, 5), act('relu'))).call(randn([1, 1, 32, 32])).shape  // [1, 6, 28, 28]
 */
export function buildModel(arch: Arch): Module {
  switch (arch.op) {
    case 'conv2d':
      return new nn.Conv2d(arch.inChannels, arch.outChannels, arch.kernelSize, {
        stride: arch.stride, padding: arch.padding, dilation: arch.dilation, groups: arch.groups, bias: arch.bias,
      });
    case 'convTranspose2d':
      return new nn.ConvTranspose2d(arch.inChannels, arch.outChannels, arch.kernelSize, {
        stride: arch.stride, padding: arch.padding, outputPadding: arch.outputPadding, dilation: arch.dilation,
        groups: arch.groups, bias: arch.bias,
      });
    case 'linear': return new nn.Linear(arch.inFeatures, arch.outFeatures, { bias: arch.bias });
    case 'maxPool2d':
      return new nn.MaxPool2d(arch.kernelSize, { stride: arch.stride, padding: arch.padding, dilation: arch.dilation, ceilMode: arch.ceilMode });
    case 'avgPool2d':
      if (arch.dilation[0] !== 1 || arch.dilation[1] !== 1) throw new Error(`buildModel: avgPool2d has no dilation, got [${arch.dilation.join(', ')}]`);
      return new nn.AvgPool2d(arch.kernelSize, { stride: arch.stride, padding: arch.padding, ceilMode: arch.ceilMode, countIncludePad: arch.countIncludePad });
    case 'adaptiveAvgPool2d': return new nn.AdaptiveAvgPool2d(arch.outputSize);
    case 'batchNorm2d': return new nn.BatchNorm2d(arch.numFeatures, { affine: arch.affine });
    case 'batchNorm1d': return new nn.BatchNorm1d(arch.numFeatures, { affine: arch.affine });
    case 'activation': return activation(arch);
    case 'flatten': return new nn.Flatten(arch.startDim);
    case 'dropout': return new nn.Dropout(arch.p);
    case 'upsample': return new nn.Upsample({ scaleFactor: arch.scaleFactor, mode: arch.mode });
    case 'sequential': {
      const s = new nn.Sequential();
      for (const c of arch.children) s.add(buildModel(c.arch), c.name);
      return s;
    }
    case 'residual':
      return new nn.Residual(buildModel(arch.body), arch.shortcut ? buildModel(arch.shortcut) : null,
                             arch.activation ? buildModel(arch.activation) : null);
    case 'concat': {
      const branches: Record<string, Module> = {};
      for (const b of arch.branches) branches[b.name] = buildModel(b.arch);
      return new nn.Concat(branches, arch.dim);
    }
    case 'opaque':
      throw new Error(`buildModel: cannot build '${arch.typeName}': it is an opaque layer (known by shape only)`);
  }
}

function activation(a: ActivationArch): Module {
  switch (a.fn) {
    case 'relu': return new nn.ReLU();
    case 'relu6': return new nn.ReLU6();
    case 'tanh': return new nn.Tanh();
    case 'sigmoid': return new nn.Sigmoid();
    case 'leakyRelu': return new nn.LeakyReLU(a.arg);
    case 'elu': return new nn.ELU(a.arg);
    case 'hardswish': return new nn.Hardswish();
    case 'hardsigmoid': return new nn.Hardsigmoid();
    case 'silu': return new nn.SiLU();
    case 'softmax': return new nn.Softmax(a.arg);
    case 'logSoftmax': return new nn.LogSoftmax(a.arg);
    case 'identity': return new nn.Identity();
  }
}
