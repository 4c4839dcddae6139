/**
 * The benchmark report as text: one table of GFLOP/s per library with dnnkit's ratios to its
 * peers, the backward/forward comparison, the LeNet-5 training step, and the issue's goals
 * marked reached or not. The same rows print as plain text (terminal) or markdown (README).
 */
import type { BenchReport, CellResult, LayerRow } from './harness.js';
import { AGREEMENT_TOLERANCE } from './harness.js';

/** dnnkit's 2-thread column is compared with these peers. */
const RATIO_PEERS = ['ort-web-2t', 'tfjs-wasm', 'tfjs-cpu', 'ort-node-2t'];
const MAIN = 'dnnkit-wasm-2t';

const gflops = (r: CellResult | undefined): number | null => (r && 'gflops' in r ? r.gflops : null);

function cell(r: CellResult | undefined): string {
  if (!r) return '';
  if ('skipped' in r) return '-';
  if ('error' in r) return 'error';
  const g = r.gflops >= 100 ? r.gflops.toFixed(0) : r.gflops >= 10 ? r.gflops.toFixed(1) : r.gflops.toFixed(2);
  return r.relErr !== undefined && !(r.relErr <= AGREEMENT_TOLERANCE) ? `${g} (DIFFERS)` : g;
}

const ratio = (a: number | null, b: number | null): string => (a !== null && b !== null && b > 0 ? `${(a / b).toFixed(2)}x` : '');

function rowLabel(r: LayerRow): [string, string] {
  const n = r.case.startsWith('gemm') ? '-' : r.N !== r.batch ? `${r.N}*` : String(r.N);
  return [r.title, n];
}

interface Table { header: string[]; rows: string[][] }

function layerTable(report: BenchReport): Table {
  const peers = report.peers.filter((p) => p.available && report.layers.some((l) => l.results[p.id] && !('skipped' in l.results[p.id]!)));
  const ratioPeers = RATIO_PEERS.filter((id) => peers.some((p) => p.id === id));
  // Ratio headers without the thread count: '2t/ort-web'.
  const label = (id: string): string => (report.peers.find((p) => p.id === id)?.label ?? id).replace(/ \d+t$/, '');
  // TF.js wasm is single-threaded in Node, so dnnkit 1t against it is the like-for-like ratio.
  const oneThread = peers.some((p) => p.id === 'dnnkit-wasm-1t') && ratioPeers.includes('tfjs-wasm');
  const header = ['layer', 'N', 'pass', 'MMAC', ...peers.map((p) => p.label), 'copy %', ...ratioPeers.map((id) => `2t/${label(id)}`),
    ...(oneThread ? [`1t/${label('tfjs-wasm')}`] : [])];
  const rows = report.layers.map((r) => {
    const main = r.results[MAIN];
    const copy = main && 'copyShare' in main && main.copyShare !== undefined ? (100 * main.copyShare).toFixed(0) : '';
    return [...rowLabel(r), r.pass, (r.macs / 1e6).toFixed(1), ...peers.map((p) => cell(r.results[p.id])), copy,
      ...ratioPeers.map((id) => ratio(gflops(main), gflops(r.results[id]))),
      ...(oneThread ? [ratio(gflops(r.results['dnnkit-wasm-1t']), gflops(r.results['tfjs-wasm']))] : [])];
  });
  return { header, rows };
}

/** Per conv layer and batch: dnnkit 2t time per FLOP of each gradient relative to the forward pass. */
function backwardTable(report: BenchReport): Table {
  const rows: string[][] = [];
  for (const f of report.layers.filter((l) => l.pass === 'fwd' && !l.case.startsWith('gemm'))) {
    const find = (pass: string): LayerRow | undefined => report.layers.find((l) => l.case === f.case && l.N === f.N && l.pass === pass);
    const fwd = gflops(f.results[MAIN]), dI = gflops(find('dI')?.results[MAIN]), dF = gflops(find('dF')?.results[MAIN]);
    if (fwd === null || (dI === null && dF === null)) continue;
    const slow = (g: number | null): string => (g !== null ? `${(fwd / g).toFixed(2)}` : '');
    rows.push([...rowLabel(f), fwd.toFixed(1), dI?.toFixed(1) ?? '', dF?.toFixed(1) ?? '', slow(dI), slow(dF),
      [dI, dF].every((g) => g !== null && fwd / g <= 1.5) ? 'yes' : 'no']);
  }
  return { header: ['layer', 'N', 'fwd GFLOP/s', 'dI GFLOP/s', 'dF GFLOP/s', 'dI time/FLOP vs fwd', 'dF time/FLOP vs fwd', 'within 1.5x'], rows };
}

function trainTable(report: BenchReport): Table {
  const t = report.training;
  const label = (id: string): string => report.peers.find((p) => p.id === id)?.label ?? id;
  const rows = (t?.results ?? []).map((r) => r.imagesPerSec !== undefined
    ? [label(r.peer), r.imagesPerSec.toFixed(0), r.medianMs!.toFixed(1), r.note ?? '']
    : [label(r.peer), r.skipped?.startsWith('cannot train') ? 'cannot train' : 'error', '', (r.skipped ?? '').replace(/^cannot train: /, '')]);
  return { header: ['library', 'images/s', 'ms/step', 'note'], rows };
}

/** The issue's targets, each with the measured figure. */
export function goals(report: BenchReport): string[] {
  const out: string[] = [];
  const best = (id: string, peer: string): { g: number | null; row?: LayerRow } => {
    let g: number | null = null; let row: LayerRow | undefined;
    for (const r of report.layers.filter((l) => l.case === id && l.pass === 'fwd')) {
      const v = gflops(r.results[peer]);
      if (v !== null && (g === null || v > g)) { g = v; row = r; }
    }
    return { g, row };
  };
  const mark = (ok: boolean): string => (ok ? 'reached' : 'NOT reached');
  for (const id of ['resnet50-3x3', 'resnet50-1x1', 'vgg16-conv1_2', 'gemm-1024']) {
    const { g, row } = best(id, MAIN);
    if (g === null || !row) continue;
    const ort = gflops(row.results['ort-web-2t']), tfw = gflops(row.results['tfjs-wasm']);
    const parts = [`${row.title} (N=${row.N}): ${g.toFixed(1)} GFLOP/s on 2 threads, target >= 70: ${mark(g >= 70)}`];
    if (ort !== null) parts.push(`${(g / ort).toFixed(2)}x ONNX Runtime Web (target 1.4x: ${mark(g / ort >= 1.4)})`);
    if (tfw !== null) {
      const one = gflops(row.results['dnnkit-wasm-1t']);
      parts.push(`${(g / tfw).toFixed(2)}x TF.js wasm (target 2x: ${mark(g / tfw >= 2)}${one !== null ? `; 1 thread each: ${(one / tfw).toFixed(2)}x` : ''})`);
    }
    out.push(parts.join('; '));
  }
  const dw = best('depthwise-3x3', MAIN);
  if (dw.g !== null && dw.row) {
    const ort = gflops(dw.row.results['ort-web-2t']);
    out.push(`${dw.row.title} (N=${dw.row.N}): ${dw.g.toFixed(1)} GFLOP/s${ort !== null ? `, ${(dw.g / ort).toFixed(2)}x ONNX Runtime Web (target 2x: ${mark(dw.g / ort >= 2)})` : ''}`);
  }
  const bw = backwardTable(report).rows;
  if (bw.length) out.push(`conv backward within 1.5x of forward time per FLOP: ${bw.filter((r) => r[7] === 'yes').length} of ${bw.length} layer/batch rows`);
  const train = report.training?.results.find((r) => r.peer === MAIN);
  if (train?.imagesPerSec !== undefined) {
    out.push(`LeNet-5 training at batch ${report.training!.batch}: ${train.imagesPerSec.toFixed(0)} images/s, target >= 10,000: ${mark(train.imagesPerSec >= 10000)}`);
  }
  return out;
}

function renderText(t: Table): string {
  const widths = t.header.map((h, i) => Math.max(h.length, ...t.rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(t.header), widths.map((w) => '-'.repeat(w)).join('  '), ...t.rows.map(line)].join('\n');
}

function renderMarkdown(t: Table): string {
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  return [line(t.header), line(t.header.map((_, i) => (i === 0 ? '---' : '---:'))), ...t.rows.map(line)].join('\n');
}

function unavailable(report: BenchReport): string[] {
  return report.peers.filter((p) => !p.available).map((p) => `${p.label}: unavailable (${p.reason})`);
}

/** The whole report as a terminal table (format 'text') or README markdown. */
export function formatReport(report: BenchReport, format: 'text' | 'markdown' = 'text'): string {
  const render = format === 'text' ? renderText : renderMarkdown;
  const load = (l: number[]): string => l.map((x) => x.toFixed(1)).join(' ');
  const parts = [
    `${report.date.slice(0, 16).replace('T', ' ')} UTC, ${report.machine.cpus} cores (${report.machine.model}), Node ${report.machine.node}, `
      + `load average ${load(report.machine.loadStart)} at start, ${load(report.machine.loadEnd)} at end; ${report.durationSec.toFixed(0)} s${report.quick ? ' (quick run)' : ''}`
      + `${report.machine.mallocTuned === false ? '; without the malloc tuning (src/cli/malloc-tuning.ts)' : report.machine.mallocTuned ? '; malloc tuning on (src/cli/malloc-tuning.ts)' : ''}`
      + `${report.machine.wasmVariant ? `; dnnkit's ${report.machine.wasmVariant === 'relaxed' ? 'relaxed-SIMD (fused multiply-add)' : 'SIMD128'} kernels` : ''}`,
    '',
    'GFLOP/s = 2 * MACs / median time; N* = batch reduced from 32; "-" = not run (see JSON for why); '
      + 'ratios are dnnkit on 2 threads over the peer; copy % = share of dnnkit 2t time the calling thread spends copying into and out of wasm memory (overlapped with the workers\' compute in staged and streamed calls).',
    '',
    render(layerTable(report)),
  ];
  const bw = backwardTable(report);
  if (bw.rows.length) parts.push('', 'Conv backward vs forward (dnnkit 2 threads):', '', render(bw));
  if (report.training) parts.push('', `LeNet-5 training step, batch ${report.training.batch} (forward + backward + SGD):`, '', render(trainTable(report)));
  const g = goals(report);
  if (g.length) parts.push('', 'Goals:', '', ...g.map((s) => `- ${s}`));
  const u = unavailable(report);
  if (u.length) parts.push('', ...u.map((s) => `- ${s}`));
  return parts.join('\n');
}
