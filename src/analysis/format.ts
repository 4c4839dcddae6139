/**
 * Report formats for a Summary: a table for an 80-column terminal (or `wide` with the whole
 * decoder ring), JSON, CSV and Markdown. Exact integers everywhere except the compact table
 * columns, which use K/M/G (powers of 1000) so they fit.
 */
import type { LayerSummary, Summary } from './types.js';

export type SummaryFormat = 'table' | 'json' | 'csv' | 'markdown';

/** The definitions printed under every report. */
export const DEFINITIONS = [
  'weights: elements of CONV/FC weight tensors (biases and batch-norm scale/shift counted apart).',
  'MACs: CONV/FC multiply-accumulates = size of the layer\'s einsum iteration space (the naive loop nest: zeros and padding included, bias adds not counted).',
  'ops: non-MAC work: window reads of a POOL, one per element for NORM/ACT/ADD.',
  'activations: elements of a layer\'s input/output fmaps, batch included.',
  'RF: receptive field, height x width of the input window one output activation depends on (image border ignored).',
  'N batch, C input channels, H W input height/width, R S filter height/width, M output channels, P Q output height/width, U stride.',
];

/** 1234567 -> '1,234,567' */
export function thousands(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/**
 * A count in at most 6 characters: exact below 10,000, else 3 significant digits with K/M/G/T.
 *
 * @example compact(724406816)  // '724M'
 */
export function compact(n: number): string {
  if (n < 10_000) return thousands(n);
  const units: Array<[number, string]> = [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'K']];
  for (const [scale, unit] of units) {
    if (n >= scale) {
      const v = n / scale;
      const text = v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
      return `${text}${unit}`;
    }
  }
  return String(n);
}

const dims = (shape: readonly number[]): string => shape.slice(1).join('x');

function percent(part: number, whole: number): string {
  return whole > 0 ? `${((100 * part) / whole).toFixed(1)}%` : '-';
}

/** Keep the end of a long name visible: 'inception4e.b3.reduce' -> '…ion4e.b3.reduce'. */
function fit(text: string, width: number): string {
  return text.length <= width ? text : `…${text.slice(text.length - width + 1)}`;
}

function kernelText(l: LayerSummary): string {
  if (l.R === null || l.S === null) return '';
  const k = l.R === l.S ? `${l.R}` : `${l.R}x${l.S}`;
  const stride = l.U !== null && l.U !== 1 ? `${k}/${l.U}` : k;
  // Grouped convs: 'dw' for depthwise (one filter per channel), else the group count.
  const g = l.groups !== null && l.groups > 1 ? (l.groups === l.C && l.groups === l.M ? ' dw' : ` g${l.groups}`) : '';
  return stride + g;
}

function pad(text: string, width: number, right = false): string {
  return right ? text.padStart(width) : text.padEnd(width);
}

function renderGrid(header: string[], rows: string[][], rightAligned: boolean[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => pad(c, widths[i]!, rightAligned[i])).join(' ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join(' '), ...rows.map(line)].join('\n');
}

function totalsLines(s: Summary): string[] {
  const t = s.totals;
  return [
    `weights      ${pad(thousands(t.weights), 15, true)}  (CONV ${thousands(t.convWeights)} = ${percent(t.convWeights, t.weights)}, FC ${thousands(t.fcWeights)})`,
    `biases       ${pad(thousands(t.biases), 15, true)}`,
    `BN params    ${pad(thousands(t.bnParams), 15, true)}`,
    `parameters   ${pad(thousands(t.parameters), 15, true)}  (${compact(t.parameters)}; weights + biases + BN params)`,
    `MACs         ${pad(thousands(t.macs), 15, true)}  (${compact(t.macs)}; CONV ${percent(t.convMacs, t.macs)}, FC ${percent(t.fcMacs, t.macs)})`,
    `layers       ${t.convLayers} CONV, ${t.fcLayers} FC`,
    `POOL ops     ${pad(thousands(t.poolOps), 15, true)}`,
    `activations  ${pad(thousands(t.activations), 15, true)}  (all layer outputs; largest ${thousands(t.maxActivations)})`,
  ];
}

/**
 * The summary as a table. The default fits 80 columns (layer, type, input, kernel/stride,
 * output, weights, MACs, receptive field); `wide` adds the whole decoder ring and every count.
 */
export function formatTable(s: Summary, options: { wide?: boolean } = {}): string {
  const title = `${s.model}: input ${s.input.join('x')} -> output ${s.output.join('x')}`;
  let grid: string;
  if (options.wide) {
    const header = ['layer', 'type', 'N', 'C', 'H', 'W', 'R', 'S', 'M', 'P', 'Q', 'U', 'pad', 'groups', 'weights', 'biases', 'BN', 'MACs', 'ops', 'in acts', 'out acts', 'RF'];
    const v = (x: number | null): string => (x === null ? '' : String(x));
    const rows = s.layers.map((l) => [
      l.name, l.type, v(l.N), v(l.C), v(l.H), v(l.W), v(l.R), v(l.S), v(l.M), v(l.P), v(l.Q), v(l.U),
      l.padding ? (l.padding[0] === l.padding[1] ? `${l.padding[0]}` : l.padding.join(',')) : '', v(l.groups),
      thousands(l.weights), thousands(l.biases), thousands(l.bnParams), thousands(l.macs), thousands(l.ops),
      thousands(l.inputActivations), thousands(l.outputActivations), l.receptiveField.join('x'),
    ]);
    grid = renderGrid(header, rows, header.map((_, i) => i >= 2));
  } else {
    const header = ['layer', 'type', 'input', 'R/U', 'output', 'weights', 'MACs', 'RF'];
    const rows = s.layers.map((l) => [
      fit(l.name, 22), l.type, dims(l.inputShape), kernelText(l), dims(l.outputShape),
      l.weights ? compact(l.weights) : '', l.macs ? compact(l.macs) : '', String(l.receptiveField[0]),
    ]);
    grid = renderGrid(header, rows, [false, false, true, true, true, true, true, true]);
  }
  return [title, '', grid, '', ...totalsLines(s), '', ...DEFINITIONS.flatMap((d) => wrap(`* ${d}`, 79)), ''].join('\n');
}

/** Break a line at spaces so it fits `width`, continuation lines indented by two. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) { lines.push(line); line = `  ${word}`; }
    else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

/** The summary as JSON (everything, including each layer's bound einsum). */
export function formatJson(s: Summary): string {
  return `${JSON.stringify(s, null, 2)}\n`;
}

const CSV_COLUMNS = ['name', 'type', 'op', 'N', 'C', 'H', 'W', 'R', 'S', 'M', 'P', 'Q', 'U', 'padH', 'padW', 'groups',
  'output', 'weights', 'biases', 'bnParams', 'macs', 'ops', 'inputActivations', 'outputActivations', 'rfH', 'rfW'] as const;

function csvCell(v: string | number | null): string {
  if (v === null) return '';
  const text = String(v);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function layerCells(l: LayerSummary): Array<string | number | null> {
  return [l.name, l.type, l.op, l.N, l.C, l.H, l.W, l.R, l.S, l.M, l.P, l.Q, l.U, l.padding?.[0] ?? null,
    l.padding?.[1] ?? null, l.groups, l.outputShape.join('x'), l.weights, l.biases, l.bnParams, l.macs, l.ops,
    l.inputActivations, l.outputActivations, l.receptiveField[0], l.receptiveField[1]];
}

/** The summary as CSV: one row per layer, then a TOTAL row. */
export function formatCsv(s: Summary): string {
  const t = s.totals;
  const total = CSV_COLUMNS.map((c): string | number | null => {
    switch (c) {
      case 'name': return 'TOTAL';
      case 'weights': return t.weights;
      case 'biases': return t.biases;
      case 'bnParams': return t.bnParams;
      case 'macs': return t.macs;
      case 'outputActivations': return t.activations;
      case 'output': return s.output.join('x');
      default: return null;
    }
  });
  return [CSV_COLUMNS.join(','), ...s.layers.map((l) => layerCells(l).map(csvCell).join(',')), total.map(csvCell).join(',')].join('\n') + '\n';
}

/** The summary as a Markdown table with totals and definitions. */
export function formatMarkdown(s: Summary): string {
  const header = ['layer', 'type', 'N', 'C', 'H', 'W', 'R', 'S', 'M', 'P', 'Q', 'U', 'pad', 'groups', 'weights', 'biases', 'BN', 'MACs', 'RF'];
  const v = (x: number | null): string => (x === null ? '' : String(x));
  const rows = s.layers.map((l) => [
    `\`${l.name}\``, l.type, v(l.N), v(l.C), v(l.H), v(l.W), v(l.R), v(l.S), v(l.M), v(l.P), v(l.Q), v(l.U),
    l.padding ? l.padding.join(',') : '', v(l.groups), thousands(l.weights), thousands(l.biases), thousands(l.bnParams),
    thousands(l.macs), l.receptiveField.join('x'),
  ]);
  const t = s.totals;
  return [
    `## ${s.model}`, '', `Input ${s.input.join('x')}, output ${s.output.join('x')}.`, '',
    `| ${header.join(' | ')} |`, `|${header.map((_, i) => (i >= 2 ? '---:' : '---')).join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`), '',
    '| total | value |', '|---|---:|',
    `| weights | ${thousands(t.weights)} |`, `| CONV weights | ${thousands(t.convWeights)} |`, `| FC weights | ${thousands(t.fcWeights)} |`,
    `| biases | ${thousands(t.biases)} |`, `| BN params | ${thousands(t.bnParams)} |`, `| parameters | ${thousands(t.parameters)} |`,
    `| MACs | ${thousands(t.macs)} |`, `| CONV MACs | ${thousands(t.convMacs)} (${percent(t.convMacs, t.macs)}) |`,
    `| FC MACs | ${thousands(t.fcMacs)} |`, `| CONV / FC layers | ${t.convLayers} / ${t.fcLayers} |`,
    `| activations | ${thousands(t.activations)} |`, '',
    ...DEFINITIONS.map((d) => `- ${d}`), '',
  ].join('\n');
}

/** Dispatch on a format name. */
export function formatSummary(s: Summary, format: SummaryFormat, options: { wide?: boolean } = {}): string {
  switch (format) {
    case 'table': return formatTable(s, options);
    case 'json': return formatJson(s);
    case 'csv': return formatCsv(s);
    case 'markdown': return formatMarkdown(s);
  }
}
