/**
 * Bytes -> a checked ONNX graph: protobuf decoding (protobufjs, the schema in schema.ts), then
 * every structural check a corrupt or hostile file could fail, before anything is computed:
 * sizes against limits and against the bytes present, operators and attributes supported,
 * every input defined, each value produced once, no cycles, outputs reachable.
 */
import { Attributes } from './attributes.js';
import { OnnxError, nodeLabel } from './errors.js';
import { ModelProtoType, type GraphProto, type ModelProto, type ValueInfoProto } from './schema.js';
import { int64, tensorFromProto } from './tensor-proto.js';
import { OPERATORS, SUPPORTED_OPERATORS } from './ops/index.js';
import type { OnnxNode } from './ops/types.js';
import type { Value } from './value.js';

export interface OnnxLimits {
  /** Largest tensor, declared or computed, in elements (default 2^28: 1 GiB of float32). */
  maxTensorElements?: number;
  /** Largest number of nodes (default 100000). */
  maxNodes?: number;
}

/** A declared graph input or output: its name and shape (a string for a symbolic dim). */
export interface ValueInfo {
  readonly name: string;
  readonly shape: ReadonlyArray<number | string> | null;
  readonly elemType: number;
}

export interface DecodedGraph {
  readonly opset: number;
  readonly irVersion: number;
  readonly producer: string;
  readonly graphName: string;
  /** Graph inputs that are not initializers: what forward() takes, in order. */
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];
  readonly initializers: ReadonlyMap<string, Value>;
  /** Nodes in an order where every input is produced before it is used. */
  readonly nodes: readonly OnnxNode[];
}

export const DEFAULT_LIMITS = { maxTensorElements: 2 ** 28, maxNodes: 100_000 };

function decodeProto(bytes: Uint8Array, source: string): ModelProto {
  if (!(bytes instanceof Uint8Array)) throw new OnnxError(`loadOnnx: expected a path or a Uint8Array, got ${typeof bytes}`);
  if (bytes.length === 0) throw new OnnxError(`${source}: the file is empty`);
  try {
    return ModelProtoType.decode(bytes) as unknown as ModelProto;
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new OnnxError(`${source}: not a valid ONNX file (the protobuf data is truncated or corrupt: ${why})`);
  }
}

function valueInfo(v: ValueInfoProto): ValueInfo {
  const tt = v.type?.tensorType;
  const dims = tt?.shape?.dim;
  const shape = dims ? dims.map((d, i) => {
    if (d.dimParam) return d.dimParam;
    if (d.dimValue !== undefined && d.dimValue !== null) {
      const n = int64(d.dimValue, `value '${v.name}' dim ${i}`);
      return n >= 0 ? n : '?';
    }
    return '?';
  }) : null;
  return { name: v.name, shape, elemType: tt?.elemType ?? 0 };
}

function opsetOf(model: ModelProto, source: string): number {
  const entry = model.opsetImport.find((o) => o.domain === '' || o.domain === 'ai.onnx');
  if (!entry) throw new OnnxError(`${source}: the model imports no opset of the default ONNX domain`);
  const v = int64(entry.version, `${source}: opset version`);
  if (v < 7) throw new OnnxError(`${source}: opset ${v} is too old (dnnkit reads opset 7 and up; upgrade it with onnx.version_converter)`);
  return v;
}

/** Decode and check a model. `source` names the file in messages. */
export function decodeOnnx(bytes: Uint8Array, source = 'ONNX bytes', options: OnnxLimits = {}): DecodedGraph {
  const limits = { ...DEFAULT_LIMITS, ...options };
  const model = decodeProto(bytes, source);
  const graph: GraphProto | null | undefined = model.graph;
  if (!graph) throw new OnnxError(`${source}: the model has no graph`);
  const opset = opsetOf(model, source);
  if (graph.node.length > limits.maxNodes) {
    throw new OnnxError(`${source}: ${graph.node.length} nodes, more than the limit ${limits.maxNodes}`);
  }

  const initializers = new Map<string, Value>();
  for (const t of graph.initializer) {
    if (!t.name) throw new OnnxError(`${source}: an initializer has no name`);
    if (initializers.has(t.name)) throw new OnnxError(`${source}: initializer '${t.name}' is defined twice`);
    initializers.set(t.name, tensorFromProto(t, `${source}: initializer '${t.name}'`, { maxElements: limits.maxTensorElements }));
  }

  const defined = new Set<string>(initializers.keys());
  const inputs: ValueInfo[] = [];
  for (const v of graph.input) {
    if (!v.name) throw new OnnxError(`${source}: a graph input has no name`);
    if (initializers.has(v.name)) continue;   // IR < 4 lists initializers as inputs too
    if (defined.has(v.name)) throw new OnnxError(`${source}: graph input '${v.name}' is declared twice`);
    defined.add(v.name);
    inputs.push(valueInfo(v));
  }

  // Nodes: supported operators and attributes, input/output counts, single assignment.
  const unsupported: string[] = [];
  const nodes: OnnxNode[] = graph.node.map((n, index) => {
    const base = { index, name: n.name, opType: n.opType };
    const label = `${source}: ${nodeLabel(base)}`;
    const where = n.name ? `node '${n.name}'` : `node #${index}`;
    if (n.domain && n.domain !== 'ai.onnx') {
      unsupported.push(`${n.domain}.${n.opType} (${where})`);
    } else if (!Object.prototype.hasOwnProperty.call(OPERATORS, n.opType)) {
      unsupported.push(`${n.opType || '(empty op_type)'} (${where})`);
    }
    return { ...base, inputs: [...n.input], outputs: [...n.output], attrs: new Attributes(n.attribute, label), opset, label };
  });
  if (unsupported.length > 0) {
    const shown = unsupported.slice(0, 10).join(', ') + (unsupported.length > 10 ? `, and ${unsupported.length - 10} more` : '');
    throw new OnnxError(`${source}: unsupported operator${unsupported.length > 1 ? 's' : ''} ${shown}. Supported operators: ${SUPPORTED_OPERATORS.join(', ')}`);
  }

  const producer = new Map<string, OnnxNode>();
  for (const node of nodes) {
    const spec = OPERATORS[node.opType]!;
    for (const name of node.attrs.names()) {
      if (!spec.attributes.includes(name)) {
        throw new OnnxError(`${node.label}: attribute '${name}' is not supported (${node.opType} supports: ${spec.attributes.join(', ') || 'none'})`);
      }
    }
    const [minIn, maxIn] = spec.inputs, [minOut, maxOut] = spec.outputs;
    if (node.inputs.length < minIn || node.inputs.length > maxIn) {
      throw new OnnxError(`${node.label}: has ${node.inputs.length} inputs, expected ${minIn === maxIn ? minIn : `${minIn} to ${maxIn}`}`);
    }
    if (node.outputs.length < minOut || node.outputs.length > maxOut) {
      throw new OnnxError(`${node.label}: has ${node.outputs.length} outputs, expected ${minOut === maxOut ? minOut : `${minOut} to ${maxOut}`}`);
    }
    for (const out of node.outputs) {
      if (out === '') continue;
      if (defined.has(out) || producer.has(out)) {
        throw new OnnxError(`${node.label}: output '${out}' is already defined (by ${producer.get(out)?.label.replace(`${source}: `, '') ?? 'a graph input or initializer'})`);
      }
      producer.set(out, node);
    }
  }
  for (const node of nodes) {
    node.inputs.forEach((name, i) => {
      if (name !== '' && !defined.has(name) && !producer.has(name)) {
        throw new OnnxError(`${node.label}: input ${i} '${name}' is not produced by any node, initializer or graph input`);
      }
    });
  }

  const sorted = topologicalOrder(nodes, producer, source);
  const outputs = graph.output.map(valueInfo);
  if (outputs.length === 0) throw new OnnxError(`${source}: the graph declares no outputs`);
  for (const o of outputs) {
    if (!defined.has(o.name) && !producer.has(o.name)) {
      throw new OnnxError(`${source}: graph output '${o.name}' is not produced by any node`);
    }
  }
  return {
    opset, irVersion: int64(model.irVersion, `${source}: ir_version`), producer: `${model.producerName} ${model.producerVersion}`.trim(),
    graphName: graph.name, inputs, outputs, initializers, nodes: sorted,
  };
}

/**
 * The file's order when it is already topological (the ONNX spec requires it, and layers then
 * appear as written); otherwise Kahn's algorithm, where a leftover node means a cycle,
 * reported with the nodes on it.
 */
function topologicalOrder(nodes: readonly OnnxNode[], producer: ReadonlyMap<string, OnnxNode>, source: string): OnnxNode[] {
  const seen = new Set<OnnxNode>();
  const inOrder = nodes.every((n) => {
    const ok = n.inputs.every((name) => { const p = name === '' ? undefined : producer.get(name); return !p || seen.has(p); });
    seen.add(n);
    return ok;
  });
  if (inOrder) return [...nodes];
  const waiting = new Map<OnnxNode, number>();
  const consumers = new Map<OnnxNode, OnnxNode[]>();
  for (const node of nodes) {
    const deps = new Set<OnnxNode>();
    for (const name of node.inputs) {
      const p = name === '' ? undefined : producer.get(name);
      if (p) deps.add(p);
    }
    waiting.set(node, deps.size);
    for (const d of deps) {
      const list = consumers.get(d) ?? [];
      list.push(node);
      consumers.set(d, list);
    }
  }
  const ready = nodes.filter((n) => waiting.get(n) === 0);
  const order: OnnxNode[] = [];
  for (let i = 0; i < ready.length; i++) {
    const n = ready[i]!;
    order.push(n);
    for (const c of consumers.get(n) ?? []) {
      const left = waiting.get(c)! - 1;
      waiting.set(c, left);
      if (left === 0) ready.push(c);
    }
  }
  if (order.length !== nodes.length) {
    const stuck = nodes.filter((n) => waiting.get(n)! > 0);
    const names = stuck.slice(0, 5).map((n) => n.label.replace(`${source}: `, '')).join(', ');
    throw new OnnxError(`${source}: the graph has a cycle through ${names}${stuck.length > 5 ? ` and ${stuck.length - 5} more nodes` : ''}`);
  }
  return order;
}
