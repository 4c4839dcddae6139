/**
 * Long fuzzing run of every parser dnnkit exposes to untrusted input (einsum notation, the
 * CLI's shape arguments, IDX, checkpoints raw / re-sealed / header-edited, .npy, ONNX), with
 * the engine of test/robustness/fuzz-engine.ts: each target in a worker thread with a hang
 * watchdog, a per-case time box and a peak-memory limit. The time is split evenly between the
 * targets. Writes a summary (cases, accepted, rejected, error kinds, findings with the seed to
 * replay them) to --out.
 *
 *   node --import tsx scripts/fuzz.ts --seconds 600 [--seed 1] [--out test-artifacts/fuzz-summary.json] [--targets einsum,idx]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { FuzzWorker, type FuzzStats } from '../test/robustness/fuzz-engine.js';

const args = process.argv.slice(2);
const opt = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
};
const seconds = Number(opt('seconds', '300'));
const seed = Number(opt('seed', String(Date.now() % 2 ** 30)));
const out = opt('out', 'test-artifacts/fuzz-summary.json');
const targets = opt('targets', 'einsum,parseDims,idx,checkpoint,checkpoint-resealed,checkpoint-header,npy,onnx').split(',');
if (!(seconds > 0) || !Number.isInteger(seed)) {
  console.error('usage: node --import tsx scripts/fuzz.ts --seconds N [--seed S] [--out FILE] [--targets a,b]');
  process.exit(2);
}

const worker = new FuzzWorker();
const results: FuzzStats[] = [];
console.log(`fuzzing ${targets.length} targets for ${seconds} s in all, seed ${seed}`);
for (const name of targets) {
  // Seeds far apart per target, so a case replays from (target, seed) alone.
  const s = await worker.run(name, { seed: seed + results.length * 1e7, seconds: seconds / targets.length, caseBudgetMs: 5000, rssLimitMB: 1024, hangMs: 20_000 });
  results.push(s);
  console.log(`${name.padEnd(20)} ${String(s.cases).padStart(8)} cases  ${String(s.accepted).padStart(7)} accepted  ${String(s.rejected).padStart(8)} rejected  ${String(s.errorKinds.length).padStart(4)} error kinds  slowest ${s.slowestCaseMs.toFixed(0)} ms  findings ${s.findings.length}`);
  for (const f of s.findings.slice(0, 5)) console.log(`    seed ${f.seed}: ${f.reason.slice(0, 300)}`);
}
await worker.close();
const total = results.reduce((n, s) => n + s.cases, 0);
const findings = results.reduce((n, s) => n + s.findings.length, 0);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), seconds, seed, total, findings, targets: results }, null, 1));
console.log(`${total} cases, ${findings} findings; summary in ${out}`);
process.exitCode = findings ? 1 : 0;
