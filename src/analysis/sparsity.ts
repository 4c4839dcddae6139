/**
 * Measured activation sparsity: run real inputs through a model and count, per layer, the
 * fraction of zero activations after each ReLU (or any activation) and, for CONV/FC layers,
 * the share of MACs whose activation operand is zero — the work a zero-skipping accelerator
 * could avoid (cf. Sze et al. 2017, section V-B). Zero padding counts as a zero operand: the
 * naive loop nest multiplies by it.
 */
import type { Module } from '../nn/module.js';
import type { Tensor } from '../tensor/tensor.js';
import { conv2dParamsOf } from '../einsum/layers.js';
import { runInstrumented } from './execution-trace.js';
import type { LayerSummary, LayerType } from './types.js';

export interface LayerSparsity {
  name: string;
  type: LayerType;
  op: string;
  /** Zero elements / elements of the layer's output (ACT layers; null otherwise). */
  outputZeroFraction: number | null;
  /** MACs with a zero activation operand / MACs (CONV/FC layers; null otherwise). */
  zeroMacShare: number | null;
  /** MACs per input image. */
  macsPerImage: number;
}

export interface SparsityReport {
  images: number;
  layers: LayerSparsity[];
  /** Over all CONV/FC layers. */
  macs: number;
  zeroMacs: number;
  zeroMacShare: number;
}

function countZeros(data: Float32Array): number {
  let z = 0;
  for (let i = 0; i < data.length; i++) if (data[i] === 0) z++;
  return z;
}

/** How many (p, r) pairs read input row y: U*p + d*r - pad = y. */
function readsPerPosition(size: number, out: number, kernel: number, stride: number, pad: number, dilation: number): Float64Array {
  const reads = new Float64Array(size);
  for (let p = 0; p < out; p++) {
    for (let r = 0; r < kernel; r++) {
      const y = stride * p + dilation * r - pad;
      if (y >= 0 && y < size) reads[y]!++;
    }
  }
  return reads;
}

/** MACs of a CONV layer whose input operand is non-zero, from the real input. */
function nonZeroConvMacs(row: LayerSummary, x: Tensor): number {
  const p = conv2dParamsOf(row.einsum!);
  const rh = readsPerPosition(p.H, p.P, p.R, p.strideH, p.padTop, p.dilationH);
  const rw = readsPerPosition(p.W, p.Q, p.S, p.strideW, p.padLeft, p.dilationW);
  const d = x.data;
  let sum = 0;
  const plane = p.H * p.W;
  for (let nc = 0; nc < p.N * p.C; nc++) {
    const base = nc * plane;
    for (let y = 0; y < p.H; y++) {
      const ry = rh[y]!;
      if (ry === 0) continue;
      let rowSum = 0;
      for (let xx = 0; xx < p.W; xx++) if (d[base + y * p.W + xx] !== 0) rowSum += rw[xx]!;
      sum += ry * rowSum;
    }
  }
  return sum * (p.M / p.groups);
}

/**
 * Run `batches` through `model` (no gradients, the model's current mode — call eval() first)
 * and measure activation sparsity per layer.
 *
 * @example
 *   model.eval();
 *   const r = measureSparsity(model, [batch1, batch2]);
 *   r.layers.find((l) => l.type === 'ACT')!.outputZeroFraction  // e.g. 0.55
 */
export function measureSparsity(model: Module, batches: Iterable<Tensor>): SparsityReport {
  const acc = new Map<string, { row: LayerSummary; zeros: number; elements: number; macs: number; zeroMacs: number }>();
  let images = 0;
  const counted = function* (): Generator<Tensor> {
    for (const b of batches) { images += b.shape[0] ?? 1; yield b; }
  };
  runInstrumented(model, counted(), ({ row, input, output }) => {
    const a = acc.get(row.name) ?? { row, zeros: 0, elements: 0, macs: 0, zeroMacs: 0 };
    acc.set(row.name, a);
    if (row.type === 'ACT') {
      a.zeros += countZeros(output.data);
      a.elements += output.data.length;
    } else if (row.type === 'CONV' || row.type === 'FC') {
      a.macs += row.macs;
      if (row.op === 'conv2d') {
        a.zeroMacs += row.macs - nonZeroConvMacs(row, input);
      } else {
        // FC and transposed CONV read every input element equally often, and read no padding.
        a.zeroMacs += row.macs * (countZeros(input.data) / input.data.length);
      }
    }
  });
  const layers: LayerSparsity[] = [...acc.values()].map(({ row, zeros, elements, macs, zeroMacs }) => ({
    name: row.name, type: row.type, op: row.op,
    outputZeroFraction: row.type === 'ACT' && elements > 0 ? zeros / elements : null,
    zeroMacShare: (row.type === 'CONV' || row.type === 'FC') && macs > 0 ? zeroMacs / macs : null,
    macsPerImage: images > 0 ? macs / images : 0,
  }));
  const macs = [...acc.values()].reduce((s, a) => s + a.macs, 0);
  const zeroMacs = [...acc.values()].reduce((s, a) => s + a.zeroMacs, 0);
  return { images, layers, macs, zeroMacs, zeroMacShare: macs > 0 ? zeroMacs / macs : 0 };
}
