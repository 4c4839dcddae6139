/**
 * Two tiny SVG charts (bars per layer, lines over training steps). Drawn by hand: a chart
 * library would outweigh the rest of a page and these need no interaction beyond a click.
 */
import { compact, svg } from './dom.js';

export interface Bar {
  label: string;
  value: number;
  /** Tooltip text (an SVG <title>, read by screen readers too). */
  title: string;
}

export interface BarChartOptions {
  /** Accessible name of the chart. */
  label: string;
  /** Index of the highlighted bar. */
  selected?: number;
  alt?: boolean;
  height?: number;
  onSelect?: (index: number) => void;
}

/**
 * Vertical bars, one per item, with the largest value and a zero baseline labelled.
 * @example host.replaceChildren(barChart(layers.map(l => ({ label: l.name, value: l.macs, title: ... })), { label: 'MACs' }))
 */
export function barChart(bars: Bar[], options: BarChartOptions): SVGSVGElement {
  const width = 640, height = options.height ?? 200, left = 44, bottom = 18, top = 8;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const slot = (width - left - 4) / Math.max(1, bars.length);
  const root = svg('svg', { class: 'chart', viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': options.label });
  root.append(svg('title', {}, options.label));
  const plotH = height - top - bottom;
  root.append(
    svg('line', { class: 'axis', x1: left, x2: width, y1: top + plotH, y2: top + plotH }),
    svg('text', { x: left - 4, y: top + 10, 'text-anchor': 'end' }, compact(max)),
    svg('text', { x: left - 4, y: top + plotH, 'text-anchor': 'end' }, '0'),
  );
  bars.forEach((b, i) => {
    const h = (b.value / max) * plotH;
    const rect = svg('rect', {
      class: `bar${options.alt ? ' alt' : ''}${i === options.selected ? ' sel' : ''}`,
      x: left + i * slot + slot * 0.1, width: Math.max(1, slot * 0.8),
      y: top + plotH - h, height: Math.max(h, b.value > 0 ? 1 : 0),
      'data-index': i,
    }, svg('title', {}, b.title));
    if (options.onSelect) rect.addEventListener('click', () => options.onSelect!(i));
    root.append(rect);
  });
  // Label every k-th bar so labels never overlap (each label has ~70 of the 640 units).
  const every = Math.max(1, Math.ceil(bars.length / 8));
  bars.forEach((b, i) => {
    if (i % every !== 0) return;
    root.append(svg('text', { x: left + (i + 0.5) * slot, y: height - 4, 'text-anchor': 'middle' }, b.label.length > 10 ? `${b.label.slice(0, 9)}…` : b.label));
  });
  return root;
}

export interface Series {
  name: string;
  points: Array<[number, number]>;
  alt?: boolean;
}

/**
 * Lines over a shared x axis (training step), y from 0 (or the data minimum) to the maximum.
 * @example lineChart([{ name: 'loss', points: [[0, 2.3], [10, 1.1]] }], { label: 'Training loss' })
 */
export function lineChart(series: Series[], options: { label: string; yMax?: number; height?: number; xLabel?: string }): SVGSVGElement {
  const width = 640, height = options.height ?? 200, left = 44, bottom = 20, top = 10, right = 8;
  const all = series.flatMap((s) => s.points);
  const xMax = Math.max(1, ...all.map((p) => p[0]));
  const yMax = options.yMax ?? Math.max(1e-6, ...all.map((p) => p[1]));
  const plotW = width - left - right, plotH = height - top - bottom;
  const X = (x: number): number => left + (x / xMax) * plotW;
  const Y = (y: number): number => top + plotH - (Math.min(y, yMax) / yMax) * plotH;
  const root = svg('svg', { class: 'chart', viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': options.label });
  root.append(svg('title', {}, options.label));
  if (all.length === 0) {
    root.append(svg('text', { x: width / 2, y: height / 2, 'text-anchor': 'middle' }, 'no data yet'));
    return root;
  }
  root.append(
    svg('line', { class: 'axis', x1: left, x2: width - right, y1: top + plotH, y2: top + plotH }),
    svg('line', { class: 'axis', x1: left, x2: left, y1: top, y2: top + plotH }),
    svg('text', { x: left - 4, y: top + 8, 'text-anchor': 'end' }, compact(Number(yMax.toPrecision(3)))),
    svg('text', { x: left - 4, y: top + plotH, 'text-anchor': 'end' }, '0'),
    svg('text', { x: width - right, y: height - 4, 'text-anchor': 'end' }, `${options.xLabel ?? 'step'} ${xMax}`),
  );
  series.forEach((s, k) => {
    if (s.points.length === 0) return;
    const d = s.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${X(p[0]).toFixed(1)},${Y(p[1]).toFixed(1)}`).join(' ');
    root.append(svg('path', { class: `line${s.alt ? ' alt' : ''}`, d }, svg('title', {}, s.name)));
    root.append(svg('text', { x: width - right - 4, y: top + 14 + 16 * k, 'text-anchor': 'end', class: 'legend' },
      svg('tspan', { class: `swatch${s.alt ? ' alt' : ''}` }, '━━ '), s.name));
  });
  return root;
}
