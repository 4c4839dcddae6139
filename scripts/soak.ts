/**
 * Memory soak: train the built-in CNN on the bundled Fashion-MNIST sample for thousands of
 * steps, then run thousands of single-image inference calls, on the fast backend, sampling
 * resident memory. Writes a CSV and prints a short curve and the verdict: RSS must stay flat
 * (the last sample at most 10% above the first sample after warm-up), per phase.
 *
 *   node --import tsx scripts/soak.ts [--steps 3000] [--calls 5000] [--every 50] [--warmup 300]
 *       [--batch-size 16] [--backend wasm] [--threads N] [--out test-artifacts/soak.csv]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { rssCurve, samplesCsv, soak } from '../test/robustness/soak-harness.js';

const args = process.argv.slice(2);
const opt = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
};
const steps = Number(opt('steps', '3000')), calls = Number(opt('calls', '5000')), every = Number(opt('every', '50'));
const warmup = Number(opt('warmup', '300')), out = opt('out', 'test-artifacts/soak.csv');
const threads = args.includes('--threads') ? Number(opt('threads', '1')) : undefined;

const r = await soak({
  trainSteps: steps, inferCalls: calls, sampleEvery: every, warmup, batchSize: Number(opt('batch-size', '16')),
  backend: opt('backend', 'wasm'), threads,
  onSample: (s) => { if (s.step % (every * 10) === 0) process.stdout.write(`${s.phase} ${s.step}: rss ${s.rssMB.toFixed(0)} MB, heap ${s.heapMB.toFixed(0)} MB, wasm ${s.wasmMB.toFixed(0)} MB (${s.seconds.toFixed(0)} s)\n`); },
});
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, samplesCsv(r.samples));
console.log(`\nRSS over time (${r.backend} backend):\n${rssCurve(r.samples)}\n`);
let ok = true;
for (const [phase, v] of Object.entries(r.verdict)) {
  // A leak makes RSS grow; RSS falling after the warm-up peak (the GC returning pages) is fine.
  const flat = v.growthPercent <= 10;
  ok &&= flat;
  console.log(`${phase}: RSS ${v.afterWarmupMB.toFixed(0)} MB after warm-up -> ${v.lastMB.toFixed(0)} MB at the end (${v.growthPercent >= 0 ? '+' : ''}${v.growthPercent.toFixed(1)}%, peak ${v.peakMB.toFixed(0)} MB; outside the wasm memory ${v.outsideWasmGrowthPercent >= 0 ? '+' : ''}${v.outsideWasmGrowthPercent.toFixed(1)}%): ${flat ? 'flat' : 'NOT FLAT'}`);
}
console.log(`samples in ${out}`);
process.exitCode = ok ? 0 : 1;
