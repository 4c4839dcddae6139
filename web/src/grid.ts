/** Parsing and drawing the small number grids of the convolution explorer. */
import { el, fmt } from './dom.js';

/**
 * Parse a matrix typed as rows on lines, numbers separated by spaces or commas; brackets are
 * ignored so `[[1,2],[3,4]]` pasted from Python also works.
 * @example parseMatrix('1 2\n3 4', 'input')  // [[1, 2], [3, 4]]
 */
export function parseMatrix(text: string, what: string, maxSide: number): number[][] {
  const rows = text.replace(/\]\s*,\s*\[/g, '\n').replace(/[[\]]/g, ' ').split(/\n|;/)
    .map((line) => line.trim()).filter((line) => line.length > 0);
  if (rows.length === 0) throw new Error(`${what}: empty; type rows of numbers, one row per line`);
  const m = rows.map((line, i) => line.split(/[\s,]+/).filter((t) => t.length > 0).map((t, j) => {
    const v = Number(t);
    if (!Number.isFinite(v)) throw new Error(`${what}: row ${i + 1}, column ${j + 1} is '${t}', not a number`);
    return v;
  }));
  const width = m[0]!.length;
  m.forEach((row, i) => {
    if (row.length !== width) throw new Error(`${what}: row ${i + 1} has ${row.length} numbers but row 1 has ${width}; the matrix must be rectangular`);
  });
  if (m.length > maxSide || width > maxSide) {
    throw new Error(`${what}: ${m.length}×${width} is larger than this explorer shows (at most ${maxSide}×${maxSide})`);
  }
  return m;
}

/** Matrix -> text for the editors. */
export function formatMatrix(m: number[][]): string {
  return m.map((row) => row.map((v) => fmt(v)).join(' ')).join('\n');
}

export interface Cell {
  text: string;
  /** Exact value for tests and screen readers. */
  value?: number;
  classes?: string[];
  title?: string;
}

/** A table of cells; `label` names it for screen readers. */
export function gridTable(cells: Cell[][], label: string, attrs: Record<string, string | number | boolean> = {}): HTMLTableElement {
  const rows = cells.map((row, i) => el('tr', {}, ...row.map((c, j) => el('td', {
    class: c.classes?.join(' ') || undefined,
    title: c.title,
    'data-r': i,
    'data-c': j,
    'data-value': c.value === undefined ? undefined : String(c.value),
  }, c.text))));
  return el('table', { class: 'grid', 'aria-label': label, ...attrs }, el('tbody', {}, ...rows));
}
