/**
 * Shape-only tracing of an architecture: walks the layer tree with the input shape and the
 * receptive-field state, and emits one LayerSummary per leaf layer (plus a row for each
 * residual add and concat). No tensor is allocated; VGG-16 at 224x224 traces in milliseconds.
 *
 * MACs come from the einsum engine: a CONV/FC layer's MACs are the size of the iteration
 * space of the same bound einsum the op runs (src/einsum/layers.ts), so there is one
 * definition of the count.
 *
 * Receptive field: each tensor carries, per axis, the window size `size` (input pixels one
 * activation sees) and the `jump` (input pixels between neighbouring activations). A window
 * of effective extent k = d*(R-1)+1 at stride U gives size' = size + (k-1)*jump and
 * jump' = jump*U (Araujo et al. 2019, "Computing receptive fields of CNNs"). Branches merge by
 * taking the largest window. An FC layer sees its whole input.
 */
import { conv2dEinsum, convTranspose2dEinsum, linearEinsum, avgPool2dEinsum,
         maxPool2dEinsum, nearestUpsampleEinsum, zeroInsertEinsum } from '../einsum/layers.js';
import { adaptiveBins, adaptivePoolShape, conv2dParams, convShape, convTranspose2dParams, convTransposeShape, pool2dParams,
         poolShape } from '../ops/conv-shape.js';
import { countEinsum } from '../einsum/count.js';
import { sizeOf } from '../tensor/shape.js';
import type { Arch, Conv2dArch, ConvTranspose2dArch, LinearArch, Pool2dArch } from '../models/arch.js';
import type { LayerSummary, LayerType } from './types.js';

/** Per-axis receptive-field state of a tensor. */
interface Field {
  size: [number, number];
  jump: [number, number];
  /** Set after a flatten: the [C, H, W] the flat features came from. */
  flatFrom?: [number, number, number];
}

/** A tensor flowing through the trace: its shape and receptive field. */
export interface Flow { shape: number[]; field: Field }

function blankRow(name: string, type: LayerType, op: string, input: Flow, outShape: number[]): LayerSummary {
  const s = input.shape;
  return {
    name, type, op,
    N: s[0] ?? 1, C: s[1] ?? null, H: s.length === 4 ? s[2]! : null, W: s.length === 4 ? s[3]! : null,
    R: null, S: null, M: null, P: outShape.length === 4 ? outShape[2]! : null, Q: outShape.length === 4 ? outShape[3]! : null,
    U: null, stride: null, padding: null, dilation: null, groups: null,
    inputShape: [...s], outputShape: outShape,
    weights: 0, biases: 0, bnParams: 0, macs: 0, ops: 0,
    inputActivations: sizeOf(s), outputActivations: sizeOf(outShape),
    receptiveField: [...input.field.size] as [number, number], einsum: null,
  };
}

function need4d(fn: string, name: string, shape: readonly number[]): [number, number, number, number] {
  if (shape.length !== 4) {
    throw new Error(`summary: layer '${name}' (${fn}) expects a 4-D input [N, C, H, W], got [${shape.join(', ')}]`);
  }
  return shape as unknown as [number, number, number, number];
}

function window(field: Field, k: [number, number], u: [number, number]): Field {
  return {
    size: [field.size[0] + (k[0] - 1) * field.jump[0], field.size[1] + (k[1] - 1) * field.jump[1]],
    jump: [field.jump[0] * u[0], field.jump[1] * u[1]],
  };
}

/** Walks an architecture, collecting rows. */
export class Tracer {
  readonly rows: LayerSummary[] = [];

  /** Trace `arch` named `name` on `input`; returns the output flow. */
  run(arch: Arch, name: string, input: Flow): Flow {
    switch (arch.op) {
      case 'sequential': {
        let x = input;
        for (const c of arch.children) x = this.run(c.arch, join(name, c.name), x);
        return x;
      }
      case 'residual': {
        const body = this.run(arch.body, join(name, 'body'), input);
        const short = arch.shortcut ? this.run(arch.shortcut, join(name, 'shortcut'), input) : input;
        if (body.shape.join() !== short.shape.join()) {
          throw new Error(`summary: residual '${name}' adds body output [${body.shape.join(', ')}] to shortcut output [${short.shape.join(', ')}]; they must match`);
        }
        const merged: Flow = { shape: body.shape, field: mergeFields([body.field, short.field]) };
        const row = blankRow(name || 'add', 'ADD', 'add', merged, body.shape);
        row.inputActivations = 2 * sizeOf(body.shape);
        row.ops = sizeOf(body.shape);
        this.rows.push(row);
        return arch.activation ? this.run(arch.activation, join(name, 'activation'), merged) : merged;
      }
      case 'concat': {
        const outs = arch.branches.map((b) => this.run(b.arch, join(name, b.name), input));
        const dim = arch.dim < 0 ? arch.dim + input.shape.length : arch.dim;
        const shape = [...outs[0]!.shape];
        for (const o of outs.slice(1)) {
          const ok = o.shape.length === shape.length && o.shape.every((d, i) => i === dim || d === shape[i]);
          if (!ok) {
            throw new Error(`summary: concat '${name}' joins branch outputs ${outs.map((x) => `[${x.shape.join(', ')}]`).join(', ')}; all but dim ${dim} must match`);
          }
          shape[dim] = shape[dim]! + o.shape[dim]!;
        }
        const merged: Flow = { shape, field: mergeFields(outs.map((o) => o.field)) };
        const row = blankRow(name || 'concat', 'CONCAT', 'concat', merged, shape);
        row.inputActivations = outs.reduce((a, o) => a + sizeOf(o.shape), 0);
        this.rows.push(row);
        return merged;
      }
      case 'conv2d': return this.conv(arch, name, input);
      case 'convTranspose2d': return this.convTranspose(arch, name, input);
      case 'linear': return this.linear(arch, name, input);
      case 'maxPool2d':
      case 'avgPool2d': return this.pool(arch, name, input);
      case 'adaptiveAvgPool2d': {
        need4d(arch.op, name, input.shape);
        const s = adaptivePoolShape(input.shape, arch.outputSize, `summary: layer '${name}' (${arch.op})`);
        const { N, C, H, W, P, Q, R, S } = s;
        const out = [N, C, P, Q];
        const row = blankRow(name, 'POOL', arch.op, input, out);
        // Count every read of PyTorch's (possibly overlapping) bins.
        const reads = (size: number, n: number): number => adaptiveBins(size, n).reduce((t, [a, b]) => t + b - a, 0);
        row.ops = N * C * reads(H, P) * reads(W, Q);
        row.R = R; row.S = S; row.M = C;
        const field = window(input.field, [R, S], [s.strideH, s.strideW]);
        row.receptiveField = [...field.size];
        this.rows.push(row);
        return { shape: out, field };
      }
      case 'batchNorm2d':
      case 'batchNorm1d': {
        const C = input.shape[1];
        if (C !== arch.numFeatures) {
          throw new Error(`summary: layer '${name}' (${arch.op}) has ${arch.numFeatures} features but its input [${input.shape.join(', ')}] has ${C} channels`);
        }
        const row = blankRow(name, 'NORM', arch.op, input, [...input.shape]);
        row.bnParams = arch.affine ? 2 * arch.numFeatures : 0;
        row.ops = sizeOf(input.shape);
        this.rows.push(row);
        return input;
      }
      case 'activation': {
        if (arch.fn === 'identity') return input;
        const row = blankRow(name, 'ACT', arch.fn, input, [...input.shape]);
        row.ops = sizeOf(input.shape);
        this.rows.push(row);
        return input;
      }
      case 'flatten': {
        const start = arch.startDim < 0 ? arch.startDim + input.shape.length : arch.startDim;
        const shape = [...input.shape.slice(0, start), sizeOf(input.shape.slice(start))];
        this.rows.push(blankRow(name, 'FLATTEN', 'flatten', input, shape));
        const field: Field = { ...input.field };
        if (input.shape.length === 4 && start === 1) field.flatFrom = [input.shape[1]!, input.shape[2]!, input.shape[3]!];
        return { shape, field };
      }
      case 'dropout': {
        this.rows.push(blankRow(name, 'DROPOUT', 'dropout', input, [...input.shape]));
        return input;
      }
      case 'upsample': return this.upsample(arch.scaleFactor, arch.mode, name, input);
      case 'opaque': {
        const shape = arch.outputShape ? arch.outputShape(input.shape) : [...input.shape];
        this.rows.push(blankRow(name, 'OTHER', arch.typeName, input, shape));
        return { shape, field: input.field };
      }
    }
  }

  private conv(a: Conv2dArch, name: string, input: Flow): Flow {
    const [N, C] = need4d('conv2d', name, input.shape);
    if (C !== a.inChannels) {
      throw new Error(`summary: layer '${name}' (conv2d) expects ${a.inChannels} input channels but its input [${input.shape.join(', ')}] has ${C}`);
    }
    const [R, S] = a.kernelSize, [u, v] = a.stride, [dh, dw] = a.dilation;
    // The ops' shape rule ('same' keeps ceil(H/U), the odd unit bottom/right), so the report
    // equals the real output.
    const M = a.outChannels;
    const s = convShape(input.shape, [M, C / a.groups, R, S], a, `summary: layer '${name}' (conv2d)`);
    const { P, Q } = s, ph = s.padTop, pw = s.padLeft;
    const einsum = conv2dEinsum(conv2dParams(s), a.bias);
    const out = [N, M, P, Q];
    const row = blankRow(name, 'CONV', 'conv2d', input, out);
    Object.assign(row, { R, S, M, U: u, stride: [u, v], padding: [ph, pw], dilation: [dh, dw], groups: a.groups, einsum });
    row.weights = s.weights;
    row.biases = a.bias ? M : 0;
    row.macs = countEinsum(einsum).macs;
    const field = window(input.field, [dh * (R - 1) + 1, dw * (S - 1) + 1], [u, v]);
    row.receptiveField = [...field.size];
    this.rows.push(row);
    return { shape: out, field };
  }

  private convTranspose(a: ConvTranspose2dArch, name: string, input: Flow): Flow {
    const [N, C] = need4d('convTranspose2d', name, input.shape);
    if (C !== a.inChannels) {
      throw new Error(`summary: layer '${name}' (convTranspose2d) expects ${a.inChannels} input channels but its input [${input.shape.join(', ')}] has ${C}`);
    }
    const [R, S] = a.kernelSize, [u, v] = a.stride, [ph, pw] = a.padding, [dh, dw] = a.dilation;
    const M = a.outChannels;
    const s = convTransposeShape(input.shape, [C, M / a.groups, R, S], a, `summary: layer '${name}' (convTranspose2d)`);
    const { P, Q } = s;
    const einsum = convTranspose2dEinsum(convTranspose2dParams(s), a.bias);
    const out = [N, M, P, Q];
    const row = blankRow(name, 'CONV', 'convTranspose2d', input, out);
    Object.assign(row, { R, S, M, U: u, stride: [u, v], padding: [ph, pw], dilation: [dh, dw], groups: a.groups, einsum });
    row.weights = s.weights;
    row.biases = a.bias ? M : 0;
    row.macs = countEinsum(einsum).macs;
    // An output pixel gathers ceil(k/U) input pixels per axis; the grid gets U times finer.
    const kh = Math.ceil((dh * (R - 1) + 1) / u), kw = Math.ceil((dw * (S - 1) + 1) / v);
    const field: Field = {
      size: [input.field.size[0] + (kh - 1) * input.field.jump[0], input.field.size[1] + (kw - 1) * input.field.jump[1]],
      jump: [input.field.jump[0] / u, input.field.jump[1] / v],
    };
    row.receptiveField = [...field.size];
    this.rows.push(row);
    return { shape: out, field };
  }

  private linear(a: LinearArch, name: string, input: Flow): Flow {
    const s = input.shape;
    const C = s[s.length - 1]!;
    if (C !== a.inFeatures) {
      throw new Error(`summary: layer '${name}' (linear) expects ${a.inFeatures} input features but its input [${s.join(', ')}] has ${C}`);
    }
    const N = sizeOf(s.slice(0, -1));
    const M = a.outFeatures;
    const einsum = linearEinsum({ N, C, M }, a.bias);
    const out = [...s.slice(0, -1), M];
    const row = blankRow(name, 'FC', 'linear', input, out);
    // An FC layer is a CONV layer with R=H, S=W, P=Q=1: show the fmap it came from.
    const from = input.field.flatFrom;
    const [fc, fh, fw] = from && from[0] * from[1] * from[2] === C ? from : [C, 1, 1];
    Object.assign(row, { N, C: fc, H: fh, W: fw, R: fh, S: fw, M, P: 1, Q: 1, U: 1, einsum });
    row.weights = M * C;
    row.biases = a.bias ? M : 0;
    row.macs = countEinsum(einsum).macs;
    const field: Field = {
      size: [input.field.size[0] + (fh - 1) * input.field.jump[0], input.field.size[1] + (fw - 1) * input.field.jump[1]],
      jump: input.field.jump,
    };
    row.receptiveField = [...field.size];
    this.rows.push(row);
    return { shape: out, field };
  }

  private pool(a: Pool2dArch, name: string, input: Flow): Flow {
    const [N, C] = need4d(a.op, name, input.shape);
    const [R, S] = a.kernelSize, [u, v] = a.stride, [ph, pw] = a.padding, [dh, dw] = a.dilation;
    const s = poolShape(input.shape, a, a.op, `summary: layer '${name}' (${a.op})`);
    const { P, Q } = s;
    const einsum = a.op === 'maxPool2d' ? maxPool2dEinsum(pool2dParams(s)) : avgPool2dEinsum(pool2dParams(s));
    const out = [N, C, P, Q];
    const row = blankRow(name, 'POOL', a.op, input, out);
    Object.assign(row, { R, S, M: C, U: u, stride: [u, v], padding: [ph, pw], dilation: [dh, dw], einsum });
    row.ops = countEinsum(einsum).iterations;
    const field = window(input.field, [dh * (R - 1) + 1, dw * (S - 1) + 1], [u, v]);
    row.receptiveField = [...field.size];
    this.rows.push(row);
    return { shape: out, field };
  }

  private upsample(U: number, mode: string, name: string, input: Flow): Flow {
    const [N, C, H, W] = need4d('upsample', name, input.shape);
    const out = [N, C, U * H, U * W];
    const row = blankRow(name, 'UPSAMPLE', `upsample(${mode})`, input, out);
    row.U = U; row.stride = [U, U];
    if (mode === 'nearest') { row.einsum = nearestUpsampleEinsum({ N, C, H, W, U }); row.R = U; row.S = U; }
    if (mode === 'zeros') row.einsum = zeroInsertEinsum({ N, C, H, W, U });
    // bilinear reads 4 inputs per output; the others copy one value per output.
    row.ops = (mode === 'bilinear' ? 4 : 1) * sizeOf(out);
    const grow = mode === 'bilinear' ? 1 : 0;
    const field: Field = {
      size: [input.field.size[0] + grow * input.field.jump[0], input.field.size[1] + grow * input.field.jump[1]],
      jump: [input.field.jump[0] / U, input.field.jump[1] / U],
    };
    row.receptiveField = [...field.size];
    this.rows.push(row);
    return { shape: out, field };
  }
}

function join(prefix: string, name: string): string {
  return prefix ? `${prefix}.${name}` : name;
}

function mergeFields(fields: readonly Field[]): Field {
  const f = fields[0]!;
  const out: Field = { size: [...f.size], jump: [...f.jump] };
  for (const g of fields.slice(1)) {
    for (const i of [0, 1] as const) {
      out.size[i] = Math.max(out.size[i], g.size[i]);
      out.jump[i] = Math.max(out.jump[i], g.jump[i]);
    }
  }
  return out;
}

/** The flow entering a network: every activation sees one pixel. */
export function inputFlow(shape: readonly number[]): Flow {
  return { shape: [...shape], field: { size: [1, 1], jump: [1, 1] } };
}

/**
 * The output shape of `arch` on an input of `shape` (batch included), without counting anything
 * the caller does not need.
 *
 * @example outputShapeOf(seq(conv(3, 8, 3), flatten()), [1, 3, 5, 5])  // [1, 72]
 */
export function outputShapeOf(arch: Arch, shape: readonly number[]): number[] {
  return new Tracer().run(arch, '', inputFlow(shape)).shape;
}
