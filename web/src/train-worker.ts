/**
 * The training Web Worker: loads the Fashion-MNIST sample (gzip IDX files served beside the
 * app, parsed with dnnkit's IDX reader), builds the default CNN and trains it with dnnkit's
 * autograd and optimizers on the fastest backend, step by step, so the page stays responsive
 * and a pause or a feature-map request is answered between two steps.
 */
import { parseIdx } from '../../src/data/idx.js';
import { ByteImageDataset } from '../../src/data/dataset.js';
import { DataLoader, type Batch } from '../../src/data/dataloader.js';
import { normalize } from '../../src/data/transforms.js';
import { FASHION_MNIST_CLASSES, PIXEL_STATS } from '../../src/data/fashion-mnist.js';
import { fashionCnn } from '../../src/train/default-model.js';
import { Adam } from '../../src/optim/adam.js';
import { SGD } from '../../src/optim/sgd.js';
import type { Optimizer } from '../../src/optim/optimizer.js';
import type { Sequential } from '../../src/nn/container.js';
import { crossEntropy } from '../../src/ops/loss.js';
import { softmax } from '../../src/ops/activation.js';
import { argmax } from '../../src/ops/reduce.js';
import { noGrad } from '../../src/autograd/graph.js';
import { manualSeed } from '../../src/tensor/random.js';
import { tensor } from '../../src/tensor/creation.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { setThreads } from '../../src/backends/wasm/index.js';
import { setBackend } from '../../src/backends/registry.js';
import { useFastestBackend, backendNote } from './backend.js';
import type { FeatureLayer, FromWorker, GalleryItem, ToWorker, TrainSettings } from './train-protocol.js';

const scope = globalThis as unknown as {
  postMessage(m: FromWorker, transfer?: Transferable[]): void;
  onmessage: ((e: MessageEvent<ToWorker>) => void) | null;
};
const post = (m: FromWorker, transfer?: Transferable[]): void => scope.postMessage(m, transfer);

/** Test images evaluated every EVAL_EVERY steps (a fixed, class-balanced slice of the test set). */
const EVAL_IMAGES = 200;
const EVAL_EVERY = 10;
const GALLERY = 16;
const SIDE = 28;

interface Run {
  model: Sequential;
  optimizer: Optimizer<never>;
  train: DataLoader;
  test: ByteImageDataset;
  norm: (image: Float32Array) => Float32Array;
  batches: Iterator<Batch>;
  epoch: number;
  step: number;
  running: boolean;
}

let run: Run | null = null;
let loading: Promise<Run> | null = null;

async function fetchIdx(file: string): Promise<ReturnType<typeof parseIdx>> {
  const url = new URL(`../data/fashion-mnist-sample/${file}`, import.meta.url);
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url.pathname}: HTTP ${res.status}`);
  // The browser inflates the gzip stream; dnnkit's IDX reader checks and parses the bytes.
  const body = file.endsWith('.gz') ? res.body!.pipeThrough(new DecompressionStream('gzip')) : res.body!;
  const bytes = new Uint8Array(await new Response(body).arrayBuffer());
  return parseIdx(bytes, url.pathname);
}

async function dataset(images: string, labels: string, name: string): Promise<ByteImageDataset> {
  const [x, y] = await Promise.all([fetchIdx(images), fetchIdx(labels)]);
  if (x.shape.length !== 3 || y.shape.length !== 1 || x.shape[0] !== y.shape[0]) {
    throw new Error(`${name}: images ${JSON.stringify(x.shape)} and labels ${JSON.stringify(y.shape)} do not match`);
  }
  return new ByteImageDataset(x.data as Uint8Array, y.data as Uint8Array, [1, x.shape[1]!, x.shape[2]!], name);
}

async function init(settings: TrainSettings): Promise<Run> {
  let backend = await useFastestBackend();
  if (settings.backend === 'reference') backend = (setBackend('reference'), 'reference');
  // Leave one core to the page (and the rest of the browser) so it stays responsive while the
  // kernels' thread pool keeps the others busy.
  if (backend === 'wasm') setThreads(Math.max(1, (navigator.hardwareConcurrency || 2) - 1));
  const [trainSet, testSet] = await Promise.all([
    dataset('train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 'train'),
    dataset('t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz', 'test'),
  ]);
  const { mean, std } = PIXEL_STATS['fashion-mnist'];
  const transform = normalize(mean, std);
  manualSeed(settings.seed);
  const model = fashionCnn({ activation: 'relu', batchNorm: true });
  const params = model.parameters();
  const optimizer = (settings.optimizer === 'sgd'
    ? new SGD(params, { lr: settings.lr, momentum: 0.9 })
    : new Adam(params, { lr: settings.lr })) as unknown as Optimizer<never>;
  const train = new DataLoader(trainSet, { batchSize: settings.batchSize, shuffle: true, seed: settings.seed, transform, dropLast: true });
  const shape = [1, SIDE, SIDE] as const;
  const r: Run = {
    model, optimizer, train, test: testSet,
    norm: (image) => transform(image, shape, undefined as never),
    batches: train.epoch(0)[Symbol.iterator](), epoch: 0, step: 0, running: false,
  };
  post({
    type: 'ready', backend, backendNote: settings.backend === 'reference' ? 'chosen in the settings' : backendNote(), trainCount: trainSet.length, testCount: testSet.length,
    classes: [...FASHION_MNIST_CLASSES], parameters: params.reduce((a, p) => a + p.size, 0), model: 'fashion-cnn',
  });
  return r;
}

function nextBatch(r: Run): Batch {
  let it = r.batches.next();
  if (it.done) {
    r.epoch++;
    r.batches = r.train.epoch(r.epoch)[Symbol.iterator]();
    it = r.batches.next();
  }
  return it.value as Batch;
}

function trainStep(r: Run): void {
  const t0 = performance.now();
  const batch = nextBatch(r);
  r.model.train();
  const logits = r.model.call(batch.x);
  const loss = crossEntropy(logits, batch.y);
  r.optimizer.zeroGrad();
  loss.backward();
  r.optimizer.step();
  r.step++;
  const predicted = argmax(logits, 1).data;
  let correct = 0;
  for (let i = 0; i < batch.labels.length; i++) if (predicted[i] === batch.labels[i]) correct++;
  post({
    type: 'step', step: r.step, epoch: r.epoch, loss: loss.item(), accuracy: correct / batch.labels.length,
    msPerStep: performance.now() - t0,
  });
}

/** A batch of test images [n, 1, 28, 28], normalised. */
function testBatch(r: Run, indices: number[]): Tensor {
  const data = new Float32Array(indices.length * SIDE * SIDE);
  indices.forEach((i, k) => data.set(r.norm(r.test.get(i).image), k * SIDE * SIDE));
  return tensor(data, [indices.length, 1, SIDE, SIDE]);
}

/** Test loss and accuracy on a fixed slice, and the gallery's predictions. */
function evaluate(r: Run): void {
  // Every (length/EVAL_IMAGES)-th test image: all classes, the same images every time.
  const stride = Math.max(1, Math.floor(r.test.length / EVAL_IMAGES));
  const indices = Array.from({ length: Math.min(EVAL_IMAGES, r.test.length) }, (_, k) => k * stride);
  r.model.eval();
  const { loss, predicted } = noGrad(() => {
    const logits = r.model.call(testBatch(r, indices));
    const labels = tensor(indices.map((i) => r.test.labels[i]!));
    return { loss: crossEntropy(logits, labels).item(), predicted: argmax(logits, 1).data };
  });
  let correct = 0;
  indices.forEach((i, k) => { if (predicted[k] === r.test.labels[i]) correct++; });
  const gallery: GalleryItem[] = indices.slice(0, GALLERY).map((i, k) => ({
    index: i, label: r.test.labels[i]!, predicted: predicted[k]!,
    pixels: r.test.bytes.slice(i * SIDE * SIDE, (i + 1) * SIDE * SIDE),
  }));
  post({ type: 'eval', step: r.step, testLoss: loss, testAccuracy: correct / indices.length, gallery });
}

/** Each layer's output for one image (batch of one, eval mode), and the class probabilities. */
function features(r: Run, input: Tensor): { layers: FeatureLayer[]; probabilities: number[] } {
  r.model.eval();
  return noGrad(() => {
    const layers: FeatureLayer[] = [];
    let x = input;
    for (const [name, layer] of r.model.namedChildren()) {
      x = layer.call(x);
      if (x.ndim === 4) {
        layers.push({ name: `${name}: ${layer.constructor.name}`, shape: x.shape.slice(1), data: Float32Array.from(x.data) });
      }
    }
    return { layers, probabilities: Array.from(softmax(x, 1).data) };
  });
}

function classify(r: Run, pixels: Float32Array): number[] {
  r.model.eval();
  return noGrad(() => Array.from(softmax(r.model.call(tensor(r.norm(pixels), [1, 1, SIDE, SIDE])), 1).data));
}

/** Train until paused, one step per task, so messages are handled between steps. */
function loop(r: Run): void {
  if (!r.running) return;
  try {
    trainStep(r);
    if (r.step % EVAL_EVERY === 0) evaluate(r);
  } catch (err) {
    r.running = false;
    post({ type: 'state', running: false });
    post({ type: 'error', message: err instanceof Error ? err.message : String(err) });
    return;
  }
  setTimeout(() => loop(r), 0);
}

async function handle(msg: ToWorker): Promise<void> {
  switch (msg.type) {
    case 'init':
      loading = init(msg.settings);
      run = await loading;
      evaluate(run);
      return;
    case 'start': {
      const r = run ?? await loading;
      if (!r || r.running) return;
      r.running = true;
      post({ type: 'state', running: true });
      loop(r);
      return;
    }
    case 'pause':
      if (run) {
        run.running = false;
        post({ type: 'state', running: false });
        evaluate(run);
      }
      return;
    case 'features': {
      const r = run ?? await loading;
      if (!r) return;
      const input = msg.pixels ? tensor(r.norm(msg.pixels), [1, 1, SIDE, SIDE]) : testBatch(r, [msg.index ?? 0]);
      const out = features(r, input);
      post({ type: 'features', id: msg.id, ...out }, out.layers.map((l) => l.data.buffer));
      return;
    }
    case 'classify': {
      const r = run ?? await loading;
      if (!r) return;
      post({ type: 'classify', id: msg.id, probabilities: classify(r, msg.pixels) });
      return;
    }
  }
}

scope.onmessage = (e) => {
  handle(e.data).catch((err: unknown) => post({ type: 'error', message: err instanceof Error ? err.message : String(err) }));
};
