/**
 * Element-wise activations with SIMD kernels where JavaScript is slow: relu and relu6 (and
 * their derivatives), whose `v > 0 ? v : 0` loops mispredict branches on real activations
 * (~6 ns per element in V8), and tanh (a rational approximation, assembly/tanh.ts; V8's
 * Math.tanh costs ~35 ns) with its derivative. Even with the copy into wasm memory and out
 * again this is several times faster. Small arrays use the reference loops (tanh: the same
 * rational approximation in JavaScript, fast-tanh.ts); every other op the reference's.
 */
import type { UnaryOp } from '../backend.js';
import { unary as referenceUnary, unaryGrad as referenceUnaryGrad } from '../reference/elementwise.js';
import { call, splitRange, threadsFor, type Runtime } from './runtime.js';
import { fastTanh } from './fast-tanh.js';

/** Below this many elements a wasm call costs more than the branches it saves. */
export const MIN_ELEMENTS = 2048;

const FORWARD: Partial<Record<UnaryOp, string>> = { relu: 'f32_relu', relu6: 'f32_relu6', tanh: 'f32_tanh' };
const BACKWARD: Partial<Record<UnaryOp, string>> = { relu: 'f32_relu_grad', relu6: 'f32_relu6_grad', tanh: 'f32_tanh_grad' };

/**
 * Rough operations per element of each kernel, to decide whether threads pay: tanh's rational
 * function is ~24; the derivatives and relu are a couple (memory-bound: a second thread's
 * wake-up costs more than it saves below ~1M elements).
 */
const FORWARD_COST: Partial<Record<UnaryOp, number>> = { tanh: 24 };
const OTHER_COST = 2;

/**
 * Per-thread element ranges [start, length) (element-wise: any split gives the same bits);
 * starts are multiples of 16 floats, so every slice begins on a 64-byte line.
 */
function slices(r: Runtime, opsPerElement: number, n: number): Array<[number, number]> {
  return splitRange(n, threadsFor(r, opsPerElement * n), 16).map(([a, b]) => [a, b - a]);
}

export function unary(op: UnaryOp, x: Float32Array, alpha: number): Float32Array {
  const kernel = FORWARD[op];
  if (op === 'tanh' && x.length < MIN_ELEMENTS) return fastTanh(x);
  if (!kernel || x.length < MIN_ELEMENTS) return referenceUnary(op, x, alpha);
  return call((r) => {
    const xp = r.arena.put(x), yp = r.arena.alloc(x.byteLength);
    const parts = slices(r, FORWARD_COST[op] ?? OTHER_COST, x.length).map(([a, n]) => [xp + 4 * a, yp + 4 * a, n]);
    return { steps: [[kernel, parts]], finish: () => r.arena.take(yp, x.length) };
  });
}

export function unaryGrad(op: UnaryOp, x: Float32Array, y: Float32Array, dy: Float32Array, alpha: number): Float32Array {
  const kernel = BACKWARD[op];
  if (!kernel || x.length < MIN_ELEMENTS) return referenceUnaryGrad(op, x, y, dy, alpha);
  // tanh' is computed from the output y = tanh(x): dy * (1 - y^2).
  const at = op === 'tanh' ? y : x;
  return call((r) => {
    const xp = r.arena.put(at), dyp = r.arena.put(dy), dxp = r.arena.alloc(x.byteLength);
    const parts = slices(r, OTHER_COST, x.length).map(([a, n]) => [xp + 4 * a, dyp + 4 * a, dxp + 4 * a, n]);
    return { steps: [[kernel, parts]], finish: () => r.arena.take(dxp, x.length) };
  });
}
