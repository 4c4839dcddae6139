/**
 * Gradient clipping: by the global L2 norm (torch.nn.utils.clip_grad_norm_) and adaptive,
 * unit-wise clipping (AGC, Brock et al. 2021, "High-Performance Large-Scale Image Recognition
 * Without Normalization"), both in place on p.grad.
 */
import type { Tensor } from '../tensor/tensor.js';

const f32 = Math.fround;

function gradsOf(params: Iterable<Tensor>): Tensor[] {
  const out: Tensor[] = [];
  for (const p of params) if (p.grad) out.push(p.grad);
  return out;
}

function norm(data: ArrayLike<number>, start: number, end: number, normType: number): number {
  let acc = 0;
  if (normType === Infinity) {
    for (let i = start; i < end; i++) acc = Math.max(acc, Math.abs(data[i]!));
    return acc;
  }
  for (let i = start; i < end; i++) acc += Math.abs(data[i]!) ** normType;
  return acc ** (1 / normType);
}

/**
 * Scale all gradients together so their global norm is at most maxNorm; returns the norm
 * before clipping. As PyTorch: coefficient = maxNorm / (norm + 1e-6), clamped at 1 (applied
 * even when it is 1). Parameters without a gradient are skipped.
 * @example loss.backward(); const norm = clipGradNorm(model.parameters(), 1.0); opt.step();
 */
export function clipGradNorm(params: Iterable<Tensor>, maxNorm: number, normType = 2): number {
  if (typeof maxNorm !== 'number' || !(maxNorm >= 0)) throw new Error(`clipGradNorm: maxNorm must be a number >= 0, got ${String(maxNorm)}`);
  if (typeof normType !== 'number' || !(normType > 0)) throw new Error(`clipGradNorm: normType must be a positive number or Infinity, got ${String(normType)}`);
  const grads = gradsOf(params);
  if (grads.length === 0) return 0;
  // Each gradient's norm is a float32 tensor in PyTorch, then the norm of those norms.
  const norms = grads.map((g) => f32(norm(g.data, 0, g.size, normType)));
  const total = f32(norm(norms, 0, norms.length, normType));
  const coef = Math.min(f32(maxNorm / f32(total + 1e-6)), 1);
  for (const g of grads) {
    const d = g.data;
    for (let i = 0; i < d.length; i++) d[i] = d[i]! * coef;
  }
  return total;
}

export interface AgcOptions {
  /** λ: the largest allowed ratio ‖g‖/‖w‖ per unit. Default 0.01. */
  clipping?: number;
  /** Floor on ‖w‖ so zero-initialised weights can still move. Default 1e-3. */
  eps?: number;
}

/**
 * Adaptive gradient clipping, unit-wise: for each output unit (row of a Linear weight, filter
 * of a Conv weight; a 1-D parameter is one unit), if ‖g‖ > λ·max(‖w‖, eps) scale g to
 * λ·max(‖w‖, eps)·g/‖g‖. This is the NFNet rule, as in timm's adaptive_clip_grad. The NFNet
 * paper leaves the final classifier unclipped: pass the parameters you want clipped.
 * @example clipGradAgc(model.parameters(), { clipping: 0.01 })
 * @example new optim.SGD(params, { lr: 0.1, momentum: 0.9, agc: { clipping: 0.01 } })
 */
export function clipGradAgc(params: Iterable<Tensor>, options: AgcOptions = {}): void {
  const clipping = options.clipping ?? 0.01;
  const eps = options.eps ?? 1e-3;
  if (typeof clipping !== 'number' || !(clipping > 0)) throw new Error(`clipGradAgc: clipping must be a number > 0, got ${String(clipping)}`);
  if (typeof eps !== 'number' || !(eps >= 0)) throw new Error(`clipGradAgc: eps must be a number >= 0, got ${String(eps)}`);
  for (const p of params) {
    const g = p.grad;
    if (!g) continue;
    const units = p.ndim <= 1 ? 1 : p.shape[0]!;
    const len = units === 0 ? 0 : p.size / units;
    for (let u = 0; u < units; u++) {
      const start = u * len, end = start + len;
      const maxNorm = f32(f32(Math.max(f32(norm(p.data, start, end, 2)), eps)) * f32(clipping));
      const gradNorm = f32(norm(g.data, start, end, 2));
      if (gradNorm < maxNorm) continue;
      const scale = f32(maxNorm / Math.max(gradNorm, 1e-6));
      for (let i = start; i < end; i++) g.data[i] = g.data[i]! * scale;
    }
  }
}
