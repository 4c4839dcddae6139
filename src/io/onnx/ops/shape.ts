/**
 * Operators that move data without arithmetic: Concat, Flatten, Reshape, Transpose, Identity,
 * Dropout (inference: identity), Constant, and the shape-subgraph operators exporters emit
 * around flatten and pad (Shape, Gather, Unsqueeze, Squeeze, Slice, Cast, ConstantOfShape).
 * They work on float Tensors (differentiably) and on IntTensors.
 */
import { Tensor } from '../../../tensor/tensor.js';
import { recordOp } from '../../../autograd/graph.js';
import { concat, permute, reshape } from '../../../ops/shape-ops.js';
import { Flatten as FlattenLayer, Dropout as DropoutLayer } from '../../../nn/reshape.js';
import { OnnxError } from '../errors.js';
import { DataType } from '../schema.js';
import { isFloatType, tensorFromProto } from '../tensor-proto.js';
import { IntTensor, toFloat, toInt, type Value } from '../value.js';
import { stridesOf, sizeOf } from '../../../tensor/shape.js';
import { axisOf, checkSize, intsIn, optionalIntsIn } from './common.js';
import type { OnnxNode, OpSpec, Prepared } from './types.js';

function required(node: OnnxNode, inputs: ReadonlyArray<Value | undefined>, i: number): Value {
  const v = inputs[i];
  if (v === undefined) throw new OnnxError(`${node.label}: input ${i} is required but missing`);
  return v;
}

/** Elements at flat indices `src` (a gather), in `shape`; differentiable for float tensors. */
function gatherFlat(x: Value, src: Int32Array, shape: readonly number[]): Value {
  if (x instanceof IntTensor) return new IntTensor(shape, Array.from(src, (s) => x.data[s]!), x.dataType);
  const y = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) y[i] = x.data[src[i]!]!;
  return recordOp(new Tensor(y, shape), 'gather', [x], (g) => {
    const dx = new Float32Array(x.size);
    for (let i = 0; i < src.length; i++) dx[src[i]!] += g.data[i]!;
    return [new Tensor(dx, x.shape)];
  });
}

/** Same data, new shape (no copy for float tensors: shares data through F.reshape). */
function withShape(x: Value, shape: readonly number[]): Value {
  return x instanceof IntTensor ? new IntTensor(shape, x.data, x.dataType) : reshape(x, shape);
}

/** Visit every index of `shape` with the running flat offset under `strides`. */
function forEachOffset(shape: readonly number[], strides: readonly number[], base: number, visit: (offset: number) => void): void {
  const n = sizeOf(shape);
  if (n === 0) return;
  const idx = new Array<number>(shape.length).fill(0);
  let off = base;
  for (let i = 0; i < n; i++) {
    visit(off);
    for (let d = shape.length - 1; d >= 0; d--) {
      idx[d]!++;
      off += strides[d]!;
      if (idx[d]! < shape[d]!) break;
      off -= strides[d]! * idx[d]!;
      idx[d] = 0;
    }
  }
}

const simple = (attributes: readonly string[], inputs: [number, number], outputs: [number, number],
                make: (node: OnnxNode, limits: { maxElements: number }) => Prepared['run']): OpSpec => ({
  attributes, inputs, outputs, prepare: ({ node, limits }) => ({ run: make(node, limits) }),
});

export const Identity = simple([], [1, 1], [1, 1], (node) => (inputs) => [required(node, inputs, 0)]);

export const Dropout: OpSpec = {
  attributes: ['ratio', 'seed', 'is_test'],
  inputs: [1, 3],
  outputs: [1, 2],
  prepare({ node, constant }): Prepared {
    // The ratio matters only if the model is put in training mode (fine-tuning).
    const ratioIn = node.opset >= 12 ? constant(1) : undefined;
    const ratio = node.opset < 12 ? node.attrs.float('ratio', 0.5) : ratioIn && ratioIn.size === 1 ? ratioIn.data[0]! : 0.5;
    if (!(ratio >= 0 && ratio < 1)) throw new OnnxError(`${node.label}: ratio must be in [0, 1), got ${ratio}`);
    const layer = new DropoutLayer(ratio);
    layer.eval();
    return {
      module: layer,
      moduleOwns: [1, 2],
      run(inputs) {
        const x = required(node, inputs, 0);
        if (inputs[2] !== undefined && inputs[2].data[0]) throw new OnnxError(`${node.label}: training_mode=true is not supported (the imported model runs in inference mode)`);
        // In inference the mask is all ones.
        const y = x instanceof Tensor ? layer.call(x) : x;
        return node.outputs.length > 1 ? [y, new IntTensor(x.shape, new Array<number>(x.size).fill(1), DataType.BOOL)] : [y];
      },
    };
  },
};

export const Flatten: OpSpec = {
  attributes: ['axis'],
  inputs: [1, 1],
  outputs: [1, 1],
  prepare({ node }): Prepared {
    const axis = node.attrs.int('axis', 1);
    const layer = axis === 1 ? new FlattenLayer(1) : undefined;
    return {
      module: layer,
      run(inputs) {
        const x = required(node, inputs, 0);
        const r = x.shape.length;
        const a = axis < 0 ? axis + r : axis;
        if (a < 0 || a > r) throw new OnnxError(`${node.label}: axis ${axis} is out of range for rank ${r}`);
        const outer = sizeOf(x.shape.slice(0, a));
        if (layer && x instanceof Tensor && r >= 2) return [layer.call(x)];
        return [withShape(x, [outer, sizeOf(x.shape.slice(a))])];
      },
    };
  },
};

export const Reshape = simple(['allowzero', 'shape'], [1, 2], [1, 1], (node) => (inputs) => {
  const x = required(node, inputs, 0);
  const spec = node.opset < 5 ? (node.attrs.ints('shape') ?? []) : intsIn(node, inputs, 1, "input 'shape'");
  const allowZero = node.attrs.int('allowzero', 0) !== 0;
  const shape = spec.map((d, i) => (d === 0 && !allowZero ? (i < x.shape.length ? x.shape[i]! : NaN) : d));
  const known = sizeOf(shape.filter((d) => d !== -1));
  const infer = shape.filter((d) => d === -1).length;
  if (infer > 1 || shape.some((d) => Number.isNaN(d) || d < -1)) {
    throw new OnnxError(`${node.label}: shape [${spec.join(',')}] is invalid for input [${x.shape.join(',')}]`);
  }
  if (infer === 1) {
    if (known === 0 || x.size % known !== 0) throw new OnnxError(`${node.label}: cannot reshape [${x.shape.join(',')}] to [${spec.join(',')}]`);
    shape[shape.indexOf(-1)] = x.size / known;
  }
  if (sizeOf(shape) !== x.size) {
    throw new OnnxError(`${node.label}: cannot reshape [${x.shape.join(',')}] (${x.size} elements) to [${shape.join(',')}]`);
  }
  return [withShape(x, shape)];
});

export const Transpose = simple(['perm'], [1, 1], [1, 1], (node) => (inputs) => {
  const x = required(node, inputs, 0);
  const r = x.shape.length;
  const perm = node.attrs.ints('perm') ?? Array.from({ length: r }, (_, i) => r - 1 - i);
  if (perm.length !== r || new Set(perm).size !== r || perm.some((p) => p < 0 || p >= r)) {
    throw new OnnxError(`${node.label}: perm [${perm.join(',')}] is not a permutation of 0..${r - 1}`);
  }
  if (x instanceof Tensor) return [permute(x, perm)];
  const st = stridesOf(x.shape);
  const src = new Int32Array(x.size);
  let k = 0;
  forEachOffset(perm.map((p) => x.shape[p]!), perm.map((p) => st[p]!), 0, (o) => { src[k++] = o; });
  return [gatherFlat(x, src, perm.map((p) => x.shape[p]!))];
});

export const Concat = simple(['axis'], [1, 1 << 16], [1, 1], (node, limits) => (inputs) => {
  const xs = inputs.map((_, i) => required(node, inputs, i));
  const r = xs[0]!.shape.length;
  const axis = axisOf(node, node.attrs.int('axis', 0), r);
  for (const x of xs) {
    if (x.shape.length !== r || x.shape.some((d, i) => i !== axis && d !== xs[0]!.shape[i])) {
      throw new OnnxError(`${node.label}: inputs [${xs.map((t) => `[${t.shape.join(',')}]`).join(', ')}] differ outside axis ${axis}`);
    }
  }
  const shape = [...xs[0]!.shape];
  shape[axis] = xs.reduce((s, x) => s + x.shape[axis]!, 0);
  checkSize(node, shape, limits);
  if (xs.every((x) => x instanceof IntTensor)) {
    const outer = sizeOf(shape.slice(0, axis));
    const out: number[] = [];
    for (let o = 0; o < outer; o++) {
      for (const x of xs) {
        const inner = sizeOf(x.shape.slice(axis));
        for (let i = 0; i < inner; i++) out.push(x.data[o * inner + i]!);
      }
    }
    return [new IntTensor(shape, out, (xs[0] as IntTensor).dataType)];
  }
  return [concat(xs.map(toFloat), axis)];
});

export const Constant: OpSpec = {
  attributes: ['value', 'value_float', 'value_floats', 'value_int', 'value_ints', 'sparse_value', 'value_string', 'value_strings'],
  inputs: [0, 0],
  outputs: [1, 1],
  prepare({ node, limits }): Prepared {
    const a = node.attrs;
    let v: Value;
    const t = a.tensor('value');
    if (t) v = tensorFromProto(t, `${node.label} value`, limits);
    else if (a.has('value_float')) v = new Tensor(Float32Array.of(a.float('value_float', 0)), []);
    else if (a.has('value_floats')) { const f = a.floats('value_floats')!; v = new Tensor(Float32Array.from(f), [f.length]); }
    else if (a.has('value_int')) v = new IntTensor([], [a.int('value_int', 0)], DataType.INT64);
    else if (a.has('value_ints')) { const f = a.ints('value_ints')!; v = new IntTensor([f.length], f, DataType.INT64); }
    else throw new OnnxError(`${node.label}: needs one of value, value_float(s), value_int(s) (sparse and string constants are not supported)`);
    return { run: () => [v] };
  },
};

export const Shape = simple(['start', 'end'], [1, 1], [1, 1], (node) => (inputs) => {
  const x = required(node, inputs, 0);
  const r = x.shape.length;
  const clamp = (i: number): number => Math.min(Math.max(i < 0 ? i + r : i, 0), r);
  const dims = x.shape.slice(clamp(node.attrs.int('start', 0)), clamp(node.attrs.int('end', r)));
  return [new IntTensor([dims.length], dims, DataType.INT64)];
});

export const Gather = simple(['axis'], [2, 2], [1, 1], (node, limits) => (inputs) => {
  const x = required(node, inputs, 0);
  const r = x.shape.length;
  if (r === 0) throw new OnnxError(`${node.label}: data must have rank >= 1`);
  const axis = axisOf(node, node.attrs.int('axis', 0), r);
  const indices = required(node, inputs, 1);
  const n = x.shape[axis]!;
  const idx = intsIn(node, inputs, 1, 'indices').map((i) => {
    if (i < -n || i >= n) throw new OnnxError(`${node.label}: index ${i} is out of range for axis ${axis} of size ${n}`);
    return i < 0 ? i + n : i;
  });
  const shape = [...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)];
  checkSize(node, shape, limits);
  const outer = sizeOf(x.shape.slice(0, axis));
  const inner = sizeOf(x.shape.slice(axis + 1));
  const src = new Int32Array(outer * idx.length * inner);
  let k = 0;
  for (let o = 0; o < outer; o++) for (const i of idx) for (let j = 0; j < inner; j++) src[k++] = (o * n + i) * inner + j;
  return [gatherFlat(x, src, shape)];
});

/** Axes from the attribute (opset < 13) or the second input (opset >= 13). */
function axesOf(node: OnnxNode, inputs: ReadonlyArray<Value | undefined>): number[] | undefined {
  return node.opset < 13 ? node.attrs.ints('axes') : optionalIntsIn(node, inputs, 1, "input 'axes'");
}

export const Unsqueeze = simple(['axes'], [1, 2], [1, 1], (node) => (inputs) => {
  const x = required(node, inputs, 0);
  const axes = axesOf(node, inputs);
  if (!axes) throw new OnnxError(`${node.label}: axes are required`);
  const r = x.shape.length + axes.length;
  const norm = axes.map((a) => axisOf(node, a, r, 'axes value'));
  if (new Set(norm).size !== norm.length) throw new OnnxError(`${node.label}: axes [${axes.join(',')}] repeat`);
  const shape: number[] = [];
  let k = 0;
  for (let d = 0; d < r; d++) shape.push(norm.includes(d) ? 1 : x.shape[k++]!);
  return [withShape(x, shape)];
});

export const Squeeze = simple(['axes'], [1, 2], [1, 1], (node) => (inputs) => {
  const x = required(node, inputs, 0);
  const axes = axesOf(node, inputs);
  const r = x.shape.length;
  const norm = axes ? axes.map((a) => axisOf(node, a, r, 'axes value')) : x.shape.flatMap((d, i) => (d === 1 ? [i] : []));
  for (const a of norm) if (x.shape[a] !== 1) throw new OnnxError(`${node.label}: cannot squeeze axis ${a} of size ${x.shape[a]}`);
  return [withShape(x, x.shape.filter((_, i) => !norm.includes(i)))];
});

export const Cast = simple(['to', 'saturate'], [1, 1], [1, 1], (node) => (inputs) => {
  const x = required(node, inputs, 0);
  const to = node.attrs.int('to', DataType.FLOAT);
  if (isFloatType(to)) return [toFloat(x)];
  if (to === DataType.STRING || to === DataType.UNDEFINED || to > 16) throw new OnnxError(`${node.label}: cast to type ${to} is not supported`);
  if (to === DataType.BOOL) return [new IntTensor(x.shape, Array.from(x.data, (v) => (v ? 1 : 0)), to)];
  return [toInt(x, to)];
});

export const ConstantOfShape: OpSpec = {
  attributes: ['value'],
  inputs: [1, 1],
  outputs: [1, 1],
  prepare({ node, limits }): Prepared {
    const t = node.attrs.tensor('value');
    const v = t ? tensorFromProto(t, `${node.label} value`, limits) : new Tensor(Float32Array.of(0), [1]);
    if (v.size !== 1) throw new OnnxError(`${node.label}: value must hold one element, got ${v.size}`);
    return {
      run(inputs) {
        const shape = intsIn(node, inputs, 0, "input 'shape'");
        checkSize(node, shape, limits);
        const n = sizeOf(shape);
        return [v instanceof IntTensor
          ? new IntTensor(shape, new Array<number>(n).fill(v.data[0]!), v.dataType)
          : new Tensor(new Float32Array(n).fill(v.data[0]!), shape)];
      },
    };
  },
};

/** Slice: starts, ends, axes, steps as inputs (opset >= 10) or attributes (before). */
export const Slice = simple(['starts', 'ends', 'axes'], [1, 5], [1, 1], (node, limits) => (inputs) => {
  const x = required(node, inputs, 0);
  const r = x.shape.length;
  let starts: number[], ends: number[], axes: number[] | undefined, steps: number[] | undefined;
  if (node.opset < 10) {
    starts = node.attrs.ints('starts') ?? []; ends = node.attrs.ints('ends') ?? []; axes = node.attrs.ints('axes');
  } else {
    starts = intsIn(node, inputs, 1, "input 'starts'"); ends = intsIn(node, inputs, 2, "input 'ends'");
    axes = optionalIntsIn(node, inputs, 3, "input 'axes'"); steps = optionalIntsIn(node, inputs, 4, "input 'steps'");
  }
  axes ??= starts.map((_, i) => i);
  steps ??= starts.map(() => 1);
  if (ends.length !== starts.length || axes.length !== starts.length || steps.length !== starts.length) {
    throw new OnnxError(`${node.label}: starts, ends, axes and steps must have the same length`);
  }
  const begin = x.shape.map(() => 0), step = x.shape.map(() => 1), count = [...x.shape];
  axes.forEach((a0, i) => {
    const a = axisOf(node, a0, r, 'axes value');
    const n = x.shape[a]!, s = steps![i]!;
    if (s === 0) throw new OnnxError(`${node.label}: steps must not be 0`);
    const norm = (v: number, lo: number, hi: number): number => Math.min(Math.max(v < 0 ? v + n : v, lo), hi);
    const b = s > 0 ? norm(starts[i]!, 0, n) : norm(starts[i]!, -1, n - 1);
    const e = s > 0 ? norm(ends[i]!, 0, n) : norm(ends[i]!, -1, n - 1);
    begin[a] = b; step[a] = s;
    count[a] = s > 0 ? Math.max(0, Math.ceil((e - b) / s)) : Math.max(0, Math.ceil((b - e) / -s));
  });
  checkSize(node, count, limits);
  const st = stridesOf(x.shape);
  const src = new Int32Array(sizeOf(count));
  let k = 0;
  const base = begin.reduce((acc, b, d) => acc + b * st[d]!, 0);
  forEachOffset(count, step.map((s, d) => s * st[d]!), base, (o) => { src[k++] = o; });
  return [gatherFlat(x, src, count)];
});
