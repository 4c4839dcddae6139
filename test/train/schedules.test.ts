import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeSchedule, oneCycleFactor } from '../../src/train/schedules.js';
import { stepsToError } from '../../src/train/experiments.js';
import { SGD } from '../../src/optim/index.js';
import { zeros } from '../../src/tensor/creation.js';
import type { OptimizerLike } from '../../src/train/fit.js';
import { assertClose } from '../helpers.js';

test('one-cycle factor: 1/25 at the start, 1 at 30%, 1/(25e4) at the end, monotone in between', () => {
  assertClose([oneCycleFactor(0, 100), oneCycleFactor(30, 100), oneCycleFactor(100, 100)], [1 / 25, 1, 1 / 25 / 1e4], 'factors', 1e-9, 1e-12);
  for (let s = 1; s <= 30; s++) assert.ok(oneCycleFactor(s, 100) > oneCycleFactor(s - 1, 100));
  for (let s = 31; s <= 100; s++) assert.ok(oneCycleFactor(s, 100) < oneCycleFactor(s - 1, 100));
});

test('the CLI schedules over a run of 3 epochs x 10 steps', () => {
  const lrAfter = (name: 'none' | 'step' | 'cosine' | 'onecycle' | 'warmup', steps: number): number => {
    const p = zeros([2], { requiresGrad: true });
    const opt = new SGD([p], { lr: 0.1 });
    const s = makeSchedule(name, opt as unknown as OptimizerLike, { lr: 0.1, stepsPerEpoch: 10, epochs: 3 });
    for (let i = 0; i < steps; i++) { opt.step(); s?.step(); }
    return opt.paramGroups[0]!.lr;
  };
  assert.equal(lrAfter('none', 30), 0.1);
  assertClose([lrAfter('step', 9), lrAfter('step', 10), lrAfter('step', 20)], [0.1, 0.01, 0.001], 'step lr', 1e-6);
  assertClose([lrAfter('cosine', 0), lrAfter('cosine', 15), lrAfter('cosine', 30)], [0.1, 0.05, 0], 'cosine lr', 1e-6, 1e-9);
  assertClose([lrAfter('onecycle', 0), lrAfter('onecycle', 9)], [0.004, 0.1], 'one-cycle lr', 1e-6);
  assertClose([lrAfter('warmup', 0), lrAfter('warmup', 5), lrAfter('warmup', 10), lrAfter('warmup', 25)], [0.01, 0.055, 0.1, 0.1], 'warmup lr', 1e-6);
});

test('steps to an error level reads the windowed training curve', () => {
  const h = { epochs: [], steps: [0.5, 0.7, 0.76, 0.8].map((a, i) => ({ step: 5 * (i + 1), epoch: 0, loss: 1, accuracy: a, lr: 0.1 })) };
  assert.equal(stepsToError(h, 0.25), 15);
  assert.equal(stepsToError(h, 0.1), null);
});
