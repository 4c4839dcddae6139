/** Learning-rate schedules: StepLR, CosineAnnealingLR, LinearLR, LambdaLR, LinearWarmup. */
import type { Optimizer, BaseOptions } from './optimizer.js';
import { LRScheduler, pyMod, type SchedulerStateDict } from './lr-scheduler.js';
import { checkPositiveInt } from '../ops/util.js';

/**
 * Multiply the lr by gamma every stepSize steps.
 * @example const sched = new StepLR(opt, { stepSize: 30, gamma: 0.1 });  // per epoch
 */
export class StepLR extends LRScheduler {
  readonly stepSize: number;
  readonly gamma: number;

  constructor(optimizer: Optimizer<BaseOptions>, options: { stepSize: number; gamma?: number }) {
    super(optimizer);
    this.stepSize = checkPositiveInt('StepLR', 'stepSize', options?.stepSize);
    this.gamma = options.gamma ?? 0.1;
    if (!(this.gamma >= 0)) throw new Error(`StepLR: gamma must be a number >= 0, got ${String(options.gamma)}`);
    this.initialStep();
  }

  protected computeLr(): number[] {
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * this.gamma);
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * this.gamma ** Math.floor(this.lastEpoch / this.stepSize));
  }
}

/**
 * Cosine annealing from the base lr to etaMin over tMax steps (SGDR without restarts); past
 * tMax it rises again, as PyTorch's recursive form does.
 * @example new CosineAnnealingLR(opt, { tMax: epochs, etaMin: 1e-5 })
 */
export class CosineAnnealingLR extends LRScheduler {
  readonly tMax: number;
  readonly etaMin: number;

  constructor(optimizer: Optimizer<BaseOptions>, options: { tMax: number; etaMin?: number }) {
    super(optimizer);
    this.tMax = checkPositiveInt('CosineAnnealingLR', 'tMax', options?.tMax);
    this.etaMin = options.etaMin ?? 0;
    this.initialStep();
  }

  // PyTorch 1.13's get_lr, including its special case at the end of each half period.
  protected computeLr(): number[] {
    const t = this.lastEpoch, T = this.tMax, eta = this.etaMin;
    if (t === 0) return this.groups.map((g) => g.lr);
    if (pyMod(t - 1 - T, 2 * T) === 0) {
      return this.groups.map((g, i) => g.lr + ((this.baseLrs[i]! - eta) * (1 - Math.cos(Math.PI / T))) / 2);
    }
    return this.groups.map((g) =>
      ((1 + Math.cos((Math.PI * t) / T)) / (1 + Math.cos((Math.PI * (t - 1)) / T))) * (g.lr - eta) + eta);
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => this.etaMin + ((b - this.etaMin) * (1 + Math.cos((Math.PI * this.lastEpoch) / this.tMax))) / 2);
  }
}

/**
 * Scale the lr linearly from startFactor to endFactor over totalIters steps, then hold.
 * @example new LinearLR(opt, { startFactor: 0.1, totalIters: 500 })  // a warmup
 */
export class LinearLR extends LRScheduler {
  readonly startFactor: number;
  readonly endFactor: number;
  readonly totalIters: number;

  constructor(optimizer: Optimizer<BaseOptions>, options: { startFactor?: number; endFactor?: number; totalIters?: number } = {}) {
    super(optimizer);
    this.startFactor = options.startFactor ?? 1 / 3;
    this.endFactor = options.endFactor ?? 1;
    this.totalIters = options.totalIters ?? 5;
    if (!(this.startFactor > 0 && this.startFactor <= 1)) throw new Error(`LinearLR: startFactor must be in (0, 1], got ${this.startFactor}`);
    if (!(this.endFactor >= 0 && this.endFactor <= 1)) throw new Error(`LinearLR: endFactor must be in [0, 1], got ${this.endFactor}`);
    checkPositiveInt('LinearLR', 'totalIters', this.totalIters);
    this.initialStep();
  }

  protected computeLr(): number[] {
    const t = this.lastEpoch, s = this.startFactor, e = this.endFactor, n = this.totalIters;
    if (t === 0) return this.groups.map((g) => g.lr * s);
    if (t > n) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * (1 + (e - s) / (n * s + (t - 1) * (e - s))));
  }

  protected override closedFormLr(): number[] {
    const { startFactor: s, endFactor: e, totalIters: n } = this;
    return this.baseLrs.map((b) => b * (s + ((e - s) * Math.min(n, this.lastEpoch)) / n));
  }
}

/**
 * lr = baseLr · factor(step), with one function for all groups or one per group.
 * @example new LambdaLR(opt, (step) => 0.95 ** step)
 */
export class LambdaLR extends LRScheduler {
  readonly lrLambdas: ReadonlyArray<(step: number) => number>;

  constructor(optimizer: Optimizer<BaseOptions>, lrLambda: ((step: number) => number) | ReadonlyArray<(step: number) => number>) {
    super(optimizer);
    const n = optimizer.paramGroups.length;
    if (typeof lrLambda === 'function') {
      this.lrLambdas = Array.from({ length: n }, () => lrLambda);
    } else {
      if (!Array.isArray(lrLambda) || lrLambda.length !== n || !lrLambda.every((f) => typeof f === 'function')) {
        throw new Error(`LambdaLR: expected a function or ${n} functions (one per parameter group)`);
      }
      this.lrLambdas = lrLambda.slice();
    }
    this.initialStep();
  }

  protected computeLr(): number[] {
    return this.baseLrs.map((base, i) => base * this.lrLambdas[i]!(this.lastEpoch));
  }
}

/**
 * Linear warmup: the lr rises from startFactor·baseLr at step 0 to baseLr at warmupSteps and
 * stays there (LambdaLR with factor startFactor + (1 - startFactor)·min(step, warmupSteps)/warmupSteps).
 * @example new LinearWarmup(opt, { warmupSteps: 500 })
 */
export class LinearWarmup extends LambdaLR {
  readonly warmupSteps: number;
  readonly startFactor: number;

  constructor(optimizer: Optimizer<BaseOptions>, options: { warmupSteps: number; startFactor?: number }) {
    checkPositiveInt('LinearWarmup', 'warmupSteps', options?.warmupSteps);
    const start = options.startFactor ?? 0;
    if (!(start >= 0 && start <= 1)) throw new Error(`LinearWarmup: startFactor must be in [0, 1], got ${String(options.startFactor)}`);
    const n = options.warmupSteps;
    super(optimizer, (step) => start + ((1 - start) * Math.min(step, n)) / n);
    this.warmupSteps = n;
    this.startFactor = start;
  }

  override stateDict(): SchedulerStateDict {
    return { ...super.stateDict(), warmupSteps: this.warmupSteps, startFactor: this.startFactor };
  }
}

/**
 * Run schedules one after another: schedules[i] from milestones[i-1] on, each restarted from
 * its base lr at its milestone (PyTorch's SequentialLR). Build the schedules on the same
 * optimizer first; this takes over stepping them.
 * @example
 *   const warmup = new LinearLR(opt, { startFactor: 0.1, totalIters: 5 });
 *   const cosine = new CosineAnnealingLR(opt, { tMax: 95 });
 *   const sched = new SequentialLR(opt, [warmup, cosine], [5]);  // step once per epoch
 */
export class SequentialLR extends LRScheduler {
  readonly schedulers: readonly LRScheduler[];
  readonly milestones: readonly number[];

  constructor(optimizer: Optimizer<BaseOptions>, schedulers: readonly LRScheduler[], milestones: readonly number[]) {
    super(optimizer);
    if (!Array.isArray(schedulers) || schedulers.length < 1) throw new Error('SequentialLR: expected at least one schedule');
    schedulers.forEach((s, i) => {
      if (!(s instanceof LRScheduler)) throw new Error(`SequentialLR: schedulers[${i}] is not a schedule`);
      if (s.optimizer !== optimizer) throw new Error(`SequentialLR: schedulers[${i}] steps a different optimizer`);
    });
    if (!Array.isArray(milestones) || milestones.length !== schedulers.length - 1) {
      throw new Error(`SequentialLR: expected ${schedulers.length - 1} milestones for ${schedulers.length} schedules, got ${JSON.stringify(milestones)}`);
    }
    milestones.forEach((m, i) => {
      if (!Number.isInteger(m) || m < 1 || (i > 0 && m <= milestones[i - 1]!)) {
        throw new Error(`SequentialLR: milestones must be increasing positive integers, got ${JSON.stringify(milestones)}`);
      }
    });
    this.schedulers = schedulers.slice();
    this.milestones = milestones.slice();
    // As PyTorch: undo the initial steps the schedules took when they were built and start
    // the first one again from the groups' initial lrs.
    this.groups.forEach((g, i) => { g.lr = this.baseLrs[i]!; });
    for (const s of this.schedulers) s.lastEpoch -= 1;
    this.schedulers[0]!.step();
    this.lastEpoch = 0;
    this.stepCount = 1;
    this.lastLr = this.schedulers[0]!.getLastLr();
  }

  protected computeLr(): number[] {
    return this.groups.map((g) => g.lr);
  }

  override step(): void {
    this.stepCount++;
    this.lastEpoch++;
    let idx = 0;
    while (idx < this.milestones.length && this.milestones[idx]! <= this.lastEpoch) idx++;
    const s = this.schedulers[idx]!;
    if (idx > 0 && this.milestones[idx - 1] === this.lastEpoch) s.restart();
    else s.step();
    this.lastLr = s.getLastLr();
  }

  override stateDict(): SchedulerStateDict {
    return { ...super.stateDict(), schedulers: this.schedulers.map((s) => s.stateDict()) };
  }

  override loadStateDict(state: SchedulerStateDict): void {
    super.loadStateDict(state);
    const inner = state.schedulers;
    if (!Array.isArray(inner) || inner.length !== this.schedulers.length) {
      throw new Error(`SequentialLR.loadStateDict: expected the state of ${this.schedulers.length} schedules`);
    }
    this.schedulers.forEach((s, i) => s.loadStateDict(inner[i] as SchedulerStateDict));
  }
}
