/**
 * A CONV layer, tanh and optionally 2x2 average pooling as one graph node (LeNet-5's c1/s2,
 * c3/s4 and c5 blocks; Sequential runs Conv2d, Tanh (, AvgPool2d(2)) this way):
 *
 *   avgPool2d(tanh(conv2d(x, w, b, options)), 2)     (or without the pooling)
 *
 * with the values and gradients of those ops one after another. A backend that fuses them
 * (Backend.convTanhPool and convTanhPoolBackward: wasm, for the layers its direct conv kernel
 * runs and for whole-image windows) computes them in one kernel call forward and one backward
 * (every gradient), with the bits of the unfused calls; elsewhere this runs the three ops.
 */
import { Tensor } from '../tensor/tensor.js';
import { recordOp } from '../autograd/graph.js';
import { getBackend } from '../backends/registry.js';
import { conv2d, type Conv2dOptions } from './conv.js';
import { tanh } from './activation.js';
import { avgPool2d } from './pool.js';
import { checkBias, checkTensor } from './util.js';
import { conv2dParams, convShape, poolShape } from './conv-shape.js';

/** The pooling Sequential fuses: AvgPool2d(2), stride 2, no padding, floor mode. */
const POOL = { kernelSize: 2 } as const;

/**
 * avgPool2d(tanh(conv2d(x, w, b, options)), 2) with `pool`, else tanh(conv2d(...)).
 * @example conv2dTanh(randn([64, 1, 32, 32]), w, b, {}, true).shape  // [64, 6, 14, 14] for w [6, 1, 5, 5]
 */
export function conv2dTanh(x: Tensor, w: Tensor, b: Tensor | null | undefined, options: Conv2dOptions, pool: boolean): Tensor {
  const backend = getBackend();
  if (backend.convTanhPool && backend.convTanhPoolBackward && x instanceof Tensor && x.ndim === 4) {
    checkTensor(w, 'conv2d', 'weight');
    const s = convShape(x.shape, w.shape, options ?? {}, 'conv2d');
    const bias = checkBias(b, s.M, 'conv2d', 'output channel');
    // The unfused pooling's checks (and errors) first.
    const ps = pool ? poolShape([s.N, s.M, s.P, s.Q], POOL, 'avgPool2d') : null;
    const p = conv2dParams(s);
    const r = backend.convTanhPool(p, x.data, w.data, bias ? bias.data : null, pool);
    if (r) {
      const out = ps ? new Tensor(r.pooled!, [s.N, s.M, ps.P, ps.Q]) : new Tensor(r.y, [s.N, s.M, s.P, s.Q]);
      const inputs = bias ? [x, w, bias] : [x, w];
      return recordOp(out, pool ? 'conv2d+tanh+avgPool2d' : 'conv2d+tanh', inputs, (g) => {
        const need = { dx: x.requiresGrad, dw: w.requiresGrad, db: bias?.requiresGrad ?? false };
        const d = backend.convTanhPoolBackward!(p, x.data, w.data, r.y, g.data, pool, need);
        const grads: Array<Tensor | null> = [d.dx ? new Tensor(d.dx, x.shape) : null, d.dw ? new Tensor(d.dw, w.shape) : null];
        if (bias) grads.push(d.dBias ? new Tensor(d.dBias, bias.shape) : null);
        return grads;
      });
    }
  }
  const y = tanh(conv2d(x, w, b, options));
  return pool ? avgPool2d(y, POOL) : y;
}
