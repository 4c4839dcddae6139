/**
 * `dnnkit export` and `dnnkit run` end to end (the real command in a child process): a zoo
 * model exported with --verify, run on a .npy and on a PNG, output written as .npy and equal
 * to PyTorch's for a fixture; bad input gives one message line and no stack trace.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../cli/run-cli.js';
import { decodeNpy, encodeNpy } from '../../src/io/npy.js';
import { encodePng } from '../../src/plot/png.js';
import { randn } from '../../src/tensor/creation.js';
import { assertClose, repoPath } from '../helpers.js';
import { saveCheckpoint, type CheckpointValue } from '../../src/io/checkpoint.js';
import { buildModel } from '../../src/train/default-model.js';
import { manualSeed } from '../../src/tensor/random.js';
import { loadOnnx } from '../../src/io/onnx/load.js';
import { noGrad } from '../../src/autograd/graph.js';

const dir = mkdtempSync(join(tmpdir(), 'dnnkit-onnx-cli-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('dnnkit export --model, then dnnkit run on a .npy and on a PNG', async () => {
  const onnx = join(dir, 'lenet5.onnx');
  const exp = await runCli(['export', '--model', 'lenet5', '--onnx', onnx, '--verify']);
  assert.equal(exp.code, 0, exp.stderr);
  assert.match(exp.stdout, /lenet5 as ONNX opset 13, input \[1, 1, 32, 32\]/);
  assert.match(exp.stdout, /verified: reloading the file reproduces the model output/);

  const npy = join(dir, 'x.npy');
  writeFileSync(npy, encodeNpy(randn([1, 32, 32])));   // unbatched: run adds the batch dim
  const run = await runCli(['run', onnx, '--input', npy, '--backend', 'reference']);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /input \[1, 1, 32, 32\] -> output 'output' \[1, 10\]/);
  assert.equal(run.stdout.split('\n').filter((l) => /^\s+\d+\s+\d+\s+0\.\d{6}/.test(l)).length, 5, `top-5 rows in:\n${run.stdout}`);

  const png = join(dir, 'img.png');
  const pixels = new Uint8Array(64 * 64).map((_, i) => (i * 7) % 256);
  writeFileSync(png, encodePng(pixels, 64, 64));
  const fromPng = await runCli(['run', onnx, '--input', png, '--top', '3', '--json', '--backend', 'reference']);
  assert.equal(fromPng.code, 0, fromPng.stderr);
  const parsed = JSON.parse(fromPng.stdout) as { shape: number[]; top: Array<Array<{ index: number; probability: number }>> };
  assert.deepEqual(parsed.shape, [1, 10]);
  assert.equal(parsed.top[0]!.length, 3);
});

test('dnnkit export CHECKPOINT rebuilds the trained model from its config and writes it', async () => {
  manualSeed(5);
  const config = { name: 'fashion-cnn' as const, activation: 'elu' as const };
  const model = buildModel(config);
  // The fields of a dnnkit train checkpoint that export reads (src/train/load.ts).
  const ckpt = join(dir, 'checkpoint.dnnkit');
  saveCheckpoint(ckpt, { format: 'dnnkit-train', model: model.stateDict(), epoch: 3, batch: 0, step: 300,
    config: { model: config, train: { model: config }, classes: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'] } } as unknown as CheckpointValue);
  const onnx = join(dir, 'trained.onnx');
  const r = await runCli(['export', ckpt, '--onnx', onnx, '--verify']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /fashion-cnn, epoch 3\) as ONNX opset 13, input \[1, 1, 28, 28\]/);
  model.eval();
  const x = randn([2, 1, 28, 28]);
  const back = await loadOnnx(onnx);
  assert.deepEqual(noGrad(() => back.call(x)).data, noGrad(() => model.call(x)).data);
});

test('dnnkit run --output writes PyTorch\'s result for a PyTorch-exported model', async () => {
  const out = join(dir, 'y.npy');
  const r = await runCli(['run', repoPath('test/fixtures/onnx/encoder_decoder.onnx'), '--input', repoPath('test/fixtures/onnx/encoder_decoder.input.npy'), '--output', out, '--backend', 'reference']);
  assert.equal(r.code, 0, r.stderr);
  const want = decodeNpy(readFileSync(repoPath('test/fixtures/onnx/encoder_decoder.output.npy')));
  const got = decodeNpy(readFileSync(out));
  assert.deepEqual(got.shape, want.shape);
  assertClose(got.data, want.data, 'dnnkit run output', 0, 1e-4);
});

test('bad files and arguments: one message line, exit code, no stack trace', async () => {
  const corrupt = join(dir, 'corrupt.onnx');
  writeFileSync(corrupt, readFileSync(repoPath('test/fixtures/onnx/tiny_cnn_opset11.onnx')).subarray(0, 500));
  const cases: Array<[string[], RegExp, number]> = [
    [['run', corrupt, '--input', repoPath('test/fixtures/onnx/tiny_cnn_opset11.input.npy')], /^dnnkit run: .*corrupt\.onnx: not a valid ONNX file/, 1],
    [['run', repoPath('test/fixtures/onnx/tiny_cnn_opset11.onnx'), '--input', join(dir, 'nope.npy')], /--input .*nope\.npy: no such file/, 2],
    [['run', repoPath('test/fixtures/onnx/resnet18_small.onnx'), '--input', repoPath('test/fixtures/onnx/tiny_cnn_opset11.input.npy')], /input 'input' must have shape \[1,3,64,64\], got \[3,1,16,16\]/, 1],
    [['export', '--onnx', join(dir, 'x.onnx')], /give either a CHECKPOINT or --model NAME/, 2],
  ];
  for (const [args, pattern, code] of cases) {
    const r = await runCli(args[0] === 'run' ? [...args, '--backend', 'reference'] : args);
    assert.equal(r.code, code, `${args.join(' ')}: exit code (stderr: ${r.stderr})`);
    // The error is one line (a notice about the backend may precede it where wasm is not built).
    const lines = r.stderr.trim().split('\n').filter((l) => !/^dnnkit: wasm backend unavailable/.test(l));
    assert.equal(lines.length, 1, `one line: ${r.stderr}`);
    assert.match(lines[0]!, pattern);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  }
});
