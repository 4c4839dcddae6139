/**
 * `dnnkit export CHECKPOINT --onnx out.onnx`: a model trained with `dnnkit train` (rebuilt from
 * the config its checkpoint holds) as an ONNX file for ONNX Runtime, PyTorch (onnx2torch) and
 * other frameworks. `--model NAME` exports a zoo architecture instead (PyTorch default
 * initialisation, seeded), e.g. to summarise or benchmark it elsewhere.
 */
import type { Command } from 'commander';
import { UsageError, parseDims, parseIntOption } from '../errors.js';
import { loadTrainedModel } from '../../train/load.js';
import { saveOnnx, toOnnxBytes } from '../../io/onnx/export.js';
import { loadOnnxBytes } from '../../io/onnx/load.js';
import { noGrad } from '../../autograd/graph.js';
import { randn } from '../../tensor/creation.js';
import { manualSeed } from '../../tensor/random.js';
import * as zoo from '../../models/zoo.js';
import type { Module } from '../../nn/module.js';

interface ExportOptions { onnx?: string; model?: string; input?: string; opset: string; seed: string; verify: boolean }

export function register(program: Command): void {
  program
    .command('export')
    .description('export a trained checkpoint (or a zoo model) as ONNX')
    .argument('[checkpoint]', 'checkpoint written by dnnkit train (or its run folder)')
    .requiredOption('--onnx <file>', 'the .onnx file to write')
    .option('--model <name>', `instead of a checkpoint: a zoo model (${zoo.list().join(', ')})`)
    .option('--input <dims>', "input shape, batch first (default: the checkpoint model's image size, 1x1x28x28; the zoo input for models)")
    .option('--opset <n>', 'ONNX opset version, 11 to 21', '13')
    .option('--seed <n>', 'with --model: seed of the random weights', '0')
    .option('--verify', 'reload the file and check it reproduces the model output', false)
    .action(async (checkpoint: string | undefined, o: ExportOptions) => {
      const opset = parseIntOption(o.opset, '--opset', 11, 21);
      if (!!checkpoint === !!o.model) throw new UsageError('give either a CHECKPOINT or --model NAME (not both)');
      let model: Module, inputShape: number[], what: string;
      if (o.model) {
        if (!zoo.has(o.model)) throw new UsageError(`--model: unknown model '${o.model}'; the zoo has ${zoo.list().join(', ')}`);
        const image = o.input ? parseDims(o.input, '--input') : [1, ...zoo.inputShape(o.model)];
        if (image.length !== 4) throw new UsageError(`--input: expected NxCxHxW, got ${o.input}`);
        manualSeed(parseIntOption(o.seed, '--seed', 0));
        model = zoo.create(o.model, { inputShape: image.slice(1) });
        inputShape = image;
        what = `zoo model ${o.model}`;
      } else {
        const trained = loadTrainedModel(checkpoint!);
        model = trained.model;
        const cfg = trained.settings.model;
        const size = cfg.imageSize ?? 28;
        inputShape = o.input ? parseDims(o.input, '--input') : [1, cfg.inChannels ?? 1, size, size];
        what = `${trained.file} (${trained.settings.model.name}, epoch ${trained.state.epoch})`;
      }
      model.eval();
      await saveOnnx(model, o.onnx!, { inputShape, opset });
      const params = model.parameters().reduce((s, p) => s + p.size, 0);
      const lines = [`${o.onnx}: ${what} as ONNX opset ${opset}, input [${inputShape.join(', ')}], ${params} parameters`];
      if (o.verify) {
        const x = randn(inputShape);
        const want = noGrad(() => model.call(x));
        const got = noGrad(() => loadOnnxBytes(toOnnxBytes(model, { inputShape, opset })).call(x));
        let err = 0;
        for (let i = 0; i < want.size; i++) err = Math.max(err, Math.abs(want.data[i]! - got.data[i]!));
        if (!(err <= 1e-5)) throw new Error(`verification failed: the reloaded model differs by up to ${err}`);
        lines.push(`verified: reloading the file reproduces the model output (max difference ${err})`);
      }
      process.stdout.write(lines.join('\n') + '\n');
    });
}
