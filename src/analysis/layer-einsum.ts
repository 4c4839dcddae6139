/**
 * One CONV / FC / POOL layer given by its shape parameters (the decoder ring), as the bound
 * einsum in its textbook form — the form DESIGN.md writes and a loop nest is printed from:
 *
 *     CONV  O[n,m,p,q] = B[m] + I[n,c,U*p+r,U*q+s] * F[m,c,r,s]
 *     FC    O[n,m] = B[m] + I[n,c,h,w] * F[m,c,h,w]
 *     POOL  O[n,c,p,q] = max over r,s of I[n,c,U*p+r,U*q+s]
 *
 * The layer builders (src/einsum/layers.ts) give a conv a group axis g so one einsum covers
 * grouped and depthwise convs; with one group that axis has extent 1 and only clutters a loop
 * nest, so `textbookEinsum` drops it. The buffers are the same either way (NCHW, row-major).
 */
import { avgPool2dEinsum, conv2dEinsum, convOutputSize, displaySpec, linearEinsum, maxPool2dEinsum } from '../einsum/layers.js';
import type { BoundEinsum } from '../einsum/types.js';

export type LayerKind = 'conv' | 'fc' | 'maxpool' | 'avgpool';

/** A layer by its shape parameters; omitted ones default as noted. */
export interface LayerShape {
  type: LayerKind;
  N?: number;           // 1
  C: number;
  H?: number;           // 1 (FC on a flat input)
  W?: number;           // = H
  M?: number;           // CONV/FC filters; POOL: = C
  R?: number;           // CONV/POOL filter height; FC: = H
  S?: number;           // = R
  U?: number;           // stride, 1 (POOL: = R)
  pad?: number;         // 0
  groups?: number;      // 1
  dilation?: number;    // 1
  bias?: boolean;       // CONV/FC: true
}

/** The layer's einsum plus the resolved parameters (P, Q and every default filled in). */
export interface LayerEinsum {
  einsum: BoundEinsum;
  params: Required<LayerShape> & { P: number; Q: number };
}

function int(v: number | undefined, name: string, min: number, fallback: number): number {
  const x = v ?? fallback;
  if (!Number.isInteger(x) || x < min) throw new Error(`layerEinsum: ${name} must be an integer >= ${min}, got ${x}`);
  return x;
}

/**
 * The bound einsum of a layer given by shape parameters.
 *
 * @example layerEinsum({ type: 'conv', C: 3, H: 227, M: 96, R: 11, U: 4 }).params.P  // 55
 */
export function layerEinsum(shape: LayerShape): LayerEinsum {
  const type = shape.type;
  if (!['conv', 'fc', 'maxpool', 'avgpool'].includes(type)) {
    throw new Error(`layerEinsum: type must be conv, fc, maxpool or avgpool, got '${String(type)}'`);
  }
  const N = int(shape.N, 'N', 1, 1), C = int(shape.C, 'C', 1, 1);
  const H = int(shape.H, 'H', 1, 1), W = int(shape.W, 'W', 1, H);
  const pad = int(shape.pad, 'pad', 0, 0), groups = int(shape.groups, 'groups', 1, 1);
  const dilation = int(shape.dilation, 'dilation', 1, 1), bias = type === 'conv' || type === 'fc' ? shape.bias ?? true : false;
  if (type === 'fc') {
    const M = int(shape.M, 'M', 1, 1);
    if ((shape.R !== undefined && shape.R !== H) || (shape.S !== undefined && shape.S !== W)) {
      throw new Error(`layerEinsum: an FC layer's filter covers its whole input (R=H=${H}, S=W=${W}), got R=${shape.R}, S=${shape.S}`);
    }
    const params = { type, N, C, H, W, M, R: H, S: W, U: 1, pad: 0, groups: 1, dilation: 1, bias, P: 1, Q: 1 };
    if (H === 1 && W === 1) return { einsum: linearEinsum({ N, C, M }, bias), params };
    return {
      einsum: {
        kind: 'generic',
        spec: bias ? 'O[n,m] = B[m] + I[n,c,h,w] * F[m,c,h,w]' : 'O[n,m] = I[n,c,h,w] * F[m,c,h,w]',
        constants: {},
        shapes: { I: [N, C, H, W], F: [M, C, H, W], O: [N, M], ...(bias ? { B: [M] } : {}) },
      },
      params,
    };
  }
  const R = int(shape.R, 'R', 1, type === 'conv' ? 3 : 2), S = int(shape.S, 'S', 1, R);
  const U = int(shape.U, 'U', 1, type === 'conv' ? 1 : R);
  const P = convOutputSize(H, R, U, pad, pad, dilation), Q = convOutputSize(W, S, U, pad, pad, dilation);
  if (P < 1 || Q < 1) {
    throw new Error(`layerEinsum: a ${R}x${S} window (dilation ${dilation}) at stride ${U} with padding ${pad} does not fit a ${H}x${W} input (P=${P}, Q=${Q})`);
  }
  if (type === 'conv') {
    const M = int(shape.M, 'M', 1, 1);
    if (C % groups !== 0 || M % groups !== 0) throw new Error(`layerEinsum: groups=${groups} must divide C=${C} and M=${M}`);
    const e = conv2dEinsum({ N, C, H, W, M, R, S, P, Q, strideH: U, strideW: U, padTop: pad, padLeft: pad,
                             dilationH: dilation, dilationW: dilation, groups }, bias);
    return { einsum: textbookEinsum(e), params: { type, N, C, H, W, M, R, S, U, pad, groups, dilation, bias, P, Q } };
  }
  if (pad * 2 > R) throw new Error(`layerEinsum: pooling padding ${pad} must be at most half the window ${R}, as in PyTorch`);
  const p = { N, C, H, W, R, S, P, Q, strideH: U, strideW: U, padTop: pad, padLeft: pad, dilationH: dilation, dilationW: dilation };
  const e = type === 'maxpool' ? maxPool2dEinsum(p) : avgPool2dEinsum(p);
  return { einsum: e, params: { type, N, C, H, W, M: C, R, S, U, pad, groups: 1, dilation, bias, P, Q } };
}

/**
 * A conv2d einsum with one group rewritten without the group axis (the textbook CONV einsum
 * over the same buffers); anything else is returned unchanged.
 *
 * @example textbookEinsum(conv2dEinsum(p, true)).spec  // 'O[n,m,p,q] = B[m] + I[n,c,U*p+r,U*q+s] * F[m,c,r,s]'
 */
export function textbookEinsum(e: BoundEinsum): BoundEinsum {
  const I = e.shapes['I'];
  if (e.kind !== 'conv2d' || !I) return e;
  // Several groups: keep the g axis, drop only zero padding and unit dilation from the text.
  if (I[1] !== 1) return { kind: 'generic', spec: displaySpec(e), constants: e.constants, shapes: e.shapes };
  const drop = (shape: readonly number[] | undefined, axis: number): number[] | undefined =>
    shape ? shape.filter((_, i) => i !== axis) : undefined;
  const shapes: Record<string, readonly number[]> = { I: drop(I, 1)!, F: drop(e.shapes['F'], 0)!, O: drop(e.shapes['O'], 1)! };
  if (e.shapes['B']) shapes['B'] = drop(e.shapes['B'], 0)!;
  return { kind: 'generic', spec: displaySpec(e), constants: e.constants, shapes };
}
