/**
 * The loop-nest printer: an einsum fixes what is computed, not the order; a loop nest is one
 * order. Printing it in any order makes dataflows (output-, weight-, input-stationary)
 * concrete, e.g. the CONV layer's naive 7-layer for-loop:
 *
 *     for (let n = 0; n < N; n++)
 *       for (let m = 0; m < M; m++)
 *         ...
 *                 O[n][m][p][q] += I[n][c][U*p+r][U*q+s] * F[m][c][r][s];
 */
import { parse, resolveExpr, type EinsumAst, type IndexExpr, type TensorRef } from './parse.js';
import { compile } from './ranges.js';
import type { BoundEinsum } from './types.js';

export interface LoopNestOptions {
  /** Loop order, outermost first (default: output indices, then reduction indices). */
  order?: readonly string[];
  /** 'code' (default): runnable-looking JavaScript; 'pseudo': compact `for n in [0,N):` form. */
  style?: 'code' | 'pseudo';
  /** 'numeric' (default for a bound einsum): numbers for bounds and constants;
   * 'symbolic' (default for a bare spec): N, M, ... and U, PH, ... */
  bounds?: 'symbolic' | 'numeric';
  /** Spaces per nesting level (default 2). */
  indent?: number;
}

const bareOf = (d: IndexExpr): string | null =>
  d.terms.length === 1 && d.terms[0]!.k === 1 && d.terms[0]!.syms.length === 0 ? d.terms[0]!.index : null;

/** An affine form printed with numbers: `4*p+r-1`. */
function numericText(e: IndexExpr, constants: Readonly<Record<string, number>>, where: string): string {
  const { constant, coefs } = resolveExpr(e, constants, where);
  let s = '';
  for (const [i, k] of coefs) {
    const body = Math.abs(k) === 1 ? i : `${Math.abs(k)}*${i}`;
    s += k < 0 ? `-${body}` : s === '' ? body : `+${body}`;
  }
  if (constant !== 0 || s === '') s += constant < 0 ? `${constant}` : s === '' ? `${constant}` : `+${constant}`;
  return s;
}

/**
 * Print the loop nest of an einsum in a given order, with the bias initialisation first and
 * a comment on what out-of-bounds reads and writes mean.
 *
 * @example
 *   printLoopNest('O[n,m,p,q] = B[m] + I[n,c,U*p+r,U*q+s] * F[m,c,r,s]')
 *   // for (let n = 0; n < N; n++)
 *   //   for (let m = 0; m < M; m++) ...   O[n][m][p][q] = B[m]; ...
 *   //               O[n][m][p][q] += I[n][c][U*p+r][U*q+s] * F[m][c][r][s];
 */
export function printLoopNest(e: string | BoundEinsum, options: LoopNestOptions = {}): string {
  const bound = typeof e === 'string' ? null : e;
  const ast: EinsumAst = parse(typeof e === 'string' ? e : e.spec);
  const numeric = bound !== null && options.bounds !== 'symbolic';
  if (options.bounds === 'numeric' && !bound) {
    throw new Error('printLoopNest: numeric bounds need a bound einsum (spec, shapes, constants), got a bare spec');
  }
  const pseudo = options.style === 'pseudo';
  const step = ' '.repeat(options.indent ?? 2);
  const all = [...ast.outputIndices, ...ast.reductionIndices];
  const order = options.order ? [...options.order] : all;
  if (order.length !== all.length || !all.every((i) => order.includes(i))) {
    throw new Error(`printLoopNest: order [${order.join(',')}] must list every index of "${ast.spec}" exactly once: ${all.join(',')}`);
  }
  const compiled = bound ? compile(ast, bound.shapes, bound.constants) : null;
  const extents = compiled?.extents ?? null;
  const shapes = compiled?.shapes ?? {};
  const constants = bound?.constants ?? {};

  const extentText = (i: string): string => (numeric ? String(extents![i]) : i.toUpperCase());
  const dimText = (d: IndexExpr, where: string): string => (numeric ? numericText(d, constants, where) : d.text);
  const ref = (r: TensorRef): string => {
    const dims = r.dims.map((d) => dimText(d, r.name));
    return pseudo ? `${r.name}[${dims.join(',')}]` : r.name + dims.map((d) => `[${d}]`).join('');
  };
  const loop = (i: string): string =>
    pseudo ? `for ${i} in [0, ${extentText(i)}):` : `for (let ${i} = 0; ${i} < ${extentText(i)}; ${i}++)`;

  const lines: string[] = [];
  const cm = pseudo ? '#' : '//';
  lines.push(`${cm} ${ast.spec}`);
  const used = Object.entries(constants).filter(([k]) => ast.symbols.includes(k));
  if (numeric && used.length > 0) lines.push(`${cm} ${used.map(([k, v]) => `${k}=${v}`).join(', ')}`);
  // Say what out-of-bounds accesses mean, only where they can happen.
  const mayLeave = (r: TensorRef): boolean => r.dims.some((d, k) => {
    if (bareOf(d) !== null) return false;
    if (!numeric) return true;
    // Bound: only if the expression's range over the extents leaves [0, size).
    const { constant, coefs } = resolveExpr(d, constants, r.name);
    let lo = constant, hi = constant;
    for (const [i, a] of coefs) { const v = a * (extents![i]! - 1); if (v > 0) hi += v; else lo += v; }
    return lo < 0 || hi >= shapes[r.name]![k]!;
  });
  for (const r of ast.operands) {
    if (!mayLeave(r)) continue;
    lines.push(ast.reduce === 'max'
      ? `${cm} reads of ${r.name} outside its bounds are skipped (padding counts as -infinity)`
      : `${cm} reads of ${r.name} outside its bounds are 0 (zero padding)`);
  }
  if (mayLeave(ast.output)) lines.push(`${cm} writes to ${ast.output.name} outside its bounds are dropped; elements never written stay at their initial value`);

  const out = ref(ast.output);
  const init = ast.bias ? ref(ast.bias) : ast.reduce === 'max' ? (pseudo ? '-inf' : '-Infinity') : '0';
  let body: string;
  if (ast.reduce === 'max') {
    body = pseudo ? `${out} = max(${out}, ${ref(ast.operands[0]!)})` : `${out} = Math.max(${out}, ${ref(ast.operands[0]!)});`;
  } else {
    const prod = ast.operands.map(ref).join(' * ');
    const div = ast.divisor ? ` / ${numeric ? String(compiled!.divisor) : ast.divisor.text}` : '';
    body = `${out} += ${prod}${div}${pseudo ? '' : ';'}`;
  }
  const initLine = `${out} = ${init}${pseudo ? '' : ';'}`;

  // The initialisation sits inside the nest when the output indices come first and the
  // output is indexed by bare indices; otherwise it is a nest of its own, before.
  const nOut = ast.outputIndices.length;
  const outputFirst = order.slice(0, nOut).every((i) => ast.outputIndices.includes(i));
  const outBare = ast.output.dims.every((d) => bareOf(d) !== null);
  const emit = (indices: readonly string[], depth: number): number => {
    indices.forEach((i, k) => lines.push(step.repeat(depth + k) + loop(i)));
    return depth + indices.length;
  };
  if (outputFirst && outBare && !pseudo) {
    const d = emit(order.slice(0, nOut), 0);
    if (nOut > 0) lines[lines.length - 1] += ' {';
    lines.push(step.repeat(d) + initLine);
    const d2 = emit(order.slice(nOut), d);
    lines.push(step.repeat(d2) + body);
    if (nOut > 0) lines.push(step.repeat(d - 1) + '}');
  } else if (outputFirst && outBare) {
    const d = emit(order.slice(0, nOut), 0);
    lines.push(step.repeat(d) + initLine);
    const d2 = emit(order.slice(nOut), d);
    lines.push(step.repeat(d2) + body);
  } else {
    if (outBare) {
      const d = emit(ast.outputIndices, 0);
      lines.push(step.repeat(d) + initLine);
    } else {
      lines.push(`${cm} every element of ${ast.output.name} starts at ${init}`);
    }
    const d = emit(order, 0);
    lines.push(step.repeat(d) + body);
  }
  return lines.join('\n');
}
