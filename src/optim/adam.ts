/** Adam and AdamW (decoupled weight decay), with optional AMSGrad. */
import type { Tensor } from '../tensor/tensor.js';
import { zerosLike } from '../tensor/creation.js';
import { Optimizer, checkRange, f32, type BaseOptions, type ParamGroup, type ParamGroupInput } from './optimizer.js';

export interface AdamOptions extends BaseOptions {
  /** Decay rates of the first and second moment estimates. Default [0.9, 0.999]. */
  betas?: readonly [number, number];
  /** Added to the denominator. Default 1e-8. */
  eps?: number;
  /** Adam: L2 penalty added to the gradient (default 0). AdamW: decoupled decay (default 0.01). */
  weightDecay?: number;
  /** Use the running maximum of the second moment (Reddi et al. 2018). Default false. */
  amsgrad?: boolean;
  /** Default 1e-3. */
  lr: number;
}

type AdamHyper = Required<Omit<AdamOptions, 'agc' | 'betas'>> & Pick<AdamOptions, 'agc'> & { betas: [number, number] };

function hyper(options: AdamOptions, weightDecay: number): AdamHyper {
  const betas = options?.betas ?? [0.9, 0.999];
  return {
    lr: options?.lr ?? 1e-3, betas: [betas[0], betas[1]], eps: options?.eps ?? 1e-8,
    weightDecay: options?.weightDecay ?? weightDecay, amsgrad: options?.amsgrad ?? false, agc: options?.agc ?? null,
  };
}

abstract class AdamBase extends Optimizer<AdamHyper> {
  /** AdamW decays the weights directly; Adam adds the decay to the gradient. */
  protected abstract readonly decoupled: boolean;

  protected checkGroup(g: ParamGroup<AdamHyper>): void {
    const where = this.constructor.name;
    if (!Array.isArray(g.betas) || g.betas.length !== 2) throw new Error(`${where}: betas must be a pair [beta1, beta2], got ${String(g.betas)}`);
    checkRange(where, 'betas[0]', g.betas[0], 0, 1, true);
    checkRange(where, 'betas[1]', g.betas[1], 0, 1, true);
    checkRange(where, 'eps', g.eps, 0);
    checkRange(where, 'weightDecay', g.weightDecay, 0);
  }

  // Mirrors torch.optim.adam._single_tensor_adam / adamw._single_tensor_adamw (PyTorch 1.13),
  // rounding to float32 where each tensor op of PyTorch's rounds.
  protected updateGroup(g: ParamGroup<AdamHyper>): void {
    const [beta1, beta2] = g.betas;
    const b1 = f32(beta1), b2 = f32(beta2), a1 = f32(1 - beta1), a2 = f32(1 - beta2);
    const wd = f32(g.weightDecay), eps = f32(g.eps), decay = f32(1 - g.lr * g.weightDecay);
    for (const p of g.params) {
      if (!p.grad) continue;
      const state = this.stateOf(p);
      if (state.step === undefined) {
        state.step = 0;
        state.expAvg = zerosLike(p);
        state.expAvgSq = zerosLike(p);
        if (g.amsgrad) state.maxExpAvgSq = zerosLike(p);
      }
      const step = (state.step as number) + 1;
      state.step = step;
      const w = p.data, grad = p.grad.data;
      const m = (state.expAvg as Tensor).data, v = (state.expAvgSq as Tensor).data;
      if (this.decoupled && g.weightDecay !== 0) {
        for (let i = 0; i < w.length; i++) w[i] = w[i]! * decay;
      }
      const coupled = !this.decoupled && g.weightDecay !== 0;
      for (let i = 0; i < w.length; i++) {
        const gi = coupled ? f32(grad[i]! + wd * w[i]!) : grad[i]!;
        m[i] = f32(m[i]! * b1) + a1 * gi;
        v[i] = f32(v[i]! * b2) + f32(f32(a2 * gi) * gi);
      }
      const bc1 = 1 - beta1 ** step, bc2 = 1 - beta2 ** step;
      const stepSize = f32(-(g.lr / bc1)), bc2Sqrt = f32(Math.sqrt(bc2));
      let second = v;
      if (g.amsgrad) {
        let maxSq = state.maxExpAvgSq as Tensor | undefined;
        if (!maxSq) { maxSq = zerosLike(p); state.maxExpAvgSq = maxSq; }
        const mx = maxSq.data;
        for (let i = 0; i < mx.length; i++) if (v[i]! > mx[i]! || Number.isNaN(v[i]!)) mx[i] = v[i]!;
        second = mx;
      }
      for (let i = 0; i < w.length; i++) {
        const denom = f32(f32(f32(Math.sqrt(second[i]!)) / bc2Sqrt) + eps);
        w[i] = w[i]! + f32(f32(stepSize * m[i]!) / denom);
      }
    }
  }
}

/**
 * torch.optim.Adam (Kingma & Ba 2015). weightDecay adds weightDecay·p to the gradient (L2);
 * prefer AdamW for decoupled decay.
 * @example const opt = new Adam(model.parameters(), { lr: 1e-3 });
 */
export class Adam extends AdamBase {
  protected readonly decoupled = false;
  constructor(params: Iterable<Tensor> | Iterable<ParamGroupInput<AdamHyper>>, options: AdamOptions = { lr: 1e-3 }) {
    super(params, hyper(options, 0));
  }
}

/**
 * torch.optim.AdamW (Loshchilov & Hutter 2019): p *= 1 - lr·weightDecay before the Adam
 * step. Default weightDecay 0.01, as PyTorch.
 * @example const opt = new AdamW(model.parameters(), { lr: 1e-3, weightDecay: 0.05 });
 */
export class AdamW extends AdamBase {
  protected readonly decoupled = true;
  constructor(params: Iterable<Tensor> | Iterable<ParamGroupInput<AdamHyper>>, options: AdamOptions = { lr: 1e-3 }) {
    super(params, hyper(options, 0.01));
  }
}
