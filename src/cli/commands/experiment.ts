/**
 * `dnnkit experiment relu-vs-tanh | batchnorm | autoencoder`: small reproductions of classic
 * results, each writing an SVG plot, a markdown table (results.md) and the runs' metrics.
 */
import type { Command } from 'commander';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError, parseIntOption, parseNumberOption } from '../errors.js';
import { progressCallbacks } from '../progress.js';
import { selectBackend } from '../../train/setup.js';
import { DATASET_NAMES, type DatasetName } from '../../data/fashion-mnist.js';
import { chartRow, lineChart } from '../../plot/svg-chart.js';
import {
  autoencoderExperiment, batchNormExperiment, gridPng, reluVsTanh, stepsToError,
  type ExperimentBase, type ProgressFactory,
} from '../../train/experiments.js';

export const EXPERIMENTS = ['relu-vs-tanh', 'batchnorm', 'autoencoder'] as const;

interface ExperimentOptions {
  data?: string; dataset: string; limit?: string; testLimit?: string; epochs?: string; batchSize: string;
  seed: string; out?: string; backend?: string; threads?: string; plain: boolean; sweep: boolean; sweepSteps: string;
  lr?: string; reluLr?: string; tanhLr?: string; upsample: string;
}

const DEFAULT_EPOCHS: Record<(typeof EXPERIMENTS)[number], number> = { 'relu-vs-tanh': 2, batchnorm: 2, autoencoder: 2 };

const pct = (v: number | null | undefined): string => (v === null || v === undefined ? '–' : `${(100 * v).toFixed(2)}%`);

export function register(program: Command): void {
  program
    .command('experiment')
    .description(`run a classic experiment: ${EXPERIMENTS.join(', ')} (plots, tables and metrics in --out)`)
    .argument('<name>', EXPERIMENTS.join(' | '))
    .option('--data <dir>', 'folder with the IDX files (default: $DNNKIT_DATA, Debian dataset-fashion-mnist, then the bundled sample)')
    .option('--dataset <name>', `dataset: ${DATASET_NAMES.join(', ')}`, 'fashion-mnist')
    .option('--limit <n>', 'train on the first N training images (default 10000)')
    .option('--test-limit <n>', 'evaluate on the first N test images (default 2000)')
    .option('--epochs <n>', 'epochs per run (default 2)')
    .option('--batch-size <n>', 'images per batch', '64')
    .option('--seed <n>', 'seed (the same for every run of the experiment)', '0')
    .option('--out <dir>', 'output folder (default runs/experiment-<name>)')
    .option('--backend <name>', 'compute backend: wasm (default when supported) or reference')
    .option('--threads <n>', 'worker threads of the wasm backend')
    .option('--plain', 'plain log lines instead of progress bars', false)
    .option('--sweep', 'relu-vs-tanh: tune each learning rate by a short sweep first', false)
    .option('--sweep-steps <n>', 'relu-vs-tanh: steps of each sweep run', '150')
    .option('--relu-lr <x>', 'relu-vs-tanh: learning rate of the ReLU run')
    .option('--tanh-lr <x>', 'relu-vs-tanh: learning rate of the tanh run')
    .option('--lr <x>', 'batchnorm: learning rate of both runs (default 0.05); autoencoder: Adam lr (default 0.002)')
    .option('--upsample <mode>', 'autoencoder: decoder upsampling, nearest or zeros', 'nearest')
    .action(async (name: string, o: ExperimentOptions) => {
      if (!EXPERIMENTS.includes(name as (typeof EXPERIMENTS)[number])) throw new UsageError(`unknown experiment '${name}'; available: ${EXPERIMENTS.join(', ')}`);
      const exp = name as (typeof EXPERIMENTS)[number];
      if (!DATASET_NAMES.includes(o.dataset as DatasetName)) throw new UsageError(`--dataset: expected one of ${DATASET_NAMES.join(', ')}, got '${o.dataset}'`);
      const threads = o.threads ? parseIntOption(o.threads, '--threads', 1, 256) : undefined;
      const backend = await selectBackend(o.backend, threads);
      const base: ExperimentBase = {
        dataset: o.dataset as DatasetName,
        dataDir: o.data ?? null,
        limit: o.limit ? parseIntOption(o.limit, '--limit') : 10000,
        testLimit: o.testLimit ? parseIntOption(o.testLimit, '--test-limit') : 2000,
        epochs: o.epochs ? parseIntOption(o.epochs, '--epochs', 1, 1000) : DEFAULT_EPOCHS[exp],
        batchSize: parseIntOption(o.batchSize, '--batch-size', 1, 65536),
        seed: parseIntOption(o.seed, '--seed', 0, 2 ** 32 - 1),
        outDir: o.out ?? join('runs', `experiment-${exp}`),
        logEvery: 5,
      };
      mkdirSync(base.outDir, { recursive: true });
      const say = (line: string): void => { process.stdout.write(line + '\n'); };
      say(`dnnkit experiment ${exp}: ${base.epochs} epochs on ${base.limit ?? 'all'} training images (test ${base.testLimit ?? 'all'}), batch ${base.batchSize}, seed ${base.seed}, backend ${backend}`);
      const progress: ProgressFactory = (label, epochs) => progressCallbacks({ epochs, plain: o.plain, label });
      const md: string[] = [];
      const files: string[] = [];
      if (exp === 'relu-vs-tanh') {
        const lrs: { relu?: number; tanh?: number } = {};
        if (o.reluLr) lrs.relu = parseNumberOption(o.reluLr, '--relu-lr', 0, 100);
        if (o.tanhLr) lrs.tanh = parseNumberOption(o.tanhLr, '--tanh-lr', 0, 100);
        const r = reluVsTanh(base, progress, { sweep: o.sweep, sweepSteps: parseIntOption(o.sweepSteps, '--sweep-steps', 1), lrs });
        const svg = lineChart({
          title: 'ReLU vs tanh (no batch norm): training error', xLabel: 'step', yLabel: 'training error (window of 5 steps)', yRange: [0, 1],
          series: r.runs.map((run) => ({ name: `${run.name} (lr ${run.settings.lr})`, points: run.history.steps.map((s) => [s.step, 1 - (s.accuracy ?? NaN)] as const) })),
          hLine: { y: r.target, label: `${100 * r.target}% training error` }, width: 720, height: 420,
        });
        writeFileSync(join(base.outDir, 'relu-vs-tanh.svg'), svg);
        files.push(join(base.outDir, 'relu-vs-tanh.svg'));
        md.push(`# ReLU vs tanh`, '', `The fashion-cnn without batch norm, SGD (momentum 0.9), constant learning rate, batch ${base.batchSize}, ${base.epochs} epochs on ${base.limit ?? 'all'} ${base.dataset} images, seed ${base.seed}. Krizhevsky et al. (2012) report ReLU reaching 25% training error on CIFAR-10 about 6× faster than tanh.`, '');
        if (r.sweep) {
          md.push(`Learning-rate sweep (training loss over the last steps of ${o.sweepSteps}-step runs):`, '', '| activation | lr | loss |', '|---|---|---|');
          for (const s of r.sweep) md.push(`| ${s.activation} | ${s.lr} | ${s.loss.toFixed(4)} |`);
          md.push('');
        }
        md.push(`| activation | lr | steps to ${100 * r.target}% training error | final training accuracy | final test accuracy |`, '|---|---|---|---|---|');
        for (const run of r.runs) {
          const last = run.history.epochs.at(-1);
          const st = r.steps[run.name as 'relu' | 'tanh'];
          md.push(`| ${run.name} | ${run.settings.lr} | ${st ?? `not reached in ${last?.step ?? 0}`} | ${pct(last?.trainAccuracy)} | ${pct(last?.testAccuracy)} |`);
        }
        md.push('', r.ratio !== null ? `tanh needed **${r.ratio.toFixed(2)}×** the steps of ReLU to reach ${100 * r.target}% training error.` : `ratio: not available (a run did not reach ${100 * r.target}% training error; train longer with --epochs or --limit).`);
        say(r.ratio !== null ? `steps to ${100 * r.target}% training error: relu ${r.steps.relu}, tanh ${r.steps.tanh}: ratio ${r.ratio.toFixed(2)}x` : `steps to ${100 * r.target}% training error: relu ${r.steps.relu ?? 'not reached'}, tanh ${r.steps.tanh ?? 'not reached'}`);
      } else if (exp === 'batchnorm') {
        const lr = o.lr ? parseNumberOption(o.lr, '--lr', 0, 100) : 0.05;
        const r = batchNormExperiment(base, progress, lr);
        const svg = chartRow([
          { title: 'training accuracy against steps', xLabel: 'step', yLabel: 'accuracy (window of 5 steps)', yRange: [0, 1], series: r.runs.map((run) => ({ name: run.name, points: run.history.steps.map((s) => [s.step, s.accuracy ?? NaN] as const) })) },
          { title: 'test accuracy after each epoch', xLabel: 'step', yLabel: 'test accuracy', yRange: [0, 1], series: r.runs.map((run) => ({ name: run.name, points: run.history.epochs.map((e) => [e.step, e.testAccuracy ?? NaN] as const) })) },
        ]);
        writeFileSync(join(base.outDir, 'batchnorm.svg'), svg);
        files.push(join(base.outDir, 'batchnorm.svg'));
        md.push('# Batch normalisation', '', `The fashion-cnn (ReLU) with and without batch norm, SGD (momentum 0.9), lr ${lr}, batch ${base.batchSize}, ${base.epochs} epochs on ${base.limit ?? 'all'} ${base.dataset} images, seed ${base.seed}.`, '');
        md.push('| model | steps to 80% training accuracy | training accuracy | test accuracy (per epoch) |', '|---|---|---|---|');
        for (const run of r.runs) {
          const st = stepsToError(run.history, 0.2);
          md.push(`| ${run.name} | ${st ?? 'not reached'} | ${pct(run.history.epochs.at(-1)?.trainAccuracy)} | ${run.history.epochs.map((e) => pct(e.testAccuracy)).join(', ')} |`);
        }
        for (const run of r.runs) say(`${run.name}: test accuracy ${run.history.epochs.map((e) => pct(e.testAccuracy)).join(' -> ')}`);
      } else {
        if (o.upsample !== 'nearest' && o.upsample !== 'zeros') throw new UsageError(`--upsample: expected nearest or zeros, got '${o.upsample}'`);
        const r = autoencoderExperiment(base, progress, { upsampleMode: o.upsample, lr: o.lr ? parseNumberOption(o.lr, '--lr', 0, 100) : undefined });
        writeFileSync(join(base.outDir, 'reconstructions.png'), gridPng(r));
        const svg = lineChart({ title: 'autoencoder: reconstruction loss (MSE)', xLabel: 'step', yLabel: 'MSE', series: [
          { name: 'train (window)', points: r.run.history.steps.map((s) => [s.step, s.loss] as const) },
          { name: 'test (per epoch)', points: r.run.history.epochs.map((e) => [e.step, e.testLoss ?? NaN] as const), dashed: true },
        ] });
        writeFileSync(join(base.outDir, 'autoencoder.svg'), svg);
        files.push(join(base.outDir, 'reconstructions.png'), join(base.outDir, 'autoencoder.svg'));
        md.push('# Convolutional autoencoder', '', `Encoder conv3×3·16–ReLU–maxpool–conv3×3·32–ReLU–maxpool (32×7×7 code), decoder ${o.upsample} upsampling ×2–conv3×3·16–ReLU–upsampling ×2–conv3×3·1–sigmoid; Adam, MSE, ${base.epochs} epochs on ${base.limit ?? 'all'} images.`, '', `Test MSE: ${r.testMse?.toFixed(5) ?? '–'}`, '', '![inputs (top) and reconstructions (bottom)](reconstructions.png)');
        say(`test MSE ${r.testMse?.toFixed(5) ?? '–'}`);
      }
      writeFileSync(join(base.outDir, 'results.md'), md.join('\n') + '\n');
      files.push(join(base.outDir, 'results.md'));
      say(`wrote ${files.join(', ')}`);
    });
}
