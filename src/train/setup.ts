/**
 * Turning training settings (what the CLI parses and a checkpoint stores) into the objects a
 * run needs: backend, data loaders, model, optimizer, schedule. One function per concern, so
 * `dnnkit train`, `dnnkit experiment` and --resume build exactly the same things.
 */
import { setBackend, getBackend, listBackends } from '../backends/registry.js';
import { manualSeed } from '../tensor/random.js';
import { DataLoader } from '../data/dataloader.js';
import type { ByteImageDataset } from '../data/dataset.js';
import { compose, horizontalFlip, normalize, randomCrop, type Transform } from '../data/transforms.js';
import { loadDataset, PIXEL_STATS, type DatasetName, type LoadedDataset } from '../data/fashion-mnist.js';
import { SGD, Adam, AdamW, ExponentialMovingAverage } from '../optim/index.js';
import type { Module } from '../nn/module.js';
import { buildModel, type ModelConfig } from './default-model.js';
import type { OptimizerLike, SchedulerLike } from './fit.js';
import { makeSchedule, type ScheduleName } from './schedules.js';

export const OPTIMIZERS = ['sgd', 'adam', 'adamw'] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];

/** Everything that determines a training run (stored in its checkpoint as `config.train`). */
export interface TrainSettings {
  model: ModelConfig;
  dataset: DatasetName;
  /** The --data folder, when one was given. */
  dataDir: string | null;
  /** Train on the first N images (null = all); test on the first testLimit (null = all). */
  limit: number | null;
  testLimit: number | null;
  epochs: number;
  batchSize: number;
  lr: number;
  optimizer: OptimizerName;
  momentum: number;
  weightDecay: number;
  schedule: ScheduleName;
  seed: number;
  augment: boolean;
  /** Decay of the weight average the run evaluates and keeps (0 or absent = none). */
  ema?: number;
  /** Label smoothing of the training loss (0 or absent = none). */
  labelSmoothing?: number;
}

/** The default learning rate of each optimizer for the built-in CNN with batch size 64. */
export const DEFAULT_LR: Record<OptimizerName, number> = { sgd: 0.05, adam: 1e-3, adamw: 1e-3 };

/**
 * Select the compute backend: 'wasm' loads the SIMD backend (it registers itself when the
 * runtime supports it), 'reference' the plain loops. Returns the name in use.
 */
export async function selectBackend(name: string | undefined, threads: number | undefined): Promise<string> {
  if (name !== 'reference') {
    const wasm = await import('../backends/wasm/index.js');
    if (threads !== undefined && wasm.wasmAvailable) wasm.setThreads(threads);
  }
  if (name) {
    if (!listBackends().includes(name)) {
      throw new Error(`--backend: backend '${name}' is not available here; available: ${listBackends().join(', ')}`);
    }
    setBackend(name);
  }
  return getBackend().name;
}

/** How a run's header names the backend: 'wasm (relaxed SIMD, 2 threads)', 'reference'. */
export async function backendLabel(name: string, threads: number | undefined): Promise<string> {
  if (name !== 'wasm') return name;
  const { wasmKernels } = await import('../backends/wasm/index.js');
  const details = [wasmKernels() === 'relaxed' ? 'relaxed SIMD' : 'SIMD128', ...(threads ? [`${threads} threads`] : [])];
  return `wasm (${details.join(', ')})`;
}

export interface Loaders {
  data: LoadedDataset;
  trainSet: ByteImageDataset;
  testSet: ByteImageDataset;
  train: DataLoader;
  test: DataLoader;
  /** The per-example normalisation (predict applies it to single images). */
  normalize: Transform;
}

/** Load the dataset and build the train (shuffled, maybe augmented) and test loaders. */
export function makeLoaders(s: TrainSettings): Loaders {
  const data = loadDataset(s.dataset, s.dataDir ?? undefined);
  const trainSet = s.limit ? data.train.head(s.limit) : data.train;
  const testSet = s.testLimit ? data.test.head(s.testLimit) : data.test;
  // Classifiers see normalised pixels; the autoencoder reconstructs raw [0, 1] pixels.
  const { mean, std } = s.model.name === 'autoencoder' ? { mean: 0, std: 1 } : PIXEL_STATS[s.dataset];
  const norm = normalize(mean, std);
  // Crop padding fills with the normalised value of a black pixel (the background).
  const trainTransform = s.augment ? compose([norm, randomCrop(2, (0 - mean) / std), horizontalFlip(0.5)]) : norm;
  return {
    data, trainSet, testSet, normalize: norm,
    train: new DataLoader(trainSet, { batchSize: s.batchSize, shuffle: true, seed: s.seed, transform: trainTransform }),
    test: new DataLoader(testSet, { batchSize: 500, transform: norm }),
  };
}

/** The model, initialised from the seed (so the same settings give the same initial weights). */
export function makeModel(s: TrainSettings): Module {
  manualSeed(s.seed);
  return buildModel(s.model);
}

export function makeOptimizer(s: TrainSettings, model: Module): OptimizerLike {
  const params = model.parameters();
  switch (s.optimizer) {
    case 'sgd': return new SGD(params, { lr: s.lr, momentum: s.momentum, nesterov: s.momentum > 0, weightDecay: s.weightDecay });
    case 'adam': return new Adam(params, { lr: s.lr, weightDecay: s.weightDecay });
    case 'adamw': return new AdamW(params, { lr: s.lr, weightDecay: s.weightDecay || 1e-2 });
    default: throw new Error(`--optimizer: unknown optimizer '${String(s.optimizer)}'; available: ${OPTIMIZERS.join(', ')}`);
  }
}

/** The schedule over the whole run (stepped once per batch). */
export function makeScheduler(s: TrainSettings, optimizer: OptimizerLike, stepsPerEpoch: number): SchedulerLike | null {
  return makeSchedule(s.schedule, optimizer, { lr: s.lr, stepsPerEpoch, epochs: s.epochs });
}

/** The run's weight average, when it keeps one. */
export function makeEma(s: TrainSettings, model: Module): ExponentialMovingAverage | null {
  return s.ema ? new ExponentialMovingAverage(model, { decay: s.ema }) : null;
}
