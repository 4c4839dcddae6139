/**
 * The ONNX loader fuzzer shared by test/onnx/fuzz.test.ts (bounded, in CI) and
 * scripts/fuzz-onnx.ts (long runs): mutate valid files (bit flips, byte overwrites,
 * truncations, splices of a chunk from elsewhere in the file, inserted random bytes), load
 * each, and run the model when it loads. Every outcome must be a result or an OnnxError;
 * anything else (a TypeError, a RangeError from a typed array, a hang, an out-of-memory) is a
 * finding.
 */
import fc from 'fast-check';
import { Tensor } from '../../src/tensor/tensor.js';
import { noGrad } from '../../src/autograd/graph.js';
import { loadOnnxBytes } from '../../src/io/onnx/load.js';
import { OnnxError } from '../../src/io/onnx/errors.js';
import { ModelProtoType } from '../../src/io/onnx/schema.js';

export type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'set'; at: number; value: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'splice'; from: number; to: number; length: number }
  | { kind: 'insert'; at: number; bytes: number[] };

/** Positions are fractions of the length, so one arbitrary serves files of any size. */
export const mutationArb: fc.Arbitrary<Mutation[]> = fc.array(fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('splice' as const), from: fc.nat(), to: fc.nat(), length: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 16 }) }),
), { minLength: 1, maxLength: 4 });

export function mutate(original: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let b = Uint8Array.from(original);
  for (const m of mutations) {
    if (b.length === 0) break;
    switch (m.kind) {
      case 'flip': b[m.at % b.length]! ^= 1 << m.bit; break;
      case 'set': b[m.at % b.length] = m.value; break;
      case 'truncate': b = b.subarray(0, m.at % b.length); break;
      case 'splice': {
        const from = m.from % b.length, to = m.to % b.length;
        const chunk = b.slice(from, from + m.length);
        b.set(chunk.subarray(0, Math.max(0, b.length - to)), to);
        break;
      }
      case 'insert': {
        const at = m.at % (b.length + 1);
        const out = new Uint8Array(b.length + m.bytes.length);
        out.set(b.subarray(0, at)); out.set(m.bytes, at); out.set(b.subarray(at), at + m.bytes.length);
        b = out;
        break;
      }
    }
  }
  return b;
}

export interface Outcome { loaded: boolean; ran: boolean; error?: string }

/**
 * Load (and run, if it loads) one mutated file. Returns what happened; throws if the failure
 * was anything but an OnnxError (a finding). Limits are small so a mutated size cannot make a
 * CI run allocate gigabytes.
 */
export function tryMutant(bytes: Uint8Array, input: Tensor): Outcome {
  let model;
  try {
    model = loadOnnxBytes(bytes, { source: 'mutant.onnx', maxTensorElements: 1 << 22, maxNodes: 5000 });
  } catch (e) {
    if (e instanceof OnnxError) return { loaded: false, ran: false, error: e.message };
    throw e;
  }
  try {
    noGrad(() => model.run({ [model.inputNames[0] ?? 'input']: input }));
    return { loaded: true, ran: true };
  } catch (e) {
    if (e instanceof OnnxError) return { loaded: true, ran: false, error: e.message };
    throw e;
  }
}

/**
 * Structure-aware mutations: decode the model, change what a byte flip rarely reaches intact
 * (attribute values, tensor dims, node wiring, operator types), encode it again.
 */
export type Edit =
  | { kind: 'attrInt'; node: number; attr: number; index: number; value: number }
  | { kind: 'dim'; init: number; index: number; value: number }
  | { kind: 'rewire'; node: number; input: number; source: number }
  | { kind: 'opType'; node: number; op: number }
  | { kind: 'dropInput'; node: number };

const interesting = fc.oneof(fc.integer({ min: -3, max: 12 }), fc.constantFrom(0, -1, 2 ** 31 - 1, -(2 ** 31), 2 ** 40, 65536, 1e9));
export const editArb: fc.Arbitrary<Edit[]> = fc.array(fc.oneof(
  fc.record({ kind: fc.constant('attrInt' as const), node: fc.nat(), attr: fc.nat(), index: fc.nat(), value: interesting }),
  fc.record({ kind: fc.constant('dim' as const), init: fc.nat(), index: fc.nat(), value: interesting }),
  fc.record({ kind: fc.constant('rewire' as const), node: fc.nat(), input: fc.nat(), source: fc.nat() }),
  fc.record({ kind: fc.constant('opType' as const), node: fc.nat(), op: fc.nat() }),
  fc.record({ kind: fc.constant('dropInput' as const), node: fc.nat() }),
), { minLength: 1, maxLength: 3 });

interface Obj { [k: string]: unknown }

export function edit(original: Uint8Array, edits: readonly Edit[], opTypes: readonly string[]): Uint8Array {
  const m = ModelProtoType.toObject(ModelProtoType.decode(original), { longs: Number, defaults: false }) as Obj;
  const g = m.graph as { node: Obj[]; initializer: Obj[] };
  const nodes = g.node ?? [], inits = g.initializer ?? [];
  const names = [...nodes.flatMap((n) => (n.output as string[]) ?? []), ...inits.map((t) => t.name as string)];
  for (const e of edits) {
    if (e.kind === 'dim') {
      if (!inits.length) continue;
      const t = inits[e.init % inits.length]!;
      const dims = (t.dims as number[]) ?? [];
      if (dims.length) dims[e.index % dims.length] = e.value;
    } else if (nodes.length) {
      const n = nodes[e.node % nodes.length]!;
      const inputs = (n.input as string[]) ?? [];
      if (e.kind === 'attrInt') {
        const attrs = (n.attribute as Obj[]) ?? [];
        if (!attrs.length) continue;
        const a = attrs[e.attr % attrs.length]!;
        if (Array.isArray(a.ints) && a.ints.length) (a.ints as number[])[e.index % a.ints.length] = e.value;
        else if (a.i !== undefined) a.i = e.value;
        else if (a.f !== undefined) a.f = e.value;
      } else if (e.kind === 'rewire' && inputs.length && names.length) {
        inputs[e.input % inputs.length] = names[e.source % names.length]!;
      } else if (e.kind === 'opType') {
        n.opType = opTypes[e.op % opTypes.length]!;
      } else if (e.kind === 'dropInput' && inputs.length) {
        inputs.pop();
      }
    }
  }
  return ModelProtoType.encode(ModelProtoType.fromObject(m)).finish();
}
