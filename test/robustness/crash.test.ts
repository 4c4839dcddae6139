/**
 * Crash safety: `dnnkit train` killed with SIGKILL at random moments, several times, always
 * leaves a checkpoint that loads, and `--resume` ends with bitwise the weights of an
 * uninterrupted run with the same seed. A corrupted or truncated checkpoint is refused by
 * name by `train --resume` and `eval`. scripts/crash.ts runs many more kills.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../cli/run-cli.js';
import { loadCheckpoint } from '../../src/io/checkpoint.js';
import type { TrainState } from '../../src/train/fit.js';
import { differingWeights, killAndResume, timedRun } from './crash-harness.js';

const dir = mkdtempSync(join(tmpdir(), 'dnnkit-crash-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

// 12 batches of 16 per epoch, 2 epochs, a checkpoint after every step; one thread so every
// process splits the work the same way.
export const CRASH_ARGS = ['--data', 'data/fashion-mnist-sample', '--limit', '192', '--test-limit', '64', '--epochs', '2', '--batch-size', '16',
  '--checkpoint-every', '1', '--seed', '11', '--augment', '--threads', '1', '--plain'];

test('SIGKILL at random moments, 5 times, then --resume: every checkpoint loads and the final weights are bitwise those of an uninterrupted run', async () => {
  const whole = join(dir, 'whole');
  const { result, trainMs } = await timedRun(['train', ...CRASH_ARGS, '--out', whole]);
  assert.equal(result.code, 0, result.stderr);
  const want = loadCheckpoint(join(whole, 'checkpoint.dnnkit')) as TrainState;
  assert.equal(want.step, 24);

  const killed = join(dir, 'killed');
  const r = await killAndResume(CRASH_ARGS, killed, { kills: 5, seed: 1, maxDelayMs: Math.max(100, 1.5 * trainMs / 24), totalSteps: 24, epochs: 2, deadlineMs: 150_000 });
  const interrupted = r.kills.filter((k) => k.killed);
  console.log(`crash: uninterrupted training ${(trainMs / 1000).toFixed(1)} s; ${interrupted.length} kills at ${r.kills.map((k) => `step ${k.atStep} + ${k.delayMs} ms (checkpoint at step ${k.step ?? '-'})`).join(', ')}; ${r.seconds.toFixed(0)} s in all`);
  assert.ok(interrupted.length >= 3, `only ${interrupted.length} kills landed before the run finished`);
  // Resumed runs keep checkpointing every step (they once fell back to epoch ends): the kills leave different steps.
  assert.ok(new Set(interrupted.map((k) => k.step)).size >= 2, `every kill left the same checkpoint: ${interrupted.map((k) => k.step).join(', ')}`);
  assert.equal(r.final.done, true);
  assert.equal(r.final.step, 24);
  assert.deepEqual(differingWeights(r.final.model, want.model), [], 'weights differ from the uninterrupted run');
  assert.deepEqual(r.final.history.epochs.map((e) => e.trainLoss), want.history.epochs.map((e) => e.trainLoss));
  assert.deepEqual(r.final.history.epochs.map((e) => e.testAccuracy), want.history.epochs.map((e) => e.testAccuracy));
});

test('a corrupted or truncated checkpoint is refused by name by train --resume and eval, in one line', async () => {
  const src = join(dir, 'whole', 'checkpoint.dnnkit');
  const bytes = readFileSync(src);
  const cases: Array<[string, Uint8Array, RegExp]> = [
    ['flipped', (() => { const b = Uint8Array.from(bytes); b[Math.floor(b.length / 2)]! ^= 0x10; return b; })(), /checkpoint is corrupted: SHA-256 checksum mismatch/],
    ['truncated', bytes.subarray(0, bytes.length - 1000), /checksum mismatch/],
  ];
  for (const [name, content, reason] of cases) {
    const run = join(dir, `bad-${name}`);
    mkdirSync(run, { recursive: true });
    const file = join(run, 'checkpoint.dnnkit');
    writeFileSync(file, content);
    for (const args of [['train', '--resume', run, '--plain'], ['eval', '--checkpoint', file]]) {
      const res = await runCli(args);
      assert.equal(res.code, 1, `${name}: dnnkit ${args[0]} exit code ${res.code}: ${res.stderr}`);
      assert.ok(res.stderr.includes(file), `${name}: ${res.stderr}`);
      assert.match(res.stderr, reason, name);
      assert.equal(res.stderr.trim().split('\n').length, 1, `${name}: one line, no stack trace: ${res.stderr}`);
    }
  }
});
