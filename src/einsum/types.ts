/**
 * The contract between ops, the einsum engine and the backends.
 *
 * An op that is an einsum (CONV, FC, average pooling, zero insertion, nearest upsampling,
 * matmul) describes itself as a `BoundEinsum`: its einsum text plus the concrete shapes and
 * constants. The reference backend evaluates it with the einsum interpreter; a fast backend
 * recognises `kind` and runs a specialised kernel. The gradient of such an op with respect to
 * an operand is itself an einsum derived by the engine, so one autograd rule serves them all.
 */

/** Layer families a fast backend may specialise. `generic` means: only the interpreter. */
export type EinsumKind =
  | 'conv2d'          // O[n,g,m,p,q] = B[g,m] + I[n,g,c,U*p+DH*r-PH,V*q+DW*s-PW] * F[g,m,c,r,s]
  | 'convTranspose2d' // O[n,g,c,U*h+DH*r-PH,V*w+DW*s-PW] = I[n,g,m,h,w] * F[g,m,c,r,s]  (+ B)
  | 'linear'          // O[n,m] = B[m] + I[n,c] * F[m,c]
  | 'matmul'          // O[b,i,j] = A[b,i,k] * B[b,k,j]
  | 'avgPool2d'       // O[n,c,p,q] = I[n,c,U*p+r-PH,V*q+s-PW] / (R*S)
  | 'zeroInsert'      // O[n,c,U*h,U*w] = I[n,c,h,w]
  | 'nearestUpsample' // O[n,c,U*h+r,U*w+s] = I[n,c,h,w]
  | 'generic';

/** A layer's einsum bound to concrete shapes: what a backend executes. */
export interface BoundEinsum {
  readonly kind: EinsumKind;
  /** The einsum in dnnkit notation; may use the symbolic constants below. */
  readonly spec: string;
  /** Values of the symbolic constants used in `spec` (e.g. U, V, PH, PW, DH, DW). */
  readonly constants: Readonly<Record<string, number>>;
  /** The shape of every tensor named in `spec`, the output included. */
  readonly shapes: Readonly<Record<string, readonly number[]>>;
}

/**
 * The shape parameters of a 2-D convolution (the "decoder ring" of DESIGN.md), normalised for
 * kernels. Layouts are NCHW: x [N,C,H,W], w [M, C/groups, R, S], y [N,M,P,Q], bias [M].
 * Reads outside the input are zero (padding); the bottom/right padding is implied by P and Q.
 */
export interface Conv2dParams {
  N: number; C: number; H: number; W: number;
  M: number; R: number; S: number;
  P: number; Q: number;
  strideH: number; strideW: number;
  padTop: number; padLeft: number;
  dilationH: number; dilationW: number;
  groups: number;
}

/** Pooling window parameters; x [N,C,H,W] -> y [N,C,P,Q]. */
export interface Pool2dParams {
  N: number; C: number; H: number; W: number;
  R: number; S: number; P: number; Q: number;
  strideH: number; strideW: number;
  padTop: number; padLeft: number;
  dilationH: number; dilationW: number;
}

/**
 * The shape parameters of a 2-D transposed convolution, in the vocabulary of the layer it
 * computes: input x [N,C,H,W], output y [N,M,P,Q], weight [C, M/groups, R, S] (PyTorch's
 * layout), bias [M]. It is the gradient of a conv2d from M to C channels with respect to its
 * input, so its einsum (kind 'convTranspose2d') names the input channel `m` and the output
 * channel `c`. Writes outside the output are dropped (that is what padding crops).
 */
export type ConvTranspose2dParams = Conv2dParams;
