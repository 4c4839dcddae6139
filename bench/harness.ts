/**
 * The peer benchmark: every layer case (forward, and for convolutions the data and filter
 * gradients) on every library that can run it, in one process and one run, plus a LeNet-5
 * training step. Each cell is checked against dnnkit's result before it is timed, so a fast
 * wrong answer cannot win.
 */
import { hasMallocTuning } from '../src/cli/malloc-tuning.js';
import { loadedVariant } from '../src/backends/wasm/loader.js';
import os from 'node:os';
import type { LayerCase } from './cases.js';
import { LAYER_CASES, TINY_CASE, convParams, effectiveBatch, macsOf } from './cases.js';
import type { Operands, Pass, Peer, Prepared } from './peers/peer.js';
import { seededArray } from './peers/peer.js';
import { FULL_PLAN, QUICK_PLAN, settle, timeInterleaved, timeRuns, type TimingPlan } from './timing.js';

export const ALL_PEER_IDS = ['dnnkit-wasm-2t', 'dnnkit-wasm-1t', 'dnnkit-ref', 'tfjs-cpu', 'tfjs-wasm', 'ort-web-2t', 'ort-node-2t', 'convnetjs'] as const;

export interface BenchOptions {
  /** Smoke run: few cases, two timed runs each. */
  quick?: boolean;
  /** Case ids to run (default: the full suite, or the quick set). */
  cases?: string[];
  /** Peer ids to run (default: all). */
  peers?: string[];
  /** Also time conv gradients (default true). */
  backward?: boolean;
  /** Also time the LeNet-5 training step (default true). */
  train?: boolean;
  trainBatch?: number;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

export type CellResult =
  | { gflops: number; medianMs: number; bestMs: number; runs: number; relErr?: number; copyShare?: number }
  | { skipped: string }
  | { error: string };

export interface LayerRow {
  case: string;
  title: string;
  pass: Pass;
  /** The batch asked for, and the one run (smaller for the huge layers). */
  batch: number;
  N: number;
  macs: number;
  results: Record<string, CellResult>;
}

export interface TrainResult {
  peer: string;
  imagesPerSec?: number;
  medianMs?: number;
  runs?: number;
  note?: string;
  skipped?: string;
}

export interface BenchReport {
  date: string;
  quick: boolean;
  machine: { cpus: number; model: string; node: string; loadStart: number[]; loadEnd: number[]; /** glibc thresholds of src/cli/malloc-tuning.ts set */ mallocTuned?: boolean;
  /** Which build of dnnkit's kernels ran: 'relaxed' (fused multiply-add) or 'simd' (src/cli/relaxed-simd.ts) */ wasmVariant?: string };
  peers: Array<{ id: string; label: string; available: boolean; reason?: string }>;
  layers: LayerRow[];
  training: { model: 'lenet5'; batch: number; results: TrainResult[] } | null;
  durationSec: number;
}

/** The quick (smoke) set: a tiny conv, LeNet-5 conv2 and the small GEMM. */
export const QUICK_CASES = [TINY_CASE.id, 'lenet5-conv2', 'gemm-512'];

/** The peers, in table order; dnnkit 2 threads first (it is the reference for the agreement check). */
export async function makePeers(ids: readonly string[]): Promise<Peer[]> {
  const peers: Peer[] = [];
  for (const id of ALL_PEER_IDS) {
    if (!ids.includes(id)) continue;
    if (id.startsWith('dnnkit')) {
      const { dnnkitPeer } = await import('./peers/dnnkit.js');
      peers.push(id === 'dnnkit-ref' ? dnnkitPeer('reference') : dnnkitPeer('wasm', id === 'dnnkit-wasm-2t' ? 2 : 1));
    } else if (id.startsWith('tfjs')) {
      const { tfjsPeer } = await import('./peers/tfjs.js');
      peers.push(tfjsPeer(id === 'tfjs-cpu' ? 'cpu' : 'wasm'));
    } else if (id.startsWith('ort')) {
      const { ortPeer } = await import('./peers/ort.js');
      peers.push(ortPeer(id.startsWith('ort-web') ? 'web' : 'node', 2));
    } else {
      const { convnetjsPeer } = await import('./peers/convnetjs.js');
      peers.push(convnetjsPeer());
    }
  }
  return peers;
}

/** Operands for one case at batch N, the same for every library. */
export function makeOperands(c: LayerCase, N: number): Operands {
  const empty = new Float32Array(0);
  if (c.gemm) {
    const { M, K, N: cols } = c.gemm;
    return { N: 1, x: empty, w: empty, dy: empty, a: seededArray(M * K, 1), b: seededArray(K * cols, 2) };
  }
  const p = convParams(c.conv!, N);
  return {
    N, conv: p, a: empty, b: empty,
    x: seededArray(p.N * p.C * p.H * p.W, 3),
    w: seededArray(p.M * (p.C / p.groups) * p.R * p.S, 4),
    dy: seededArray(p.N * p.M * p.P * p.Q, 5),
  };
}

/** max |a - ref| / max |ref|: 0 for identical results, ~1e-6 for float32 reassociation. */
export function relativeError(a: Float32Array, ref: Float32Array): number {
  if (a.length !== ref.length) return Infinity;
  let diff = 0, scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - ref[i]!));
    scale = Math.max(scale, Math.abs(ref[i]!));
  }
  return scale === 0 ? diff : diff / scale;
}

/** Results further than this from dnnkit's are marked as disagreeing. */
export const AGREEMENT_TOLERANCE = 1e-3;

function cpuModel(): string {
  const m = os.cpus()[0]?.model?.trim();
  return m && m.length > 0 ? m : 'unknown';
}

/**
 * Run the benchmark.
 * @example const report = await runBench({ quick: true, peers: ['dnnkit-wasm-1t'], cases: ['tiny-conv'] });
 */
export async function runBench(options: BenchOptions = {}): Promise<BenchReport> {
  const t0 = performance.now();
  const log = options.log ?? ((): void => {});
  const quick = options.quick ?? false;
  const plan: TimingPlan = quick ? QUICK_PLAN : FULL_PLAN;
  const all = [...LAYER_CASES, TINY_CASE];
  const caseIds = options.cases ?? (quick ? QUICK_CASES : LAYER_CASES.map((c) => c.id));
  const unknown = caseIds.filter((id) => !all.some((c) => c.id === id));
  if (unknown.length) throw new Error(`bench: unknown case ${unknown.join(', ')}; cases: ${all.map((c) => c.id).join(', ')}`);
  const cases = caseIds.map((id) => all.find((c) => c.id === id)!);
  const peerIds = options.peers ?? [...ALL_PEER_IDS];
  const badPeer = peerIds.filter((id) => !(ALL_PEER_IDS as readonly string[]).includes(id));
  if (badPeer.length) throw new Error(`bench: unknown peer ${badPeer.join(', ')}; peers: ${ALL_PEER_IDS.join(', ')}`);

  const report: BenchReport = {
    date: new Date().toISOString(), quick,
    machine: { cpus: os.cpus().length, model: cpuModel(), node: process.version, loadStart: os.loadavg(), loadEnd: [], mallocTuned: hasMallocTuning() },
    peers: [], layers: [], training: null, durationSec: 0,
  };
  const peers: Peer[] = [];
  for (const peer of await makePeers(peerIds)) {
    const reason = await peer.init();
    report.peers.push({ id: peer.id, label: peer.label, available: reason === null, ...(reason ? { reason } : {}) });
    log(reason ? `${peer.id}: unavailable (${reason})` : `${peer.id}: ready`);
    if (reason === null) peers.push(peer);
  }

  for (const c of cases) {
    const passes: Pass[] = c.conv && (options.backward ?? true) ? ['fwd', 'dI', 'dF'] : ['fwd'];
    for (const batch of quick ? [c.batches[0]!] : c.batches) {
      const N = effectiveBatch(c, batch);
      const ops = makeOperands(c, N);
      for (const pass of passes) {
        const row: LayerRow = { case: c.id, title: c.title, pass, batch, N, macs: macsOf(c, N), results: {} };
        row.results = await runCells(peers, c, pass, N, ops, plan, row.macs);
        for (const [id, r] of Object.entries(row.results)) {
          log(`${c.id} N=${N} ${pass} ${id}: ${'gflops' in r ? `${r.gflops.toFixed(2)} GFLOP/s` : 'error' in r ? `error ${r.error}` : r.skipped}`);
        }
        report.layers.push(row);
      }
    }
  }

  if (options.train ?? true) {
    const batch = options.trainBatch ?? 64;
    const results: TrainResult[] = [];
    for (const peer of peers) {
      if (!peer.lenetTrainStep || peer.id === 'dnnkit-ref') continue;
      try {
        await peer.activate?.();
        const step = await peer.lenetTrainStep(batch);
        if (typeof step === 'string') { results.push({ peer: peer.id, skipped: step }); continue; }
        // One library after another: a step allocates (TF.js cpu, ConvNetJS: whole seconds of
        // garbage), and in turns the next library's steps would pay for collecting it (dnnkit's
        // LeNet-5 step measured 6.6 ms in turns, 5.0-5.7 one after another in other runs).
        await settle();
        const t = await timeRuns(step.run, plan);
        await step.dispose?.();
        results.push({ peer: peer.id, imagesPerSec: batch / t.median, medianMs: t.median * 1e3, runs: t.runs, ...(step.note ? { note: step.note } : {}) });
        log(`lenet5 train N=${batch} ${peer.id}: ${(batch / t.median).toFixed(0)} images/s`);
      } catch (e) {
        results.push({ peer: peer.id, skipped: `error: ${errorLine(e)}` });
      }
    }
    report.training = { model: 'lenet5', batch, results };
  }
  report.machine.loadEnd = os.loadavg();
  if (loadedVariant) report.machine.wasmVariant = loadedVariant;
  report.durationSec = (performance.now() - t0) / 1000;
  return report;
}

/** An error's first line (a peer's messages can run to stack-like detail). */
function errorLine(e: unknown): string {
  return (e as Error).message.split('\n')[0]!;
}

/**
 * One row's cells: every peer that runs this layer and pass is prepared and its output checked
 * against the first one's (dnnkit on 2 threads), then all are timed taking turns
 * (timeInterleaved), so that the machine's drift during the row hits them alike.
 */
async function runCells(peers: Peer[], c: LayerCase, pass: Pass, N: number, ops: Operands, plan: TimingPlan,
                        macs: number): Promise<Record<string, CellResult>> {
  const results: Record<string, CellResult> = {};
  const ready: Array<{ peer: Peer; prepared: Prepared; relErr?: number }> = [];
  let ref: Float32Array | null = null;
  for (const peer of peers) {
    const why = peer.skip(c, pass, N);
    if (why) { results[peer.id] = { skipped: why }; continue; }
    let prepared: Prepared | null = null;
    try {
      await peer.activate?.();
      prepared = await peer.prepare(c, pass, ops);
      const out = await prepared.output();
      if (!ref) ref = out;
      ready.push({ peer, prepared, ...(out !== ref ? { relErr: relativeError(out, ref) } : {}) });
    } catch (e) {
      results[peer.id] = { error: errorLine(e) };
      await prepared?.dispose?.();
    }
  }
  // A run that throws ends its peer's cell with the error; the others go on.
  const failed = new Map<number, string>();
  const guarded = (i: number, run: () => unknown) => async (): Promise<void> => {
    if (failed.has(i)) return;
    try { await run(); } catch (e) { failed.set(i, errorLine(e)); }
  };
  try {
    const timings = await timeInterleaved(ready.map(({ peer, prepared }, i) => ({ run: guarded(i, prepared.run), before: () => peer.activate?.() })), plan);
    for (const [i, { peer, prepared, relErr }] of ready.entries()) {
      if (failed.has(i)) { results[peer.id] = { error: failed.get(i)! }; continue; }
      const t = timings[i]!;
      await peer.activate?.();
      const copyShare = peer.copyShare ? await peer.copyShare(prepared) : undefined;
      results[peer.id] = {
        gflops: (2 * macs) / t.median / 1e9, medianMs: t.median * 1e3, bestMs: t.best * 1e3, runs: t.runs,
        ...(relErr !== undefined ? { relErr } : {}), ...(copyShare !== undefined && copyShare > 0 ? { copyShare } : {}),
      };
    }
  } catch (e) {
    for (const { peer } of ready) results[peer.id] ??= { error: errorLine(e) };
  } finally {
    for (const { prepared } of ready) await prepared.dispose?.();
  }
  // Table order: the peers' order.
  return Object.fromEntries(peers.filter((p) => results[p.id]).map((p) => [p.id, results[p.id]!]));
}
