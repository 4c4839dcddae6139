/**
 * Schedule sweep behind `dnnkit train`'s defaults: trains fashion-cnn on the full Fashion-MNIST
 * with the settings below and prints the test accuracy of the live weights and of weight
 * averages with several decays, EVALS times per epoch, against training time (evaluations
 * excluded). Numerics are those of `dnnkit train` (same setup functions), so the accuracies
 * match a CLI run with the same settings.
 *
 *   EPOCHS=4 LS=0.1 DECAYS=0.999 node --import tsx scripts/accuracy-sweep.ts
 *   EPOCHS=4 LS=0.1 AUG=1 OPT=adamw LR=0.001 DECAYS=0.995,0.999 EVALS=2 THREADS=1 node --import tsx scripts/accuracy-sweep.ts
 *
 * Environment: DATA LIMIT EPOCHS BATCH LR OPT (sgd|adam|adamw) WD SCHED (onecycle|cosine|…) AUG (1 = crop
 * + flip) LS (label smoothing) DECAYS (comma-separated) EVALS THREADS.
 */
import { makeLoaders, makeModel, makeOptimizer, makeScheduler, selectBackend, type TrainSettings } from '../src/train/setup.js';
import { crossEntropy } from '../src/ops/loss.js';
import { evaluate } from '../src/train/fit.js';
import { ExponentialMovingAverage } from '../src/optim/ema.js';

const env = process.env;
const s: TrainSettings = {
  model: { name: 'fashion-cnn', activation: 'relu', batchNorm: true }, dataset: 'fashion-mnist', dataDir: env.DATA ?? null,
  limit: env.LIMIT ? Number(env.LIMIT) : null, testLimit: null, epochs: Number(env.EPOCHS ?? 4), batchSize: Number(env.BATCH ?? 64),
  lr: Number(env.LR ?? 0.05), optimizer: (env.OPT ?? 'sgd') as TrainSettings['optimizer'], momentum: 0.9, weightDecay: Number(env.WD ?? 0),
  schedule: (env.SCHED ?? 'onecycle') as TrainSettings['schedule'], seed: 0, augment: env.AUG === '1',
  labelSmoothing: Number(env.LS ?? 0),
};
const decays = (env.DECAYS ?? '0.999').split(',').map(Number);
const evalsPerEpoch = Number(env.EVALS ?? 1);
await selectBackend('wasm', Number(env.THREADS ?? 2));
const L = makeLoaders(s);
const model = makeModel(s);
const opt = makeOptimizer(s, model);
const sched = makeScheduler(s, opt, L.train.length);
const averages = decays.map((decay) => new ExponentialMovingAverage(model, { decay }));
const pct = (x: number | null): string => (100 * x!).toFixed(2);
console.log(JSON.stringify({ ...s, decays }));
let trainMs = 0;
for (let e = 0; e < s.epochs; e++) {
  const batches = L.train.length;
  const every = Math.max(1, Math.floor(batches / evalsPerEpoch));
  for (const batch of L.train.epoch(e)) {
    const t0 = performance.now();
    const loss = crossEntropy(model.call(batch.x), batch.y, { labelSmoothing: s.labelSmoothing });
    opt.zeroGrad(); loss.backward(); opt.step(); sched?.step();
    for (const a of averages) a.update();
    trainMs += performance.now() - t0;
    if ((batch.batch + 1) % every === 0 || batch.batch + 1 === batches) {
      const live = evaluate(model, L.test).accuracy;
      const avg = averages.map((a) => `${a.decay}:${pct(a.withAveraged(() => evaluate(model, L.test).accuracy))}`);
      console.log(`epoch ${(e + (batch.batch + 1) / batches).toFixed(2)} train ${(trainMs / 1000).toFixed(0)} s | live ${pct(live)} | averaged ${avg.join(' ')}`);
    }
  }
}
