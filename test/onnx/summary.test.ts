/**
 * An imported model exposes its layers to the analysis: `summary` of a zoo model exported to
 * ONNX and imported again equals the zoo model's own summary, row for row (names, shape
 * parameters, weights, MACs; see sameSummary for adds and concats), and layers of PyTorch
 * exports carry PyTorch's module names.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as zoo from '../../src/models/zoo.js';
import * as nn from '../../src/nn/index.js';
import { summary } from '../../src/analysis/summary.js';
import { toOnnxBytes } from '../../src/io/onnx/export.js';
import { loadOnnx, loadOnnxBytes } from '../../src/io/onnx/load.js';
import { repoPath } from '../helpers.js';
import type { Module } from '../../src/nn/module.js';

/**
 * Rows of layers must match exactly. The ADD and CONCAT rows a Residual / Concat module gets
 * are not compared: an imported graph adds and concatenates in its forward code, which the
 * instrumented summary (src/analysis/execution-trace.ts) does not list as layers.
 */
function sameSummary(model: Module, shape: number[], what: string): void {
  model.eval();
  const want = summary(model, shape);
  const got = summary(loadOnnxBytes(toOnnxBytes(model, { inputShape: shape })), shape);
  const layers = want.layers.filter((r) => r.type !== 'ADD' && r.type !== 'CONCAT');
  assert.equal(got.layers.length, layers.length, `${what}: number of rows`);
  got.layers.forEach((row, i) => assert.deepEqual(row, layers[i], `${what}: row ${i} (${layers[i]!.name})`));
  for (const k of ['weights', 'biases', 'bnParams', 'parameters', 'macs', 'convMacs', 'fcMacs', 'convLayers', 'fcLayers'] as const) {
    assert.equal(got.totals[k], want.totals[k], `${what}: total ${k}`);
  }
}

for (const [name, shape] of [['lenet5', [1, 1, 32, 32]], ['fashion-cnn', [2, 1, 28, 28]], ['mobilenet', [1, 3, 32, 32]]] as const) {
  test(`summary of ${name} after ONNX export and import equals the zoo model's`, () => {
    sameSummary(zoo.create(name, { inputShape: shape.slice(1) }), [...shape], name);
  });
}

test('summary of a model with residual and concat blocks survives the ONNX round trip', () => {
  const block = new nn.Sequential({
    stem: new nn.Conv2d(3, 8, 3, { padding: 1 }),
    res: new nn.Residual(new nn.Sequential(new nn.Conv2d(8, 8, 3, { padding: 1 }), new nn.BatchNorm2d(8)), null, new nn.ReLU()),
    mix: new nn.Concat({ a: new nn.Conv2d(8, 4, 1), b: new nn.MaxPool2d(3, { stride: 1, padding: 1 }) }),
    pool: new nn.AdaptiveAvgPool2d(1), flat: new nn.Flatten(), fc: new nn.Linear(12, 5),
  });
  sameSummary(block, [1, 3, 16, 16], 'residual/concat model');
});

test('layers of a PyTorch export are named as in PyTorch', async () => {
  const model = await loadOnnx(repoPath('test/fixtures/onnx/resnet18_small.onnx'));
  const names = [...model.namedModules()].map(([n]) => n);
  for (const n of ['conv1', 'maxpool', 'layer1.0.conv1', 'layer2.0.downsample.0', 'layer4.1.conv2', 'fc']) {
    assert.ok(names.includes(n), `module '${n}' among ${names.slice(0, 8).join(', ')}, ...`);
  }
  assert.ok('layer3.1.conv2.weight' in model.stateDict());
});
