import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertClose, assertThrowsWith } from '../helpers.js';
import { randn, tensor, zeros } from '../../src/tensor/creation.js';
import { manualSeed } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';
import * as nn from '../../src/nn/index.js';

function smallCnn(): nn.Sequential {
  return new nn.Sequential(
    new nn.Conv2d(1, 4, 3, { padding: 1 }), new nn.BatchNorm2d(4), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Flatten(), new nn.Linear(4 * 4 * 4, 10),
  );
}

test('Sequential: children named by position, index access, add, length, iteration', () => {
  const seq = new nn.Sequential(new nn.Linear(3, 4), new nn.ReLU());
  assert.ok(seq[0] instanceof nn.Linear);
  assert.equal(seq.at(-1), seq[1]);
  seq.add(new nn.Linear(4, 2));
  assert.equal(seq.length, 3);
  assert.deepEqual([...seq].map((m) => m.constructor.name), ['Linear', 'ReLU', 'Linear']);
  assert.deepEqual([...seq.namedChildren()].map(([k]) => k), ['0', '1', '2']);
  assertThrowsWith(() => seq.at(3), 'Sequential.at', 'index 3', '3 layers');
  const named = new nn.Sequential({ conv: new nn.Conv2d(1, 2, 3), act: new nn.ReLU() });
  assert.deepEqual(Object.keys(named.stateDict()), ['conv.weight', 'conv.bias']);
});

test('namedParameters, stateDict keys and buffers use dotted PyTorch names', () => {
  const net = smallCnn();
  assert.deepEqual([...net.namedParameters()].map(([k]) => k),
    ['0.weight', '0.bias', '1.weight', '1.bias', '5.weight', '5.bias']);
  assert.deepEqual(Object.keys(net.stateDict()),
    ['0.weight', '0.bias', '1.weight', '1.bias', '1.running_mean', '1.running_var', '1.num_batches_tracked', '5.weight', '5.bias']);
  assert.deepEqual([...net.namedBuffers()].map(([k]) => k), ['1.running_mean', '1.running_var', '1.num_batches_tracked']);
  for (const p of net.parameters()) assert.equal(p.requiresGrad, true);
  assert.equal([...net.modules()].length, 7);
});

test('fields of a user-defined Module are found as parameters and children, in field order', () => {
  class Block extends nn.Module {
    conv1 = new nn.Conv2d(2, 2, 3, { padding: 1, bias: false });
    bn1 = new nn.BatchNorm2d(2);
    scale = new nn.Parameter(new Float32Array([1]), [1]);
    override forward(x: Tensor): Tensor { return this.bn1.call(this.conv1.call(x)).mul(this.scale); }
  }
  class Net extends nn.Module {
    stem = new nn.Conv2d(1, 2, 3, { padding: 1 });
    layer1 = new nn.Sequential(new Block(), new Block());
    head = new nn.Linear(2, 3);
    override forward(x: Tensor): Tensor { return this.head.call(this.layer1.call(this.stem.call(x)).mean([2, 3])); }
  }
  const net = new Net();
  const keys = Object.keys(net.stateDict());
  assert.deepEqual(keys.slice(0, 9), ['stem.weight', 'stem.bias', 'layer1.0.scale', 'layer1.0.conv1.weight',
    'layer1.0.bn1.weight', 'layer1.0.bn1.bias', 'layer1.0.bn1.running_mean', 'layer1.0.bn1.running_var', 'layer1.0.bn1.num_batches_tracked']);
  assert.equal(keys.at(-1), 'head.bias');
  assert.deepEqual(net.call(randn([2, 1, 5, 5])).shape, [2, 3]);
  assert.equal(net.getSubmodule('layer1.1.conv1'), (net.layer1[1] as Block).conv1);
  assertThrowsWith(() => net.getSubmodule('layer1.7'), "no sub-module '7'");
});

test('toString prints the module tree like PyTorch', () => {
  const net = new nn.Sequential(new nn.Conv2d(1, 6, 5), new nn.Sequential(new nn.ReLU(), new nn.Dropout(0.25)));
  assert.equal(String(net), [
    'Sequential(',
    '  (0): Conv2d(1, 6, kernelSize=(5, 5), stride=(1, 1))',
    '  (1): Sequential(',
    '    (0): ReLU()',
    '    (1): Dropout(p=0.25)',
    '  )',
    ')',
  ].join('\n'));
});

test('stateDict returns copies; loadStateDict copies in place and round-trips', () => {
  manualSeed(1);
  const a = smallCnn(), b = smallCnn();
  const state = a.stateDict();
  a.parameters()[0]!.data[0] = 123;
  assert.notEqual(state['0.weight']!.data[0], 123);
  const w = b.parameters()[0]!;
  const res = b.loadStateDict(state);
  assert.deepEqual(res, { missingKeys: [], unexpectedKeys: [] });
  assert.equal(b.parameters()[0], w, 'the parameter object is kept (optimizers hold it)');
  assertClose(w.data, state['0.weight']!.data, '0.weight');
  const x = randn([2, 1, 8, 8]);
  a.loadStateDict(state);
  a.eval(); b.eval();
  assertClose(b.call(x).data, a.call(x).data, 'outputs after loading');
});

test('loadStateDict names missing and unexpected keys and shape mismatches', () => {
  const net = smallCnn();
  const state = net.stateDict();
  const missing = { ...state };
  delete missing['5.bias'];
  assertThrowsWith(() => net.loadStateDict(missing), 'loadStateDict', "missing keys: '5.bias'");
  assertThrowsWith(() => net.loadStateDict({ ...state, 'fc.weight': zeros([2]) }), "unexpected keys: 'fc.weight'");
  assertThrowsWith(() => net.loadStateDict({ ...state, '5.weight': zeros([64, 10]) }),
    "size mismatch for '5.weight'", 'checkpoint has shape [64,10]', 'the model has [10,64]');
  // Not strict: missing/unexpected keys are reported, shape mismatches still throw.
  const res = net.loadStateDict({ ...missing, extra: zeros([1]) }, { strict: false });
  assert.deepEqual(res, { missingKeys: ['5.bias'], unexpectedKeys: ['extra'] });
  assertThrowsWith(() => net.loadStateDict({ '0.weight': zeros([1]) }, { strict: false }), "size mismatch for '0.weight'");
  assertThrowsWith(() => net.loadStateDict({ ...state, '0.bias': [1, 2] as unknown as Tensor }), "'0.bias' must be a Tensor");
});

test('train()/eval() switch every module; zeroGrad clears gradients', () => {
  const net = smallCnn();
  net.eval();
  assert.ok([...net.modules()].every((m) => !m.training));
  net.train();
  assert.ok([...net.modules()].every((m) => m.training));
  net.call(randn([2, 1, 8, 8])).sum().backward();
  assert.ok(net.parameters().every((p) => p.grad !== null));
  net.zeroGrad();
  assert.ok(net.parameters().every((p) => p.grad === null));
});

test('Dropout is active in training and the identity in eval mode', () => {
  manualSeed(3);
  const drop = new nn.Dropout(0.5);
  const x = randn([1000]).abs().add(0.1);
  const y = drop.call(x);
  const zerosCount = y.data.filter((v) => v === 0).length;
  assert.ok(zerosCount > 400 && zerosCount < 600, `about half dropped, got ${zerosCount}`);
  y.data.forEach((v, i) => { if (v !== 0) assert.ok(Math.abs(v - 2 * x.data[i]!) < 1e-5); });
  drop.eval();
  assert.equal(drop.call(x), x);
});

test('BatchNorm2d: training uses batch statistics and updates running ones; eval uses running ones', () => {
  manualSeed(4);
  const bn = new nn.BatchNorm2d(3);
  const x = randn([4, 3, 5, 5]).mul(2).add(1);
  const y = bn.call(x);
  // Per-channel output mean ~0, variance ~1.
  for (let c = 0; c < 3; c++) {
    const vals: number[] = [];
    for (let n = 0; n < 4; n++) for (let i = 0; i < 25; i++) vals.push(y.data[(n * 3 + c) * 25 + i]!);
    const mean = vals.reduce((a, b) => a + b, 0) / vals.length;
    const v = vals.reduce((a, b) => a + (b - mean) ** 2, 0) / vals.length;
    assert.ok(Math.abs(mean) < 1e-5 && Math.abs(v - 1) < 1e-3, `channel ${c}: mean ${mean}, var ${v}`);
  }
  assert.equal(bn.numBatchesTracked!.item(), 1);
  assert.ok(bn.runningMean!.data.some((v) => v !== 0));
  const before = Float32Array.from(bn.runningMean!.data);
  bn.eval();
  const z = bn.call(x);
  assertClose(bn.runningMean!.data, before, 'running mean unchanged in eval');
  assert.equal(bn.numBatchesTracked!.item(), 1);
  // eval output = (x - rm) / sqrt(rv + eps)
  const rm = bn.runningMean!.data, rv = bn.runningVar!.data;
  assertClose([z.data[0]!], [(x.data[0]! - rm[0]!) / Math.sqrt(rv[0]! + 1e-5)], 'eval normalisation');
  assertThrowsWith(() => bn.call(randn([2, 4, 3, 3])), 'BatchNorm2d', '4 channels', 'numFeatures=3');
  assertThrowsWith(() => bn.call(randn([2, 3])), 'BatchNorm2d', '4-D');
});

test('BatchNorm with momentum null keeps the cumulative average of batch means', () => {
  const bn = new nn.BatchNorm1d(2, { momentum: null });
  bn.call(tensor([[0, 0], [2, 4]]));
  bn.call(tensor([[4, 0], [6, 0]]));
  assertClose(bn.runningMean!.data, [3, 1], 'cumulative running mean');
});

test('Residual, Concat and Add compose branches', () => {
  const res = new nn.Residual(new nn.Linear(3, 3), undefined, new nn.ReLU());
  const x = randn([2, 3]);
  const expected = res.body.call(x).add(x).maximum(0);
  assertClose(res.call(x).data, expected.data, 'relu(body(x) + x)');
  assert.deepEqual([...res.namedChildren()].map(([k]) => k), ['body', 'activation']);
  const bad = new nn.Residual(new nn.Linear(3, 4));
  assertThrowsWith(() => bad.call(x), 'Residual', '[2,4]', '[2,3]');
  const cat = new nn.Concat([new nn.Conv2d(2, 3, 1), new nn.Conv2d(2, 5, 3, { padding: 1 })]);
  assert.deepEqual(cat.call(randn([1, 2, 4, 4])).shape, [1, 8, 4, 4]);
  assertClose(new nn.Add().call(tensor([1, 2]), tensor([3, 4])).data, [4, 6], 'Add');
});

test('layers check their hyper-parameters', () => {
  assertThrowsWith(() => new nn.Conv2d(3, 4, 3, { groups: 2 }), 'Conv2d', 'inChannels 3', 'groups 2');
  assertThrowsWith(() => new nn.Conv2d(3, 4, 0), 'Conv2d', 'kernelSize');
  assertThrowsWith(() => new nn.Linear(0, 4), 'Linear', 'inFeatures');
  assertThrowsWith(() => new nn.Dropout(1.5), 'Dropout', 'p');
  assertThrowsWith(() => new nn.BatchNorm2d(4, { momentum: 2 }), 'BatchNorm2d', 'momentum');
});

test('forward hooks see every call with inputs and output, can replace the output, and can be removed', () => {
  const net = new nn.Sequential(new nn.Linear(3, 4), new nn.ReLU(), new nn.Linear(4, 2));
  const seen: string[] = [];
  const handles = [...net.children()].map((m) => m.registerForwardHook((mod, [x], y) => {
    seen.push(`${mod.constructor.name} [${x!.shape.join(',')}]->[${y.shape.join(',')}]`);
  }));
  net.call(randn([5, 3]));
  assert.deepEqual(seen, ['Linear [5,3]->[5,4]', 'ReLU [5,4]->[5,4]', 'Linear [5,4]->[5,2]']);
  for (const h of handles) h.remove();
  net.call(randn([5, 3]));
  assert.equal(seen.length, 3);
  const h = net.registerForwardHook((_m, _i, y) => y.mul(0));
  assert.ok(net.call(randn([5, 3])).data.every((v) => v === 0));
  h.remove();
});

test('loadStateDict accepts checkpoints without num_batches_tracked (old PyTorch, ONNX), as PyTorch does', () => {
  const net = smallCnn();
  const state = net.stateDict();
  delete state['1.num_batches_tracked'];
  assert.deepEqual(net.loadStateDict(state), { missingKeys: [], unexpectedKeys: [] });
});

test('setRequiresGrad freezes and unfreezes parameters; frozen ones get no gradient', () => {
  const net = new nn.Sequential(new nn.Linear(3, 4), new nn.Linear(4, 1));
  (net[0] as nn.Linear).setRequiresGrad(false);
  net.call(randn([2, 3])).sum().backward();
  assert.equal((net[0] as nn.Linear).weight.grad, null);
  assert.ok((net[1] as nn.Linear).weight.grad);
  assert.equal(net.parameters().length, 4, 'frozen parameters are still parameters');
  net.setRequiresGrad(true);
  assert.ok(net.parameters().every((p) => p.requiresGrad));
});

test('ModuleList registers its modules as children', () => {
  const list = new nn.ModuleList([new nn.Linear(2, 2), new nn.Linear(2, 3)]);
  list.append(new nn.ReLU());
  assert.equal(list.length, 3);
  assert.ok(list[1] instanceof nn.Linear);
  assert.deepEqual(Object.keys(list.stateDict()), ['0.weight', '0.bias', '1.weight', '1.bias']);
  assertThrowsWith(() => list.call(randn([1, 2])), 'ModuleList', 'no forward');
});
