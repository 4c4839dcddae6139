/**
 * `dnnkit predict --checkpoint F (--image PATH | --index I)`: the class and the probabilities
 * a trained model gives one image — a PNG or PGM file (converted to 28×28 grayscale, inverted
 * when its background is light, since Fashion-MNIST has light objects on black), or test-set
 * image I.
 */
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { UsageError, parseIntOption } from '../errors.js';
import { loadTrainedModel } from '../../train/load.js';
import { makeLoaders, selectBackend } from '../../train/setup.js';
import { noGrad } from '../../autograd/graph.js';
import { softmax } from '../../ops/activation.js';
import { Tensor } from '../../tensor/tensor.js';
import { Generator } from '../../tensor/random.js';
import { decodePgm, decodePng, type GrayImage } from '../../plot/png.js';

interface PredictOptions { checkpoint?: string; image?: string; index?: string; data?: string; invert?: boolean; backend?: string; top: string; json: boolean }

/** Resize a grayscale image to size×size by area averaging (box filter). */
export function resizeGray(img: GrayImage, size: number): Float32Array {
  const out = new Float32Array(size * size);
  const sx = img.width / size, sy = img.height / size;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const x0 = x * sx, x1 = (x + 1) * sx, y0 = y * sy, y1 = (y + 1) * sy;
      let sum = 0, area = 0;
      for (let yy = Math.floor(y0); yy < Math.ceil(y1); yy++) {
        const wy = Math.min(yy + 1, y1) - Math.max(yy, y0);
        for (let xx = Math.floor(x0); xx < Math.ceil(x1); xx++) {
          const wx = Math.min(xx + 1, x1) - Math.max(xx, x0);
          sum += img.gray[yy * img.width + xx]! * wx * wy;
          area += wx * wy;
        }
      }
      out[y * size + x] = sum / area / 255;
    }
  }
  return out;
}

/** Mean of the border pixels (0..1): a light border means a light background. */
function borderMean(p: Float32Array, size: number): number {
  let s = 0, n = 0;
  for (let i = 0; i < size; i++) {
    for (const k of [i, (size - 1) * size + i, i * size, i * size + size - 1]) { s += p[k]!; n++; }
  }
  return s / n;
}

export function register(program: Command): void {
  program
    .command('predict')
    .description('classify one image (PNG/PGM file or test-set index) with a trained checkpoint')
    .requiredOption('--checkpoint <file>', 'checkpoint written by dnnkit train (or its run folder)')
    .option('--image <path>', 'a .png or .pgm image (any size; converted to 28x28 grayscale)')
    .option('--index <i>', 'test-set image number i')
    .option('--data <dir>', 'folder with the IDX files, for --index (default: where the run found them)')
    .option('--invert', 'invert the image (default: automatic, when the background is light)')
    .option('--no-invert', 'never invert the image')
    .option('--top <k>', 'how many classes to list', '10')
    .option('--backend <name>', 'compute backend: wasm or reference')
    .option('--json', 'print the result as JSON', false)
    .action(async (o: PredictOptions) => {
      if ((o.image === undefined) === (o.index === undefined)) throw new UsageError('give exactly one of --image PATH or --index I');
      await selectBackend(o.backend, undefined);
      const { model, settings, file, classes } = loadTrainedModel(o.checkpoint!);
      if (settings.model.name !== 'fashion-cnn') throw new UsageError(`--checkpoint ${file}: predict needs a classifier; this is a ${settings.model.name}`);
      const size = 28;
      let pixels: Float32Array;
      let source: string, actual: string | null = null;
      const loaders = makeLoaders({ ...settings, dataDir: o.data ?? settings.dataDir, limit: 1, testLimit: null });
      if (o.index !== undefined) {
        const i = parseIntOption(o.index, '--index', 0, loaders.testSet.length - 1);
        const ex = loaders.testSet.get(i);
        pixels = ex.image;
        actual = classes[ex.label] ?? String(ex.label);
        source = `test image ${i} of ${loaders.data.source.dir}`;
      } else {
        const path = o.image!;
        let bytes: Buffer;
        try { bytes = readFileSync(path); } catch (e) { throw new Error(`${path}: cannot read image (${(e as NodeJS.ErrnoException).code ?? String(e)})`); }
        const img = bytes[0] === 0x89 ? decodePng(bytes, path) : bytes[0] === 0x50 ? decodePgm(bytes, path) : null;
        if (!img) throw new UsageError(`--image ${path}: expected a PNG or PGM (P2/P5) file`);
        pixels = resizeGray(img, size);
        const light = borderMean(pixels, size) > 0.5;
        const invert = o.invert ?? light;
        if (invert) for (let k = 0; k < pixels.length; k++) pixels[k] = 1 - pixels[k]!;
        source = `${path} (${img.width}x${img.height}${img.width !== size || img.height !== size ? ` resized to ${size}x${size}` : ''}${invert ? ', inverted' : ''})`;
      }
      const x = new Tensor(loaders.normalize(pixels, [1, size, size], new Generator(0)), [1, 1, size, size]);
      const probs = noGrad(() => softmax(model.call(x), -1)).data;
      const ranked = Array.from(probs, (p, k) => ({ class: classes[k] ?? String(k), index: k, probability: p })).sort((a, b) => b.probability - a.probability);
      const top = parseIntOption(o.top, '--top', 1, classes.length);
      if (o.json) {
        process.stdout.write(JSON.stringify({ source, prediction: ranked[0], actual, probabilities: ranked.slice(0, top) }, null, 1) + '\n');
        return;
      }
      const lines = [`${source}: ${ranked[0]!.class} (${(100 * ranked[0]!.probability).toFixed(1)}%)${actual !== null ? `, actual ${actual}` : ''}`];
      for (const r of ranked.slice(0, top)) lines.push(`  ${String(r.index).padStart(2)} ${r.class.padEnd(12)} ${(100 * r.probability).toFixed(2).padStart(6)}%  ${'#'.repeat(Math.round(r.probability * 30))}`);
      process.stdout.write(lines.join('\n') + '\n');
    });
}
