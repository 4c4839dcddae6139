/**
 * Direct loops for the memory-bound einsum kinds: nearest upsampling, zero insertion and
 * average pooling, forward and data gradient. They move more bytes than they compute, so a
 * copy into wasm memory would cost as much as the work: plain JavaScript loops over the
 * caller's arrays, several times faster than the general einsum interpreter (the common 2x2
 * average pooling alone has a SIMD kernel: its float64 sums were the loop's cost). Semantics are the
 * einsums of src/einsum/types.ts (reads outside an operand are zero; writes outside are dropped).
 */
import type { BoundEinsum } from '../../einsum/types.js';
import { call, splitRange, threadsFor } from './runtime.js';

type Operands = Readonly<Record<string, Float32Array>>;

function dims4(e: BoundEinsum, name: string): [number, number, number, number] {
  const s = e.shapes[name]!;
  return [s[0]!, s[1]!, s[2]!, s[3]!];
}

/** O[n,c,U*h+r,V*w+s] = I[n,c,h,w] and its gradient (sum over each U x V block). */
export function nearestUpsample(e: BoundEinsum, target: string, ops: Operands): Float32Array | null {
  const [N, C, H, W] = dims4(e, 'I');
  const [, , P, Q] = dims4(e, 'O');
  const U = e.constants['U']!, V = e.constants['V'] ?? U;
  if (P !== U * H || Q !== V * W) return null;
  const planes = N * C;
  if (target === 'O') {
    const x = ops['I']!, y = new Float32Array(planes * P * Q);
    for (let t = 0; t < planes; t++) {
      for (let h = 0; h < H; h++) {
        const src = (t * H + h) * W, row = (t * P + h * U) * Q;
        for (let w = 0; w < W; w++) {
          const v = x[src + w]!;
          for (let s = 0, o = row + w * V; s < V; s++) y[o + s] = v;
        }
        for (let r = 1; r < U; r++) y.copyWithin(row + r * Q, row, row + Q);
      }
    }
    return y;
  }
  if (target === 'I') {
    const dy = ops['dO']!, dx = new Float32Array(planes * H * W);
    for (let t = 0; t < planes; t++) {
      for (let h = 0; h < H; h++) {
        const dst = (t * H + h) * W;
        for (let r = 0; r < U; r++) {
          const row = (t * P + h * U + r) * Q;
          for (let w = 0; w < W; w++) {
            let acc = 0;
            for (let s = 0, o = row + w * V; s < V; s++) acc += dy[o + s]!;
            dx[dst + w]! += acc;
          }
        }
      }
    }
    return dx;
  }
  return null;
}

/** O[n,c,U*h,U*w] = I[n,c,h,w] (other outputs 0; writes past O's extent dropped) and its gradient. */
export function zeroInsert(e: BoundEinsum, target: string, ops: Operands): Float32Array | null {
  const [N, C, H, W] = dims4(e, 'I');
  const [, , P, Q] = dims4(e, 'O');
  const U = e.constants['U']!;
  const planes = N * C;
  const Hs = Math.min(H, Math.ceil(P / U)), Ws = Math.min(W, Math.ceil(Q / U));
  if (target === 'O') {
    const x = ops['I']!, y = new Float32Array(planes * P * Q);
    for (let t = 0; t < planes; t++) {
      for (let h = 0; h < Hs; h++) {
        const src = (t * H + h) * W, row = (t * P + h * U) * Q;
        for (let w = 0; w < Ws; w++) y[row + w * U] = x[src + w]!;
      }
    }
    return y;
  }
  if (target === 'I') {
    const dy = ops['dO']!, dx = new Float32Array(planes * H * W);
    for (let t = 0; t < planes; t++) {
      for (let h = 0; h < Hs; h++) {
        const dst = (t * H + h) * W, row = (t * P + h * U) * Q;
        for (let w = 0; w < Ws; w++) dx[dst + w] = dy[row + w * U]!;
      }
    }
    return dx;
  }
  return null;
}

/** O[n,c,p,q] = sum over r,s of I[n,c,U*p+r-PH,V*q+s-PW] / (R*S) (zero padding) and its gradient. */
export function avgPool2d(e: BoundEinsum, target: string, ops: Operands): Float32Array | null {
  const [N, C, H, W] = dims4(e, 'I');
  const [, , P, Q] = dims4(e, 'O');
  const k = e.constants;
  const R = k['R']!, S = k['S']!, U = k['U']!, V = k['V']!, PH = k['PH']!, PW = k['PW']!;
  const scale = 1 / (R * S);
  const planes = N * C;
  if (R === 2 && S === 2 && U === 2 && V === 2 && PH === 0 && PW === 0 && 2 * P <= H && 2 * Q <= W) {
    return avgPool2x2(target, ops, planes, H, W, P, Q);
  }
  if (target === 'O') {
    const x = ops['I']!, y = new Float32Array(planes * P * Q);
    for (let t = 0; t < planes; t++) {
      const xb = t * H * W;
      for (let p = 0; p < P; p++) {
        const h0 = Math.max(0, p * U - PH), h1 = Math.min(H, p * U - PH + R);
        for (let q = 0; q < Q; q++) {
          const w0 = Math.max(0, q * V - PW), w1 = Math.min(W, q * V - PW + S);
          let acc = 0;
          for (let h = h0; h < h1; h++) for (let w = w0, i = xb + h * W + w0; w < w1; w++, i++) acc += x[i]!;
          y[(t * P + p) * Q + q] = acc * scale;
        }
      }
    }
    return y;
  }
  if (target === 'I') {
    const dy = ops['dO']!, dx = new Float32Array(planes * H * W);
    for (let t = 0; t < planes; t++) {
      const xb = t * H * W;
      for (let p = 0; p < P; p++) {
        const h0 = Math.max(0, p * U - PH), h1 = Math.min(H, p * U - PH + R);
        for (let q = 0; q < Q; q++) {
          const w0 = Math.max(0, q * V - PW), w1 = Math.min(W, q * V - PW + S);
          const g = dy[(t * P + p) * Q + q]! * scale;
          for (let h = h0; h < h1; h++) for (let w = w0, i = xb + h * W + w0; w < w1; w++, i++) dx[i]! += g;
        }
      }
    }
    return dx;
  }
  return null;
}

/** Below this many input elements the JavaScript loops beat the copies into wasm memory. */
const MIN_WASM_ELEMENTS = 16384;

/**
 * The common 2x2, stride-2, unpadded window (LeNet's subsampling): a SIMD kernel for large
 * inputs (assembly/pool.ts, planes split across threads), an unrolled loop for small ones (the
 * general loop's bounds arithmetic per output cost ~3x its additions). Both sum in float64 in
 * the general loop's order, so all three give the same bits.
 */
function avgPool2x2(target: string, ops: Operands, planes: number, H: number, W: number, P: number, Q: number): Float32Array | null {
  if (planes * H * W >= MIN_WASM_ELEMENTS && (target === 'O' || target === 'I')) {
    const forward = target === 'O';
    const src = forward ? ops['I']! : ops['dO']!, outLen = forward ? planes * P * Q : planes * H * W;
    return call((r) => {
      const sp = r.arena.put(src), op = r.arena.alloc(outLen * 4);
      const parts = splitRange(planes, threadsFor(r, 4 * planes * H * W)).map(([t0, t1]) => [sp, op, H, W, P, Q, t0, t1]);
      return { steps: [[forward ? 'f32_avgpool2x2' : 'f32_avgpool2x2_backward', parts]], finish: () => r.arena.take(op, outLen) };
    });
  }
  if (target === 'O') {
    const x = ops['I']!, y = new Float32Array(planes * P * Q);
    let o = 0;
    for (let t = 0; t < planes; t++) {
      for (let p = 0; p < P; p++) {
        for (let q = 0, i = (t * H + 2 * p) * W; q < Q; q++, o++, i += 2) {
          y[o] = (x[i]! + x[i + 1]! + x[i + W]! + x[i + W + 1]!) * 0.25;
        }
      }
    }
    return y;
  }
  if (target === 'I') {
    // Windows do not overlap: each input gets one output's share (or none: a dropped odd edge).
    const dy = ops['dO']!, dx = new Float32Array(planes * H * W);
    let o = 0;
    for (let t = 0; t < planes; t++) {
      for (let p = 0; p < P; p++) {
        for (let q = 0, i = (t * H + 2 * p) * W; q < Q; q++, o++, i += 2) {
          const g = dy[o]! * 0.25;
          dx[i] = g; dx[i + 1] = g; dx[i + W] = g; dx[i + W + 1] = g;
        }
      }
    }
    return dx;
  }
  return null;
}
