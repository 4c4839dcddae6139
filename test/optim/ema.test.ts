import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BatchNorm1d, Linear, Sequential } from '../../src/nn/index.js';
import { ExponentialMovingAverage } from '../../src/optim/index.js';
import { tensor } from '../../src/tensor/creation.js';
import { assertClose, assertThrowsWith, readJson } from '../helpers.js';

interface Fixture {
  decay: number;
  states: Array<Record<string, number[]>>;
  averages: Record<'plain' | 'warmup', Array<Record<string, number[]>>>;
}

const fixture = readJson<Fixture>('test', 'fixtures', 'train', 'ema.json');

function model(): Sequential {
  return new Sequential(new Linear(3, 2), new BatchNorm1d(2));
}

/** Write a fixture state into the model's parameters and buffers (in place, as an optimizer does). */
function setState(m: Sequential, state: Record<string, number[]>): void {
  const live = new Map([...m.namedParameters(), ...m.namedBuffers()]);
  for (const [k, v] of Object.entries(state)) live.get(k)!.data.set(v);
}

for (const kind of ['plain', 'warmup'] as const) {
  test(`EMA matches PyTorch 1.13 AveragedModel (use_buffers, ${kind}) after every update`, () => {
    const m = model();
    const ema = new ExponentialMovingAverage(m, { decay: fixture.decay, warmup: kind === 'warmup' });
    fixture.states.forEach((state, k) => {
      setState(m, state);
      ema.update();
      const got = ema.averagedStateDict();
      for (const [name, want] of Object.entries(fixture.averages[kind][k]!)) assertClose(got[name]!.data, want, `${name} after update ${k + 1}`, 1e-6, 1e-7);
    });
    assert.equal(ema.updates, fixture.states.length);
  });
}

test('the warmup ramps the decay: first update copies, then min(decay, (1+k)/(10+k))', () => {
  const ema = new ExponentialMovingAverage(model(), { decay: 0.999 });
  const seen: number[] = [];
  for (let k = 0; k < 4; k++) { seen.push(ema.nextDecay()); ema.update(); }
  assert.deepEqual(seen, [0, 3 / 12, 4 / 13, 5 / 14]);
  const plain = new ExponentialMovingAverage(model(), { decay: 0.5, warmup: false });
  plain.update();
  assert.equal(plain.nextDecay(), 0.5);
});

test('counters are copied, not averaged', () => {
  const m = model();
  const ema = new ExponentialMovingAverage(m, { decay: 0.9, warmup: false });
  const counter = new Map(m.namedBuffers()).get('1.num_batches_tracked')!;
  counter.data[0] = 5; ema.update();
  counter.data[0] = 17; ema.update();
  assert.equal(ema.averagedStateDict()['1.num_batches_tracked']!.data[0], 17);
});

test('withAveraged runs with the averages and restores the live weights, also when it throws', () => {
  const m = model();
  const w = m.parameters()[0]!;
  const ema = new ExponentialMovingAverage(m, { decay: 0.5, warmup: false });
  w.data.fill(0); ema.update();
  w.data.fill(2); ema.update();          // average 1, live 2
  assert.equal(ema.withAveraged(() => w.data[0]), 1);
  assert.equal(w.data[0], 2);
  assert.throws(() => ema.withAveraged(() => { throw new Error('inside'); }), /inside/);
  assert.equal(w.data[0], 2);
  const y = ema.withAveraged(() => m.eval().call(tensor([[1, 1, 1]])));
  assert.deepEqual(y.shape, [1, 2]);
});

test('stateDict / loadStateDict continue exactly, and bad states are named', () => {
  const a = model(), b = model();
  const ea = new ExponentialMovingAverage(a, { decay: 0.9 });
  for (let k = 0; k < 3; k++) { a.parameters()[0]!.data[0] = k; ea.update(); }
  const eb = new ExponentialMovingAverage(b, { decay: 0.9 });
  eb.loadStateDict(ea.stateDict());
  b.loadStateDict(a.stateDict());
  ea.update(); eb.update();
  for (const [k, t] of Object.entries(ea.averagedStateDict())) assert.deepEqual(eb.averagedStateDict()[k]!.data, t.data, k);
  assert.equal(eb.updates, 4);

  const s = ea.stateDict();
  assertThrowsWith(() => new ExponentialMovingAverage(model(), { decay: 0.99 }).loadStateDict(s), 'decay 0.9', 'decay 0.99');
  const missing = { ...s, averages: { ...s.averages } };
  delete missing.averages['0.bias'];
  assertThrowsWith(() => new ExponentialMovingAverage(model(), { decay: 0.9 }).loadStateDict(missing), "'0.bias'");
  const wrong = { ...s, averages: { ...s.averages, '0.bias': tensor([1, 2, 3]) } };
  assertThrowsWith(() => new ExponentialMovingAverage(model(), { decay: 0.9 }).loadStateDict(wrong), "'0.bias'", '[3]', '[2]');
  const extra = { ...s, averages: { ...s.averages, 'x.weight': tensor([1]) } };
  assertThrowsWith(() => new ExponentialMovingAverage(model(), { decay: 0.9 }).loadStateDict(extra), 'x.weight');
  assertThrowsWith(() => new ExponentialMovingAverage(model(), { decay: 0.9 }).loadStateDict({} as never), 'not an EMA state');
  assertThrowsWith(() => new ExponentialMovingAverage(model(), { decay: 1 }), 'decay must be in [0, 1)', '1');
});
