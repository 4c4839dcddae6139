/**
 * Network explorer: dnnkit's summary() of a zoo model (or an imported ONNX model) as a table
 * and two bar charts, the share of MACs in CONV layers, and the einsum and loop nest of the
 * selected layer, printed by the einsum module.
 */
import * as zoo from '../../src/models/zoo.js';
import { summary, type LayerSummary, type Summary } from '../../src/analysis/summary.js';
import { displaySpec } from '../../src/einsum/layers.js';
import { printLoopNest } from '../../src/einsum/loopnest.js';
import { barChart } from './charts.js';
import { byId, compact, el, grouped, setStatus } from './dom.js';
import { showBackend } from './backend.js';
import { onnxSupport } from './onnx.js';

const $ = {
  model: byId<HTMLSelectElement>('model'),
  modelTitle: byId('model-title'),
  inputShape: byId<HTMLInputElement>('input-shape'),
  status: byId('status'),
  totals: byId('totals'),
  macChart: byId('mac-chart'),
  weightChart: byId('weight-chart'),
  layerName: byId('layer-name'),
  layerEinsum: byId('layer-einsum'),
  loopOrder: byId<HTMLInputElement>('loop-order'),
  loopBounds: byId<HTMLSelectElement>('loop-bounds'),
  loopStyle: byId<HTMLSelectElement>('loop-style'),
  loopNest: byId('loop-nest'),
  tableWrap: byId('table-wrap'),
  drop: byId('drop'),
  file: byId<HTMLInputElement>('onnx-file'),
};

let current: Summary | null = null;
/** Index into current.layers of the selected layer. */
let selected = -1;

const isCompute = (l: LayerSummary): boolean => l.macs > 0 || l.weights > 0;

function parseInputShape(text: string): number[] {
  const parts = text.trim().split(/\s*[x×,\s]\s*/).filter((p) => p.length > 0);
  const dims = parts.map(Number);
  if (dims.length !== 3 || !dims.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new Error(`input shape: expected C×H×W like 3x224x224, got '${text}'`);
  }
  return dims;
}

function loadZooModel(): void {
  const name = $.model.value;
  try {
    const e = zoo.entry(name);
    $.modelTitle.textContent = `${e.title}. ${e.source}${e.notes ? ` — ${e.notes}` : ''}`;
    const shape = parseInputShape($.inputShape.value);
    show(summary(zoo.arch(name, { inputShape: shape }), [1, ...shape]));
    setStatus($.status, '');
  } catch (err) {
    setStatus($.status, err instanceof Error ? err.message : String(err), 'error');
  }
}

/** Render a summary: totals, charts, table, and select its first CONV/FC layer. */
export function show(s: Summary): void {
  current = s;
  const t = s.totals;
  const stat = (label: string, value: string, id: string, exact?: number): HTMLElement =>
    el('span', { class: 'stat' }, el('b', { id, 'data-value': exact, title: exact === undefined ? undefined : grouped(exact) }, value), label);
  $.totals.replaceChildren(
    el('p', { class: 'mono' }, `${s.model}: input ${s.input.join('×')} → output ${s.output.join('×')}`),
    el('div', {},
      stat('weights (CONV + FC)', compact(t.weights), 'total-weights', t.weights),
      stat('parameters', compact(t.parameters), 'total-parameters', t.parameters),
      stat('MACs', compact(t.macs), 'total-macs', t.macs),
      stat('of MACs in CONV layers', `${(100 * t.convMacShare).toFixed(1)}%`, 'conv-mac-share', t.convMacShare),
      stat('of weights in CONV layers', `${(100 * t.convWeightShare).toFixed(1)}%`, 'conv-weight-share', t.convWeightShare),
      stat('CONV / FC layers', `${t.convLayers} / ${t.fcLayers}`, 'layer-counts'),
    ),
  );
  drawTable(s);
  const first = s.layers.findIndex(isCompute);
  select(first >= 0 ? first : 0);
}

function drawCharts(s: Summary): void {
  const compute = s.layers.map((l, i) => ({ l, i })).filter(({ l }) => isCompute(l));
  const at = compute.findIndex(({ i }) => i === selected);
  const onSelect = (k: number): void => select(compute[k]!.i);
  // Axis labels: the last part of the name (full names are in each bar's tooltip and the table).
  const short = (name: string): string => name.split('.').pop()!;
  $.macChart.replaceChildren(barChart(compute.map(({ l }) => ({
    label: short(l.name), value: l.macs, title: `${l.name} (${l.type}): ${grouped(l.macs)} MACs`,
  })), { label: `MACs per layer of ${s.model}`, selected: at, onSelect, height: 150 }));
  $.weightChart.replaceChildren(barChart(compute.map(({ l }) => ({
    label: short(l.name), value: l.weights, title: `${l.name} (${l.type}): ${grouped(l.weights)} weights`,
  })), { label: `Weights per layer of ${s.model}`, selected: at, alt: true, onSelect, height: 150 }));
}

const COLUMNS: Array<[string, (l: LayerSummary) => string | number | null]> = [
  ['layer', (l) => l.name], ['type', (l) => l.type], ['op', (l) => l.op],
  ['C', (l) => l.C], ['H', (l) => l.H], ['W', (l) => l.W], ['R', (l) => l.R], ['S', (l) => l.S],
  ['M', (l) => l.M], ['P', (l) => l.P], ['Q', (l) => l.Q], ['U', (l) => l.U],
  ['weights', (l) => grouped(l.weights)], ['MACs', (l) => grouped(l.macs)],
  ['output', (l) => l.outputShape.join('×')],
];

function drawTable(s: Summary): void {
  const head = el('thead', {}, el('tr', {}, ...COLUMNS.map(([h], k) => el('th', { scope: 'col', class: k < 3 ? 'text' : undefined }, h))));
  const rows = s.layers.map((l, i) => {
    const tr = el('tr', { tabindex: -1, 'aria-selected': 'false', 'data-index': i },
      ...COLUMNS.map(([, f], k) => el('td', { class: k < 3 || k === COLUMNS.length - 1 ? 'text' : undefined }, f(l) ?? '')));
    tr.addEventListener('click', () => select(i));
    tr.addEventListener('keydown', (e) => {
      const move: Record<string, number> = { ArrowDown: 1, ArrowUp: -1 };
      if (e.key in move) {
        e.preventDefault();
        const next = Math.min(s.layers.length - 1, Math.max(0, i + move[e.key]!));
        select(next, true);
      } else if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        select(i, true);
      }
    });
    return tr;
  });
  const t = s.totals;
  const foot = el('tfoot', {}, el('tr', {},
    el('td', { class: 'text' }, 'total'), el('td', { colspan: 11 }, ''),
    el('td', { id: 'table-total-weights' }, grouped(t.weights)), el('td', { id: 'table-total-macs' }, grouped(t.macs)), el('td', {}, '')));
  const table = el('table', { class: 'data', id: 'summary-table', 'aria-label': `Per-layer summary of ${s.model}` }, head, el('tbody', {}, ...rows), foot);
  $.tableWrap.replaceChildren(table);
}

function select(index: number, focus = false): void {
  if (!current) return;
  selected = index;
  const rows = $.tableWrap.querySelectorAll<HTMLTableRowElement>('tbody tr');
  rows.forEach((r, i) => {
    r.setAttribute('aria-selected', String(i === index));
    r.tabIndex = i === index ? 0 : -1;
  });
  const row = rows[index];
  if (row) {
    if (focus) row.focus();
    // Keep the selected row in view inside the table's own scroll box, not the page.
    const wrap = $.tableWrap;
    if (row.offsetTop < wrap.scrollTop + 30 || row.offsetTop > wrap.scrollTop + wrap.clientHeight - 30) {
      wrap.scrollTop = row.offsetTop - wrap.clientHeight / 2;
    }
  }
  drawCharts(current);
  drawLayer();
}

function drawLayer(): void {
  const l = current?.layers[selected];
  if (!l) return;
  $.layerName.textContent = `${l.name} — ${l.type} (${l.op}), input ${l.inputShape.join('×')} → output ${l.outputShape.join('×')}; ` +
    `${grouped(l.weights)} weights, ${grouped(l.macs)} MACs`;
  if (!l.einsum) {
    $.layerEinsum.textContent = `${l.op} is not an einsum layer (${l.type}); ${l.ops > 0 ? `${grouped(l.ops)} element operations` : 'no arithmetic'}.`;
    $.loopNest.textContent = '';
    return;
  }
  $.layerEinsum.replaceChildren(el('span', { class: 'mono', id: 'einsum-text' }, displaySpec(l.einsum)));
  const order = $.loopOrder.value.split(/[\s,]+/).filter((s) => s.length > 0);
  try {
    $.loopNest.textContent = printLoopNest(l.einsum, {
      order: order.length > 0 ? order : undefined,
      bounds: $.loopBounds.value as 'numeric' | 'symbolic',
      style: $.loopStyle.value as 'code' | 'pseudo',
    });
    setStatus($.status, '');
  } catch (err) {
    $.loopNest.textContent = '';
    setStatus($.status, err instanceof Error ? err.message : String(err), 'error');
  }
}

// ---------------------------------------------------------------------------------------------

async function openFile(file: File): Promise<void> {
  setStatus($.status, `reading ${file.name}…`);
  try {
    const s = await onnxSupport.summarize(new Uint8Array(await file.arrayBuffer()), file.name);
    // The model list shows the file; the input is the one the file declares (its FC sizes fix it).
    let option = $.model.querySelector<HTMLOptionElement>('option[value=""]');
    if (!option) $.model.prepend(option = el('option', { value: '' }));
    option.textContent = `ONNX: ${file.name}`;
    $.model.value = '';
    $.modelTitle.textContent = `ONNX file ${file.name}, imported by dnnkit in this page.`;
    $.inputShape.value = s.input.slice(1).join('×');
    $.inputShape.disabled = true;
    show(s);
    setStatus($.status, `opened ${file.name}`);
  } catch (err) {
    setStatus($.status, `${file.name}: ${err instanceof Error ? err.message : String(err)}`, 'error');
  }
}

for (const name of zoo.list()) $.model.append(el('option', { value: name }, zoo.entry(name).title.split(':')[0]!));
$.model.addEventListener('change', () => {
  if (!$.model.value) return;
  $.inputShape.disabled = false;
  $.inputShape.value = zoo.inputShape($.model.value).join('×');
  loadZooModel();
});
$.inputShape.addEventListener('change', loadZooModel);
for (const input of [$.loopOrder, $.loopBounds, $.loopStyle]) input.addEventListener('change', drawLayer);
$.loopOrder.addEventListener('input', drawLayer);
byId<HTMLFormElement>('controls').addEventListener('submit', (e) => e.preventDefault());
$.file.addEventListener('change', () => { if ($.file.files?.[0]) void openFile($.file.files[0]); });
$.drop.addEventListener('dragover', (e) => { e.preventDefault(); $.drop.classList.add('over'); });
$.drop.addEventListener('dragleave', () => $.drop.classList.remove('over'));
$.drop.addEventListener('drop', (e) => {
  e.preventDefault();
  $.drop.classList.remove('over');
  const f = e.dataTransfer?.files[0];
  if (f) void openFile(f);
});
if (!onnxSupport.available) {
  $.file.disabled = true;
  $.drop.querySelector('p')!.textContent = onnxSupport.reason;
}

const initial = new URLSearchParams(location.search).get('model');
$.model.value = initial && zoo.has(initial) ? initial : 'alexnet';
$.inputShape.value = zoo.inputShape($.model.value).join('×');
loadZooModel();
void showBackend();
document.documentElement.dataset.ready = 'true';
