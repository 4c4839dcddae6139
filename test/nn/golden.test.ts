/** nn modules loaded with PyTorch's weights give PyTorch's outputs (scripts/make-nn-fixtures.py). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertClose, readJson } from '../helpers.js';
import { Tensor } from '../../src/tensor/tensor.js';
import * as nn from '../../src/nn/index.js';

interface T { shape: number[]; data: number[] }
const toTensor = (t: T): Tensor => new Tensor(Float32Array.from(t.data), t.shape);
const toState = (s: Record<string, T>): Record<string, Tensor> =>
  Object.fromEntries(Object.entries(s).map(([k, v]) => [k, toTensor(v)]));

interface ModuleCase {
  name: string; options: Record<string, unknown> & { args: unknown[] };
  state: Record<string, T>; x: T; y: T; dy: T; dx: T; grads: Record<string, T>; stateAfter: Record<string, T>;
}

function build(c: ModuleCase): nn.Module {
  const { args, ...opts } = c.options;
  const a = args as [number, number, number];
  const o = opts as never;
  switch (c.name) {
    case 'Conv2d': return new nn.Conv2d(a[0], a[1], a[2], o);
    case 'ConvTranspose2d': return new nn.ConvTranspose2d(a[0], a[1], a[2], o);
    case 'Linear': return new nn.Linear(a[0], a[1], o);
    case 'BatchNorm2d': return new nn.BatchNorm2d(a[0], o);
    case 'BatchNorm1d': return new nn.BatchNorm1d(a[0], o);
    default: throw new Error(`unknown module ${c.name}`);
  }
}

const mx = readJson<{ cases: ModuleCase[] }>('test/fixtures/nn/modules.json');

for (const c of mx.cases) {
  test(`${c.name} ${JSON.stringify(c.options)} with PyTorch's weights: output, gradients, running stats`, () => {
    const m = build(c);
    assert.deepEqual(Object.keys(m.stateDict()), Object.keys(c.state), 'state dict keys as PyTorch');
    m.loadStateDict(toState(c.state));
    const x = toTensor(c.x);
    x.requiresGrad = true;
    const y = m.call(x);
    assert.deepEqual(y.shape, c.y.shape);
    assertClose(y.data, c.y.data, `${c.name} output`, 1e-4, 1e-5);
    y.backward(toTensor(c.dy));
    assertClose(x.grad!.data, c.dx.data, `${c.name} input gradient`, 1e-4, 1e-5);
    for (const [name, p] of m.namedParameters()) {
      assertClose(p.grad!.data, c.grads[name]!.data, `${c.name} gradient of ${name}`, 1e-4, 1e-5);
    }
    const after = m.stateDict();
    for (const [k, v] of Object.entries(c.stateAfter)) assertClose(after[k]!.data, v.data, `${c.name} ${k} after the training pass`, 1e-5, 1e-6);
  });
}

interface CnnFixture {
  keys: string[]; state: Record<string, T>; x: T; yEval: T; yTrain: T; stateAfterTrain: Record<string, T>;
}
const cx = readJson<CnnFixture>('test/fixtures/nn/cnn.json');

function smallCnn(): nn.Sequential {
  return new nn.Sequential(
    new nn.Conv2d(1, 4, 3, { padding: 1 }), new nn.BatchNorm2d(4), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(4, 8, 3, { bias: false }), new nn.BatchNorm2d(8), new nn.ReLU(), new nn.AdaptiveAvgPool2d(1),
    new nn.Flatten(), new nn.Linear(8, 10), new nn.BatchNorm1d(10),
  );
}

test("a Sequential CNN has PyTorch's stateDict keys and shapes", () => {
  const sd = smallCnn().stateDict();
  assert.deepEqual(Object.keys(sd), cx.keys);
  for (const k of cx.keys) assert.deepEqual(sd[k]!.shape, cx.state[k]!.shape, `shape of ${k}`);
});

test("a Sequential CNN with PyTorch's weights gives PyTorch's outputs in eval and train mode", () => {
  const net = smallCnn();
  net.loadStateDict(toState(cx.state));
  const x = toTensor(cx.x);
  net.eval();
  assertClose(net.call(x).data, cx.yEval.data, 'eval output', 1e-4, 1e-5);
  net.train();
  assertClose(net.call(x).data, cx.yTrain.data, 'train output', 1e-4, 1e-5);
  const after = net.stateDict();
  for (const k of cx.keys) assertClose(after[k]!.data, cx.stateAfterTrain[k]!.data, `${k} after one training pass`, 1e-5, 1e-6);
});
