/**
 * TensorProto <-> dnnkit values. Reading checks every declared size against a limit and
 * against the bytes actually present before allocating, so a corrupt or hostile file fails
 * with a message instead of exhausting memory.
 */
import { Tensor } from '../../tensor/tensor.js';
import { OnnxError } from './errors.js';
import { DataType, type Int64, type TensorProto } from './schema.js';
import { IntTensor, type Value } from './value.js';
import { sizeOf } from '../../tensor/shape.js';

/** Convert a decoded int64 to a JavaScript number, refusing values that do not fit exactly. */
export function int64(v: Int64 | null | undefined, what: string): number {
  if (v === null || v === undefined) return 0;
  const n = typeof v === 'number' ? v : v.toNumber();
  if (!Number.isSafeInteger(n)) {
    // int64 extremes are used as "to the end" markers (Slice ends = INT64_MAX); clamp them.
    if (Number.isFinite(n) && Math.abs(n) >= 2 ** 53) return n > 0 ? Number.MAX_SAFE_INTEGER : -Number.MAX_SAFE_INTEGER;
    throw new OnnxError(`${what}: ${String(v)} is not an integer`);
  }
  return n;
}

const DTYPE_NAMES: Record<number, string> = {
  0: 'UNDEFINED', 1: 'FLOAT', 2: 'UINT8', 3: 'INT8', 4: 'UINT16', 5: 'INT16', 6: 'INT32', 7: 'INT64',
  8: 'STRING', 9: 'BOOL', 10: 'FLOAT16', 11: 'DOUBLE', 12: 'UINT32', 13: 'UINT64', 14: 'COMPLEX64',
  15: 'COMPLEX128', 16: 'BFLOAT16',
};
export function dataTypeName(t: number): string { return DTYPE_NAMES[t] ?? `type ${t}`; }

/** Bytes per element in raw_data. */
const ELEMENT_BYTES: Record<number, number> = {
  [DataType.FLOAT]: 4, [DataType.UINT8]: 1, [DataType.INT8]: 1, [DataType.UINT16]: 2, [DataType.INT16]: 2,
  [DataType.INT32]: 4, [DataType.INT64]: 8, [DataType.BOOL]: 1, [DataType.FLOAT16]: 2, [DataType.DOUBLE]: 8,
  [DataType.UINT32]: 4, [DataType.UINT64]: 8, 16: 2,
};

export function isFloatType(t: number): boolean {
  return t === DataType.FLOAT || t === DataType.DOUBLE || t === DataType.FLOAT16 || t === 16;
}

export interface TensorLimits {
  /** Largest number of elements one tensor may declare. */
  maxElements: number;
}

/** Dims of a TensorProto, each a non-negative integer, with the element count checked. */
export function checkedDims(dims: readonly Int64[], what: string, limits: TensorLimits): number[] {
  if (dims.length > 32) throw new OnnxError(`${what}: ${dims.length} dimensions (at most 32 supported)`);
  const out = dims.map((d, i) => {
    const n = int64(d, `${what} dim ${i}`);
    if (n < 0) throw new OnnxError(`${what}: dimension ${i} is ${n}, expected >= 0`);
    return n;
  });
  let count = 1;
  for (const d of out) {
    count *= d;
    if (count > limits.maxElements) {
      throw new OnnxError(`${what}: declared shape [${out.join(',')}] has more than ${limits.maxElements} elements (the limit; raise it with the maxTensorElements option)`);
    }
  }
  return out;
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Read `count` little-endian elements of type `t` from raw bytes. */
function readRaw(raw: Uint8Array, t: number, count: number): ArrayLike<number> {
  // Copy into a fresh, aligned buffer: raw_data is a view into the file at any offset.
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  switch (t) {
    case DataType.FLOAT: {
      // Fast path on little-endian hosts (all current ones): one aligned copy.
      if (LITTLE_ENDIAN) {
        const copy = new Uint8Array(count * 4);
        copy.set(raw.subarray(0, count * 4));
        return new Float32Array(copy.buffer);
      }
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(4 * i, true);
      return out;
    }
    case DataType.DOUBLE: return Array.from({ length: count }, (_, i) => view.getFloat64(8 * i, true));
    case DataType.FLOAT16: return Array.from({ length: count }, (_, i) => halfToFloat(view.getUint16(2 * i, true)));
    case 16: return Array.from({ length: count }, (_, i) => new Float32Array(new Uint32Array([view.getUint16(2 * i, true) << 16]).buffer)[0]!);
    case DataType.INT64: case DataType.UINT64: {
      const out = new Array<number>(count);
      for (let i = 0; i < count; i++) {
        const big = t === DataType.INT64 ? view.getBigInt64(8 * i, true) : view.getBigUint64(8 * i, true);
        const n = Number(big);
        out[i] = Math.max(-Number.MAX_SAFE_INTEGER, Math.min(Number.MAX_SAFE_INTEGER, n));
      }
      return out;
    }
    case DataType.INT32: return Array.from({ length: count }, (_, i) => view.getInt32(4 * i, true));
    case DataType.UINT32: return Array.from({ length: count }, (_, i) => view.getUint32(4 * i, true));
    case DataType.INT16: return Array.from({ length: count }, (_, i) => view.getInt16(2 * i, true));
    case DataType.UINT16: return Array.from({ length: count }, (_, i) => view.getUint16(2 * i, true));
    case DataType.INT8: return Array.from({ length: count }, (_, i) => view.getInt8(i));
    case DataType.UINT8: case DataType.BOOL: return Array.from({ length: count }, (_, i) => view.getUint8(i));
    default: throw new OnnxError(`unsupported data type ${dataTypeName(t)}`);
  }
}

/**
 * A TensorProto as a dnnkit value: float types become a float32 Tensor, integer and boolean
 * types an IntTensor. `what` names the tensor in errors.
 */
export function tensorFromProto(p: TensorProto, what: string, limits: TensorLimits): Value {
  const t = p.dataType;
  if (!(t in ELEMENT_BYTES)) {
    throw new OnnxError(`${what}: data type ${dataTypeName(t)} is not supported (supported: FLOAT, DOUBLE, FLOAT16, BFLOAT16, INT8..INT64, UINT8..UINT64, BOOL)`);
  }
  if (p.dataLocation === 1 || p.externalData.length > 0) {
    const loc = p.externalData.find((e) => e.key === 'location')?.value ?? '?';
    throw new OnnxError(`${what}: weights stored in an external file ('${loc}') are not supported; re-save the model with onnx.save(model, path, save_as_external_data=False)`);
  }
  if (p.segment) throw new OnnxError(`${what}: segmented tensors are not supported`);
  const shape = checkedDims(p.dims, what, limits);
  const count = sizeOf(shape);
  let values: ArrayLike<number>;
  const raw = p.rawData;
  if (raw && raw.length > 0) {
    const need = count * ELEMENT_BYTES[t]!;
    if (raw.length !== need) {
      throw new OnnxError(`${what}: shape [${shape.join(',')}] of ${dataTypeName(t)} needs ${need} bytes of raw_data, the file has ${raw.length}`);
    }
    values = readRaw(raw, t, count);
  } else {
    let field: ArrayLike<number | Int64>;
    let name: string;
    switch (t) {
      case DataType.FLOAT: field = p.floatData; name = 'float_data'; break;
      case DataType.DOUBLE: field = p.doubleData; name = 'double_data'; break;
      case DataType.INT64: field = p.int64Data; name = 'int64_data'; break;
      case DataType.UINT32: case DataType.UINT64: field = p.uint64Data; name = 'uint64_data'; break;
      // Everything narrower, FLOAT16 and BFLOAT16 (as their bits) included, lives in int32_data.
      default: field = p.int32Data; name = 'int32_data';
    }
    if (field.length !== count) {
      throw new OnnxError(`${what}: shape [${shape.join(',')}] needs ${count} elements, ${name} has ${field.length}`);
    }
    const nums = Array.from(field as ArrayLike<Int64>, (v, i) => (typeof v === 'number' ? v : int64(v, `${what} element ${i}`)));
    if (t === DataType.FLOAT16) values = nums.map(halfToFloat);
    else if (t === 16) values = nums.map((b) => new Float32Array(new Uint32Array([b << 16]).buffer)[0]!);
    else values = nums;
  }
  if (isFloatType(t)) {
    return new Tensor(values instanceof Float32Array ? values : Float32Array.from(values), shape);
  }
  const ints = Array.from(values, (v) => (t === DataType.BOOL ? (v ? 1 : 0) : v));
  return new IntTensor(shape, ints, t);
}

/** A float32 tensor as a TensorProto object (raw_data, little-endian), ready for encoding. */
export function protoFromTensor(name: string, t: Tensor): Record<string, unknown> {
  const bytes = new Uint8Array(t.size * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < t.size; i++) view.setFloat32(4 * i, t.data[i]!, true);
  return { name, dims: [...t.shape], dataType: DataType.FLOAT, rawData: bytes };
}

/** An int64 tensor as a TensorProto object. */
export function protoFromInts(name: string, shape: readonly number[], values: readonly number[]): Record<string, unknown> {
  const bytes = new Uint8Array(values.length * 8);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => view.setBigInt64(8 * i, BigInt(v), true));
  return { name, dims: [...shape], dataType: DataType.INT64, rawData: bytes };
}
