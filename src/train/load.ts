/** Rebuilding a trained model from a `dnnkit train` checkpoint (eval, predict, export). */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadCheckpoint } from '../io/checkpoint.js';
import type { Module } from '../nn/module.js';
import { buildModel } from './default-model.js';
import { CHECKPOINT_FILE, type TrainState } from './fit.js';
import type { TrainSettings } from './setup.js';

export interface TrainedModel {
  model: Module;
  settings: TrainSettings;
  state: TrainState;
  /** The checkpoint file actually read. */
  file: string;
  classes: readonly string[];
}

/**
 * Load a checkpoint (a file, or a run folder holding checkpoint.dnnkit) and rebuild its model
 * in eval mode.
 * @example const { model, classes } = loadTrainedModel('runs/train-1/checkpoint.dnnkit');
 */
export function loadTrainedModel(path: string): TrainedModel {
  const file = existsSync(path) && statSync(path).isDirectory() ? join(path, CHECKPOINT_FILE) : path;
  const state = loadCheckpoint(file) as TrainState;
  const settings = state?.config?.train as TrainSettings | undefined;
  if (state?.format !== 'dnnkit-train' || !settings?.model) {
    throw new Error(`${file}: not a checkpoint written by dnnkit train (no model config in it)`);
  }
  const model = buildModel(settings.model);
  try {
    // A run that kept a weight average reports (and so hands on) the averaged model.
    model.loadStateDict(state.ema?.averages ?? state.model);
  } catch (e) {
    throw new Error(`${file}: weights do not fit model ${settings.model.name}: ${e instanceof Error ? e.message : String(e)}`);
  }
  model.eval();
  const classes = (state.config.classes as string[] | undefined) ?? Array.from({ length: 10 }, (_, i) => String(i));
  return { model, settings, state, file, classes };
}
