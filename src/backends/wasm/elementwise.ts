/**
 * Element-wise activations with SIMD kernels where JavaScript is slow: relu and relu6 (and
 * their derivatives), whose `v > 0 ? v : 0` loops mispredict branches on real activations
 * (~6 ns per element in V8). Even with the copy into wasm memory and out again this is several
 * times faster. tanh uses a rational approximation in JavaScript (fast-tanh.ts). Every other
 * op, and small arrays, use the reference loops.
 */
import type { UnaryOp } from '../backend.js';
import { unary as referenceUnary, unaryGrad as referenceUnaryGrad } from '../reference/elementwise.js';
import { call } from './runtime.js';
import { fastTanh } from './fast-tanh.js';

/** Below this many elements a wasm call costs more than the branches it saves. */
const MIN_ELEMENTS = 2048;

const FORWARD: Partial<Record<UnaryOp, string>> = { relu: 'f32_relu', relu6: 'f32_relu6' };
const BACKWARD: Partial<Record<UnaryOp, string>> = { relu: 'f32_relu_grad', relu6: 'f32_relu6_grad' };

export function unary(op: UnaryOp, x: Float32Array, alpha: number): Float32Array {
  if (op === 'tanh') return fastTanh(x);
  const kernel = FORWARD[op];
  if (!kernel || x.length < MIN_ELEMENTS) return referenceUnary(op, x, alpha);
  return call((r) => {
    const xp = r.arena.put(x), yp = r.arena.alloc(x.byteLength);
    return { steps: [[kernel, [[xp, yp, x.length]]]], finish: () => r.arena.take(yp, x.length) };
  });
}

export function unaryGrad(op: UnaryOp, x: Float32Array, y: Float32Array, dy: Float32Array, alpha: number): Float32Array {
  const kernel = BACKWARD[op];
  if (!kernel || x.length < MIN_ELEMENTS) return referenceUnaryGrad(op, x, y, dy, alpha);
  return call((r) => {
    const xp = r.arena.put(x), dyp = r.arena.put(dy), dxp = r.arena.alloc(x.byteLength);
    return { steps: [[kernel, [[xp, dyp, dxp, x.length]]]], finish: () => r.arena.take(dxp, x.length) };
  });
}
