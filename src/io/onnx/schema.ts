/**
 * The subset of the ONNX protobuf schema (onnx/onnx.proto, IR version 8) that dnnkit reads
 * and writes, as a protobufjs JSON descriptor. Field numbers are the official ones: a file
 * written by any ONNX exporter decodes here, and what dnnkit writes decodes anywhere. Fields
 * dnnkit does not model (training_info, functions, sparse tensors, ...) are skipped by the
 * decoder as unknown fields, which protobuf allows.
 *
 * The codecs are protobufjs's static code generated from this descriptor (onnx-proto.ts, by
 * scripts/make-onnx-proto.ts): protobufjs's run-time reflection would build them with
 * Function(), which the browser app's Content-Security-Policy (no 'unsafe-eval') forbids.
 */
import { onnx } from './onnx-proto.js';

const rep = 'repeated' as const;
/** ONNX's onnx.proto is proto2 with `[packed = true]` only on TensorProto's numeric data. */
const packed = { packed: true };
const unpacked = { packed: false };

export const onnxDescriptor = {
  nested: {
    onnx: {
      nested: {
        AttributeProto: {
          fields: {
            name: { type: 'string', id: 1 },
            refAttrName: { type: 'string', id: 21 },
            docString: { type: 'string', id: 13 },
            type: { type: 'AttributeType', id: 20 },
            f: { type: 'float', id: 2 },
            i: { type: 'int64', id: 3 },
            s: { type: 'bytes', id: 4 },
            t: { type: 'TensorProto', id: 5 },
            g: { type: 'GraphProto', id: 6 },
            floats: { rule: rep, type: 'float', id: 7, options: unpacked },
            ints: { rule: rep, type: 'int64', id: 8, options: unpacked },
            strings: { rule: rep, type: 'bytes', id: 9 },
            tensors: { rule: rep, type: 'TensorProto', id: 10 },
            graphs: { rule: rep, type: 'GraphProto', id: 11 },
          },
          nested: {
            AttributeType: {
              values: {
                UNDEFINED: 0, FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, SPARSE_TENSOR: 11,
                TYPE_PROTO: 13, FLOATS: 6, INTS: 7, STRINGS: 8, TENSORS: 9, GRAPHS: 10,
                SPARSE_TENSORS: 12, TYPE_PROTOS: 14,
              },
            },
          },
        },
        ValueInfoProto: {
          fields: {
            name: { type: 'string', id: 1 },
            type: { type: 'TypeProto', id: 2 },
            docString: { type: 'string', id: 3 },
          },
        },
        NodeProto: {
          fields: {
            input: { rule: rep, type: 'string', id: 1 },
            output: { rule: rep, type: 'string', id: 2 },
            name: { type: 'string', id: 3 },
            opType: { type: 'string', id: 4 },
            domain: { type: 'string', id: 7 },
            attribute: { rule: rep, type: 'AttributeProto', id: 5 },
            docString: { type: 'string', id: 6 },
          },
        },
        StringStringEntryProto: {
          fields: {
            key: { type: 'string', id: 1 },
            value: { type: 'string', id: 2 },
          },
        },
        ModelProto: {
          fields: {
            irVersion: { type: 'int64', id: 1 },
            opsetImport: { rule: rep, type: 'OperatorSetIdProto', id: 8 },
            producerName: { type: 'string', id: 2 },
            producerVersion: { type: 'string', id: 3 },
            domain: { type: 'string', id: 4 },
            modelVersion: { type: 'int64', id: 5 },
            docString: { type: 'string', id: 6 },
            graph: { type: 'GraphProto', id: 7 },
            metadataProps: { rule: rep, type: 'StringStringEntryProto', id: 14 },
          },
        },
        GraphProto: {
          fields: {
            node: { rule: rep, type: 'NodeProto', id: 1 },
            name: { type: 'string', id: 2 },
            initializer: { rule: rep, type: 'TensorProto', id: 5 },
            docString: { type: 'string', id: 10 },
            input: { rule: rep, type: 'ValueInfoProto', id: 11 },
            output: { rule: rep, type: 'ValueInfoProto', id: 12 },
            valueInfo: { rule: rep, type: 'ValueInfoProto', id: 13 },
          },
        },
        TensorProto: {
          fields: {
            dims: { rule: rep, type: 'int64', id: 1, options: unpacked },
            dataType: { type: 'int32', id: 2 },
            segment: { type: 'Segment', id: 3 },
            floatData: { rule: rep, type: 'float', id: 4, options: packed },
            int32Data: { rule: rep, type: 'int32', id: 5, options: packed },
            stringData: { rule: rep, type: 'bytes', id: 6 },
            int64Data: { rule: rep, type: 'int64', id: 7, options: packed },
            name: { type: 'string', id: 8 },
            docString: { type: 'string', id: 12 },
            rawData: { type: 'bytes', id: 9 },
            externalData: { rule: rep, type: 'StringStringEntryProto', id: 13 },
            dataLocation: { type: 'DataLocation', id: 14 },
            doubleData: { rule: rep, type: 'double', id: 10, options: packed },
            uint64Data: { rule: rep, type: 'uint64', id: 11, options: packed },
          },
          nested: {
            Segment: {
              fields: {
                begin: { type: 'int64', id: 1 },
                end: { type: 'int64', id: 2 },
              },
            },
            DataType: {
              values: {
                UNDEFINED: 0, FLOAT: 1, UINT8: 2, INT8: 3, UINT16: 4, INT16: 5, INT32: 6, INT64: 7,
                STRING: 8, BOOL: 9, FLOAT16: 10, DOUBLE: 11, UINT32: 12, UINT64: 13, COMPLEX64: 14,
                COMPLEX128: 15, BFLOAT16: 16,
              },
            },
            DataLocation: { values: { DEFAULT: 0, EXTERNAL: 1 } },
          },
        },
        TensorShapeProto: {
          fields: {
            dim: { rule: rep, type: 'Dimension', id: 1 },
          },
          nested: {
            Dimension: {
              oneofs: { value: { oneof: ['dimValue', 'dimParam'] } },
              fields: {
                dimValue: { type: 'int64', id: 1 },
                dimParam: { type: 'string', id: 2 },
                denotation: { type: 'string', id: 3 },
              },
            },
          },
        },
        TypeProto: {
          oneofs: { value: { oneof: ['tensorType'] } },
          fields: {
            tensorType: { type: 'Tensor', id: 1 },
            denotation: { type: 'string', id: 6 },
          },
          nested: {
            Tensor: {
              fields: {
                elemType: { type: 'int32', id: 1 },
                shape: { type: 'TensorShapeProto', id: 2 },
              },
            },
          },
        },
        OperatorSetIdProto: {
          fields: {
            domain: { type: 'string', id: 1 },
            version: { type: 'int64', id: 2 },
          },
        },
      },
    },
  },
};

/** What dnnkit uses of a generated message class. */
export interface MessageCodec {
  decode(bytes: Uint8Array): unknown;
  encode(message: unknown): { finish(): Uint8Array };
  fromObject(object: Record<string, unknown>): unknown;
  toObject(message: unknown, options?: { longs?: unknown; defaults?: boolean }): Record<string, unknown>;
}

/** The ModelProto codec (the root message of an .onnx file). */
export const ModelProtoType = (onnx as unknown as { ModelProto: MessageCodec }).ModelProto;

/** ONNX TensorProto.DataType values dnnkit meets. */
export const DataType = {
  UNDEFINED: 0, FLOAT: 1, UINT8: 2, INT8: 3, UINT16: 4, INT16: 5, INT32: 6, INT64: 7, STRING: 8,
  BOOL: 9, FLOAT16: 10, DOUBLE: 11, UINT32: 12, UINT64: 13,
} as const;

/** AttributeProto.AttributeType values. */
export const AttributeType = {
  UNDEFINED: 0, FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8,
  TENSORS: 9, GRAPHS: 10,
} as const;

/** An int64 as protobufjs decodes it: a number, or a Long when the `long` package is present. */
export type Int64 = number | { low: number; high: number; unsigned: boolean; toNumber(): number };

// The shapes of decoded messages (protobufjs fills defaults for absent scalar fields and
// empty arrays for absent repeated fields).
export interface TensorProto {
  dims: Int64[]; dataType: number; name: string;
  floatData: number[]; int32Data: number[]; int64Data: Int64[]; doubleData: number[]; uint64Data: Int64[];
  stringData: Uint8Array[]; rawData: Uint8Array; dataLocation: number;
  segment?: unknown | null;
  externalData: Array<{ key: string; value: string }>;
}
export interface AttributeProto {
  name: string; type: number; refAttrName: string;
  f: number; i: Int64; s: Uint8Array; t?: TensorProto | null; g?: GraphProto | null;
  floats: number[]; ints: Int64[]; strings: Uint8Array[]; tensors: TensorProto[]; graphs: GraphProto[];
}
export interface NodeProto {
  input: string[]; output: string[]; name: string; opType: string; domain: string; attribute: AttributeProto[];
}
export interface DimensionProto { dimValue?: Int64 | null; dimParam?: string | null; value?: string }
export interface TypeProto {
  tensorType?: { elemType: number; shape?: { dim: DimensionProto[] } | null } | null;
}
export interface ValueInfoProto { name: string; type?: TypeProto | null }
export interface GraphProto {
  node: NodeProto[]; name: string; initializer: TensorProto[];
  input: ValueInfoProto[]; output: ValueInfoProto[]; valueInfo: ValueInfoProto[];
}
export interface ModelProto {
  irVersion: Int64; opsetImport: Array<{ domain: string; version: Int64 }>;
  producerName: string; producerVersion: string; graph?: GraphProto | null;
}
