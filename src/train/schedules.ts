/**
 * The learning-rate schedules `dnnkit train --schedule` offers, built over a whole run and
 * stepped once per batch (so they are smooth within an epoch):
 *
 *   none      constant lr
 *   step      ×0.1 every ⌈epochs/3⌉ epochs (StepLR, counted in steps)
 *   cosine    cosine annealing from lr to 0 over the run
 *   onecycle  one-cycle policy (Smith 2018): cosine rise from lr/25 to lr over the first 30%,
 *             cosine fall to lr/(25·10⁴) over the rest (the learning rate only; momentum is
 *             not cycled)
 *   warmup    linear warmup from lr/10 over the first epoch (at most 500 steps), then constant
 */
import { CosineAnnealingLR, LambdaLR, LinearWarmup, StepLR } from '../optim/schedules.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { OptimizerLike, SchedulerLike } from './fit.js';

export const SCHEDULES = ['none', 'step', 'cosine', 'onecycle', 'warmup'] as const;
export type ScheduleName = (typeof SCHEDULES)[number];

/** The one-cycle factor at `step` of `total` (peak at pctStart of the run). */
export function oneCycleFactor(step: number, total: number, pctStart = 0.3, divFactor = 25, finalDivFactor = 1e4): number {
  const up = Math.max(1, Math.floor(pctStart * total));
  const cos = (from: number, to: number, t: number): number => to + ((from - to) * (1 + Math.cos(Math.PI * Math.min(1, t)))) / 2;
  const start = 1 / divFactor, end = start / finalDivFactor;
  return step <= up ? cos(start, 1, step / up) : cos(1, end, (step - up) / Math.max(1, total - up));
}

/** Build the named schedule for a run of `epochs` × `stepsPerEpoch` steps (null for 'none'). */
export function makeSchedule(name: ScheduleName, optimizer: OptimizerLike, run: { lr: number; stepsPerEpoch: number; epochs: number }): SchedulerLike | null {
  const opt = optimizer as unknown as Optimizer;
  const total = run.stepsPerEpoch * run.epochs;
  switch (name) {
    case 'none': return null;
    case 'step': return new StepLR(opt, { stepSize: Math.max(1, Math.ceil(run.epochs / 3)) * run.stepsPerEpoch, gamma: 0.1 });
    case 'cosine': return new CosineAnnealingLR(opt, { tMax: total, etaMin: 0 });
    case 'onecycle': return new LambdaLR(opt, (step) => oneCycleFactor(step, total));
    case 'warmup': return new LinearWarmup(opt, { warmupSteps: Math.max(1, Math.min(500, run.stepsPerEpoch)), startFactor: 0.1 });
    default: throw new Error(`--schedule: unknown schedule '${String(name)}'; available: ${SCHEDULES.join(', ')}`);
  }
}
