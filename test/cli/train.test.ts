import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, runsWrapper, startCli } from './run-cli.js';
import { hasRelaxedSimd, relaxedSimdArgs } from '../../src/cli/relaxed-simd.js';
import { loadCheckpoint } from '../../src/io/checkpoint.js';
import type { TrainState } from '../../src/train/fit.js';
import { readIdxImagesAndLabels } from '../../src/data/idx.js';
import { encodePng } from '../../src/plot/png.js';

const dir = mkdtempSync(join(tmpdir(), 'dnnkit-cli-train-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const SAMPLE = 'data/fashion-mnist-sample';
// Two threads in every run, so the kernels split work the same way in each process.
const COMMON = ['--data', SAMPLE, '--threads', '2', '--plain'];

test('dnnkit train on the bundled sample beats chance by far and writes checkpoint, metrics and plot; eval and predict use it', async () => {
  const out = join(dir, 'run');
  const r = await runCli(['train', ...COMMON, '--limit', '1200', '--test-limit', '300', '--epochs', '2', '--out', out]);
  assert.equal(r.code, 0, `train failed: ${r.stderr}\n${r.stdout}`);
  assert.match(r.stdout, /data: fashion-mnist from .*fashion-mnist-sample \(--data\)/);
  // The command runs the relaxed-SIMD kernels where this Node has them, or (through its
  // restart) has them behind a flag it knows.
  const relaxed = hasRelaxedSimd() || (runsWrapper() && relaxedSimdArgs([], {}).length > 0);
  assert.match(r.stdout, new RegExp(`backend wasm \\(${relaxed ? 'relaxed SIMD' : 'SIMD128'}, 2 threads\\)`));
  assert.match(r.stdout, /epoch 2\/2: train loss/);
  for (const f of ['checkpoint.dnnkit', 'metrics.csv', 'metrics.json', 'training.svg']) assert.ok(existsSync(join(out, f)), `${f} written`);
  const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
  assert.equal(metrics.epochs.length, 2);
  const acc = metrics.epochs[1].testAccuracy;
  assert.ok(acc > 0.5, `test accuracy ${acc} should be far above chance (0.1)`);
  assert.ok(metrics.epochs.every((e: { rssMB: number }) => e.rssMB > 0));
  assert.equal(readFileSync(join(out, 'metrics.csv'), 'utf8').trim().split('\n').length, 3);
  assert.match(readFileSync(join(out, 'training.svg'), 'utf8'), /<svg[^>]*>[\s\S]*accuracy[\s\S]*<\/svg>/);

  const ev = await runCli(['eval', '--checkpoint', out, '--data', SAMPLE, '--json']);
  assert.equal(ev.code, 0, ev.stderr);
  const e = JSON.parse(ev.stdout);
  assert.equal(e.count, 1000);
  assert.equal(e.confusion.flat().reduce((a: number, b: number) => a + b, 0), 1000);
  assert.ok(e.accuracy > 0.5, `eval accuracy ${e.accuracy}`);
  const text = await runCli(['eval', '--checkpoint', join(out, 'checkpoint.dnnkit'), '--data', SAMPLE, '--limit', '100']);
  assert.match(text.stdout, /test accuracy [\d.]+% \(\d+\/100\)/);
  assert.match(text.stdout, /confusion matrix/);

  // A trouser (class 1) as a PNG, dark on light like a photo: predict inverts it automatically.
  const test = readIdxImagesAndLabels(join(SAMPLE, 't10k-images-idx3-ubyte.gz'), join(SAMPLE, 't10k-labels-idx1-ubyte.gz'));
  const i = test.labels.indexOf(1);
  const px = Uint8Array.from(test.images.subarray(i * 784, (i + 1) * 784), (v) => 255 - v);
  writeFileSync(join(dir, 'trouser.png'), encodePng(px, 28, 28));
  const p = await runCli(['predict', '--checkpoint', out, '--image', join(dir, 'trouser.png'), '--json']);
  assert.equal(p.code, 0, p.stderr);
  const pj = JSON.parse(p.stdout);
  assert.equal(pj.prediction.class, 'Trouser', p.stdout);
  assert.match(pj.source, /inverted/);
  const sum = pj.probabilities.reduce((a: number, q: { probability: number }) => a + q.probability, 0);
  assert.ok(Math.abs(sum - 1) < 1e-4);
  const byIndex = await runCli(['predict', '--checkpoint', out, '--data', SAMPLE, '--index', String(i)]);
  assert.match(byIndex.stdout, /actual Trouser/);
});

test('--ema keeps a weight average: the test accuracy is the average\'s, and eval uses it', async () => {
  const out = join(dir, 'ema');
  const r = await runCli(['train', ...COMMON, '--limit', '640', '--epochs', '1', '--ema', '0.99', '--label-smoothing', '0.1', '--out', out]);
  assert.equal(r.code, 0, `train failed: ${r.stderr}\n${r.stdout}`);
  assert.match(r.stdout, /label smoothing 0\.1 \| weight average \(EMA 0\.99\)/);
  const state = loadCheckpoint(join(out, 'checkpoint.dnnkit')) as TrainState;
  assert.equal(state.ema!.updates, 10);
  const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
  const ev = await runCli(['eval', '--checkpoint', out, '--data', SAMPLE, '--json']);
  assert.equal(ev.code, 0, ev.stderr);
  assert.equal(JSON.parse(ev.stdout).accuracy, metrics.epochs[0].testAccuracy);
  const bad = await runCli(['train', ...COMMON, '--ema', '1']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--ema/);
});

test('a run killed (SIGKILL) after its first checkpoint and resumed ends bitwise identical to an uninterrupted run', async () => {
  const args = ['train', ...COMMON, '--limit', '640', '--test-limit', '100', '--epochs', '2', '--batch-size', '64', '--checkpoint-every', '3', '--augment', '--seed', '5'];
  const whole = join(dir, 'whole'), killed = join(dir, 'killed');
  const a = await runCli([...args, '--out', whole]);
  assert.equal(a.code, 0, a.stderr);

  const { child, done } = startCli([...args, '--out', killed]);
  const ckpt = join(killed, 'checkpoint.dnnkit');
  await new Promise<void>((resolve, reject) => {
    const t = setInterval(() => {
      if (existsSync(ckpt)) { clearInterval(t); child.kill('SIGKILL'); resolve(); }
    }, 20);
    child.on('close', () => { clearInterval(t); reject(new Error('the run finished before it could be killed')); });
  });
  const k = await done;
  assert.equal(k.signal, 'SIGKILL');
  const partial = loadCheckpoint(ckpt) as TrainState;
  assert.equal(partial.done, false);
  assert.ok(partial.step < 20, `killed at step ${partial.step} of 20`);

  const r = await runCli(['train', '--resume', killed, '--threads', '2', '--plain']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /resuming at epoch \d, batch \d+, step \d+/);
  const want = loadCheckpoint(join(whole, 'checkpoint.dnnkit')) as TrainState;
  const got = loadCheckpoint(ckpt) as TrainState;
  assert.equal(got.step, 20);
  assert.deepEqual(Object.keys(got.model), Object.keys(want.model));
  for (const key of Object.keys(want.model)) {
    assert.ok(Buffer.from(got.model[key]!.data.buffer).equals(Buffer.from(want.model[key]!.data.buffer)), `${key} differs after resume`);
  }
  assert.deepEqual(got.history.epochs.map((e) => e.testAccuracy), want.history.epochs.map((e) => e.testAccuracy));
  assert.equal(readFileSync(join(killed, 'metrics.csv'), 'utf8').split('\n')[2]!.split(',').slice(0, 6).join(','), readFileSync(join(whole, 'metrics.csv'), 'utf8').split('\n')[2]!.split(',').slice(0, 6).join(','));
  const again = await runCli(['train', '--resume', killed, '--plain']);
  assert.match(again.stdout, /already complete/);
});

test('CLI errors are one line naming the problem, no stack trace', async () => {
  const bad = await runCli(['train', '--optimizer', 'rmsprop', '--data', SAMPLE]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^dnnkit train: --optimizer: expected one of sgd, adam, adamw, got 'rmsprop'\n$/);
  const corrupt = join(dir, 'corrupt.dnnkit');
  writeFileSync(corrupt, Buffer.alloc(100, 7));
  const ev = await runCli(['eval', '--checkpoint', corrupt]);
  assert.equal(ev.code, 1);
  assert.ok(ev.stderr.includes(corrupt) && ev.stderr.includes('not a dnnkit checkpoint'), ev.stderr);
  assert.doesNotMatch(ev.stderr, /\n\s+at /);
  const missing = await runCli(['train', '--data', join(dir, 'nowhere'), '--plain']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /--data .*nowhere: no such directory/);
  const noPick = await runCli(['predict', '--checkpoint', corrupt]);
  assert.equal(noPick.code, 2);
  assert.match(noPick.stderr, /exactly one of --image PATH or --index I/);
});
