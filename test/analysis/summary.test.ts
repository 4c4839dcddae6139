/**
 * summary() on nn modules: the shape trace agrees with what the ops really produce, layer by
 * layer (awkward strides, padding, dilation, groups, ceil mode, 'same', transposed convs,
 * upsampling, adaptive pools, branches); models with their own forward code are summarised
 * by running them; errors name the layer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nn from '../../src/nn/index.js';
import { summary } from '../../src/analysis/summary.js';
import { runInstrumented } from '../../src/analysis/execution-trace.js';
import { compact, formatCsv, formatMarkdown, formatTable } from '../../src/analysis/format.js';
import * as zoo from '../../src/models/zoo.js';
import { act, conv, residual, seq } from '../../src/models/arch.js';
import { F, manualSeed, randn, type Tensor } from '../../src/index.js';
import { assertThrowsWith } from '../helpers.js';

function awkwardNet(): nn.Module {
  return new nn.Sequential({
    stem: new nn.Conv2d(3, 8, [3, 5], { stride: [2, 3], padding: [1, 2], dilation: [2, 1] }),
    bn: new nn.BatchNorm2d(8),
    act: new nn.LeakyReLU(0.1),
    pool: new nn.MaxPool2d(3, { stride: 2, ceilMode: true }),
    same: new nn.Conv2d(8, 8, 4, { padding: 'same', groups: 4 }),
    block: new nn.Residual(
      new nn.Sequential(new nn.Conv2d(8, 16, 3, { stride: 2, padding: 1, bias: false }), new nn.ReLU(), new nn.Conv2d(16, 16, 3, { padding: 1 })),
      new nn.Conv2d(8, 16, 1, { stride: 2 }), new nn.ReLU()),
    branches: new nn.Concat({ a: new nn.Conv2d(16, 4, 1), b: new nn.AvgPool2d(3, { stride: 1, padding: 1, countIncludePad: false }) }),
    up: new nn.Upsample({ scaleFactor: 2, mode: 'nearest' }),
    zeros: new nn.Upsample({ scaleFactor: 2, mode: 'zeros' }),
    deconv: new nn.ConvTranspose2d(20, 6, 3, { stride: 2, padding: 1, outputPadding: 1 }),
    gap: new nn.AdaptiveAvgPool2d([3, 2]),
    flatten: new nn.Flatten(),
    drop: new nn.Dropout(0.2),
    fc: new nn.Linear(36, 5),
    out: new nn.Softmax(1),
  });
}

test('every layer\'s traced output shape equals what the ops produce (real forward)', () => {
  manualSeed(3);
  for (const [model, shape] of [[awkwardNet(), [2, 3, 37, 41]], [zoo.create('googlenet', { inputShape: [3, 64, 64] }), [1, 3, 64, 64]],
    [zoo.create('resnet50', { inputShape: [3, 40, 40] }), [1, 3, 40, 40]]] as Array<[nn.Module, number[]]>) {
    model.eval();
    const traced = summary(model, shape);
    const seen: Array<{ name: string; real: number[]; traced: number[] }> = [];
    const x = randn(shape);
    const { output } = runInstrumented(model, [x], ({ row, output: y }) => seen.push({ name: row.name, real: [...y.shape], traced: row.outputShape }));
    for (const s of seen) assert.deepEqual(s.traced, s.real, `${s.name}: traced ${s.traced} vs real ${s.real}`);
    assert.deepEqual(traced.output, output);
    // The same layers, in the same order, as the shape-only trace (merge rows aside).
    const layerRows = traced.layers.filter((l) => l.type !== 'ADD' && l.type !== 'CONCAT');
    assert.deepEqual(seen.map((s) => s.name), layerRows.map((l) => l.name));
  }
});

test('hand-checked rows of the awkward network', () => {
  const s = summary(awkwardNet(), [2, 3, 37, 41]);
  const row = (n: string) => s.layers.find((l) => l.name === n)!;
  const stem = row('stem');
  // P = floor((37 + 2 - 2*2 - 1)/2) + 1 = 18; Q = floor((41 + 4 - 4 - 1)/3) + 1 = 14
  assert.deepEqual([stem.P, stem.Q, stem.R, stem.S, stem.U], [18, 14, 3, 5, 2]);
  assert.equal(stem.macs, 2 * 8 * 18 * 14 * 3 * 3 * 5);
  assert.equal(stem.weights, 8 * 3 * 15);
  assert.deepEqual(stem.receptiveField, [5, 5]);  // dilated 3x5: 2*(3-1)+1 = 5 rows, 5 columns
  const same = row('same');
  assert.deepEqual(same.outputShape, [2, 8, 9, 7]);
  assert.equal(same.macs, 2 * 8 * 9 * 7 * 2 * 16);   // groups 4: C/G = 2
  assert.equal(row('bn').bnParams, 16);
  assert.equal(row('block').type, 'ADD');
  assert.equal(row('branches').type, 'CONCAT');
  assert.deepEqual(row('branches').outputShape, [2, 20, 5, 4]);
  const deconv = row('deconv');
  assert.equal(deconv.type, 'CONV');
  assert.equal(deconv.macs, 2 * 20 * 20 * 16 * 6 * 9);   // every input pixel times every tap
  assert.equal(row('fc').C, 6);                          // the fmap the FC saw: C=6, H=3, W=2
  assert.deepEqual([row('fc').H, row('fc').W, row('fc').R, row('fc').S], [3, 2, 3, 2]);
  assert.equal(s.totals.convLayers, 7);
  assert.equal(s.totals.fcLayers, 1);
});

class Custom extends nn.Module {
  conv = new nn.Conv2d(1, 4, 3, { padding: 1 });
  head = new nn.Linear(4 * 8 * 8, 3);
  override forward(x: Tensor): Tensor {
    const y = F.relu(this.conv.call(x));
    return this.head.call(y.add(y).flatten(1));
  }
}

test('a model with its own forward code is summarised by running it', () => {
  manualSeed(4);
  const model = new Custom();
  const s = summary(model, [2, 1, 8, 8]);
  assert.deepEqual(s.layers.map((l) => [l.name, l.type]), [['conv', 'CONV'], ['head', 'FC']]);
  assert.deepEqual(s.output, [2, 3]);
  assert.equal(s.totals.macs, 2 * 4 * 64 * 9 + 2 * 256 * 3);
  assert.equal(s.layers[1]!.receptiveField[0], 3);   // the widest field seen reaches the FC
  // and the instance is left as it was
  for (const m of [model, model.conv, model.head]) assert.equal(Object.prototype.hasOwnProperty.call(m, 'call'), false);
});

test('shape errors name the layer and both shapes', () => {
  assertThrowsWith(() => summary(seq(['c1', conv(3, 8, 3)], ['c2', conv(4, 8, 3)]), [1, 3, 8, 8]),
    "layer 'c2' (conv2d) expects 4 input channels", '[1, 8, 6, 6]');
  assertThrowsWith(() => summary(residual(conv(3, 8, 3)), [1, 3, 8, 8]), 'residual', '[1, 8, 6, 6]', '[1, 3, 8, 8]');
  assertThrowsWith(() => summary(seq(conv(3, 8, 9)), [1, 3, 4, 4]), "layer '0' (conv2d)", 'padded input 4x4');
  assertThrowsWith(() => summary(seq(act('relu')), [3]), 'inputShape');
  assertThrowsWith(() => summary({ op: 'nonsense' } as unknown as nn.Module, [1, 3, 4, 4]), 'nn Module or an architecture');
});

test('formats: compact counts, CSV rows, Markdown totals, 80-column table', () => {
  assert.deepEqual([compact(999), compact(12_345), compact(724_406_816), compact(15_470_264_320), compact(4_096_000)],
    ['999', '12.3K', '724M', '15.5G', '4.10M']);
  const s = summary(zoo.arch('mobilenet'), [1, 3, 224, 224], { name: 'mobilenet' });
  const csv = formatCsv(s).trim().split('\n');
  assert.equal(csv.length, s.layers.length + 2);
  assert.match(formatMarkdown(s), /\| weights \| 4,209,088 \|/);
  const table = formatTable(s);
  for (const line of table.split('\n')) assert.ok(line.length <= 80, line);
  assert.match(table, /block1\.dw +CONV +32x112x112 +3 dw +32x112x112/);
});
