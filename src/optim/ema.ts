/**
 * Exponential moving average of a model's weights (Polyak averaging with exponential decay,
 * as PyTorch's `torch.optim.swa_utils.AveragedModel` with an EMA `avg_fn` and
 * `use_buffers=True`):
 *
 *   update 1:   avg = w
 *   update k:   avg = d·avg + (1 − d)·w,   d = decay, or min(decay, (1 + k)/(10 + k)) with warmup
 *
 * over every parameter and every floating buffer (batch norm's running statistics, so the
 * averaged weights are evaluated with matching statistics); `num_batches_tracked` counters are
 * copied. The averaged weights generalise better than the last ones while the learning rate is
 * still high — a model trained on a schedule can be evaluated (and kept) at any time with them.
 * The warmup (timm's and TensorFlow's `num_updates` rule) keeps the first averages from being
 * dominated by the random initial weights.
 *
 * @example
 *   const ema = new optim.ExponentialMovingAverage(model, { decay: 0.999 });
 *   // each step: loss.backward(); opt.step(); ema.update();
 *   const acc = ema.withAveraged(() => evaluate(model, testLoader).accuracy);
 */
import { Tensor } from '../tensor/tensor.js';
import { formatShape, sameShape } from '../tensor/shape.js';
import type { Module } from '../nn/module.js';

export interface EmaOptions {
  /** Weight of the old average per update, in [0, 1). Default 0.999 (a horizon of ~1000 steps). */
  decay?: number;
  /** Ramp the decay up as min(decay, (1 + k)/(10 + k)) over the first updates. Default true. */
  warmup?: boolean;
}

/** What stateDict() returns: enough to continue averaging exactly after a resume. */
export interface EmaStateDict {
  decay: number;
  warmup: boolean;
  updates: number;
  averages: Record<string, Tensor>;
}

/** Counters are copied, not averaged (an average of counts is not a count). */
const isCounter = (name: string): boolean => name === 'num_batches_tracked' || name.endsWith('.num_batches_tracked');

export class ExponentialMovingAverage {
  readonly decay: number;
  readonly warmup: boolean;
  /** Updates done so far. */
  updates = 0;
  private readonly names: string[];
  private readonly live: Tensor[];
  private readonly averages: Float32Array[];

  constructor(model: Module, options: EmaOptions = {}) {
    const { decay = 0.999, warmup = true } = options;
    if (!(decay >= 0 && decay < 1)) throw new Error(`ExponentialMovingAverage: decay must be in [0, 1), got ${decay}`);
    this.decay = decay;
    this.warmup = warmup;
    const entries = [...model.namedParameters(), ...model.namedBuffers()];
    this.names = entries.map(([name]) => name);
    this.live = entries.map(([, t]) => t);
    this.averages = this.live.map((t) => Float32Array.from(t.data));
  }

  /** The decay the next update will use. */
  nextDecay(): number {
    const k = this.updates + 1;
    if (k === 1) return 0;
    return this.warmup ? Math.min(this.decay, (1 + k) / (10 + k)) : this.decay;
  }

  /** Fold the model's current weights into the average (call after each optimizer step). */
  update(): void {
    const d = this.nextDecay();
    const keep = Math.fround(d), take = Math.fround(1 - d);
    for (let i = 0; i < this.live.length; i++) {
      const w = this.live[i]!.data, avg = this.averages[i]!;
      if (d === 0 || isCounter(this.names[i]!)) {
        avg.set(w);
        continue;
      }
      for (let j = 0; j < avg.length; j++) avg[j] = keep * avg[j]! + take * w[j]!;
    }
    this.updates++;
  }

  /**
   * Run `fn` with the model holding the averaged weights, then put the live weights back (also
   * when fn throws). Evaluation, export and checkpoints of the averaged model go through here.
   */
  withAveraged<T>(fn: () => T): T {
    const saved = this.live.map((t) => Float32Array.from(t.data));
    this.live.forEach((t, i) => t.data.set(this.averages[i]!));
    try {
      return fn();
    } finally {
      this.live.forEach((t, i) => t.data.set(saved[i]!));
    }
  }

  /** The averaged weights under the model's state-dict names (copies). */
  averagedStateDict(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    this.names.forEach((name, i) => { out[name] = new Tensor(this.averages[i]!.slice(), this.live[i]!.shape); });
    return out;
  }

  stateDict(): EmaStateDict {
    return { decay: this.decay, warmup: this.warmup, updates: this.updates, averages: this.averagedStateDict() };
  }

  /** Continue from a saved state; the model must have the same names and shapes. */
  loadStateDict(state: EmaStateDict): void {
    const where = 'ExponentialMovingAverage.loadStateDict';
    if (!state || typeof state !== 'object' || !Number.isInteger(state.updates) || state.updates < 0 || typeof state.averages !== 'object') {
      throw new Error(`${where}: not an EMA state (expected { updates, averages })`);
    }
    if (state.decay !== this.decay || state.warmup !== this.warmup) {
      throw new Error(`${where}: the state was saved with decay ${state.decay}, warmup ${state.warmup}; this average has decay ${this.decay}, warmup ${this.warmup}`);
    }
    this.names.forEach((name, i) => {
      const t = state.averages[name];
      if (!(t instanceof Tensor)) throw new Error(`${where}: no average for '${name}'`);
      if (!sameShape(t.shape, this.live[i]!.shape)) {
        throw new Error(`${where}: '${name}' has shape ${formatShape(t.shape)}, the model's is ${formatShape(this.live[i]!.shape)}`);
      }
    });
    const extra = Object.keys(state.averages).filter((k) => !this.names.includes(k));
    if (extra.length > 0) throw new Error(`${where}: unexpected keys ${extra.join(', ')}`);
    this.names.forEach((name, i) => this.averages[i]!.set(state.averages[name]!.data));
    this.updates = state.updates;
  }
}
