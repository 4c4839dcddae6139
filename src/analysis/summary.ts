/**
 * `summary(model, inputShape)`: per-layer shape parameters (N C H W R S M P Q U), weights,
 * biases, batch-norm parameters, MACs, activations and receptive field, plus totals.
 *
 * Definitions (printed under every table by the CLI):
 *  - weights: elements of CONV/FC weight tensors; biases and BN parameters are counted apart;
 *  - MACs: CONV/FC multiply-accumulates = the size of the layer's einsum iteration space, i.e.
 *    what the naive loop nest executes, with no shortcut for zeros or padding; bias adds are
 *    not counted; pooling, NORM and activations are counted as `ops` in their own columns;
 *  - activations: elements of a layer's input / output fmaps, batch included.
 *
 * A model built from nn layers and containers (Sequential, Residual, Concat) or a zoo
 * architecture is traced by shape only (no weights read, no values computed), so the largest
 * zoo networks summarise in milliseconds. A model with forward code of its own (an imported
 * ONNX graph, a custom Module) is run once on zeros with its layers instrumented.
 */
import type { Arch } from '../models/arch.js';
import { inputFlow, Tracer } from './trace.js';
import type { LayerType, Summary, SummaryTotals, TypeTotals } from './types.js';
import { archOf } from './describe-module.js';
import { rowsByExecution } from './execution-trace.js';
import { Module } from '../nn/module.js';

/** True if the architecture has a part only its forward code can trace. */
function hasOpaque(arch: Arch): boolean {
  switch (arch.op) {
    case 'opaque': return true;
    case 'sequential': return arch.children.some((c) => hasOpaque(c.arch));
    case 'concat': return arch.branches.some((c) => hasOpaque(c.arch));
    case 'residual': return [arch.body, arch.shortcut, arch.activation].some((a) => a !== undefined && hasOpaque(a));
    default: return false;
  }
}

export type { Summary, SummaryTotals, LayerSummary, LayerType, TypeTotals } from './types.js';

function checkShape(inputShape: readonly number[]): number[] {
  if (!Array.isArray(inputShape) || inputShape.length < 2 ||
      !inputShape.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new Error(`summary: inputShape must be positive integers like [1, 3, 224, 224] (or [3, 224, 224] for batch 1), got ${JSON.stringify(inputShape)}`);
  }
  // [C, H, W] means one image.
  return inputShape.length === 3 ? [1, ...inputShape] : [...inputShape];
}

/**
 * Summarise a model (an nn Module, or an architecture description from the zoo) on an input of
 * the given shape (batch first; a 3-D shape [C, H, W] means batch 1).
 *
 * @example
 *   const s = summary(zoo.create('alexnet'), [1, 3, 227, 227]);
 *   s.totals.weights  // 60954656
 *   s.totals.macs     // 724406816
 */
export function summary(model: Module | Arch, inputShape: readonly number[], options: { name?: string } = {}): Summary {
  const shape = checkShape(inputShape);
  const { arch, name } = archOf(model);
  if (model instanceof Module && hasOpaque(arch)) {
    // Forward code decides the order (an ONNX graph, a custom Module): watch a real run.
    const { rows, output } = rowsByExecution(model, shape);
    return { model: options.name ?? name, input: shape, output, layers: rows, totals: totalsOf(rows) };
  }
  const tracer = new Tracer();
  const out = tracer.run(arch, '', inputFlow(shape));
  return { model: options.name ?? name, input: shape, output: out.shape, layers: tracer.rows, totals: totalsOf(tracer.rows) };
}

function totalsOf(rows: Summary['layers']): SummaryTotals {
  const byType: Partial<Record<LayerType, TypeTotals>> = {};
  const t: SummaryTotals = {
    weights: 0, biases: 0, bnParams: 0, parameters: 0, macs: 0,
    convWeights: 0, fcWeights: 0, convMacs: 0, fcMacs: 0, convLayers: 0, fcLayers: 0,
    poolOps: 0, normOps: 0, actOps: 0, activations: 0, maxActivations: 0,
    byType, convMacShare: 0, convWeightShare: 0,
  };
  for (const r of rows) {
    t.weights += r.weights; t.biases += r.biases; t.bnParams += r.bnParams; t.macs += r.macs;
    t.activations += r.outputActivations;
    t.maxActivations = Math.max(t.maxActivations, r.outputActivations);
    if (r.type === 'CONV') { t.convWeights += r.weights; t.convMacs += r.macs; t.convLayers++; }
    if (r.type === 'FC') { t.fcWeights += r.weights; t.fcMacs += r.macs; t.fcLayers++; }
    if (r.type === 'POOL') t.poolOps += r.ops;
    if (r.type === 'NORM') t.normOps += r.ops;
    if (r.type === 'ACT') t.actOps += r.ops;
    const b = (byType[r.type] ??= { layers: 0, weights: 0, macs: 0, ops: 0 });
    b.layers++; b.weights += r.weights; b.macs += r.macs; b.ops += r.ops;
  }
  t.parameters = t.weights + t.biases + t.bnParams;
  t.convMacShare = t.macs > 0 ? t.convMacs / t.macs : 0;
  t.convWeightShare = t.weights > 0 ? t.convWeights / t.weights : 0;
  return t;
}
