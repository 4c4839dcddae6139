/**
 * The trainer against PyTorch (fixture from scripts/make-train-fixtures.py): the built-in
 * fashion-cnn at 8×8 input, the same initial weights and batches, six SGD steps (Nesterov
 * momentum) through fit() — the per-step losses, the trained weights and batch-norm running
 * statistics, and the eval-mode logits must match torch.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fashionCnn } from '../../src/train/default-model.js';
import { fit } from '../../src/train/fit.js';
import { SGD } from '../../src/optim/index.js';
import { DataLoader } from '../../src/data/dataloader.js';
import { TensorDataset } from '../../src/data/dataset.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { noGrad } from '../../src/autograd/graph.js';
import { assertClose, readJson } from '../helpers.js';

interface Fixture {
  batch: number; steps: number; losses: number[]; evalLogits: number[];
  state: Record<string, { shape: number[]; head: number[]; sum: number; sumSquares: number }>;
}

/** The script's LCG, exactly: integer state below 2^53 at every step. */
function lcg(seed: number): (n: number, scale: number) => Float32Array {
  let x = seed >>> 0;
  return (n, scale) => {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      x = (1664525 * x + 1013904223) % 4294967296;
      out[i] = (x / 4294967296 - 0.5) * scale;
    }
    return out;
  };
}

test('fit() on the fashion-cnn matches PyTorch: losses, trained weights, running stats, eval logits', () => {
  const fx = readJson<Fixture>('test', 'fixtures', 'train', 'fashion-cnn-sgd.json');
  const model = fashionCnn({ imageSize: 8 });
  const gen = lcg(12345);
  const init: Record<string, Tensor> = {};
  const dict = model.stateDict();
  for (const [name, p] of model.namedParameters()) {
    const fanIn = p.ndim > 1 ? p.size / p.shape[0]! : 1;
    const v = gen(p.size, p.ndim > 1 ? 2 / Math.sqrt(fanIn) : 0.2);
    if (name === '1.weight' || name === '5.weight') for (let i = 0; i < v.length; i++) v[i] = v[i]! + 1;
    init[name] = new Tensor(v, p.shape);
  }
  model.loadStateDict({ ...dict, ...init });
  const { batch, steps } = fx;
  const images = new Tensor(lcg(777)(batch * steps * 64, 4), [batch * steps, 1, 8, 8]);
  const labels = Array.from({ length: batch * steps }, (_, i) => i % 10);
  const loader = new DataLoader(new TensorDataset(images, labels), { batchSize: batch });
  const opt = new SGD(model.parameters(), { lr: 0.05, momentum: 0.9, nesterov: true });
  const losses: number[] = [];
  fit(model, { train: loader }, { epochs: 1, optimizer: opt }, { onStep: (s) => losses.push(s.loss) });
  assertClose(losses, fx.losses, 'loss per step', 1e-4, 1e-5);
  const trained = model.stateDict();
  assert.deepEqual(Object.keys(trained), Object.keys(fx.state), 'state_dict keys and order are PyTorch\'s');
  for (const [k, want] of Object.entries(fx.state)) {
    const t = trained[k]!;
    assert.deepEqual(t.shape, want.shape, `${k} shape`);
    assertClose(t.data.subarray(0, want.head.length), want.head, `${k} first values`, 1e-3, 1e-5);
    let sum = 0, sq = 0;
    for (const v of t.data) { sum += v; sq += v * v; }
    assertClose([sum, sq], [want.sum, want.sumSquares], `${k} sum and sum of squares`, 1e-3, 1e-4);
  }
  model.eval();
  const logits = noGrad(() => model.call(images.slice(0, 0, batch)));
  assertClose(logits.data, fx.evalLogits, 'eval-mode logits', 1e-3, 1e-4);
});
