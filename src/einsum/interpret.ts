/**
 * The einsum interpreter: the reference backend for every einsum-defined layer.
 *
 * It runs the loop nest in any order the caller gives. No code is generated (the browser app
 * must not use `new Function`); speed comes from precomputation instead:
 *  - every tensor's flat offset is affine in the loop indices, so each loop level just adds a
 *    per-tensor stride;
 *  - every bounds condition (zero padding on reads, dropped writes on an affine output) is a
 *    condition on one dimension's affine value; it is checked once, at the loop level of the
 *    innermost index it involves, by narrowing that loop's range — the loops then visit only
 *    in-bounds points and the innermost loop has no branches at all;
 *  - dimensions that can never leave their bounds (a bare index, unpadded windows) are never
 *    checked.
 * Sums accumulate in float64 (JS numbers) and are stored as float32 at the end.
 */
import type { BoundEinsum } from './types.js';
import { compile, type CompiledEinsum, type RangeOptions } from './ranges.js';
import { sizeOf, stridesOf } from '../tensor/shape.js';

export interface InterpretOptions extends RangeOptions {
  /** Loop order, outermost first; must list every index once. Default: output indices, then
   * reduction indices, each in first-appearance order. */
  order?: readonly string[];
}

/** Anything with a spec, shapes and constants (a BoundEinsum, or the same fields by hand). */
export type EinsumLike = Pick<BoundEinsum, 'spec' | 'shapes'> & { constants?: Readonly<Record<string, number>> };

/** The default loop order: output indices, then reduction indices. */
export function defaultOrder(c: CompiledEinsum): string[] {
  return [...c.ast.outputIndices, ...c.ast.reductionIndices];
}

/**
 * Evaluate a bound einsum on flat float32 buffers (row-major, shapes from `e.shapes`).
 * Returns the output buffer (its shape is `e.shapes[outputName]`, or inferred).
 *
 * @example
 *   interpret({ spec: 'O[i,j] = A[i,k] * B[k,j]', shapes: { A: [2, 3], B: [3, 2], O: [2, 2] } },
 *             { A: new Float32Array(6).fill(1), B: new Float32Array(6).fill(1) })  // [3, 3, 3, 3]
 */
export function interpret(e: EinsumLike, operands: Readonly<Record<string, Float32Array>>,
                          options: InterpretOptions = {}): Float32Array {
  const c = compile(e.spec, e.shapes, e.constants ?? {}, options);
  return evaluate(c, operands, options.order);
}

/** Evaluate an already compiled einsum (see `compile`) with the given loop order. */
export function evaluate(c: CompiledEinsum, operands: Readonly<Record<string, Float32Array>>,
                         order?: readonly string[]): Float32Array {
  const { ast, extents, shapes, dims } = c;
  const all = defaultOrder(c);
  const ord = order ? [...order] : all;
  if (ord.length !== all.length || !all.every((i) => ord.includes(i))) {
    throw new Error(`einsum: loop order [${ord.join(',')}] must list every index of "${ast.spec}" exactly once: ${all.join(',')}`);
  }

  const outName = ast.output.name;
  const outShape = shapes[outName]!;
  const outSize = sizeOf(outShape);
  const refs = [ast.output, ...ast.operands];
  const data: Float32Array[] = [];
  for (const ref of [...ast.operands, ...(ast.bias ? [ast.bias] : [])]) {
    const buf = operands[ref.name];
    if (!buf) throw new Error(`einsum: operand '${ref.name}' of "${ast.spec}" is missing (given: ${Object.keys(operands).join(', ') || 'none'})`);
    const want = sizeOf(shapes[ref.name]!);
    if (buf.length !== want) {
      throw new Error(`einsum: operand '${ref.name}' has ${buf.length} elements but its shape [${shapes[ref.name]!.join(',')}] needs ${want}`);
    }
  }
  for (const ref of ast.operands) data.push(operands[ref.name]!);

  const isMax = ast.reduce === 'max';
  const acc = new Float64Array(outSize);
  if (isMax) acc.fill(-Infinity);

  // Indices of extent 1 are always 0: they need no loop (a 1x1 conv would otherwise run its
  // innermost loops one step long). A loop over nothing still runs once: pad with a unit index.
  const looped = ord.filter((i) => extents[i] !== 1);
  const levels = looped.length > 0 ? looped : ['#'];
  const L = levels.length;
  const ext = levels.map((i) => (i === '#' ? 1 : extents[i]!));
  const T = refs.length;

  // Per tensor: base offset and stride per level. Per bounds check: its level, coefficient
  // there, the dimension size, and the levels that move its value before it is checked.
  const base = new Array<number>(T).fill(0);
  const st: number[][] = refs.map(() => new Array<number>(L).fill(0));
  const chkLevel: number[] = [], chkCoef: number[] = [], chkD: number[] = [], dv: number[] = [];
  const touches: { c: number; k: number }[][] = levels.map(() => []);
  let empty = ext.some((x) => x === 0);

  refs.forEach((ref, t) => {
    const shape = shapes[ref.name]!;
    const rs = stridesOf(shape);
    dims[ref.name]!.forEach((d, k) => {
      base[t] += rs[k]! * d.constant;
      const moving = [...d.coefs].filter(([i]) => levels.includes(i));
      for (const [i, a] of moving) st[t]![levels.indexOf(i)] += rs[k]! * a;
      // Skip checks that can never fail over the full ranges.
      let lo = d.constant, hi = d.constant;
      for (const [i, a] of moving) { const v = a * (extents[i]! - 1); if (v > 0) hi += v; else lo += v; }
      if (lo >= 0 && hi < shape[k]!) return;
      if (moving.length === 0) { empty = true; return; } // a fixed index out of bounds: nothing to do
      let level = -1;
      for (const [i] of moving) level = Math.max(level, levels.indexOf(i));
      const id = chkLevel.length;
      chkLevel.push(level); chkCoef.push(d.coefs.get(levels[level]!)!); chkD.push(shape[k]!); dv.push(d.constant);
      for (const [i, a] of moving) { const l = levels.indexOf(i); if (l !== level) touches[l]!.push({ c: id, k: a }); }
    });
  });
  const checksAt: number[][] = levels.map(() => []);
  chkLevel.forEach((l, id) => checksAt[l]!.push(id));

  if (!empty) {
    const off = base.slice();
    const last = L - 1;
    const so = st[0]![last]!;
    const s1 = T > 1 ? st[1]![last]! : 0;
    const s2 = T > 2 ? st[2]![last]! : 0;
    const d1 = data[0]!, d2 = data[1]!;
    const lastStrides = st.map((s) => s[last]!);

    // The innermost loop, specialised for the common shapes of the work: no branches inside.
    let inner: (lo: number, hi: number) => void;
    if (isMax) {
      inner = (lo, hi) => {
        let o = off[0]! + so * lo, a = off[1]! + s1 * lo;
        if (so === 0) {
          let m = acc[o]!;
          for (let x = lo; x < hi; x++, a += s1) { const v = d1[a]!; if (v > m || v !== v) m = v; }
          acc[o] = m;
        } else {
          for (let x = lo; x < hi; x++, a += s1, o += so) { const v = d1[a]!; if (v > acc[o]! || v !== v) acc[o] = v; }
        }
      };
    } else if (T === 2) {
      inner = (lo, hi) => {
        let o = off[0]! + so * lo, a = off[1]! + s1 * lo;
        if (so === 0) {
          let sum = 0;
          for (let x = lo; x < hi; x++, a += s1) sum += d1[a]!;
          acc[o] += sum;
        } else {
          for (let x = lo; x < hi; x++, a += s1, o += so) acc[o] += d1[a]!;
        }
      };
    } else if (T === 3) {
      inner = (lo, hi) => {
        let o = off[0]! + so * lo, a = off[1]! + s1 * lo, b = off[2]! + s2 * lo;
        if (so === 0) {
          let sum = 0;
          for (let x = lo; x < hi; x++, a += s1, b += s2) sum += d1[a]! * d2[b]!;
          acc[o] += sum;
        } else {
          for (let x = lo; x < hi; x++, a += s1, b += s2, o += so) acc[o] += d1[a]! * d2[b]!;
        }
      };
    } else {
      const p = new Array<number>(T);
      inner = (lo, hi) => {
        for (let t = 0; t < T; t++) p[t] = off[t]! + lastStrides[t]! * lo;
        for (let x = lo; x < hi; x++) {
          let prod = 1;
          for (let t = 1; t < T; t++) { prod *= data[t - 1]![p[t]!]!; p[t] += lastStrides[t]!; }
          acc[p[0]!] += prod;
          p[0] += lastStrides[0]!;
        }
      };
    }

    // The two innermost levels fused for sums of one or two factors (every layer but max
    // pooling): no call per innermost loop, and the innermost range narrows incrementally.
    let pair: ((lo: number, hi: number) => void) | null = null;
    if (!isMax && L >= 2 && (T === 2 || T === 3)) {
      const ly = last - 1;
      const cs = checksAt[last]!;
      const nc = cs.length;
      const cx = Float64Array.from(cs, (id) => chkCoef[id]!);
      const cD = Float64Array.from(cs, (id) => chkD[id]!);
      const cy = Float64Array.from(cs, (id) => touches[ly]!.find((t) => t.c === id)?.k ?? 0);
      const cv = new Float64Array(nc);
      const ty = T === 3 ? st.map((x) => x[ly]!) : [...st.map((x) => x[ly]!), 0];
      const [oy, ay, by] = ty as [number, number, number];
      const xExt = ext[last]!;
      const ones = new Float32Array(1).fill(1);
      const dB = T === 3 ? d2 : ones;
      pair = (lo, hi) => {
        for (let j = 0; j < nc; j++) cv[j] = dv[cs[j]!]! + cy[j]! * lo;
        let o = off[0]! + oy * lo, a = off[1]! + ay * lo, b = (T === 3 ? off[2]! : 0) + by * lo;
        for (let y = lo; y < hi; y++, o += oy, a += ay, b += by) {
          let xlo = 0, xhi = xExt;
          for (let j = 0; j < nc; j++) {
            const k = cx[j]!, v = cv[j]!, D = cD[j]!;
            if (k > 0) {
              const l0 = Math.ceil(-v / k), h0 = Math.floor((D - 1 - v) / k) + 1;
              if (l0 > xlo) xlo = l0;
              if (h0 < xhi) xhi = h0;
            } else {
              const l0 = Math.ceil((v - D + 1) / -k), h0 = Math.floor(v / -k) + 1;
              if (l0 > xlo) xlo = l0;
              if (h0 < xhi) xhi = h0;
            }
            cv[j] = v + cy[j]!;
          }
          if (xlo >= xhi) continue;
          let oo = o + so * xlo, aa = a + s1 * xlo, bb = b + s2 * xlo;
          if (so === 0) {
            let sum = 0;
            for (let x = xlo; x < xhi; x++, aa += s1, bb += s2) sum += d1[aa]! * dB[bb]!;
            acc[oo] += sum;
          } else {
            for (let x = xlo; x < xhi; x++, aa += s1, bb += s2, oo += so) acc[oo] += d1[aa]! * dB[bb]!;
          }
        }
      };
    }

    const run = (l: number): void => {
      let lo = 0, hi = ext[l]!;
      const cs = checksAt[l]!;
      for (let j = 0; j < cs.length; j++) {
        const id = cs[j]!, a = chkCoef[id]!, v = dv[id]!, D = chkD[id]!;
        if (a > 0) {
          lo = Math.max(lo, Math.ceil(-v / a));
          hi = Math.min(hi, Math.floor((D - 1 - v) / a) + 1);
        } else {
          lo = Math.max(lo, Math.ceil((v - D + 1) / -a));
          hi = Math.min(hi, Math.floor(v / -a) + 1);
        }
      }
      if (lo >= hi) return;
      if (l === last) { inner(lo, hi); return; }
      if (pair !== null && l === last - 1) { pair(lo, hi); return; }
      const tl = touches[l]!;
      for (let t = 0; t < T; t++) off[t] += st[t]![l]! * lo;
      for (let j = 0; j < tl.length; j++) dv[tl[j]!.c] += tl[j]!.k * lo;
      for (let x = lo; x < hi; x++) {
        run(l + 1);
        for (let t = 0; t < T; t++) off[t] += st[t]![l]!;
        for (let j = 0; j < tl.length; j++) dv[tl[j]!.c] += tl[j]!.k;
      }
      for (let t = 0; t < T; t++) off[t] -= st[t]![l]! * hi;
      for (let j = 0; j < tl.length; j++) dv[tl[j]!.c] -= tl[j]!.k * hi;
    };
    run(0);
  }

  // Divide, add the bias once per output element, round to float32.
  const out = new Float32Array(outSize);
  const div = c.divisor;
  if (div !== 1) for (let i = 0; i < outSize; i++) acc[i] = acc[i]! / div;
  if (ast.bias) {
    const b = operands[ast.bias.name]!;
    const bShape = shapes[ast.bias.name]!;
    const brs = stridesOf(bShape);
    const outDims = dims[outName]!;
    const bstride = new Array<number>(outShape.length).fill(0);
    dims[ast.bias.name]!.forEach((d, k) => {
      const i = [...d.coefs.keys()][0]!;
      const od = outDims.findIndex((x) => x.constant === 0 && x.coefs.size === 1 && x.coefs.get(i) === 1);
      if (od < 0) throw new Error(`einsum: bias ${ast.bias!.name} index '${i}' must be a bare index of the output in "${ast.spec}"`);
      bstride[od] += brs[k]!;
    });
    const R = outShape.length;
    const idx = new Array<number>(R).fill(0);
    let bo = 0;
    for (let i = 0; i < outSize; i++) {
      out[i] = acc[i]! + b[bo]!;
      for (let d = R - 1; d >= 0; d--) {
        bo += bstride[d]!;
        if (++idx[d]! < outShape[d]!) break;
        bo -= bstride[d]! * outShape[d]!;
        idx[d] = 0;
      }
    }
  } else {
    out.set(acc);
  }
  return out;
}

/**
 * A loop order that runs fast in this interpreter (the result does not depend on it, up to
 * float rounding; the choice is deterministic so reruns are bit-identical). Measured on conv
 * forward and both gradients, FC and upsampling:
 *  - without any reduction (pure data movement: upsampling, zero insertion) the default order
 *    writes the output sequentially, and memory traffic is what counts;
 *  - otherwise the innermost loop is best a long reduction (the sum stays in a register, no
 *    store per step), else a long index that walks memory with small strides;
 *  - the next loop out should be long and close in memory, since the two innermost levels
 *    run fused.
 */
export function fastOrder(c: CompiledEinsum): string[] {
  const order = defaultOrder(c);
  if (order.length < 2 || c.ast.reductionIndices.length === 0) return order;
  const refs = [c.ast.output, ...c.ast.operands];
  const strides = (i: string): number[] => refs.map((ref) => {
    const rs = stridesOf(c.shapes[ref.name]!);
    let s = 0;
    c.dims[ref.name]!.forEach((d, k) => { s += (d.coefs.get(i) ?? 0) * rs[k]!; });
    return Math.abs(s);
  });
  const innerScore = (i: string): number => c.extents[i]! * (strides(i).some((s) => s !== 0 && s <= 4) ? 2 : 1);
  const nextScore = (i: string): number => c.extents[i]! / (1 + Math.log2(1 + strides(i).reduce((a, b) => a + b, 0)));
  const best = (cands: string[], score: (i: string) => number): string => cands.reduce((b, i) => (score(i) > score(b) ? i : b));
  const reductions = c.ast.reductionIndices.filter((i) => c.extents[i]! >= 8);
  const x = best(reductions.length > 0 ? reductions : order, innerScore);
  const rest = order.filter((i) => i !== x);
  const y = best(rest, nextScore);
  return [...rest.filter((i) => i !== y), y, x];
}
