/**
 * OnnxModel: an imported ONNX graph as a dnnkit Module. Nodes that are layers (Conv, Gemm,
 * pools, BatchNormalization, activations, ...) are nn modules holding the weights, registered
 * as children in graph order, so `parameters()`, `stateDict()`, `train()` and `summary` see an
 * ordinary model; the graph itself (branches, adds, concats, shape arithmetic) runs in
 * `forward`. Shape subgraphs whose inputs are all constants are folded once, at load time.
 */
import { Tensor } from '../../tensor/tensor.js';
import { Module } from '../../nn/module.js';
import { convFusesWithRelu } from '../../nn/container.js';
import { OnnxError } from './errors.js';
import { DEFAULT_LIMITS, type DecodedGraph, type OnnxLimits, type ValueInfo } from './decode.js';
import { OPERATORS } from './ops/index.js';
import { ModelProtoType } from './schema.js';
import { protoFromTensor } from './tensor-proto.js';
import type { OnnxNode, Prepared } from './ops/types.js';
import { IntTensor, toFloat, type Value } from './value.js';

interface Step { node: OnnxNode; prepared: Prepared }

/**
 * Where a node's layer lives in the module tree, as PyTorch's names: the weight's name
 * (`features.0.weight` -> features.0), else the exporter's scope in the node name
 * (`/layer1/layer1.0/conv1/Conv` -> layer1.0.conv1; dnnkit writes `features.0/Conv`), else
 * OpType_index. Segments are made safe as Module field names.
 */
export function layerPath(node: OnnxNode): string[] {
  const weight = node.inputs[1];
  let dotted = '';
  if (node.inputs.length > 1 && weight && /^[A-Za-z_][\w.]*\.weight$/.test(weight)) dotted = weight.replace(/\.weight$/, '');
  else if (node.name.includes('/')) {
    const scopes = node.name.split('/').filter((x) => x !== '');
    scopes.pop();   // the op itself
    // PyTorch names a Sequential's child scope `seq.0` after its parent's last component.
    dotted = scopes.reduce((acc, seg) => {
      const last = acc.split('.').pop() ?? '';
      if (acc && seg.startsWith(`${last}.`)) return acc.slice(0, acc.length - last.length) + seg;
      return acc ? `${acc}.${seg}` : seg;
    }, '');
  }
  const segments = dotted.split('.').map((seg) => seg.replace(/[^A-Za-z0-9_]+/g, '_')).filter((seg) => seg !== '');
  return segments.length ? segments : [`${node.opType}_${node.index}`];
}

/** A grouping of imported layers under one name (a PyTorch submodule's scope); never called. */
export class OnnxScope extends Module {
  override forward(): never {
    throw new OnnxError('an ONNX scope groups layers of an imported graph and cannot be called on its own');
  }
}

/** Register `layer` under `path` below `root`, creating scopes, renaming on any clash. */
function place(root: Module, path: string[], layer: Module): void {
  const free = (m: Module, name: string): boolean => !(name in m);
  let parent = root;
  for (const seg of path.slice(0, -1)) {
    const existing = (parent as unknown as Record<string, unknown>)[seg];
    if (existing instanceof OnnxScope) { parent = existing; continue; }
    if (!free(parent, seg)) { parent = root; path = [path.join('_')]; break; }
    const scope = new OnnxScope();
    parent.registerModule(seg, scope);
    parent = scope;
  }
  const base = path[path.length - 1]!;
  let name = base;
  for (let k = 1; !free(parent, name); k++) name = `${base}_${k}`;
  parent.registerModule(name, layer);
}

export class OnnxModel extends Module {
  /** The declared graph inputs (forward takes them in this order) and outputs. */
  readonly inputInfo: readonly ValueInfo[];
  readonly outputInfo: readonly ValueInfo[];
  readonly opset: number;
  readonly producer: string;
  readonly #steps: Step[] = [];
  readonly #constants = new Map<string, Value>();
  /** For each value, the index of the last step that reads it (to free it early). */
  readonly #lastUse = new Map<string, number>();
  readonly #maxElements: number;
  readonly #source: string;
  /** The file, and which of its tensors now live in layers (written back by toOnnxBytes). */
  readonly #bytes: Uint8Array | null;
  readonly #bindings = new Map<string, { tensor: Tensor; transposed: boolean }>();

  constructor(graph: DecodedGraph, source: string, options: OnnxLimits & { bytes?: Uint8Array } = {}) {
    super();
    this.inputInfo = graph.inputs;
    this.outputInfo = graph.outputs;
    this.opset = graph.opset;
    this.producer = graph.producer;
    this.#source = source;
    this.#bytes = options.bytes ?? null;
    this.#maxElements = options.maxTensorElements ?? DEFAULT_LIMITS.maxTensorElements;
    const limits = { maxElements: this.#maxElements };
    for (const [k, v] of graph.initializers) this.#constants.set(k, v);
    for (const node of graph.nodes) {
      const spec = OPERATORS[node.opType]!;
      const constant = (i: number): Value | undefined => {
        const name = node.inputs[i];
        return name ? this.#constants.get(name) : undefined;
      };
      const prepared = spec.prepare({ node, constant, limits });
      const present = node.inputs.filter((n) => n !== '');
      if (!prepared.module && present.every((n) => this.#constants.has(n))) {
        // Constant folding: Constant nodes and shape arithmetic on constants.
        const outs = this.#runNode(node, prepared, node.inputs.map((n) => (n ? this.#constants.get(n) : undefined)));
        node.outputs.forEach((o, i) => { if (o && outs[i] !== undefined) this.#constants.set(o, outs[i]!); });
        continue;
      }
      if (prepared.module) place(this, layerPath(node), prepared.module);
      for (const b of prepared.bindings ?? []) {
        const name = node.inputs[b.input];
        if (name) this.#bindings.set(name, { tensor: b.tensor, transposed: b.transposed ?? false });
      }
      this.#steps.push({ node, prepared });
    }
    this.#steps.forEach((s, i) => { for (const n of s.node.inputs) if (n) this.#lastUse.set(n, i); });
    this.eval();
  }

  /** Names of the inputs forward() takes, in order. */
  get inputNames(): string[] { return this.inputInfo.map((v) => v.name); }
  get outputNames(): string[] { return this.outputInfo.map((v) => v.name); }

  /**
   * The Relu node after step i when the two run as one op (a Conv layer's forwardRelu: the same
   * values and gradients, one tensor fewer): step i+1 is a plain Relu, the only reader of step
   * i's output, which is not a graph output, and neither layer's call is observed.
   */
  #reluAfter(i: number): OnnxNode | null {
    const step = this.#steps[i]!, next = this.#steps[i + 1];
    if (!step.prepared.runRelu || !step.prepared.module || next?.node.opType !== 'Relu' || !next.prepared.module) return null;
    const out = step.node.outputs[0];
    if (!out || next.node.inputs[0] !== out || this.#lastUse.get(out) !== i + 1 || this.outputNames.includes(out)) return null;
    return convFusesWithRelu(step.prepared.module, next.prepared.module) ? next.node : null;
  }

  #runNode(node: OnnxNode, prepared: Prepared, inputs: Array<Value | undefined>): Value[] {
    let outs: Value[];
    try {
      outs = prepared.run(inputs);
    } catch (e) {
      if (e instanceof OnnxError) throw e;
      const why = e instanceof Error ? e.message : String(e);
      throw new OnnxError(`${node.label}: ${why}`);
    }
    for (const v of outs) {
      if (v.size > this.#maxElements) throw new OnnxError(`${node.label}: output has ${v.size} elements, more than the limit ${this.#maxElements}`);
    }
    return outs;
  }

  /**
   * Run the graph on named inputs; returns every graph output by name. Integer outputs come
   * back as float tensors.
   * @example const { output } = model.run({ input: x });
   */
  run(feeds: Readonly<Record<string, Tensor>>): Record<string, Tensor> {
    const values = new Map<string, Value>();
    for (const info of this.inputInfo) {
      const x = feeds[info.name];
      if (!(x instanceof Tensor)) throw new OnnxError(`${this.#source}: input '${info.name}' is missing (the model takes ${this.inputNames.map((n) => `'${n}'`).join(', ')})`);
      checkDeclaredShape(info, x, this.#source);
      values.set(info.name, x);
    }
    const read = (name: string): Value | undefined => (name === '' ? undefined : values.get(name) ?? this.#constants.get(name));
    for (let i = 0; i < this.#steps.length; i++) {
      const { node, prepared } = this.#steps[i]!;
      const inputs = node.inputs.map((n) => {
        if (n === '') return undefined;
        const v = read(n);
        if (v === undefined) throw new OnnxError(`${node.label}: input '${n}' has no value`);
        return v;
      });
      const owned = prepared.moduleOwns ?? [];
      const fed = inputs.map((v, k) => (owned.includes(k) ? undefined : v));
      const relu = this.#reluAfter(i);
      const outs = relu ? this.#runNode(node, { run: prepared.runRelu! }, fed) : this.#runNode(node, prepared, fed);
      (relu ?? node).outputs.forEach((o, k) => { if (o && outs[k] !== undefined) values.set(o, outs[k]!); });
      // Free what no later node reads (graph outputs are read at the end, from `values`).
      for (const n of node.inputs) if (n && this.#lastUse.get(n) === i && !this.outputNames.includes(n)) values.delete(n);
      if (relu) i++;
    }
    const result: Record<string, Tensor> = {};
    for (const o of this.outputInfo) {
      const v = read(o.name);
      if (v === undefined) throw new OnnxError(`${this.#source}: graph output '${o.name}' was not computed`);
      result[o.name] = v instanceof IntTensor ? toFloat(v) : v;
    }
    return result;
  }

  /**
   * Run the model on its inputs (in inputNames order); returns the first graph output.
   * @example const model = await loadOnnx('resnet18.onnx'); const logits = model.call(x);
   */
  override forward(...inputs: Tensor[]): Tensor {
    if (inputs.length !== this.inputInfo.length) {
      throw new OnnxError(`${this.#source}: forward takes ${this.inputInfo.length} input${this.inputInfo.length === 1 ? '' : 's'} (${this.inputNames.join(', ')}), got ${inputs.length}`);
    }
    const feeds: Record<string, Tensor> = {};
    this.inputInfo.forEach((info, i) => { feeds[info.name] = inputs[i]!; });
    return this.run(feeds)[this.outputInfo[0]!.name]!;
  }

  /**
   * The model as ONNX bytes: the imported graph unchanged, with the current values of the
   * layers' weights and statistics (after fine-tuning, the trained ones).
   * @example writeFileSync('tuned.onnx', model.toOnnxBytes());
   */
  toOnnxBytes(): Uint8Array {
    if (!this.#bytes) throw new OnnxError(`${this.#source}: this model was built without its file bytes; load it with loadOnnx / loadOnnxBytes`);
    const model = ModelProtoType.toObject(ModelProtoType.decode(this.#bytes), { defaults: false }) as {
      graph: { initializer?: Array<Record<string, unknown>>; node?: Array<{ output?: string[] }> };
    };
    const inits = (model.graph.initializer ??= []);
    const written = new Set<string>();
    inits.forEach((t, i) => {
      const b = this.#bindings.get(t.name as string);
      if (!b) return;
      inits[i] = { ...protoFromTensor(t.name as string, b.transposed ? transpose2d(b.tensor) : b.tensor), dims: t.dims };
      written.add(t.name as string);
    });
    // Weights that came from Constant nodes become initializers.
    for (const [name, b] of this.#bindings) {
      if (written.has(name)) continue;
      model.graph.node = (model.graph.node ?? []).filter((n) => !(n.output?.length === 1 && n.output[0] === name));
      const t = b.transposed ? transpose2d(b.tensor) : b.tensor;
      inits.push(protoFromTensor(name, t));
    }
    return ModelProtoType.encode(ModelProtoType.fromObject(model as unknown as Record<string, unknown>)).finish();
  }

  override extraRepr(): string {
    return `opset=${this.opset}, inputs=[${this.inputInfo.map((i) => `${i.name}: [${i.shape?.join(',') ?? '?'}]`).join(', ')}]`;
  }
}

function transpose2d(t: Tensor): Tensor {
  const [r, c] = [t.shape[0]!, t.shape[1]!];
  const out = new Float32Array(t.size);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = t.data[i * c + j]!;
  return new Tensor(out, [c, r]);
}

function checkDeclaredShape(info: ValueInfo, x: Tensor, source: string): void {
  if (!info.shape) return;
  const ok = info.shape.length === x.shape.length && info.shape.every((d, i) => typeof d !== 'number' || d === x.shape[i]);
  if (!ok) {
    throw new OnnxError(`${source}: input '${info.name}' must have shape [${info.shape.join(',')}], got [${x.shape.join(',')}]`);
  }
}
