/**
 * OneCycleLR (Smith & Topin 2018, "Super-Convergence"), with PyTorch's defaults: the lr rises
 * from maxLr/divFactor to maxLr over the first pctStart of the steps, then anneals to
 * maxLr/(divFactor·finalDivFactor); momentum (SGD) or beta1 (Adam/AdamW) cycles inversely
 * between maxMomentum and baseMomentum. Step it once per batch.
 */
import type { Optimizer, BaseOptions, ParamGroup } from './optimizer.js';
import { LRScheduler, type SchedulerStateDict } from './lr-scheduler.js';
import { checkPositiveInt } from '../ops/util.js';

export interface OneCycleOptions {
  /** Peak lr, for all groups or one per group. */
  maxLr: number | readonly number[];
  /** Total number of steps; or give epochs and stepsPerEpoch. */
  totalSteps?: number;
  epochs?: number;
  stepsPerEpoch?: number;
  /** Share of the steps spent increasing the lr. Default 0.3. */
  pctStart?: number;
  /** Default 'cos'. */
  annealStrategy?: 'cos' | 'linear';
  /** Cycle momentum / beta1 inversely to the lr. Default true. */
  cycleMomentum?: boolean;
  baseMomentum?: number;
  maxMomentum?: number;
  /** Initial lr = maxLr / divFactor. Default 25. */
  divFactor?: number;
  /** Final lr = initial lr / finalDivFactor. Default 1e4. */
  finalDivFactor?: number;
  /** A third phase that anneals below the initial lr (fast.ai's original schedule). Default false. */
  threePhase?: boolean;
}

type Key = 'initialLr' | 'maxLr' | 'minLr' | 'maxMomentum' | 'baseMomentum';
interface Phase { endStep: number; startLr: Key; endLr: Key; startMomentum: Key; endMomentum: Key }
type GroupValues = Record<Key, number>;

function annealCos(start: number, end: number, pct: number): number {
  return end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1);
}

function annealLinear(start: number, end: number, pct: number): number {
  return (end - start) * pct + start;
}

/**
 * @example
 *   const sched = new OneCycleLR(opt, { maxLr: 0.1, epochs: 10, stepsPerEpoch: loader.length });
 *   for each batch: { loss.backward(); opt.step(); sched.step(); }
 */
export class OneCycleLR extends LRScheduler {
  readonly totalSteps: number;
  readonly cycleMomentum: boolean;
  readonly annealStrategy: 'cos' | 'linear';
  private readonly phases: Phase[];
  private readonly values: GroupValues[];
  private readonly useBeta1: boolean;

  constructor(optimizer: Optimizer<BaseOptions>, options: OneCycleOptions) {
    super(optimizer);
    const where = 'OneCycleLR';
    const o = options ?? ({} as OneCycleOptions);
    if (o.totalSteps !== undefined) {
      checkPositiveInt(where, 'totalSteps', o.totalSteps);
      this.totalSteps = o.totalSteps;
    } else if (o.epochs !== undefined && o.stepsPerEpoch !== undefined) {
      checkPositiveInt(where, 'epochs', o.epochs);
      checkPositiveInt(where, 'stepsPerEpoch', o.stepsPerEpoch);
      this.totalSteps = o.epochs * o.stepsPerEpoch;
    } else {
      throw new Error(`${where}: give totalSteps, or epochs and stepsPerEpoch`);
    }
    const pct = o.pctStart ?? 0.3;
    if (!(pct >= 0 && pct <= 1)) throw new Error(`${where}: pctStart must be in [0, 1], got ${String(o.pctStart)}`);
    this.annealStrategy = o.annealStrategy ?? 'cos';
    if (this.annealStrategy !== 'cos' && this.annealStrategy !== 'linear') {
      throw new Error(`${where}: annealStrategy must be 'cos' or 'linear', got '${String(o.annealStrategy)}'`);
    }
    const n = this.totalSteps;
    this.phases = o.threePhase
      ? [
          { endStep: pct * n - 1, startLr: 'initialLr', endLr: 'maxLr', startMomentum: 'maxMomentum', endMomentum: 'baseMomentum' },
          { endStep: 2 * pct * n - 2, startLr: 'maxLr', endLr: 'initialLr', startMomentum: 'baseMomentum', endMomentum: 'maxMomentum' },
          { endStep: n - 1, startLr: 'initialLr', endLr: 'minLr', startMomentum: 'maxMomentum', endMomentum: 'maxMomentum' },
        ]
      : [
          { endStep: pct * n - 1, startLr: 'initialLr', endLr: 'maxLr', startMomentum: 'maxMomentum', endMomentum: 'baseMomentum' },
          { endStep: n - 1, startLr: 'maxLr', endLr: 'minLr', startMomentum: 'baseMomentum', endMomentum: 'maxMomentum' },
        ];
    const groups = optimizer.paramGroups;
    const maxLrs = typeof o.maxLr === 'number' ? groups.map(() => o.maxLr as number) : [...(o.maxLr ?? [])];
    if (maxLrs.length !== groups.length || !maxLrs.every((v) => typeof v === 'number' && v > 0)) {
      throw new Error(`${where}: maxLr must be a positive number or one per parameter group (${groups.length}), got ${JSON.stringify(o.maxLr)}`);
    }
    const divFactor = o.divFactor ?? 25, finalDivFactor = o.finalDivFactor ?? 1e4;
    const baseMomentum = o.baseMomentum ?? 0.85, maxMomentum = o.maxMomentum ?? 0.95;
    this.cycleMomentum = o.cycleMomentum ?? true;
    const first = groups[0] as ParamGroup<BaseOptions> & { momentum?: number; betas?: number[] };
    this.useBeta1 = Array.isArray(first.betas);
    if (this.cycleMomentum && !this.useBeta1 && typeof first.momentum !== 'number') {
      throw new Error(`${where}: cycleMomentum needs an optimizer with momentum or betas; pass cycleMomentum: false`);
    }
    this.values = maxLrs.map((maxLr) => {
      const initialLr = maxLr / divFactor;
      return { initialLr, maxLr, minLr: initialLr / finalDivFactor, maxMomentum, baseMomentum };
    });
    this.baseLrs = this.values.map((v) => v.initialLr);
    groups.forEach((g, i) => { (g as { initialLr?: number }).initialLr = this.values[i]!.initialLr; });
    if (this.cycleMomentum) groups.forEach((g) => this.setMomentum(g, maxMomentum));
    this.initialStep();
  }

  private setMomentum(g: ParamGroup<BaseOptions>, m: number): void {
    const group = g as ParamGroup<BaseOptions> & { momentum?: number; betas?: [number, number] };
    if (this.useBeta1) group.betas = [m, group.betas![1]];
    else group.momentum = m;
  }

  // PyTorch 1.13's OneCycleLR.get_lr.
  protected computeLr(): number[] {
    const step = this.lastEpoch;
    if (step > this.totalSteps) {
      throw new Error(`OneCycleLR: tried to step ${step} times; the schedule has totalSteps = ${this.totalSteps}`);
    }
    const anneal = this.annealStrategy === 'cos' ? annealCos : annealLinear;
    return this.groups.map((g, gi) => {
      const v = this.values[gi]!;
      let startStep = 0, lr = 0, momentum = 0;
      for (let i = 0; i < this.phases.length; i++) {
        const phase = this.phases[i]!;
        if (step <= phase.endStep || i === this.phases.length - 1) {
          const pct = (step - startStep) / (phase.endStep - startStep);
          lr = anneal(v[phase.startLr], v[phase.endLr], pct);
          momentum = anneal(v[phase.startMomentum], v[phase.endMomentum], pct);
          break;
        }
        startStep = phase.endStep;
      }
      if (this.cycleMomentum) this.setMomentum(g, momentum);
      return lr;
    });
  }

  override stateDict(): SchedulerStateDict {
    return { ...super.stateDict(), totalSteps: this.totalSteps };
  }
}
