/**
 * ONNX export: dnnkit models (nn layers in Sequential, Residual and Concat containers, and zoo
 * models) exported with saveOnnx/toOnnxBytes run in ONNX Runtime with dnnkit's outputs within
 * 1e-4, and re-import into dnnkit exactly (bit for bit).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nn from '../../src/nn/index.js';
import { Module } from '../../src/nn/module.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { randn, rand } from '../../src/tensor/creation.js';
import { manualSeed } from '../../src/tensor/random.js';
import { noGrad } from '../../src/autograd/graph.js';
import { saveOnnx, toOnnxBytes } from '../../src/io/onnx/export.js';
import { loadOnnx, loadOnnxBytes } from '../../src/io/onnx/load.js';
import { OnnxError } from '../../src/io/onnx/errors.js';
import * as zoo from '../../src/models/zoo.js';
import { assertClose } from '../helpers.js';
import { runOrt } from './ort.js';

/** Random batch-norm statistics, so no BN layer is an identity. */
function randomizeNorms(model: Module): void {
  for (const m of model.modules()) {
    if (m instanceof nn.BatchNorm2d || m instanceof nn.BatchNorm1d) {
      const C = m.numFeatures;
      m.getBuffer('running_mean')!.data.set(randn([C]).data);
      m.getBuffer('running_var')!.data.set(rand([C], { low: 0.5, high: 1.5 }).data);
      m.weight!.data.set(rand([C], { low: 0.5, high: 1.5 }).data);
      m.bias!.data.set(randn([C]).data);
    }
  }
}

function everyLayer(): Module {
  return new nn.Sequential(
    new nn.Conv2d(3, 8, 3, { padding: 'same' }), new nn.BatchNorm2d(8), new nn.ReLU6(),
    new nn.Conv2d(8, 8, 3, { stride: 2, padding: 1, groups: 2 }), new nn.Hardswish(),
    new nn.MaxPool2d(3, { stride: 2, padding: 1, ceilMode: true }),
    new nn.Residual(new nn.Sequential(new nn.Conv2d(8, 8, 3, { padding: 1, dilation: 1 }), new nn.BatchNorm2d(8), new nn.LeakyReLU(0.1)), null, new nn.ELU(0.5)),
    new nn.Residual(new nn.Conv2d(8, 8, 3, { padding: 2, dilation: 2, bias: false }), new nn.Conv2d(8, 8, 1)),
    new nn.Concat([new nn.Conv2d(8, 4, 1), new nn.Sequential(new nn.AvgPool2d(3, { stride: 1, padding: 1, countIncludePad: false }), new nn.Conv2d(8, 4, 1))]),
    new nn.Upsample({ scaleFactor: 2, mode: 'nearest' }),
    new nn.ConvTranspose2d(8, 6, 3, { stride: 2, padding: 1, outputPadding: 1 }), new nn.SiLU(),
    new nn.Upsample({ scaleFactor: 2, mode: 'bilinear' }), new nn.Sigmoid(),
    new nn.AvgPool2d(2, { ceilMode: true }), new nn.Tanh(), new nn.Hardsigmoid(),
    new nn.Upsample({ scaleFactor: 2, mode: 'zeros' }),
    new nn.AdaptiveAvgPool2d(2), new nn.Flatten(), new nn.Dropout(0.3),
    new nn.Linear(24, 16), new nn.BatchNorm1d(16), new nn.ReLU(), new nn.Linear(16, 10), new nn.LogSoftmax(1),
  );
}

async function checkAgainstOrt(model: Module, inputShape: number[], opset: number, what: string): Promise<Uint8Array> {
  model.eval();
  const bytes = toOnnxBytes(model, { inputShape, opset });
  const x = randn(inputShape);
  const want = noGrad(() => model.call(x));
  const ort = (await runOrt(bytes, { input: x })).output!;
  assert.deepEqual([...ort.dims], want.shape, `${what}: ONNX Runtime output shape`);
  assertClose(ort.data, want.data, `${what} in ONNX Runtime`, 0, 1e-4);
  return bytes;
}

test('every exportable layer: ONNX Runtime matches dnnkit, re-import is exact (opset 13 and 14)', async () => {
  manualSeed(1);
  const model = everyLayer();
  randomizeNorms(model);
  for (const opset of [13, 14]) {
    const bytes = await checkAgainstOrt(model, [2, 3, 12, 12], opset, `opset ${opset}`);
    const x = randn([2, 3, 12, 12]);
    const back = loadOnnxBytes(bytes);
    const got = noGrad(() => back.call(x)), want = noGrad(() => model.call(x));
    if (opset >= 14) assert.deepEqual(got.data, want.data, 'export -> import reproduces the model bit for bit');
    else assertClose(got.data, want.data, 'opset 13 re-import (HardSwish as HardSigmoid * x)', 1e-6, 1e-6);
    // The batch dim is symbolic: another batch size runs too.
    const x3 = randn([3, 3, 12, 12]);
    assertClose(noGrad(() => back.call(x3)).data, noGrad(() => model.call(x3)).data, 'batch of 3', 1e-6, 1e-6);
  }
});

test('opset 11 export (Resize with an roi input, Softmax over the last axis) runs in ONNX Runtime', async () => {
  manualSeed(2);
  const model = new nn.Sequential(new nn.Conv2d(1, 4, 3), new nn.Upsample({ scaleFactor: 2, mode: 'bilinear' }), new nn.Flatten(), new nn.Linear(4 * 12 * 12, 5), new nn.Softmax(-1));
  await checkAgainstOrt(model, [1, 1, 8, 8], 11, 'opset 11');
});

for (const [name, shape] of [['lenet5', [2, 1, 32, 32]], ['fashion-cnn', [2, 1, 28, 28]], ['autoencoder', [1, 1, 28, 28]]] as const) {
  test(`zoo ${name}: exported, ONNX Runtime and re-import agree with dnnkit`, async () => {
    manualSeed(3);
    const model = zoo.create(name, { inputShape: shape.slice(1) });
    randomizeNorms(model);
    const bytes = await checkAgainstOrt(model, [...shape], 13, name);
    const x = randn([...shape]);
    assert.deepEqual(noGrad(() => loadOnnxBytes(bytes).call(x)).data, noGrad(() => model.call(x)).data, `${name}: re-import is exact`);
  });
}

test('saveOnnx writes a file loadOnnx reads; unsupported modules and bad options are named', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dnnkit-onnx-'));
  try {
    const model = new nn.Sequential(new nn.Linear(4, 3), new nn.Tanh());
    const path = join(dir, 'm.onnx');
    await saveOnnx(model, path, { inputShape: [2, 4] });
    const back = await loadOnnx(path);
    const x = randn([2, 4]);
    assert.deepEqual(back.call(x).data, model.call(x).data);
    assert.ok(readFileSync(path).length > 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  class Custom extends Module { override forward(x: Tensor): Tensor { return x.mul(2); } }
  const bad = new nn.Sequential(new nn.Linear(4, 4), new nn.Sequential(new Custom()));
  assert.throws(() => toOnnxBytes(bad, { inputShape: [1, 4] }), (e: unknown) => e instanceof OnnxError && /'1\.0' \(Custom\)/.test(e.message));
  assert.throws(() => toOnnxBytes(new nn.ReLU(), { inputShape: [0, 4] }), /inputShape must be positive integers/);
  assert.throws(() => toOnnxBytes(new nn.ReLU(), { inputShape: [1, 4], opset: 9 }), /opset must be an integer from 11 to 21/);
});
