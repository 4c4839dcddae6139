/**
 * Exact totals of every zoo model against an independent counter: scripts/count-zoo.py builds
 * the same networks in PyTorch and counts weights, biases and MACs with forward hooks
 * (test/fixtures/zoo/counts.json). Also the published figures these reproduce.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readJson } from '../helpers.js';
import * as zoo from '../../src/models/zoo.js';
import { summary } from '../../src/analysis/summary.js';

interface Counted {
  input: number[]; output: number[];
  totals: Record<string, number>;
  layers: Array<{ type: string; weights: number; biases: number; macs: number; output: number[] }>;
}
const fixture = readJson<{ models: Record<string, Counted> }>('test/fixtures/zoo/counts.json');

for (const [name, expected] of Object.entries(fixture.models)) {
  test(`${name}: totals equal PyTorch's forward-hook count`, () => {
    const s = summary(zoo.arch(name), expected.input);
    const t = s.totals;
    for (const key of ['weights', 'biases', 'bnParams', 'macs', 'convWeights', 'fcWeights', 'convMacs', 'fcMacs', 'convLayers', 'fcLayers', 'parameters'] as const) {
      assert.equal(t[key], expected.totals[key], `${name} ${key}`);
    }
    assert.deepEqual(s.output, expected.output, `${name} output shape`);
  });

  test(`${name}: every CONV/FC layer equals PyTorch's, in execution order`, () => {
    const layers = summary(zoo.arch(name), expected.input).layers.filter((l) => l.type === 'CONV' || l.type === 'FC');
    assert.equal(layers.length, expected.layers.length);
    layers.forEach((l, i) => {
      const e = expected.layers[i]!;
      assert.deepEqual([l.type, l.weights, l.biases, l.macs, l.outputShape], [e.type, e.weights, e.biases, e.macs, e.output],
        `${name} layer ${i} (${l.name})`);
    });
  });
}

test('zoo covers every model the fixture counts, and vice versa for the paper models', () => {
  for (const name of Object.keys(fixture.models)) assert.ok(zoo.has(name), name);
  for (const name of ['lenet5', 'alexnet', 'vgg16', 'googlenet', 'resnet50', 'mobilenet']) assert.ok(name in fixture.models, name);
});

test('totals reproduce the published figures (Sze et al. 2017; Howard et al. 2017; Szegedy et al. 2014)', () => {
  const within = (actual: number, published: number, tolerance: number, what: string): void => {
    assert.ok(Math.abs(actual - published) <= tolerance * published, `${what}: ${actual} vs published ${published}`);
  };
  const t = (n: string) => summary(zoo.arch(n), zoo.inputShape(n)).totals;
  within(t('alexnet').weights, 61e6, 0.01, 'AlexNet weights');
  within(t('alexnet').macs, 724e6, 0.001, 'AlexNet MACs');
  within(t('vgg16').weights, 138e6, 0.005, 'VGG-16 weights');
  within(t('vgg16').macs, 15.5e9, 0.005, 'VGG-16 MACs');
  within(t('resnet50').weights, 25.5e6, 0.005, 'ResNet-50 weights');
  within(t('resnet50').macs, 3.9e9, 0.015, 'ResNet-50 MACs');
  within(t('mobilenet').weights, 4.2e6, 0.005, 'MobileNet weights');
  within(t('mobilenet').macs, 569e6, 0.001, 'MobileNet MACs');
  within(t('googlenet').weights, 7.0e6, 0.005, 'GoogLeNet weights');
  within(t('googlenet').macs, 1.58e9, 0.005, 'GoogLeNet MACs');
});

test('AlexNet per-layer decoder ring matches Sze et al. 2017, Table III', () => {
  const s = summary(zoo.arch('alexnet'), [1, 3, 227, 227]);
  const conv1 = s.layers.find((l) => l.name === 'features.conv1')!;
  assert.deepEqual([conv1.C, conv1.H, conv1.W, conv1.R, conv1.S, conv1.M, conv1.P, conv1.Q, conv1.U], [3, 227, 227, 11, 11, 96, 55, 55, 4]);
  assert.equal(conv1.macs, 105_415_200);
  const fc6 = s.layers.find((l) => l.name === 'fc6')!;
  // An FC layer is a CONV layer with R=H, S=W, P=Q=1.
  assert.deepEqual([fc6.C, fc6.H, fc6.W, fc6.R, fc6.S, fc6.M, fc6.P, fc6.Q], [256, 6, 6, 6, 6, 4096, 1, 1]);
  assert.equal(s.totals.convLayers, 5);
  assert.equal(s.totals.fcLayers, 3);
});

test('VGG-16 at 224x224 summarises in well under a second', () => {
  const t0 = performance.now();
  summary(zoo.arch('vgg16'), [1, 3, 224, 224]);
  const ms = performance.now() - t0;
  assert.ok(ms < 500, `took ${ms.toFixed(0)} ms`);
});

test('receptive field grows with depth and reaches the textbook values', () => {
  const s = summary(zoo.arch('vgg16'), [1, 3, 224, 224]);
  const rf = (n: string): number => s.layers.find((l) => l.name === n)!.receptiveField[0];
  assert.equal(rf('features.conv1_1'), 3);
  assert.equal(rf('features.conv1_2'), 5);
  assert.equal(rf('features.pool1'), 6);
  assert.equal(rf('features.conv5_3'), 196);
  assert.equal(rf('features.pool5'), 212);
  // ResNet-50's last conv sees 483x483 (Araujo et al. 2019), branches included.
  const r = summary(zoo.arch('resnet50'), [1, 3, 224, 224]);
  const lastConv = r.layers.filter((l) => l.type === 'CONV').at(-1)!;
  assert.equal(lastConv.receptiveField[0], 483);
  let prev = 0;
  for (const l of s.layers) {
    assert.ok(l.receptiveField[0] >= prev, `${l.name} receptive field shrank`);
    prev = l.receptiveField[0];
  }
});

test('batch size scales MACs and activations but not weights', () => {
  const one = summary(zoo.arch('lenet5'), [1, 1, 32, 32]).totals;
  const four = summary(zoo.arch('lenet5'), [4, 1, 32, 32]).totals;
  assert.equal(four.weights, one.weights);
  assert.equal(four.macs, 4 * one.macs);
  assert.equal(four.activations, 4 * one.activations);
});
