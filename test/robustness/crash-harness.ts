/**
 * Crash safety of `dnnkit train`, shared by test/robustness/crash.test.ts (a few kills, in CI)
 * and scripts/crash.ts (many): start a run, SIGKILL it at a random moment, check that the
 * checkpoint left behind loads (never torn) and has not gone backwards, continue with
 * `--resume`, kill again, ... and finally let it finish. The caller compares the final weights
 * with those of an uninterrupted run (bitwise).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, startCli, type CliResult } from '../cli/run-cli.js';
import { loadCheckpoint } from '../../src/io/checkpoint.js';
import type { TrainState } from '../../src/train/fit.js';
import { Generator } from '../../src/tensor/random.js';

/**
 * bin/dnnkit.js re-executes itself once (src/cli/reexec.ts); SIGKILL of that wrapper would leave
 * the training process running a moment longer. The kills must hit the process that trains. Every
 * run of a comparison goes without the wrapper: with it, Node 20 runs the relaxed-SIMD kernels,
 * whose fused multiply-adds round differently.
 */
const NO_WRAPPER = { DNNKIT_NO_REEXEC: '1' };

export interface KillRecord {
  /** The progress line (global step) after which the kill was armed, and the extra delay. */
  atStep: number;
  delayMs: number;
  /** Whether the process was still running when killed (it may finish first). */
  killed: boolean;
  /** Step of the checkpoint left behind (null: none yet). */
  step: number | null;
  /** Temporary files (.checkpoint.dnnkit.*.tmp) left by a kill during a write. */
  strayTemps: number;
}

export interface CrashRunResult { kills: KillRecord[]; final: TrainState; finalRun: CliResult; seconds: number }

/**
 * Run `trainArgs` (without --out, with --plain so each step prints a progress line) into
 * `out`, killing it `kills` times at random moments (seeded: after a random step still to
 * come, plus a delay in [0, maxDelayMs)), then run it to the end.
 */
export async function killAndResume(trainArgs: string[], out: string, o: { kills: number; seed: number; maxDelayMs: number; totalSteps: number; epochs: number; deadlineMs?: number }): Promise<CrashRunResult> {
  const t0 = performance.now();
  const g = new Generator(o.seed);
  const ckpt = join(out, 'checkpoint.dnnkit');
  const kills: KillRecord[] = [];
  const perEpoch = o.totalSteps / o.epochs;
  let lastStep = -1;
  while (kills.length < o.kills && (o.deadlineMs === undefined || performance.now() - t0 < o.deadlineMs)) {
    const args = existsSync(ckpt) ? ['train', '--resume', out, ...resumeArgs(trainArgs)] : ['train', ...trainArgs, '--out', out];
    // Kill at a random step still to come (read from the progress lines, so the machine's load
    // does not matter), plus a random few hundred milliseconds: mid-step, mid-evaluation or
    // mid-checkpoint-write.
    const from = Math.max(0, lastStep);
    // Spread the kills over the steps left: on average (steps left) / (kills left) apart.
    const span = Math.max(1, Math.min(o.totalSteps - from - 1, Math.round(2 * (o.totalSteps - from - 1) / (o.kills - kills.length))));
    const target = from + 1 + Math.floor(g.uniform() * span);
    const delayMs = Math.floor(g.uniform() * o.maxDelayMs);
    const { child, done } = startCli(args, NO_WRAPPER);
    let killed = false, armed = false, text = '';
    child.stdout!.on('data', (d: Buffer) => {
      if (armed) return;
      text += d.toString();
      let step = -1;
      // "epoch 2/2 batch 6/12: ..." during an epoch, "epoch 1/2: train loss ..." at its end.
      for (const m of text.matchAll(/^epoch (\d+)\/\d+(?: batch (\d+)\/\d+)?:/gm)) {
        step = m[2] === undefined ? Number(m[1]) * perEpoch : (Number(m[1]) - 1) * perEpoch + Number(m[2]);
      }
      text = text.slice(text.lastIndexOf('\n') + 1);
      if (step >= target) {
        armed = true;
        setTimeout(() => { if (child.exitCode === null && child.signalCode === null) killed = child.kill('SIGKILL'); }, delayMs);
      }
    });
    const r = await done;
    if (!killed) {
      if (r.code !== 0) throw new Error(`dnnkit ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
      // It finished before the kill: nothing more to interrupt.
      kills.push({ atStep: target, delayMs, killed: false, step: (loadCheckpoint(ckpt) as TrainState).step, strayTemps: 0 });
      break;
    }
    let step: number | null = null;
    if (existsSync(ckpt)) {
      const state = loadCheckpoint(ckpt) as TrainState;   // throws if torn or corrupted
      step = state.step;
      if (step < lastStep) throw new Error(`checkpoint went backwards: step ${step} after ${lastStep}`);
      lastStep = step;
    }
    const strayTemps = existsSync(out) ? readdirSync(out).filter((f) => f.endsWith('.tmp') && statSync(join(out, f)).isFile()).length : 0;
    kills.push({ atStep: target, delayMs, killed: true, step, strayTemps });
    if (step !== null && step >= o.totalSteps) break;   // killed after its final checkpoint: nothing left to interrupt
  }
  const state = existsSync(ckpt) ? (loadCheckpoint(ckpt) as TrainState) : null;
  let finalRun: CliResult = { code: 0, signal: null, stdout: '', stderr: '' };
  if (!state?.done) {
    finalRun = await runCli(state ? ['train', '--resume', out, ...resumeArgs(trainArgs)] : ['train', ...trainArgs, '--out', out], NO_WRAPPER);
    if (finalRun.code !== 0) throw new Error(`final run failed (${finalRun.code}): ${finalRun.stderr}`);
  }
  return { kills, final: loadCheckpoint(ckpt) as TrainState, finalRun, seconds: (performance.now() - t0) / 1000 };
}

/** The options a resumed run may take again (the run's own settings come from the checkpoint). */
function resumeArgs(trainArgs: string[]): string[] {
  const keep = ['--threads', '--backend'];
  const out: string[] = [];
  for (let i = 0; i < trainArgs.length; i++) {
    if (keep.includes(trainArgs[i]!)) out.push(trainArgs[i]!, trainArgs[i + 1]!);
    if (trainArgs[i] === '--plain') out.push('--plain');
  }
  return out;
}

/** Names of the tensors whose bytes differ between two model state dicts. */
export function differingWeights(a: TrainState['model'], b: TrainState['model']): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter((k) => !a[k] || !b[k] || !Buffer.from(a[k]!.data.buffer, a[k]!.data.byteOffset, a[k]!.data.byteLength)
    .equals(Buffer.from(b[k]!.data.buffer, b[k]!.data.byteOffset, b[k]!.data.byteLength)));
}

/** Run to completion, timing the training part (from the `output:` line to the exit). */
export async function timedRun(args: string[]): Promise<{ result: CliResult; trainMs: number }> {
  const { child, done } = startCli(args, NO_WRAPPER);
  let started = 0, text = '';
  child.stdout!.on('data', (d: Buffer) => {
    if (started) return;
    text += d.toString();
    if (/^output: /m.test(text)) started = performance.now();
  });
  const result = await done;
  return { result, trainMs: started ? performance.now() - started : 0 };
}
