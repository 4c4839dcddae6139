/**
 * Index range inference: every index's extent comes from the operand shapes.
 *
 * Rules, in order of precedence:
 *  1. extents the caller fixes (the gradient of a layer reuses the forward's extents);
 *  2. a dimension whose expression is the bare index (`c` in `F[m,c,r,s]`) gives its size;
 *     two such dimensions that disagree are an error naming both tensors and their shapes;
 *  3. a constant named like the index in uppercase (`R` for `r`) gives it: pooling windows
 *     appear in no operand, so their size travels as a constant;
 *  4. an index inside an affine output expression (`U*h+r` in O) takes the largest extent
 *     whose writes stay inside the output;
 *  5. an index inside an affine input expression takes the largest extent whose reads stay
 *     inside that input (unambiguous only for stride 1; builders pass windows explicitly).
 * The output shape, when not given, is the smallest that holds every write.
 */
import { parse, resolveDivisor, resolveExpr, type EinsumAst, type TensorRef } from './parse.js';

/** A dimension resolved to numbers: value = constant + sum(coef * index). */
export interface AffineDim {
  readonly text: string;
  readonly constant: number;
  readonly coefs: ReadonlyMap<string, number>;
}

/** An einsum with every constant resolved and every extent known: what the interpreter runs. */
export interface CompiledEinsum {
  readonly ast: EinsumAst;
  readonly constants: Readonly<Record<string, number>>;
  readonly extents: Readonly<Record<string, number>>;
  /** Shapes of all tensors, the output included. */
  readonly shapes: Readonly<Record<string, readonly number[]>>;
  /** Resolved dimensions of every tensor by name. */
  readonly dims: Readonly<Record<string, readonly AffineDim[]>>;
  /** 1 when the spec has no divisor. */
  readonly divisor: number;
}

export interface RangeOptions {
  /** Extents fixed in advance (they win over everything else). */
  extents?: Readonly<Record<string, number>>;
}

const fmt = (s: readonly number[] | undefined): string => (s ? `[${s.join(',')}]` : 'unknown');

function bare(d: AffineDim): string | null {
  if (d.constant !== 0 || d.coefs.size !== 1) return null;
  const [[i, k]] = [...d.coefs];
  return k === 1 ? i! : null;
}

/** The inclusive [min, max] of an affine dim over the known extents (ignoring `skip`). */
function span(d: AffineDim, extents: Record<string, number>, skip?: string): [number, number] {
  let lo = d.constant, hi = d.constant;
  for (const [i, k] of d.coefs) {
    if (i === skip) continue;
    const e = extents[i]!;
    const v = k * (e - 1);
    if (v > 0) hi += v; else lo += v;
  }
  return [lo, hi];
}

/**
 * Resolve constants, infer every index extent and the output shape, and check ranks.
 * `shapes` must hold every operand; the output's shape is optional (inferred if missing).
 *
 * @example
 *   compile('O[n,m] = I[n,c] * F[m,c]', { I: [2, 3], F: [4, 3] }).extents  // { n: 2, m: 4, c: 3 }
 */
export function compile(spec: string | EinsumAst, shapes: Readonly<Record<string, readonly number[]>>,
                        constants: Readonly<Record<string, number>> = {}, options: RangeOptions = {}): CompiledEinsum {
  const ast = typeof spec === 'string' ? parse(spec) : spec;
  const refs: TensorRef[] = [ast.output, ...(ast.bias ? [ast.bias] : []), ...ast.operands];
  const outName = ast.output.name;

  const dims: Record<string, AffineDim[]> = {};
  for (const ref of refs) {
    dims[ref.name] = ref.dims.map((d) => ({ text: d.text, ...resolveExpr(d, constants, ref.name) }));
  }

  // Ranks.
  for (const ref of refs) {
    const shape = shapes[ref.name];
    if (!shape) {
      if (ref.name === outName) continue;
      throw new Error(`einsum: no shape given for operand '${ref.name}' of "${ast.spec}" (given: ${Object.keys(shapes).join(', ') || 'none'})`);
    }
    if (shape.length !== ref.dims.length) {
      throw new Error(`einsum: ${ref.name} has ${ref.dims.length} indices in "${ast.spec}" but its shape ${fmt(shape)} has rank ${shape.length}`);
    }
    for (const s of shape) {
      if (!Number.isInteger(s) || s < 0) throw new Error(`einsum: shape of ${ref.name} must hold non-negative integers, got ${fmt(shape)}`);
    }
  }

  const extents: Record<string, number> = {};
  const source: Record<string, string> = {};
  for (const [i, e] of Object.entries(options.extents ?? {})) {
    extents[i] = e;
    source[i] = 'the given extents';
  }

  // Rule 2: bare dimensions.
  for (const ref of refs) {
    const shape = shapes[ref.name];
    if (!shape) continue;
    dims[ref.name]!.forEach((d, k) => {
      const i = bare(d);
      if (i === null) return;
      const size = shape[k]!;
      if (extents[i] === undefined) {
        extents[i] = size;
        source[i] = `${ref.name} (shape ${fmt(shape)})`;
      } else if (extents[i] !== size) {
        throw new Error(`einsum: index '${i}' has extent ${extents[i]} in ${source[i]} but ${size} in ${ref.name} (shape ${fmt(shape)}) of "${ast.spec}"`);
      }
    });
  }

  const all = [...ast.outputIndices, ...ast.reductionIndices];
  // Rule 3: uppercase constants name extents.
  for (const i of all) {
    const c = constants[i.toUpperCase()];
    if (extents[i] === undefined && c !== undefined) {
      extents[i] = c;
      source[i] = `constant ${i.toUpperCase()}`;
    }
  }

  // Rules 4 and 5: affine dimensions with a single unknown index.
  const derive = (ref: TensorRef): boolean => {
    const shape = shapes[ref.name];
    if (!shape) return false;
    let progress = false;
    dims[ref.name]!.forEach((d, k) => {
      const unknown = [...d.coefs.keys()].filter((i) => extents[i] === undefined);
      if (unknown.length !== 1) return;
      const x = unknown[0]!;
      const a = d.coefs.get(x)!;
      const [lo, hi] = span(d, extents, x);
      const D = shape[k]!;
      const e = a > 0 ? Math.floor((D - 1 - hi) / a) + 1 : Math.floor(lo / -a) + 1;
      if (e < 1) {
        throw new Error(`einsum: index '${x}' gets no valid values in '${d.text}' of ${ref.name} (shape ${fmt(shape)}) of "${ast.spec}"`);
      }
      extents[x] = e;
      source[x] = `'${d.text}' of ${ref.name} (shape ${fmt(shape)})`;
      progress = true;
    });
    return progress;
  };
  for (;;) {
    if (derive(ast.output)) continue; // writes bound an index before reads do
    let progress = false;
    for (const ref of refs.slice(1)) if (derive(ref)) { progress = true; break; }
    if (!progress) break;
  }

  for (const i of all) {
    if (extents[i] === undefined) {
      const where = refs.flatMap((r) => dims[r.name]!.filter((d) => d.coefs.has(i)).map((d) => `'${d.text}' of ${r.name}`));
      throw new Error(`einsum: cannot infer the extent of index '${i}' in "${ast.spec}": it appears only in ${where.join(', ')}; ` +
        `give the constant '${i.toUpperCase()}'${ast.outputIndices.includes(i) ? ' or the output shape' : ''}`);
    }
  }

  const allShapes: Record<string, readonly number[]> = { ...shapes };
  if (!shapes[outName]) {
    allShapes[outName] = dims[outName]!.map((d) => {
      for (const i of d.coefs.keys()) if (extents[i] === 0) return 0;
      return Math.max(0, span(d, extents)[1] + 1);
    });
  }
  const divisor = ast.divisor ? resolveDivisor(ast.divisor, constants, extents) : 1;
  return { ast, constants, extents, shapes: allShapes, dims, divisor };
}

/**
 * The extent of every index of an einsum, inferred from the shapes (see the rules above).
 *
 * @example
 *   inferRanges('O[n,m,p,q] = I[n,c,p+r,q+s] * F[m,c,r,s]',
 *               { I: [1, 3, 5, 5], F: [2, 3, 3, 3], O: [1, 2, 3, 3] })
 *   // { n: 1, c: 3, p: 3, r: 3, q: 3, s: 3, m: 2 }
 */
export function inferRanges(spec: string | EinsumAst, shapes: Readonly<Record<string, readonly number[]>>,
                            constants: Readonly<Record<string, number>> = {}, options: RangeOptions = {}): Record<string, number> {
  return { ...compile(spec, shapes, constants, options).extents };
}
