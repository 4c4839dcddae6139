/**
 * Operator semantics against ONNX Runtime: one small graph per attribute combination the ONNX
 * specs define (auto_pad, asymmetric pads, ceil_mode, count_include_pad, dilations, group,
 * Gemm's alpha/beta/transA/transB, Clip as attributes or inputs, Softmax before and after
 * opset 13, Resize's coordinate and rounding modes, Pad modes, Slice steps, ...). dnnkit's
 * import must match ONNX Runtime (onnxruntime-web, wasm, in Node) within 1e-5.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor } from '../../src/tensor/tensor.js';
import { loadOnnxBytes } from '../../src/io/onnx/load.js';
import { noGrad } from '../../src/autograd/graph.js';
import { assertClose } from '../helpers.js';
import { buildModel, values, type AttrValue, type TensorSpec } from './build-model.js';
import { runOrt } from './ort.js';

interface Case {
  name: string;
  op: string;
  x: number[];
  attrs?: Record<string, AttrValue>;
  /** Extra inputs as initializers, in order ('' = omitted). */
  extra?: Array<TensorSpec | ''>;
  opset?: number;
}

const W = (dims: number[], seed = 2): TensorSpec => ({ dims, data: values(dims.reduce((a, b) => a * b, 1), seed) });
const I = (data: number[]): TensorSpec => ({ dims: [data.length], data, int64: true });
const F = (data: number[]): TensorSpec => ({ dims: [data.length], data });
const S = (v: number): TensorSpec => ({ dims: [], data: [v] });

const cases: Case[] = [
  // Conv
  { name: 'Conv pads symmetric + bias', op: 'Conv', x: [2, 3, 7, 6], attrs: { pads: [1, 1, 1, 1] }, extra: [W([4, 3, 3, 3]), W([4], 3)] },
  { name: 'Conv asymmetric pads, stride 2', op: 'Conv', x: [1, 3, 8, 7], attrs: { pads: [0, 2, 1, 0], strides: [2, 2] }, extra: [W([5, 3, 3, 2])] },
  { name: 'Conv SAME_UPPER stride 2', op: 'Conv', x: [1, 2, 7, 8], attrs: { auto_pad: 'SAME_UPPER', strides: [2, 2] }, extra: [W([3, 2, 4, 3])] },
  { name: 'Conv SAME_LOWER stride 2', op: 'Conv', x: [1, 2, 7, 8], attrs: { auto_pad: 'SAME_LOWER', strides: [2, 2] }, extra: [W([3, 2, 4, 3])] },
  { name: 'Conv VALID dilation 2', op: 'Conv', x: [1, 2, 9, 9], attrs: { auto_pad: 'VALID', dilations: [2, 2] }, extra: [W([3, 2, 3, 3])] },
  { name: 'Conv group 2 dilation [1,2]', op: 'Conv', x: [1, 4, 6, 9], attrs: { group: 2, dilations: [1, 2], pads: [1, 2, 1, 2] }, extra: [W([6, 2, 3, 3]), W([6], 4)] },
  { name: 'Conv depthwise', op: 'Conv', x: [2, 3, 5, 5], attrs: { group: 3, strides: [2, 1], pads: [1, 1, 1, 1] }, extra: [W([3, 1, 3, 3])] },
  // ConvTranspose
  { name: 'ConvTranspose stride 2 output_padding', op: 'ConvTranspose', x: [1, 3, 4, 5], attrs: { strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 1] }, extra: [W([3, 2, 3, 3]), W([2], 5)] },
  { name: 'ConvTranspose asymmetric pads', op: 'ConvTranspose', x: [1, 2, 4, 4], attrs: { strides: [2, 2], pads: [0, 1, 2, 0] }, extra: [W([2, 3, 3, 3])] },
  { name: 'ConvTranspose output_shape', op: 'ConvTranspose', x: [1, 2, 3, 3], attrs: { strides: [3, 2], output_shape: [10, 8] }, extra: [W([2, 2, 3, 3])] },
  { name: 'ConvTranspose SAME_UPPER odd total padding', op: 'ConvTranspose', x: [1, 2, 3, 4], attrs: { strides: [2, 2], auto_pad: 'SAME_UPPER' }, extra: [W([2, 2, 3, 3])] },
  { name: 'ConvTranspose SAME_LOWER odd total padding', op: 'ConvTranspose', x: [1, 2, 3, 4], attrs: { strides: [2, 2], auto_pad: 'SAME_LOWER' }, extra: [W([2, 2, 3, 3])] },
  { name: 'ConvTranspose group + dilation', op: 'ConvTranspose', x: [1, 4, 3, 4], attrs: { group: 2, dilations: [2, 1] }, extra: [W([4, 3, 2, 3])] },
  // Pooling
  { name: 'MaxPool ceil_mode pads', op: 'MaxPool', x: [1, 2, 7, 8], attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 1 } },
  { name: 'MaxPool asymmetric pads', op: 'MaxPool', x: [1, 2, 6, 7], attrs: { kernel_shape: [3, 2], strides: [2, 2], pads: [0, 1, 2, 0] } },
  // (SAME with dilation is left out: ONNX Runtime sizes SAME pads without the dilation, giving
  // fewer outputs than the spec's ceil(in / stride); dnnkit follows the spec.)
  { name: 'MaxPool SAME_UPPER', op: 'MaxPool', x: [1, 1, 9, 8], attrs: { kernel_shape: [2, 3], auto_pad: 'SAME_UPPER', strides: [2, 2] } },
  { name: 'MaxPool dilation', op: 'MaxPool', x: [1, 1, 9, 8], attrs: { kernel_shape: [2, 3], pads: [1, 1, 1, 1], dilations: [2, 1] } },
  { name: 'AveragePool count_include_pad=0', op: 'AveragePool', x: [1, 2, 6, 7], attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [2, 2] } },
  { name: 'AveragePool count_include_pad=1', op: 'AveragePool', x: [1, 2, 6, 7], attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [2, 2], count_include_pad: 1 } },
  { name: 'AveragePool asymmetric, exclude pad', op: 'AveragePool', x: [1, 2, 7, 6], attrs: { kernel_shape: [3, 3], pads: [2, 0, 0, 1], strides: [2, 2] } },
  { name: 'AveragePool asymmetric, include pad', op: 'AveragePool', x: [1, 2, 7, 6], attrs: { kernel_shape: [3, 3], pads: [2, 0, 0, 1], strides: [2, 2], count_include_pad: 1 } },
  { name: 'AveragePool SAME_LOWER', op: 'AveragePool', x: [1, 1, 7, 7], attrs: { kernel_shape: [2, 2], auto_pad: 'SAME_LOWER', strides: [2, 2] } },
  { name: 'GlobalAveragePool', op: 'GlobalAveragePool', x: [2, 3, 5, 4] },
  { name: 'GlobalMaxPool', op: 'GlobalMaxPool', x: [2, 3, 5, 4] },
  // Normalisation, FC
  { name: 'BatchNormalization', op: 'BatchNormalization', x: [2, 3, 4, 5], attrs: { epsilon: 1e-3 }, extra: [W([3], 6), W([3], 7), W([3], 8), { dims: [3], data: [0.5, 1.5, 2] }] },
  { name: 'Gemm transB (FC layer)', op: 'Gemm', x: [3, 5], attrs: { transB: 1 }, extra: [W([4, 5]), W([4], 3)] },
  { name: 'Gemm alpha beta transA', op: 'Gemm', x: [5, 3], attrs: { transA: 1, alpha: 0.5, beta: 2 }, extra: [W([5, 4]), W([3, 4], 3)] },
  { name: 'Gemm no C, transA transB', op: 'Gemm', x: [5, 2], attrs: { transA: 1, transB: 1, alpha: 1.5 }, extra: [W([4, 5])] },
  { name: 'MatMul broadcast', op: 'MatMul', x: [2, 3, 4], extra: [W([4, 5])] },
  // Activations
  { name: 'Relu', op: 'Relu', x: [2, 9] },
  { name: 'LeakyRelu', op: 'LeakyRelu', x: [2, 9], attrs: { alpha: 0.2 } },
  { name: 'Elu', op: 'Elu', x: [2, 9], attrs: { alpha: 0.7 } },
  { name: 'Sigmoid', op: 'Sigmoid', x: [2, 9] },
  { name: 'Tanh', op: 'Tanh', x: [2, 9] },
  { name: 'HardSigmoid default', op: 'HardSigmoid', x: [3, 10] },
  { name: 'HardSigmoid PyTorch', op: 'HardSigmoid', x: [3, 10], attrs: { alpha: 1 / 6, beta: 0.5 } },
  { name: 'HardSwish', op: 'HardSwish', x: [3, 10], opset: 14 },
  { name: 'Clip inputs (opset 13)', op: 'Clip', x: [3, 10], extra: [S(-0.25), S(0.5)] },
  { name: 'Clip max only', op: 'Clip', x: [3, 10], extra: ['', S(0.1)] },
  { name: 'Clip attributes (opset 10)', op: 'Clip', x: [3, 10], attrs: { min: -0.3, max: 0.2 }, opset: 10 },
  { name: 'Softmax opset 13 axis 1 of 3-D', op: 'Softmax', x: [2, 3, 4], attrs: { axis: 1 } },
  { name: 'Softmax opset 11 axis 1 of 3-D (coerced to 2-D)', op: 'Softmax', x: [2, 3, 4], attrs: { axis: 1 }, opset: 11 },
  { name: 'LogSoftmax opset 12 default axis', op: 'LogSoftmax', x: [2, 3, 4], opset: 12 },
  { name: 'LogSoftmax opset 13 default axis', op: 'LogSoftmax', x: [2, 3, 4] },
  // Element-wise with broadcasting
  { name: 'Add broadcast', op: 'Add', x: [2, 3, 4], extra: [W([3, 1])] },
  { name: 'Sub broadcast', op: 'Sub', x: [2, 3, 4], extra: [W([4])] },
  { name: 'Mul broadcast', op: 'Mul', x: [2, 3, 4], extra: [W([2, 1, 4])] },
  { name: 'Div broadcast', op: 'Div', x: [2, 3, 4], extra: [{ dims: [1], data: [0.3] }] },
  // Data movement
  { name: 'Flatten axis 2', op: 'Flatten', x: [2, 3, 4, 5], attrs: { axis: 2 } },
  { name: 'Reshape with 0 and -1', op: 'Reshape', x: [2, 3, 4], extra: [I([0, -1, 2])] },
  { name: 'Transpose', op: 'Transpose', x: [2, 3, 4], attrs: { perm: [2, 0, 1] } },
  { name: 'Concat axis -1', op: 'Concat', x: [2, 3], attrs: { axis: -1 }, extra: [W([2, 2])] },
  { name: 'Pad constant with negative pads', op: 'Pad', x: [1, 2, 4, 5], extra: [I([0, 0, 2, -1, 0, 0, -1, 3]), S(0.5)] },
  { name: 'Pad reflect', op: 'Pad', x: [1, 2, 4, 5], attrs: { mode: 'reflect' }, extra: [I([0, 0, 2, 1, 0, 0, 3, 2])] },
  { name: 'Pad edge', op: 'Pad', x: [1, 2, 4, 5], attrs: { mode: 'edge' }, extra: [I([0, 0, 2, 1, 0, 0, 3, 2])] },
  { name: 'Slice negative step', op: 'Slice', x: [3, 8], extra: [I([-1, 6]), I([-100, 0]), I([1, 0]), I([-2, -3])] },
  { name: 'Dropout (inference)', op: 'Dropout', x: [3, 4] },
  { name: 'Identity', op: 'Identity', x: [3, 4] },
  // Resize / Upsample
  { name: 'Resize nearest asymmetric floor (PyTorch nearest)', op: 'Resize', x: [1, 2, 3, 4], attrs: { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' }, extra: ['', F([1, 1, 2, 3])] },
  { name: 'Resize nearest half_pixel round_prefer_floor', op: 'Resize', x: [1, 1, 5, 4], attrs: { mode: 'nearest' }, extra: ['', '', I([1, 1, 8, 7])] },
  { name: 'Resize nearest round_prefer_ceil align_corners', op: 'Resize', x: [1, 1, 5, 4], attrs: { mode: 'nearest', coordinate_transformation_mode: 'align_corners', nearest_mode: 'round_prefer_ceil' }, extra: ['', '', I([1, 1, 9, 3])] },
  { name: 'Resize nearest ceil', op: 'Resize', x: [1, 1, 4, 4], attrs: { mode: 'nearest', nearest_mode: 'ceil' }, extra: ['', F([1, 1, 1.5, 0.5])] },
  { name: 'Resize linear half_pixel sizes', op: 'Resize', x: [1, 2, 5, 5], attrs: { mode: 'linear' }, extra: ['', '', I([1, 2, 8, 3])] },
  { name: 'Resize linear pytorch_half_pixel scales', op: 'Resize', x: [1, 2, 4, 3], attrs: { mode: 'linear', coordinate_transformation_mode: 'pytorch_half_pixel' }, extra: ['', F([1, 1, 2, 2.5])] },
  { name: 'Resize linear align_corners', op: 'Resize', x: [1, 1, 4, 5], attrs: { mode: 'linear', coordinate_transformation_mode: 'align_corners' }, extra: ['', '', I([1, 1, 7, 9])] },
  { name: 'Resize linear asymmetric (opset 11, roi input)', op: 'Resize', x: [1, 1, 3, 3], attrs: { mode: 'linear', coordinate_transformation_mode: 'asymmetric' }, extra: [F([]), F([1, 1, 2, 3])], opset: 11 },
  { name: 'Upsample nearest (opset 9)', op: 'Upsample', x: [1, 2, 3, 2], attrs: { mode: 'nearest' }, extra: [F([1, 1, 2, 3])], opset: 9 },
  { name: 'Upsample linear (opset 9)', op: 'Upsample', x: [1, 2, 3, 2], attrs: { mode: 'linear' }, extra: [F([1, 1, 2, 2])], opset: 9 },
];

for (const c of cases) {
  test(`${c.name} matches ONNX Runtime`, async () => {
    const initializers: Record<string, TensorSpec> = {};
    const inputs = ['x'];
    (c.extra ?? []).forEach((t, i) => {
      if (t === '') { inputs.push(''); return; }
      initializers[`c${i}`] = t;
      inputs.push(`c${i}`);
    });
    const bytes = buildModel({
      opset: c.opset ?? 13,
      inputs: [{ name: 'x', shape: c.x }],
      outputs: ['y'],
      initializers,
      nodes: [{ op: c.op, inputs, outputs: ['y'], attrs: c.attrs }],
    });
    const x = new Tensor(Float32Array.from(values(c.x.reduce((a, b) => a * b, 1), 11)), c.x);
    const want = (await runOrt(bytes, { x })).y!;
    const y = noGrad(() => loadOnnxBytes(bytes).call(x));
    assert.deepEqual(y.shape, [...want.dims], `${c.name}: output shape`);
    assertClose(y.data, want.data, c.name, 1e-5, 1e-5);
  });
}
