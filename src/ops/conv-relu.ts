/**
 * A CONV layer and the ReLU after it as one graph node (VGG's and AlexNet's conv blocks;
 * Sequential runs Conv2d, ReLU this way):
 *
 *   relu(conv2d(x, w, b, options))
 *
 * with the values and gradients of the two ops one after the other. A backend that fuses them
 * (Backend.convRelu: wasm, for the dense layers its GEMM kernels run) applies the ReLU to each
 * block of outputs while the block is in cache, with the bits of the unfused calls, and the
 * conv's output before the ReLU is never kept (the ReLU's gradient needs only where y > 0).
 * Elsewhere this runs the two ops.
 */
import { Tensor } from '../tensor/tensor.js';
import { recordOp } from '../autograd/graph.js';
import { getBackend } from '../backends/registry.js';
import { conv2dEinsum } from '../einsum/layers.js';
import { conv2d, type Conv2dOptions } from './conv.js';
import { relu } from './activation.js';
import { checkBias, checkTensor } from './util.js';
import { conv2dParams, convShape } from './conv-shape.js';

/**
 * relu(conv2d(x, w, b, options)) in one op where the backend fuses it.
 * @example conv2dRelu(randn([1, 3, 32, 32]), randn([16, 3, 3, 3]), zeros([16]), { padding: 1 }).shape  // [1, 16, 32, 32]
 */
export function conv2dRelu(x: Tensor, w: Tensor, b: Tensor | null | undefined, options: Conv2dOptions): Tensor {
  const backend = getBackend();
  if (backend.convRelu && x instanceof Tensor && x.ndim === 4) {
    checkTensor(w, 'conv2d', 'weight');
    const s = convShape(x.shape, w.shape, options ?? {}, 'conv2d');
    const bias = checkBias(b, s.M, 'conv2d', 'output channel');
    const p = conv2dParams(s);
    const y = backend.convRelu(p, x.data, w.data, bias ? bias.data : null);
    if (y) {
      const inputs = bias ? [x, w, bias] : [x, w];
      return recordOp(new Tensor(y, [s.N, s.M, s.P, s.Q]), 'conv2d+relu', inputs, (g) => {
        // relu'(z) = z > 0, and z > 0 exactly where y = relu(z) > 0: y stands in for z.
        const dz = backend.unaryGrad('relu', y, y, g.data, 0);
        const e = conv2dEinsum(p, bias !== undefined);
        const operands: Record<string, Float32Array> = bias ? { I: x.data, F: w.data, B: bias.data, dO: dz } : { I: x.data, F: w.data, dO: dz };
        return inputs.map((t, i) => (t.requiresGrad ? new Tensor(backend.contract(e, 'IFB'[i]!, operands), t.shape) : null));
      });
    }
  }
  return relu(conv2d(x, w, b, options));
}
