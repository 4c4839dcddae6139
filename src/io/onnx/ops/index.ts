/** The ONNX operators dnnkit imports (default domain, opsets 7 and up; tested from 11 on). */
import { Conv, ConvTranspose } from './conv.js';
import { Gemm, MatMul } from './gemm.js';
import { MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool } from './pool.js';
import { BatchNormalization } from './norm.js';
import { Relu, LeakyRelu, Elu, Sigmoid_, HardSigmoid, HardSwish, Tanh_, Clip, Softmax, LogSoftmax } from './activation.js';
import { Add, Sub, Mul, Div } from './arithmetic.js';
import { Concat, Flatten, Reshape, Transpose, Identity, Dropout, Constant, Shape, Gather, Unsqueeze, Squeeze, Cast, ConstantOfShape, Slice } from './shape.js';
import { Pad } from './pad.js';
import { Resize, Upsample } from './resize.js';
import type { OpSpec } from './types.js';

export const OPERATORS: Readonly<Record<string, OpSpec>> = {
  Conv, ConvTranspose, Gemm, MatMul, MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool, BatchNormalization,
  Relu, LeakyRelu, Elu, Sigmoid: Sigmoid_, HardSigmoid, HardSwish, Tanh: Tanh_, Clip, Softmax, LogSoftmax,
  Add, Sub, Mul, Div, Concat, Flatten, Reshape, Transpose, Pad, Resize, Upsample, Dropout, Identity, Constant,
  Shape, Gather, Unsqueeze, Squeeze, Cast, ConstantOfShape, Slice,
};

/** The supported operator names, sorted (for error messages and docs). */
export const SUPPORTED_OPERATORS: readonly string[] = Object.keys(OPERATORS).sort();
