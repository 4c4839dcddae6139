/**
 * A small SVG line chart: axes with "nice" ticks, grid lines, one polyline per series and a
 * legend. No dependency; the output is a standalone .svg that browsers and GitHub render.
 */

export interface Series {
  name: string;
  /** [x, y] points; non-finite y values break the line. */
  points: ReadonlyArray<readonly [number, number]>;
  /** CSS colour; a palette colour when omitted. */
  color?: string;
  /** Draw dashed (e.g. training vs test). */
  dashed?: boolean;
}

export interface ChartOptions {
  title?: string;
  xLabel?: string;
  yLabel?: string;
  series: readonly Series[];
  width?: number;
  height?: number;
  /** Fix the y range (e.g. [0, 1] for accuracy); computed from the data otherwise. */
  yRange?: readonly [number, number];
  /** Fix the x range; computed from the data otherwise. */
  xRange?: readonly [number, number];
  /** Logarithmic y axis (for losses that span decades). */
  logY?: boolean;
  /** A horizontal reference line, e.g. a target accuracy. */
  hLine?: { y: number; label: string };
}

/** Palette with good contrast on white (Tableau 10). */
export const PALETTE = ['#4e79a7', '#e15759', '#59a14f', '#f28e2b', '#76b7b2', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Round-number tick values covering [lo, hi], about `count` of them. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0, 1];
  if (hi <= lo) { hi = lo + (lo === 0 ? 1 : Math.abs(lo) * 0.1); }
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) ticks.push(+v.toPrecision(12));
  return ticks;
}

function formatTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(1);
  if (a >= 1000) return `${+(v / 1000).toPrecision(3)}k`;
  return String(+v.toPrecision(4));
}

/**
 * Render one chart.
 * @example writeFileSync('loss.svg', lineChart({ title: 'loss', xLabel: 'epoch', series: [{ name: 'train', points: [[1, 0.6], [2, 0.4]] }] }))
 */
export function lineChart(options: ChartOptions): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${options.width ?? 640}" height="${options.height ?? 400}" viewBox="0 0 ${options.width ?? 640} ${options.height ?? 400}">\n${chartBody(options, 0, 0)}</svg>\n`;
}

/**
 * Several charts side by side (wrapping after `columns`), in one SVG.
 * @example chartRow([{ title: 'loss', series }, { title: 'accuracy', series: acc, yRange: [0, 1] }])
 */
export function chartRow(charts: readonly ChartOptions[], columns = charts.length): string {
  const w = charts[0]?.width ?? 520, h = charts[0]?.height ?? 380;
  const rows = Math.ceil(charts.length / columns);
  const body = charts.map((c, i) => chartBody({ ...c, width: w, height: h }, (i % columns) * w, Math.floor(i / columns) * h)).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w * columns}" height="${h * rows}" viewBox="0 0 ${w * columns} ${h * rows}">\n${body}</svg>\n`;
}

function chartBody(o: ChartOptions, ox: number, oy: number): string {
  const width = o.width ?? 640, height = o.height ?? 400;
  const margin = { left: 64, right: 16, top: o.title ? 36 : 16, bottom: 48 };
  const pw = width - margin.left - margin.right, ph = height - margin.top - margin.bottom;
  const all = o.series.flatMap((s) => s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!o.logY || y > 0)));
  const xs = all.map(([x]) => x), ys = all.map(([, y]) => y);
  let xlo = xs.length ? Math.min(...xs) : 0, xhi = xs.length ? Math.max(...xs) : 1;
  if (o.xRange) [xlo, xhi] = o.xRange;
  if (xhi === xlo) { xlo -= 0.5; xhi += 0.5; }
  const tx = (v: number): number => o.logY ? Math.log10(v) : v;
  let ylo: number, yhi: number;
  if (o.yRange) [ylo, yhi] = [tx(o.yRange[0]), tx(o.yRange[1])];
  else {
    ylo = ys.length ? Math.min(...ys.map(tx)) : 0; yhi = ys.length ? Math.max(...ys.map(tx)) : 1;
    if (o.hLine && !o.logY) { ylo = Math.min(ylo, o.hLine.y); yhi = Math.max(yhi, o.hLine.y); }
    const pad = (yhi - ylo) * 0.05 || 0.5;
    ylo -= pad; yhi += pad;
  }
  const xTicks = niceTicks(xlo, xhi, 6).filter((t) => t >= xlo - 1e-9 && t <= xhi + 1e-9);
  const yTicks = o.logY
    ? Array.from({ length: Math.floor(yhi) - Math.ceil(ylo) + 1 }, (_, i) => Math.ceil(ylo) + i)
    : niceTicks(ylo, yhi, 5).filter((t) => t >= ylo - 1e-9 && t <= yhi + 1e-9);
  const X = (v: number): number => ox + margin.left + ((v - xlo) / (xhi - xlo)) * pw;
  const Y = (v: number): number => oy + margin.top + ph - ((tx(v) - ylo) / (yhi - ylo)) * ph;
  const Yt = (t: number): number => oy + margin.top + ph - ((t - ylo) / (yhi - ylo)) * ph;
  const f = (v: number): string => v.toFixed(1);
  const parts: string[] = [];
  parts.push(`<g font-family="sans-serif" font-size="12" fill="#333">`);
  parts.push(`<rect x="${ox}" y="${oy}" width="${width}" height="${height}" fill="white"/>`);
  if (o.title) parts.push(`<text x="${f(ox + margin.left + pw / 2)}" y="${oy + 22}" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(o.title)}</text>`);
  for (const t of yTicks) {
    const y = Yt(t);
    parts.push(`<line x1="${f(ox + margin.left)}" x2="${f(ox + margin.left + pw)}" y1="${f(y)}" y2="${f(y)}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${f(ox + margin.left - 6)}" y="${f(y + 4)}" text-anchor="end">${escapeXml(o.logY ? formatTick(10 ** t) : formatTick(t))}</text>`);
  }
  for (const t of xTicks) {
    const x = X(t);
    parts.push(`<line x1="${f(x)}" x2="${f(x)}" y1="${f(oy + margin.top)}" y2="${f(oy + margin.top + ph)}" stroke="#f0f0f0"/>`);
    parts.push(`<text x="${f(x)}" y="${f(oy + margin.top + ph + 16)}" text-anchor="middle">${escapeXml(formatTick(t))}</text>`);
  }
  parts.push(`<rect x="${f(ox + margin.left)}" y="${f(oy + margin.top)}" width="${f(pw)}" height="${f(ph)}" fill="none" stroke="#888"/>`);
  if (o.xLabel) parts.push(`<text x="${f(ox + margin.left + pw / 2)}" y="${oy + height - 10}" text-anchor="middle">${escapeXml(o.xLabel)}</text>`);
  if (o.yLabel) parts.push(`<text transform="translate(${ox + 16},${f(oy + margin.top + ph / 2)}) rotate(-90)" text-anchor="middle">${escapeXml(o.yLabel)}</text>`);
  if (o.hLine && (!o.logY || o.hLine.y > 0)) {
    const y = Y(o.hLine.y);
    parts.push(`<line x1="${f(ox + margin.left)}" x2="${f(ox + margin.left + pw)}" y1="${f(y)}" y2="${f(y)}" stroke="#999" stroke-dasharray="2 3"/>`);
    parts.push(`<text x="${f(ox + margin.left + pw - 4)}" y="${f(y - 4)}" text-anchor="end" fill="#777">${escapeXml(o.hLine.label)}</text>`);
  }
  o.series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length]!;
    // Split at non-finite points so a gap is drawn as a gap.
    let run: string[] = [];
    const flush = (): void => {
      if (run.length > 1) parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''} points="${run.join(' ')}"/>`);
      else if (run.length === 1) { const [x, y] = run[0]!.split(','); parts.push(`<circle cx="${x}" cy="${y}" r="3" fill="${color}"/>`); }
      run = [];
    };
    for (const [x, y] of s.points) {
      if (Number.isFinite(x) && Number.isFinite(y) && (!o.logY || y > 0)) run.push(`${f(X(x))},${f(Y(y))}`);
      else flush();
    }
    flush();
  });
  // Legend, top-right inside the plot area.
  const lw = Math.max(0, ...o.series.map((s) => s.name.length)) * 7 + 36;
  const lx = ox + margin.left + pw - lw - 8, ly = oy + margin.top + 8;
  if (o.series.length) {
    parts.push(`<rect x="${f(lx)}" y="${f(ly)}" width="${lw}" height="${o.series.length * 18 + 6}" fill="white" fill-opacity="0.85" stroke="#ccc"/>`);
    o.series.forEach((s, i) => {
      const color = s.color ?? PALETTE[i % PALETTE.length]!;
      const y = ly + 14 + i * 18;
      parts.push(`<line x1="${f(lx + 6)}" x2="${f(lx + 26)}" y1="${f(y - 4)}" y2="${f(y - 4)}" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
      parts.push(`<text x="${f(lx + 30)}" y="${f(y)}">${escapeXml(s.name)}</text>`);
    });
  }
  parts.push(`</g>\n`);
  return parts.join('\n');
}
