/**
 * `dnnkit/training` — the Node.js side of training: files, datasets, the loop behind
 * `dnnkit train`, checkpoints. Kept apart from the package root because it reads and writes
 * files (node:fs), so that `import ... from 'dnnkit'` stays usable in the browser.
 *
 * @example
 *   import { data, fit } from 'dnnkit/training';
 *   const { train, test } = data.loadDataset('fashion-mnist');
 */
export * as data from './data/index.js';
export { fit, evaluate, type FitOptions, type FitCallbacks, type EvalResult } from './train/fit.js';
export { saveCheckpoint, loadCheckpoint } from './io/checkpoint.js';
export { loadTrainedModel, type TrainedModel } from './train/load.js';
export { buildModel, fashionCnn, autoencoder } from './train/default-model.js';
