/**
 * What the Sequential fusion tests share: a tensor's bit pattern (fused and unfused runs must
 * agree bit for bit), a forward and backward pass's bits, the names of the graph nodes below a
 * result (to see that a fused node ran), and running a Sequential's layers one by one (each
 * through its own call: the unfused path).
 */
import assert from 'node:assert/strict';
import type { Sequential } from '../../src/nn/index.js';
import type { Tensor } from '../../src/tensor/tensor.js';

/** Forward + backward of a sum of squares through `run`: the bits of the output, input and parameter gradients. */
export function pass(net: Sequential, x: Tensor, run: (net: Sequential, x: Tensor) => Tensor) {
  for (const p of net.parameters()) p.grad = null;
  x.grad = null;
  const y = run(net, x);
  y.mul(y).sum().backward();
  return { y: bits(y), dx: bits(x.grad), grads: net.parameters().map((p) => bits(p.grad)) };
}

export function bits(t: Tensor | null): number[] {
  assert.ok(t);
  return [...new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length)];
}

/** Names of the graph nodes below t. */
export function nodeNames(t: Tensor): string[] {
  const names: string[] = [];
  const seen = new Set<Tensor>();
  const visit = (u: Tensor): void => {
    if (seen.has(u) || !u.gradFn) return;
    seen.add(u);
    names.push(u.gradFn.name);
    u.gradFn.inputs.forEach(visit);
  };
  visit(t);
  return names;
}

/** The layers one by one (each through its own call: the unfused path). */
export function oneByOne(net: Sequential, x: Tensor): Tensor {
  let y = x;
  for (const m of net) y = m.call(y);
  return y;
}
