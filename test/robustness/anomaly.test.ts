/**
 * Numerics: training that meets NaN or infinity stops with a message naming the step and where
 * the value appeared. fit() always checks the loss; with detectAnomaly it names the first layer
 * output, gradient, parameter or buffer that went non-finite.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchNorm2d, Conv2d, Flatten, Linear, Module, ReLU, Sequential } from '../../src/nn/index.js';
import { SGD } from '../../src/optim/index.js';
import { DataLoader } from '../../src/data/dataloader.js';
import { ByteImageDataset, TensorDataset } from '../../src/data/dataset.js';
import { Generator, manualSeed } from '../../src/tensor/random.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { loadCheckpoint } from '../../src/io/checkpoint.js';
import { fit, CHECKPOINT_FILE, type TrainState } from '../../src/train/fit.js';
import { AnomalyDetector, NonFiniteError, firstNonFinite } from '../../src/train/anomaly.js';
import { randn } from '../../src/tensor/creation.js';
import { runCli } from '../cli/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'dnnkit-anomaly-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

function images(n = 64): ByteImageDataset {
  const g = new Generator(3);
  const bytes = Uint8Array.from({ length: n * 64 }, () => g.int(256)), labels = Uint8Array.from({ length: n }, (_, i) => i % 3);
  return new ByteImageDataset(bytes, labels, [1, 8, 8]);
}

function net(batchNorm = false): Sequential {
  manualSeed(1);
  return new Sequential(new Conv2d(1, 4, 3, { padding: 1 }), ...(batchNorm ? [new BatchNorm2d(4)] : []), new ReLU(), new Flatten(), new Linear(256, 3));
}

/** The error fit throws, or a failure if it finishes. */
function fitError(model: Module, lr: number, o: { detectAnomaly?: boolean; outDir?: string; data?: DataLoader } = {}): NonFiniteError {
  const train = o.data ?? new DataLoader(images(), { batchSize: 8, shuffle: true, seed: 2 });
  try {
    fit(model, { train }, { epochs: 3, optimizer: new SGD(model.parameters(), { lr, momentum: 0.9 }), detectAnomaly: o.detectAnomaly, outDir: o.outDir, checkpointEvery: 1 });
  } catch (e) {
    assert.ok(e instanceof NonFiniteError, `expected a NonFiniteError, got ${String(e)}`);
    return e;
  }
  assert.fail('training finished although it should have gone non-finite');
}

test('firstNonFinite finds NaN, +Infinity and -Infinity, and nothing in finite data', () => {
  assert.equal(firstNonFinite(Float32Array.of(0, -0, 3.4e38, -3.4e38, 1e-45)), -1);
  assert.equal(firstNonFinite(Float32Array.of(1, NaN, Infinity)), 1);
  assert.equal(firstNonFinite(Float32Array.of(1, 2, -Infinity)), 2);
  assert.equal(firstNonFinite(Float32Array.of(Infinity)), 0);
});

test('a far too large learning rate (1e20): fit stops on the non-finite loss with the step, and the checkpoint keeps finite weights', () => {
  const out = join(dir, 'lr');
  const e = fitError(net(), 1e20, { outDir: out });
  assert.match(e.message, /^fit: the loss is (NaN|Infinity|-Infinity) at step (\d+) \(epoch \d, batch \d of 8\); the weights of the last checkpoint are untouched/);
  assert.match(e.message, /detectAnomaly \(dnnkit train --detect-anomaly\)/);
  assert.ok(e.step > 1);
  const saved = loadCheckpoint(join(out, CHECKPOINT_FILE)) as TrainState;
  assert.equal(saved.step, e.step - 1, 'the last checkpoint is the step before');
  for (const [name, t] of Object.entries(saved.model)) assert.equal(firstNonFinite(t.data), -1, `${name} in the checkpoint is non-finite`);
});

test('detectAnomaly names where the too-large learning rate first made a non-finite value, no later than the loss check', () => {
  const plain = fitError(net(true), 1e20);
  const e = fitError(net(true), 1e20, { detectAnomaly: true });
  assert.match(e.message, /^anomaly at step \d+ \(epoch \d, batch \d of 8\): (parameter|buffer|the gradient of parameter|the output of layer) '[\w.]+'/);
  assert.ok(e.step <= plain.step, `anomaly at step ${e.step}, loss check at ${plain.step}`);
});

test('detectAnomaly: a NaN injected into one weight is blamed on that layer (its input was finite)', () => {
  const model = net();
  const lin = model.getSubmodule('3') as Linear;
  lin.weight.data[17] = NaN;
  const e = fitError(model, 0.01, { detectAnomaly: true });
  assert.match(e.message, /^anomaly at step 1 \(epoch 1, batch 1 of 8\): the output of layer '3' \(Linear\) is NaN at element \d+ of shape \[8, 3\] although its input was finite$/);
});

test('detectAnomaly: NaN in the input batch, and a gradient that alone goes non-finite (sqrt at 0)', () => {
  const x = randn([16, 1, 8, 8]);
  x.data[70] = NaN;   // example 1
  const data = new DataLoader(new TensorDataset(x, Array.from({ length: 16 }, (_, i) => i % 3)), { batchSize: 8 });
  assert.match(fitError(net(), 0.01, { detectAnomaly: true, data }).message, /^anomaly at step 1 \(epoch 1, batch 1 of 2\): the input batch is NaN at element 70 of shape \[8, 1, 8, 8\]$/);

  // sqrt(0 * h): the forward is finite (0) but d sqrt/dx at 0 is infinite, and infinity times the 0 of the product gives NaN.
  class SqrtHead extends Module {
    fc = new Linear(64, 3);
    forward(t: Tensor): Tensor { return this.fc.call(t.reshape([t.shape[0]!, 64])).mul(0).sqrt(); }
  }
  manualSeed(4);
  const e = fitError(new SqrtHead(), 0.01, { detectAnomaly: true });
  assert.match(e.message, /the gradient of parameter 'fc\.(weight|bias)' is NaN at element \d+ of shape \[3(, 64)?\] \(the loss and every layer output were finite\)/);
});

test('the detector removes its hooks when training ends', () => {
  const model = net();
  const d = new AnomalyDetector(model);
  d.remove();
  const w = (model.getSubmodule('3') as Linear).weight;
  w.data.fill(NaN);
  assert.doesNotThrow(() => model.call(randn([2, 1, 8, 8])));
});

test('dnnkit train --detect-anomaly names the parameter, without it the loss check names the step', async () => {
  const args = ['train', '--data', 'data/fashion-mnist-sample', '--limit', '384', '--test-limit', '32', '--epochs', '1', '--batch-size', '32', '--lr', '100', '--seed', '3', '--threads', '1', '--plain'];
  const plain = await runCli([...args, '--out', join(dir, 'cli-plain')]);
  assert.equal(plain.code, 1);
  assert.match(plain.stderr, /^dnnkit train: fit: the loss is (NaN|-?Infinity) at step \d+ \(epoch 1, batch \d+ of 12\)/);
  const detect = await runCli([...args, '--detect-anomaly', '--out', join(dir, 'cli-detect')]);
  assert.equal(detect.code, 1);
  assert.match(detect.stderr, /^dnnkit train: anomaly at step \d+ \(epoch 1, batch \d+ of 12\): .*'[\w.]+'/);
  assert.equal(detect.stderr.trim().split('\n').length, 1);
});
