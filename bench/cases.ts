/**
 * The benchmark's layer suite ("Fast backend" issue): classic CONV layers by their shape
 * parameters, plus two GEMMs. MACs are those of the layer's einsum (the iteration space), so
 * GFLOP/s = 2 * MACs / seconds is the same yardstick for every library.
 */
import type { Conv2dParams } from '../src/einsum/types.js';
import { convOutputSize } from '../src/einsum/layers.js';

export interface ConvShape {
  C: number; H: number; M: number; R: number; stride: number; pad: number; groups: number;
}

export interface LayerCase {
  /** Stable id used in JSON and filters, e.g. 'resnet50-3x3'. */
  id: string;
  /** What it is, e.g. 'ResNet-50 3x3 (C64 56x56 M64 pad 1)'. */
  title: string;
  kind: 'conv' | 'gemm';
  conv?: ConvShape;
  /** GEMM: [M, K] x [K, N]. */
  gemm?: { M: number; K: number; N: number };
  /** Batch sizes to run (GEMM: [1], meaning one product). */
  batches: number[];
  /** Batch used instead of 32 because the layer is huge (said so in the table). */
  reducedBatch?: number;
  /** Small enough for the plain-loop reference backend. */
  reference: boolean;
}

const conv = (C: number, H: number, M: number, R: number, stride = 1, pad = 0, groups = 1): ConvShape =>
  ({ C, H, M, R, stride, pad, groups });

/** The suite; batch 32 is reduced where one call would take seconds on the slower peers. */
export const LAYER_CASES: LayerCase[] = [
  { id: 'lenet5-conv2', title: 'LeNet-5 conv2 (C6 14x14 M16 5x5)', kind: 'conv', conv: conv(6, 14, 16, 5), batches: [1, 32], reference: true },
  { id: 'alexnet-conv1', title: 'AlexNet conv1 (C3 227x227 M96 11x11 U4)', kind: 'conv', conv: conv(3, 227, 96, 11, 4), batches: [1, 32], reference: false },
  { id: 'vgg16-conv1_2', title: 'VGG-16 conv1_2 (C64 224x224 M64 3x3 pad 1)', kind: 'conv', conv: conv(64, 224, 64, 3, 1, 1), batches: [1, 32], reducedBatch: 4, reference: false },
  { id: 'resnet50-3x3', title: 'ResNet-50 3x3 (C64 56x56 M64 pad 1)', kind: 'conv', conv: conv(64, 56, 64, 3, 1, 1), batches: [1, 32], reference: true },
  { id: 'resnet50-1x1', title: 'ResNet-50 1x1 (C256 56x56 M64)', kind: 'conv', conv: conv(256, 56, 64, 1), batches: [1, 32], reference: false },
  { id: 'depthwise-3x3', title: 'depthwise 3x3 (C=M=128 56x56 pad 1)', kind: 'conv', conv: conv(128, 56, 128, 3, 1, 1, 128), batches: [1, 32], reference: false },
  { id: 'gemm-512', title: 'GEMM 512^3', kind: 'gemm', gemm: { M: 512, K: 512, N: 512 }, batches: [1], reference: true },
  { id: 'gemm-1024', title: 'GEMM 1024^3', kind: 'gemm', gemm: { M: 1024, K: 1024, N: 1024 }, batches: [1], reference: false },
];

/** A tiny layer for the smoke test and --quick runs. */
export const TINY_CASE: LayerCase = {
  id: 'tiny-conv', title: 'tiny conv (C4 12x12 M8 3x3 pad 1)', kind: 'conv', conv: conv(4, 12, 8, 3, 1, 1), batches: [1, 2], reference: true,
};

/** The batch a case actually runs at for a requested batch. */
export function effectiveBatch(c: LayerCase, batch: number): number {
  return batch > 1 && c.reducedBatch ? Math.min(batch, c.reducedBatch) : batch;
}

/** Full shape parameters of a conv case at batch N. */
export function convParams(s: ConvShape, N: number): Conv2dParams {
  const P = convOutputSize(s.H, s.R, s.stride, s.pad, s.pad);
  return {
    N, C: s.C, H: s.H, W: s.H, M: s.M, R: s.R, S: s.R, P, Q: P, strideH: s.stride, strideW: s.stride,
    padTop: s.pad, padLeft: s.pad, dilationH: 1, dilationW: 1, groups: s.groups,
  };
}

/** MACs of one call: N*M*P*Q*(C/groups)*R*S for a conv, M*K*N for a GEMM. */
export function macsOf(c: LayerCase, N: number): number {
  if (c.gemm) return c.gemm.M * c.gemm.K * c.gemm.N;
  const p = convParams(c.conv!, N);
  return p.N * p.M * p.P * p.Q * (p.C / p.groups) * p.R * p.S;
}
