/**
 * What `summary()` returns: one row per layer plus totals. Field names follow the decoder ring
 * of DESIGN.md (N C H W R S M P Q U).
 */
import type { BoundEinsum } from '../einsum/types.js';

/** Layer families, as the hardware literature groups them. */
export type LayerType =
  | 'CONV' | 'FC' | 'POOL' | 'NORM' | 'ACT' | 'UPSAMPLE' | 'FLATTEN' | 'DROPOUT' | 'ADD' | 'CONCAT' | 'OTHER';

export interface LayerSummary {
  /** Dotted path of child names from the root (as in namedParameters). */
  name: string;
  type: LayerType;
  /** The op: conv2d, linear, maxPool2d, relu, batchNorm2d, ... */
  op: string;
  /** Decoder ring; null where the symbol has no meaning for this layer. */
  N: number; C: number | null; H: number | null; W: number | null;
  R: number | null; S: number | null; M: number | null; P: number | null; Q: number | null;
  /** Stride [vertical, horizontal]; U is the vertical one. */
  U: number | null;
  stride: [number, number] | null;
  /** [top/bottom, left/right] */
  padding: [number, number] | null;
  dilation: [number, number] | null;
  groups: number | null;
  inputShape: number[];
  outputShape: number[];
  /** CONV/FC weight elements. */
  weights: number;
  /** CONV/FC bias elements. */
  biases: number;
  /** BatchNorm scale and shift (running statistics are buffers, not parameters). */
  bnParams: number;
  /** CONV/FC multiply-accumulates: the size of the layer's einsum iteration space. */
  macs: number;
  /** Non-MAC work: window reads of a pool, elements of a NORM/ACT/ADD. */
  ops: number;
  inputActivations: number;
  outputActivations: number;
  /** Height and width of the input window one output activation depends on (image border ignored). */
  receptiveField: [number, number];
  /** The layer's einsum bound to its shapes (CONV, FC, POOL, UPSAMPLE), else null. */
  einsum: BoundEinsum | null;
}

export interface TypeTotals { layers: number; weights: number; macs: number; ops: number }

export interface SummaryTotals {
  weights: number;
  biases: number;
  bnParams: number;
  /** weights + biases + bnParams: what PyTorch's parameters() would count. */
  parameters: number;
  macs: number;
  convWeights: number;
  fcWeights: number;
  convMacs: number;
  fcMacs: number;
  convLayers: number;
  fcLayers: number;
  poolOps: number;
  normOps: number;
  actOps: number;
  /** Sum of every layer's output activations (what a framework would store for backward). */
  activations: number;
  /** The largest single layer output. */
  maxActivations: number;
  byType: Partial<Record<LayerType, TypeTotals>>;
  /** convMacs / macs (0 when there are no MACs). */
  convMacShare: number;
  /** convWeights / weights. */
  convWeightShare: number;
}

export interface Summary {
  model: string;
  input: number[];
  output: number[];
  layers: LayerSummary[];
  totals: SummaryTotals;
}
