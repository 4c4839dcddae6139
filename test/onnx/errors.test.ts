/**
 * Bad input is a clear error, never a hang, a crash or an out-of-memory: corrupt and truncated
 * files, unsupported operators and attributes, tensors larger than the limit or than the bytes
 * present, cycles, missing inputs. Each message names the file and, where there is one, the node.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Tensor } from '../../src/tensor/tensor.js';
import { loadOnnx, loadOnnxBytes } from '../../src/io/onnx/load.js';
import { OnnxError } from '../../src/io/onnx/errors.js';
import { ModelProtoType } from '../../src/io/onnx/schema.js';
import { repoPath } from '../helpers.js';
import { buildModel, type ModelSpec, type NodeSpec, type TensorSpec } from './build-model.js';

function throwsOnnx(fn: () => unknown, ...fragments: string[]): void {
  let caught: unknown;
  try { fn(); } catch (e) { caught = e; }
  assert.ok(caught instanceof OnnxError, `expected an OnnxError mentioning ${fragments.join(' / ')}, got ${String(caught)}`);
  for (const f of fragments) assert.ok(caught.message.includes(f), `message "${caught.message}" lacks "${f}"`);
}

const x4 = { name: 'x', shape: [1, 2, 4, 4] };
const spec = (nodes: NodeSpec[], extra: Partial<ModelSpec> = {}): Uint8Array =>
  buildModel({ inputs: [x4], outputs: ['y'], nodes, ...extra });
const load = (bytes: Uint8Array, options = {}) => () => loadOnnxBytes(bytes, { source: 'bad.onnx', ...options });

test('empty, garbage and truncated files', () => {
  throwsOnnx(load(new Uint8Array(0)), 'bad.onnx', 'empty');
  throwsOnnx(load(new TextEncoder().encode('this is not a protobuf file at all')), 'bad.onnx', 'not a valid ONNX file');
  const good = readFileSync(repoPath('test/fixtures/onnx/resnet18_small.onnx'));
  for (const cut of [1, 7, 100, 5000, good.length - 3]) {
    throwsOnnx(load(new Uint8Array(good.subarray(0, cut))), 'bad.onnx');
  }
});

test('a file without a graph or a default-domain opset', () => {
  throwsOnnx(load(Uint8Array.of(0x08, 0x07)), 'bad.onnx', 'no graph');
  throwsOnnx(load(spec([{ op: 'Relu', inputs: ['x'], outputs: ['y'] }], { opset: 5 })), 'opset 5', 'too old');
});

test('unsupported operators are named with their nodes and the supported list', () => {
  throwsOnnx(load(spec([
    { op: 'Relu', inputs: ['x'], outputs: ['a'] },
    { op: 'NonMaxSuppression', inputs: ['a'], outputs: ['b'], name: 'nms' },
    { op: 'Einsum', inputs: ['b'], outputs: ['y'], name: 'ein' },
  ])), "NonMaxSuppression (node 'nms')", "Einsum (node 'ein')", 'Supported operators: Add, AveragePool, BatchNormalization');
  throwsOnnx(load(spec([{ op: 'FusedConv', domain: 'com.microsoft', inputs: ['x'], outputs: ['y'], name: 'fc' }])), "com.microsoft.FusedConv (node 'fc')");
});

test('unsupported attributes and attribute values', () => {
  throwsOnnx(load(spec([{ op: 'Relu', inputs: ['x'], outputs: ['y'], name: 'r', attrs: { bogus: 1 } }])), "node 'r' (Relu)", "attribute 'bogus' is not supported");
  throwsOnnx(load(spec([{ op: 'Resize', inputs: ['x', '', 's'], outputs: ['y'], name: 'up', attrs: { mode: 'cubic' } }],
    { initializers: { s: { dims: [4], data: [1, 1, 2, 2] } } })), "node 'up' (Resize)", "mode 'cubic' is not supported");
  throwsOnnx(load(spec([{ op: 'MaxPool', inputs: ['x'], outputs: ['y'], name: 'p', attrs: { kernel_shape: [2, 2, 2] } }])), "node 'p' (MaxPool)", 'kernel_shape');
  throwsOnnx(load(spec([{ op: 'Conv', inputs: ['x', 'w'], outputs: ['y'], name: 'c', attrs: { auto_pad: 'SAME_MIDDLE' } }],
    { initializers: { w: { dims: [1, 2, 1, 1], data: [1, 1] } } })), "node 'c' (Conv)", "auto_pad 'SAME_MIDDLE'");
});

test('declared tensors larger than the limit or than the bytes present', () => {
  const huge: TensorSpec = { dims: [100000, 100000] };
  throwsOnnx(load(spec([{ op: 'Add', inputs: ['x', 'w'], outputs: ['y'] }], { initializers: { w: huge } })),
    "initializer 'w'", 'more than 268435456 elements');
  throwsOnnx(load(spec([{ op: 'Add', inputs: ['x', 'w'], outputs: ['y'] }], { initializers: { w: { dims: [2, 3], data: [1, 2, 3] } } }), { maxTensorElements: 1000 }),
    "initializer 'w'", 'needs 6 elements, float_data has 3');
  throwsOnnx(load(spec([{ op: 'Add', inputs: ['x', 'w'], outputs: ['y'] }], { initializers: { w: { dims: [10, 10], raw: new Uint8Array(16) } } })),
    "initializer 'w'", 'needs 400 bytes of raw_data, the file has 16');
  // A computed tensor over the limit (Resize to 100000 x 100000) fails before allocating.
  const bytes = spec([{ op: 'Resize', inputs: ['x', '', '', 'sz'], outputs: ['y'], name: 'big', attrs: { mode: 'nearest' } }],
    { initializers: { sz: { dims: [4], data: [1, 2, 100000, 100000], int64: true } } });
  const model = loadOnnxBytes(bytes, { source: 'bad.onnx' });
  throwsOnnx(() => model.call(new Tensor(new Float32Array(32), [1, 2, 4, 4])), "node 'big' (Resize)", 'more than the limit');
});

test('window attributes that would make a huge output are refused before allocating', () => {
  const x = new Tensor(new Float32Array(32), [1, 2, 4, 4]);
  const w = { dims: [2, 2, 3, 3], data: new Array(36).fill(0.1) };
  const cases: Array<[string, Record<string, number[] | number | string>]> = [
    ['ConvTranspose', { strides: [1 << 20, 1 << 20] }],
    ['ConvTranspose', { strides: [20000, 20000], pads: [0, 1, 2, 0] }],
    ['Conv', { pads: [1 << 20, 1 << 20, 1 << 20, 1 << 20] }],
    ['Conv', { pads: [0, 0, 50000, 50000] }],
  ];
  for (const [op, attrs] of cases) {
    const model = loadOnnxBytes(spec([{ op, inputs: ['x', 'w'], outputs: ['y'], name: 'big', attrs }], { initializers: { w } }), { source: 'bad.onnx' });
    throwsOnnx(() => model.call(x), `node 'big' (${op})`, 'more than the limit');
  }
  const pool = loadOnnxBytes(spec([{ op: 'MaxPool', inputs: ['x'], outputs: ['y'], name: 'big', attrs: { kernel_shape: [2, 2], pads: [0, 0, 40000, 40000] } }]), { source: 'bad.onnx' });
  throwsOnnx(() => pool.call(x), "node 'big' (MaxPool)", 'more than the limit');
});

test('a cycle, a missing input, a missing output and a value defined twice', () => {
  throwsOnnx(load(spec([
    { op: 'Relu', inputs: ['b'], outputs: ['a'], name: 'first' },
    { op: 'Relu', inputs: ['a'], outputs: ['b'], name: 'second' },
    { op: 'Relu', inputs: ['x'], outputs: ['y'] },
  ])), 'cycle', "node 'first' (Relu)", "node 'second' (Relu)");
  throwsOnnx(load(spec([{ op: 'Add', inputs: ['x', 'nowhere'], outputs: ['y'], name: 'add' }])),
    "node 'add' (Add)", "input 1 'nowhere' is not produced by any node, initializer or graph input");
  throwsOnnx(load(spec([{ op: 'Relu', inputs: ['x'], outputs: ['z'] }])), "graph output 'y' is not produced");
  throwsOnnx(load(spec([
    { op: 'Relu', inputs: ['x'], outputs: ['y'], name: 'r1' },
    { op: 'Sigmoid', inputs: ['x'], outputs: ['y'], name: 'r2' },
  ])), "node 'r2' (Sigmoid)", "output 'y' is already defined");
  throwsOnnx(load(spec([{ op: 'Relu', inputs: ['x', 'x'], outputs: ['y'], name: 'r' }])), "node 'r' (Relu)", 'has 2 inputs, expected 1');
});

test('weights in an external file are refused with the fix', () => {
  const bytes = buildModel({ inputs: [x4], outputs: ['y'], nodes: [{ op: 'Add', inputs: ['x', 'w'], outputs: ['y'] }], initializers: { w: { dims: [1] } } });
  // Mark the initializer external, as onnx.save(..., save_as_external_data=True) writes it.
  const m = ModelProtoType.decode(bytes) as unknown as { graph: { initializer: Array<Record<string, unknown>> } };
  m.graph.initializer[0]!.dataLocation = 1;
  m.graph.initializer[0]!.externalData = [{ key: 'location', value: 'weights.bin' }];
  throwsOnnx(load(ModelProtoType.encode(m as never).finish()), "initializer 'w'", "external file ('weights.bin')");
});

test('running with a wrong input shape or a missing file', async () => {
  const model = loadOnnxBytes(spec([{ op: 'Relu', inputs: ['x'], outputs: ['y'] }]), { source: 'm.onnx' });
  throwsOnnx(() => model.call(new Tensor(new Float32Array(8), [1, 2, 2, 2])), "input 'x' must have shape [1,2,4,4], got [1,2,2,2]");
  throwsOnnx(() => model.call(), 'forward takes 1 input');
  await assert.rejects(loadOnnx(repoPath('test/fixtures/onnx/no-such-model.onnx')), /no-such-model\.onnx: no such file/);
});
