/**
 * Measured sparsity: ReLU zero fractions and zero-operand MAC shares equal a brute-force count
 * over the naive loop nest (padding reads are zero operands); the CLI reports them for a
 * trained checkpoint.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../cli/run-cli.js';
import * as nn from '../../src/nn/index.js';
import { measureSparsity } from '../../src/analysis/sparsity.js';
import { manualSeed, randn, tensor, type Tensor } from '../../src/index.js';

/** Zero-operand MACs of a conv by walking its loop nest. */
function bruteForce(x: Tensor, conv: nn.Conv2d): { macs: number; zero: number } {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const [R, S] = conv.kernelSize, [U, V] = conv.stride, [dh, dw] = conv.dilation;
  const [ph, pw] = conv.padding as readonly [number, number];
  const M = conv.outChannels, G = conv.groups;
  const P = Math.floor((H + 2 * ph - dh * (R - 1) - 1) / U) + 1, Q = Math.floor((W + 2 * pw - dw * (S - 1) - 1) / V) + 1;
  let macs = 0, zero = 0;
  for (let n = 0; n < N; n++) for (let m = 0; m < M; m++) for (let p = 0; p < P; p++) for (let q = 0; q < Q; q++) {
    const g = Math.floor(m / (M / G));
    for (let c = 0; c < C / G; c++) for (let r = 0; r < R; r++) for (let s = 0; s < S; s++) {
      const y = U * p + dh * r - ph, xx = V * q + dw * s - pw;
      const v = y < 0 || xx < 0 || y >= H || xx >= W ? 0 : x.data[((n * C + g * (C / G) + c) * H + y) * W + xx]!;
      macs++;
      if (v === 0) zero++;
    }
  }
  return { macs, zero };
}

test('zero-operand MACs equal a brute-force walk of the loop nest (stride, padding, dilation, groups)', () => {
  manualSeed(5);
  for (const conv of [new nn.Conv2d(4, 6, 3, { stride: 2, padding: 1, groups: 2 }),
    new nn.Conv2d(4, 4, [3, 2], { stride: [1, 3], padding: [2, 1], dilation: [2, 1], groups: 4 })]) {
    const model = new nn.Sequential({ act: new nn.ReLU(), conv });
    const x = randn([2, 4, 9, 8]);
    const r = measureSparsity(model, [x]);
    const relu = r.layers.find((l) => l.name === 'act')!;
    const negatives = Array.from(x.data).filter((v) => v <= 0).length;
    assert.equal(relu.outputZeroFraction, negatives / x.data.length);
    const expected = bruteForce(tensor(Array.from(x.data).map((v) => Math.max(v, 0))).reshape(x.shape), conv);
    const c = r.layers.find((l) => l.name === 'conv')!;
    assert.equal(c.macsPerImage * 2, expected.macs);
    assert.equal(c.zeroMacShare, expected.zero / expected.macs);
    assert.equal(r.zeroMacShare, expected.zero / expected.macs);
  }
});

test('FC zero-operand share is the zero fraction of its input; batches accumulate', () => {
  const model = new nn.Sequential({ act: new nn.ReLU(), fc: new nn.Linear(4, 3) });
  const a = tensor([[1, -1, 2, -2], [0, 0, 0, 3]]);
  const b = tensor([[1, 1, 1, 1]]);
  const r = measureSparsity(model, [a, b]);
  assert.equal(r.images, 3);
  assert.equal(r.layers.find((l) => l.name === 'act')!.outputZeroFraction, 5 / 12);
  assert.equal(r.layers.find((l) => l.name === 'fc')!.zeroMacShare, 5 / 12);
});

const dnnkit = async (...args: string[]) => {
  const r = await runCli(args);
  return { code: r.code ?? -1, stdout: r.stdout, stderr: r.stderr };
};

test('dnnkit summary --checkpoint: summary and measured sparsity of a trained model', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dnnkit-sparsity-'));
  try {
    const train = await dnnkit('train', '--epochs', '1', '--limit', '128', '--test-limit', '32', '--out', dir, '--seed', '1');
    assert.equal(train.code, 0, train.stderr);
    const table = await dnnkit('summary', '--checkpoint', dir, '--limit', '64');
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /Measured sparsity on 64 images/);
    assert.match(table.stdout, /MACs whose activation operand is zero: \d+\.\d% of all CONV\/FC MACs/);
    const json = JSON.parse((await dnnkit('summary', 'fashion-cnn', '--checkpoint', dir, '--limit', '32', '--json')).stdout) as {
      totals: { weights: number }; sparsity: { images: number; zeroMacShare: number; layers: Array<{ type: string; outputZeroFraction: number | null }> };
    };
    assert.equal(json.totals.weights, 421_408);
    assert.equal(json.sparsity.images, 32);
    const relus = json.sparsity.layers.filter((l) => l.type === 'ACT');
    assert.equal(relus.length, 3);
    for (const l of relus) assert.ok(l.outputZeroFraction! > 0.05 && l.outputZeroFraction! < 0.99, `ReLU zeros ${l.outputZeroFraction}`);
    assert.ok(json.sparsity.zeroMacShare > 0 && json.sparsity.zeroMacShare < 1);
    const wrong = await dnnkit('summary', 'alexnet', '--checkpoint', dir);
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /holds a fashion-cnn, not a alexnet/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
