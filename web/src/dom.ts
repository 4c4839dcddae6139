/** Small DOM helpers shared by the pages (no framework: the pages are small). */

type Attrs = Record<string, string | number | boolean | undefined>;
type Child = Node | string | number | null | undefined | false;

/**
 * Create an element with attributes and children. Attributes set to false/undefined are left out.
 * @example el('button', { type: 'button', 'aria-pressed': true }, 'Go')
 */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (k === 'class') e.className = String(v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) e.append(typeof c === 'number' ? String(c) : c);
  return e;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** Create an SVG element. */
export function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    e.setAttribute(k, String(v));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) e.append(typeof c === 'number' ? String(c) : c);
  return e;
}

/** The element with this id, or an error that names it (a page/script mismatch is a bug). */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error(`page: no element #${id}`);
  return e as T;
}

/** Show a message in a status region; errors are styled and announced. */
export function setStatus(target: HTMLElement, message: string, kind: 'info' | 'error' = 'info'): void {
  target.textContent = message;
  target.classList.toggle('error', kind === 'error');
}

/** A number for display: integers as is, others with up to 4 significant decimals. */
export function fmt(x: number): string {
  if (Number.isInteger(x)) return String(x);
  if (x === Infinity) return '∞';
  if (x === -Infinity) return '−∞';
  const s = Math.abs(x) >= 100 ? x.toFixed(1) : Math.abs(x) >= 1 ? x.toFixed(3) : x.toPrecision(3);
  return s.replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
}

/** 1234567 -> "1.23M"; exact counts go in titles/tables, this is for charts and headlines. */
export function compact(x: number): string {
  const units: Array<[number, string]> = [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']];
  for (const [v, u] of units) if (Math.abs(x) >= v) return `${(x / v).toPrecision(3).replace(/\.?0+$/, '')}${u}`;
  return String(x);
}

/** 1234567 -> "1,234,567" */
export function grouped(x: number): string {
  return x.toLocaleString('en-US');
}
