/**
 * `dnnkit summary MODEL`: per-layer shape parameters, weights, MACs, activations and receptive
 * field of a zoo model, as a table, JSON, CSV or Markdown, with the definitions under it.
 *
 *   dnnkit summary alexnet
 *   dnnkit summary resnet50 --input 3x160x160 --batch 8 --format csv
 *   dnnkit summary model.onnx --input 3x224x224
 *   dnnkit summary                      # lists the zoo
 *   dnnkit summary --checkpoint runs/train-1 --data DIR   # + measured activation sparsity
 */
import type { Command } from 'commander';
import * as zoo from '../../models/zoo.js';
import { summary, type Summary } from '../../analysis/summary.js';
import { formatSummary, type SummaryFormat } from '../../analysis/format.js';
import { measureSparsity, type SparsityReport } from '../../analysis/sparsity.js';
import { UsageError, parseDims, parseIntOption } from '../errors.js';

const FORMATS: readonly SummaryFormat[] = ['table', 'json', 'csv', 'markdown'];

interface SummaryOptions {
  input?: string;
  batch?: string;
  format?: string;
  json?: boolean;
  wide?: boolean;
  numClasses?: string;
  checkpoint?: string;
  data?: string;
  limit?: string;
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
    const line = `  ${n.padEnd(width)}  ${e.inputShape.join('x').padEnd(9)}  ${e.title}`;
    return line.length <= 80 ? line : `${line.slice(0, 79)}…`;
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

/** The measured-sparsity report under the summary table. */
export function formatSparsity(r: SparsityReport, data: string): string {
  const pct = (v: number | null): string => (v === null ? '' : `${(100 * v).toFixed(1)}%`);
  const rows = r.layers.filter((l) => l.outputZeroFraction !== null || l.zeroMacShare !== null);
  const width = Math.max(5, ...rows.map((l) => l.name.length));
  const lines = [
    `Measured sparsity on ${r.images} images`, `  from ${data}:`,
    `${'layer'.padEnd(width)}  type  ${'zero outputs'.padStart(12)}  ${'zero-operand MACs'.padStart(17)}`,
    ...rows.map((l) => `${l.name.padEnd(width)}  ${l.type.padEnd(4)}  ${pct(l.outputZeroFraction).padStart(12)}  ${pct(l.zeroMacShare).padStart(17)}`),
    '',
    `MACs whose activation operand is zero: ${(100 * r.zeroMacShare).toFixed(1)}% of all CONV/FC MACs`,
    '* zero outputs: fraction of an activation layer\'s outputs that are exactly 0 (ReLU sparsity).',
    '* zero-operand MACs: share of the layer\'s MACs whose input activation is 0 (zero padding',
    '  included): the work a zero-skipping accelerator could avoid.',
  ];
  return `${lines.join('\n')}\n`;
}

/** An .onnx file: import it (src/io/onnx) and summarise it by running it on zeros. */
async function onnxSummary(path: string, options: SummaryOptions): Promise<Summary> {
  const { loadOnnx } = await import('../../io/onnx/load.js');
  await import('../../backends/wasm/index.js');
  const model = await loadOnnx(path);
  const declared = model.inputInfo[0]?.shape ?? null;
  let batch = options.batch !== undefined ? parseIntOption(options.batch, '--batch', 1, 1_000_000) : undefined;
  let image: number[] | null = null;
  if (options.input !== undefined) {
    const dims = parseDims(options.input, '--input');
    if (dims.length === 4) { image = dims.slice(1); batch ??= dims[0]!; } else image = dims;
  } else if (declared && declared.length >= 2 && declared.slice(1).every((d) => typeof d === 'number' && d > 0)) {
    image = declared.slice(1) as number[];
    if (batch === undefined && typeof declared[0] === 'number' && declared[0] > 0) batch = declared[0];
  }
  if (image === null) {
    throw new UsageError(`${path}: the model declares input ${declared ? `[${declared.join(', ')}]` : 'without a shape'}; give --input CxHxW`);
  }
  return summary(model, [batch ?? 1, ...image], { name: path });
}

/** `--checkpoint`: the trained model's summary and its sparsity on real test images. */
async function checkpointReport(model: string | undefined, options: SummaryOptions, format: SummaryFormat): Promise<string> {
  // Training code (and its node:fs data loading) is only needed here.
  const { loadTrainedModel } = await import('../../train/load.js');
  const { makeLoaders } = await import('../../train/setup.js');
  await import('../../backends/wasm/index.js');
  const trained = loadTrainedModel(options.checkpoint!);
  const name = trained.settings.model.name;
  if (model !== undefined && model !== name) {
    throw new UsageError(`--checkpoint ${trained.file} holds a ${name}, not a ${model}`);
  }
  const limit = options.limit !== undefined ? parseIntOption(options.limit, '--limit', 1) : 500;
  const loaders = makeLoaders({ ...trained.settings, dataDir: options.data ?? trained.settings.dataDir, limit: 1, testLimit: limit });
  const batches = (function* () { for (const b of loaders.test) yield b.x; })();
  const first = loaders.test[Symbol.iterator]().next();
  if (first.done) throw new Error(`no test images found in ${loaders.data.source.dir}`);
  const shape = [options.batch !== undefined ? parseIntOption(options.batch, '--batch', 1) : 1, ...first.value.x.shape.slice(1)];
  const s = summary(trained.model, shape, { name: `${name} (${trained.file})` });
  const report = measureSparsity(trained.model, batches);
  if (format === 'json') return `${JSON.stringify({ ...s, sparsity: report }, null, 2)}\n`;
  return `${formatSummary(s, format, { wide: options.wide ?? false })}\n${formatSparsity(report, loaders.data.source.description)}`;
}

export function register(program: Command): void {
  program
    .command('summary')
    .argument('[model]', `zoo model (${zoo.list().join(', ')}) or an .onnx file; omit to list the zoo`)
    .description('per-layer shape parameters (N C H W R S M P Q U), weights, MACs, activations and receptive field')
    .option('--input <dims>', 'input size NxCxHxW or CxHxW (default: the paper\'s)')
    .option('--batch <n>', 'batch size N (default 1)')
    .option('--num-classes <n>', 'classifier outputs (default: the paper\'s)')
    .option('--format <format>', `output format: ${FORMATS.join(', ')}`, 'table')
    .option('--json', 'the same as --format json')
    .option('--wide', 'table: show the whole decoder ring and every count (wider than 80 columns)')
    .option('--checkpoint <file>', 'a dnnkit train checkpoint (or run folder): summarise it and measure activation sparsity')
    .option('--data <dir>', 'with --checkpoint: the dataset folder (default: the one it was trained on, or the bundled sample)')
    .option('--limit <n>', 'with --checkpoint: test images to run (default 500)')
    .addHelpText('after', '\nExamples:\n  dnnkit summary alexnet\n  dnnkit summary vgg16 --format markdown\n  dnnkit summary resnet50 --input 8x3x160x160 --json\n  dnnkit summary --checkpoint runs/train-1 --data /usr/share/datasets/fashion-mnist\n')
    .action(async (model: string | undefined, options: SummaryOptions) => {
      const format = (options.json ? 'json' : options.format ?? 'table') as SummaryFormat;
      if (!FORMATS.includes(format)) throw new UsageError(`--format: expected one of ${FORMATS.join(', ')}, got '${options.format}'`);
      if (options.checkpoint !== undefined) {
        if (options.input !== undefined) throw new UsageError('--input does not apply with --checkpoint (the input is the dataset\'s images)');
        process.stdout.write(await checkpointReport(model, options, format));
        return;
      }
      if (options.data !== undefined || options.limit !== undefined) throw new UsageError('--data and --limit go with --checkpoint');
      if (model === undefined) {
        process.stdout.write(format === 'json'
          ? `${JSON.stringify(zoo.list().map((n) => ({ ...zoo.entry(n), arch: undefined, create: undefined })), null, 2)}\n`
          : listing());
        return;
      }
      const s = /\.onnx$/i.test(model) && !zoo.has(model) ? await onnxSummary(model, options) : summarizeZooModel(model, options);
      process.stdout.write(formatSummary(s, format, { wide: options.wide ?? false }));
    });
}
