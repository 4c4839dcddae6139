import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './run-cli.js';
import { decodePng } from '../../src/plot/png.js';

const dir = mkdtempSync(join(tmpdir(), 'dnnkit-cli-exp-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const SMALL = ['--data', 'data/fashion-mnist-sample', '--limit', '320', '--test-limit', '100', '--epochs', '1', '--plain', '--threads', '2'];

test('experiment relu-vs-tanh writes a plot and a table with steps to 25% training error', async () => {
  const out = join(dir, 'rt');
  const r = await runCli(['experiment', 'relu-vs-tanh', ...SMALL, '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /steps to 25% training error: relu/);
  const md = readFileSync(join(out, 'results.md'), 'utf8');
  assert.match(md, /\| relu \| [\d.]+ \| /);
  assert.match(md, /\| tanh \| [\d.]+ \| /);
  const svg = readFileSync(join(out, 'relu-vs-tanh.svg'), 'utf8');
  assert.ok(svg.includes('relu (lr') && svg.includes('tanh (lr') && svg.includes('25% training error'));
  for (const run of ['relu', 'tanh']) assert.ok(existsSync(join(out, run, 'metrics.json')), `${run} metrics`);
});

test('experiment batchnorm and autoencoder write their plots, tables and image grid', async () => {
  const bn = join(dir, 'bn');
  const r = await runCli(['experiment', 'batchnorm', ...SMALL, '--out', bn]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(readFileSync(join(bn, 'results.md'), 'utf8'), /\| batchnorm \|[\s\S]*\| no-batchnorm \|/);
  assert.ok(readFileSync(join(bn, 'batchnorm.svg'), 'utf8').includes('no-batchnorm'));

  const ae = join(dir, 'ae');
  const a = await runCli(['experiment', 'autoencoder', ...SMALL, '--out', ae, '--upsample', 'zeros']);
  assert.equal(a.code, 0, a.stderr);
  assert.match(a.stdout, /test MSE 0\.\d+/);
  const png = decodePng(readFileSync(join(ae, 'reconstructions.png')));
  assert.equal(png.width, 10 * (56 + 2) + 2);
  assert.equal(png.height, 2 * (56 + 2) + 2);
  assert.match(readFileSync(join(ae, 'results.md'), 'utf8'), /zeros upsampling/);

  const bad = await runCli(['experiment', 'dropout', '--plain']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /unknown experiment 'dropout'; available: relu-vs-tanh, batchnorm, autoencoder/);
});
