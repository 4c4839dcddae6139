/**
 * Sequential runs a BatchNorm followed by a ReLU as one fused op: the output, every gradient
 * and the running statistics must be bitwise those of the layers called one by one, in
 * training and eval mode, on every backend, with shapes on both sides of the fast kernels'
 * size threshold; and nothing is fused when a layer's call is observable (a hook, an
 * instrumented call) or its forward is not the plain class's.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { forEachBackend } from '../for-each-backend.js';
import { bits, nodeNames, oneByOne } from './fusion-helpers.js';
import { BatchNorm1d, BatchNorm2d, Conv2d, Linear, MaxPool2d, ReLU, Sequential } from '../../src/nn/index.js';
import type { Module } from '../../src/nn/index.js';
import { manualSeed } from '../../src/tensor/random.js';
import { randn } from '../../src/tensor/creation.js';
import type { Tensor } from '../../src/tensor/tensor.js';

/** Forward + backward of a sum of squares (a gradient that is not all ones) through `run`. */
function pass(net: Sequential, x: Tensor, run: (net: Sequential, x: Tensor) => Tensor) {
  for (const p of net.parameters()) p.grad = null;
  x.grad = null;
  const y = run(net, x);
  y.mul(y).sum().backward();
  return {
    y: bits(y), dx: bits(x.grad), grads: net.parameters().map((p) => bits(p.grad)),
    stats: Object.values(net.stateDict()).map(bits),
  };
}

/** '2d': conv, BatchNorm2d, ReLU, a max pool (fused with them) and another conv after. */
function build(kind: '2d' | '1d', pool: (() => Module) | undefined): Sequential {
  pool ??= () => new MaxPool2d(2);
  manualSeed(3);
  return kind === '2d'
    ? new Sequential(new Conv2d(3, 8, 3, { padding: 1, bias: false }), new BatchNorm2d(8), new ReLU(), pool(),
      new Conv2d(8, 2, 1))
    : new Sequential(new Linear(12, 16), new BatchNorm1d(16), new ReLU(), new Linear(16, 4));
}

const POOLS: Record<string, () => Module> = {
  '2x2': () => new MaxPool2d(2),
  '3x3 stride 2 pad 1': () => new MaxPool2d(3, { stride: 2, padding: 1 }),
  '2x2 ceil mode': () => new MaxPool2d(2, { ceilMode: true }),
};

forEachBackend(() => {
  const cases: Array<[ '2d' | '1d', readonly number[], string]> = [
    ['2d', [2, 3, 6, 6], '2x2'], ['2d', [16, 3, 20, 20], '2x2'], ['2d', [16, 3, 21, 19], '2x2'],
    ['2d', [16, 3, 20, 20], '3x3 stride 2 pad 1'], ['2d', [4, 3, 7, 9], '2x2 ceil mode'],
    ['1d', [5, 12], ''], ['1d', [600, 12], ''],
  ];
  for (const [kind, shape, poolName] of cases) {
    it(`BatchNorm${kind} + ReLU${poolName ? ` + MaxPool ${poolName}` : ''} fused gives the unfused bits (input ${shape.join('x')}), training and eval`, () => {
      const pool = POOLS[poolName];
      for (const training of [true, false]) {
        const a = build(kind, pool), b = build(kind, pool);
        if (!training) { a.eval(); b.eval(); }
        manualSeed(9);
        const x = randn([...shape]);
        x.requiresGrad = true;
        const names = nodeNames(a.call(x));
        assert.ok(names.some((n) => n.startsWith('batchNorm+relu')) && !names.includes('relu'), `fused: ${names.join(' <- ')}`);
        if (kind === '2d' && training) assert.ok(names.includes('batchNorm+relu+maxPool2d'), `pool fused: ${names.join(' <- ')}`);
        assert.ok(nodeNames(oneByOne(b, x)).includes('relu'), 'one by one: not fused');
        // Two passes: the second sees running statistics the first updated.
        for (let k = 0; k < 2; k++) {
          const fused = pass(a, x, (net, t) => net.call(t));
          const plain = pass(b, x, oneByOne);
          assert.deepEqual(fused, plain, `pass ${k} (${training ? 'training' : 'eval'})`);
        }
      }
    });
  }

  it('does not fuse when the ReLU or the BatchNorm is observed or replaced', () => {
    const net = build('2d', undefined);
    const x = randn([2, 3, 6, 6]);
    let seen: Tensor | null = null;
    const h = (net[1] as Module).registerForwardHook((_m, _i, y) => { seen = y; });
    net.call(x);
    h.remove();
    assert.ok(seen, 'the BatchNorm hook ran: the layer was called, not fused');

    let calls = 0;
    const relu = net[2] as Module;
    const original = relu.call;
    relu.call = (...a: Tensor[]) => { calls++; return original.apply(relu, a); };
    net.call(x);
    assert.equal(calls, 1, 'an instrumented ReLU call still runs');
    delete (relu as { call?: unknown }).call;

    class LoudReLU extends ReLU {
      override forward(t: Tensor): Tensor { calls++; return super.forward(t); }
    }
    const custom = new Sequential(new BatchNorm2d(3), new LoudReLU());
    calls = 0;
    custom.call(x);
    assert.equal(calls, 1, 'a ReLU subclass with its own forward is called');
  });
});
