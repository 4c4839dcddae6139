/**
 * Every zoo model builds and runs forward (batch 1, eval mode) to the expected output shape on
 * whatever backend is current, at the paper's input size. VGG-16 runs at 32x32 (its FC6 then
 * has 512 inputs): at 224x224 it needs 0.5 GB of weights, too much for a quick test; its
 * full-size shapes are checked by shape tracing in zoo-counts.test.ts. Without the wasm
 * backend (plain reference loops) the other ImageNet models run at 64x64 too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as zoo from '../../src/models/zoo.js';
import { describeModule } from '../../src/analysis/describe-module.js';
import { summary } from '../../src/analysis/summary.js';
import { getBackend, manualSeed, noGrad, randn } from '../../src/index.js';
import { assertThrowsWith } from '../helpers.js';
import { conv, dropout, seq } from '../../src/models/arch.js';
import { buildModel } from '../../src/models/build.js';

const reduced: Record<string, number[]> = getBackend().name === 'reference'
  ? { vgg16: [3, 32, 32], alexnet: [3, 67, 67], googlenet: [3, 64, 64], resnet50: [3, 64, 64], mobilenet: [3, 64, 64] }
  : { vgg16: [3, 32, 32] };

for (const name of zoo.list()) {
  test(`${name} runs forward to the traced output shape`, () => {
    manualSeed(1);
    const inputShape = reduced[name] ?? zoo.inputShape(name);
    const model = zoo.create(name, { inputShape });
    model.eval();
    const y = noGrad(() => model.call(randn([1, ...inputShape])));
    const traced = summary(model, [1, ...inputShape]);
    assert.deepEqual(y.shape, traced.output);
    assert.ok(y.data.every(Number.isFinite), `${name}: non-finite output`);
    if (name !== 'autoencoder') assert.deepEqual(y.shape, [1, zoo.entry(name).numClasses]);
    // The built module describes back to the same architecture the zoo traces.
    assert.deepEqual(JSON.parse(JSON.stringify(describeModule(model))), JSON.parse(JSON.stringify(zoo.arch(name, { inputShape }))));
    // Parameter count of the real module equals the summary's.
    const params = model.parameters().reduce((a, p) => a + p.data.length, 0);
    assert.equal(params, traced.totals.parameters, `${name}: parameters`);
  });
}

test('zoo options: numClasses and a smaller input resize the classifier', () => {
  manualSeed(2);
  const m = zoo.create('alexnet', { inputShape: [3, 67, 67], numClasses: 10 });
  const y = noGrad(() => m.call(randn([2, 3, 67, 67])));
  assert.deepEqual(y.shape, [2, 10]);
  assert.equal(summary(m, [2, 3, 67, 67]).layers.find((l) => l.name === 'fc6')!.C, 256);
});

test('zoo errors name the model and what was wrong', () => {
  assertThrowsWith(() => zoo.create('vgg17'), "unknown model 'vgg17'", 'vgg16');
  assertThrowsWith(() => zoo.create('lenet5', { inputShape: [1, 32] }), 'lenet5', 'inputShape', '[C, H, W]');
  assertThrowsWith(() => zoo.create('lenet5', { inputShape: [1, 8, 8] }), 'lenet5');
  assert.ok(zoo.list().includes('fashion-cnn') && zoo.list().includes('autoencoder'));
  for (const n of zoo.list()) assert.ok(zoo.entry(n).source.length > 10, `${n} cites its source`);
});

test('architecture builders accept and refuse what the nn layers do', () => {
  // p = 1 is a valid dropout in PyTorch, F.dropout and nn.Dropout; the arch builder refused it.
  const net = buildModel(seq(dropout(1)));
  assert.equal(describeModule(net).op, 'sequential');
  assertThrowsWith(() => dropout(1.5), 'dropout: p must be a probability in [0, 1], got 1.5');
  assertThrowsWith(() => conv(3, 8, 3, { groups: 2 }), 'conv: inChannels 3 is not divisible by groups 2');
  assertThrowsWith(() => conv(4, 8, [3, 3, 3] as never), 'conv: kernelSize must be an integer >= 1 or a pair [h, w] of them');
});
