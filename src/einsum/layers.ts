/**
 * Layer builders: shape parameters -> BoundEinsum, one per EinsumKind, exactly as the
 * comments in types.ts spell them; and the way back (`conv2dParamsOf`, `pool2dParamsOf`)
 * for fast kernels that recognise a kind.
 *
 * Grouped layers view the NCHW buffers with an explicit group axis (I [N,G,C/G,H,W],
 * F [G,M/G,C/G,R,S], O [N,G,M/G,P,Q], B [G,M/G]) — reshapes of the same flat buffers, no
 * copies — so one einsum covers dense, grouped and depthwise convolution.
 */
import { parse, type IndexExpr, type Monomial } from './parse.js';
import type { BoundEinsum, Conv2dParams, ConvTranspose2dParams, Pool2dParams } from './types.js';

function checkInts(fn: string, values: Record<string, number>, min: number): void {
  for (const [k, v] of Object.entries(values)) {
    if (!Number.isInteger(v) || v < min) throw new Error(`${fn}: ${k} must be an integer >= ${min}, got ${v}`);
  }
}

/** Sizes are integers >= 0; strides, dilations and groups >= 1; paddings >= 0. */
function checkConvParams(fn: string, p: Conv2dParams): void {
  const { N, C, H, W, M, R, S, P, Q } = p;
  checkInts(fn, { N, C, H, W, M, R, S, P, Q }, 0);
  checkInts(fn, { strideH: p.strideH, strideW: p.strideW, dilationH: p.dilationH, dilationW: p.dilationW, groups: p.groups }, 1);
  checkInts(fn, { padTop: p.padTop, padLeft: p.padLeft }, 0);
}

/**
 * Output size of a convolution or pooling window along one axis (PyTorch's rule):
 * floor((size + padBefore + padAfter - dilation*(kernel-1) - 1) / stride) + 1.
 *
 * @example convOutputSize(227, 11, 4, 0, 0)  // 55 (AlexNet conv1)
 */
export function convOutputSize(size: number, kernel: number, stride = 1, padBefore = 0,
                               padAfter = padBefore, dilation = 1): number {
  return Math.floor((size + padBefore + padAfter - dilation * (kernel - 1) - 1) / stride) + 1;
}

/**
 * Output size of a transposed convolution along one axis (PyTorch's rule):
 * (size-1)*stride - padBefore - padAfter + dilation*(kernel-1) + outputPadding + 1.
 *
 * @example convTransposeOutputSize(4, 3, 2, 1, 1, 1)  // 8
 */
export function convTransposeOutputSize(size: number, kernel: number, stride = 1, padBefore = 0,
                                        padAfter = padBefore, outputPadding = 0, dilation = 1): number {
  return (size - 1) * stride - padBefore - padAfter + dilation * (kernel - 1) + outputPadding + 1;
}

/**
 * The CONV layer (dense, grouped or depthwise) as a bound einsum.
 *
 * @example
 *   conv2dEinsum({ N: 1, C: 3, H: 227, W: 227, M: 96, R: 11, S: 11, P: 55, Q: 55,
 *                  strideH: 4, strideW: 4, padTop: 0, padLeft: 0, dilationH: 1, dilationW: 1,
 *                  groups: 1 }, true).spec
 *   // 'O[n,g,m,p,q] = B[g,m] + I[n,g,c,U*p+DH*r-PH,V*q+DW*s-PW] * F[g,m,c,r,s]'
 */
export function conv2dEinsum(p: Conv2dParams, bias = false): BoundEinsum {
  const { N, C, H, W, M, R, S, P, Q, groups: G } = p;
  checkConvParams('conv2dEinsum', p);
  if (C % G !== 0 || M % G !== 0) {
    throw new Error(`conv2dEinsum: groups must divide C and M, got groups=${G}, C=${C}, M=${M}`);
  }
  const product = 'I[n,g,c,U*p+DH*r-PH,V*q+DW*s-PW] * F[g,m,c,r,s]';
  return {
    kind: 'conv2d',
    spec: bias ? `O[n,g,m,p,q] = B[g,m] + ${product}` : `O[n,g,m,p,q] = ${product}`,
    constants: { U: p.strideH, V: p.strideW, PH: p.padTop, PW: p.padLeft, DH: p.dilationH, DW: p.dilationW },
    shapes: {
      I: [N, G, C / G, H, W], F: [G, M / G, C / G, R, S], O: [N, G, M / G, P, Q],
      ...(bias ? { B: [G, M / G] } : {}),
    },
  };
}

/**
 * The transposed convolution (PyTorch ConvTranspose2d) as a bound einsum: a scatter whose
 * writes outside the output are dropped. Weight layout [C, M/groups, R, S].
 *
 * @example
 *   convTranspose2dEinsum({ N: 1, C: 8, H: 4, W: 4, M: 3, R: 3, S: 3, P: 8, Q: 8, strideH: 2,
 *     strideW: 2, padTop: 1, padLeft: 1, dilationH: 1, dilationW: 1, groups: 1 }).shapes.F
 *   // [1, 8, 3, 3, 3]
 */
export function convTranspose2dEinsum(p: ConvTranspose2dParams, bias = false): BoundEinsum {
  const { N, C, H, W, M, R, S, P, Q, groups: G } = p;
  checkConvParams('convTranspose2dEinsum', p);
  if (C % G !== 0 || M % G !== 0) {
    throw new Error(`convTranspose2dEinsum: groups must divide C (input channels) and M (output channels), got groups=${G}, C=${C}, M=${M}`);
  }
  // Letters follow types.ts: the input channel is `m`, the output channel `c`.
  const product = 'I[n,g,m,h,w] * F[g,m,c,r,s]';
  const out = 'O[n,g,c,U*h+DH*r-PH,V*w+DW*s-PW]';
  return {
    kind: 'convTranspose2d',
    spec: bias ? `${out} = B[g,c] + ${product}` : `${out} = ${product}`,
    constants: { U: p.strideH, V: p.strideW, PH: p.padTop, PW: p.padLeft, DH: p.dilationH, DW: p.dilationW },
    shapes: {
      I: [N, G, C / G, H, W], F: [G, C / G, M / G, R, S], O: [N, G, M / G, P, Q],
      ...(bias ? { B: [G, M / G] } : {}),
    },
  };
}

/**
 * The FC layer on flattened inputs: O[n,m] = B[m] + I[n,c] * F[m,c] (PyTorch Linear weight [M,C]).
 *
 * @example linearEinsum({ N: 2, C: 4096, M: 1000 }, true).shapes  // { I: [2,4096], F: [1000,4096], O: [2,1000], B: [1000] }
 */
export function linearEinsum(p: { N: number; C: number; M: number }, bias = false): BoundEinsum {
  checkInts('linearEinsum', p, 0);
  return {
    kind: 'linear',
    spec: bias ? 'O[n,m] = B[m] + I[n,c] * F[m,c]' : 'O[n,m] = I[n,c] * F[m,c]',
    constants: {},
    shapes: { I: [p.N, p.C], F: [p.M, p.C], O: [p.N, p.M], ...(bias ? { B: [p.M] } : {}) },
  };
}

/**
 * Batched matrix product: O[b,i,j] = A[b,i,k] * B[b,k,j] (here B is an operand, not a bias).
 *
 * @example matmulEinsum({ batch: 1, I: 2, K: 3, J: 4 }).shapes.O  // [1, 2, 4]
 */
export function matmulEinsum(p: { batch: number; I: number; K: number; J: number }): BoundEinsum {
  checkInts('matmulEinsum', p, 0);
  return {
    kind: 'matmul',
    spec: 'O[b,i,j] = A[b,i,k] * B[b,k,j]',
    constants: {},
    shapes: { A: [p.batch, p.I, p.K], B: [p.batch, p.K, p.J], O: [p.batch, p.I, p.J] },
  };
}

function checkPool(fn: string, p: Pool2dParams): void {
  checkInts(fn, { N: p.N, C: p.C, H: p.H, W: p.W, R: p.R, S: p.S, P: p.P, Q: p.Q }, 0);
  checkInts(fn, { strideH: p.strideH, strideW: p.strideW, dilationH: p.dilationH, dilationW: p.dilationW }, 1);
  checkInts(fn, { padTop: p.padTop, padLeft: p.padLeft }, 0);
}

/**
 * Average pooling with zero padding, divided by the full window R*S (count_include_pad=True;
 * other divisors are the op's job). Dilation must be 1, as in PyTorch.
 *
 * @example avgPool2dEinsum({ N: 1, C: 1, H: 4, W: 4, R: 2, S: 2, P: 2, Q: 2, strideH: 2, strideW: 2,
 *                            padTop: 0, padLeft: 0, dilationH: 1, dilationW: 1 }).constants.R  // 2
 */
export function avgPool2dEinsum(p: Pool2dParams): BoundEinsum {
  checkPool('avgPool2dEinsum', p);
  if (p.dilationH !== 1 || p.dilationW !== 1) {
    throw new Error(`avgPool2dEinsum: dilation must be 1, got [${p.dilationH}, ${p.dilationW}]`);
  }
  return {
    kind: 'avgPool2d',
    spec: 'O[n,c,p,q] = I[n,c,U*p+r-PH,V*q+s-PW] / (R*S)',
    // R and S name the window extents (no operand has them as a dimension).
    constants: { U: p.strideH, V: p.strideW, PH: p.padTop, PW: p.padLeft, R: p.R, S: p.S },
    shapes: { I: [p.N, p.C, p.H, p.W], O: [p.N, p.C, p.P, p.Q] },
  };
}

/**
 * Max pooling as an einsum (kind 'generic': backends run it with their maxPool2d kernel,
 * which also records the argmax; this form serves printing, counting and the interpreter).
 * Padding is ignored (-inf), as in PyTorch.
 *
 * @example maxPool2dEinsum({ ...p }).spec  // 'O[n,c,p,q] = max over r,s of I[n,c,U*p+DH*r-PH,V*q+DW*s-PW]'
 */
export function maxPool2dEinsum(p: Pool2dParams): BoundEinsum {
  checkPool('maxPool2dEinsum', p);
  return {
    kind: 'generic',
    spec: 'O[n,c,p,q] = max over r,s of I[n,c,U*p+DH*r-PH,V*q+DW*s-PW]',
    constants: { U: p.strideH, V: p.strideW, PH: p.padTop, PW: p.padLeft, DH: p.dilationH, DW: p.dilationW, R: p.R, S: p.S },
    shapes: { I: [p.N, p.C, p.H, p.W], O: [p.N, p.C, p.P, p.Q] },
  };
}

/**
 * Zero insertion (upsampling with zeros): O[n,c,U*h,U*w] = I[n,c,h,w]; other outputs are 0.
 * The output defaults to [N, C, U*H, U*W].
 *
 * @example zeroInsertEinsum({ N: 1, C: 1, H: 2, W: 2, U: 2 }).shapes.O  // [1, 1, 4, 4]
 */
export function zeroInsertEinsum(p: { N: number; C: number; H: number; W: number; U: number; P?: number; Q?: number }): BoundEinsum {
  const P = p.P ?? p.U * p.H, Q = p.Q ?? p.U * p.W;
  checkInts('zeroInsertEinsum', { N: p.N, C: p.C, H: p.H, W: p.W, P, Q }, 0);
  checkInts('zeroInsertEinsum', { U: p.U }, 1);
  return {
    kind: 'zeroInsert',
    spec: 'O[n,c,U*h,U*w] = I[n,c,h,w]',
    constants: { U: p.U },
    shapes: { I: [p.N, p.C, p.H, p.W], O: [p.N, p.C, P, Q] },
  };
}

/**
 * Nearest-neighbour upsampling by an integer factor: O[n,c,U*h+r,U*w+s] = I[n,c,h,w], r,s in [0,U).
 * A different width factor V gives `V*w+s`.
 *
 * @example nearestUpsampleEinsum({ N: 1, C: 1, H: 2, W: 2, U: 2 }).shapes.O  // [1, 1, 4, 4]
 */
export function nearestUpsampleEinsum(p: { N: number; C: number; H: number; W: number; U: number; V?: number }): BoundEinsum {
  const V = p.V ?? p.U;
  checkInts('nearestUpsampleEinsum', { N: p.N, C: p.C, H: p.H, W: p.W }, 0);
  checkInts('nearestUpsampleEinsum', { U: p.U, V }, 1);
  const same = V === p.U;
  return {
    kind: 'nearestUpsample',
    spec: same ? 'O[n,c,U*h+r,U*w+s] = I[n,c,h,w]' : 'O[n,c,U*h+r,V*w+s] = I[n,c,h,w]',
    constants: same ? { U: p.U } : { U: p.U, V },
    shapes: { I: [p.N, p.C, p.H, p.W], O: [p.N, p.C, p.U * p.H, V * p.W] },
  };
}

function expectKind(fn: string, e: BoundEinsum, kinds: string[]): void {
  if (!kinds.includes(e.kind)) throw new Error(`${fn}: expected an einsum of kind ${kinds.join(' or ')}, got '${e.kind}' ("${e.spec}")`);
}

/**
 * The Conv2dParams of a conv2d einsum (from its shapes and constants), for fast kernels.
 *
 * @example conv2dParamsOf(conv2dEinsum(p)).groups === p.groups
 */
export function conv2dParamsOf(e: BoundEinsum): Conv2dParams {
  expectKind('conv2dParamsOf', e, ['conv2d']);
  return convParamsFrom(e, e.shapes['F']![1]!);
}

/** The ConvTranspose2dParams of a convTranspose2d einsum, for fast kernels. */
export function convTranspose2dParamsOf(e: BoundEinsum): ConvTranspose2dParams {
  expectKind('convTranspose2dParamsOf', e, ['convTranspose2d']);
  return convParamsFrom(e, e.shapes['F']![2]!);
}

/** Both convolutions view I [N,G,C/G,H,W] and O [N,G,M/G,P,Q]; only F's axis order differs. */
function convParamsFrom(e: BoundEinsum, Mg: number): Conv2dParams {
  const [N, G, Cg, H, W] = e.shapes['I']!;
  const [R, S] = e.shapes['F']!.slice(3);
  const [P, Q] = e.shapes['O']!.slice(3);
  const k = e.constants;
  return {
    N: N!, C: G! * Cg!, H: H!, W: W!, M: G! * Mg, R: R!, S: S!, P: P!, Q: Q!,
    strideH: k['U']!, strideW: k['V']!, padTop: k['PH']!, padLeft: k['PW']!,
    dilationH: k['DH']!, dilationW: k['DW']!, groups: G!,
  };
}

/**
 * The Pool2dParams of a pooling einsum (avgPool2d, or the max pooling built by maxPool2dEinsum).
 *
 * @example pool2dParamsOf(avgPool2dEinsum(p)).R === p.R
 */
export function pool2dParamsOf(e: BoundEinsum): Pool2dParams {
  const isMax = e.kind === 'generic' && parse(e.spec).reduce === 'max';
  if (e.kind !== 'avgPool2d' && !isMax) expectKind('pool2dParamsOf', e, ['avgPool2d', 'generic (max pooling)']);
  const [N, C, H, W] = e.shapes['I']!;
  const [, , P, Q] = e.shapes['O']!;
  const k = e.constants;
  return {
    N: N!, C: C!, H: H!, W: W!, R: k['R']!, S: k['S']!, P: P!, Q: Q!,
    strideH: k['U']!, strideW: k['V']!, padTop: k['PH']!, padLeft: k['PW']!,
    dilationH: k['DH'] ?? 1, dilationW: k['DW'] ?? 1,
  };
}

/** Monomials back to text: `U*p`, `DH*r`, `-PH`, `2*h`. */
function monomialsText(terms: readonly Monomial[]): string {
  let s = '';
  for (const m of terms) {
    const factors: string[] = [];
    const k = Math.abs(m.k);
    if (k !== 1 || (m.syms.length === 0 && m.index === null)) factors.push(String(k));
    factors.push(...m.syms);
    if (m.index !== null) factors.push(m.index);
    const body = factors.join('*');
    s += m.k < 0 ? `-${body}` : s === '' ? body : `+${body}`;
  }
  return s === '' ? '0' : s;
}

/**
 * The einsum in its minimal textbook form, for printing: a group axis of extent 1 is dropped,
 * zero padding and unit dilation vanish, equal strides share the name U. For a dense,
 * unpadded conv with bias:
 *
 * @example displaySpec(conv2dEinsum({ ...p, groups: 1, padTop: 0, padLeft: 0 }, true))
 *   // 'O[n,m,p,q] = B[m] + I[n,c,U*p+r,U*q+s] * F[m,c,r,s]'
 */
export function displaySpec(e: BoundEinsum): string {
  const ast = parse(e.spec);
  const k = e.constants;
  const mergeV = k['V'] !== undefined && k['U'] === k['V'];
  const dropG = e.shapes['I'] !== undefined && (e.kind === 'conv2d' || e.kind === 'convTranspose2d') && e.shapes['I']![1] === 1;
  const dim = (d: IndexExpr): string | null => {
    if (dropG && d.text === 'g') return null;
    const terms: Monomial[] = [];
    for (const m of d.terms) {
      if (m.syms.some((s) => k[s] === 0)) continue;                 // zero padding
      const syms = m.syms
        .filter((s) => !(k[s] === 1 && s.startsWith('D')))          // unit dilation
        .map((s) => (mergeV && s === 'V' ? 'U' : s));
      terms.push({ ...m, syms });
    }
    return monomialsText(terms);
  };
  const ref = (r: { name: string; dims: readonly IndexExpr[] }): string =>
    `${r.name}[${r.dims.map(dim).filter((x) => x !== null).join(',')}]`;
  let rhs = ast.reduce === 'max'
    ? `max over ${ast.reductionIndices.join(',')} of ${ref(ast.operands[0]!)}`
    : ast.operands.map(ref).join(' * ');
  if (ast.divisor) rhs += ` / ${ast.divisor.text}`;
  if (ast.bias) rhs = `${ref(ast.bias)} + ${rhs}`;
  return `${ref(ast.output)} = ${rhs}`;
}

/**
 * The textbook form as a bound einsum (spec from `displaySpec`, a group axis of extent 1
 * dropped from the shapes too), for printing loop nests and counting in the notation people
 * know. Kind 'generic': it is for display, not for fast kernels.
 *
 * @example printLoopNest(displayEinsum(alexnetConv1))
 *   // ... O[n][m][p][q] += I[n][c][4*p+r][4*q+s] * F[m][c][r][s];
 */
export function displayEinsum(e: BoundEinsum): BoundEinsum {
  const ast = parse(e.spec);
  const dropG = (e.kind === 'conv2d' || e.kind === 'convTranspose2d') && e.shapes['I']?.[1] === 1;
  const shapes: Record<string, readonly number[]> = {};
  for (const ref of [ast.output, ...(ast.bias ? [ast.bias] : []), ...ast.operands]) {
    const shape = e.shapes[ref.name];
    if (shape) shapes[ref.name] = shape.filter((_, k) => !(dropG && ref.dims[k]!.text === 'g'));
  }
  return { kind: 'generic', spec: displaySpec(e), constants: e.constants, shapes };
}

