/**
 * Determinism: with the same seed, backend and thread count, two training runs give bitwise
 * identical weights — on the reference backend and on wasm with 1 and 2 threads. Across
 * thread counts and backends the weights may differ in the last bits (a different summation
 * order in the kernels); the test measures by how much and prints it (see README, Robustness).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fit } from '../../src/train/fit.js';
import { makeLoaders, makeModel, makeOptimizer, makeScheduler, selectBackend, type TrainSettings } from '../../src/train/setup.js';
import { manualSeed } from '../../src/tensor/random.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { runtime, waitForThreads } from '../../src/backends/wasm/runtime.js';

const SETTINGS: TrainSettings = {
  model: { name: 'fashion-cnn', activation: 'relu', batchNorm: true }, dataset: 'fashion-mnist', dataDir: 'data/fashion-mnist-sample',
  limit: 96, testLimit: 16, epochs: 1, batchSize: 32, lr: 0.05, optimizer: 'sgd', momentum: 0.9, weightDecay: 0, schedule: 'onecycle', seed: 7, augment: true,
};

/** Train 3 steps on `backend` with `threads` and return the state dict. */
async function train(backend: 'reference' | 'wasm', threads: number): Promise<Record<string, Tensor>> {
  await selectBackend(backend, threads);
  // Workers otherwise join in the background once ready; wait, so every kernel big enough to
  // split really runs on `threads` threads from the first step.
  if (backend === 'wasm') assert.equal(waitForThreads(30_000), threads - 1, 'worker threads running');
  const parts = backend === 'wasm' ? runtime().pool.workerParts : 0;
  manualSeed(SETTINGS.seed);
  const loaders = makeLoaders(SETTINGS);
  const model = makeModel(SETTINGS);
  const optimizer = makeOptimizer(SETTINGS, model);
  const scheduler = makeScheduler(SETTINGS, optimizer, loaders.train.length);
  fit(model, { train: loaders.train }, { epochs: 1, optimizer, scheduler, maxSteps: 3 });
  if (backend === 'wasm' && threads > 1) assert.ok(runtime().pool.workerParts > parts, 'the worker threads took no part in training');
  return model.stateDict();
}

/** How two state dicts differ: elements differing, max |a-b|, max relative difference. */
export function compare(a: Record<string, Tensor>, b: Record<string, Tensor>): { elements: number; differing: number; maxAbs: number; maxRel: number; worst: string } {
  let elements = 0, differing = 0, maxAbs = 0, maxRel = 0, worst = '';
  for (const k of Object.keys(a)) {
    const x = a[k]!.data, y = b[k]!.data;
    assert.equal(x.length, y.length, k);
    for (let i = 0; i < x.length; i++) {
      elements++;
      if (Object.is(x[i], y[i])) continue;
      differing++;
      const d = Math.abs(x[i]! - y[i]!);
      if (d > maxAbs) { maxAbs = d; worst = k; }
      maxRel = Math.max(maxRel, d / Math.max(1e-12, Math.abs(y[i]!)));
    }
  }
  return { elements, differing, maxAbs, maxRel, worst };
}

const runs: Record<string, Record<string, Tensor>> = {};

for (const [backend, threads] of [['reference', 1], ['wasm', 1], ['wasm', 2]] as const) {
  test(`two runs with the same seed on ${backend}${backend === 'wasm' ? ` with ${threads} thread(s)` : ''} give bitwise identical weights`, async () => {
    const a = await train(backend, threads);
    const b = await train(backend, threads);
    const c = compare(a, b);
    assert.equal(c.differing, 0, `${c.differing} of ${c.elements} weights differ (max ${c.maxAbs} in ${c.worst})`);
    runs[`${backend}-${threads}`] = a;
  });
}

test('across thread counts and backends: how much the weights differ (measured, printed)', () => {
  const pairs: Array<[string, string]> = [['wasm-1', 'wasm-2'], ['reference-1', 'wasm-1'], ['reference-1', 'wasm-2']];
  for (const [x, y] of pairs) {
    if (!runs[x] || !runs[y]) continue;
    const c = compare(runs[x]!, runs[y]!);
    console.log(`determinism: ${x} vs ${y} after 3 steps: ${c.differing} of ${c.elements} weights differ, max |diff| ${c.maxAbs.toExponential(2)}${c.worst ? ` (${c.worst})` : ''}, max relative ${c.maxRel.toExponential(2)}`);
    // Whatever the order of the sums, three steps of float32 training stay close.
    assert.ok(c.maxAbs < 1e-2, `${x} vs ${y}: max difference ${c.maxAbs} in ${c.worst}`);
  }
});
