/**
 * Architecture descriptions: a network as plain data (layer kinds and hyper-parameters, no
 * weights). The model zoo defines each network once this way; `buildModel` (build.ts) turns a
 * description into a runnable nn Module, and `summary` (src/analysis) traces shapes through it
 * without allocating a single weight — VGG-16 has 138M of them, and counting them should not
 * cost half a gigabyte. `describeModule` (src/analysis/describe-module.ts) goes the other way,
 * so any nn Module can be summarised too.
 *
 * Children carry names; a layer's name in a summary is the dotted path of names from the root,
 * the same path nn's namedParameters() uses (e.g. `features.conv1`).
 */
// The ops' and layers' own argument checks, so an architecture refuses what nn would refuse.
import { checkConvChannels, pairOf, type Pair } from '../ops/conv-shape.js';
import { checkPositiveInt } from '../ops/util.js';

/** Activation functions by their F name. */
export type ActivationName =
  | 'relu' | 'relu6' | 'tanh' | 'sigmoid' | 'leakyRelu' | 'elu' | 'hardswish' | 'hardsigmoid'
  | 'silu' | 'softmax' | 'logSoftmax' | 'identity';

export interface Conv2dArch {
  readonly op: 'conv2d';
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: readonly [number, number];
  readonly stride: readonly [number, number];
  /** [top/bottom, left/right], as PyTorch's int or pair; or 'same' (P = ceil(H/U), the odd unit at the bottom/right; see resolvePadding). */
  readonly padding: readonly [number, number] | 'same';
  readonly dilation: readonly [number, number];
  readonly groups: number;
  readonly bias: boolean;
}

export interface ConvTranspose2dArch {
  readonly op: 'convTranspose2d';
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: readonly [number, number];
  readonly stride: readonly [number, number];
  readonly padding: readonly [number, number];
  readonly outputPadding: readonly [number, number];
  readonly dilation: readonly [number, number];
  readonly groups: number;
  readonly bias: boolean;
}

export interface LinearArch {
  readonly op: 'linear';
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly bias: boolean;
}

export interface Pool2dArch {
  readonly op: 'maxPool2d' | 'avgPool2d';
  readonly kernelSize: readonly [number, number];
  readonly stride: readonly [number, number];
  readonly padding: readonly [number, number];
  readonly dilation: readonly [number, number];
  readonly ceilMode: boolean;
  /** avgPool2d only: divide by the full window, padding included (PyTorch's default). */
  readonly countIncludePad: boolean;
}

export interface AdaptiveAvgPool2dArch {
  readonly op: 'adaptiveAvgPool2d';
  readonly outputSize: readonly [number, number];
}

export interface BatchNormArch {
  readonly op: 'batchNorm2d' | 'batchNorm1d';
  readonly numFeatures: number;
  /** Learnable scale and shift (gamma, beta). */
  readonly affine: boolean;
}

export interface ActivationArch {
  readonly op: 'activation';
  readonly fn: ActivationName;
  /** leakyRelu: negative slope; elu: alpha; softmax/logSoftmax: dim. */
  readonly arg?: number;
}

export interface FlattenArch { readonly op: 'flatten'; readonly startDim: number }
export interface DropoutArch { readonly op: 'dropout'; readonly p: number }

export interface UpsampleArch {
  readonly op: 'upsample';
  readonly scaleFactor: number;
  readonly mode: 'nearest' | 'zeros' | 'bilinear';
}

/** A named child of a container. */
export interface NamedArch { readonly name: string; readonly arch: Arch }

export interface SequentialArch { readonly op: 'sequential'; readonly children: readonly NamedArch[] }

/** out = activation(body(x) + shortcut(x)); no shortcut means the identity. */
export interface ResidualArch {
  readonly op: 'residual';
  readonly body: Arch;
  readonly shortcut?: Arch;
  readonly activation?: Arch;
}

/** Branches applied to the same input, outputs concatenated along `dim` (Inception). */
export interface ConcatArch { readonly op: 'concat'; readonly branches: readonly NamedArch[]; readonly dim: number }

/**
 * A module the analysis does not know: it passes shapes through unchanged unless
 * `outputShape` says otherwise, and counts nothing.
 */
export interface OpaqueArch {
  readonly op: 'opaque';
  readonly typeName: string;
  readonly outputShape?: (input: readonly number[]) => number[];
}

export type Arch =
  | Conv2dArch | ConvTranspose2dArch | LinearArch | Pool2dArch | AdaptiveAvgPool2dArch
  | BatchNormArch | ActivationArch | FlattenArch | DropoutArch | UpsampleArch
  | SequentialArch | ResidualArch | ConcatArch | OpaqueArch;


/**
 * A CONV layer (PyTorch Conv2d semantics).
 *
 * @example conv(3, 96, 11, { stride: 4 })   // AlexNet CONV1
 */
export function conv(inChannels: number, outChannels: number, kernelSize: Pair,
                     options: { stride?: Pair; padding?: Pair | 'same' | 'valid'; dilation?: Pair; groups?: number; bias?: boolean } = {}): Conv2dArch {
  const groups = options.groups ?? 1;
  checkConvChannels('conv', inChannels, outChannels, groups);
  return {
    op: 'conv2d', inChannels, outChannels, groups,
    kernelSize: pairOf(kernelSize, 'conv', 'kernelSize', 1),
    stride: pairOf(options.stride ?? 1, 'conv', 'stride', 1),
    padding: options.padding === 'same' ? 'same'
      : pairOf(options.padding === 'valid' ? 0 : options.padding ?? 0, 'conv', 'padding', 0),
    dilation: pairOf(options.dilation ?? 1, 'conv', 'dilation', 1),
    bias: options.bias ?? true,
  };
}

/**
 * A transposed CONV layer (PyTorch ConvTranspose2d semantics).
 *
 * @example convTranspose(16, 8, 2, { stride: 2 })   // doubles H and W
 */
export function convTranspose(inChannels: number, outChannels: number, kernelSize: Pair,
                              options: { stride?: Pair; padding?: Pair; outputPadding?: Pair; dilation?: Pair;
                                         groups?: number; bias?: boolean } = {}): ConvTranspose2dArch {
  const groups = options.groups ?? 1;
  checkConvChannels('convTranspose', inChannels, outChannels, groups);
  return {
    op: 'convTranspose2d', inChannels, outChannels, groups,
    kernelSize: pairOf(kernelSize, 'convTranspose', 'kernelSize', 1),
    stride: pairOf(options.stride ?? 1, 'convTranspose', 'stride', 1),
    padding: pairOf(options.padding ?? 0, 'convTranspose', 'padding', 0),
    outputPadding: pairOf(options.outputPadding ?? 0, 'convTranspose', 'outputPadding', 0),
    dilation: pairOf(options.dilation ?? 1, 'convTranspose', 'dilation', 1),
    bias: options.bias ?? true,
  };
}

/**
 * An FC layer on a flat input (PyTorch Linear).
 *
 * @example linear(4096, 1000)
 */
export function linear(inFeatures: number, outFeatures: number, options: { bias?: boolean } = {}): LinearArch {
  return {
    op: 'linear', inFeatures: checkPositiveInt('linear', 'inFeatures', inFeatures),
    outFeatures: checkPositiveInt('linear', 'outFeatures', outFeatures), bias: options.bias ?? true,
  };
}

function pool(op: 'maxPool2d' | 'avgPool2d', kernelSize: Pair,
              options: { stride?: Pair; padding?: Pair; dilation?: Pair; ceilMode?: boolean; countIncludePad?: boolean }): Pool2dArch {
  const kernel = pairOf(kernelSize, op, 'kernelSize', 1);
  return {
    op, kernelSize: kernel,
    stride: pairOf(options.stride ?? kernel, op, 'stride', 1),
    padding: pairOf(options.padding ?? 0, op, 'padding', 0),
    dilation: pairOf(options.dilation ?? 1, op, 'dilation', 1),
    ceilMode: options.ceilMode ?? false,
    countIncludePad: options.countIncludePad ?? true,
  };
}

/**
 * Max pooling; the stride defaults to the window, as in PyTorch.
 *
 * @example maxPool(3, { stride: 2 })   // AlexNet's overlapping pooling
 */
export function maxPool(kernelSize: Pair, options: { stride?: Pair; padding?: Pair; dilation?: Pair; ceilMode?: boolean } = {}): Pool2dArch {
  return pool('maxPool2d', kernelSize, options);
}

/**
 * Average pooling; the stride defaults to the window.
 *
 * @example avgPool(2)   // LeNet-5 subsampling
 */
export function avgPool(kernelSize: Pair, options: { stride?: Pair; padding?: Pair; ceilMode?: boolean; countIncludePad?: boolean } = {}): Pool2dArch {
  return pool('avgPool2d', kernelSize, options);
}

/** @example adaptiveAvgPool(1)   // global average pooling */
export function adaptiveAvgPool(outputSize: Pair): AdaptiveAvgPool2dArch {
  return { op: 'adaptiveAvgPool2d', outputSize: pairOf(outputSize, 'adaptiveAvgPool', 'outputSize', 1) };
}

/** @example batchNorm(64) */
export function batchNorm(numFeatures: number, options: { affine?: boolean; dims?: 1 | 2 } = {}): BatchNormArch {
  return {
    op: options.dims === 1 ? 'batchNorm1d' : 'batchNorm2d',
    numFeatures: checkPositiveInt('batchNorm', 'numFeatures', numFeatures), affine: options.affine ?? true,
  };
}

/** @example act('relu'); act('leakyRelu', 0.1) */
export function act(fn: ActivationName, arg?: number): ActivationArch {
  return arg === undefined ? { op: 'activation', fn } : { op: 'activation', fn, arg };
}

/** @example flatten()   // [N, C, H, W] -> [N, C*H*W] */
export function flatten(startDim = 1): FlattenArch {
  return { op: 'flatten', startDim };
}

/** @example dropout(0.5) */
export function dropout(p = 0.5): DropoutArch {
  // The same range as F.dropout and nn.Dropout (PyTorch allows p = 1: everything dropped).
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new Error(`dropout: p must be a probability in [0, 1], got ${String(p)}`);
  return { op: 'dropout', p };
}

/** @example upsample(2, 'nearest') */
export function upsample(scaleFactor: number, mode: UpsampleArch['mode'] = 'nearest'): UpsampleArch {
  return { op: 'upsample', scaleFactor: checkPositiveInt('upsample', 'scaleFactor', scaleFactor), mode };
}

/**
 * A sequence of layers. Children are `[name, arch]` pairs or bare archs (named by position,
 * as PyTorch's Sequential does).
 *
 * @example seq(['conv1', conv(1, 6, 5)], ['act1', act('tanh')])
 */
export function seq(...children: Array<Arch | readonly [string, Arch]>): SequentialArch {
  const named = children.map((c, i): NamedArch => (Array.isArray(c) ? { name: c[0] as string, arch: c[1] as Arch } : { name: String(i), arch: c as Arch }));
  const seen = new Set<string>();
  for (const c of named) {
    if (seen.has(c.name)) throw new Error(`seq: duplicate child name '${c.name}'`);
    seen.add(c.name);
  }
  return { op: 'sequential', children: named };
}

/** @example residual(seq(conv(64, 64, 3, { padding: 1 }), act('relu')), undefined, act('relu')) */
export function residual(body: Arch, shortcut?: Arch, activation?: Arch): ResidualArch {
  return { op: 'residual', body, ...(shortcut ? { shortcut } : {}), ...(activation ? { activation } : {}) };
}

/** @example concat([['b1', conv(192, 64, 1)], ['b2', conv(192, 128, 1)]]) */
export function concat(branches: Array<Arch | readonly [string, Arch]>, dim = 1): ConcatArch {
  return { op: 'concat', dim, branches: seq(...branches).children };
}
