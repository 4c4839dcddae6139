/**
 * `dnnkit run MODEL.onnx --input FILE [--output out.npy]`: run an ONNX model with dnnkit's ops.
 * The input is a .npy array (float or int, any dtype numpy writes) or an image (PNG/PGM,
 * converted to grayscale in [0, 1], resized to the model's declared H x W and repeated over
 * its channels). The output is written as .npy, or printed: the top-5 classes for a
 * classifier ([N, K] output), shape and statistics otherwise.
 */
import type { Command } from 'commander';
import { readFileSync, writeFileSync } from 'node:fs';
import { extname } from 'node:path';
import { UsageError, parseIntOption } from '../errors.js';
import { selectBackend } from '../../train/setup.js';
import { loadOnnx } from '../../io/onnx/load.js';
import type { OnnxModel } from '../../io/onnx/model.js';
import { decodeNpy, encodeNpy } from '../../io/npy.js';
import { decodePgm, decodePng } from '../../plot/png.js';
import { resizeGray } from './predict.js';
import { noGrad } from '../../autograd/graph.js';
import { softmax } from '../../ops/activation.js';
import { Tensor } from '../../tensor/tensor.js';

interface RunOptions { input: string; output?: string; top: string; backend?: string; json: boolean }

/** Read the input file as the tensor the model's first input takes. */
export function readInput(path: string, model: OnnxModel): Tensor {
  let bytes: Uint8Array;
  try { bytes = readFileSync(path); } catch (e) { throw new UsageError(`--input ${path}: ${(e as { code?: string }).code === 'ENOENT' ? 'no such file' : (e as Error).message}`); }
  const declared = model.inputInfo[0]?.shape ?? null;
  const ext = extname(path).toLowerCase();
  if (ext === '.npy') {
    const x = decodeNpy(bytes, path);
    // An unbatched array gets the batch dim the model declares.
    if (declared && x.ndim === declared.length - 1) return x.reshape([1, ...x.shape]);
    return x;
  }
  if (ext === '.png' || ext === '.pgm') {
    const img = ext === '.png' ? decodePng(bytes, path) : decodePgm(bytes, path);
    if (!declared || declared.length !== 4 || !declared.slice(1).every((d) => typeof d === 'number')) {
      throw new UsageError(`--input ${path}: an image needs a model with a declared [N, C, H, W] input; this one declares [${declared?.join(',') ?? '?'}] (give a .npy array instead)`);
    }
    const [C, H, W] = declared.slice(1) as number[];
    if (H !== W) throw new UsageError(`--input ${path}: the model takes ${H}x${W} images; only square inputs are resized (give a .npy array instead)`);
    const plane = resizeGray(img, H!);
    const data = new Float32Array(C! * H! * W!);
    for (let c = 0; c < C!; c++) data.set(plane, c * plane.length);
    return new Tensor(data, [1, C!, H!, W!]);
  }
  throw new UsageError(`--input ${path}: expected a .npy array or a .png/.pgm image`);
}

/** Top-k (index, probability, score) per row of a [N, K] output; softmax unless rows already are distributions. */
export function topK(y: Tensor, k: number): Array<Array<{ index: number; probability: number; score: number }>> {
  const [N, K] = y.shape as [number, number];
  let isDistribution = true;
  for (let n = 0; n < N && isDistribution; n++) {
    let s = 0;
    for (let j = 0; j < K; j++) { const v = y.data[n * K + j]!; if (v < 0) isDistribution = false; s += v; }
    if (Math.abs(s - 1) > 1e-3) isDistribution = false;
  }
  const p = isDistribution ? y : softmax(y, 1);
  return Array.from({ length: N }, (_, n) => Array.from({ length: K }, (_, j) => ({ index: j, probability: p.data[n * K + j]!, score: y.data[n * K + j]! }))
    .sort((a, b) => b.probability - a.probability).slice(0, k));
}

export function register(program: Command): void {
  program
    .command('run')
    .description('run an ONNX model on an input (.npy array or PNG/PGM image); print the top classes or write the output as .npy')
    .argument('<model>', 'the .onnx file')
    .requiredOption('--input <file>', 'input: .npy (batch dim optional) or .png/.pgm (grayscale, resized to the model input)')
    .option('--output <file>', 'write the (first) output as .npy instead of printing it')
    .option('--top <k>', 'classes to list for a classifier', '5')
    .option('--backend <name>', 'compute backend: wasm or reference')
    .option('--json', 'print the result as JSON', false)
    .action(async (path: string, o: RunOptions) => {
      const k = parseIntOption(o.top, '--top', 1, 1000);
      await selectBackend(o.backend, undefined);
      const model = await loadOnnx(path);
      const x = readInput(o.input, model);
      const t0 = performance.now();
      const outputs = noGrad(() => model.run({ [model.inputNames[0]!]: x }));
      const ms = performance.now() - t0;
      const [name, y] = Object.entries(outputs)[0]!;
      if (o.output) {
        writeFileSync(o.output, encodeNpy(y));
        process.stdout.write(`${o.output}: output '${name}' [${y.shape.join(', ')}] (${ms.toFixed(1)} ms)\n`);
        return;
      }
      const classifier = y.ndim === 2 && y.shape[1]! >= 2;
      if (o.json) {
        process.stdout.write(JSON.stringify(classifier
          ? { model: path, output: name, shape: y.shape, top: topK(y, k) }
          : { model: path, output: name, shape: y.shape, data: Array.from(y.data) }) + '\n');
        return;
      }
      const lines = [`${path}: input [${x.shape.join(', ')}] -> output '${name}' [${y.shape.join(', ')}] in ${ms.toFixed(1)} ms`];
      if (classifier) {
        topK(y, k).forEach((row, n) => {
          if (y.shape[0]! > 1) lines.push(`sample ${n}:`);
          lines.push('  rank  class  probability   score');
          row.forEach((r, i) => lines.push(`  ${String(i + 1).padStart(4)}  ${String(r.index).padStart(5)}  ${r.probability.toFixed(6).padStart(11)}  ${r.score.toPrecision(6).padStart(10)}`));
        });
      } else {
        let min = Infinity, max = -Infinity, sum = 0;
        for (const v of y.data) { min = Math.min(min, v); max = Math.max(max, v); sum += v; }
        lines.push(`  min ${min.toPrecision(6)}  max ${max.toPrecision(6)}  mean ${(sum / Math.max(1, y.size)).toPrecision(6)}`);
        lines.push(`  first values: ${Array.from(y.data.subarray(0, 8), (v) => v.toPrecision(5)).join(', ')}${y.size > 8 ? ', ...' : ''}`);
        lines.push('  (use --output out.npy to save it)');
      }
      process.stdout.write(lines.join('\n') + '\n');
    });
}
