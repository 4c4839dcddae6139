/**
 * Weight initialisation, as torch.nn.init: each function fills a tensor in place (inside no
 * graph: it writes `data` directly) and returns it. Randomness comes from the seeded global
 * generator (manualSeed) unless a generator is passed, so a seeded model is reproducible.
 * The numbers differ from PyTorch's (a different generator); the distributions are the same.
 */
import type { Tensor } from '../tensor/tensor.js';
import { defaultGenerator, type Generator } from '../tensor/random.js';
import { formatShape } from '../tensor/shape.js';

export type Nonlinearity =
  | 'linear' | 'conv1d' | 'conv2d' | 'conv3d' | 'conv_transpose1d' | 'conv_transpose2d' | 'conv_transpose3d'
  | 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu' | 'selu';

export type FanMode = 'fanIn' | 'fanOut';

export interface RandomInitOptions {
  generator?: Generator;
}

export interface KaimingOptions extends RandomInitOptions {
  /** Negative slope of the rectifier after this layer (leaky_relu only). Default 0. */
  a?: number;
  /** 'fanIn' (default) keeps the forward variance, 'fanOut' the backward variance. */
  mode?: FanMode;
  /** Default 'leaky_relu' (with a = 0 that is ReLU's gain √2), as in PyTorch. */
  nonlinearity?: Nonlinearity;
}

/**
 * The recommended gain for a nonlinearity (torch.nn.init.calculate_gain).
 * @example calculateGain('relu') // √2;  calculateGain('leaky_relu', 0.2)
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear': case 'conv1d': case 'conv2d': case 'conv3d':
    case 'conv_transpose1d': case 'conv_transpose2d': case 'conv_transpose3d': case 'sigmoid':
      return 1;
    case 'tanh': return 5 / 3;
    case 'relu': return Math.SQRT2;
    case 'leaky_relu': {
      const slope = param ?? 0.01;
      if (!Number.isFinite(slope)) throw new Error(`calculateGain: negative slope ${slope} is not a valid number`);
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu': return 3 / 4;
    default:
      throw new Error(`calculateGain: unsupported nonlinearity '${String(nonlinearity)}' (expected linear, conv*, sigmoid, tanh, relu, leaky_relu or selu)`);
  }
}

/**
 * fanIn and fanOut of a weight as PyTorch computes them: dim 1 times the receptive field
 * (R*S) for fanIn, dim 0 times it for fanOut. Conv [M, C/groups, R, S]: fanIn = C/groups*R*S.
 * ConvTranspose [C, M/groups, R, S]: fanIn = M/groups*R*S (dim 1, as in PyTorch).
 */
export function calculateFanInAndFanOut(t: Tensor): { fanIn: number; fanOut: number } {
  if (t.ndim < 2) {
    throw new Error(`calculateFanInAndFanOut: fan in and fan out need a tensor with at least 2 dims, got shape ${formatShape(t.shape)}`);
  }
  let receptive = 1;
  for (let i = 2; i < t.ndim; i++) receptive *= t.shape[i]!;
  return { fanIn: t.shape[1]! * receptive, fanOut: t.shape[0]! * receptive };
}

function fanOf(t: Tensor, mode: FanMode, where: string): number {
  if (mode !== 'fanIn' && mode !== 'fanOut') throw new Error(`${where}: mode must be 'fanIn' or 'fanOut', got '${String(mode)}'`);
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  return mode === 'fanIn' ? fanIn : fanOut;
}

/**
 * Fill with U(low, high).
 * @example uniform(w, -0.1, 0.1)
 */
export function uniform(t: Tensor, low = 0, high = 1, options: RandomInitOptions = {}): Tensor {
  if (!(low <= high)) throw new Error(`uniform: low (${low}) must not exceed high (${high})`);
  const g = options.generator ?? defaultGenerator;
  const d = t.data;
  for (let i = 0; i < d.length; i++) d[i] = low + (high - low) * g.uniform();
  return t;
}

/**
 * Fill with N(mean, std²).
 * @example normal(w, 0, 0.01)
 */
export function normal(t: Tensor, mean = 0, std = 1, options: RandomInitOptions = {}): Tensor {
  if (!(std >= 0)) throw new Error(`normal: std must be >= 0, got ${std}`);
  const g = options.generator ?? defaultGenerator;
  const d = t.data;
  for (let i = 0; i < d.length; i++) d[i] = mean + std * g.normal();
  return t;
}

/** Fill with a constant. @example constant(b, 0.1) */
export function constant(t: Tensor, value: number): Tensor {
  t.data.fill(value);
  return t;
}

/** Fill with 0. */
export function zeros(t: Tensor): Tensor {
  return constant(t, 0);
}

/** Fill with 1. */
export function ones(t: Tensor): Tensor {
  return constant(t, 1);
}

/**
 * He et al. 2015, uniform: U(-b, b) with b = gain·√(3/fan).
 * @example kaimingUniform(w, { mode: 'fanOut', nonlinearity: 'relu' })
 */
export function kaimingUniform(t: Tensor, options: KaimingOptions = {}): Tensor {
  const std = kaimingStd(t, options, 'kaimingUniform');
  const bound = Math.sqrt(3) * std;
  return uniform(t, -bound, bound, options);
}

/**
 * He et al. 2015, normal: N(0, std²) with std = gain/√fan.
 * @example kaimingNormal(w, { mode: 'fanOut', nonlinearity: 'relu' }) // ResNet's conv init
 */
export function kaimingNormal(t: Tensor, options: KaimingOptions = {}): Tensor {
  return normal(t, 0, kaimingStd(t, options, 'kaimingNormal'), options);
}

function kaimingStd(t: Tensor, options: KaimingOptions, where: string): number {
  const fan = fanOf(t, options.mode ?? 'fanIn', where);
  const gain = calculateGain(options.nonlinearity ?? 'leaky_relu', options.a ?? 0);
  return fan === 0 ? 0 : gain / Math.sqrt(fan);
}

/**
 * Glorot & Bengio 2010, uniform: U(-b, b) with b = gain·√(6/(fanIn+fanOut)).
 * @example xavierUniform(w, { gain: calculateGain('tanh') })
 */
export function xavierUniform(t: Tensor, options: RandomInitOptions & { gain?: number } = {}): Tensor {
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  const bound = (options.gain ?? 1) * Math.sqrt(6 / (fanIn + fanOut));
  return uniform(t, -bound, bound, options);
}

/** Glorot & Bengio 2010, normal: std = gain·√(2/(fanIn+fanOut)). @example xavierNormal(w) */
export function xavierNormal(t: Tensor, options: RandomInitOptions & { gain?: number } = {}): Tensor {
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  return normal(t, 0, (options.gain ?? 1) * Math.sqrt(2 / (fanIn + fanOut)), options);
}

/**
 * PyTorch's default for Conv and Linear layers (their reset_parameters): the weight from
 * kaiming_uniform_(a=√5), i.e. U(-1/√fanIn, 1/√fanIn), and the bias from U(-1/√fanIn, 1/√fanIn)
 * with fanIn of the weight.
 */
export function defaultLayerInit(weight: Tensor, bias: Tensor | null, options: RandomInitOptions = {}): void {
  kaimingUniform(weight, { ...options, a: Math.sqrt(5) });
  if (bias) {
    const { fanIn } = calculateFanInAndFanOut(weight);
    const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
    uniform(bias, -bound, bound, options);
  }
}
