/**
 * The functional API, `F`: every op by its PyTorch name in camelCase. Adding an op touches
 * its own module and one line here.
 */
export { add, sub, mul, div, pow, neg, exp, log, sqrt, abs, maximum, minimum } from './elementwise.js';
export { sum, mean, max, argmax } from './reduce.js';
export { reshape, flatten, permute, transpose, slice, unsqueeze, squeeze, concat, stack } from './shape-ops.js';
export { matmul } from './matmul.js';
export { conv2d, convTranspose2d } from './conv.js';
export { convolve2d } from './convolve.js';
export { linear } from './linear.js';
export { maxPool2d, avgPool2d, adaptiveAvgPool2d } from './pool.js';
export { upsample } from './upsample.js';
export { batchNorm } from './norm.js';
export { relu, sigmoid, tanh, leakyRelu, elu, relu6, hardswish, hardsigmoid, silu, softmax, logSoftmax } from './activation.js';
export { crossEntropy, mseLoss } from './loss.js';
export { dropout } from './dropout.js';
export { pad } from './pad.js';
