import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randn } from '../../src/tensor/creation.js';
import { manualSeed } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';
import * as nn from '../../src/nn/index.js';
import * as optim from '../../src/optim/index.js';
import type { Optimizer } from '../../src/optim/optimizer.js';

/** A tiny regression task: y = sum of a fixed random projection of x, through a small CNN. */
function trainLosses(makeOpt: (params: nn.Parameter[]) => Optimizer<optim.BaseOptions>, steps = 30): number[] {
  manualSeed(7);
  const net = new nn.Sequential(
    new nn.Conv2d(1, 4, 3, { padding: 1 }), new nn.BatchNorm2d(4), new nn.ReLU(), new nn.AvgPool2d(2),
    new nn.Flatten(), new nn.Linear(4 * 3 * 3, 1),
  );
  const x = randn([16, 1, 6, 6]);
  const target = x.mean([1, 2, 3]).reshape([16, 1]).mul(3);
  const opt = makeOpt(net.parameters());
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    const diff = net.call(x).sub(target);
    const loss = diff.mul(diff).mean();
    losses.push(loss.item());
    opt.zeroGrad();
    loss.backward();
    opt.step();
  }
  return losses;
}

const cases: Array<[string, (p: nn.Parameter[]) => Optimizer<optim.BaseOptions>]> = [
  ['SGD', (p) => new optim.SGD(p, { lr: 0.05 })],
  ['SGD momentum nesterov', (p) => new optim.SGD(p, { lr: 0.02, momentum: 0.9, nesterov: true, weightDecay: 1e-4 })],
  ['SGD with AGC', (p) => new optim.SGD(p, { lr: 0.05, momentum: 0.9, agc: { clipping: 0.1 } })],
  ['Adam', (p) => new optim.Adam(p, { lr: 0.01 })],
  ['Adam amsgrad', (p) => new optim.Adam(p, { lr: 0.01, amsgrad: true })],
  ['AdamW', (p) => new optim.AdamW(p, { lr: 0.01, weightDecay: 0.01 })],
];

for (const [name, make] of cases) {
  test(`a small CNN trains with ${name} (loss falls)`, () => {
    const losses = trainLosses(make);
    const first = losses[0]!, last = losses.at(-1)!;
    assert.ok(Number.isFinite(last), `${name}: final loss ${last}`);
    assert.ok(last < 0.5 * first, `${name}: loss went from ${first} to ${last}`);
  });
}

test('optimizers reject bad hyper-parameters with the option named', () => {
  const p = [new nn.Parameter(new Float32Array(2), [2])];
  assert.throws(() => new optim.SGD(p, { lr: -1 }), /SGD: lr must be a number >= 0, got -1/);
  assert.throws(() => new optim.SGD(p, { lr: 0.1, nesterov: true }), /SGD: nesterov needs momentum > 0/);
  assert.throws(() => new optim.Adam(p, { lr: 0.1, betas: [0.9, 1] }), /Adam: betas\[1\] must be a number in \[0, 1\)/);
  assert.throws(() => new optim.AdamW([], { lr: 0.1 }), /AdamW: got an empty parameter list/);
  const y = p[0]!.mul(2);
  assert.throws(() => new optim.SGD([y as Tensor], { lr: 0.1 }), /not a leaf tensor/);
  assert.throws(() => new optim.SGD([p[0]!, p[0]!], { lr: 0.1 }), /more than one group/);
});
