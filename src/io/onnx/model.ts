/**
 * OnnxModel: an imported ONNX graph as a dnnkit Module. Nodes that are layers (Conv, Gemm,
 * pools, BatchNormalization, activations, ...) are nn modules holding the weights, registered
 * as children in graph order, so `parameters()`, `stateDict()`, `train()` and `summary` see an
 * ordinary model; the graph itself (branches, adds, concats, shape arithmetic) runs in
 * `forward`. Shape subgraphs whose inputs are all constants are folded once, at load time.
 */
import { Tensor } from '../../tensor/tensor.js';
import { Module } from '../../nn/module.js';
import { OnnxError } from './errors.js';
import { DEFAULT_LIMITS, type DecodedGraph, type OnnxLimits, type ValueInfo } from './decode.js';
import { OPERATORS } from './ops/index.js';
import type { OnnxNode, Prepared } from './ops/types.js';
import { IntTensor, toFloat, type Value } from './value.js';

interface Step { node: OnnxNode; prepared: Prepared }

/** A Module-safe child name from a node: its weight's name, else the node name, else op + index. */
function childName(node: OnnxNode, taken: Set<string>): string {
  const weight = node.inputs[1];
  let base = weight && /\.weight$/.test(weight) ? weight.replace(/\.weight$/, '') : node.name || `${node.opType}_${node.index}`;
  base = base.replace(/[^A-Za-z0-9_]+/g, '_').replace(/^_+|_+$/g, '') || `${node.opType}_${node.index}`;
  if (/^[0-9]/.test(base)) base = `${node.opType}_${base}`;
  let name = base;
  for (let k = 2; taken.has(name); k++) name = `${base}_${k}`;
  taken.add(name);
  return name;
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

  constructor(graph: DecodedGraph, source: string, options: OnnxLimits = {}) {
    super();
    this.inputInfo = graph.inputs;
    this.outputInfo = graph.outputs;
    this.opset = graph.opset;
    this.producer = graph.producer;
    this.#source = source;
    this.#maxElements = options.maxTensorElements ?? DEFAULT_LIMITS.maxTensorElements;
    const limits = { maxElements: this.#maxElements };
    for (const [k, v] of graph.initializers) this.#constants.set(k, v);
    const taken = new Set<string>();
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
      if (prepared.module) this.registerModule(childName(node, taken), prepared.module);
      this.#steps.push({ node, prepared });
    }
    this.#steps.forEach((s, i) => { for (const n of s.node.inputs) if (n) this.#lastUse.set(n, i); });
    this.eval();
  }

  /** Names of the inputs forward() takes, in order. */
  get inputNames(): string[] { return this.inputInfo.map((v) => v.name); }
  get outputNames(): string[] { return this.outputInfo.map((v) => v.name); }

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
    this.#steps.forEach(({ node, prepared }, i) => {
      const inputs = node.inputs.map((n) => {
        if (n === '') return undefined;
        const v = read(n);
        if (v === undefined) throw new OnnxError(`${node.label}: input '${n}' has no value`);
        return v;
      });
      const owned = prepared.moduleOwns ?? [];
      const outs = this.#runNode(node, prepared, inputs.map((v, k) => (owned.includes(k) ? undefined : v)));
      node.outputs.forEach((o, k) => { if (o && outs[k] !== undefined) values.set(o, outs[k]!); });
      // Free what no later node reads (graph outputs are read at the end, from `values`).
      for (const n of node.inputs) if (n && this.#lastUse.get(n) === i && !this.outputNames.includes(n)) values.delete(n);
    });
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

  override extraRepr(): string {
    return `opset=${this.opset}, inputs=[${this.inputInfo.map((i) => `${i.name}: [${i.shape?.join(',') ?? '?'}]`).join(', ')}]`;
  }
}

function checkDeclaredShape(info: ValueInfo, x: Tensor, source: string): void {
  if (!info.shape) return;
  const ok = info.shape.length === x.shape.length && info.shape.every((d, i) => typeof d !== 'number' || d === x.shape[i]);
  if (!ok) {
    throw new OnnxError(`${source}: input '${info.name}' must have shape [${info.shape.join(',')}], got [${x.shape.join(',')}]`);
  }
}
