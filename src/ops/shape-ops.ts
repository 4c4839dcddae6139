/** Shape ops: reshape/flatten (share data), permute/transpose/slice/concat (copy). */
import { Tensor } from '../tensor/tensor.js';
import { formatShape, normalizeDim, resolveReshape, sizeOf, stridesOf } from '../tensor/shape.js';
import { recordOp } from '../autograd/graph.js';
import { checkTensor } from './util.js';

/** Same data, new shape (one dim may be -1). @example x.reshape([2, -1]) */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  checkTensor(x, 'reshape', 'input');
  const target = resolveReshape(x.shape, shape, 'reshape');
  const out = new Tensor(x.data, target);
  return recordOp(out, 'reshape', [x], (g) => [new Tensor(g.data, x.shape)]);
}

/** Merge dims startDim..endDim into one. @example x.flatten(1) // [N, C*H*W] */
export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  checkTensor(x, 'flatten', 'input');
  if (x.ndim === 0) return reshape(x, [1]);
  const s = normalizeDim(startDim, x.ndim, 'flatten'), e = normalizeDim(endDim, x.ndim, 'flatten');
  if (s > e) throw new Error(`flatten: startDim ${startDim} comes after endDim ${endDim} for shape ${formatShape(x.shape)}`);
  const shape = [...x.shape.slice(0, s), sizeOf(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)];
  return reshape(x, shape);
}

function permuteData(data: Float32Array, shape: readonly number[], dims: readonly number[]): { data: Float32Array; shape: number[] } {
  const outShape = dims.map((d) => shape[d]!);
  const inStrides = stridesOf(shape);
  const stride = dims.map((d) => inStrides[d]!);
  const out = new Float32Array(data.length);
  const rank = dims.length;
  if (rank === 0 || data.length === 0) return { data: Float32Array.from(data), shape: outShape };
  const idx = new Array<number>(rank).fill(0);
  let off = 0;
  for (let o = 0; o < out.length; o++) {
    out[o] = data[off]!;
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]!++;
      off += stride[d]!;
      if (idx[d]! < outShape[d]!) break;
      off -= stride[d]! * idx[d]!;
      idx[d] = 0;
    }
  }
  return { data: out, shape: outShape };
}

/** Reorder dimensions. @example x.permute([0, 2, 3, 1]) // NCHW -> NHWC */
export function permute(x: Tensor, dims: readonly number[]): Tensor {
  checkTensor(x, 'permute', 'input');
  const norm = dims.map((d) => normalizeDim(d, x.ndim, 'permute'));
  if (norm.length !== x.ndim || new Set(norm).size !== norm.length) {
    throw new Error(`permute: dims [${dims.join(',')}] must be a permutation of 0..${x.ndim - 1} for shape ${formatShape(x.shape)}`);
  }
  const { data, shape } = permuteData(x.data, x.shape, norm);
  const inverse = new Array<number>(norm.length);
  norm.forEach((d, i) => { inverse[d] = i; });
  const out = new Tensor(data, shape);
  return recordOp(out, 'permute', [x], (g) => {
    const back = permuteData(g.data, g.shape, inverse);
    return [new Tensor(back.data, back.shape)];
  });
}

/** Swap two dimensions. @example w.transpose(0, 1) */
export function transpose(x: Tensor, dim0 = -2, dim1 = -1): Tensor {
  checkTensor(x, 'transpose', 'input');
  if (x.ndim < 2) return x;
  const a = normalizeDim(dim0, x.ndim, 'transpose'), b = normalizeDim(dim1, x.ndim, 'transpose');
  const dims = x.shape.map((_, i) => i);
  dims[a] = b; dims[b] = a;
  return permute(x, dims);
}

/** Elements start..end-1 along dim (negative indices count from the end). */
export function slice(x: Tensor, dim: number, start: number, end?: number): Tensor {
  checkTensor(x, 'slice', 'input');
  const d = normalizeDim(dim, x.ndim, 'slice');
  const len = x.shape[d]!;
  const clamp = (i: number): number => Math.min(Math.max(i < 0 ? i + len : i, 0), len);
  const s = clamp(start), e = clamp(end ?? len);
  if (!Number.isInteger(start) || (end !== undefined && !Number.isInteger(end))) {
    throw new Error(`slice: start and end must be integers, got ${start} and ${end}`);
  }
  const n = Math.max(0, e - s);
  const outer = sizeOf(x.shape.slice(0, d)), inner = sizeOf(x.shape.slice(d + 1));
  const shape = [...x.shape]; shape[d] = n;
  const out = new Float32Array(outer * n * inner);
  for (let o = 0; o < outer; o++) {
    out.set(x.data.subarray((o * len + s) * inner, (o * len + s + n) * inner), o * n * inner);
  }
  const result = new Tensor(out, shape);
  return recordOp(result, 'slice', [x], (g) => {
    const gx = new Float32Array(x.size);
    for (let o = 0; o < outer; o++) gx.set(g.data.subarray(o * n * inner, (o + 1) * n * inner), (o * len + s) * inner);
    return [new Tensor(gx, x.shape)];
  });
}

/** Insert a size-1 dimension. */
export function unsqueeze(x: Tensor, dim: number): Tensor {
  const d = normalizeDim(dim, x.ndim + 1, 'unsqueeze');
  const shape = [...x.shape]; shape.splice(d, 0, 1);
  return reshape(x, shape);
}

/** Remove size-1 dimensions (all, or the given one). */
export function squeeze(x: Tensor, dim?: number): Tensor {
  if (dim === undefined) return reshape(x, x.shape.filter((s) => s !== 1));
  const d = normalizeDim(dim, x.ndim, 'squeeze');
  return x.shape[d] === 1 ? reshape(x, x.shape.filter((_, i) => i !== d)) : x;
}

/**
 * Join tensors along an existing dimension (torch.cat).
 * @example concat([a, b], 1) // channels of a then b
 */
export function concat(tensors: readonly Tensor[], dim = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new Error('concat: expected a non-empty array of tensors');
  tensors.forEach((t, i) => checkTensor(t, 'concat', `tensors[${i}]`));
  const first = tensors[0]!;
  const d = normalizeDim(dim, first.ndim, 'concat');
  tensors.forEach((t, i) => {
    if (t.ndim !== first.ndim || t.shape.some((s: number, k: number) => k !== d && s !== first.shape[k])) {
      throw new Error(`concat: tensors[${i}] has shape ${formatShape(t.shape)}, incompatible with tensors[0] ${formatShape(first.shape)} along dim ${d}`);
    }
  });
  const outer = sizeOf(first.shape.slice(0, d)), inner = sizeOf(first.shape.slice(d + 1));
  const total = tensors.reduce((s, t) => s + t.shape[d]!, 0);
  const shape = [...first.shape]; shape[d] = total;
  const out = new Float32Array(outer * total * inner);
  let at = 0;
  for (const t of tensors) {
    const chunk = t.shape[d]! * inner;
    for (let o = 0; o < outer; o++) out.set(t.data.subarray(o * chunk, (o + 1) * chunk), o * total * inner + at);
    at += chunk;
  }
  const result = new Tensor(out, shape);
  return recordOp(result, 'concat', tensors, (g) => {
    let offset = 0;
    return tensors.map((t) => {
      const chunk = t.shape[d]! * inner;
      const gt = new Float32Array(t.size);
      for (let o = 0; o < outer; o++) gt.set(g.data.subarray(o * total * inner + offset, o * total * inner + offset + chunk), o * chunk);
      offset += chunk;
      return new Tensor(gt, t.shape);
    });
  });
}

/** Stack equal-shaped tensors along a new dimension. */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new Error('stack: expected a non-empty array of tensors');
  return concat(tensors.map((t) => unsqueeze(t, dim)), dim);
}
