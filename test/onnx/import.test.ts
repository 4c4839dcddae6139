/**
 * ONNX import against PyTorch: models written by torch.onnx.export (scripts/make-onnx-fixtures.py,
 * torch 1.13 + torchvision 0.14, random weights) run in dnnkit must give PyTorch's outputs
 * within 1e-4. The torchvision architectures are committed at reduced width (same operators and
 * topology); the full-size ones are checked by import-large.test.ts when generated locally.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { loadOnnx } from '../../src/io/onnx/load.js';
import { decodeNpy } from '../../src/io/npy.js';
import { noGrad } from '../../src/autograd/graph.js';
import { Conv2d, ConvTranspose2d } from '../../src/nn/conv.js';
import { Linear } from '../../src/nn/linear.js';
import { BatchNorm2d } from '../../src/nn/batchnorm.js';
import { MaxPool2d } from '../../src/nn/pool.js';
import { assertClose, repoPath } from '../helpers.js';

const dir = 'test/fixtures/onnx';
const npy = (name: string) => decodeNpy(readFileSync(repoPath(dir, name)), name);

const cases: Array<{ name: string; input?: string; layers: Array<[new (...a: never[]) => object, number]> }> = [
  { name: 'encoder_decoder', layers: [[Conv2d, 6], [ConvTranspose2d, 1], [BatchNorm2d, 1], [MaxPool2d, 1]] },
  { name: 'tiny_cnn_opset11', layers: [[Conv2d, 1], [Linear, 2]] },
  { name: 'resnet18_small', layers: [[Conv2d, 20], [Linear, 1], [MaxPool2d, 1]] },
  { name: 'mobilenet_v2_small', layers: [[Conv2d, 52], [Linear, 1]] },
  { name: 'squeezenet1_1_small', layers: [[Conv2d, 26], [MaxPool2d, 3]] },
  { name: 'alexnet_small', input: 'rgb224', layers: [[Conv2d, 5], [Linear, 3], [MaxPool2d, 3]] },
];

for (const c of cases) {
  test(`${c.name}: dnnkit reproduces PyTorch's output within 1e-4`, async () => {
    const model = await loadOnnx(repoPath(dir, `${c.name}.onnx`));
    const x = npy(`${c.input ?? c.name}.input.npy`);
    const want = npy(`${c.name}.output.npy`);
    const y = noGrad(() => model.call(x));
    assert.deepEqual(y.shape, want.shape, `${c.name}: output shape`);
    assertClose(y.data, want.data, `${c.name} output`, 0, 1e-4);
    // The layers are nn modules holding the weights (what summary and training see).
    const modules = [...model.modules()];
    for (const [cls, count] of c.layers) {
      assert.equal(modules.filter((m) => m instanceof cls).length, count, `${c.name}: number of ${cls.name} layers`);
    }
    assert.equal(model.training, false, 'an imported model starts in eval mode');
  });
}

test('tiny_cnn_opset11: the dynamic batch dim accepts another batch size (shape subgraph evaluated per run)', async () => {
  const model = await loadOnnx(repoPath(dir, 'tiny_cnn_opset11.onnx'));
  const x = npy('tiny_cnn_opset11.input.npy');
  const want = npy('tiny_cnn_opset11.output.npy');
  // Row 0 of the batch alone: the softmax/log-softmax columns (0..19) match row 0 of the batch run.
  const one = noGrad(() => model.call(x.slice(0, 0, 1)));
  assert.deepEqual(one.shape, [1, 21]);
  assertClose(one.data.subarray(0, 20), want.data.subarray(0, 20), 'batch-1 softmax columns', 0, 1e-4);
});

test('an imported model is trainable: gradients reach the imported weights', async () => {
  const model = await loadOnnx(repoPath(dir, 'encoder_decoder.onnx'));
  model.train();
  const x = npy('encoder_decoder.input.npy');
  const loss = model.call(x).mul(model.call(x)).mean();
  loss.backward();
  const params = model.parameters();
  assert.ok(params.length >= 10, `expected the layers' parameters, got ${params.length}`);
  const withGrad = params.filter((p) => p.grad !== null && p.grad.data.some((v) => v !== 0));
  assert.equal(withGrad.length, params.length, 'every parameter receives a gradient');
  const keys = Object.keys(model.stateDict());
  assert.ok(keys.some((k) => k.endsWith('.running_mean')), `stateDict holds batch-norm statistics: ${keys.slice(0, 5).join(', ')}`);
});

test('loadOnnx accepts bytes and ArrayBuffers as well as paths', async () => {
  const bytes = readFileSync(repoPath(dir, 'squeezenet1_1_small.onnx'));
  const a = await loadOnnx(new Uint8Array(bytes));
  const b = await loadOnnx(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const x = npy('squeezenet1_1_small.input.npy');
  assert.deepEqual(noGrad(() => a.call(x)).data, noGrad(() => b.call(x)).data);
});

test('an imported model, fine-tuned, is written back with its new weights (toOnnxBytes / saveOnnx)', async () => {
  const { toOnnxBytes } = await import('../../src/io/onnx/export.js');
  const { loadOnnxBytes } = await import('../../src/io/onnx/load.js');
  const { runOrt } = await import('./ort.js');
  const model = await loadOnnx(repoPath(dir, 'tiny_cnn_opset11.onnx'));
  const x = npy('tiny_cnn_opset11.input.npy');
  // One plain gradient step on every parameter (Dropout stays off: eval mode).
  const loss = model.call(x).mul(model.call(x)).mean();
  loss.backward();
  for (const p of model.parameters()) { for (let i = 0; i < p.size; i++) p.data[i] -= 0.5 * p.grad!.data[i]!; }
  const tuned = noGrad(() => model.call(x));
  const bytes = toOnnxBytes(model, { inputShape: [...x.shape] });
  assert.deepEqual(noGrad(() => loadOnnxBytes(bytes).call(x)).data, tuned.data, 'reloaded file gives the tuned output');
  const ort = (await runOrt(bytes, { input: x })).output!;
  assertClose(ort.data, tuned.data, 'tuned model in ONNX Runtime', 0, 1e-4);
  const before = npy('tiny_cnn_opset11.output.npy');
  assert.ok(tuned.data.some((v, i) => Math.abs(v - before.data[i]!) > 1e-3), 'the step changed the output');
});
