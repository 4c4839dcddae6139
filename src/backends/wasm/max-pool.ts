/**
 * Max pooling with the common 2x2, stride-2, unpadded, undilated window unrolled; every other
 * window goes to the reference loop. Pooling moves more bytes than it computes, so this stays
 * in JavaScript (a copy into wasm memory would cost as much as the work). The rules are the
 * reference's, exactly: the first maximum in window order (r, then s) wins ties, and the first
 * NaN in the window wins over any number (NaN propagates).
 */
import type { Pool2dParams } from '../../einsum/types.js';
import { maxPool2d as referenceMaxPool2d } from '../reference/max-pool.js';

export function maxPool2d(x: Float32Array, p: Pool2dParams): { y: Float32Array; argmax: Int32Array } {
  const { N, C, H, W, P, Q } = p;
  const fast = p.R === 2 && p.S === 2 && p.strideH === 2 && p.strideW === 2 && p.padTop === 0 &&
    p.padLeft === 0 && p.dilationH === 1 && p.dilationW === 1 && 2 * P <= H && 2 * Q <= W;
  if (!fast) return referenceMaxPool2d(x, p);
  const y = new Float32Array(N * C * P * Q);
  const argmax = new Int32Array(y.length);
  let o = 0;
  for (let t = 0; t < N * C; t++) {
    const base = t * H * W;
    for (let pp = 0; pp < P; pp++) {
      let i = base + 2 * pp * W;
      for (let q = 0; q < Q; q++, o++, i += 2) {
        // Candidates in window order: (0,0), (0,1), (1,0), (1,1).
        let best = x[i]!, at = i;
        let v = x[i + 1]!;
        if (v > best || (v !== v && best === best)) { best = v; at = i + 1; }
        v = x[i + W]!;
        if (v > best || (v !== v && best === best)) { best = v; at = i + W; }
        v = x[i + W + 1]!;
        if (v > best || (v !== v && best === best)) { best = v; at = i + W + 1; }
        y[o] = best;
        argmax[o] = at;
      }
    }
  }
  return { y, argmax };
}
