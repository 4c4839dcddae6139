/**
 * Max pooling with the common 2x2, stride-2, unpadded, undilated window on a SIMD kernel
 * (assembly/pool.ts, threads split the planes) for large inputs, unrolled in JavaScript for
 * small ones; every other window goes to the reference loop. The rules are the reference's,
 * exactly: the first maximum in window order (r, then s) wins ties, and the first NaN in the
 * window wins over any number (NaN propagates).
 */
import type { Pool2dParams } from '../../einsum/types.js';
import { maxPool2d as referenceMaxPool2d } from '../reference/max-pool.js';
import { call, splitRange, threadsFor } from './runtime.js';

/**
 * Below this many input elements the JavaScript loop beats the copies into wasm memory and
 * back (the kernel itself is ~8x faster than the loop).
 */
const MIN_WASM_ELEMENTS = 16384;

export function maxPool2x2Wasm(x: Float32Array, p: Pool2dParams): { y: Float32Array; argmax: Int32Array } {
  const { N, C, H, W, P, Q } = p;
  const ylen = N * C * P * Q;
  return call((r) => {
    const xp = r.arena.put(x), yp = r.arena.alloc(ylen * 4), ap = r.arena.alloc(ylen * 4);
    // ~8 vector operations per output.
    const parts = splitRange(N * C, threadsFor(r, 8 * ylen)).map(([t0, t1]) => [xp, yp, ap, H, W, P, Q, t0, t1]);
    return {
      steps: [['f32_maxpool2x2', parts]],
      finish: () => ({ y: r.arena.take(yp, ylen), argmax: r.arena.takeInt32(ap, ylen) }),
    };
  });
}

/** Whether p is the 2x2, stride-2, unpadded, undilated window the fast paths pool with. */
export function isPool2x2(p: Pool2dParams): boolean {
  return p.R === 2 && p.S === 2 && p.strideH === 2 && p.strideW === 2 && p.padTop === 0 && p.padLeft === 0 &&
    p.dilationH === 1 && p.dilationW === 1 && 2 * p.P <= p.H && 2 * p.Q <= p.W;
}

export function maxPool2d(x: Float32Array, p: Pool2dParams): { y: Float32Array; argmax: Int32Array } {
  const { N, C, H, W, P, Q } = p;
  if (!isPool2x2(p)) return referenceMaxPool2d(x, p);
  if (x.length >= MIN_WASM_ELEMENTS) return maxPool2x2Wasm(x, p);
  const y = new Float32Array(N * C * P * Q);
  const argmax = new Int32Array(y.length);
  let o = 0;
  for (let t = 0; t < N * C; t++) {
    const base = t * H * W;
    for (let pp = 0; pp < P; pp++) {
      let i = base + 2 * pp * W;
      for (let q = 0; q < Q; q++, o++, i += 2) {
        const a = x[i]!, b = x[i + 1]!, c = x[i + W]!, d = x[i + W + 1]!;
        const sum = a + b + c + d;
        if (sum === sum) {
          // No NaN: a tournament whose comparisons become 0/1 offsets rather than branches
          // (random signs mispredicted them; ~20% faster on 32x28x28 activations). Strict >
          // keeps the first of equals in each pair and the top pair on a tie between pairs,
          // which is the first maximum in window order.
          const top = i + +(b > a), bottom = i + W + +(d > c);
          const at = x[bottom]! > x[top]! ? bottom : top;
          y[o] = x[at]!;
          argmax[o] = at;
          continue;
        }
        // A NaN (or inf - inf) in the window: scan in window order, the first NaN wins.
        let best = a, at = i;
        if (b > best || (b !== b && best === best)) { best = b; at = i + 1; }
        if (c > best || (c !== c && best === best)) { best = c; at = i + W; }
        if (d > best || (d !== d && best === best)) { best = d; at = i + W + 1; }
        y[o] = best;
        argmax[o] = at;
      }
    }
  }
  return { y, argmax };
}
