/**
 * `nn`: modules (layers with their weights) and initialisers, PyTorch's torch.nn in camelCase.
 * @example
 *   import { nn, randn } from 'dnnkit';
 *   const net = new nn.Sequential(new nn.Conv2d(1, 6, 5), new nn.ReLU(), new nn.MaxPool2d(2),
 *                                 new nn.Flatten(), new nn.Linear(6 * 12 * 12, 10));
 *   net.call(randn([8, 1, 28, 28])).shape  // [8, 10]
 */
export { Module, type LoadStateDictResult, type ForwardHook, type HookHandle } from './module.js';
export { Parameter } from './parameter.js';
export { Sequential, ModuleList } from './container.js';
export { Conv2d, ConvTranspose2d, type Conv2dOptions, type ConvTranspose2dOptions } from './conv.js';
export { Linear, Identity } from './linear.js';
export { MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, type MaxPool2dOptions, type AvgPool2dOptions } from './pool.js';
export { BatchNorm1d, BatchNorm2d, type BatchNormOptions } from './batchnorm.js';
export { ReLU, Sigmoid, Tanh, ReLU6, Hardswish, Hardsigmoid, SiLU, LeakyReLU, ELU, Softmax, LogSoftmax } from './activation.js';
export { Flatten, Upsample, Dropout } from './reshape.js';
export { Residual, Concat, Add } from './branch.js';
export { foldBatchNorm } from './fold-batchnorm.js';
export * as init from './init.js';
