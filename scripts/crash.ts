/**
 * Many-kill crash test of `dnnkit train` (the CI version is test/robustness/crash.test.ts):
 * an uninterrupted run, then the same run SIGKILLed at random moments --kills times and resumed
 * each time; every checkpoint left behind must load, never go backwards, and the final weights
 * must equal the uninterrupted run's bitwise. Prints the kills and the verdict.
 *
 *   node --import tsx scripts/crash.ts [--kills 50] [--seed 1] [--limit 640] [--threads 1]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCheckpoint } from '../src/io/checkpoint.js';
import type { TrainState } from '../src/train/fit.js';
import { differingWeights, killAndResume, timedRun } from '../test/robustness/crash-harness.js';

const args = process.argv.slice(2);
const opt = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const kills = opt('kills', 50), seed = opt('seed', 1), limit = opt('limit', 640), threads = opt('threads', 1);
const batch = 32, epochs = 2, steps = epochs * Math.ceil(limit / batch);
const trainArgs = ['--data', 'data/fashion-mnist-sample', '--limit', String(limit), '--test-limit', '100', '--epochs', String(epochs),
  '--batch-size', String(batch), '--checkpoint-every', '1', '--seed', String(seed), '--augment', '--threads', String(threads), '--plain'];
const dir = mkdtempSync(join(tmpdir(), 'dnnkit-crash-script-'));
try {
  const { result, trainMs } = await timedRun(['train', ...trainArgs, '--out', join(dir, 'whole')]);
  if (result.code !== 0) throw new Error(result.stderr);
  const want = loadCheckpoint(join(dir, 'whole', 'checkpoint.dnnkit')) as TrainState;
  console.log(`uninterrupted: ${want.step} steps, training ${(trainMs / 1000).toFixed(1)} s`);
  const r = await killAndResume(trainArgs, join(dir, 'killed'), { kills, seed, maxDelayMs: 1.5 * trainMs / steps, totalSteps: steps, epochs });
  const landed = r.kills.filter((k) => k.killed);
  for (const [i, k] of r.kills.entries()) console.log(`  kill ${i + 1}: after step ${k.atStep} + ${k.delayMs} ms -> ${k.killed ? `checkpoint at step ${k.step ?? 'none yet'}` : 'the run had finished'}${k.strayTemps ? `, ${k.strayTemps} stray temp file(s)` : ''}`);
  const differ = differingWeights(r.final.model, want.model);
  console.log(`${landed.length} kills survived in ${r.seconds.toFixed(0)} s; final step ${r.final.step}; weights ${differ.length ? `DIFFER in ${differ.join(', ')}` : 'bitwise identical to the uninterrupted run'}`);
  process.exitCode = differ.length || r.final.step !== want.step ? 1 : 0;
} finally {
  // Keep the runs of a failure for inspection (checkpoints, metrics of both runs).
  if (process.exitCode) console.log(`kept ${dir} for inspection`);
  else rmSync(dir, { recursive: true, force: true });
}
