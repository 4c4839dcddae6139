/**
 * Sequential runs Conv2d, Tanh (, AvgPool2d(2)) as one op (LeNet-5's blocks): the output and
 * every gradient must be bitwise those of the layers called one by one, on every backend, for
 * LeNet-5 at batch 64 (wasm fuses it: one graph node per block, c5's whole-image window too)
 * and at batch 2, where the fused kernels decline (small outputs); and nothing is fused when a
 * layer's call is observable or the pooling is not the plain 2x2 one.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { forEachBackend } from '../for-each-backend.js';
import { nodeNames, oneByOne, pass } from './fusion-helpers.js';
import { AvgPool2d, Conv2d, Flatten, Linear, Sequential, Tanh } from '../../src/nn/index.js';
import type { Module } from '../../src/nn/index.js';
import { getBackend } from '../../src/backends/registry.js';
import { manualSeed } from '../../src/tensor/random.js';
import { randn } from '../../src/tensor/creation.js';

/** LeNet-5's layers (c5 a whole-image window, then tanh without pooling), for a 32x32 input. */
function lenet(pool: () => Module = () => new AvgPool2d(2)): Sequential {
  manualSeed(5);
  return new Sequential(
    new Conv2d(1, 6, 5), new Tanh(), pool(), new Conv2d(6, 16, 5), new Tanh(), pool(),
    new Conv2d(16, 120, 5), new Tanh(), new Flatten(), new Linear(120, 10),
  );
}

forEachBackend(() => {
  for (const N of [64, 2]) {
    it(`LeNet-5 blocks fused give the unfused bits (batch ${N})`, () => {
      const a = lenet(), b = lenet();
      manualSeed(8);
      const x = randn([N, 1, 32, 32]);
      x.requiresGrad = true;
      const names = nodeNames(a.call(x));
      // wasm fuses c1 and c3 at batch 64 (tanh of >= 2048 outputs runs on wasm unfused too).
      if (getBackend().convTanhPool && N === 64) {
        assert.equal(names.filter((n) => n === 'conv2d+tanh+avgPool2d').length, 2, `fused: ${names.join(' <- ')}`);
        assert.ok(names.includes('conv2d+tanh') && !names.includes('tanh'), `c5 fused: ${names.join(' <- ')}`);
      }
      for (let k = 0; k < 2; k++) assert.deepEqual(pass(a, x, (net, t) => net.call(t)), pass(b, x, oneByOne), `pass ${k}`);
    });
  }

  it('Conv2d + Tanh without a pool, and with a pool that is not 2x2, fuse only the tanh', () => {
    const net = (pool: () => Module): Sequential => {
      manualSeed(6);
      return new Sequential(new Conv2d(1, 6, 5), new Tanh(), pool(), new Conv2d(6, 4, 3));
    };
    for (const pool of [() => new AvgPool2d(2, { ceilMode: true }), () => new AvgPool2d(3, { stride: 2 })]) {
      const a = net(pool), b = net(pool);
      manualSeed(8);
      const x = randn([64, 1, 32, 32]);
      x.requiresGrad = true;
      const names = nodeNames(a.call(x));
      if (getBackend().convTanhPool) {
        assert.ok(!names.includes('conv2d+tanh+avgPool2d') && names.includes('conv2d+tanh'), `fused: ${names.join(' <- ')}`);
      }
      assert.deepEqual(pass(a, x, (net, t) => net.call(t)), pass(b, x, oneByOne));
    }
  });

  it('does not fuse when the Conv2d, the Tanh or the pool is observed', () => {
    for (const at of [0, 1, 2]) {
      const net = lenet();
      let seen = 0;
      const h = (net[at] as Module).registerForwardHook(() => { seen++; });
      const names = nodeNames(net.call(randn([64, 1, 32, 32])));
      h.remove();
      assert.equal(seen, 1, `layer ${at}'s hook ran: it was called`);
      if (at < 2) assert.ok(names.includes('tanh'), `layer ${at} observed: c1's tanh is its own node`);
      else assert.ok(names.includes('conv2d+tanh') || !getBackend().convTanhPool, 'pool observed: conv + tanh still fuse');
    }
  });
});
