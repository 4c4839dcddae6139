/**
 * `dnnkit train`: train the built-in CNN (or the autoencoder) on Fashion-MNIST / MNIST with a
 * live progress bar, a test evaluation each epoch, metrics.csv/json, a checkpoint every epoch
 * (resumable with --resume) and an SVG plot of the curves.
 */
import type { Command } from 'commander';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UsageError, parseIntOption, parseNumberOption } from '../errors.js';
import { progressCallbacks } from '../progress.js';
import { loadCheckpoint } from '../../io/checkpoint.js';
import { fit, CHECKPOINT_FILE, type TrainState } from '../../train/fit.js';
import { ACTIVATIONS, MODEL_NAMES, type ActivationName, type ModelConfig } from '../../train/default-model.js';
import { DEFAULT_LR, OPTIMIZERS, makeEma, makeLoaders, makeModel, makeOptimizer, makeScheduler, selectBackend, backendLabel, type OptimizerName, type TrainSettings } from '../../train/setup.js';
import { SCHEDULES, type ScheduleName } from '../../train/schedules.js';
import { trainingPlot } from '../../train/plot-run.js';
import { DATASET_NAMES, type DatasetName } from '../../data/fashion-mnist.js';

/**
 * Defaults of a bare `dnnkit train`, chosen for the issue's time-to-accuracy targets on two
 * cores (≥ 91 % test accuracy within 3 minutes, ≥ 92.5 % within 6): five epochs of one-cycle
 * SGD, evaluated with a weight average (good while the learning rate is still high: epoch 2 of 4
 * 91.4 % averaged vs 89.5 % live) and label smoothing 0.1 (averaged end of 4 epochs 92.4 -> 92.8 %).
 * Five epochs (~265 s here) rather than four (~210 s) so that two evaluations clear each target
 * with margin: 92.1 % at 160 s, 92.5 and 92.8 % at 209 and 263 s.
 * Measured per epoch on the full Fashion-MNIST (scripts/accuracy-sweep.ts): README "Training".
 */
export const TRAIN_DEFAULTS = { epochs: 5, batchSize: 64, optimizer: 'sgd', schedule: 'onecycle', seed: 0, ema: 0.999, labelSmoothing: 0.1 } as const;

interface TrainOptions {
  model: string; data?: string; dataset: string; epochs?: string; batchSize: string; lr?: string;
  optimizer: string; momentum: string; weightDecay: string; schedule: string; activation: string;
  batchnorm: boolean; seed: string; threads?: string; backend?: string; out?: string;
  resume?: string | boolean; limit?: string; testLimit?: string; augment: boolean; checkpointEvery: string;
  plain: boolean; detectAnomaly: boolean; ema: string; labelSmoothing: string;
}

function oneOf<T extends string>(value: string, allowed: readonly T[], option: string): T {
  if (!allowed.includes(value as T)) throw new UsageError(`${option}: expected one of ${allowed.join(', ')}, got '${value}'`);
  return value as T;
}

function timestamp(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

/** Settings from the command line (a fresh run). */
export function settingsFromOptions(o: TrainOptions): TrainSettings {
  const modelName = oneOf(o.model, MODEL_NAMES, '--model');
  const activation = oneOf(o.activation, ACTIVATIONS, '--activation') as ActivationName;
  const optimizer = oneOf(o.optimizer, OPTIMIZERS, '--optimizer') as OptimizerName;
  const model: ModelConfig = modelName === 'fashion-cnn'
    ? { name: 'fashion-cnn', activation, batchNorm: o.batchnorm }
    : { name: 'autoencoder', activation };
  return {
    model,
    dataset: oneOf(o.dataset, DATASET_NAMES, '--dataset') as DatasetName,
    dataDir: o.data ?? null,
    limit: o.limit ? parseIntOption(o.limit, '--limit') : null,
    testLimit: o.testLimit ? parseIntOption(o.testLimit, '--test-limit') : null,
    epochs: o.epochs ? parseIntOption(o.epochs, '--epochs', 1, 10000) : TRAIN_DEFAULTS.epochs,
    batchSize: parseIntOption(o.batchSize, '--batch-size', 1, 65536),
    lr: o.lr ? parseNumberOption(o.lr, '--lr', 0, 100) : DEFAULT_LR[optimizer],
    optimizer,
    momentum: parseNumberOption(o.momentum, '--momentum', 0, 1),
    weightDecay: parseNumberOption(o.weightDecay, '--weight-decay', 0, 1),
    schedule: oneOf(o.schedule, SCHEDULES, '--schedule') as ScheduleName,
    seed: parseIntOption(o.seed, '--seed', 0, 2 ** 32 - 1),
    augment: o.augment,
    ema: parseNumberOption(o.ema, '--ema', 0, 0.999999),
    labelSmoothing: parseNumberOption(o.labelSmoothing, '--label-smoothing', 0, 1),
  };
}

function describeModel(m: ModelConfig): string {
  return m.name === 'fashion-cnn' ? `fashion-cnn (${m.activation ?? 'relu'}, ${m.batchNorm === false ? 'no batch norm' : 'batch norm'})` : `autoencoder (${m.activation ?? 'relu'}, ${m.upsampleMode ?? 'nearest'} upsampling)`;
}

export function register(program: Command): void {
  program
    .command('train')
    .description('train the built-in CNN on Fashion-MNIST (or MNIST) with progress, per-epoch test accuracy, checkpoints, metrics and a plot')
    .option('--model <name>', `model: ${MODEL_NAMES.join(', ')}`, 'fashion-cnn')
    .option('--data <dir>', 'folder with the IDX files (default: $DNNKIT_DATA, Debian dataset-fashion-mnist, then the bundled sample)')
    .option('--dataset <name>', `dataset: ${DATASET_NAMES.join(', ')}`, 'fashion-mnist')
    .option('--epochs <n>', `epochs (default ${TRAIN_DEFAULTS.epochs})`)
    .option('--batch-size <n>', 'images per batch', String(TRAIN_DEFAULTS.batchSize))
    .option('--lr <x>', `(peak) learning rate (default: sgd ${DEFAULT_LR.sgd}, adam/adamw ${DEFAULT_LR.adam})`)
    .option('--optimizer <name>', `optimizer: ${OPTIMIZERS.join(', ')}`, TRAIN_DEFAULTS.optimizer)
    .option('--momentum <x>', 'SGD momentum (Nesterov)', '0.9')
    .option('--weight-decay <x>', 'weight decay; 0 with adamw means its decoupled default 0.01', '0')
    .option('--schedule <name>', `learning-rate schedule: ${SCHEDULES.join(', ')}`, TRAIN_DEFAULTS.schedule)
    .option('--activation <name>', `activation: ${ACTIVATIONS.join(', ')}`, 'relu')
    .option('--batchnorm', 'batch normalisation after each conv', true)
    .option('--no-batchnorm', 'no batch normalisation')
    .option('--seed <n>', 'seed of initialisation, shuffling and augmentation', String(TRAIN_DEFAULTS.seed))
    .option('--threads <n>', 'worker threads of the wasm backend (default: all cores)')
    .option('--backend <name>', 'compute backend: wasm (default when supported) or reference')
    .option('--out <dir>', 'output folder (default runs/train-<time>)')
    .option('--resume [path]', 'continue the run in --out (or the given folder / checkpoint file) from its last checkpoint')
    .option('--limit <n>', 'train on the first N training images')
    .option('--test-limit <n>', 'evaluate on the first N test images')
    .option('--augment', 'random crop (padding 2) and horizontal flip', false)
    .option('--ema <decay>', 'evaluate and keep an exponential moving average of the weights with this decay (0: off)', String(TRAIN_DEFAULTS.ema))
    .option('--label-smoothing <x>', 'label smoothing of the training loss', String(TRAIN_DEFAULTS.labelSmoothing))
    .option('--checkpoint-every <steps>', 'also checkpoint every K steps (0: only after each epoch)', '0')
    .option('--plain', 'plain log lines instead of a progress bar', false)
    .option('--detect-anomaly', 'check every layer output, gradient and parameter each step; stop at the first NaN/infinity, naming it (slower)', false)
    .action(async (o: TrainOptions, cmd: Command) => { await runTrain(o, cmd); });
}

async function runTrain(o: TrainOptions, cmd: Command): Promise<void> {
  const say = (line: string): void => { process.stdout.write(line + '\n'); };
  let settings: TrainSettings;
  let resume: TrainState | null = null;
  let out: string;
  if (o.resume !== undefined && o.resume !== false) {
    const given = typeof o.resume === 'string' ? o.resume : o.out;
    if (!given) throw new UsageError('--resume: say which run: --resume DIR (or --out DIR --resume)');
    const file = existsSync(given) && statSync(given).isDirectory() ? join(given, CHECKPOINT_FILE) : given;
    resume = loadCheckpoint(file) as TrainState;
    if (resume?.format !== 'dnnkit-train' || !resume.config?.train) throw new Error(`${file}: not a training checkpoint of dnnkit train`);
    settings = { ...(resume.config.train as TrainSettings) };
    out = dirname(file);
    const ignored = cmd.options.map((opt) => opt.attributeName())
      .filter((k) => cmd.getOptionValueSource(k) === 'cli' && !['resume', 'out', 'epochs', 'threads', 'backend', 'plain', 'checkpointEvery', 'detectAnomaly'].includes(k));
    if (ignored.length) say(`note: --resume continues with the run's own settings; ignoring ${ignored.map((k) => '--' + k.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())).join(', ')}`);
    if (o.epochs) {
      const e = parseIntOption(o.epochs, '--epochs', 1, 10000);
      if (e !== settings.epochs) say(`note: changing --epochs from ${settings.epochs} to ${e} on resume; the schedule keeps its original length`);
      settings.epochs = e;
    }
    if (resume.done && resume.epoch >= settings.epochs) {
      say(`${file}: the run is already complete (${resume.epoch} epochs); pass --epochs N to train longer`);
      return;
    }
  } else {
    settings = settingsFromOptions(o);
    out = o.out ?? join('runs', `train-${timestamp()}`);
  }
  const threads = o.threads ? parseIntOption(o.threads, '--threads', 1, 256) : undefined;
  const backend = await selectBackend(o.backend, threads);
  const loaders = makeLoaders(settings);
  const model = makeModel(settings);
  const optimizer = makeOptimizer(settings, model);
  // The schedule's length is fixed by the run's original epochs (so a resumed run matches).
  const originalEpochs = resume ? (resume.config.train as TrainSettings).epochs : settings.epochs;
  const scheduler = makeScheduler({ ...settings, epochs: originalEpochs }, optimizer, loaders.train.length);
  const ema = makeEma(settings, model);
  const weights = model.parameters().reduce((n, p) => n + p.size, 0);
  say(`dnnkit train: ${describeModel(settings.model)}, ${weights.toLocaleString('en-US')} weights | backend ${await backendLabel(backend, threads)}`);
  say(`data: ${settings.dataset} from ${loaders.data.source.description}`);
  say(`train ${loaders.trainSet.length} images${settings.augment ? ' (augmented)' : ''}, test ${loaders.testSet.length} | ${settings.epochs} epochs × ${loaders.train.length} batches of ${settings.batchSize} | ${settings.optimizer} lr ${settings.lr} schedule ${settings.schedule}${settings.labelSmoothing ? ` | label smoothing ${settings.labelSmoothing}` : ''}${ema ? ` | weight average (EMA ${ema.decay})` : ''} | seed ${settings.seed}`);
  say(`output: ${out}${resume ? ` (resuming at epoch ${resume.epoch + 1}, batch ${resume.batch}, step ${resume.step})` : ''}`);
  // A resumed run keeps the run's checkpoint cadence unless told otherwise (found by the
  // crash test: runs resumed without --checkpoint-every again only checkpointed at epoch ends).
  const savedEvery = resume?.config.checkpointEvery;
  const checkpointEvery = resume && cmd.getOptionValueSource('checkpointEvery') !== 'cli' && typeof savedEvery === 'number'
    ? savedEvery : parseIntOption(o.checkpointEvery, '--checkpoint-every', 0);
  const progress = progressCallbacks({ epochs: settings.epochs, plain: o.plain });
  const task = settings.model.name === 'autoencoder' ? 'reconstruct' : 'classify';
  const t0 = performance.now();
  let history;
  try {
    history = fit(model, { train: loaders.train, test: loaders.test }, {
      epochs: settings.epochs, optimizer, scheduler, task, outDir: out,
      checkpointEvery,
      logEvery: Math.max(1, Math.floor(loaders.train.length / 50)),
      config: { model: settings.model, train: settings, dataset: settings.dataset, classes: loaders.data.classes, checkpointEvery },
      resume, ema, labelSmoothing: settings.labelSmoothing ?? 0,
      detectAnomaly: o.detectAnomaly,
    }, progress);
  } finally {
    progress.stop();
  }
  const plot = join(out, 'training.svg');
  writeFileSync(plot, trainingPlot(history, `${settings.model.name} on ${settings.dataset}`));
  const last = history.epochs.at(-1);
  say(`done in ${((performance.now() - t0) / 1000).toFixed(1)} s${last?.testAccuracy != null ? `: test accuracy ${(100 * last.testAccuracy).toFixed(2)}%` : last?.testLoss != null ? `: test loss ${last.testLoss.toFixed(5)}` : ''}`);
  say(`wrote ${join(out, CHECKPOINT_FILE)}, ${join(out, 'metrics.csv')}, ${join(out, 'metrics.json')}, ${plot}`);
  if (task === 'classify') say(`next: dnnkit eval --checkpoint ${join(out, CHECKPOINT_FILE)}`);
}
