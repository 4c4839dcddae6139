/**
 * Sequential runs Conv2d, ReLU as one op (VGG's and AlexNet's blocks): the output and every
 * gradient must be bitwise those of the layers called one by one, on every backend (wasm fuses
 * them: one 'conv2d+relu' node per block); a layer the kernel declines (depthwise) runs the two
 * ops; and nothing is fused when either layer's call is observable.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { forEachBackend } from '../for-each-backend.js';
import { nodeNames, oneByOne, pass } from './fusion-helpers.js';
import { Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential } from '../../src/nn/index.js';
import type { Module } from '../../src/nn/index.js';
import { getBackend } from '../../src/backends/registry.js';
import { manualSeed } from '../../src/tensor/random.js';
import { randn } from '../../src/tensor/creation.js';

/** A small VGG: two 3x3 conv + ReLU blocks (the second without bias), a depthwise one, pooling, a classifier. */
function vggish(): Sequential {
  manualSeed(11);
  return new Sequential(
    new Conv2d(3, 16, 3, { padding: 1 }), new ReLU(), new Conv2d(16, 16, 3, { padding: 1, bias: false }), new ReLU(),
    new Conv2d(16, 16, 3, { padding: 1, groups: 16 }), new ReLU(), new MaxPool2d(2), new Flatten(), new Linear(16 * 8 * 8, 10),
  );
}

forEachBackend(() => {
  it('Conv2d + ReLU blocks fused give the unfused bits', () => {
    const a = vggish(), b = vggish();
    manualSeed(12);
    const x = randn([4, 3, 16, 16]);
    x.requiresGrad = true;
    const names = nodeNames(a.call(x));
    if (getBackend().convRelu) {
      assert.equal(names.filter((n) => n === 'conv2d+relu').length, 2, `fused: ${names.join(' <- ')}`);
      assert.equal(names.filter((n) => n === 'relu').length, 1, `the depthwise block runs its own relu: ${names.join(' <- ')}`);
    }
    for (let k = 0; k < 2; k++) assert.deepEqual(pass(a, x, (net, t) => net.call(t)), pass(b, x, oneByOne), `pass ${k}`);
  });

  it('does not fuse when the Conv2d or the ReLU is observed', () => {
    for (const at of [0, 1]) {
      const net = vggish();
      let seen = 0;
      const h = (net.at(at) as Module).registerForwardHook(() => { seen++; });
      const names = nodeNames(net.call(randn([2, 3, 16, 16])));
      h.remove();
      assert.equal(seen, 1, `layer ${at}'s hook ran: it was called`);
      // Fused, the other conv block and the depthwise one leave 2 relu nodes; unfused all 3.
      const relus = getBackend().convRelu ? 2 : 3;
      assert.equal(names.filter((n) => n === 'relu').length, relus, `layer ${at} observed: its block is unfused: ${names.join(' <- ')}`);
    }
  });
});
