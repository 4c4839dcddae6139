/**
 * Bounded fuzzing of every parser that reads untrusted input: the einsum notation, the CLI's
 * shape arguments, IDX files, checkpoints (raw, re-sealed behind a valid checksum, JSON-header
 * edits) and .npy files. Each target runs in a worker thread (a hung case is stopped and
 * reported) for a fixed seed, at most a few seconds each. The ONNX loader has its own fuzz test
 * (test/onnx/fuzz.test.ts); scripts/fuzz.ts runs all of them, ONNX included, for longer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FuzzWorker, caseInput, targetByName } from './fuzz-engine.js';

const SEED = 20261125;
const TARGETS = ['einsum', 'parseDims', 'idx', 'checkpoint', 'checkpoint-resealed', 'checkpoint-header', 'npy'];

const worker = new FuzzWorker();
test.after(() => worker.close());

for (const name of TARGETS) {
  test(`fuzz ${name}: every case is accepted or rejected with an Error naming the input, in time and memory`, async () => {
    const s = await worker.run(name, { seed: SEED, numRuns: 2500, seconds: 5, caseBudgetMs: 5000, rssLimitMB: 512, hangMs: 15_000 });
    const shown = s.findings.slice(0, 5).map((f) => `  seed ${f.seed}: ${f.reason}\n    input ${f.input.slice(0, 200)}`).join('\n');
    assert.equal(s.findings.length, 0, `${s.findings.length} findings in ${s.cases} cases:\n${shown}`);
    assert.ok(s.cases >= 200, `only ${s.cases} cases ran`);
    assert.ok(s.rejected > 0 && s.errorKinds.length >= 2, `the mutations never reached the error paths (${s.errorKinds.length} kinds)`);
    console.log(`fuzz ${name}: ${s.cases} cases (${s.accepted} accepted, ${s.rejected} rejected, ${s.errorKinds.length} kinds of error) in ${s.seconds.toFixed(1)} s, slowest case ${s.slowestCaseMs.toFixed(0)} ms`);
  });
}

test('the fuzz engine reports a hang, a non-Error throw, a TypeError and a big allocation as findings', async () => {
  const cases = { 'selftest-hang': /hang: case still running/, 'selftest-non-error': /non-Error string/, 'selftest-type-error': /does not name the input.*TypeError/, 'selftest-allocation': /peak resident memory grew by \d+ MB/ };
  // A seed whose 20 cases hit the broken input (5) exactly once, so the hang costs one restart.
  const probe = targetByName('selftest-hang');
  let seed = 1;
  while (Array.from({ length: 20 }, (_, i) => caseInput(probe, seed + i)).filter((n) => n === 5).length !== 1) seed++;
  for (const [name, reason] of Object.entries(cases)) {
    const s = await worker.run(name, { seed, numRuns: 20, rssLimitMB: 256, hangMs: name === 'selftest-hang' ? 1500 : 30_000 });
    assert.ok(s.findings.length > 0, `${name}: no finding in ${s.cases} cases`);
    assert.match(s.findings[0]!.reason, reason);
    assert.equal(s.findings[0]!.input, '5');
    assert.equal(s.findings.length, 1, `${name}: ${s.findings.map((f) => f.reason).join('; ')}`);
    assert.equal(s.cases, 20, `${name}: the run goes on after a finding`);
  }
});
