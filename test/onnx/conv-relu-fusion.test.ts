/**
 * An imported ONNX graph runs a Conv (held as an nn.Conv2d) and the Relu that alone reads its
 * output as one op (model.ts, Conv2d.forwardRelu): on every backend the output and the gradients
 * must be bitwise those of the two nodes run apart (a hook on the Relu keeps them apart), and on
 * wasm the graph shows the fused nodes. PyTorch's own output is checked in import.test.ts.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { forEachBackend } from '../for-each-backend.js';
import { bits, nodeNames } from '../nn/fusion-helpers.js';
import { loadOnnx } from '../../src/io/onnx/load.js';
import { decodeNpy } from '../../src/io/npy.js';
import { ReLU } from '../../src/nn/activation.js';
import { getBackend } from '../../src/backends/registry.js';
import { repoPath } from '../helpers.js';

const x0 = decodeNpy(readFileSync(repoPath('test/fixtures/onnx', 'rgb224.input.npy')), 'rgb224');

forEachBackend(() => {
  it('alexnet_small: Conv + Relu pairs fused give the bits of the nodes run apart', async () => {
    const model = await loadOnnx(repoPath('test/fixtures/onnx', 'alexnet_small.onnx'));
    const run = () => {
      const x = x0.clone();
      x.requiresGrad = true;
      for (const p of model.parameters()) p.grad = null;
      const y = model.call(x);
      y.mul(y).sum().backward();
      return { names: nodeNames(y), y: bits(y), dx: bits(x.grad), grads: model.parameters().map((p) => bits(p.grad)) };
    };
    const fused = run();
    const relus = [...model.modules()].filter((m) => m instanceof ReLU);
    const hooks = relus.map((m) => m.registerForwardHook(() => {}));
    const apart = run();
    hooks.forEach((h) => h.remove());
    if (getBackend().convRelu) {
      assert.equal(fused.names.filter((n) => n === 'conv2d+relu').length, 5, `fused: ${fused.names.join(' <- ')}`);
      assert.ok(!apart.names.includes('conv2d+relu'), 'a hook on the Relu keeps the pair apart');
    }
    const { names: _a, ...f } = fused, { names: _b, ...a } = apart;
    assert.deepEqual(f, a);
  });
});
