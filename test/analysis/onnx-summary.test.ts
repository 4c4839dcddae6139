/**
 * `summary` of an imported ONNX model equals the summary of the zoo model it was exported
 * from: same CONV/FC layers in the same order, same weights, MACs and receptive fields.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toOnnxBytes } from '../../src/io/onnx/export.js';
import { loadOnnxBytes } from '../../src/io/onnx/load.js';
import { summary } from '../../src/analysis/summary.js';
import * as zoo from '../../src/models/zoo.js';
import { manualSeed } from '../../src/index.js';

for (const [name, image] of [['lenet5', [1, 32, 32]], ['googlenet', [3, 64, 64]], ['mobilenet', [3, 64, 64]]] as Array<[string, number[]]>) {
  test(`${name}: summary of its ONNX export equals the zoo summary`, () => {
    manualSeed(6);
    const model = zoo.create(name, { inputShape: image });
    model.eval();
    const input = [2, ...image];
    const direct = summary(model, input);
    const imported = summary(loadOnnxBytes(toOnnxBytes(model, { inputShape: input })), input);
    const compute = (s: typeof direct) => s.layers.filter((l) => l.type === 'CONV' || l.type === 'FC')
      .map((l) => [l.type, l.weights, l.biases, l.macs, l.outputShape.join('x'), l.receptiveField.join('x')].join(' '));
    assert.deepEqual(compute(imported), compute(direct));
    for (const key of ['weights', 'biases', 'macs', 'convLayers', 'fcLayers'] as const) {
      assert.equal(imported.totals[key], direct.totals[key], key);
    }
    assert.deepEqual(imported.output, direct.output);
  });
}
