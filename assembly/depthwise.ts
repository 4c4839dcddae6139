// Depthwise convolution (groups = C, one input channel per group, channel multiplier M/C):
// direct kernels over a zero-padded copy of one input plane, so the inner loops read without
// bounds checks. im2col + GEMM would run a GEMM with K = R*S (9): all packing, no reuse.
// Vector paths cover stride 1 and 2 along the row (f32x4 over 4 output columns); other strides
// take the scalar loop. 3x3 filters at dilation 1 and stride 1 or 2 (MobileNet's) run the
// micro-kernels of dwconv3x3.ts; this file pads planes and dispatches.

import { ConvParams, paramsAt } from './params';
import { madd } from './gemm';
import { f32_dwconv3x3s1_wasmsimd, f32_dwconv3x3s2_wasmsimd, f32_dwconv3x3s1_filtergrad_wasmsimd,
  f32_dwconv3x3s2_backward_input_wasmsimd, f32_dwconv3x3s2_filtergrad_wasmsimd } from './dwconv3x3';

// @ts-ignore: decorator
@inline
function padRows(cp: ConvParams): i32 {
  return (cp.P - 1) * cp.U + (cp.R - 1) * cp.DH + 1;
}

/** Row stride of the padded plane in floats: the reach of the window plus vector slack. */
// @ts-ignore: decorator
@inline
function padCols(cp: ConvParams): i32 {
  return (cp.Q - 1) * cp.V + (cp.S - 1) * cp.DW + 1 + 8;
}

/**
 * buf[i + top][j + left] = src[i][j] (src is rows x cols) inside buf's Hp x (Wp - 8) extent,
 * 0 elsewhere; Wp is buf's row stride in floats, the last 8 of each row are vector slack.
 * With `bordersZero` (buf already holds a plane padded the same way: every plane of a kernel
 * call after its first) only the copied region is written. Rows are copied with vector moves
 * in line: per-row memory.copy calls cost about as much as the 3x3 kernel on a 56-wide plane.
 */
function padInto(src: usize, rows: i32, cols: i32, buf: usize, Hp: i32, Wp: i32, top: i32, left: i32, bordersZero: bool): void {
  const r0 = max(0, -top), r1 = min(rows, Hp - top);
  const w0 = max(0, -left), w1 = min(cols, Wp - 8 - left);
  if (w1 <= w0 || r1 <= r0) {
    if (!bordersZero) memory.fill(buf, 0, <usize>(Hp * Wp) << 2);
    return;
  }
  const rowBytes = <usize>Wp << 2;
  if (!bordersZero) {
    memory.fill(buf, 0, <usize>(r0 + top) * rowBytes);
    memory.fill(buf + <usize>(r1 + top) * rowBytes, 0, <usize>(Hp - r1 - top) * rowBytes);
  }
  const c0 = w0 + left, c1 = w1 + left, n = w1 - w0;
  const zero = f32x4.splat(0);
  for (let i = r0; i < r1; i++) {
    const d = buf + <usize>(i + top) * rowBytes;
    const s = src + (<usize>(i * cols + w0) << 2), dc = d + (<usize>c0 << 2);
    let j = 0;
    for (; j + 4 <= n; j += 4) v128.store(dc + (<usize>j << 2), v128.load(s + (<usize>j << 2)));
    for (; j < n; j++) store<f32>(dc + (<usize>j << 2), load<f32>(s + (<usize>j << 2)));
    if (bordersZero) continue;
    for (let z = 0; z < c0; z++) store<f32>(d + (<usize>z << 2), 0);
    let z = c1;
    for (; z + 4 <= Wp; z += 4) v128.store(d + (<usize>z << 2), zero);
    for (; z < Wp; z++) store<f32>(d + (<usize>z << 2), 0);
  }
}

/**
 * Whether a rows x cols plane placed at (top, left) lies wholly inside a padded buffer of
 * Hp rows and row stride Wp (8 floats of slack): then the 3x3 kernels may copy it in
 * themselves, unclipped. (Not when P or Q is smaller than the input reaches, a crop.)
 */
// @ts-ignore: decorator
@inline
function fits(rows: i32, cols: i32, top: i32, left: i32, Hp: i32, Wp: i32): bool {
  return top >= 0 && left >= 0 && top + rows <= Hp && left + cols <= Wp - 8;
}

/** buf[ih + PH][iw + PW] = plane[ih][iw] inside the window's reach, 0 elsewhere. */
// @ts-ignore: decorator
@inline
function padPlane(cp: ConvParams, plane: usize, buf: usize, bordersZero: bool): void {
  padInto(plane, cp.H, cp.W, buf, padRows(cp), padCols(cp), cp.PH, cp.PW, bordersZero);
}

/**
 * One output plane of a depthwise correlation over a padded plane (row stride Wp):
 *   out[p][q] = (accumulate ? out[p][q] : b) + sum_{r,s} wt[r,s] * buf[p*U + r*DH][q*V + s*DW]
 * with wt[r,s] = w[R-1-r, S-1-s] when `flip` (the data gradient as a correlation).
 * 3x3 at row stride 1 keeps all nine weights in registers.
 */
function dwPlane(buf: usize, Wp: i32, w: usize, flip: bool, out: usize, P: i32, Q: i32,
                 R: i32, S: i32, U: i32, V: i32, DH: i32, DW: i32, b: f32, accumulate: bool): void {
  const RS = R * S;
  if (R == 3 && S == 3 && V == 1) {
    const i0 = flip ? 8 : 0, i1 = flip ? 7 : 1, i2 = flip ? 6 : 2, i3 = flip ? 5 : 3, i4 = 4;
    const i5 = flip ? 3 : 5, i6 = flip ? 2 : 6, i7 = flip ? 1 : 7, i8 = flip ? 0 : 8;
    const w0 = v128.load32_splat(w + (<usize>i0 << 2)), w1 = v128.load32_splat(w + (<usize>i1 << 2));
    const w2 = v128.load32_splat(w + (<usize>i2 << 2)), w3 = v128.load32_splat(w + (<usize>i3 << 2));
    const w4 = v128.load32_splat(w + (<usize>i4 << 2)), w5 = v128.load32_splat(w + (<usize>i5 << 2));
    const w6 = v128.load32_splat(w + (<usize>i6 << 2)), w7 = v128.load32_splat(w + (<usize>i7 << 2));
    const w8 = v128.load32_splat(w + (<usize>i8 << 2));
    const bv = f32x4.splat(b);
    const d1 = <usize>(DW << 2), d2 = <usize>(DW << 3);
    const rstep = <usize>(DH * Wp) << 2;
    for (let p = 0; p < P; p++) {
      const a0 = buf + (<usize>(p * U * Wp) << 2), a1 = a0 + rstep, a2 = a1 + rstep;
      const orow = out + (<usize>(p * Q) << 2);
      let q = 0;
      for (; q + 4 <= Q; q += 4) {
        const o = <usize>q << 2;
        let acc = accumulate ? v128.load(orow + o) : bv;
        acc = madd(w0, v128.load(a0 + o), acc);
        acc = madd(w1, v128.load(a0 + o + d1), acc);
        acc = madd(w2, v128.load(a0 + o + d2), acc);
        acc = madd(w3, v128.load(a1 + o), acc);
        acc = madd(w4, v128.load(a1 + o + d1), acc);
        acc = madd(w5, v128.load(a1 + o + d2), acc);
        acc = madd(w6, v128.load(a2 + o), acc);
        acc = madd(w7, v128.load(a2 + o + d1), acc);
        acc = madd(w8, v128.load(a2 + o + d2), acc);
        v128.store(orow + o, acc);
      }
      for (; q < Q; q++) {
        let acc: f32 = accumulate ? load<f32>(orow + (<usize>q << 2)) : b;
        for (let r = 0; r < 3; r++) {
          for (let s = 0; s < 3; s++) {
            const wi = flip ? RS - 1 - (r * 3 + s) : r * 3 + s;
            acc += load<f32>(w + (<usize>wi << 2)) * load<f32>(buf + (<usize>((p * U + r * DH) * Wp + q + s * DW) << 2));
          }
        }
        store<f32>(orow + (<usize>q << 2), acc);
      }
    }
    return;
  }
  const vec = V == 1 || V == 2;
  for (let p = 0; p < P; p++) {
    const row0 = buf + (<usize>(p * U * Wp) << 2);
    const orow = out + (<usize>(p * Q) << 2);
    let q = 0;
    if (vec) {
      for (; q + 4 <= Q; q += 4) {
        let acc = accumulate ? v128.load(orow + (<usize>q << 2)) : f32x4.splat(b);
        for (let r = 0; r < R; r++) {
          const rb = row0 + (<usize>(r * DH * Wp + q * V) << 2);
          for (let s = 0; s < S; s++) {
            const wi = flip ? RS - 1 - (r * S + s) : r * S + s;
            acc = f32x4.add(acc, f32x4.mul(v128.load32_splat(w + (<usize>wi << 2)),
              gather4(rb + (<usize>(s * DW) << 2), V)));
          }
        }
        v128.store(orow + (<usize>q << 2), acc);
      }
    }
    for (; q < Q; q++) {
      let acc: f32 = accumulate ? load<f32>(orow + (<usize>q << 2)) : b;
      for (let r = 0; r < R; r++) {
        const rb = row0 + (<usize>(r * DH * Wp + q * V) << 2);
        for (let s = 0; s < S; s++) {
          const wi = flip ? RS - 1 - (r * S + s) : r * S + s;
          acc += load<f32>(w + (<usize>wi << 2)) * load<f32>(rb + (<usize>(s * DW) << 2));
        }
      }
      store<f32>(orow + (<usize>q << 2), acc);
    }
  }
}

/** Four consecutive output columns' inputs at pointer pt for row stride V (1 or 2). */
// @ts-ignore: decorator
@inline
function gather4(pt: usize, V: i32): v128 {
  if (V == 1) return v128.load(pt);
  return v128.shuffle<f32>(v128.load(pt), v128.load(pt, 16), 0, 2, 4, 6);
}

/**
 * The kernels' work is claimed from a counter at `next` (an i32 the host zeroes) shared by all
 * threads of a call, `unit` items (planes or channels) at a time, until `total` are taken: a
 * thread that starts late, or is descheduled on a busy machine, leaves its share to the others
 * instead of holding up the call. Every item is computed whole by one thread, by the same code,
 * so results don't depend on the split. `zeroed`: the scratch's padded border was zeroed by an
 * earlier range of this thread (the pad helpers then write only the interior).
 */
// @ts-ignore: decorator
@inline
function claim(next: usize, unit: i32): i32 {
  return atomic.add<i32>(next, unit);
}

/**
 * Streaming (src/backends/wasm/stream.ts): the host copies planes in while the threads compute
 * and copies results out as units finish. `ready` (0: all planes are in) points at the count of
 * planes copied in so far, which the host raises: a unit waits for its planes. `done` (0: no
 * flags) points at one i32 per unit, set to 1 when the unit's results are written. A call takes
 * at most `maxUnits` units (the host's own thread takes one at a time, between its copies) and
 * returns how many it took.
 */
// @ts-ignore: decorator
@inline
function awaitPlanes(ready: usize, upTo: i32): void {
  if (ready != 0) while (atomic.load<i32>(ready) < upTo) {}
}

// @ts-ignore: decorator
@inline
function markDone(done: usize, a: i32, unit: i32): void {
  if (done == 0) return;
  const flag = done + (<usize>(a / unit) << 2);
  atomic.store<i32>(flag, 1);
  atomic.notify(flag, 1);
}

/** y for planes t in [0, total) (t = n*C + c), claimed `unit` at a time (see claim; streaming: see awaitPlanes). */
export function dwconv2d_forward(pp: usize, x: usize, w: usize, bias: usize, y: usize,
                                 total: i32, unit: i32, next: usize, scratch: usize,
                                 ready: usize, done: usize, maxUnits: i32): i32 {
  return runUnits(dwForwardRange, pp, x, w, bias, y, total, unit, next, scratch, ready, done, maxUnits);
}

/** A kernel's work on items [t0, t1) (planes or channels); a-d are the kernel's own pointers. */
type Range = (pp: usize, a: usize, b: usize, c: usize, d: usize, t0: i32, t1: i32, scratch: usize, zeroed: bool) => void;

/** Run `range` on units claimed from the counter (see claim and awaitPlanes); returns how many. */
function runUnits(range: Range, pp: usize, a: usize, b: usize, c: usize, d: usize, total: i32, unit: i32,
                  next: usize, scratch: usize, ready: usize, done: usize, maxUnits: i32): i32 {
  let zeroed = false, units = 0;
  for (; units < maxUnits; units++) {
    const t0 = claim(next, unit);
    if (t0 >= total) break;
    const t1 = min(t0 + unit, total);
    awaitPlanes(ready, t1);
    range(pp, a, b, c, d, t0, t1, scratch, zeroed);
    markDone(done, t0, unit);
    zeroed = true;
  }
  return units;
}

/** y for planes t in [t0, t1) (t = n*C + c), every output channel of each plane's group. */
function dwForwardRange(pp: usize, x: usize, w: usize, bias: usize, y: usize,
                        t0: i32, t1: i32, scratch: usize, zeroed: bool): void {
  const cp = paramsAt(pp);
  const C = cp.C, Mg = cp.M / C, R = cp.R, S = cp.S, P = cp.P, Q = cp.Q, U = cp.U, V = cp.V;
  const Wp = padCols(cp), RS = R * S;
  const HW = <usize>(cp.H * cp.W), PQ = <usize>(P * Q);
  const buf = (scratch + 15) & ~<usize>15;
  // The micro-kernels of dwconv3x3.ts: 1 = stride 1, 2 = stride 2 (3x3, dilation 1).
  const dense3x3 = R == 3 && S == 3 && cp.DH == 1 && cp.DW == 1;
  const fast = !dense3x3 ? 0 : U == 1 && V == 1 ? 1 : U == 2 && V == 2 ? 2 : 0;
  for (let t = t0; t < t1; t++) {
    const n = t / C, c = t - n * C;
    const plane = x + (<usize>t * HW << 2);
    // Stride 1 after the first plane (border zeroed): the kernel copies the plane in itself.
    const fused = fast == 1 && (zeroed || t > t0) && fits(cp.H, cp.W, cp.PH, cp.PW, padRows(cp), Wp);
    if (!fused) padPlane(cp, plane, buf, zeroed || t > t0);
    for (let k = 0; k < Mg; k++) {
      const m = c * Mg + k;
      const b: f32 = bias != 0 ? load<f32>(bias + (<usize>m << 2)) : 0;
      const ym = y + ((<usize>n * cp.M + <usize>m) * PQ << 2), wm = w + (<usize>(m * RS) << 2);
      if (fast == 1) {
        f32_dwconv3x3s1_wasmsimd(buf, Wp, wm, false, ym, P, Q, b, fused && k == 0 ? plane : 0, cp.H, cp.W, cp.PH, cp.PW);
        continue;
      }
      if (fast == 2) { f32_dwconv3x3s2_wasmsimd(buf, Wp, wm, ym, P, Q, b); continue; }
      dwPlane(buf, Wp, w + (<usize>(m * RS) << 2), false, y + ((<usize>n * cp.M + <usize>m) * PQ << 2),
        P, Q, R, S, U, V, cp.DH, cp.DW, b, false);
    }
  }
}

/**
 * dx for planes t in [0, total), claimed `unit` at a time (see claim; streaming: see awaitPlanes). Stride 1: a correlation of the padded dy with the flipped filter
 * (see dwPlane). Other strides: scatter w * dy into a padded plane, then crop.
 */
export function dwconv2d_backward_input(pp: usize, dy: usize, w: usize, dx: usize,
                                        total: i32, unit: i32, next: usize, scratch: usize,
                                        ready: usize, done: usize, maxUnits: i32): i32 {
  return runUnits(dwBackwardInputUnit, pp, dy, w, dx, 0, total, unit, next, scratch, ready, done, maxUnits);
}

function dwBackwardInputUnit(pp: usize, dy: usize, w: usize, dx: usize, _: usize, t0: i32, t1: i32, scratch: usize, zeroed: bool): void {
  dwBackwardInputRange(pp, dy, w, dx, t0, t1, scratch, zeroed);
}

function dwBackwardInputRange(pp: usize, dy: usize, w: usize, dx: usize,
                              t0: i32, t1: i32, scratch: usize, zeroed: bool): void {
  const cp = paramsAt(pp);
  const C = cp.C, Mg = cp.M / C, R = cp.R, S = cp.S, P = cp.P, Q = cp.Q, U = cp.U, V = cp.V;
  const H = cp.H, W = cp.W, Hp = padRows(cp), Wp = padCols(cp), RS = R * S;
  const HW = <usize>(H * W), PQ = <usize>(P * Q);
  const buf = (scratch + 15) & ~<usize>15;
  // Stride 1: the data gradient is a correlation of the padded dy with the flipped filter
  // (a gather: one store per output instead of R*S read-modify-writes).
  const T = cp.DH * (R - 1) - cp.PH, L = cp.DW * (S - 1) - cp.PW;
  if (U == 1 && V == 1 && T >= 0 && L >= 0) {
    const Hb = H + (R - 1) * cp.DH, Wb = W + (S - 1) * cp.DW + 8;
    for (let t = t0; t < t1; t++) {
      const n = t / C, c = t - n * C;
      for (let k = 0; k < Mg; k++) {
        const m = c * Mg + k;
        const g = dy + ((<usize>n * cp.M + <usize>m) * PQ << 2);
        // 3x3 (one output channel per plane, so nothing to accumulate): after the first plane
        // the kernel copies dy in itself, as in the forward.
        if (Mg == 1 && R == 3 && S == 3 && cp.DH == 1 && cp.DW == 1) {
          const fused = (zeroed || t > t0) && fits(P, Q, T, L, Hb, Wb);
          if (!fused) padInto(g, P, Q, buf, Hb, Wb, T, L, zeroed || t > t0);
          f32_dwconv3x3s1_wasmsimd(buf, Wb, w + (<usize>(m * RS) << 2), true, dx + (<usize>t * HW << 2), H, W, 0,
            fused ? g : 0, P, Q, T, L);
          continue;
        }
        padInto(g, P, Q, buf, Hb, Wb, T, L, zeroed || t > t0 || k > 0);
        dwPlane(buf, Wb, w + (<usize>(m * RS) << 2), true, dx + (<usize>t * HW << 2),
          H, W, R, S, 1, 1, cp.DH, cp.DW, 0, k > 0);
      }
    }
    return;
  }
  // 3x3 stride 2, one output channel per plane: a gather per row of dx (see dwconv3x3.ts).
  if (U == 2 && V == 2 && R == 3 && S == 3 && cp.DH == 1 && cp.DW == 1 && Mg == 1) {
    // The padded dy (G) and the row buffer behind it; conv.ts dwScratchBytes reserves them.
    const A4 = (((cp.PW + W + 1) >> 1) + 3) & ~3, Hg = ((cp.PH + H - 1) >> 1) + 2, Wg = A4 + 9;
    const row = (buf + (<usize>(Hg * Wg) << 2) + 15) & ~<usize>15;
    for (let t = t0; t < t1; t++) {
      padInto(dy + (<usize>t * PQ << 2), P, Q, buf, Hg, Wg, 1, 1, zeroed || t > t0);
      f32_dwconv3x3s2_backward_input_wasmsimd(buf, Wg, w + (<usize>((t % C) * RS) << 2), dx + (<usize>t * HW << 2),
        H, W, cp.PH, cp.PW, row);
    }
    return;
  }
  for (let t = t0; t < t1; t++) {
    const n = t / C, c = t - n * C;
    memory.fill(buf, 0, <usize>(Hp * Wp) << 2);
    for (let k = 0; k < Mg; k++) {
      const m = c * Mg + k;
      const wm = w + (<usize>(m * RS) << 2);
      const g = dy + ((<usize>n * cp.M + <usize>m) * PQ << 2);
      for (let p = 0; p < P; p++) {
        const row0 = buf + (<usize>(p * U * Wp) << 2);
        const grow = g + (<usize>(p * Q) << 2);
        let q = 0;
        if (V == 1) {
          for (; q + 4 <= Q; q += 4) {
            const d = v128.load(grow + (<usize>q << 2));
            for (let r = 0; r < R; r++) {
              const rb = row0 + (<usize>(r * cp.DH * Wp + q) << 2);
              for (let s = 0; s < S; s++) {
                const pt = rb + (<usize>(s * cp.DW) << 2);
                v128.store(pt, f32x4.add(v128.load(pt), f32x4.mul(v128.load32_splat(wm + (<usize>(r * S + s) << 2)), d)));
              }
            }
          }
        }
        for (; q < Q; q++) {
          const d = load<f32>(grow + (<usize>q << 2));
          for (let r = 0; r < R; r++) {
            const rb = row0 + (<usize>(r * cp.DH * Wp + q * V) << 2);
            for (let s = 0; s < S; s++) {
              const pt = rb + (<usize>(s * cp.DW) << 2);
              store<f32>(pt, load<f32>(pt) + load<f32>(wm + (<usize>(r * S + s) << 2)) * d);
            }
          }
        }
      }
    }
    // Crop: input pixels the window never reached get 0.
    const plane = dx + (<usize>t * HW << 2);
    for (let ih = 0; ih < H; ih++) {
      const br = ih + cp.PH;
      const orow = plane + (<usize>(ih * W) << 2);
      if (br < 0 || br >= Hp) { memory.fill(orow, 0, <usize>W << 2); continue; }
      for (let iw = 0; iw < W; iw++) {
        const bc = iw + cp.PW;
        store<f32>(orow + (<usize>iw << 2), bc >= 0 && bc < Wp - 8 ? load<f32>(buf + (<usize>(br * Wp + bc) << 2)) : 0);
      }
    }
  }
}

/** Horizontal sum of a vector. */
// @ts-ignore: decorator
@inline
function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

/**
 * dw[r,s] += sum_{p,q} dy[p][q] * buf[p*U + r*DH][q + s*DW] for a 3x3 filter at row stride 1:
 * one pass over dy with nine accumulators (one dy load feeds nine products), instead of nine.
 */
function dwFilterGrad3x3(buf: usize, Wp: i32, g: usize, P: i32, Q: i32, U: i32, DH: i32, DW: i32, wm: usize): void {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0);
  let a3 = f32x4.splat(0), a4 = f32x4.splat(0), a5 = f32x4.splat(0);
  let a6 = f32x4.splat(0), a7 = f32x4.splat(0), a8 = f32x4.splat(0);
  let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0, s4: f32 = 0, s5: f32 = 0, s6: f32 = 0, s7: f32 = 0, s8: f32 = 0;
  const d1 = <usize>(DW << 2), d2 = <usize>(DW << 3);
  const rstep = <usize>(DH * Wp) << 2;
  for (let p = 0; p < P; p++) {
    const r0 = buf + (<usize>(p * U * Wp) << 2), r1 = r0 + rstep, r2 = r1 + rstep;
    const grow = g + (<usize>(p * Q) << 2);
    let q = 0;
    for (; q + 4 <= Q; q += 4) {
      const o = <usize>q << 2;
      const d = v128.load(grow + o);
      a0 = madd(d, v128.load(r0 + o), a0); a1 = madd(d, v128.load(r0 + o + d1), a1); a2 = madd(d, v128.load(r0 + o + d2), a2);
      a3 = madd(d, v128.load(r1 + o), a3); a4 = madd(d, v128.load(r1 + o + d1), a4); a5 = madd(d, v128.load(r1 + o + d2), a5);
      a6 = madd(d, v128.load(r2 + o), a6); a7 = madd(d, v128.load(r2 + o + d1), a7); a8 = madd(d, v128.load(r2 + o + d2), a8);
    }
    for (; q < Q; q++) {
      const o = <usize>q << 2;
      const d = load<f32>(grow + o);
      s0 += d * load<f32>(r0 + o); s1 += d * load<f32>(r0 + o + d1); s2 += d * load<f32>(r0 + o + d2);
      s3 += d * load<f32>(r1 + o); s4 += d * load<f32>(r1 + o + d1); s5 += d * load<f32>(r1 + o + d2);
      s6 += d * load<f32>(r2 + o); s7 += d * load<f32>(r2 + o + d1); s8 += d * load<f32>(r2 + o + d2);
    }
  }
  store<f32>(wm, load<f32>(wm) + hsum(a0) + s0);
  store<f32>(wm, load<f32>(wm, 4) + hsum(a1) + s1, 4);
  store<f32>(wm, load<f32>(wm, 8) + hsum(a2) + s2, 8);
  store<f32>(wm, load<f32>(wm, 12) + hsum(a3) + s3, 12);
  store<f32>(wm, load<f32>(wm, 16) + hsum(a4) + s4, 16);
  store<f32>(wm, load<f32>(wm, 20) + hsum(a5) + s5, 20);
  store<f32>(wm, load<f32>(wm, 24) + hsum(a6) + s6, 24);
  store<f32>(wm, load<f32>(wm, 28) + hsum(a7) + s7, 28);
  store<f32>(wm, load<f32>(wm, 32) + hsum(a8) + s8, 32);
}

/**
 * dw for input channels [0, total) (all their output channels), summed over all images,
 * claimed `unit` channels at a time (see claim; streaming: see awaitPlanes, counting channels).
 */
export function dwconv2d_backward_filter(pp: usize, x: usize, dy: usize, dw: usize,
                                         total: i32, unit: i32, next: usize, scratch: usize,
                                         ready: usize, done: usize, maxUnits: i32): i32 {
  return runUnits(dwBackwardFilterUnit, pp, x, dy, dw, 0, total, unit, next, scratch, ready, done, maxUnits);
}

function dwBackwardFilterUnit(pp: usize, x: usize, dy: usize, dw: usize, _: usize, c0: i32, c1: i32, scratch: usize, zeroed: bool): void {
  dwBackwardFilterRange(pp, x, dy, dw, c0, c1, scratch, zeroed);
}

/** dw for input channels [c0, c1) (all their output channels), summed over all images. */
function dwBackwardFilterRange(pp: usize, x: usize, dy: usize, dw: usize,
                               c0: i32, c1: i32, scratch: usize, zeroed: bool): void {
  const cp = paramsAt(pp);
  const N = cp.N, C = cp.C, Mg = cp.M / C, R = cp.R, S = cp.S, P = cp.P, Q = cp.Q, U = cp.U, V = cp.V;
  const Wp = padCols(cp), RS = R * S;
  const HW = <usize>(cp.H * cp.W), PQ = <usize>(P * Q);
  const buf = (scratch + 15) & ~<usize>15;
  const vec = V == 1 || V == 2;
  const fast = R == 3 && S == 3 && U == 1 && V == 1 && cp.DH == 1 && cp.DW == 1;
  memory.fill(dw + (<usize>(c0 * Mg * RS) << 2), 0, <usize>((c1 - c0) * Mg * RS) << 2);
  // Images outside, channels inside: each image's slice of x and dy is read as one sequential
  // stream (channel-major order jumps a whole image ahead per plane, and N=32 is memory bound).
  // Every dw element still sums over n in ascending order, so results don't depend on threads.
  for (let n = 0; n < N; n++) {
    for (let c = c0; c < c1; c++) {
      const plane = x + ((<usize>n * C + <usize>c) * HW << 2);
      const first = !zeroed && n == 0 && c == c0;
      // Stride 1 after the first plane (border zeroed): the kernel copies the plane in itself.
      const fused = fast && !first && fits(cp.H, cp.W, cp.PH, cp.PW, padRows(cp), Wp);
      if (!fused) padPlane(cp, plane, buf, !first);
      for (let k = 0; k < Mg; k++) {
        const m = c * Mg + k;
        const g = dy + ((<usize>n * cp.M + <usize>m) * PQ << 2);
        const wm = dw + (<usize>(m * RS) << 2);
        if (fast) {
          f32_dwconv3x3s1_filtergrad_wasmsimd(buf, Wp, g, P, Q, wm, fused && k == 0 ? plane : 0, cp.H, cp.W, cp.PH, cp.PW);
          continue;
        }
        if (R == 3 && S == 3 && U == 2 && V == 2 && cp.DH == 1 && cp.DW == 1) {
          f32_dwconv3x3s2_filtergrad_wasmsimd(buf, Wp, g, P, Q, wm);
          continue;
        }
        if (R == 3 && S == 3 && V == 1) {
          dwFilterGrad3x3(buf, Wp, g, P, Q, U, cp.DH, cp.DW, wm);
          continue;
        }
        for (let r = 0; r < R; r++) {
          for (let s = 0; s < S; s++) {
            let acc = f32x4.splat(0);
            let tail: f32 = 0;
            for (let p = 0; p < P; p++) {
              const rb = buf + (<usize>((p * U + r * cp.DH) * Wp + s * cp.DW) << 2);
              const grow = g + (<usize>(p * Q) << 2);
              let q = 0;
              if (vec) {
                for (; q + 4 <= Q; q += 4) {
                  acc = f32x4.add(acc, f32x4.mul(v128.load(grow + (<usize>q << 2)), gather4(rb + (<usize>(q * V) << 2), V)));
                }
              }
              for (; q < Q; q++) tail += load<f32>(grow + (<usize>q << 2)) * load<f32>(rb + (<usize>(q * V) << 2));
            }
            const e = wm + (<usize>(r * S + s) << 2);
            store<f32>(e, load<f32>(e) + f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) +
              f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3) + tail);
          }
        }
      }
    }
  }
}
