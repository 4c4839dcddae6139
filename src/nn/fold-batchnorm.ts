/**
 * Batch-norm folding for inference: in eval mode a BatchNorm layer is a per-channel affine map
 *
 *   y = (x - mean) / sqrt(var + eps) * gamma + beta = scale * x + shift
 *
 * so when it directly follows a CONV or FC layer it can be merged into that layer's weights:
 *
 *   F'[m,...] = F[m,...] * scale[m],   B'[m] = (B[m] - mean[m]) * scale[m] + beta[m]
 *
 * which saves the NORM layer's memory traffic at inference (and is what accelerators and
 * ONNX runtimes execute).
 */
import { Module } from './module.js';
import { Parameter } from './parameter.js';
import { Sequential } from './container.js';
import { Conv2d } from './conv.js';
import { Linear, Identity } from './linear.js';
import { BatchNorm1d, BatchNorm2d } from './batchnorm.js';

/**
 * A copy of `model` for inference (eval mode) in which every Conv2d→BatchNorm2d and
 * Linear→BatchNorm1d pair that is adjacent in a Sequential (at any depth) is merged into the
 * Conv2d/Linear (which gains a bias if it had none); the BatchNorm becomes an Identity, so
 * layer indices and the other stateDict keys stay as they were. The original is untouched.
 * BatchNorms without running statistics (trackRunningStats: false) are left in place.
 * @example
 *   const fast = foldBatchNorm(model);
 *   fast.call(x)  // equals model.eval().call(x) up to float rounding
 */
export function foldBatchNorm<M extends Module>(model: M): M {
  if (!(model instanceof Module)) throw new Error(`foldBatchNorm: expected a Module, got ${model === null ? 'null' : typeof model}`);
  const folded = model.clone();
  folded.eval();
  for (const m of [...folded.modules()]) {
    if (!(m instanceof Sequential)) continue;
    const children = [...m.namedChildren()];
    for (let i = 0; i + 1 < children.length; i++) {
      const [, layer] = children[i]!;
      const [bnName, bn] = children[i + 1]!;
      const pair = (layer instanceof Conv2d && bn instanceof BatchNorm2d) || (layer instanceof Linear && bn instanceof BatchNorm1d);
      if (!pair) continue;
      if (!foldPair(layer, bn, `${bnName}`)) continue;
      m.registerModule(bnName, new Identity().eval());
      i++;
    }
  }
  return folded;
}

/** Merge bn into layer's weight and bias; false (nothing changed) when bn has no running stats. */
function foldPair(layer: Conv2d | Linear, bn: BatchNorm1d | BatchNorm2d, where: string): boolean {
  const mean = bn.runningMean, variance = bn.runningVar;
  if (!mean || !variance) return false;
  const M = layer instanceof Conv2d ? layer.outChannels : layer.outFeatures;
  if (bn.numFeatures !== M) {
    throw new Error(`foldBatchNorm: ${bn.constructor.name} '${where}' has numFeatures=${bn.numFeatures} but the preceding ${layer.constructor.name} has ${M} output channels`);
  }
  const w = layer.weight.data;
  const perFilter = w.length / M;
  const oldBias = layer.bias?.data;
  const bias = new Float32Array(M);
  for (let m = 0; m < M; m++) {
    const gamma = bn.weight ? bn.weight.data[m]! : 1;
    const beta = bn.bias ? bn.bias.data[m]! : 0;
    const scale = gamma / Math.sqrt(variance.data[m]! + bn.eps);
    for (let k = m * perFilter; k < (m + 1) * perFilter; k++) w[k] = w[k]! * scale;
    bias[m] = ((oldBias ? oldBias[m]! : 0) - mean.data[m]!) * scale + beta;
  }
  if (layer.bias) layer.bias.data.set(bias);
  else layer.bias = new Parameter(bias, [M]);
  return true;
}
