/** `dnnkit eval --checkpoint F`: test accuracy, per-class accuracy and the confusion matrix. */
import type { Command } from 'commander';
import { UsageError, parseIntOption } from '../errors.js';
import { loadTrainedModel } from '../../train/load.js';
import { evaluate } from '../../train/fit.js';
import { makeLoaders, selectBackend } from '../../train/setup.js';
import { DATASET_NAMES, type DatasetName } from '../../data/fashion-mnist.js';

interface EvalOptions { checkpoint?: string; data?: string; dataset?: string; limit?: string; backend?: string; threads?: string; json: boolean }

/** The confusion matrix as aligned text, rows = actual class, columns = predicted. */
export function formatConfusion(confusion: number[][], classes: readonly string[]): string {
  const short = classes.map((c) => c.slice(0, 7));
  const w = Math.max(5, ...confusion.flat().map((v) => String(v).length)) + 1;
  const head = ' '.repeat(14) + short.map((_, j) => String(j).padStart(w)).join('');
  const rows = confusion.map((row, i) => `${String(i).padStart(2)} ${short[i]!.padEnd(11)}` + row.map((v) => String(v).padStart(w)).join(''));
  return [`confusion matrix (rows: actual, columns: predicted)`, head, ...rows].join('\n');
}

export function register(program: Command): void {
  program
    .command('eval')
    .description('evaluate a trained checkpoint on the test set: accuracy, per-class accuracy, confusion matrix')
    .requiredOption('--checkpoint <file>', 'checkpoint written by dnnkit train (or its run folder)')
    .option('--data <dir>', 'folder with the IDX files (default: where the run found them)')
    .option('--dataset <name>', `dataset: ${DATASET_NAMES.join(', ')} (default: the run's)`)
    .option('--limit <n>', 'evaluate the first N test images')
    .option('--backend <name>', 'compute backend: wasm or reference')
    .option('--threads <n>', 'worker threads of the wasm backend')
    .option('--json', 'print the result as JSON', false)
    .action(async (o: EvalOptions) => {
      const threads = o.threads ? parseIntOption(o.threads, '--threads', 1, 256) : undefined;
      await selectBackend(o.backend, threads);
      const { model, settings, state, file, classes } = loadTrainedModel(o.checkpoint!);
      if (settings.model.name !== 'fashion-cnn') throw new UsageError(`--checkpoint ${file}: eval reports classification accuracy; this is a ${settings.model.name}`);
      if (o.dataset && !DATASET_NAMES.includes(o.dataset as DatasetName)) throw new UsageError(`--dataset: expected one of ${DATASET_NAMES.join(', ')}, got '${o.dataset}'`);
      const loaders = makeLoaders({
        ...settings,
        dataset: (o.dataset as DatasetName | undefined) ?? settings.dataset,
        dataDir: o.data ?? settings.dataDir,
        limit: 1,
        testLimit: o.limit ? parseIntOption(o.limit, '--limit') : null,
      });
      const r = evaluate(model, loaders.test, 'classify', classes.length);
      const perClass = r.confusion!.map((row, i) => ({ class: classes[i]!, accuracy: row[i]! / Math.max(1, row.reduce((a, b) => a + b, 0)), count: row.reduce((a, b) => a + b, 0) }));
      if (o.json) {
        process.stdout.write(JSON.stringify({ checkpoint: file, data: loaders.data.source.dir, count: r.count, loss: r.loss, accuracy: r.accuracy, perClass, confusion: r.confusion }, null, 1) + '\n');
        return;
      }
      const out: string[] = [];
      out.push(`${file}: ${settings.model.name} after ${state.epoch} epoch(s), ${state.step} steps`);
      out.push(`data: ${loaders.data.source.description}`);
      out.push(`test accuracy ${(100 * r.accuracy!).toFixed(2)}% (${Math.round(r.accuracy! * r.count)}/${r.count}), loss ${r.loss.toFixed(4)}`);
      out.push('per-class accuracy:');
      for (const [i, p] of perClass.entries()) out.push(`  ${String(i).padStart(2)} ${p.class.padEnd(12)} ${(100 * p.accuracy).toFixed(1).padStart(5)}%  (${p.count})`);
      out.push(formatConfusion(r.confusion!, classes));
      process.stdout.write(out.join('\n') + '\n');
    });
}
