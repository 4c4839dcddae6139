/**
 * `optim`: optimizers, learning-rate schedules and gradient clipping (torch.optim in camelCase).
 * @example
 *   const opt = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
 *   loss.backward(); opt.step(); opt.zeroGrad();
 */
export { Optimizer, type BaseOptions, type ParamGroup, type ParamGroupInput, type ParamState, type OptimizerStateDict } from './optimizer.js';
export { SGD, type SGDOptions } from './sgd.js';
export { Adam, AdamW, type AdamOptions } from './adam.js';
export { ExponentialMovingAverage, type EmaOptions, type EmaStateDict } from './ema.js';
export { clipGradNorm, clipGradAgc, type AgcOptions } from './clip.js';
export { LRScheduler, type SchedulerStateDict } from './lr-scheduler.js';
export { StepLR, CosineAnnealingLR, LinearLR, LambdaLR, LinearWarmup, SequentialLR } from './schedules.js';
export { OneCycleLR, type OneCycleOptions } from './one-cycle.js';
