import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertThrowsWith } from '../helpers.js';
import { zeros } from '../../src/tensor/creation.js';
import { manualSeed } from '../../src/tensor/random.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import * as nn from '../../src/nn/index.js';

const { init } = nn;

function stats(t: Tensor): { mean: number; std: number; maxAbs: number } {
  const d = t.data;
  let s = 0, m = 0;
  for (const v of d) { s += v; m = Math.max(m, Math.abs(v)); }
  const mean = s / d.length;
  let v2 = 0;
  for (const v of d) v2 += (v - mean) ** 2;
  return { mean, std: Math.sqrt(v2 / d.length), maxAbs: m };
}

/** Uniform(-b, b): all within b, the extremes reached, std b/√3 (large samples). */
function assertUniform(t: Tensor, bound: number, what: string): void {
  const s = stats(t);
  assert.ok(s.maxAbs <= bound * (1 + 1e-6), `${what}: max |x| ${s.maxAbs} exceeds the bound ${bound}`);
  // max of n draws of |U(-b,b)| falls below (1-d)·b with probability (1-d)^n: e^-8 for d = 8/n.
  const slack = Math.min(0.5, 8 / t.size);
  assert.ok(s.maxAbs > (1 - slack) * bound, `${what}: max |x| ${s.maxAbs} stays far below the bound ${bound}`);
  if (t.size < 1000) return;
  assert.ok(Math.abs(s.std - bound / Math.sqrt(3)) < 0.05 * bound, `${what}: std ${s.std}, expected ${bound / Math.sqrt(3)}`);
  assert.ok(Math.abs(s.mean) < 0.05 * bound, `${what}: mean ${s.mean}`);
}

function assertNormal(t: Tensor, mean: number, std: number, what: string): void {
  const s = stats(t);
  assert.ok(Math.abs(s.std - std) < 0.04 * std, `${what}: std ${s.std}, expected ${std}`);
  assert.ok(Math.abs(s.mean - mean) < 0.04 * std + 1e-12, `${what}: mean ${s.mean}, expected ${mean}`);
}

test("Conv2d, ConvTranspose2d and Linear use PyTorch's default init: U(±1/√fanIn) for weight and bias", () => {
  manualSeed(5);
  const conv = new nn.Conv2d(16, 32, 3);
  assertUniform(conv.weight, 1 / Math.sqrt(16 * 9), 'Conv2d weight');
  assertUniform(conv.bias!, 1 / Math.sqrt(16 * 9), 'Conv2d bias');
  const grouped = new nn.Conv2d(64, 64, 3, { groups: 4 });
  assertUniform(grouped.weight, 1 / Math.sqrt(16 * 9), 'grouped Conv2d weight (fanIn = C/groups·R·S)');
  // PyTorch takes fanIn from dim 1 of the [C, M/groups, R, S] weight.
  const up = new nn.ConvTranspose2d(40, 24, 3, { groups: 2 });
  assertUniform(up.weight, 1 / Math.sqrt(12 * 9), 'ConvTranspose2d weight');
  const fc = new nn.Linear(300, 2000);
  assertUniform(fc.weight, 1 / Math.sqrt(300), 'Linear weight');
  assertUniform(fc.bias!, 1 / Math.sqrt(300), 'Linear bias');
  const bn = new nn.BatchNorm2d(5);
  assert.deepEqual([...bn.weight!.data], [1, 1, 1, 1, 1]);
  assert.deepEqual([...bn.bias!.data], [0, 0, 0, 0, 0]);
});

test('initialisation is reproducible under manualSeed', () => {
  manualSeed(9);
  const a = new nn.Linear(10, 10).weight.data;
  manualSeed(9);
  const b = new nn.Linear(10, 10).weight.data;
  assert.deepEqual(a, b);
});

test('named initialisers follow torch.nn.init formulas', () => {
  manualSeed(6);
  const w = (): Tensor => zeros([256, 64, 3, 3]); // fanIn 576, fanOut 2304
  assertUniform(init.kaimingUniform(w()), Math.sqrt(3) * Math.SQRT2 / Math.sqrt(576), 'kaimingUniform (default leaky_relu a=0)');
  assertUniform(init.kaimingUniform(w(), { a: Math.sqrt(5) }), 1 / Math.sqrt(576), 'kaimingUniform a=√5');
  assertNormal(init.kaimingNormal(w(), { mode: 'fanOut', nonlinearity: 'relu' }), 0, Math.SQRT2 / Math.sqrt(2304), 'kaimingNormal fanOut relu');
  assertNormal(init.kaimingNormal(w(), { nonlinearity: 'leaky_relu', a: 0.2 }), 0, Math.sqrt(2 / 1.04) / Math.sqrt(576), 'kaimingNormal leaky 0.2');
  assertUniform(init.xavierUniform(w(), { gain: 2 }), 2 * Math.sqrt(6 / (576 + 2304)), 'xavierUniform gain 2');
  assertNormal(init.xavierNormal(w()), 0, Math.sqrt(2 / (576 + 2304)), 'xavierNormal');
  assertNormal(init.normal(zeros([20000]), 3, 0.5), 3, 0.5, 'normal(3, 0.5)');
  const u = init.uniform(zeros([20000]), 2, 4);
  assert.ok(u.data.every((v) => v >= 2 && v < 4));
  assert.ok(Math.abs(stats(u).mean - 3) < 0.02);
  assert.ok(init.constant(zeros([3]), 0.25).data.every((v) => v === 0.25));
  assert.ok(init.ones(zeros([3])).data.every((v) => v === 1));
  assert.ok(init.zeros(init.ones(zeros([3]))).data.every((v) => v === 0));
});

test('calculateGain and fan computation match torch.nn.init', () => {
  assert.equal(init.calculateGain('linear'), 1);
  assert.equal(init.calculateGain('conv2d'), 1);
  assert.equal(init.calculateGain('sigmoid'), 1);
  assert.equal(init.calculateGain('tanh'), 5 / 3);
  assert.equal(init.calculateGain('relu'), Math.SQRT2);
  assert.equal(init.calculateGain('leaky_relu'), Math.sqrt(2 / (1 + 0.01 ** 2)));
  assert.equal(init.calculateGain('leaky_relu', 0.2), Math.sqrt(2 / 1.04));
  assert.equal(init.calculateGain('selu'), 0.75);
  assert.deepEqual(init.calculateFanInAndFanOut(zeros([8, 4, 3, 2])), { fanIn: 24, fanOut: 48 });
  assert.deepEqual(init.calculateFanInAndFanOut(zeros([10, 7])), { fanIn: 7, fanOut: 10 });
  assertThrowsWith(() => init.calculateFanInAndFanOut(zeros([5])), 'calculateFanInAndFanOut', 'at least 2 dims', '[5]');
  assertThrowsWith(() => init.kaimingNormal(zeros([4, 4]), { mode: 'fan_in' as never }), 'kaimingNormal', "'fanIn' or 'fanOut'");
  assertThrowsWith(() => init.calculateGain('gelu' as never), "unsupported nonlinearity 'gelu'");
});
