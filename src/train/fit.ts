/**
 * The training loop as a library function: epochs of forward, loss, backward, optimizer step
 * (and learning-rate schedule), a test evaluation after each epoch, metrics, checkpoints,
 * and exact resumption.
 *
 * Resuming is exact: a run killed at any point and continued from its last checkpoint ends
 * with bitwise the same weights as an uninterrupted run, because the checkpoint holds
 * everything the rest of the run depends on — weights and buffers, optimizer and schedule
 * state, the global generator's state (dropout, init), the position (epoch, next batch, step),
 * the partial sums of the current epoch's metrics and the history — and the DataLoader can
 * produce any batch of any epoch on its own (derived seeds).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Tensor } from '../tensor/tensor.js';
import { defaultGenerator } from '../tensor/random.js';
import { noGrad } from '../autograd/graph.js';
import type { Module } from '../nn/module.js';
import type { Batch, DataLoader } from '../data/dataloader.js';
import { crossEntropy, mseLoss } from '../ops/loss.js';
import { saveCheckpoint, type CheckpointValue } from '../io/checkpoint.js';
import { writeMetrics, type EpochMetrics, type MetricsHistory, type StepMetrics } from './metrics.js';
import { AnomalyDetector, NonFiniteError } from './anomaly.js';
import type { ExponentialMovingAverage, EmaStateDict } from '../optim/ema.js';

/** What fit needs of an optimizer (src/optim's optimizers have it). */
export interface OptimizerLike {
  step(): void;
  zeroGrad(): void;
  stateDict(): unknown;
  loadStateDict(state: never): void;
  readonly paramGroups: ReadonlyArray<{ lr: number }>;
}

/** A learning-rate schedule stepped once per optimizer step. */
export interface SchedulerLike {
  step(): void;
  stateDict(): unknown;
  loadStateDict(state: never): void;
}

/** 'classify': cross-entropy on labels, accuracy reported. 'reconstruct': MSE of the output against the input (autoencoders). */
export type Task = 'classify' | 'reconstruct';

export interface FitOptions {
  epochs: number;
  optimizer: OptimizerLike;
  scheduler?: SchedulerLike | null;
  /** Another name for `scheduler`. */
  schedule?: SchedulerLike | null;
  task?: Task;
  /** Where metrics.csv, metrics.json and checkpoint.dnnkit go; nothing is written when absent. */
  outDir?: string;
  /** Also checkpoint every K optimizer steps (0 = only at epoch ends). */
  checkpointEvery?: number;
  /** Record a training-curve point every K steps (default 10). */
  logEvery?: number;
  /** Stop after this many optimizer steps in total (experiments compare by steps). */
  maxSteps?: number;
  /** Stored in the checkpoint so the model and the run can be rebuilt (eval, predict, --resume). */
  config?: Record<string, unknown>;
  /**
   * An exponential moving average of the weights, updated after every optimizer step; the test
   * evaluations then use the averaged weights, and the checkpoint keeps them (`ema`) beside
   * the live ones.
   */
  ema?: ExponentialMovingAverage | null;
  /** Label smoothing of the training loss ('classify'; the test loss is plain cross-entropy). */
  labelSmoothing?: number;
  /** A checkpoint state (as saved by fit) to continue from. */
  resume?: TrainState | null;
  /**
   * Check every layer output, gradient, parameter and buffer each step and stop at the first
   * NaN or infinity, naming it (slower). Without it, fit still stops on a non-finite loss.
   */
  detectAnomaly?: boolean;
}

export interface StepInfo {
  epoch: number;
  /** Batch within the epoch (0-based) and batches per epoch. */
  batch: number;
  batches: number;
  step: number;
  loss: number;
  /** Running training accuracy of this epoch so far (null for 'reconstruct'). */
  accuracy: number | null;
  imagesPerSecond: number;
  lr: number;
}

export interface FitCallbacks {
  onEpochStart?(epoch: number, batches: number, startBatch: number): void;
  onStep?(info: StepInfo): void;
  onEpochEnd?(metrics: EpochMetrics): void;
  onCheckpoint?(path: string, state: TrainState): void;
  onTestStart?(epoch: number): void;
}

/** What a training checkpoint holds (besides `config`). */
export interface TrainState {
  format: 'dnnkit-train';
  model: Record<string, Tensor>;
  optimizer: unknown;
  scheduler: unknown;
  /** The weight average when the run keeps one (its averaged weights are the model to use). */
  ema?: EmaStateDict | null;
  rng: number[];
  /** Next batch to run: epoch and batch within it; step = optimizer steps done. */
  epoch: number;
  batch: number;
  step: number;
  /** Partial sums of the epoch in progress. */
  partial: { lossSum: number; correct: number; seen: number; seconds: number; windowLoss: number; windowCorrect: number; windowSeen: number; windowSteps: number };
  elapsedSeconds: number;
  history: MetricsHistory;
  config: Record<string, unknown>;
  done: boolean;
}

export interface EvalResult {
  loss: number;
  /** null for 'reconstruct'. */
  accuracy: number | null;
  /** confusion[actual][predicted] counts (classification only). */
  confusion: number[][] | null;
  count: number;
}

function lossOf(task: Task, output: Tensor, batch: Batch, labelSmoothing = 0): Tensor {
  return task === 'classify' ? crossEntropy(output, batch.y, { labelSmoothing }) : mseLoss(output, batch.x);
}

/** Count correct argmax predictions of logits [B, K] (and fill a confusion matrix). */
export function countCorrect(logits: Tensor, labels: Int32Array, confusion?: number[][]): number {
  const [b, k] = logits.shape as [number, number];
  const d = logits.data;
  let correct = 0;
  for (let i = 0; i < b; i++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (d[i * k + j]! > d[i * k + best]!) best = j;
    if (best === labels[i]) correct++;
    if (confusion) confusion[labels[i]!]![best]!++;
  }
  return correct;
}

/**
 * Loss (and accuracy and confusion matrix) of a model over a loader, in eval mode, no graph.
 * @example const { accuracy } = evaluate(model, testLoader);
 */
export function evaluate(model: Module, loader: DataLoader, task: Task = 'classify', numClasses = 10): EvalResult {
  const wasTraining = model.training;
  model.eval();
  let lossSum = 0, correct = 0, count = 0;
  const confusion = task === 'classify' ? Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0)) : null;
  try {
    noGrad(() => {
      for (const batch of loader.epoch(0)) {
        const out = model.call(batch.x);
        const n = batch.labels.length;
        lossSum += lossOf(task, out, batch).item() * n;
        if (task === 'classify') correct += countCorrect(out, batch.labels, confusion!);
        count += n;
      }
    });
  } finally {
    model.train(wasTraining);
  }
  return { loss: lossSum / Math.max(1, count), accuracy: task === 'classify' ? correct / Math.max(1, count) : null, confusion, count };
}

/** The checkpoint file fit writes in outDir. */
export const CHECKPOINT_FILE = 'checkpoint.dnnkit';

/**
 * Train `model` for `options.epochs` epochs over `loaders.train`, evaluating on `loaders.test`
 * after each epoch. Returns the metrics history.
 * @example
 *   const opt = new optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
 *   const history = fit(model, { train, test }, { epochs: 3, optimizer: opt, outDir: 'runs/a' });
 */
export function fit(model: Module, loaders: { train: DataLoader; test?: DataLoader | null }, options: FitOptions, callbacks: FitCallbacks = {}): MetricsHistory {
  if (!options.detectAnomaly) return fitLoop(model, loaders, options, callbacks, null);
  const anomaly = new AnomalyDetector(model);
  try {
    return fitLoop(model, loaders, options, callbacks, anomaly);
  } finally {
    anomaly.remove();
  }
}

function fitLoop(model: Module, loaders: { train: DataLoader; test?: DataLoader | null }, options: FitOptions, callbacks: FitCallbacks, anomaly: AnomalyDetector | null): MetricsHistory {
  const scheduler = options.scheduler ?? options.schedule ?? null;
  const ema = options.ema ?? null;
  const { epochs, optimizer, task = 'classify', outDir, checkpointEvery = 0, logEvery = 10, maxSteps = Infinity, labelSmoothing = 0 } = options;
  if (!Number.isInteger(epochs) || epochs < 1) throw new Error(`fit: epochs must be a positive integer, got ${epochs}`);
  if (!Number.isInteger(checkpointEvery) || checkpointEvery < 0) throw new Error(`fit: checkpointEvery must be a non-negative integer, got ${checkpointEvery}`);
  if (!Number.isInteger(logEvery) || logEvery < 1) throw new Error(`fit: logEvery must be a positive integer, got ${logEvery}`);
  const train = loaders.train, test = loaders.test ?? null;
  const batches = train.length;
  if (batches === 0) throw new Error(`fit: the training loader yields no batches (${train.dataset.length} examples, batch size ${train.batchSize}${train.dropLast ? ', dropLast' : ''})`);
  const config = options.config ?? {};
  if (outDir) mkdirSync(outDir, { recursive: true });

  // Position and accumulated state, fresh or from the checkpoint.
  let epoch = 0, startBatch = 0, step = 0, elapsed = 0;
  let history: MetricsHistory = { epochs: [], steps: [] };
  let partial: TrainState['partial'] = { lossSum: 0, correct: 0, seen: 0, seconds: 0, windowLoss: 0, windowCorrect: 0, windowSeen: 0, windowSteps: 0 };
  const r = options.resume;
  if (r) {
    if (r.format !== 'dnnkit-train') throw new Error(`fit: the resume state is not a training checkpoint (format '${String(r.format)}')`);
    model.loadStateDict(r.model);
    optimizer.loadStateDict(r.optimizer as never);
    if (scheduler && r.scheduler) scheduler.loadStateDict(r.scheduler as never);
    if (ema) {
      if (!r.ema) throw new Error('fit: the resume state has no weight average (the run was started without EMA)');
      ema.loadStateDict(r.ema);
    }
    defaultGenerator.setState(r.rng);
    ({ epoch, batch: startBatch, step } = r);
    elapsed = r.elapsedSeconds;
    history = { epochs: [...r.history.epochs], steps: [...r.history.steps] };
    partial = { ...r.partial };
  }

  const ckptPath = outDir ? join(outDir, CHECKPOINT_FILE) : '';
  const lr = (): number => optimizer.paramGroups[0]?.lr ?? NaN;
  const snapshot = (done: boolean, nextEpoch: number, nextBatch: number): TrainState => ({
    format: 'dnnkit-train',
    model: model.stateDict(),
    optimizer: optimizer.stateDict(),
    scheduler: scheduler ? scheduler.stateDict() : null,
    ema: ema ? ema.stateDict() : null,
    rng: defaultGenerator.getState(),
    epoch: nextEpoch, batch: nextBatch, step,
    partial: { ...partial },
    elapsedSeconds: elapsed,
    history,
    config,
    done,
  });
  const checkpoint = (done: boolean, nextEpoch: number, nextBatch: number): void => {
    if (!outDir) return;
    const state = snapshot(done, nextEpoch, nextBatch);
    saveCheckpoint(ckptPath, state as unknown as CheckpointValue);
    callbacks.onCheckpoint?.(ckptPath, state);
  };
  const flushMetrics = (): void => {
    if (outDir) writeMetrics(join(outDir, 'metrics.csv'), join(outDir, 'metrics.json'), history, { config });
  };

  model.train();
  let stopped = step >= maxSteps;
  for (; epoch < epochs && !stopped; epoch++, startBatch = 0) {
    callbacks.onEpochStart?.(epoch, batches, startBatch);
    let t0 = performance.now();
    for (const batch of train.epoch(epoch, startBatch)) {
      const where = { step: step + 1, epoch, batch: batch.batch, batches };
      anomaly?.beginStep(batch.x, where);
      const out = model.call(batch.x);
      const loss = lossOf(task, out, batch, labelSmoothing);
      anomaly?.afterForward(loss, where);
      // Always checked (one number): a non-finite loss stops the run before it reaches the
      // weights, so the last checkpoint stays usable.
      const lossValue = loss.item();
      if (!Number.isFinite(lossValue)) {
        throw new NonFiniteError(`fit: the loss is ${lossValue} at step ${where.step} (epoch ${epoch + 1}, batch ${batch.batch + 1} of ${batches}); the weights of the last checkpoint are untouched. Lower the learning rate, or find the first layer or parameter that went non-finite with detectAnomaly (dnnkit train --detect-anomaly)`, where.step);
      }
      optimizer.zeroGrad();
      loss.backward();
      anomaly?.afterBackward(where);
      optimizer.step();
      anomaly?.afterStep(where);
      scheduler?.step();
      ema?.update();
      step++;
      const n = batch.labels.length;
      const l = loss.item();
      const c = task === 'classify' ? countCorrect(out, batch.labels) : 0;
      partial.lossSum += l * n; partial.correct += c; partial.seen += n;
      partial.windowLoss += l * n; partial.windowCorrect += c; partial.windowSeen += n; partial.windowSteps++;
      const now = performance.now();
      partial.seconds += (now - t0) / 1000;
      elapsed += (now - t0) / 1000;
      t0 = now;
      if (partial.windowSteps === logEvery) {
        history.steps.push({ step, epoch, loss: partial.windowLoss / partial.windowSeen, accuracy: task === 'classify' ? partial.windowCorrect / partial.windowSeen : null, lr: lr() } satisfies StepMetrics);
        partial.windowLoss = 0; partial.windowCorrect = 0; partial.windowSeen = 0; partial.windowSteps = 0;
      }
      callbacks.onStep?.({
        epoch, batch: batch.batch, batches, step, loss: l,
        accuracy: task === 'classify' ? partial.correct / partial.seen : null,
        imagesPerSecond: partial.seen / Math.max(1e-9, partial.seconds), lr: lr(),
      });
      if (step >= maxSteps) { stopped = true; break; }
      if (checkpointEvery > 0 && step % checkpointEvery === 0 && batch.batch + 1 < batches) {
        checkpoint(false, epoch, batch.batch + 1);
        t0 = performance.now();   // checkpoint time is not training time
      }
    }
    callbacks.onTestStart?.(epoch);
    const tEval = performance.now();
    const evalResult = !test ? null : ema ? ema.withAveraged(() => evaluate(model, test, task)) : evaluate(model, test, task);
    elapsed += (performance.now() - tEval) / 1000;
    const m: EpochMetrics = {
      epoch: epoch + 1,
      step,
      trainLoss: partial.lossSum / Math.max(1, partial.seen),
      trainAccuracy: task === 'classify' ? partial.correct / Math.max(1, partial.seen) : null,
      testLoss: evalResult ? evalResult.loss : null,
      testAccuracy: evalResult ? evalResult.accuracy : null,
      lr: lr(),
      imagesPerSecond: partial.seen / Math.max(1e-9, partial.seconds),
      epochSeconds: partial.seconds,
      elapsedSeconds: elapsed,
      rssMB: process.memoryUsage().rss / 2 ** 20,
    };
    history.epochs.push(m);
    partial = { lossSum: 0, correct: 0, seen: 0, seconds: 0, windowLoss: partial.windowLoss, windowCorrect: partial.windowCorrect, windowSeen: partial.windowSeen, windowSteps: partial.windowSteps };
    flushMetrics();
    const last = epoch + 1 >= epochs || stopped;
    checkpoint(last, epoch + 1, 0);
    callbacks.onEpochEnd?.(m);
  }
  return history;
}
