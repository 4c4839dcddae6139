/** Stochastic gradient descent with momentum, dampening, Nesterov momentum and weight decay. */
import type { Tensor } from '../tensor/tensor.js';
import { Optimizer, checkRange, f32, type BaseOptions, type ParamGroup, type ParamGroupInput } from './optimizer.js';

export interface SGDOptions extends BaseOptions {
  /** Default 0 (plain SGD). */
  momentum?: number;
  /** Default 0. */
  dampening?: number;
  /** Default false; needs momentum > 0 and dampening = 0. */
  nesterov?: boolean;
  /** L2 penalty added to the gradient (coupled). Default 0. */
  weightDecay?: number;
}

type SGDHyper = Required<Omit<SGDOptions, 'agc'>> & Pick<SGDOptions, 'agc'>;

/**
 * torch.optim.SGD: with g = grad + weightDecay·p, the momentum buffer b = g on the first step
 * and b = momentum·b + (1 - dampening)·g after; the step is p -= lr·b (or lr·(g + momentum·b)
 * with Nesterov).
 * @example const opt = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9, weightDecay: 5e-4 });
 */
export class SGD extends Optimizer<SGDHyper> {
  constructor(params: Iterable<Tensor> | Iterable<ParamGroupInput<SGDHyper>>, options: SGDOptions) {
    super(params, {
      lr: options?.lr, momentum: options?.momentum ?? 0, dampening: options?.dampening ?? 0,
      nesterov: options?.nesterov ?? false, weightDecay: options?.weightDecay ?? 0, agc: options?.agc ?? null,
    } as SGDHyper);
  }

  protected checkGroup(g: ParamGroup<SGDHyper>): void {
    checkRange('SGD', 'momentum', g.momentum, 0);
    checkRange('SGD', 'dampening', g.dampening, 0);
    checkRange('SGD', 'weightDecay', g.weightDecay, 0);
    if (g.nesterov && (g.momentum <= 0 || g.dampening !== 0)) {
      throw new Error(`SGD: nesterov needs momentum > 0 and dampening = 0, got momentum ${g.momentum} and dampening ${g.dampening}`);
    }
  }

  protected updateGroup(g: ParamGroup<SGDHyper>): void {
    const lr = f32(-g.lr), wd = f32(g.weightDecay), mom = f32(g.momentum), damp = f32(1 - g.dampening);
    for (const p of g.params) {
      if (!p.grad) continue;
      const w = p.data, grad = p.grad.data;
      const buf = g.momentum !== 0 ? this.stateOf(p).momentumBuffer as Tensor | undefined : undefined;
      if (buf) {
        // The common step in one pass: weight decay, momentum update, Nesterov look-ahead and
        // the update (separate loops with two temporaries cost ~3x as much on the FC layers).
        // Math.fround marks where the separate loops stored into a Float32Array, so every
        // rounding is unchanged.
        const b = buf.data, nesterov = g.nesterov, decay = g.weightDecay !== 0;
        if (!nesterov && !decay) {
          // The usual case (plain momentum) without the per-element branches: ~3x faster.
          for (let i = 0, n = w.length; i < n; i++) {
            const bi = Math.fround(Math.fround(b[i]! * mom) + damp * grad[i]!);
            b[i] = bi;
            w[i] = w[i]! + lr * bi;
          }
          continue;
        }
        for (let i = 0; i < w.length; i++) {
          const di = decay ? Math.fround(grad[i]! + wd * w[i]!) : grad[i]!;
          const bi = Math.fround(f32(b[i]! * mom) + damp * di);
          b[i] = bi;
          w[i] = w[i]! + lr * (nesterov ? Math.fround(di + mom * bi) : bi);
        }
        continue;
      }
      let d: Float32Array = grad;
      if (g.weightDecay !== 0) {
        d = new Float32Array(w.length);
        for (let i = 0; i < w.length; i++) d[i] = grad[i]! + wd * w[i]!;
      }
      if (g.momentum !== 0) {
        // First step: the buffer starts as the (decayed) gradient.
        const fresh = p.grad.clone();
        fresh.data.set(d);
        this.stateOf(p).momentumBuffer = fresh;
        if (g.nesterov) {
          const n = new Float32Array(w.length);
          for (let i = 0; i < w.length; i++) n[i] = d[i]! + mom * fresh.data[i]!;
          d = n;
        } else {
          d = fresh.data;
        }
      }
      for (let i = 0; i < w.length; i++) w[i] = w[i]! + lr * d[i]!;
    }
  }
}
