/**
 * `dnnkit summary MODEL`: per-layer shape parameters, weights, MACs, activations and receptive
 * field of a zoo model, as a table, JSON, CSV or Markdown, with the definitions under it.
 *
 *   dnnkit summary alexnet
 *   dnnkit summary resnet50 --input 3x160x160 --batch 8 --format csv
 *   dnnkit summary                      # lists the zoo
 */
import type { Command } from 'commander';
import * as zoo from '../../models/zoo.js';
import { summary, type Summary } from '../../analysis/summary.js';
import { formatSummary, type SummaryFormat } from '../../analysis/format.js';
import { UsageError, parseDims, parseIntOption } from '../errors.js';

const FORMATS: readonly SummaryFormat[] = ['table', 'json', 'csv', 'markdown'];

interface SummaryOptions {
  input?: string;
  batch?: string;
  format?: string;
  json?: boolean;
  wide?: boolean;
  numClasses?: string;
}

/** Resolve --input/--batch into a full [N, C, H, W] and the model's [C, H, W]. */
export function resolveInput(name: string, options: { input?: string; batch?: string }): { image: number[]; batch: number } {
  let image = zoo.inputShape(name);
  let batch = 1;
  if (options.input !== undefined) {
    const dims = parseDims(options.input, '--input');
    if (dims.length === 4) { batch = dims[0]!; image = dims.slice(1); }
    else if (dims.length === 3) image = dims;
    else throw new UsageError(`--input: expected NxCxHxW or CxHxW, got '${options.input}' (${dims.length} dimensions)`);
  }
  if (options.batch !== undefined) {
    const b = parseIntOption(options.batch, '--batch', 1, 1_000_000);
    if (options.input !== undefined && parseDims(options.input, '--input').length === 4 && b !== batch) {
      throw new UsageError(`--batch ${b} contradicts --input ${options.input} (batch ${batch})`);
    }
    batch = b;
  }
  return { image, batch };
}

function listing(): string {
  const names = zoo.list();
  const width = Math.max(...names.map((n) => n.length));
  const lines = names.map((n) => {
    const e = zoo.entry(n);
    return `  ${n.padEnd(width)}  ${e.inputShape.join('x').padEnd(9)}  ${e.title}`;
  });
  return ['Zoo models (dnnkit summary MODEL):', ...lines, ''].join('\n');
}

/** Summarise a zoo model for the CLI options. */
export function summarizeZooModel(name: string, options: SummaryOptions): Summary {
  if (!zoo.has(name)) {
    throw new UsageError(`unknown model '${name}'; zoo models: ${zoo.list().join(', ')} (or run 'dnnkit summary' for the list)`);
  }
  const { image, batch } = resolveInput(name, options);
  const numClasses = options.numClasses !== undefined ? parseIntOption(options.numClasses, '--num-classes', 1) : undefined;
  const arch = zoo.arch(name, { inputShape: image, ...(numClasses !== undefined ? { numClasses } : {}) });
  return summary(arch, [batch, ...image], { name });
}

export function register(program: Command): void {
  program
    .command('summary')
    .argument('[model]', `zoo model (${zoo.list().join(', ')}); omit to list them`)
    .description('per-layer shape parameters (N C H W R S M P Q U), weights, MACs, activations and receptive field')
    .option('--input <dims>', 'input size NxCxHxW or CxHxW (default: the paper\'s)')
    .option('--batch <n>', 'batch size N (default 1)')
    .option('--num-classes <n>', 'classifier outputs (default: the paper\'s)')
    .option('--format <format>', `output format: ${FORMATS.join(', ')}`, 'table')
    .option('--json', 'the same as --format json')
    .option('--wide', 'table: show the whole decoder ring and every count (wider than 80 columns)')
    .addHelpText('after', '\nExamples:\n  dnnkit summary alexnet\n  dnnkit summary vgg16 --format markdown\n  dnnkit summary resnet50 --input 8x3x160x160 --json\n')
    .action((model: string | undefined, options: SummaryOptions) => {
      const format = (options.json ? 'json' : options.format ?? 'table') as SummaryFormat;
      if (!FORMATS.includes(format)) throw new UsageError(`--format: expected one of ${FORMATS.join(', ')}, got '${options.format}'`);
      if (model === undefined) {
        process.stdout.write(format === 'json'
          ? `${JSON.stringify(zoo.list().map((n) => ({ ...zoo.entry(n), arch: undefined, create: undefined })), null, 2)}\n`
          : listing());
        return;
      }
      const s = summarizeZooModel(model, options);
      process.stdout.write(formatSummary(s, format, { wide: options.wide ?? false }));
    });
}
