/** Creating tensors: from arrays, constants, ranges and the seeded generator. */
import { Tensor, type NestedArray } from './tensor.js';
import { checkShape, formatShape, sizeOf } from './shape.js';
import { defaultGenerator, type Generator } from './random.js';
import { newStorage, storageOf } from './storage.js';

export interface CreateOptions {
  /** Make the new tensor a leaf that collects gradients. */
  requiresGrad?: boolean;
}

function finish(t: Tensor, options?: CreateOptions): Tensor {
  if (options?.requiresGrad) t.requiresGrad = true;
  return t;
}

/** Infer the shape of a nested array, checking it is rectangular. */
function nestedShape(value: NestedArray, where: string): number[] {
  const shape: number[] = [];
  let v: NestedArray = value;
  while (Array.isArray(v)) {
    shape.push(v.length);
    if (v.length === 0) break;
    v = (v as readonly NestedArray[])[0]!;
  }
  const check = (x: NestedArray, dim: number, path: string): void => {
    if (dim === shape.length) {
      if (typeof x !== 'number') throw new Error(`${where}: element ${path} is not a number (got ${typeof x})`);
      return;
    }
    if (!Array.isArray(x) || x.length !== shape[dim]) {
      throw new Error(`${where}: ragged nested array: ${path || 'value'} has ${Array.isArray(x) ? x.length : 'no'} elements where ${shape[dim]} were expected`);
    }
    (x as readonly NestedArray[]).forEach((y, i) => check(y, dim + 1, `${path}[${i}]`));
  };
  check(value, 0, '');
  return shape;
}

function flattenNested(value: NestedArray): number[] {
  const out: number[] = [];
  const walk = (v: NestedArray): void => {
    if (typeof v === 'number') out.push(v);
    else for (const x of v) walk(x);
  };
  walk(value);
  return out;
}

/**
 * A tensor from nested arrays, a flat array or a typed array (with an explicit shape).
 * @example tensor([[1, 2], [3, 4]]); tensor(new Float32Array(6), [2, 3])
 */
export function tensor(values: NestedArray | ArrayLike<number>, shape?: readonly number[],
                       options?: CreateOptions): Tensor {
  let data: Float32Array;
  let inferred: number[];
  if (ArrayBuffer.isView(values) || (!Array.isArray(values) && typeof values === 'object')) {
    data = storageOf(values as ArrayLike<number>);
    inferred = [data.length];
  } else {
    inferred = nestedShape(values as NestedArray, 'tensor');
    data = typeof values === 'number' ? Float32Array.of(values) : storageOf(flattenNested(values as NestedArray));
  }
  if (shape) {
    checkShape(shape, 'tensor');
    if (sizeOf(shape) !== data.length) {
      throw new Error(`tensor: ${data.length} values cannot fill shape ${formatShape(shape)} (${sizeOf(shape)} elements)`);
    }
    inferred = [...shape];
  }
  return finish(new Tensor(data, inferred), options);
}

/** A scalar (shape []) tensor. */
export function scalar(value: number, options?: CreateOptions): Tensor {
  return finish(new Tensor(Float32Array.of(value), []), options);
}

/** A tensor filled with one value. @example full([2, 2], 0.5) */
export function full(shape: readonly number[], value: number, options?: CreateOptions): Tensor {
  checkShape(shape, 'full');
  return finish(new Tensor(newStorage(sizeOf(shape)).fill(value), shape), options);
}

/** @example zeros([2, 3]) */
export function zeros(shape: readonly number[], options?: CreateOptions): Tensor {
  checkShape(shape, 'zeros');
  return finish(new Tensor(newStorage(sizeOf(shape)), shape), options);
}

/** @example ones([3]) */
export function ones(shape: readonly number[], options?: CreateOptions): Tensor {
  return full(shape, 1, options);
}

/** Zeros of t's shape. @example zerosLike(randn([2, 3]))  // 2x3 zeros */
export function zerosLike(t: Tensor, options?: CreateOptions): Tensor { return zeros(t.shape, options); }
/** Ones of t's shape. @example onesLike(randn([2, 3]))  // 2x3 ones */
export function onesLike(t: Tensor, options?: CreateOptions): Tensor { return ones(t.shape, options); }

/**
 * Values start, start+step, ... below end (like torch.arange).
 * @example arange(5) // [0,1,2,3,4];  arange(1, 2, 0.25)
 */
export function arange(start: number, end?: number, step = 1, options?: CreateOptions): Tensor {
  if (end === undefined) { end = start; start = 0; }
  if (step === 0 || !Number.isFinite(step)) throw new Error(`arange: step must be a non-zero finite number, got ${step}`);
  const n = Math.max(0, Math.ceil((end - start) / step));
  checkShape([n], 'arange');
  const data = newStorage(n);
  for (let i = 0; i < n; i++) data[i] = start + i * step;
  return finish(new Tensor(data, [n]), options);
}

export interface RandomOptions extends CreateOptions {
  /** A generator other than the global one seeded by manualSeed. */
  generator?: Generator;
}

/** Standard normal samples from the seeded generator. @example manualSeed(0); randn([2, 3]) */
export function randn(shape: readonly number[], options?: RandomOptions): Tensor {
  checkShape(shape, 'randn');
  const g = options?.generator ?? defaultGenerator;
  const data = newStorage(sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = g.normal();
  return finish(new Tensor(data, shape), options);
}

/** Uniform samples in [low, high) (default [0, 1)). @example rand([4], { low: -1, high: 1 }) */
export function rand(shape: readonly number[], options?: RandomOptions & { low?: number; high?: number }): Tensor {
  checkShape(shape, 'rand');
  const g = options?.generator ?? defaultGenerator;
  const low = options?.low ?? 0, high = options?.high ?? 1;
  const data = newStorage(sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = low + (high - low) * g.uniform();
  return finish(new Tensor(data, shape), options);
}
