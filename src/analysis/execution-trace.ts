/**
 * Summaries by running the model: every nn layer inside the model is instrumented (its `call`
 * wrapped on the instance, restored afterwards), a forward pass runs, and each layer call
 * becomes a summary row from the shapes it actually saw. This covers models whose forward
 * is code rather than a module tree — an imported ONNX graph, a custom Module — which the
 * shape-only trace (trace.ts) cannot follow. It also gives the real activations, which is
 * what `measureSparsity` counts zeros in.
 *
 * Receptive fields follow tensors: a layer's output carries its field; a tensor made outside
 * any layer (an add or concat in forward code) gets the largest field seen so far when it is
 * first read, which is right for residual adds and concatenations of branches.
 */
import { noGrad } from '../autograd/graph.js';
import { Module } from '../nn/module.js';
import type { Tensor } from '../tensor/tensor.js';
import { zeros } from '../tensor/creation.js';
import type { Arch } from '../models/arch.js';
import { describeModule } from './describe-module.js';
import { Tracer, type Flow } from './trace.js';
import type { LayerSummary } from './types.js';

type Field = Flow['field'];

const CONTAINERS = new Set(['sequential', 'residual', 'concat', 'opaque']);

/** One layer call seen during the run. */
export interface LayerCall {
  row: LayerSummary;
  input: Tensor;
  output: Tensor;
}

/** Every layer (non-container nn module) in the model with its dotted path and description. */
function leaves(model: Module): Array<{ name: string; module: Module; arch: Arch }> {
  const out: Array<{ name: string; module: Module; arch: Arch }> = [];
  const visit = (m: Module, path: string): void => {
    const arch = describeModule(m);
    if (!CONTAINERS.has(arch.op)) { out.push({ name: path || m.constructor.name, module: m, arch }); return; }
    for (const [name, child] of m.namedChildren()) visit(child, path ? `${path}.${name}` : name);
  };
  visit(model, '');
  return out;
}

/**
 * Run `model` on each input (no gradients, mode unchanged) with every layer instrumented;
 * `onCall` sees each layer call with its summary row and real tensors, in execution order.
 * Returns the rows of the first input's pass.
 */
export function runInstrumented(model: Module, inputs: Iterable<Tensor>,
                                onCall: (call: LayerCall) => void = () => {}): { rows: LayerSummary[]; output: number[] } {
  const layers = leaves(model);
  let fields = new WeakMap<Tensor, Field>();
  let widest: Field = { size: [1, 1], jump: [1, 1] };
  let rows: LayerSummary[] = [];
  const originals = new Map<Module, Module['call']>();
  for (const { name, module, arch } of layers) {
    if (originals.has(module)) continue;   // a module used twice keeps its first name
    const original = module.call;
    originals.set(module, original);
    module.call = (...args: Tensor[]): Tensor => {
      const y = original.apply(module, args);
      const x = args[0]!;
      const tracer = new Tracer();
      // A tensor made by forward code gets the widest field so far, once: every branch that
      // reads the same tensor later sees the same field.
      let field = fields.get(x);
      if (!field) { field = widest; fields.set(x, field); }
      const flow = tracer.run(arch, name, { shape: [...x.shape], field });
      for (const row of tracer.rows) {
        rows.push(row);
        onCall({ row, input: x, output: y });
      }
      fields.set(y, flow.field);
      if (flow.field.size[0] * flow.field.size[1] > widest.size[0] * widest.size[1]) widest = flow.field;
      return y;
    };
  }
  let first: { rows: LayerSummary[]; output: number[] } | null = null;
  try {
    for (const x of inputs) {
      fields = new WeakMap();
      widest = { size: [1, 1], jump: [1, 1] };
      rows = [];
      fields.set(x, widest);
      const y = noGrad(() => model.call(x));
      first ??= { rows, output: [...y.shape] };
    }
  } finally {
    for (const [m, original] of originals) {
      // Restore the prototype's call (delete the own property) unless the instance had its own.
      if (Object.prototype.hasOwnProperty.call(m, 'call') && original === Object.getPrototypeOf(m).call) {
        delete (m as { call?: unknown }).call;
      } else {
        m.call = original;
      }
    }
  }
  return first ?? { rows: [], output: [] };
}

/**
 * Rows of a model found by running it once on zeros of `inputShape`. Layers that no forward
 * reaches are absent; a layer called twice gives two rows.
 */
export function rowsByExecution(model: Module, inputShape: readonly number[]): { rows: LayerSummary[]; output: number[] } {
  return runInstrumented(model, [zeros([...inputShape])]);
}
