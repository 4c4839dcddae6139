/** Autograd: accumulation, shared subgraphs, noGrad/enableGrad, detach, and backward's errors. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor } from '../../src/tensor/creation.js';
import { enableGrad, isGradEnabled, noGrad } from '../../src/autograd/graph.js';
import { gradcheck } from '../../src/autograd/gradcheck.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { assertThrowsWith } from '../helpers.js';

const leaf = (values: number[]) => tensor(values, undefined, { requiresGrad: true });

test('gradients accumulate across backward calls until reset', () => {
  const x = leaf([1, 2]);
  x.mul(3).sum().backward();
  x.mul(3).sum().backward();
  assert.deepEqual(Array.from(x.grad!.data), [6, 6]);
  x.grad = null;
  x.mul(x).sum().backward();
  assert.deepEqual(Array.from(x.grad!.data), [2, 4]);
});

test('a value used along several paths sums their gradients (diamond graph)', () => {
  const x = leaf([2]);
  const y = x.mul(x);                 // x^2
  const z = y.add(y.mul(x)).add(x);   // x^2 + x^3 + x
  z.backward();
  assert.deepEqual(Array.from(x.grad!.data), [2 * 2 + 3 * 4 + 1]);
});

test('only leaves keep .grad; intermediate tensors are non-leaves with a gradFn', () => {
  const x = leaf([1]);
  const y = x.mul(2);
  assert.equal(y.isLeaf, false);
  assert.equal(y.gradFn!.name, 'mul');
  assert.equal(y.requiresGrad, true);
  y.sum().backward();
  assert.equal(y.grad, null);
  assertThrowsWith(() => { y.requiresGrad = false; }, 'requiresGrad: cannot turn off gradients of a non-leaf tensor; use detach()');
  const c = tensor([1]);
  assert.equal(c.mul(2).requiresGrad, false);
});

test('noGrad records nothing; enableGrad re-enables inside it; both restore the previous state', () => {
  const x = leaf([1, 2]);
  const y = noGrad(() => x.mul(2));
  assert.equal(y.requiresGrad, false);
  assert.equal(y.gradFn, null);
  const z = noGrad(() => enableGrad(() => x.mul(2)));
  assert.equal(z.requiresGrad, true);
  assert.equal(isGradEnabled(), true);
  assert.throws(() => noGrad(() => { throw new Error('inside'); }), /inside/);
  assert.equal(isGradEnabled(), true, 'an exception inside noGrad restores recording');
});

test('detach cuts the graph and shares data; clone copies', () => {
  const x = leaf([1, 2]);
  const d = x.mul(2).detach();
  assert.equal(d.requiresGrad, false);
  assert.equal(d.gradFn, null);
  const y = x.mul(d);     // d is a constant here
  y.sum().backward();
  assert.deepEqual(Array.from(x.grad!.data), [2, 4]);
  assert.equal(x.detach().data, x.data);
});

test('backward with an explicit output gradient (vector-Jacobian product)', () => {
  const x = leaf([1, 2, 3]);
  x.mul(x).backward(tensor([1, 0, 10]));
  assert.deepEqual(Array.from(x.grad!.data), [2, 0, 60]);
});

test('backward errors say what is wrong and what to do', () => {
  assertThrowsWith(() => tensor([1]).sum().backward(), 'backward: the tensor does not require grad');
  assertThrowsWith(() => leaf([1, 2]).mul(2).backward(), 'backward: a gradient can be implied only for a single-element output, got shape [2]');
  assertThrowsWith(() => leaf([1, 2]).mul(2).backward(tensor([1, 2, 3])), 'backward: gradient shape [3] does not match the output shape [2]');
  assertThrowsWith(() => leaf([1, 2, 3, 4]).reshape([2, 2]).mul(2).backward(tensor([1, 2, 3, 4])), 'backward: gradient shape [4] does not match the output shape [2,2]');
  const x = leaf([1]);
  const y = x.mul(x);
  y.backward();
  assertThrowsWith(() => y.backward(), "backward: the graph through 'mul' was already freed", 'retainGraph: true');
  const z = x.mul(x);
  z.backward(undefined, { retainGraph: true });
  z.backward();
  assert.deepEqual(Array.from(x.grad!.data), [2 + 2 + 2]);
});

test('a deep chain backpropagates without overflowing the call stack', () => {
  const x = leaf([1]);
  let y: Tensor = x;
  for (let i = 0; i < 20000; i++) y = y.add(1);
  y.backward();
  assert.deepEqual(Array.from(x.grad!.data), [1]);
});

test('gradcheck catches a wrong gradient', () => {
  const x = leaf([0.5, 1.5]);
  const r = gradcheck((t) => t.exp(), [x]);
  assert.ok(r.ok);
  // A deliberately wrong rule: forward exp, backward as if it were x^2.
  const wrong = (t: Tensor): Tensor => {
    const out = new Tensor(t.data.map(Math.exp), t.shape);
    out.gradFn = null;
    return t.mul(t).add(out.sub(t.mul(t).detach()));
  };
  const bad = gradcheck(wrong, [x], { throwOnFailure: false });
  assert.equal(bad.ok, false);
  assert.ok(bad.failures.length > 0);
  assertThrowsWith(() => gradcheck((t) => t, [tensor([1])]), 'gradcheck: no input has requiresGrad = true');
});
