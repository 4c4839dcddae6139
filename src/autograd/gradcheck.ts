/**
 * Gradient checking by central finite differences along random directions (as JAX's
 * check_vjp): for the scalar L(x) = sum(f(x) * R) with a fixed random R, compare the
 * directional derivative from backward(), <dL/dx, v>, with (L(x + eps v) - L(x - eps v)) / 2eps.
 * The sums are taken in float64; the ops themselves run in float32, which is why the default
 * tolerances are those of single precision.
 */
import { Tensor } from '../tensor/tensor.js';
import { Generator } from '../tensor/random.js';
import { noGrad } from './graph.js';

export interface GradcheckOptions {
  /** Step along each direction (default 1e-2: float32 rounding dominates below it). */
  eps?: number;
  rtol?: number;
  atol?: number;
  /** Number of random directions (default 4). */
  directions?: number;
  /** Also check each input element separately when the input is this small or smaller. */
  exhaustiveUpTo?: number;
  seed?: number;
}

export interface GradcheckResult {
  ok: boolean;
  /** Worst |analytic - numeric| / (atol + rtol * scale) seen; ok means <= 1. */
  worstRatio: number;
  checks: number;
  failures: string[];
}

function weightedSum(out: Tensor, weights: Float64Array): number {
  let s = 0;
  for (let i = 0; i < out.size; i++) s += out.data[i]! * weights[i]!;
  return s;
}

/**
 * Check the gradients of `fn` with respect to every input that has requiresGrad.
 * Throws with a description of the worst mismatch unless `{ throwOnFailure: false }`.
 * @example gradcheck((x, w) => F.conv2d(x, w, undefined, { padding: 1 }), [x, w])
 */
export function gradcheck(fn: (...inputs: Tensor[]) => Tensor, inputs: readonly Tensor[],
                          options: GradcheckOptions & { throwOnFailure?: boolean } = {}): GradcheckResult {
  const eps = options.eps ?? 1e-2, rtol = options.rtol ?? 2e-2, atol = options.atol ?? 2e-3;
  const g = new Generator(options.seed ?? 1234);
  const wrt = inputs.map((t, i) => (t.requiresGrad ? i : -1)).filter((i) => i >= 0);
  if (wrt.length === 0) throw new Error('gradcheck: no input has requiresGrad = true');

  // Analytic gradients of L = sum(f(x) * R).
  const leaves = inputs.map((t) => {
    const c = new Tensor(Float32Array.from(t.data), t.shape);
    c.requiresGrad = t.requiresGrad;
    return c;
  });
  const out = fn(...leaves);
  const weights = new Float64Array(out.size).map(() => g.normal());
  out.backward(new Tensor(Float32Array.from(weights), out.shape));
  const grads = leaves.map((t) => t.grad?.data ?? new Float32Array(t.size));

  const lossAt = (direction: Float64Array[], scale: number): number => noGrad(() => {
    const shifted = inputs.map((t, i) => {
      const d = direction[i];
      if (!d) return new Tensor(Float32Array.from(t.data), t.shape);
      const data = new Float32Array(t.size);
      for (let k = 0; k < t.size; k++) data[k] = t.data[k]! + scale * d[k]!;
      return new Tensor(data, t.shape);
    });
    return weightedSum(fn(...shifted), weights);
  });

  const result: GradcheckResult = { ok: true, worstRatio: 0, checks: 0, failures: [] };
  const compare = (direction: Float64Array[], label: string): void => {
    let analytic = 0;
    direction.forEach((d, i) => { if (d) for (let k = 0; k < d.length; k++) analytic += grads[i]![k]! * d[k]!; });
    const numeric = (lossAt(direction, eps) - lossAt(direction, -eps)) / (2 * eps);
    const ratio = Math.abs(analytic - numeric) / (atol + rtol * Math.max(Math.abs(analytic), Math.abs(numeric)));
    result.checks++;
    result.worstRatio = Math.max(result.worstRatio, ratio);
    if (!(ratio <= 1)) {
      result.ok = false;
      result.failures.push(`${label}: backward gives ${analytic.toPrecision(6)}, finite differences ${numeric.toPrecision(6)}`);
    }
  };

  for (let k = 0; k < (options.directions ?? 4); k++) {
    const direction = inputs.map((t, i) => (wrt.includes(i) ? new Float64Array(t.size).map(() => g.normal()) : undefined)) as Float64Array[];
    compare(direction, `random direction ${k}`);
  }
  const limit = options.exhaustiveUpTo ?? 0;
  for (const i of wrt) {
    if (inputs[i]!.size > limit) continue;
    for (let e = 0; e < inputs[i]!.size; e++) {
      const direction: Float64Array[] = [];
      direction[i] = new Float64Array(inputs[i]!.size);
      direction[i]![e] = 1;
      compare(direction, `input ${i} element ${e}`);
    }
  }
  if (!result.ok && options.throwOnFailure !== false) {
    throw new Error(`gradcheck failed (${result.failures.length} of ${result.checks} checks): ${result.failures.slice(0, 3).join('; ')}`);
  }
  return result;
}
