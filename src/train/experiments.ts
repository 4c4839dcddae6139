/**
 * The classic experiments behind `dnnkit experiment`, as library functions that train with
 * fit() and return their numbers; the CLI writes the plots and tables.
 *
 * - reluVsTanh: the same CNN (no batch norm, as in Krizhevsky et al. 2012, Fig. 1) with ReLU
 *   and with tanh, each at its own tuned learning rate; steps until the training error (mean
 *   over a window of steps) first falls to 25%, and their ratio (the paper: ~6× on CIFAR-10).
 * - batchNorm: the CNN with and without batch norm at the same settings: accuracy against steps.
 * - autoencoder: the conv autoencoder; inputs and reconstructions of test images.
 */
import { join } from 'node:path';
import { noGrad } from '../autograd/graph.js';
import type { Module } from '../nn/module.js';
import { fit, type FitCallbacks } from './fit.js';
import type { MetricsHistory } from './metrics.js';
import type { ActivationName } from './default-model.js';
import { makeLoaders, makeModel, makeOptimizer, makeScheduler, type TrainSettings } from './setup.js';
import { Tensor } from '../tensor/tensor.js';
import { encodePng } from '../plot/png.js';

export interface ExperimentRun {
  name: string;
  settings: TrainSettings;
  history: MetricsHistory;
}

/** Settings shared by the experiments' runs (the CLI fills them from its options). */
export interface ExperimentBase {
  dataset: TrainSettings['dataset'];
  dataDir: string | null;
  limit: number | null;
  testLimit: number | null;
  epochs: number;
  batchSize: number;
  seed: number;
  /** Directory for the runs' own outputs (one sub-folder per run). */
  outDir: string;
  /** Training-curve resolution: one point per this many steps. */
  logEvery: number;
}

export type ProgressFactory = (label: string, epochs: number) => FitCallbacks & { stop?(): void };

function runOne(name: string, s: TrainSettings, base: ExperimentBase, progress: ProgressFactory, task: 'classify' | 'reconstruct' = 'classify'): ExperimentRun & { model: Module } {
  const loaders = makeLoaders(s);
  const model = makeModel(s);
  const optimizer = makeOptimizer(s, model);
  const scheduler = makeScheduler(s, optimizer, loaders.train.length);
  const cb = progress(name, s.epochs);
  try {
    const history = fit(model, { train: loaders.train, test: loaders.test }, {
      epochs: s.epochs, optimizer, scheduler, task, outDir: join(base.outDir, name), logEvery: base.logEvery,
      config: { model: s.model, train: s, dataset: s.dataset, classes: loaders.data.classes },
    }, cb);
    return { name, settings: s, history, model };
  } finally {
    cb.stop?.();
  }
}

function settingsFor(base: ExperimentBase, over: Partial<TrainSettings> & Pick<TrainSettings, 'model'>): TrainSettings {
  return {
    dataset: base.dataset, dataDir: base.dataDir, limit: base.limit, testLimit: base.testLimit,
    epochs: base.epochs, batchSize: base.batchSize, seed: base.seed,
    lr: 0.05, optimizer: 'sgd', momentum: 0.9, weightDecay: 0, schedule: 'none', augment: false,
    ...over,
  };
}

/** The first step at which the windowed training error is at most `error` (null: never). */
export function stepsToError(history: MetricsHistory, error: number): number | null {
  for (const s of history.steps) if (s.accuracy !== null && 1 - s.accuracy <= error) return s.step;
  return null;
}

/**
 * Learning rates tuned for each activation on this CNN without batch norm (SGD, momentum 0.9,
 * batch 64, constant lr): the best of {0.003, 0.01, 0.03, 0.1} by training loss after 60 steps
 * on the first 4000 Fashion-MNIST training images was 0.1 for both (relu 0.640, tanh 0.599;
 * at 0.3 relu diverges to chance and tanh stalls near 50%). Rerun with
 * `dnnkit experiment relu-vs-tanh --sweep` (it also tries 0.3).
 */
export const TUNED_LR: Record<'relu' | 'tanh', number> = { relu: 0.1, tanh: 0.1 };

export const SWEEP_LRS = [0.003, 0.01, 0.03, 0.1, 0.3];

export interface ReluVsTanhResult {
  runs: ExperimentRun[];
  target: number;
  steps: Record<'relu' | 'tanh', number | null>;
  ratio: number | null;
  lrs: Record<'relu' | 'tanh', number>;
  sweep: Array<{ activation: string; lr: number; loss: number }> | null;
}

/** Pick each activation's lr by a short run (sweepSteps steps) at each candidate. */
export function sweepLr(base: ExperimentBase, activation: ActivationName, sweepSteps: number, progress: ProgressFactory): Array<{ activation: string; lr: number; loss: number }> {
  const out: Array<{ activation: string; lr: number; loss: number }> = [];
  for (const lr of SWEEP_LRS) {
    const s = settingsFor(base, { model: { name: 'fashion-cnn', activation, batchNorm: false }, lr, testLimit: 1 });
    const loaders = makeLoaders(s);
    const model = makeModel(s);
    const optimizer = makeOptimizer(s, model);
    const cb = progress(`sweep ${activation} lr ${lr}`, s.epochs);
    let h: MetricsHistory;
    try {
      h = fit(model, { train: loaders.train }, { epochs: 1000, optimizer, maxSteps: sweepSteps, logEvery: Math.max(1, Math.floor(sweepSteps / 5)) }, cb);
    } finally { cb.stop?.(); }
    const last = h.steps.at(-1);
    out.push({ activation, lr, loss: last && Number.isFinite(last.loss) ? last.loss : Infinity });
  }
  return out;
}

export function reluVsTanh(base: ExperimentBase, progress: ProgressFactory, options: { sweep?: boolean; sweepSteps?: number; target?: number; lrs?: Partial<Record<'relu' | 'tanh', number>> } = {}): ReluVsTanhResult {
  const target = options.target ?? 0.25;
  const lrs = { ...TUNED_LR, ...options.lrs };
  let sweep: ReluVsTanhResult['sweep'] = null;
  if (options.sweep) {
    sweep = [];
    for (const a of ['relu', 'tanh'] as const) {
      const r = sweepLr(base, a, options.sweepSteps ?? 150, progress);
      sweep.push(...r);
      lrs[a] = r.reduce((best, x) => (x.loss < best.loss ? x : best)).lr;
    }
  }
  const runs = (['relu', 'tanh'] as const).map((a) => runOne(a, settingsFor(base, { model: { name: 'fashion-cnn', activation: a, batchNorm: false }, lr: lrs[a] }), base, progress));
  const steps = { relu: stepsToError(runs[0]!.history, target), tanh: stepsToError(runs[1]!.history, target) };
  return { runs, target, steps, ratio: steps.relu && steps.tanh ? steps.tanh / steps.relu : null, lrs, sweep };
}

export interface BatchNormResult { runs: ExperimentRun[]; lr: number }

export function batchNormExperiment(base: ExperimentBase, progress: ProgressFactory, lr = 0.05): BatchNormResult {
  const runs = ([true, false] as const).map((bn) => runOne(bn ? 'batchnorm' : 'no-batchnorm', settingsFor(base, { model: { name: 'fashion-cnn', activation: 'relu', batchNorm: bn }, lr }), base, progress));
  return { runs, lr };
}

export interface AutoencoderResult { run: ExperimentRun; grid: Uint8Array; gridWidth: number; gridHeight: number; testMse: number | null }

/**
 * Train the autoencoder and render a grid: row 1 inputs, row 2 reconstructions, for the first
 * test image of each class (2 px gaps, 2× scale).
 */
export function autoencoderExperiment(base: ExperimentBase, progress: ProgressFactory, options: { upsampleMode?: 'nearest' | 'zeros'; lr?: number } = {}): AutoencoderResult {
  const s = settingsFor(base, { model: { name: 'autoencoder', activation: 'relu', upsampleMode: options.upsampleMode ?? 'nearest' }, optimizer: 'adam', lr: options.lr ?? 2e-3, momentum: 0 });
  const run = runOne('autoencoder', s, base, progress, 'reconstruct');
  const loaders = makeLoaders({ ...s, limit: 1, testLimit: null });
  const picks: number[] = [];
  const seen = new Set<number>();
  for (let i = 0; i < loaders.testSet.length && picks.length < 10; i++) {
    const { label } = loaders.testSet.get(i);
    if (!seen.has(label)) { seen.add(label); picks.push(i); }
  }
  const inputs = picks.map((i) => loaders.testSet.get(i).image);
  const [c, h, w] = loaders.testSet.imageShape;
  const x = new Tensor(Float32Array.from(inputs.flatMap((a) => Array.from(a))), [inputs.length, c, h, w]);
  run.model.eval();
  const y = noGrad(() => run.model.call(x)).data;
  const scale = 2, gap = 2, cols = inputs.length;
  const gridWidth = cols * (w * scale + gap) + gap, gridHeight = 2 * (h * scale + gap) + gap;
  const grid = new Uint8Array(gridWidth * gridHeight).fill(128);
  const put = (src: ArrayLike<number>, offset: number, col: number, row: number): void => {
    for (let yy = 0; yy < h * scale; yy++) {
      for (let xx = 0; xx < w * scale; xx++) {
        const v = src[offset + Math.floor(yy / scale) * w + Math.floor(xx / scale)]!;
        grid[(gap + row * (h * scale + gap) + yy) * gridWidth + gap + col * (w * scale + gap) + xx] = Math.max(0, Math.min(255, Math.round(v * 255)));
      }
    }
  };
  inputs.forEach((img, k) => { put(img, 0, k, 0); put(y, k * h * w, k, 1); });
  return { run, grid, gridWidth, gridHeight, testMse: run.history.epochs.at(-1)?.testLoss ?? null };
}

/** PNG bytes of an autoencoder grid. */
export function gridPng(r: AutoencoderResult): Uint8Array {
  return encodePng(r.grid, r.gridWidth, r.gridHeight, 1);
}
