/**
 * One-node ONNX models for ONNX Runtime, encoded with dnnkit's own ONNX schema: a Conv whose
 * filters are an initializer (a deployed layer: ONNX Runtime may pre-pack them) and a MatMul of
 * two graph inputs (both operands change every call, as in dnnkit's matmul).
 */
import type { Conv2dParams } from '../src/einsum/types.js';
import { AttributeType, DataType, ModelProtoType } from '../src/io/onnx/schema.js';

function info(name: string, shape: readonly number[]): Record<string, unknown> {
  return { name, type: { tensorType: { elemType: DataType.FLOAT, shape: { dim: shape.map((d) => ({ dimValue: d })) } } } };
}

function floats(name: string, shape: readonly number[], data: Float32Array): Record<string, unknown> {
  const bytes = new Uint8Array(data.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat32(4 * i, data[i]!, true);
  return { name, dims: [...shape], dataType: DataType.FLOAT, rawData: bytes };
}

function model(graph: Record<string, unknown>): Uint8Array {
  const message = ModelProtoType.fromObject({
    irVersion: 7, producerName: 'dnnkit-bench', opsetImport: [{ domain: '', version: 13 }], graph,
  });
  return ModelProtoType.encode(message).finish();
}

const ints = (name: string, v: number[]): Record<string, unknown> => ({ name, type: AttributeType.INTS, ints: v });

/**
 * Conv X [N,C,H,W] with filters W [M,C/g,R,S] (no bias) -> Y [N,M,P,Q].
 * @example const bytes = convModel(params, weights); await ort.InferenceSession.create(bytes)
 */
export function convModel(p: Conv2dParams, w: Float32Array): Uint8Array {
  const wShape = [p.M, p.C / p.groups, p.R, p.S];
  return model({
    name: 'conv',
    node: [{
      opType: 'Conv', name: 'conv', input: ['X', 'W'], output: ['Y'],
      attribute: [
        ints('kernel_shape', [p.R, p.S]), ints('strides', [p.strideH, p.strideW]),
        ints('pads', [p.padTop, p.padLeft, p.padTop, p.padLeft]), ints('dilations', [p.dilationH, p.dilationW]),
        { name: 'group', type: AttributeType.INT, i: p.groups },
      ],
    }],
    initializer: [floats('W', wShape, w)],
    input: [info('X', [p.N, p.C, p.H, p.W])],
    output: [info('Y', [p.N, p.M, p.P, p.Q])],
  });
}

/** MatMul A [M,K] x B [K,N] -> Y [M,N]. */
export function matmulModel(M: number, K: number, N: number): Uint8Array {
  return model({
    name: 'matmul',
    node: [{ opType: 'MatMul', name: 'matmul', input: ['A', 'B'], output: ['Y'], attribute: [] }],
    input: [info('A', [M, K]), info('B', [K, N])],
    output: [info('Y', [M, N])],
  });
}
