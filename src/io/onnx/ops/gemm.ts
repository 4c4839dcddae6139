/**
 * Gemm (Y = alpha * A' B' + beta * C, A' = transA ? Aᵀ : A, B' likewise) and MatMul (numpy
 * semantics). The FC layer form — alpha = beta = 1, transA = 0, constant B and C — becomes an
 * nn.Linear (weight [M, K] = transB ? B : Bᵀ); every other form runs as matmuls.
 */
import { Tensor } from '../../../tensor/tensor.js';
import { matmul } from '../../../ops/matmul.js';
import { add, mul } from '../../../ops/elementwise.js';
import { transpose } from '../../../ops/shape-ops.js';
import { LoadedLinear as Linear } from './layers.js';
import { OnnxError } from '../errors.js';
import { floatIn } from './common.js';
import type { OpSpec, Prepared } from './types.js';

function transposed(t: Tensor): Tensor {
  const d = t.data, [r, c] = [t.shape[0]!, t.shape[1]!];
  const out = new Float32Array(d.length);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = d[i * c + j]!;
  return new Tensor(out, [c, r]);
}

export const Gemm: OpSpec = {
  attributes: ['alpha', 'beta', 'transA', 'transB', 'broadcast'],
  inputs: [2, 3],
  outputs: [1, 1],
  prepare(ctx): Prepared {
    const { node } = ctx;
    const alpha = node.attrs.float('alpha', 1), beta = node.attrs.float('beta', 1);
    const transA = node.attrs.int('transA', 0) !== 0, transB = node.attrs.int('transB', 0) !== 0;
    const B0 = ctx.constant(1), C0 = ctx.constant(2);
    const hasC = node.inputs.length > 2 && node.inputs[2] !== '';
    if (B0 !== undefined && B0.shape.length !== 2) throw new OnnxError(`${node.label}: B must be 2-D, got shape [${B0.shape.join(',')}]`);
    if (alpha === 1 && (beta === 1 || !hasC) && !transA && B0 instanceof Tensor) {
      const w = transB ? B0 : transposed(B0);
      const [M, K] = [w.shape[0]!, w.shape[1]!];
      const biasOk = !hasC || (C0 instanceof Tensor && C0.size === M && (C0.shape.length === 1 || (C0.shape.length === 2 && C0.shape[0] === 1)));
      if (biasOk) {
        const layer = new Linear(K, M, { bias: hasC });
        layer.weight.data.set(w.data);
        if (hasC) layer.bias!.data.set((C0 as Tensor).data);
        return {
          module: layer,
          moduleOwns: hasC ? [1, 2] : [1],
          bindings: [{ input: 1, tensor: layer.weight, transposed: !transB }, ...(layer.bias ? [{ input: 2, tensor: layer.bias }] : [])],
          run(inputs) {
            const x = floatIn(node, inputs, 0);
            if (x.shape.length !== 2) throw new OnnxError(`${node.label}: A must be 2-D, got shape [${x.shape.join(',')}]`);
            return [layer.call(x)];
          },
        };
      }
    }
    return {
      run(inputs) {
        let a = floatIn(node, inputs, 0, 'A'), b = floatIn(node, inputs, 1, 'B');
        if (a.shape.length !== 2 || b.shape.length !== 2) {
          throw new OnnxError(`${node.label}: A and B must be 2-D, got [${a.shape.join(',')}] and [${b.shape.join(',')}]`);
        }
        if (transA) a = transpose(a, 0, 1);
        if (transB) b = transpose(b, 0, 1);
        let y = matmul(a, b);
        if (alpha !== 1) y = mul(y, alpha);
        if (inputs[2] !== undefined && beta !== 0) {
          const c = floatIn(node, inputs, 2, 'C');
          y = add(y, beta === 1 ? c : mul(c, beta));
        }
        return [y];
      },
    };
  },
};

export const MatMul: OpSpec = {
  attributes: [],
  inputs: [2, 2],
  outputs: [1, 1],
  prepare({ node }): Prepared {
    return { run: (inputs) => [matmul(floatIn(node, inputs, 0, 'A'), floatIn(node, inputs, 1, 'B'))] };
  },
};
