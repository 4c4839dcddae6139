/**
 * LRScheduler: the base of the learning-rate schedules (torch.optim.lr_scheduler semantics).
 * Constructing one applies the schedule's value for step 0; each step() advances one step
 * (call it after optimizer.step(), once per epoch or per batch as the schedule intends).
 * Schedules written in PyTorch's "chainable" form read the group's current lr, so two
 * schedules can act on one optimizer as in PyTorch.
 */
import type { Optimizer, BaseOptions, ParamGroup } from './optimizer.js';

/** What stateDict() returns: plain numbers (JSON-safe). */
export interface SchedulerStateDict {
  [key: string]: number | number[] | boolean | string | null | SchedulerStateDict[];
}

export abstract class LRScheduler {
  readonly optimizer: Optimizer<BaseOptions>;
  /** Each group's lr when the schedule started. */
  baseLrs: number[];
  /** The index of the current step (0 after construction). */
  lastEpoch = -1;
  protected stepCount = 0;
  protected lastLr: number[] = [];

  constructor(optimizer: Optimizer<BaseOptions>) {
    if (!optimizer || !Array.isArray(optimizer.paramGroups)) {
      throw new Error(`${this.constructor.name}: expected an optimizer, got ${optimizer === null ? 'null' : typeof optimizer}`);
    }
    this.optimizer = optimizer;
    // As PyTorch's group['initial_lr']: the first schedule on an optimizer records each group's
    // starting lr and later ones (chained or sequential) take it as their base, not the lr the
    // first one has already changed.
    for (const g of optimizer.paramGroups as Array<ParamGroup<BaseOptions> & { initialLr?: number }>) {
      if (typeof g.initialLr !== 'number') g.initialLr = g.lr;
    }
    this.baseLrs = optimizer.paramGroups.map((g) => (g as { initialLr?: number }).initialLr!);
  }

  /** Subclasses call this at the end of their constructor: applies step 0, as PyTorch's __init__. */
  protected initialStep(): void {
    this.step();
  }

  /** The learning rates for the current lastEpoch (PyTorch's get_lr). */
  protected abstract computeLr(): number[];

  /**
   * Advance one step and set every group's lr.
   * @example for (...) { opt.step(); } sched.step();
   */
  step(): void {
    this.stepCount++;
    this.lastEpoch++;
    const lrs = this.computeLr();
    this.optimizer.paramGroups.forEach((g, i) => { g.lr = lrs[i]!; });
    this.lastLr = lrs.slice();
  }

  /**
   * The lr at lastEpoch computed from the base lrs alone (PyTorch's _get_closed_form_lr), for
   * schedules that have one; used when SequentialLR restarts a schedule.
   */
  protected closedFormLr(): number[] | null {
    return null;
  }

  /**
   * Start over at step 0 with the base lrs (what SequentialLR does at a milestone, as
   * PyTorch's scheduler.step(0)).
   */
  restart(): void {
    this.stepCount++;
    this.lastEpoch = 0;
    const lrs = this.closedFormLr() ?? this.computeLr();
    this.optimizer.paramGroups.forEach((g, i) => { g.lr = lrs[i]!; });
    this.lastLr = lrs.slice();
  }

  /** The learning rates the last step() set, one per group. */
  getLastLr(): number[] {
    return this.lastLr.slice();
  }

  protected get groups(): Array<ParamGroup<BaseOptions>> {
    return this.optimizer.paramGroups;
  }

  /** The schedule's position and settings (resume with loadStateDict). */
  stateDict(): SchedulerStateDict {
    return { lastEpoch: this.lastEpoch, stepCount: this.stepCount, baseLrs: this.baseLrs.slice(), lastLr: this.lastLr.slice() };
  }

  /** Restore a position saved by stateDict() (the optimizer's lrs come from its own state). */
  loadStateDict(state: SchedulerStateDict): void {
    const where = `${this.constructor.name}.loadStateDict`;
    if (!state || typeof state !== 'object') throw new Error(`${where}: expected an object made by stateDict()`);
    const { lastEpoch, stepCount, baseLrs, lastLr } = state;
    if (typeof lastEpoch !== 'number' || typeof stepCount !== 'number' || !Array.isArray(baseLrs) || !Array.isArray(lastLr)) {
      throw new Error(`${where}: missing lastEpoch, stepCount, baseLrs or lastLr`);
    }
    if (baseLrs.length !== this.groups.length) {
      throw new Error(`${where}: saved for ${baseLrs.length} parameter groups, the optimizer has ${this.groups.length}`);
    }
    this.lastEpoch = lastEpoch;
    this.stepCount = stepCount;
    this.baseLrs = (baseLrs as number[]).map(Number);
    this.lastLr = (lastLr as number[]).map(Number);
  }
}

/** Python's modulo (the sign of the divisor), which PyTorch's formulas rely on. */
export function pyMod(a: number, b: number): number {
  return ((a % b) + b) % b;
}
