/**
 * The one autograd rule for every einsum-defined op (CONV, FC, matmul, average pooling,
 * zero insertion, nearest upsampling): the forward evaluates the bound einsum; the gradient
 * with respect to each operand is the einsum the engine derives from it (see
 * src/einsum/grad.ts), evaluated by the same backend kernel. No layer writes its own.
 */
import { Tensor } from '../tensor/tensor.js';
import { recordOp } from '../autograd/graph.js';
import { getBackend } from '../backends/registry.js';
import type { BoundEinsum } from '../einsum/types.js';

/** The output tensor's name: the identifier before the first '[' of the spec. */
export function outputNameOf(spec: string): string {
  return spec.slice(0, spec.indexOf('[')).trim();
}

/**
 * Run a bound einsum on tensors named as in its spec and record its gradient.
 * @param name the op's name for the graph (e.g. 'conv2d')
 * @param outputShape the shape the caller wants (a reshape of the einsum's output)
 */
export function einsumOp(e: BoundEinsum, inputs: Readonly<Record<string, Tensor>>, name: string,
                         outputShape: readonly number[]): Tensor {
  const outName = outputNameOf(e.spec);
  const names = Object.keys(inputs);
  const data: Record<string, Float32Array> = {};
  for (const n of names) data[n] = inputs[n]!.data;
  const out = new Tensor(getBackend().contract(e, outName, data), outputShape);
  return recordOp(out, name, names.map((n) => inputs[n]!), (g) => {
    const withGrad = { ...data, [`d${outName}`]: g.data };
    return names.map((n) => {
      const t = inputs[n]!;
      return t.requiresGrad ? new Tensor(getBackend().contract(e, n, withGrad), t.shape) : null;
    });
  });
}
