/**
 * Train in the page: the controls, charts, gallery, feature maps and drawing canvas. All the
 * work — data, model, training, inference — happens in train-worker.ts; this thread only draws,
 * so it answers clicks at once while the model trains.
 */
import { DEFAULT_LR } from '../../src/train/setup.js';
import { lineChart } from './charts.js';
import { byId, el, fmt, setStatus } from './dom.js';
import { showBackendName } from './backend.js';
import type { FeatureLayer, FromWorker, GalleryItem, ToWorker, TrainSettings } from './train-protocol.js';

const SIDE = 28;
const FMAPS_PER_LAYER = 16;

const $ = {
  optimizer: byId<HTMLSelectElement>('optimizer'),
  backend: byId<HTMLSelectElement>('backend'),
  lr: byId<HTMLInputElement>('lr'),
  batchSize: byId<HTMLInputElement>('batch-size'),
  seed: byId<HTMLInputElement>('seed'),
  start: byId<HTMLButtonElement>('start'),
  reset: byId<HTMLButtonElement>('reset'),
  status: byId('status'),
  numbers: byId('numbers'),
  lossChart: byId('loss-chart'),
  accChart: byId('acc-chart'),
  gallery: byId('gallery'),
  galleryStep: byId('gallery-step'),
  draw: byId<HTMLCanvasElement>('draw'),
  clear: byId<HTMLButtonElement>('clear'),
  copy: byId<HTMLButtonElement>('copy'),
  classify: byId<HTMLButtonElement>('classify'),
  probs: byId('probs'),
  fmaps: byId('fmaps'),
  fmapsOf: byId('fmaps-of'),
};

let worker: Worker | null = null;
let classes: string[] = [];
let running = false;
let ready = false;
/** The chosen test image (index into the test set), for feature maps and copying. */
let chosen: GalleryItem | null = null;
let gallery: GalleryItem[] = [];
let requestId = 0;
const history = {
  loss: [] as Array<[number, number]>, acc: [] as Array<[number, number]>,
  testLoss: [] as Array<[number, number]>, testAcc: [] as Array<[number, number]>,
};
let last = { step: 0, epoch: 0, loss: NaN, accuracy: NaN, msPerStep: NaN, testLoss: NaN, testAccuracy: NaN };

function send(msg: ToWorker, transfer: Transferable[] = []): void {
  // The latest request, so a test (or a slow machine's user) can tell a stale answer from the new one.
  if ('id' in msg) document.documentElement.dataset.request = String(msg.id);
  worker?.postMessage(msg, transfer);
}

function readSettings(): TrainSettings {
  const lr = Number($.lr.value), batchSize = Number($.batchSize.value), seed = Number($.seed.value);
  if (!(lr > 0 && lr <= 1)) throw new Error(`learning rate must be in (0, 1], got '${$.lr.value}'`);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 256) throw new Error(`batch size must be an integer in [1, 256], got '${$.batchSize.value}'`);
  if (!Number.isInteger(seed) || seed < 0) throw new Error(`seed must be a non-negative integer, got '${$.seed.value}'`);
  return { optimizer: $.optimizer.value as TrainSettings['optimizer'], lr, batchSize, seed, backend: $.backend.value as TrainSettings['backend'] };
}

/** Start a fresh worker with a new model (the old one, if any, is terminated). */
function newModel(): void {
  let settings: TrainSettings;
  try {
    settings = readSettings();
  } catch (err) {
    setStatus($.status, (err as Error).message, 'error');
    return;
  }
  worker?.terminate();
  ready = false;
  running = false;
  history.loss = []; history.acc = []; history.testLoss = []; history.testAcc = [];
  last = { step: 0, epoch: 0, loss: NaN, accuracy: NaN, msPerStep: NaN, testLoss: NaN, testAccuracy: NaN };
  drawCharts();
  drawNumbers();
  updateStart();
  setStatus($.status, 'Loading the data and the model…');
  worker = new Worker(new URL('./train-worker.js', import.meta.url), { type: 'module', name: 'dnnkit-train' });
  worker.onmessage = (e: MessageEvent<FromWorker>) => onMessage(e.data);
  worker.onerror = (e) => setStatus($.status, `training worker: ${e.message || 'failed to start'}`, 'error');
  send({ type: 'init', settings });
}

function onMessage(m: FromWorker): void {
  switch (m.type) {
    case 'ready':
      ready = true;
      classes = m.classes;
      showBackendName(m.backend, m.backendNote);
      setStatus($.status, `Ready: ${m.model}, ${m.parameters.toLocaleString('en-US')} parameters; ${m.trainCount} training and ${m.testCount} test images; backend ${m.backend}.`);
      updateStart();
      document.documentElement.dataset.ready = 'true';
      return;
    case 'step':
      last = { ...last, step: m.step, epoch: m.epoch, loss: m.loss, accuracy: m.accuracy, msPerStep: m.msPerStep };
      history.loss.push([m.step, m.loss]);
      history.acc.push([m.step, m.accuracy]);
      scheduleDraw();
      return;
    case 'eval':
      last = { ...last, testLoss: m.testLoss, testAccuracy: m.testAccuracy };
      history.testLoss.push([m.step, m.testLoss]);
      history.testAcc.push([m.step, m.testAccuracy]);
      gallery = m.gallery;
      drawGallery();
      // Which model state the predictions are from (the model moves on while training).
      $.gallery.dataset.step = String(m.step);
      $.galleryStep.textContent = `Predictions of the model at step ${m.step}.`;
      scheduleDraw();
      return;
    case 'state':
      running = m.running;
      updateStart();
      return;
    case 'features':
      drawFeatures(m.layers);
      $.fmaps.dataset.request = String(m.id);
      drawProbabilities(m.probabilities);
      return;
    case 'classify':
      drawProbabilities(m.probabilities);
      return;
    case 'error':
      setStatus($.status, m.message, 'error');
      return;
  }
}

function updateStart(): void {
  $.start.disabled = !ready;
  $.start.textContent = running ? 'Pause' : last.step > 0 ? 'Resume training' : 'Start training';
  $.start.setAttribute('aria-pressed', String(running));
  document.documentElement.dataset.training = String(running);
}

// ---------------------------------------------------------------------------------------------
// Drawing, at most once per frame however fast steps arrive.

let drawPending = false;
function scheduleDraw(): void {
  if (drawPending) return;
  drawPending = true;
  requestAnimationFrame(() => {
    drawPending = false;
    drawCharts();
    drawNumbers();
  });
}

function drawCharts(): void {
  const smooth = (pts: Array<[number, number]>, k = 10): Array<[number, number]> =>
    pts.map(([x], i) => {
      const w = pts.slice(Math.max(0, i - k + 1), i + 1);
      return [x, w.reduce((a, p) => a + p[1], 0) / w.length] as [number, number];
    });
  $.lossChart.replaceChildren(lineChart([
    { name: 'training loss (10-step mean)', points: smooth(history.loss) },
    { name: 'test loss', points: history.testLoss, alt: true },
  ], { label: 'Loss over training steps', height: 180 }));
  // The raw numbers, for tests and for anyone who wants to copy them out of the page.
  $.lossChart.dataset.losses = JSON.stringify(history.loss.map((p) => p[1]));
  $.accChart.replaceChildren(lineChart([
    { name: 'training accuracy (10-step mean)', points: smooth(history.acc) },
    { name: 'test accuracy', points: history.testAcc, alt: true },
  ], { label: 'Accuracy over training steps', yMax: 1, height: 180 }));
}

function drawNumbers(): void {
  const item = (label: string, id: string, value: number, text: string): HTMLElement =>
    el('div', {}, `${label}: `, el('span', { id, 'data-value': Number.isFinite(value) ? String(value) : undefined }, text));
  $.numbers.replaceChildren(
    item('step', 'step', last.step, `${last.step} (epoch ${last.epoch + 1})`),
    item('batch loss', 'loss', last.loss, Number.isFinite(last.loss) ? fmt(last.loss) : '—'),
    item('test accuracy', 'test-accuracy', last.testAccuracy, Number.isFinite(last.testAccuracy) ? `${(100 * last.testAccuracy).toFixed(1)}%` : '—'),
    item('time per step', 'ms-per-step', last.msPerStep, Number.isFinite(last.msPerStep) ? `${last.msPerStep.toFixed(0)} ms` : '—'),
  );
}

function grayCanvas(pixels: ArrayLike<number>, w: number, h: number, scale: (v: number) => number): HTMLCanvasElement {
  const c = el('canvas', { width: w, height: h });
  const ctx = c.getContext('2d')!;
  const img = ctx.createImageData(w, h);
  for (let i = 0; i < w * h; i++) {
    const v = scale(pixels[i]!);
    img.data[4 * i] = img.data[4 * i + 1] = img.data[4 * i + 2] = v;
    img.data[4 * i + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
  return c;
}

function drawGallery(): void {
  const buttons = gallery.map((g) => {
    const right = g.predicted === g.label;
    const canvas = grayCanvas(g.pixels, SIDE, SIDE, (v) => v);
    canvas.setAttribute('aria-hidden', 'true');
    const b = el('button', {
      type: 'button', 'aria-pressed': String(chosen?.index === g.index), 'data-index': g.index,
      'aria-label': `Test image ${g.index}: ${classes[g.label]}, predicted ${classes[g.predicted]}`,
    }, canvas, el('span', {}, classes[g.label] ?? ''), el('span', { class: right ? 'right' : 'wrong' }, `${right ? '✓' : '✗'} ${classes[g.predicted] ?? ''}`));
    b.addEventListener('click', () => choose(g));
    return b;
  });
  $.gallery.replaceChildren(...buttons);
}

function choose(g: GalleryItem): void {
  chosen = g;
  $.gallery.querySelectorAll('button').forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.index === String(g.index))));
  $.fmapsOf.textContent = `Test image ${g.index} (${classes[g.label]}): each layer's output channels (first ${FMAPS_PER_LAYER} per layer).`;
  send({ type: 'features', index: g.index, id: ++requestId });
}

/**
 * Each layer's first channels as tiles of one canvas per layer (one 2-D context per layer, not
 * per channel: creating contexts is what costs on the page's thread), each tile scaled to its
 * own min..max.
 */
function drawFeatures(layers: FeatureLayer[]): void {
  $.fmaps.replaceChildren(...layers.map((l) => {
    const [C, H, W] = l.shape as [number, number, number];
    const shown = Math.min(C, FMAPS_PER_LAYER);
    const cols = 8, rows = Math.ceil(shown / cols), gap = 1;
    const width = cols * (W + gap) - gap, height = rows * (H + gap) - gap;
    const canvas = el('canvas', { width, height, class: 'fmap-grid', 'data-channels': shown,
      role: 'img', 'aria-label': `${l.name}: the first ${shown} of ${C} feature maps of ${H} by ${W}` });
    const g = canvas.getContext('2d')!;
    const img = g.createImageData(width, height);
    img.data.fill(255);  // white gaps between tiles
    for (let c = 0; c < shown; c++) {
      const plane = l.data.subarray(c * H * W, (c + 1) * H * W);
      let lo = Infinity, hi = -Infinity;
      for (const v of plane) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
      const span = hi - lo || 1;
      const x0 = (c % cols) * (W + gap), y0 = Math.floor(c / cols) * (H + gap);
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          const v = Math.round((255 * (plane[y * W + x]! - lo)) / span);
          const o = 4 * ((y0 + y) * width + x0 + x);
          img.data[o] = img.data[o + 1] = img.data[o + 2] = v;
        }
      }
    }
    g.putImageData(img, 0, 0);
    return el('div', { class: 'fmap-layer' }, el('div', { class: 'mono' }, `${l.name} — ${C}×${H}×${W}`), canvas);
  }));
}

function drawProbabilities(p: number[]): void {
  const best = p.indexOf(Math.max(...p));
  $.probs.replaceChildren(...p.map((v, i) => el('li', { class: i === best ? 'best' : undefined, 'data-class': i },
    el('span', {}, classes[i] ?? String(i)),
    el('meter', { min: 0, max: 1, value: v, 'aria-label': `${classes[i]} probability` }),
    el('span', {}, `${(100 * v).toFixed(0)}%`))));
  $.probs.dataset.best = String(best);
}

// ---------------------------------------------------------------------------------------------
// The drawing canvas: pointer input (mouse, pen, touch), white strokes on black, read back at
// 28×28 by letting the browser downscale it.

const ctx = $.draw.getContext('2d', { willReadFrequently: true })!;
function clearCanvas(): void {
  ctx.fillStyle = '#000';
  ctx.fillRect(0, 0, $.draw.width, $.draw.height);
}

/**
 * The canvas at 28×28: the mean of each 7×7 block of the red channel, so a copied test image
 * comes back exactly and a drawn stroke is anti-aliased.
 */
function canvasPixels(): Float32Array {
  const k = $.draw.width / SIDE;
  const rgba = ctx.getImageData(0, 0, $.draw.width, $.draw.height).data;
  const out = new Float32Array(SIDE * SIDE);
  for (let y = 0; y < $.draw.height; y++) {
    for (let x = 0; x < $.draw.width; x++) {
      out[Math.floor(y / k) * SIDE + Math.floor(x / k)]! += rgba[4 * (y * $.draw.width + x)]!;
    }
  }
  for (let i = 0; i < out.length; i++) out[i] = out[i]! / (k * k * 255);
  return out;
}

function classifyDrawing(): void {
  if (!ready) return;
  const pixels = canvasPixels();
  $.fmapsOf.textContent = `Your drawing: each layer's output channels (first ${FMAPS_PER_LAYER} per layer).`;
  send({ type: 'features', pixels, id: ++requestId }, [pixels.buffer]);
}

let drawing = false;
let lastPoint: [number, number] | null = null;
function point(e: PointerEvent): [number, number] {
  const r = $.draw.getBoundingClientRect();
  return [((e.clientX - r.left) / r.width) * $.draw.width, ((e.clientY - r.top) / r.height) * $.draw.height];
}
$.draw.addEventListener('pointerdown', (e) => {
  drawing = true;
  $.draw.setPointerCapture(e.pointerId);
  lastPoint = point(e);
});
$.draw.addEventListener('pointermove', (e) => {
  if (!drawing || !lastPoint) return;
  const p = point(e);
  ctx.strokeStyle = '#fff';
  ctx.lineWidth = 16;
  ctx.lineCap = 'round';
  ctx.beginPath();
  ctx.moveTo(...lastPoint);
  ctx.lineTo(...p);
  ctx.stroke();
  lastPoint = p;
});
$.draw.addEventListener('pointerup', () => {
  drawing = false;
  lastPoint = null;
  classifyDrawing();
});

$.clear.addEventListener('click', () => { clearCanvas(); $.probs.replaceChildren(); });
$.classify.addEventListener('click', classifyDrawing);
$.copy.addEventListener('click', () => {
  const g = chosen ?? gallery[0];
  if (!g) return;
  const src = grayCanvas(g.pixels, SIDE, SIDE, (v) => v);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(src, 0, 0, $.draw.width, $.draw.height);
  classifyDrawing();
});
$.start.addEventListener('click', () => send({ type: running ? 'pause' : 'start' }));
$.reset.addEventListener('click', newModel);
// The CLI's default learning rate of each optimizer (Adam 1e-3, SGD 0.05); takes effect with a new model.
$.optimizer.addEventListener('change', () => {
  $.lr.value = String(DEFAULT_LR[$.optimizer.value as keyof typeof DEFAULT_LR]);
  setStatus($.status, 'Press "New model" to train with these settings.');
});
for (const input of [$.lr, $.batchSize, $.seed, $.backend]) {
  input.addEventListener('change', () => setStatus($.status, 'Press "New model" to train with these settings.'));
}
byId<HTMLFormElement>('controls').addEventListener('submit', (e) => e.preventDefault());

clearCanvas();
newModel();
