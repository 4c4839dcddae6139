/**
 * Short memory soak (scripts/soak.ts runs thousands of steps): training steps and single-image
 * inference calls on the fast backend with no dispose anywhere; resident memory outside the wasm
 * memory must not grow more than 10% after warm-up, and the wasm heap (which never shrinks) must
 * not grow by more than what resident tensors may hold between two collections.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rssCurve, soak } from './soak-harness.js';
import { runtime } from '../../src/backends/wasm/runtime.js';

test('memory stays flat over training steps and inference calls (short soak)', async () => {
  // Collections every 16 MB of resident blocks (not the default 256 MB) so that this short soak
  // sees several and its bound on the wasm heap below means something.
  const residency = runtime().arena.residency;
  const collectEvery = residency.collectEvery;
  residency.collectEvery = 16 << 20;
  let r: Awaited<ReturnType<typeof soak>>;
  let soakEvery: number;
  try {
    r = await soak({ trainSteps: 120, inferCalls: 400, sampleEvery: 10, warmup: 40, batchSize: 16, backend: 'wasm' });
    soakEvery = residency.collectEvery; // as the soak left it (it doubles where collections cost too much)
  } finally {
    residency.collectEvery = collectEvery;
  }
  console.log(`soak (${r.backend}):\n${rssCurve(r.samples, 8, 40)}`);
  for (const [phase, v] of Object.entries(r.verdict)) {
    console.log(`soak ${phase}: RSS ${v.afterWarmupMB.toFixed(0)} MB after warm-up -> ${v.lastMB.toFixed(0)} MB (${v.growthPercent.toFixed(1)}%; outside the wasm memory ${v.outsideWasmGrowthPercent.toFixed(1)}%)`);
    // Growth is what a leak looks like; RSS falling after the warm-up peak is the GC returning
    // pages. The wasm memory's part is bounded below (its pages get touched as the heap's blocks move).
    assert.ok(v.outsideWasmGrowthPercent <= 10, `${phase}: RSS outside the wasm memory grew ${v.outsideWasmGrowthPercent.toFixed(1)}% (RSS ${v.afterWarmupMB.toFixed(0)} -> ${v.lastMB.toFixed(0)} MB)`);
  }
  const afterWarmup = r.samples.find((s) => s.phase === 'train' && s.step >= 40)!;
  const last = r.samples.at(-1)!;
  // Resident tensors grow the wasm heap until a collection returns the dead ones' blocks (at
  // most collectEvery bytes newly held between two): bounded, where a leak grows with the steps.
  const slackMB = soakEvery / 2 ** 20;
  assert.ok(last.wasmMB <= afterWarmup.wasmMB + slackMB, `the wasm heap grew from ${afterWarmup.wasmMB} MB to ${last.wasmMB} MB (more than the ${slackMB} MB held between collections)`);
  assert.equal(r.samples.filter((s) => s.phase === 'infer').length, 40);
});
