/**
 * The peer benchmark harness in quick mode on one tiny layer: it must produce a well-formed
 * report (every cell timed, skipped with a reason, or an error; dnnkit and TF.js agreeing),
 * a table, and through the CLI a JSON file. No timing assertions: the machine is shared.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AGREEMENT_TOLERANCE, runBench, type BenchReport } from '../../bench/harness.js';
import { formatReport } from '../../bench/table.js';
import { macsOf, TINY_CASE } from '../../bench/cases.js';
import { median, timeRuns } from '../../bench/timing.js';

function checkReport(r: BenchReport, peers: string[], passes: string[]): void {
  assert.equal(typeof r.date, 'string');
  assert.ok(r.machine.cpus >= 1);
  assert.equal(r.machine.loadEnd.length, 3);
  assert.deepEqual(r.peers.map((p) => p.id), peers);
  assert.deepEqual(r.layers.map((l) => l.pass), passes);
  for (const row of r.layers) {
    assert.equal(row.case, TINY_CASE.id);
    assert.equal(row.macs, macsOf(TINY_CASE, row.N));
    for (const id of peers) {
      const cell = row.results[id];
      assert.ok(cell, `${row.pass} has a result for ${id}`);
      if ('gflops' in cell) {
        assert.ok(cell.gflops > 0 && Number.isFinite(cell.gflops), `${id} ${row.pass} GFLOP/s ${cell.gflops}`);
        assert.ok(cell.medianMs > 0 && cell.bestMs <= cell.medianMs && cell.runs >= 1);
        // GFLOP/s is 2 * MACs over the median time.
        assert.ok(Math.abs(cell.gflops - (2 * row.macs) / (cell.medianMs * 1e6)) < 1e-9 * cell.gflops + 1e-12);
      } else {
        assert.ok('skipped' in cell, `${id} ${row.pass}: ${JSON.stringify(cell)}`);
      }
    }
  }
}

describe('bench harness (quick)', () => {
  it('times a tiny conv on dnnkit and TF.js cpu, checks they agree, formats a table', async () => {
    const peers = ['dnnkit-wasm-1t', 'tfjs-cpu'];
    const r = await runBench({ quick: true, cases: [TINY_CASE.id], peers, trainBatch: 2 });
    assert.equal(r.quick, true);
    checkReport(r, peers, ['fwd', 'dI', 'dF']);
    for (const row of r.layers) {
      const dnnkit = row.results['dnnkit-wasm-1t']!, tf = row.results['tfjs-cpu']!;
      assert.ok('gflops' in dnnkit && dnnkit.relErr === undefined, 'dnnkit is the reference of the agreement check');
      assert.ok('gflops' in tf, `tfjs-cpu ${row.pass}: ${JSON.stringify(tf)}`);
      assert.ok(tf.relErr !== undefined && tf.relErr < AGREEMENT_TOLERANCE, `tfjs-cpu ${row.pass} agrees with dnnkit: ${tf.relErr}`);
    }
    assert.equal(r.training?.batch, 2);
    const train = r.training!.results.find((t) => t.peer === 'dnnkit-wasm-1t');
    assert.ok(train?.imagesPerSec !== undefined && train.imagesPerSec > 0, JSON.stringify(r.training));
    const text = formatReport(r);
    assert.match(text, /tiny conv \(C4 12x12 M8 3x3 pad 1\)/);
    assert.match(text, /2t\/tfjs cpu|dnnkit 1t/);
    assert.match(text, /LeNet-5 training step, batch 2/);
    assert.match(formatReport(r, 'markdown'), /^\| layer \| N \| pass \|/m);
  });

  it('rejects unknown cases and peers by name', async () => {
    await assert.rejects(runBench({ quick: true, cases: ['resnet51'] }), /bench: unknown case resnet51; cases: .*resnet50-3x3/);
    await assert.rejects(runBench({ quick: true, peers: ['mxnet'] }), /bench: unknown peer mxnet; peers: .*ort-web-2t/);
  });

  it('the CLI writes the JSON report', () => {
    const compiled = import.meta.url.endsWith('.js');
    const runner = fileURLToPath(new URL(`../../bench/run.${compiled ? 'js' : 'ts'}`, import.meta.url));
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dnnkit-bench-'));
    try {
      const json = path.join(dir, 'out.json');
      const res = spawnSync(process.execPath, [...(compiled ? [] : ['--import', 'tsx']), runner, '--quick', '--only', TINY_CASE.id,
        '--peers', 'dnnkit-wasm-1t', '--no-train', '--no-backward', '--json', json], { encoding: 'utf8', timeout: 120_000 });
      assert.equal(res.status, 0, res.stderr);
      assert.match(res.stdout, /tiny conv/);
      const r = JSON.parse(readFileSync(json, 'utf8')) as BenchReport;
      checkReport(r, ['dnnkit-wasm-1t'], ['fwd']);
      assert.equal(r.training, null);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('timeRuns reports the median of the timed runs', async () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 2, 3]), 2.5);
    let calls = 0;
    const t = await timeRuns(() => { calls++; }, { minRuns: 4, maxRuns: 4, budgetMs: 0, warmupMs: 0, warmupRuns: 1 });
    assert.equal(t.runs, 4);
    assert.equal(calls, 5, 'one warm-up run, then the timed ones');
    calls = 0;
    await timeRuns(() => { calls++; }, { minRuns: 2, maxRuns: 2, budgetMs: 0, warmupMs: 0, warmupRuns: 8 });
    assert.equal(calls, 10, 'eight warm-up runs (first calls at a size page-fault their results in), then the timed ones');
  });
});
