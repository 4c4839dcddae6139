/**
 * SGD's fused one-pass update must give bit-for-bit the weights of the plain three-loop
 * algorithm (decay, momentum buffer, Nesterov look-ahead, step, each stored as float32), for
 * every combination of options, over several steps.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, optim } from '../../src/index.js';

function plainSgd(w0: Float32Array, grads: Float32Array[], o: { lr: number; momentum: number; dampening: number; weightDecay: number; nesterov: boolean }): Float32Array {
  const f = Math.fround, lr = f(-o.lr), wd = f(o.weightDecay), mom = f(o.momentum), damp = f(1 - o.dampening);
  let buf: Float32Array<ArrayBufferLike> | null = null;
  const w = Float32Array.from(w0);
  for (const grad of grads) {
    let d: Float32Array<ArrayBufferLike> = Float32Array.from(grad, (gi, i) => (wd !== 0 ? gi + wd * w[i]! : gi));
    if (mom !== 0) {
      if (!buf) buf = Float32Array.from(d);
      else for (let i = 0; i < buf.length; i++) buf[i] = f(buf[i]! * mom) + damp * d[i]!;
      d = o.nesterov ? Float32Array.from(d, (di, i) => di + mom * buf![i]!) : buf;
    }
    for (let i = 0; i < w.length; i++) w[i] = w[i]! + lr * d[i]!;
  }
  return w;
}

test('SGD fused update equals the plain algorithm bit for bit', () => {
  const n = 37;
  const w0 = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 1.3) * 0.7);
  const grads = [0, 1, 2, 3].map((s) => Float32Array.from({ length: n }, (_, i) => Math.cos(i * 0.71 + s) * 0.3));
  for (const nesterov of [false, true]) {
    for (const weightDecay of [0, 0.01]) {
      for (const dampening of nesterov ? [0] : [0, 0.3]) {
        const o = { lr: 0.05, momentum: 0.9, dampening, weightDecay, nesterov };
        const p = tensor(Array.from(w0));
        p.requiresGrad = true;
        const opt = new optim.SGD([p], o);
        for (const g of grads) {
          p.grad = tensor(Array.from(g));
          opt.step();
        }
        assert.deepEqual(Array.from(p.data), Array.from(plainSgd(w0, grads, o)), JSON.stringify(o));
      }
    }
  }
});
