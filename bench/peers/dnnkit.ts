/**
 * dnnkit itself, through its public API: F.conv2d / Tensor.matmul for the forward pass (under
 * noGrad), and for the gradients the backend call autograd makes (the conv einsum contracted
 * for I or F with dO), on the `wasm` backend at 1 or 2 threads or on `reference`. Operands are
 * made with `tensor()` (storage as the backend places it: on wasm, resident in its memory, as a
 * network's activations and gradients are, and as TF.js keeps its tensors); ONNX Runtime's
 * session.run copies its inputs in and its outputs out within the timed call.
 */
import { F, nn, optim, noGrad, setBackend, setThreads, tensor, Tensor, listBackends, manualSeed } from '../../src/index.js';
import { storageOf } from '../../src/tensor/storage.js';
import { getBackend } from '../../src/backends/registry.js';
import { stats } from '../../src/backends/wasm/runtime.js';
import { conv2dEinsum } from '../../src/einsum/layers.js';
import { create } from '../../src/models/zoo.js';
import type { LayerCase } from '../cases.js';
import { macsOf } from '../cases.js';
import type { Operands, Pass, Peer, Prepared, TrainStep } from './peer.js';
import { seededArray } from './peer.js';

/** The reference backend runs only cells below this many MACs (it is plain loops). */
const REFERENCE_MAX_MACS = 3e8;

export function dnnkitPeer(backend: 'wasm' | 'reference', threads = 1): Peer {
  const id = backend === 'wasm' ? `dnnkit-wasm-${threads}t` : 'dnnkit-ref';
  const activate = (): void => {
    setBackend(backend);
    if (backend === 'wasm') setThreads(threads);
  };
  return {
    id,
    label: backend === 'wasm' ? `dnnkit ${threads}t` : 'dnnkit ref',
    async init() {
      if (!listBackends().includes(backend)) return `backend '${backend}' is not registered (${listBackends().join(', ')})`;
      return null;
    },
    activate,
    skip(c, pass, N) {
      if (backend === 'reference' && (!c.reference || macsOf(c, N) > REFERENCE_MAX_MACS)) return 'reference backend: small layers only';
      return null;
    },
    async prepare(c, pass, ops) {
      activate();
      return prepareDnnkit(c, pass, ops);
    },
    async copyShare(p) {
      if (backend !== 'wasm') return 0;
      activate();
      p.run();
      stats.enabled = true; stats.copyMs = 0; stats.totalMs = 0; stats.calls = 0;
      const t0 = performance.now();
      for (let i = 0; i < 3; i++) p.run();
      const wall = performance.now() - t0;
      stats.enabled = false;
      return stats.copyMs / wall;
    },
    async lenetTrainStep(batch) {
      activate();
      return lenetStep(batch);
    },
  };
}

function prepareDnnkit(c: LayerCase, pass: Pass, ops: Operands): Prepared {
  if (c.gemm) {
    const { M, K, N } = c.gemm;
    const a = tensor(ops.a, [M, K]), b = tensor(ops.b, [K, N]);
    let out: Tensor | null = null;
    const run = (): Tensor => (out = noGrad(() => a.matmul(b)));
    return { run, output: () => (out ?? run()).data };
  }
  const p = ops.conv!;
  if (pass === 'fwd') {
    const x = tensor(ops.x, [p.N, p.C, p.H, p.W]);
    const w = tensor(ops.w, [p.M, p.C / p.groups, p.R, p.S]);
    const options = { stride: p.strideH, padding: p.padTop, groups: p.groups };
    let out: Tensor | null = null;
    const run = (): Tensor => (out = noGrad(() => F.conv2d(x, w, undefined, options)));
    return { run, output: () => (out ?? run()).data };
  }
  // The gradient calls autograd makes for conv2d (src/ops/einsum-op.ts), without the graph.
  const e = conv2dEinsum(p);
  const operands = { I: storageOf(ops.x), F: storageOf(ops.w), dO: storageOf(ops.dy) };
  const target = pass === 'dI' ? 'I' : 'F';
  let out: Float32Array | null = null;
  const run = (): Float32Array => (out = getBackend().contract(e, target, operands));
  return { run, output: () => out ?? run() };
}

/** LeNet-5 from the model zoo (32x32 input, tanh, average pooling), SGD with momentum 0.9. */
function lenetStep(batch: number): TrainStep {
  manualSeed(1);
  const model = create('lenet5') as nn.Module;
  model.train();
  const opt = new optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
  const x = new Tensor(seededArray(batch * 32 * 32, 7), [batch, 1, 32, 32]);
  const targets = Array.from({ length: batch }, (_, i) => i % 10);
  return {
    run: () => {
      opt.zeroGrad();
      const loss = F.crossEntropy(model.forward(x), targets);
      loss.backward();
      opt.step();
      return loss.item();
    },
  };
}
