/**
 * Convolution explorer: the textbook picture of a CONV (or POOL, or upsampling) layer, live.
 * Every output value comes from dnnkit's ops (F.conv2d, F.convolve2d, F.maxPool2d,
 * F.avgPool2d, F.upsample); the page only works out which input cells each output reads, to
 * highlight them, and recomputes that output's products and sum with dnnkit tensors.
 */
import * as F from '../../src/ops/functional.js';
import { tensor } from '../../src/tensor/creation.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { byId, el, fmt, setStatus } from './dom.js';
import { formatMatrix, gridTable, parseMatrix, type Cell } from './grid.js';
import { showBackend } from './backend.js';

type Op = 'xcorr' | 'conv' | 'maxpool' | 'avgpool' | 'zeros' | 'nearest';

const DEFAULT_INPUT = [
  [1, 2, 0, 1, 3],
  [0, 1, 3, 2, 1],
  [2, 0, 1, 1, 0],
  [1, 3, 2, 0, 2],
  [0, 1, 1, 2, 1],
];
/** The 3×3 cross of ones. */
const DEFAULT_FILTER = [
  [0, 1, 0],
  [1, 1, 1],
  [0, 1, 0],
];
const MAX_INPUT_SIDE = 12;
const MAX_FILTER_SIDE = 7;

/** The op names shown next to results. */
const OP_FN: Record<Op, string> = {
  xcorr: 'F.conv2d', conv: 'F.convolve2d', maxpool: 'F.maxPool2d', avgpool: 'F.avgPool2d',
  zeros: "F.upsample (mode 'zeros')", nearest: "F.upsample (mode 'nearest')",
};

interface Settings {
  op: Op;
  stride: number;
  padding: number;
  dilation: number;
  winR: number;
  winS: number;
  input: number[][];
  filter: number[][];
}

/** One input cell an output reads: where it sits in the displayed (padded) input, its weight. */
interface Tap {
  row: number;
  col: number;
  /** The input value read (0 for zero padding, -Infinity for max pooling's padding). */
  value: number;
  /** The filter weight it is multiplied by (filter/window coordinates), when there is one. */
  r: number;
  s: number;
  weight?: number;
}

interface Result {
  settings: Settings;
  out: Tensor;
  P: number;
  Q: number;
  /** Padding drawn around the input: [top and bottom, left and right]. */
  shownPad: [number, number];
  padValue: number;
  /** The filter as it is applied (flipped for true convolution), or null for pooling/upsampling. */
  applied: number[][] | null;
  taps: (p: number, q: number) => Tap[];
}

const $ = {
  form: byId<HTMLFormElement>('controls'),
  stride: byId<HTMLInputElement>('stride'),
  padding: byId<HTMLInputElement>('padding'),
  dilation: byId<HTMLInputElement>('dilation'),
  winR: byId<HTMLInputElement>('win-r'),
  winS: byId<HTMLInputElement>('win-s'),
  input: byId<HTMLTextAreaElement>('input-text'),
  filter: byId<HTMLTextAreaElement>('filter-text'),
  status: byId('status'),
  sizeFormula: byId('size-formula'),
  position: byId('position'),
  inputGrid: byId('input-grid'),
  filterGrid: byId('filter-grid'),
  filterBox: byId('filter-box'),
  filterCaption: byId('filter-caption'),
  outputGrid: byId('output-grid'),
  outCaption: byId('out-caption'),
  inCaption: byId('in-caption'),
  products: byId('products'),
  einsum: byId('einsum'),
  prev: byId<HTMLButtonElement>('prev'),
  next: byId<HTMLButtonElement>('next'),
  windowRow: byId('window-row'),
  strideLabel: byId('stride-label'),
};

let result: Result | null = null;
let position = 0;

function intOf(input: HTMLInputElement, name: string, min: number): number {
  const v = Number(input.value);
  if (!Number.isInteger(v) || v < min) throw new Error(`${name} must be an integer ≥ ${min}, got '${input.value}'`);
  if (v > Number(input.max)) throw new Error(`${name} must be at most ${input.max} here, got ${v}`);
  return v;
}

function currentOp(): Op {
  return (new FormData($.form).get('op') ?? 'xcorr') as Op;
}

function readSettings(): Settings {
  const op = currentOp();
  return {
    op,
    stride: intOf($.stride, op === 'zeros' || op === 'nearest' ? 'scale factor U' : 'stride U', 1),
    padding: intOf($.padding, 'padding', 0),
    dilation: intOf($.dilation, 'dilation', 1),
    winR: intOf($.winR, 'window R', 1),
    winS: intOf($.winS, 'window S', 1),
    input: parseMatrix($.input.value, 'input I', MAX_INPUT_SIDE),
    filter: parseMatrix($.filter.value, 'filter F', MAX_FILTER_SIDE),
  };
}

const asTensor4 = (m: number[][]): Tensor => tensor(m.flat(), [1, 1, m.length, m[0]!.length]);

/** Run the selected op with dnnkit and describe which input cells each output reads. */
function compute(s: Settings): Result {
  const x = asTensor4(s.input);
  const H = s.input.length, W = s.input[0]!.length;
  const U = s.stride, pad = s.padding, d = s.dilation;
  const at = (m: number[][], i: number, j: number, fill: number): number =>
    i >= 0 && i < m.length && j >= 0 && j < m[0]!.length ? m[i]![j]! : fill;
  switch (s.op) {
    case 'xcorr': {
      const R = s.filter.length, S = s.filter[0]!.length;
      const out = F.conv2d(x, asTensor4(s.filter), null, { stride: U, padding: pad, dilation: d });
      return {
        settings: s, out, P: out.shape[2]!, Q: out.shape[3]!, shownPad: [pad, pad], padValue: 0, applied: s.filter,
        taps: (p, q) => windowTaps(R, S, (r, c) => [U * p + d * r, U * q + d * c],
          (i, j) => at(s.input, i - pad, j - pad, 0), (r, c) => s.filter[r]![c]!),
      };
    }
    case 'conv': {
      // Signal-processing convolution: flip the filter and slide it over the input padded
      // by R-1 and S-1, so every overlap counts (full output, N+M-1 per side).
      const R = s.filter.length, S = s.filter[0]!.length;
      const out = F.convolve2d(x, asTensor4(s.filter));
      const flipped = s.filter.map((row) => [...row].reverse()).reverse();
      return {
        settings: s, out, P: out.shape[2]!, Q: out.shape[3]!, shownPad: [R - 1, S - 1], padValue: 0, applied: flipped,
        taps: (p, q) => windowTaps(R, S, (r, c) => [p + r, q + c],
          (i, j) => at(s.input, i - (R - 1), j - (S - 1), 0), (r, c) => flipped[r]![c]!),
      };
    }
    case 'maxpool':
    case 'avgpool': {
      const R = s.winR, S = s.winS;
      const options = { kernelSize: [R, S] as [number, number], stride: U, padding: pad };
      const out = s.op === 'maxpool' ? F.maxPool2d(x, { ...options, dilation: d }) : F.avgPool2d(x, options);
      // Max pooling pads with -inf (a pad never wins); average pooling counts zero pads (PyTorch's countIncludePad).
      const fill = s.op === 'maxpool' ? -Infinity : 0;
      const dd = s.op === 'maxpool' ? d : 1;
      return {
        settings: s, out, P: out.shape[2]!, Q: out.shape[3]!, shownPad: [pad, pad], padValue: fill, applied: null,
        taps: (p, q) => windowTaps(R, S, (r, c) => [U * p + dd * r, U * q + dd * c], (i, j) => at(s.input, i - pad, j - pad, fill)),
      };
    }
    case 'zeros':
    case 'nearest': {
      const out = F.upsample(x, { scaleFactor: U, mode: s.op });
      return {
        settings: s, out, P: out.shape[2]!, Q: out.shape[3]!, shownPad: [0, 0], padValue: 0, applied: null,
        taps: (p, q) => {
          if (s.op === 'zeros' && (p % U !== 0 || q % U !== 0)) return [];
          const h = Math.floor(p / U), w = Math.floor(q / U);
          return h < H && w < W ? [{ row: h, col: w, value: s.input[h]![w]!, r: 0, s: 0 }] : [];
        },
      };
    }
  }
}

function windowTaps(R: number, S: number, where: (r: number, s: number) => [number, number],
                    value: (i: number, j: number) => number, weight?: (r: number, s: number) => number): Tap[] {
  const taps: Tap[] = [];
  for (let r = 0; r < R; r++) {
    for (let c = 0; c < S; c++) {
      const [row, col] = where(r, c);
      taps.push({ row, col, value: value(row, col), r, s: c, weight: weight?.(r, c) });
    }
  }
  return taps;
}

// ---------------------------------------------------------------------------------------------
// Drawing

function drawSizeFormula(res: Result): void {
  const s = res.settings;
  const H = s.input.length, W = s.input[0]!.length;
  const v = (x: number | string): HTMLElement => el('span', { class: 'val' }, String(x));
  const line = (...parts: Array<string | HTMLElement>): HTMLElement => el('span', { class: 'line' }, ...parts, el('br'));
  const got = el('span', { id: 'out-size', 'data-p': res.P, 'data-q': res.Q }, `${res.P}×${res.Q}`);
  const nodes: HTMLElement[] = [];
  if (s.op === 'xcorr' || s.op === 'maxpool' || s.op === 'avgpool') {
    const R = s.op === 'xcorr' ? s.filter.length : s.winR, S = s.op === 'xcorr' ? s.filter[0]!.length : s.winS;
    const d = s.op === 'avgpool' ? 1 : s.dilation, U = s.stride, pad = s.padding;
    const P = Math.floor((H + 2 * pad - d * (R - 1) - 1) / U) + 1;
    const Q = Math.floor((W + 2 * pad - d * (S - 1) - 1) / U) + 1;
    nodes.push(line('P = ⌊(H + 2·pad − d·(R−1) − 1) / U⌋ + 1 = ⌊(', v(H), ' + 2·', v(pad), ' − ', v(d), '·(', v(R), '−1) − 1) / ', v(U), '⌋ + 1 = ', v(P)));
    nodes.push(line('Q = ⌊(W + 2·pad − d·(S−1) − 1) / U⌋ + 1 = ⌊(', v(W), ' + 2·', v(pad), ' − ', v(d), '·(', v(S), '−1) − 1) / ', v(U), '⌋ + 1 = ', v(Q)));
    // The floor: when the stride does not divide the span, the last rows/columns are never read.
    const remH = (H + 2 * pad - d * (R - 1) - 1) % U, remW = (W + 2 * pad - d * (S - 1) - 1) % U;
    if (remH > 0 || remW > 0) {
      nodes.push(el('span', { class: 'line', id: 'remainder' }, `The stride leaves a remainder: the last ${remH} row(s) and ${remW} column(s) of the padded input are never read.`, el('br')));
    }
  } else if (s.op === 'conv') {
    const R = s.filter.length, S = s.filter[0]!.length;
    nodes.push(line('Full convolution: P = H + R − 1 = ', v(H), ' + ', v(R), ' − 1 = ', v(H + R - 1)));
    nodes.push(line('Q = W + S − 1 = ', v(W), ' + ', v(S), ' − 1 = ', v(W + S - 1)));
  } else {
    nodes.push(line('P = U·H = ', v(s.stride), '·', v(H), ' = ', v(s.stride * H)));
    nodes.push(line('Q = U·W = ', v(s.stride), '·', v(W), ' = ', v(s.stride * W)));
  }
  $.sizeFormula.replaceChildren(...nodes, `Output of ${OP_FN[s.op]}: `, got);
}

function draw(): void {
  if (!result) return;
  const res = result;
  const s = res.settings;
  const total = res.P * res.Q;
  position = Math.min(Math.max(position, 0), total - 1);
  const p = Math.floor(position / res.Q), q = position % res.Q;
  const taps = res.taps(p, q);
  const H = s.input.length, W = s.input[0]!.length, [padH, padW] = res.shownPad;

  // Input, padded: the window of this output is highlighted, the cells it reads strongly.
  const tapAt = new Map<string, Tap>();
  const box = { r0: Infinity, r1: -Infinity, c0: Infinity, c1: -Infinity };
  for (const t of taps) {
    tapAt.set(`${t.row},${t.col}`, t);
    box.r0 = Math.min(box.r0, t.row); box.r1 = Math.max(box.r1, t.row);
    box.c0 = Math.min(box.c0, t.col); box.c1 = Math.max(box.c1, t.col);
  }
  const inputCells: Cell[][] = [];
  for (let i = 0; i < H + 2 * padH; i++) {
    const row: Cell[] = [];
    for (let j = 0; j < W + 2 * padW; j++) {
      const inside = i >= padH && i < H + padH && j >= padW && j < W + padW;
      const value = inside ? s.input[i - padH]![j - padW]! : res.padValue;
      const classes: string[] = [];
      if (!inside) classes.push('pad');
      if (i >= box.r0 && i <= box.r1 && j >= box.c0 && j <= box.c1) classes.push('win');
      if (tapAt.has(`${i},${j}`)) classes.push('tap');
      row.push({ text: fmt(value), value, classes, title: inside ? `I[${i - padH},${j - padW}] = ${fmt(value)}` : 'padding' });
    }
    inputCells.push(row);
  }
  $.inCaption.textContent = padH + padW > 0
    ? `Input I, ${H}×${W}, padded by ${padH === padW ? padH : `${padH} rows and ${padW} columns`} (dashed)` : `Input I, ${H}×${W}`;
  $.inputGrid.replaceChildren(gridTable(inputCells, 'Input feature map', { id: 'input-table' }));

  if (res.applied) {
    const tapW = new Set(taps.map((t) => `${t.r},${t.s}`));
    const fCells = res.applied.map((row, r) => row.map((w, c) => ({
      text: fmt(w), value: w, classes: tapW.has(`${r},${c}`) ? ['tap'] : [], title: `F[${r},${c}] = ${fmt(w)}`,
    })));
    $.filterCaption.textContent = s.op === 'conv' ? 'Filter, flipped (true convolution)' : `Filter F, ${res.applied.length}×${res.applied[0]!.length}`;
    $.filterGrid.replaceChildren(gridTable(fCells, 'Filter', { id: 'filter-table' }));
    $.filterBox.hidden = false;
  } else {
    $.filterBox.hidden = true;
  }

  const data = res.out.data;
  const outCells: Cell[][] = [];
  for (let i = 0; i < res.P; i++) {
    const row: Cell[] = [];
    for (let j = 0; j < res.Q; j++) {
      const value = data[i * res.Q + j]!;
      const classes = i === p && j === q ? ['cur'] : [];
      if (s.op === 'zeros' && (i % s.stride !== 0 || j % s.stride !== 0)) classes.push('zero-inserted');
      row.push({ text: fmt(value), value, classes, title: `O[${i},${j}] = ${fmt(value)}` });
    }
    outCells.push(row);
  }
  $.outCaption.textContent = `Output O, ${res.P}×${res.Q} (arrow keys move)`;
  const outTable = gridTable(outCells, `Output feature map, ${res.P} by ${res.Q}; arrow keys move the current position`, {
    id: 'output-table', tabindex: 0, 'aria-describedby': 'products',
  });
  outTable.addEventListener('keydown', onKey);
  outTable.addEventListener('click', (e) => {
    const td = (e.target as HTMLElement).closest('td');
    if (td) { position = Number(td.dataset.r) * res.Q + Number(td.dataset.c); draw(); }
  });
  const hadFocus = document.activeElement?.id === 'output-table';
  $.outputGrid.replaceChildren(outTable);
  if (hadFocus) outTable.focus();

  $.position.textContent = `O[${p},${q}] — position ${position + 1} of ${total}`;
  $.position.dataset.p = String(p);
  $.position.dataset.q = String(q);
  $.prev.disabled = position === 0;
  $.next.disabled = position === total - 1;
  drawProducts(res, p, q, taps);
}

/** This output's products and their sum, computed with dnnkit tensors and checked against the op's output. */
function drawProducts(res: Result, p: number, q: number, taps: Tap[]): void {
  const s = res.settings;
  const shown = res.out.data[p * res.Q + q]!;
  const [padH, padW] = res.shownPad;
  const name = (t: Tap): string => {
    const i = t.row - padH, j = t.col - padW;
    return i >= 0 && i < s.input.length && j >= 0 && j < s.input[0]!.length ? `I[${i},${j}]` : 'pad';
  };
  let text: string;
  let check: number;
  if (s.op === 'xcorr' || s.op === 'conv') {
    const values = tensor(taps.map((t) => t.value));
    const weights = tensor(taps.map((t) => t.weight!));
    const products = values.mul(weights);
    check = products.sum().item();
    const terms = taps.map((t) => `${fmt(t.value)}·${fmt(t.weight!)}`);
    const prodText = Array.from(products.data, (v) => fmt(v)).join(' + ');
    text = `O[${p},${q}] = ${terms.join(' + ')}\n= ${prodText}\n= ${fmt(check)}`;
  } else if (s.op === 'maxpool' || s.op === 'avgpool') {
    const values = tensor(taps.map((t) => t.value));
    check = s.op === 'maxpool' ? values.max().item() : values.mean().item();
    const list = taps.map((t) => `${fmt(t.value)}${name(t) === 'pad' ? ' (pad)' : ''}`).join(', ');
    text = s.op === 'maxpool' ? `O[${p},${q}] = max(${list}) = ${fmt(check)}`
      : `O[${p},${q}] = (${list.replace(/, /g, ' + ')}) / ${taps.length} = ${fmt(check)}`;
  } else if (taps.length === 0) {
    check = 0;
    text = `O[${p},${q}] = 0: zero insertion places input values only where p and q are multiples of U = ${s.stride}`;
  } else {
    const t = taps[0]!;
    check = t.value;
    text = s.op === 'zeros'
      ? `O[${p},${q}] = O[U·${p / s.stride},U·${q / s.stride}] = ${name(t)} = ${fmt(t.value)}`
      : `O[${p},${q}] = I[⌊${p}/${s.stride}⌋,⌊${q}/${s.stride}⌋] = ${name(t)} = ${fmt(t.value)}`;
  }
  const agrees = Math.abs(check - shown) <= 1e-4 * Math.max(1, Math.abs(shown));
  const verdict = el('span', { class: agrees ? 'ok' : 'bad', id: 'agrees', 'data-agrees': String(agrees) },
    agrees ? ` ✓ equals ${OP_FN[s.op]}'s output ${fmt(shown)}` : ` ✗ but ${OP_FN[s.op]} gave ${fmt(shown)}`);
  const lines = text.split('\n');
  $.products.replaceChildren(...lines.flatMap((l, i) => (i === 0 ? [l] : [el('br'), l])), verdict);
  $.einsum.textContent = EINSUM[s.op];
}

const EINSUM: Record<Op, string> = {
  xcorr: 'Einsum: O[n,m,p,q] = I[n,c,U*p+d*r-pad, U*q+d*s-pad] * F[m,c,r,s] — summed over c, r, s; reads outside the input are zero padding.',
  conv: 'True convolution flips the filter: O[p,q] = Σ I[p−r, q−s]·F[r,s], the full output (H+R−1)×(W+S−1). CNN layers do not flip (cross-correlation).',
  maxpool: 'Max pooling: O[n,c,p,q] = max over r,s of I[n,c,U*p+d*r−pad, U*q+d*s−pad]; padding never wins (−∞).',
  avgpool: 'Average pooling: O[n,c,p,q] = I[n,c,U*p+r−pad, U*q+s−pad] / (R*S); zero padding counts (countIncludePad).',
  zeros: 'Zero insertion: O[n,c,U*h,U*w] = I[n,c,h,w]; every other output is 0.',
  nearest: 'Nearest upsampling: O[n,c,U*h+r,U*w+s] = I[n,c,h,w] for r, s in [0, U).',
};

// ---------------------------------------------------------------------------------------------
// Controls

function update(): void {
  const op = currentOp();
  const pool = op === 'maxpool' || op === 'avgpool';
  const up = op === 'zeros' || op === 'nearest';
  $.windowRow.hidden = !pool;
  $.padding.disabled = op === 'conv' || up;
  $.dilation.disabled = op === 'conv' || up || op === 'avgpool';
  $.stride.disabled = op === 'conv';
  $.strideLabel.firstChild!.textContent = up ? 'Scale factor U' : 'Stride U';
  $.filter.disabled = pool || up;
  try {
    result = compute(readSettings());
    setStatus($.status, '');
    $.outputGrid.classList.remove('stale');
  } catch (err) {
    setStatus($.status, err instanceof Error ? err.message : String(err), 'error');
    return;
  }
  drawSizeFormula(result);
  draw();
}

/** Textbook defaults when the operation changes: pooling 2×2 stride 2, upsampling ×2, conv stride 1. */
function onOpChange(): void {
  const op = currentOp();
  if (op === 'maxpool' || op === 'avgpool') { $.stride.value = '2'; $.padding.value = '0'; $.dilation.value = '1'; }
  else if (op === 'zeros' || op === 'nearest') { $.stride.value = '2'; }
  else { $.stride.value = '1'; }
  position = 0;
  update();
}

function move(delta: number | 'home' | 'end', rowStep = false): void {
  if (!result) return;
  const total = result.P * result.Q;
  if (delta === 'home') position = 0;
  else if (delta === 'end') position = total - 1;
  else {
    // Up from the first row or down from the last stays put, as in a spreadsheet.
    const next = position + (rowStep ? delta * result.Q : delta);
    if (next < 0 || next >= total) return;
    position = next;
  }
  draw();
}

function onKey(e: KeyboardEvent): void {
  const keys: Record<string, () => void> = {
    ArrowRight: () => move(1), ArrowLeft: () => move(-1),
    ArrowDown: () => move(1, true), ArrowUp: () => move(-1, true),
    Home: () => move('home'), End: () => move('end'),
  };
  const action = keys[e.key];
  if (action) { e.preventDefault(); e.stopPropagation(); action(); }
}

function reset(): void {
  $.input.value = formatMatrix(DEFAULT_INPUT);
  $.filter.value = formatMatrix(DEFAULT_FILTER);
  $.stride.value = '1'; $.padding.value = '0'; $.dilation.value = '1';
  $.winR.value = '2'; $.winS.value = '2';
  (document.querySelector('input[name="op"][value="xcorr"]') as HTMLInputElement).checked = true;
  position = 0;
  update();
}

function randomize(): void {
  const H = 4 + Math.floor(Math.random() * 4), W = 4 + Math.floor(Math.random() * 4);
  const m = Array.from({ length: H }, () => Array.from({ length: W }, () => Math.floor(Math.random() * 5) - 1));
  $.input.value = formatMatrix(m);
  position = 0;
  update();
}

$.form.addEventListener('input', (e) => {
  if ((e.target as HTMLInputElement).name === 'op') return;
  update();
});
$.form.addEventListener('change', (e) => {
  if ((e.target as HTMLInputElement).name === 'op') onOpChange();
});
$.form.addEventListener('submit', (e) => e.preventDefault());
$.prev.addEventListener('click', () => move(-1));
$.next.addEventListener('click', () => move(1));
byId('reset').addEventListener('click', reset);
byId('randomize').addEventListener('click', randomize);
// Arrow keys step through the outputs from anywhere on the page except where they edit a value.
document.addEventListener('keydown', (e) => {
  const t = e.target as HTMLElement;
  if (t.closest('input, textarea, select') || e.altKey || e.ctrlKey || e.metaKey) return;
  onKey(e);
});

reset();
void showBackend();
document.documentElement.dataset.ready = 'true';
