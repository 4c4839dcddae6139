/**
 * Batch normalisation kernels on the wasm runtime (assembly/batchnorm.ts): the training
 * forward (statistics, invStd and output in one call, so x is copied in once), the apply with
 * given statistics, and the fused backward. Threads split the channels: a channel's sums are
 * computed by one thread in one order, so the results do not depend on the thread count.
 * Sums are float64, as the reference's; the per-element arithmetic is float32
 * ((x - mean) * scale + shift, where the reference rounds x * scale + shift from float64), so
 * values agree with the reference to a few ulp, not bit for bit. A relu after the layer can
 * run inside the same kernels (forward: relu of y; backward: dy through relu's gradient first),
 * with the bits of the separate relu kernels. Small inputs stay on the reference (a call into
 * wasm costs more than their loops).
 */
import {
  batchNormApply as referenceApply, batchNormBackward as referenceBackward,
  batchNormReluMaxPool as referenceReluMaxPool, batchNormTraining as referenceTraining, reluPoolGradient,
} from '../reference/reduce.js';
import type { Pool2dParams } from '../../einsum/types.js';
import { isPool2x2, maxPool2d } from './max-pool.js';
import { call, splitRange, threadsFor, type Runtime } from './runtime.js';

/** Below this many elements the reference loops are faster than the copies in and out. */
const MIN_ELEMENTS = 4096;

/**
 * Per-thread channel ranges. These kernels are memory-bound, so the work estimate counts only
 * half an operation per element and pass: the fused BN+ReLU+max-pool on 0.8 M elements (the
 * default CNN's second block at batch 64) ran 0.14 / 0.17 ms slower forward / backward on 2
 * threads than on 1, on 3.2 M elements (its first block) 1.0 / 1.9 ms faster.
 */
function channelSlices(r: Runtime, C: number, elements: number, passes: number): Array<[number, number]> {
  return splitRange(C, threadsFor(r, (passes * elements) / 2));
}

export function batchNormTraining(x: Float32Array, N: number, C: number, L: number, weight: Float32Array,
                                  bias: Float32Array, eps: number, relu = false): { y: Float32Array; mean: Float32Array; variance: Float32Array; invStd: Float32Array } {
  if (x.length < MIN_ELEMENTS) return referenceTraining(x, N, C, L, weight, bias, eps, relu);
  return call((r) => {
    const xp = r.arena.put(x), wp = r.arena.put(weight), bp = r.arena.put(bias);
    const yp = r.arena.alloc(x.byteLength);
    const meanp = r.arena.alloc(C * 4), varp = r.arena.alloc(C * 4), invp = r.arena.alloc(C * 4);
    const parts = channelSlices(r, C, x.length, 3).map(([c0, c1]) => [xp, yp, meanp, varp, invp, wp, bp, N, C, L, eps, relu ? 1 : 0, c0, c1]);
    return {
      steps: [['bn_train_forward', parts]],
      finish: () => ({
        y: r.arena.take(yp, x.length), mean: r.arena.take(meanp, C), variance: r.arena.take(varp, C),
        invStd: r.arena.take(invp, C),
      }),
    };
  });
}

export function batchNormReluMaxPool(x: Float32Array, weight: Float32Array, bias: Float32Array, eps: number,
                                     p: Pool2dParams): { y: Float32Array; argmax: Int32Array; mean: Float32Array; variance: Float32Array; invStd: Float32Array } {
  const { N, C, H, W, P, Q } = p;
  if (x.length < MIN_ELEMENTS) return referenceReluMaxPool(x, weight, bias, eps, p);
  if (!isPool2x2(p)) {
    // Other windows: this backend's two kernels in a row (the same bits).
    const r = batchNormTraining(x, N, C, H * W, weight, bias, eps, true);
    const pooled = maxPool2d(r.y, p);
    return { ...pooled, mean: r.mean, variance: r.variance, invStd: r.invStd };
  }
  const ylen = N * C * P * Q;
  return call((r) => {
    const xp = r.arena.put(x), wp = r.arena.put(weight), bp = r.arena.put(bias);
    const yp = r.arena.alloc(ylen * 4), ap = r.arena.alloc(ylen * 4);
    const meanp = r.arena.alloc(C * 4), varp = r.arena.alloc(C * 4), invp = r.arena.alloc(C * 4);
    const parts = channelSlices(r, C, x.length, 3).map(([c0, c1]) =>
      [xp, yp, ap, meanp, varp, invp, wp, bp, N, C, H, W, P, Q, eps, r.arena.alloc(H * W * 4), c0, c1]);
    return {
      steps: [['bn_relu_maxpool2x2', parts]],
      finish: () => ({
        y: r.arena.take(yp, ylen), argmax: r.arena.takeInt32(ap, ylen), mean: r.arena.take(meanp, C),
        variance: r.arena.take(varp, C), invStd: r.arena.take(invp, C),
      }),
    };
  });
}

export function batchNormReluMaxPoolBackward(x: Float32Array, dy: Float32Array, y: Float32Array, argmax: Int32Array,
                                             mean: Float32Array, invStd: Float32Array, weight: Float32Array, p: Pool2dParams,
                                             needDx: boolean): { dx: Float32Array | null; dWeight: Float32Array; dBias: Float32Array } {
  const { N, C, H, W, P, Q } = p;
  if (x.length < MIN_ELEMENTS || !isPool2x2(p)) {
    return batchNormBackward(x, reluPoolGradient(dy, y, argmax, x.length), N, C, H * W, mean, invStd, weight, true, needDx);
  }
  return call((r) => {
    const xp = r.arena.put(x), dyp = r.arena.put(dy), yp = r.arena.put(y), ap = r.arena.put(argmax);
    const meanp = r.arena.put(mean), invp = r.arena.put(invStd), wp = r.arena.put(weight);
    const dxp = needDx ? r.arena.alloc(x.byteLength) : 0;
    const dwp = r.arena.alloc(C * 4), dbp = r.arena.alloc(C * 4);
    const parts = channelSlices(r, C, x.length, needDx ? 2 : 1).map(([c0, c1]) =>
      [xp, dyp, yp, ap, dxp, meanp, invp, wp, dwp, dbp, N, C, H, W, P, Q, needDx ? 1 : 0, r.arena.alloc(N * H * W * 4), c0, c1]);
    return {
      steps: [['bn_relu_maxpool2x2_backward', parts]],
      finish: () => ({ dx: needDx ? r.arena.take(dxp, x.length) : null, dWeight: r.arena.take(dwp, C), dBias: r.arena.take(dbp, C) }),
    };
  });
}

export function batchNormApply(x: Float32Array, N: number, C: number, L: number, mean: Float32Array,
                               invStd: Float32Array, weight: Float32Array, bias: Float32Array, relu = false): Float32Array {
  if (x.length < MIN_ELEMENTS) return referenceApply(x, N, C, L, mean, invStd, weight, bias, relu);
  return call((r) => {
    const xp = r.arena.put(x), meanp = r.arena.put(mean), invp = r.arena.put(invStd);
    const wp = r.arena.put(weight), bp = r.arena.put(bias);
    const yp = r.arena.alloc(x.byteLength);
    const parts = channelSlices(r, C, x.length, 1).map(([c0, c1]) => [xp, yp, meanp, invp, wp, bp, N, C, L, relu ? 1 : 0, c0, c1]);
    return { steps: [['bn_apply', parts]], finish: () => r.arena.take(yp, x.length) };
  });
}

export function batchNormBackward(x: Float32Array, dy: Float32Array, N: number, C: number, L: number,
                                  mean: Float32Array, invStd: Float32Array, weight: Float32Array, training: boolean,
                                  needDx: boolean, reluOutput: Float32Array | null = null): { dx: Float32Array | null; dWeight: Float32Array; dBias: Float32Array } {
  if (x.length < MIN_ELEMENTS) return referenceBackward(x, dy, N, C, L, mean, invStd, weight, training, needDx, reluOutput);
  return call((r) => {
    const xp = r.arena.put(x), dyp = r.arena.put(dy), meanp = r.arena.put(mean), invp = r.arena.put(invStd);
    const rp = reluOutput ? r.arena.put(reluOutput) : 0;
    const wp = r.arena.put(weight);
    const dxp = needDx ? r.arena.alloc(x.byteLength) : 0;
    const dwp = r.arena.alloc(C * 4), dbp = r.arena.alloc(C * 4);
    const parts = channelSlices(r, C, x.length, needDx ? 2 : 1).map(([c0, c1]) =>
      [xp, dyp, dxp, meanp, invp, wp, dwp, dbp, N, C, L, training ? 1 : 0, needDx ? 1 : 0, rp, c0, c1]);
    return {
      steps: [['bn_backward', parts]],
      finish: () => ({ dx: needDx ? r.arena.take(dxp, x.length) : null, dWeight: r.arena.take(dwp, C), dBias: r.arena.take(dbp, C) }),
    };
  });
}
