/**
 * Test helper: hand-built ONNX models (through the same protobuf schema the loader uses), for
 * operator tests against ONNX Runtime and for the malformed-file tests.
 */
import { ModelProtoType, AttributeType, DataType } from '../../src/io/onnx/schema.js';

export type AttrValue = number | string | number[] | { f: number } | { floats: number[] } | { tensor: TensorSpec };
export interface TensorSpec { dims: number[]; data?: number[]; int64?: boolean; raw?: Uint8Array }
export interface NodeSpec { op: string; inputs: string[]; outputs: string[]; name?: string; attrs?: Record<string, AttrValue>; domain?: string }
export interface ModelSpec {
  nodes: NodeSpec[];
  inputs: Array<{ name: string; shape: Array<number | string> }>;
  outputs: string[];
  initializers?: Record<string, TensorSpec>;
  opset?: number;
}

function tensorProto(name: string, t: TensorSpec): Record<string, unknown> {
  if (t.raw) return { name, dims: t.dims, dataType: t.int64 ? DataType.INT64 : DataType.FLOAT, rawData: t.raw };
  return t.int64
    ? { name, dims: t.dims, dataType: DataType.INT64, int64Data: t.data ?? [] }
    : { name, dims: t.dims, dataType: DataType.FLOAT, floatData: t.data ?? [] };
}

function attribute(name: string, v: AttrValue): Record<string, unknown> {
  if (typeof v === 'string') return { name, type: AttributeType.STRING, s: new TextEncoder().encode(v) };
  if (typeof v === 'number') {
    // Float attributes by name (the ONNX specs'); everything else numeric is an INT.
    return Number.isInteger(v) && !/^(alpha|beta|epsilon|momentum|value|min|max|ratio|cubic_coeff_a|extrapolation_value|value_float)$/.test(name)
      ? { name, type: AttributeType.INT, i: v }
      : { name, type: AttributeType.FLOAT, f: v };
  }
  if (Array.isArray(v)) return { name, type: AttributeType.INTS, ints: v };
  if ('f' in v) return { name, type: AttributeType.FLOAT, f: v.f };
  if ('floats' in v) return { name, type: AttributeType.FLOATS, floats: v.floats };
  return { name, type: AttributeType.TENSOR, t: tensorProto('', v.tensor) };
}

export function buildModel(spec: ModelSpec): Uint8Array {
  const msg = ModelProtoType.fromObject({
    irVersion: 7,
    producerName: 'dnnkit-test',
    opsetImport: [{ domain: '', version: spec.opset ?? 13 }],
    graph: {
      name: 'test',
      node: spec.nodes.map((n, i) => ({
        opType: n.op, input: n.inputs, output: n.outputs, name: n.name ?? `n${i}`, domain: n.domain ?? '',
        attribute: Object.entries(n.attrs ?? {}).map(([k, v]) => attribute(k, v)),
      })),
      initializer: Object.entries(spec.initializers ?? {}).map(([k, t]) => tensorProto(k, t)),
      input: spec.inputs.map((i) => ({
        name: i.name,
        type: { tensorType: { elemType: DataType.FLOAT, shape: { dim: i.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
      })),
      output: spec.outputs.map((name) => ({ name, type: { tensorType: { elemType: DataType.FLOAT } } })),
    },
  });
  return ModelProtoType.encode(msg).finish();
}

/** Deterministic pseudo-random values in [-1, 1). */
export function values(n: number, seed = 1): number[] {
  let s = seed >>> 0 || 1;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32) * 2 - 1;
  });
}
