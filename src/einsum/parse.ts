/**
 * The einsum notation parser: text -> AST.
 *
 *     O[n,m,p,q] = B[m] + I[n,c,U*p+r,U*q+s] * F[m,c,r,s]
 *     O[n,c,p,q] = I[n,c,U*p+r-PH,U*q+s-PW] / (R*S)
 *     O[n,c,p,q] = max over r,s of I[n,c,U*p+r,U*q+s]
 *     O[n,c,U*h,U*w] = I[n,c,h,w]
 *
 * Lowercase identifiers are indices, identifiers starting with an uppercase letter are
 * symbolic constants (resolved later from `constants`; in a divisor an uppercase name that is
 * not a constant means the extent of the same-named lowercase index, so `/ (R*S)` divides by
 * the window size). Index expressions must be affine: sums of integer * constants * index.
 * The AST keeps constants symbolic so the loop-nest printer can show `U*p+r`; `resolveExpr`
 * turns an expression into numbers once constants are known.
 */

/** One monomial of an affine expression: k * (product of constants) * index (or 1). */
export interface Monomial {
  readonly k: number;
  readonly syms: readonly string[];
  readonly index: string | null;
}

/** An affine index expression (or a constant expression, for divisors). */
export interface IndexExpr {
  /** The source text, whitespace removed, e.g. `U*p+r-PH`. */
  readonly text: string;
  readonly terms: readonly Monomial[];
  /** 1-based column of the expression in the spec. */
  readonly column: number;
}

/** `Name[expr, ...]`. */
export interface TensorRef {
  readonly name: string;
  readonly dims: readonly IndexExpr[];
  readonly column: number;
}

export interface EinsumAst {
  readonly spec: string;
  readonly output: TensorRef;
  /** The added operand (indexed by bare output indices), added once per output element. */
  readonly bias: TensorRef | null;
  /** The product's factors (sum reduction) or the single maxed operand. */
  readonly operands: readonly TensorRef[];
  readonly reduce: 'sum' | 'max';
  /** The constant the reduction result is divided by, or null. */
  readonly divisor: IndexExpr | null;
  /** Indices appearing in the output, in first-appearance order. */
  readonly outputIndices: readonly string[];
  /** Indices on the right not in the output, in first-appearance order (summed or maxed). */
  readonly reductionIndices: readonly string[];
  /** Symbolic constants used anywhere (index expressions and divisor). */
  readonly symbols: readonly string[];
}

type Tok = { kind: 'id' | 'num' | 'sym' | 'end'; text: string; col: number };

const SYMBOLS = new Set(['[', ']', ',', '=', '+', '-', '*', '/', '(', ')']);

function fail(spec: string, col: number, what: string): never {
  throw new Error(`einsum: ${what} at column ${col} in "${spec}"`);
}

function tokenize(spec: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  while (i < spec.length) {
    const ch = spec[i]!;
    if (/\s/.test(ch)) { i++; continue; }
    if (/[A-Za-z_]/.test(ch)) {
      let j = i + 1;
      while (j < spec.length && /[A-Za-z0-9_]/.test(spec[j]!)) j++;
      toks.push({ kind: 'id', text: spec.slice(i, j), col: i + 1 });
      i = j;
    } else if (/[0-9]/.test(ch)) {
      let j = i + 1;
      while (j < spec.length && /[0-9.]/.test(spec[j]!)) j++;
      const text = spec.slice(i, j);
      if (!/^[0-9]+(\.[0-9]+)?$/.test(text)) fail(spec, i + 1, `malformed number '${text}'`);
      toks.push({ kind: 'num', text, col: i + 1 });
      i = j;
    } else if (SYMBOLS.has(ch)) {
      toks.push({ kind: 'sym', text: ch, col: i + 1 });
      i++;
    } else {
      fail(spec, i + 1, `unexpected character '${ch}'`);
    }
  }
  toks.push({ kind: 'end', text: 'end of input', col: spec.length + 1 });
  return toks;
}

const isIndexName = (s: string): boolean => /^[a-z]/.test(s);

function mulForms(spec: string, col: number, a: Monomial[], b: Monomial[]): Monomial[] {
  const out: Monomial[] = [];
  for (const x of a) {
    for (const y of b) {
      if (x.index !== null && y.index !== null) {
        fail(spec, col, `index expression is not affine (product of indices '${x.index}' and '${y.index}')`);
      }
      out.push({ k: x.k * y.k, syms: [...x.syms, ...y.syms], index: x.index ?? y.index });
    }
  }
  return out;
}

class Parser {
  private pos = 0;
  constructor(private readonly spec: string, private readonly toks: Tok[]) {}

  peek(): Tok { return this.toks[this.pos]!; }
  next(): Tok { return this.toks[this.pos++]!; }
  isSym(t: string): boolean { const k = this.peek(); return k.kind === 'sym' && k.text === t; }
  isWord(w: string): boolean { const k = this.peek(); return k.kind === 'id' && k.text === w; }
  expect(t: string): Tok {
    const k = this.peek();
    if (k.kind === 'sym' && k.text === t) return this.next();
    return fail(this.spec, k.col, `expected '${t}' but found '${k.text}'`);
  }
  expectWord(w: string): void {
    if (!this.isWord(w)) fail(this.spec, this.peek().col, `expected '${w}' but found '${this.peek().text}'`);
    this.next();
  }

  /** expr := ['-'] prod (('+'|'-') prod)*, returned as a sum of monomials plus its text. */
  expr(): IndexExpr {
    const start = this.peek();
    const startIdx = this.pos;
    let sign = 1;
    if (this.isSym('-')) { this.next(); sign = -1; } else if (this.isSym('+')) this.next();
    let terms = this.prod().map((m) => ({ ...m, k: sign * m.k }));
    while (this.isSym('+') || this.isSym('-')) {
      const s = this.next().text === '-' ? -1 : 1;
      terms = terms.concat(this.prod().map((m) => ({ ...m, k: s * m.k })));
    }
    const text = this.toks.slice(startIdx, this.pos).map((t) => t.text).join('');
    return { text, terms, column: start.col };
  }

  prod(): Monomial[] {
    let form = this.factor();
    while (this.isSym('*')) {
      const star = this.next();
      form = mulForms(this.spec, star.col, form, this.factor());
    }
    return form;
  }

  factor(): Monomial[] {
    const t = this.peek();
    if (t.kind === 'num') {
      this.next();
      return [{ k: Number(t.text), syms: [], index: null }];
    }
    if (t.kind === 'id') {
      this.next();
      if (isIndexName(t.text)) return [{ k: 1, syms: [], index: t.text }];
      return [{ k: 1, syms: [t.text], index: null }];
    }
    if (t.kind === 'sym' && t.text === '(') {
      this.next();
      const e = this.expr();
      this.expect(')');
      return e.terms.slice();
    }
    return fail(this.spec, t.col, `expected an index, a constant, a number or '(' but found '${t.text}'`);
  }

  tensorRef(): TensorRef {
    const t = this.peek();
    if (t.kind !== 'id') fail(this.spec, t.col, `expected a tensor name but found '${t.text}'`);
    this.next();
    this.expect('[');
    const dims: IndexExpr[] = [];
    if (!this.isSym(']')) {
      for (;;) {
        const e = this.expr();
        for (const m of e.terms) {
          if (!Number.isInteger(m.k)) fail(this.spec, e.column, `index expression '${e.text}' has a non-integer number`);
        }
        dims.push(e);
        if (this.isSym(',')) { this.next(); continue; }
        break;
      }
    }
    this.expect(']');
    return { name: t.text, dims, column: t.col };
  }

  /** A product of tensor references: X[..] * Y[..] * ... */
  product(): TensorRef[] {
    const refs = [this.tensorRef()];
    while (this.isSym('*')) { this.next(); refs.push(this.tensorRef()); }
    return refs;
  }

  /** '/' followed by a number, a constant or a parenthesised constant expression. */
  divisor(): IndexExpr | null {
    if (!this.isSym('/')) return null;
    this.next();
    const t = this.peek();
    const startIdx = this.pos;
    const terms = this.factor(); // a number, a constant or a parenthesised expression
    const e: IndexExpr = { text: this.toks.slice(startIdx, this.pos).map((x) => x.text).join(''), terms, column: t.col };
    for (const m of e.terms) {
      if (m.index !== null) fail(this.spec, e.column, `divisor '${e.text}' uses index '${m.index}'; only numbers and constants may divide`);
    }
    return e;
  }
}

function indicesOf(refs: readonly TensorRef[]): string[] {
  const seen: string[] = [];
  for (const r of refs) {
    for (const d of r.dims) {
      for (const m of d.terms) if (m.index !== null && !seen.includes(m.index)) seen.push(m.index);
    }
  }
  return seen;
}

/** A dimension that is exactly one index with coefficient 1 and no offset (`c`, not `U*p+r`). */
export function bareIndex(e: IndexExpr): string | null {
  if (e.terms.length !== 1) return null;
  const m = e.terms[0]!;
  return m.index !== null && m.k === 1 && m.syms.length === 0 ? m.index : null;
}

const cache = new Map<string, EinsumAst>();

/**
 * Parse an einsum in dnnkit notation. Results are cached by text (parsing is pure).
 * If `constants` is given, every symbol used in an index expression must be one of them.
 *
 * @example
 *   const ast = parse('O[n,m,p,q] = B[m] + I[n,c,U*p+r,U*q+s] * F[m,c,r,s]');
 *   ast.reductionIndices  // ['c', 'r', 's']
 */
export function parse(spec: string, constants?: Readonly<Record<string, number>>): EinsumAst {
  let ast = cache.get(spec);
  if (!ast) {
    ast = parseUncached(spec);
    if (cache.size > 1000) cache.clear();
    cache.set(spec, ast);
  }
  if (constants) {
    for (const ref of [ast.output, ...(ast.bias ? [ast.bias] : []), ...ast.operands]) {
      for (const d of ref.dims) {
        for (const m of d.terms) {
          for (const s of m.syms) {
            if (!(s in constants)) {
              fail(spec, d.column, `unknown constant '${s}' in '${d.text}' of ${ref.name} (given: ${Object.keys(constants).join(', ') || 'none'})`);
            }
          }
        }
      }
    }
  }
  return ast;
}

function parseUncached(spec: string): EinsumAst {
  const p = new Parser(spec, tokenize(spec));
  const output = p.tensorRef();
  p.expect('=');

  let bias: TensorRef | null = null;
  let operands: TensorRef[];
  let reduce: 'sum' | 'max' = 'sum';
  let divisor: IndexExpr | null = null;
  let maxOver: string[] | null = null;
  let maxCol = 0;

  if (p.isWord('max')) {
    maxCol = p.next().col;
    p.expectWord('over');
    maxOver = [];
    for (;;) {
      const t = p.next();
      if (t.kind !== 'id' || !isIndexName(t.text)) fail(spec, t.col, `expected an index name after 'max over' but found '${t.text}'`);
      maxOver.push(t.text);
      if (p.isSym(',')) { p.next(); continue; }
      break;
    }
    p.expectWord('of');
    operands = [p.tensorRef()];
    reduce = 'max';
    divisor = p.divisor();
  } else {
    // A sum of at most two terms: one product (optionally divided) and at most one bias.
    const terms: { refs: TensorRef[]; div: IndexExpr | null; col: number }[] = [];
    for (;;) {
      const col = p.peek().col;
      const refs = p.product();
      terms.push({ refs, div: p.divisor(), col });
      if (p.isSym('+')) { p.next(); continue; }
      break;
    }
    if (terms.length > 2) fail(spec, terms[2]!.col, 'expected at most two added terms (a bias and a product)');
    const outIdx = indicesOf([output]);
    const isBias = (t: { refs: TensorRef[]; div: IndexExpr | null }): boolean =>
      t.refs.length === 1 && t.div === null &&
      t.refs[0]!.dims.every((d) => { const b = bareIndex(d); return b !== null && outIdx.includes(b); });
    if (terms.length === 2) {
      const bi = isBias(terms[0]!) ? 0 : isBias(terms[1]!) ? 1 : -1;
      if (bi < 0) {
        fail(spec, terms[0]!.col, 'one of the two added terms must be a bias: a single tensor indexed by bare output indices');
      }
      bias = terms[bi]!.refs[0]!;
      operands = terms[1 - bi]!.refs;
      divisor = terms[1 - bi]!.div;
    } else {
      operands = terms[0]!.refs;
      divisor = terms[0]!.div;
    }
  }
  const end = p.peek();
  if (end.kind !== 'end') fail(spec, end.col, `expected end of input but found '${end.text}'`);

  // Names must be distinct: a gradient is taken with respect to a name.
  const all = [output, ...(bias ? [bias] : []), ...operands];
  for (let i = 0; i < all.length; i++) {
    for (let j = 0; j < i; j++) {
      if (all[i]!.name === all[j]!.name) fail(spec, all[i]!.column, `tensor '${all[i]!.name}' appears twice; give each operand its own name`);
    }
  }

  const outputIndices = indicesOf([output]);
  const right = indicesOf([...(bias ? [bias] : []), ...operands]);
  const reductionIndices = right.filter((i) => !outputIndices.includes(i));
  if (maxOver) {
    for (const i of maxOver) {
      if (outputIndices.includes(i)) fail(spec, maxCol, `'max over ${maxOver.join(',')}': index '${i}' is an output index`);
      if (!right.includes(i)) fail(spec, maxCol, `'max over ${maxOver.join(',')}': index '${i}' does not appear in the operand`);
    }
    for (const i of reductionIndices) {
      if (!maxOver.includes(i)) fail(spec, maxCol, `index '${i}' is reduced but not listed in 'max over ${maxOver.join(',')}'`);
    }
  }

  const symbols: string[] = [];
  for (const ref of all) {
    for (const d of ref.dims) for (const m of d.terms) for (const s of m.syms) if (!symbols.includes(s)) symbols.push(s);
  }
  if (divisor) for (const m of divisor.terms) for (const s of m.syms) if (!symbols.includes(s)) symbols.push(s);

  return { spec, output, bias, operands, reduce, divisor, outputIndices, reductionIndices, symbols };
}

/**
 * The numeric affine form of an index expression: value = constant + sum(coefs[i] * i).
 * Throws naming the expression when a constant is missing.
 */
export function resolveExpr(e: IndexExpr, constants: Readonly<Record<string, number>>, where: string):
    { constant: number; coefs: Map<string, number> } {
  let constant = 0;
  const coefs = new Map<string, number>();
  for (const m of e.terms) {
    let v = m.k;
    for (const s of m.syms) {
      const c = constants[s];
      if (c === undefined) {
        throw new Error(`einsum: unknown constant '${s}' in '${e.text}' of ${where} (given: ${Object.keys(constants).join(', ') || 'none'})`);
      }
      v *= c;
    }
    if (m.index === null) constant += v;
    else coefs.set(m.index, (coefs.get(m.index) ?? 0) + v);
  }
  for (const [i, v] of coefs) if (v === 0) coefs.delete(i);
  return { constant, coefs };
}

/**
 * The value of a divisor: constants first, then an uppercase name not among the constants is
 * the extent of the same-named lowercase index (R -> extent of r).
 */
export function resolveDivisor(e: IndexExpr, constants: Readonly<Record<string, number>>,
                               extents: Readonly<Record<string, number>>): number {
  let total = 0;
  for (const m of e.terms) {
    let v = m.k;
    for (const s of m.syms) {
      const c = constants[s] ?? extents[s.toLowerCase()];
      if (c === undefined) {
        throw new Error(`einsum: divisor '${e.text}' uses '${s}', which is neither a given constant nor the extent of an index '${s.toLowerCase()}'`);
      }
      v *= c;
    }
    total += v;
  }
  return total;
}
