import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Conv2d, Dropout, Flatten, Linear, MaxPool2d, ReLU, Sequential } from '../../src/nn/index.js';
import { SGD, ExponentialMovingAverage } from '../../src/optim/index.js';
import { DataLoader } from '../../src/data/dataloader.js';
import { ByteImageDataset } from '../../src/data/dataset.js';
import { horizontalFlip } from '../../src/data/transforms.js';
import { manualSeed, Generator } from '../../src/tensor/random.js';
import { loadCheckpoint } from '../../src/io/checkpoint.js';
import { fit, evaluate, CHECKPOINT_FILE, type TrainState } from '../../src/train/fit.js';
import { autoencoder } from '../../src/train/default-model.js';

/** 96 8×8 images of 3 classes: a bright bar whose position is the class, plus noise. */
function bars(n = 96): ByteImageDataset {
  const g = new Generator(7);
  const bytes = new Uint8Array(n * 64), labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const y = i % 3;
    labels[i] = y;
    for (let k = 0; k < 64; k++) {
      const row = Math.floor(k / 8);
      bytes[i * 64 + k] = Math.min(255, (row >= y * 3 && row < y * 3 + 2 ? 200 : 0) + g.int(40));
    }
  }
  return new ByteImageDataset(bytes, labels, [1, 8, 8]);
}

function setup(seed = 1): { model: Sequential; opt: SGD; train: DataLoader; test: DataLoader } {
  manualSeed(seed);
  const model = new Sequential(new Conv2d(1, 4, 3, { padding: 1 }), new ReLU(), new MaxPool2d(2), new Flatten(), new Dropout(0.2), new Linear(64, 3));
  const opt = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
  const ds = bars();
  return {
    model, opt,
    train: new DataLoader(ds, { batchSize: 8, shuffle: true, seed, transform: horizontalFlip() }),
    test: new DataLoader(bars(30), { batchSize: 16 }),
  };
}

const dir = mkdtempSync(join(tmpdir(), 'dnnkit-fit-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('fit learns a separable toy problem and writes metrics and a checkpoint', () => {
  const { model, opt, train, test: testLoader } = setup();
  const out = join(dir, 'run');
  const before = evaluate(model, testLoader).accuracy!;
  const history = fit(model, { train, test: testLoader }, { epochs: 3, optimizer: opt, outDir: out, logEvery: 4, config: { model: { name: 'toy' } } });
  assert.equal(history.epochs.length, 3);
  const last = history.epochs[2]!;
  assert.ok(last.testAccuracy! > 0.9 && last.testAccuracy! > before, `test accuracy ${last.testAccuracy} (before: ${before})`);
  assert.equal(last.step, 36);
  assert.equal(history.steps.length, 9);
  const csv = readFileSync(join(out, 'metrics.csv'), 'utf8').trim().split('\n');
  assert.equal(csv.length, 4);
  assert.match(csv[0]!, /^epoch,step,trainLoss,trainAccuracy,testLoss,testAccuracy,lr,imagesPerSecond,epochSeconds,elapsedSeconds,rssMB$/);
  const json = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
  assert.equal(json.epochs.length, 3);
  const ck = loadCheckpoint(join(out, CHECKPOINT_FILE)) as TrainState;
  assert.equal(ck.done, true); assert.equal(ck.epoch, 3); assert.equal(ck.step, 36);
  assert.deepEqual(ck.model['0.weight']!.data, model.stateDict()['0.weight']!.data);
});

test('resuming from a mid-epoch or an epoch-end checkpoint ends bitwise identical', () => {
  const full = setup();
  fit(full.model, { train: full.train, test: full.test }, { epochs: 3, optimizer: full.opt });
  const want = full.model.stateDict();

  for (const stopAt of [17, 24]) {   // mid-epoch 2 (checkpointEvery 1) and the end of epoch 2
    const out = join(dir, `resume-${stopAt}`);
    const a = setup();
    // "Kill" the first run after `stopAt` steps by throwing from the step callback.
    assert.throws(() => fit(a.model, { train: a.train, test: a.test }, { epochs: 3, optimizer: a.opt, outDir: out, checkpointEvery: 1 }, {
      onStep: (s) => { if (s.step === stopAt) throw new Error('killed'); },
    }), /killed/);
    const state = loadCheckpoint(join(out, CHECKPOINT_FILE)) as TrainState;
    assert.equal(state.step, stopAt - 1, 'the last checkpoint is the step before the kill');
    // A fresh process: different seed and init, everything comes from the checkpoint.
    const b = setup(99);
    b.train = new DataLoader(bars(), { batchSize: 8, shuffle: true, seed: 1, transform: horizontalFlip() });
    const history = fit(b.model, { train: b.train, test: b.test }, { epochs: 3, optimizer: b.opt, outDir: out, checkpointEvery: 1, resume: state });
    assert.equal(history.epochs.length, 3);
    const got = b.model.stateDict();
    for (const k of Object.keys(want)) assert.deepEqual(got[k]!.data, want[k]!.data, `${k} after resuming at step ${stopAt}`);
  }
});

test('with a weight average, fit evaluates and checkpoints the average and resumes it exactly', () => {
  const full = setup();
  const fullEma = new ExponentialMovingAverage(full.model, { decay: 0.9 });
  const out = join(dir, 'ema-full');
  const history = fit(full.model, { train: full.train, test: full.test }, { epochs: 3, optimizer: full.opt, ema: fullEma, outDir: out });
  const averaged = fullEma.withAveraged(() => evaluate(full.model, full.test));
  assert.equal(history.epochs[2]!.testAccuracy, averaged.accuracy);
  assert.equal(history.epochs[2]!.testLoss, averaged.loss);
  assert.notDeepEqual(fullEma.averagedStateDict()['5.weight']!.data, full.model.stateDict()['5.weight']!.data, 'the average differs from the live weights');
  const ck = loadCheckpoint(join(out, CHECKPOINT_FILE)) as TrainState;
  assert.equal(ck.ema!.updates, 36);
  assert.deepEqual(ck.ema!.averages['5.weight']!.data, fullEma.averagedStateDict()['5.weight']!.data);

  const killed = join(dir, 'ema-resume');
  const a = setup();
  assert.throws(() => fit(a.model, { train: a.train, test: a.test }, { epochs: 3, optimizer: a.opt, ema: new ExponentialMovingAverage(a.model, { decay: 0.9 }), outDir: killed, checkpointEvery: 1 }, {
    onStep: (s) => { if (s.step === 17) throw new Error('killed'); },
  }), /killed/);
  const state = loadCheckpoint(join(killed, CHECKPOINT_FILE)) as TrainState;
  const b = setup(99);
  b.train = new DataLoader(bars(), { batchSize: 8, shuffle: true, seed: 1, transform: horizontalFlip() });
  const bEma = new ExponentialMovingAverage(b.model, { decay: 0.9 });
  fit(b.model, { train: b.train, test: b.test }, { epochs: 3, optimizer: b.opt, ema: bEma, outDir: killed, resume: state });
  for (const [k, t] of Object.entries(fullEma.averagedStateDict())) assert.deepEqual(bEma.averagedStateDict()[k]!.data, t.data, k);
  assert.throws(() => fit(setup().model, { train: b.train }, { epochs: 3, optimizer: setup().opt, ema: new ExponentialMovingAverage(setup().model), resume: { ...state, ema: null } }), /no weight average/);
});

test('reconstruct task trains the autoencoder (loss goes down)', () => {
  manualSeed(3);
  const ae = autoencoder({ imageSize: 8 });
  const opt = new SGD(ae.parameters(), { lr: 0.5, momentum: 0.9 });
  const train = new DataLoader(bars(48), { batchSize: 16, shuffle: true });
  const h = fit(ae, { train }, { epochs: 4, optimizer: opt, task: 'reconstruct', logEvery: 3 });
  assert.equal(h.epochs[0]!.trainAccuracy, null);
  assert.ok(h.epochs[3]!.trainLoss < h.epochs[0]!.trainLoss, `loss ${h.epochs.map((e) => e.trainLoss.toFixed(4)).join(' -> ')}`);
  assert.ok(!existsSync(join(dir, 'nothing')));
});
