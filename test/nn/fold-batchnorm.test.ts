import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertClose, assertThrowsWith } from '../helpers.js';
import { randn } from '../../src/tensor/creation.js';
import { manualSeed } from '../../src/tensor/random.js';
import * as nn from '../../src/nn/index.js';

/** Give every BatchNorm non-trivial affine parameters and running statistics. */
function randomizeBatchNorms(model: nn.Module): void {
  for (const m of model.modules()) {
    if (m instanceof nn.BatchNorm1d || m instanceof nn.BatchNorm2d) {
      const C = m.numFeatures;
      m.weight?.data.set(randn([C]).abs().add(0.5).data);
      m.bias?.data.set(randn([C]).data);
      m.runningMean?.data.set(randn([C]).data);
      m.runningVar?.data.set(randn([C]).abs().add(0.3).data);
    }
  }
}

function maxRelativeError(a: Float32Array, b: Float32Array): number {
  let scale = 0, worst = 0;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]!));
  for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / scale);
  return worst;
}

test('foldBatchNorm merges Conv2d→BatchNorm2d and Linear→BatchNorm1d, nested too; outputs equal eval mode', () => {
  manualSeed(11);
  const model = new nn.Sequential(
    new nn.Conv2d(3, 8, 3, { padding: 1, bias: false }), new nn.BatchNorm2d(8), new nn.ReLU(),
    new nn.Residual(
      new nn.Sequential(new nn.Conv2d(8, 8, 3, { padding: 1, groups: 2 }), new nn.BatchNorm2d(8, { eps: 1e-3 }), new nn.ReLU(),
                        new nn.Conv2d(8, 8, 1), new nn.BatchNorm2d(8, { affine: false })),
      new nn.Sequential(new nn.Conv2d(8, 8, 1, { bias: false }), new nn.BatchNorm2d(8)),
      new nn.ReLU()),
    new nn.AdaptiveAvgPool2d(1), new nn.Flatten(),
    new nn.Linear(8, 6), new nn.BatchNorm1d(6), new nn.ReLU(), new nn.Linear(6, 4),
  );
  randomizeBatchNorms(model);
  const before = model.stateDict();
  const folded = nn.foldBatchNorm(model);

  const kinds = [...folded.modules()].map((m) => m.constructor.name);
  assert.equal(kinds.filter((k) => k.startsWith('BatchNorm')).length, 0, 'every BatchNorm folded');
  assert.ok(folded[1] instanceof nn.Identity && folded[7] instanceof nn.Identity);
  assert.ok([...folded.modules()].every((m) => !m.training), 'folded model is in eval mode');
  assert.ok((folded[0] as nn.Conv2d).bias, 'a bias-free conv gains a bias');

  // The original is untouched (weights, buffers, mode, structure).
  assert.ok(model.training && model[1] instanceof nn.BatchNorm2d);
  const after = model.stateDict();
  for (const [k, v] of Object.entries(before)) assert.deepEqual(after[k]!.data, v.data, `${k} unchanged`);

  const x = randn([2, 3, 6, 6]);
  const expected = model.eval().call(x);
  const got = folded.call(x);
  const err = maxRelativeError(got.data, expected.data);
  assert.ok(err <= 1e-5, `folded output differs by ${err} (relative to the largest output)`);
  assertClose(got.data, expected.data, 'folded output', 1e-4, 1e-5);
});

test('foldBatchNorm leaves a BatchNorm without running statistics, and unpaired ones, in place', () => {
  const model = new nn.Sequential(new nn.Conv2d(2, 3, 1), new nn.BatchNorm2d(3, { trackRunningStats: false }),
    new nn.ReLU(), new nn.BatchNorm2d(3));
  const folded = nn.foldBatchNorm(model);
  assert.ok(folded[1] instanceof nn.BatchNorm2d);
  assert.ok(folded[3] instanceof nn.BatchNorm2d);
});

test('foldBatchNorm names a channel mismatch', () => {
  const model = new nn.Sequential(new nn.Linear(4, 5), new nn.BatchNorm1d(6));
  assertThrowsWith(() => nn.foldBatchNorm(model), 'foldBatchNorm', "BatchNorm1d '1'", 'numFeatures=6', '5 output channels');
});

test('clone() copies parameters and buffers and keeps shared modules shared', () => {
  const shared = new nn.Linear(3, 3);
  const model = new nn.Sequential(shared, new nn.ReLU(), shared, new nn.BatchNorm1d(3));
  const copy = model.clone();
  assert.ok(copy instanceof nn.Sequential && copy[0] instanceof nn.Linear);
  assert.equal(copy[0], copy[2], 'sharing kept');
  assert.notEqual(copy[0], shared);
  (copy[0] as nn.Linear).weight.data[0] = 42;
  assert.notEqual(shared.weight.data[0], 42);
  (copy[3] as nn.BatchNorm1d).runningMean!.data[0] = 7;
  assert.equal((model[3] as nn.BatchNorm1d).runningMean!.data[0], 0);
  // As PyTorch's state_dict: a module placed twice is listed under both names.
  assert.deepEqual(Object.keys(model.stateDict()), ['0.weight', '0.bias', '2.weight', '2.bias',
    '3.weight', '3.bias', '3.running_mean', '3.running_var', '3.num_batches_tracked']);
  assert.deepEqual(Object.keys(copy.stateDict()), Object.keys(model.stateDict()));
  assert.equal(copy.parameters().length, model.parameters().length);
});
