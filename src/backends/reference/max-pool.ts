/**
 * Reference max pooling. Padding counts as -infinity (never chosen), the first maximum in
 * window order (r, then s) wins ties, and NaN propagates — PyTorch's rules.
 */
import type { Pool2dParams } from '../../einsum/types.js';

export function maxPool2d(x: Float32Array, p: Pool2dParams): { y: Float32Array; argmax: Int32Array } {
  const { N, C, H, W, R, S, P, Q, strideH, strideW, padTop, padLeft, dilationH, dilationW } = p;
  const y = new Float32Array(N * C * P * Q);
  const argmax = new Int32Array(y.length);
  let o = 0;
  for (let nc = 0; nc < N * C; nc++) {
    const base = nc * H * W;
    for (let pp = 0; pp < P; pp++) {
      for (let q = 0; q < Q; q++, o++) {
        let best = -Infinity, at = -1;
        for (let r = 0; r < R; r++) {
          const h = pp * strideH - padTop + r * dilationH;
          if (h < 0 || h >= H) continue;
          for (let s = 0; s < S; s++) {
            const w = q * strideW - padLeft + s * dilationW;
            if (w < 0 || w >= W) continue;
            const v = x[base + h * W + w]!;
            if (v > best || at < 0 || (v !== v && best === best)) { best = v; at = base + h * W + w; }
          }
        }
        y[o] = best;
        argmax[o] = at;
      }
    }
  }
  return { y, argmax };
}

export function maxPool2dBackward(dy: Float32Array, argmax: Int32Array, p: Pool2dParams): Float32Array {
  const dx = new Float32Array(p.N * p.C * p.H * p.W);
  for (let i = 0; i < dy.length; i++) {
    const at = argmax[i]!;
    if (at >= 0) dx[at] += dy[i]!;
  }
  return dx;
}
