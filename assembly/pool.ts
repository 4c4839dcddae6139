// 2x2, stride-2, unpadded max pooling with argmax, planes [t0, t1) of x [planes, H, W] (an
// odd last row or column is dropped, P = H/2, Q = W/2 rounded down). The rules are the
// reference's exactly: in window order (r, then s) the first maximum wins ties and the first
// NaN wins over any number. Four windows at a time: two rows of eight floats are split into
// even and odd columns and reduced as a tournament (left vs right, then top vs bottom), each
// match taking the later candidate only if it is greater, or NaN against a number; that is the
// window-order scan's result. argmax is the flat index into x.

/** Winner of (va, ia) against the later (vb, ib): the mask where vb wins. */
// @ts-ignore: decorator
@inline
function laterWins(va: v128, vb: v128): v128 {
  return v128.or(f32x4.gt(vb, va), v128.and(f32x4.ne(vb, vb), f32x4.eq(va, va)));
}

// @ts-ignore: decorator
@inline
function laterWinsScalar(a: f32, b: f32): bool {
  return b > a || (b != b && a == a);
}

/**
 * The four windows starting at output column q of the row pair at flat index i of x, stored
 * at o; argmax gets base + the index into x.
 */
// @ts-ignore: decorator
@inline
function windows4(x: usize, y: usize, argmax: usize, i: i32, W: i32, q: i32, o: i32, base: i32): void {
  const at = x + (<usize>(i + 2 * q) << 2);
  const t0 = v128.load(at), t1 = v128.load(at, 16);
  const b0 = v128.load(at + (<usize>W << 2)), b1 = v128.load(at + (<usize>W << 2), 16);
  const a = i32x4.shuffle(t0, t1, 0, 2, 4, 6), b = i32x4.shuffle(t0, t1, 1, 3, 5, 7);
  const c = i32x4.shuffle(b0, b1, 0, 2, 4, 6), d = i32x4.shuffle(b0, b1, 1, 3, 5, 7);
  const ia = i32x4.add(i32x4.splat(base + i + 2 * q), i32x4(0, 2, 4, 6)), ic = i32x4.add(ia, i32x4.splat(W));
  const one = i32x4.splat(1);
  const mTop = laterWins(a, b), mBottom = laterWins(c, d);
  const top = v128.bitselect(b, a, mTop), itop = v128.bitselect(i32x4.add(ia, one), ia, mTop);
  const bottom = v128.bitselect(d, c, mBottom), ibottom = v128.bitselect(i32x4.add(ic, one), ic, mBottom);
  const m = laterWins(top, bottom);
  v128.store(y + (<usize>o << 2), v128.bitselect(bottom, top, m));
  v128.store(argmax + (<usize>o << 2), v128.bitselect(ibottom, itop, m));
}

/** One window (rows shorter than four windows), branch-free: the same matches with selects. */
// @ts-ignore: decorator
@inline
function window1(x: usize, y: usize, argmax: usize, i: i32, W: i32, o: i32, base: i32): void {
  const a = load<f32>(x + (<usize>i << 2)), b = load<f32>(x + (<usize>(i + 1) << 2));
  const c = load<f32>(x + (<usize>(i + W) << 2)), d = load<f32>(x + (<usize>(i + W + 1) << 2));
  const ia = base + i, ic = ia + W;
  const mTop = laterWinsScalar(a, b), mBottom = laterWinsScalar(c, d);
  const top = select<f32>(b, a, mTop), itop = select<i32>(ia + 1, ia, mTop);
  const bottom = select<f32>(d, c, mBottom), ibottom = select<i32>(ic + 1, ic, mBottom);
  const m = laterWinsScalar(top, bottom);
  store<f32>(y + (<usize>o << 2), select<f32>(bottom, top, m));
  store<i32>(argmax + (<usize>o << 2), select<i32>(ibottom, itop, m));
}

/**
 * Pool one plane at x [H, W] into y [P, Q] and argmax (indices base + offset in the plane).
 * Also used by the fused batch norm + relu + pool kernel on a plane it computed into scratch.
 */
// @ts-ignore: decorator
@inline
export function maxPoolPlane2x2(x: usize, y: usize, argmax: usize, H: i32, W: i32, P: i32, Q: i32, base: i32): void {
  for (let p = 0; p < P; p++) {
    const i = 2 * p * W; // the window row's first element in the plane
    const o = p * Q;
    if (Q < 4) {
      for (let q = 0; q < Q; q++) window1(x, y, argmax, i + 2 * q, W, o + q, base);
      continue;
    }
    let q = 0;
    for (; q + 4 <= Q; q += 4) windows4(x, y, argmax, i, W, q, o + q, base);
    // A ragged end: the last four windows again, overlapping (same values rewritten); a
    // scalar tail's data-dependent branches cost more than the whole vector row.
    if (q < Q) windows4(x, y, argmax, i, W, Q - 4, o + Q - 4, base);
  }
}

export function f32_maxpool2x2(x: usize, y: usize, argmax: usize, H: i32, W: i32, P: i32, Q: i32, t0: i32, t1: i32): void {
  for (let t = t0; t < t1; t++) {
    const out = <usize>(t * P * Q) << 2;
    maxPoolPlane2x2(x + (<usize>(t * H * W) << 2), y + out, argmax + out, H, W, P, Q, t * H * W);
  }
}

// 2x2, stride-2, unpadded average pooling, planes [t0, t1), and its data gradient. Sums are
// float64, left to right in window order ((a + b) + c) + d, times 0.25, rounded once: the bits
// of the JavaScript loop (resample.ts) and of the reference's float64 sums.

/** Two f32 lanes (the low two of v) widened. */
// @ts-ignore: decorator
@inline
function wideLow(v: v128): v128 {
  return f64x2.promote_low_f32x4(v);
}

// @ts-ignore: decorator
@inline
function wideHigh(v: v128): v128 {
  return f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 2, 3));
}

// @ts-ignore: decorator
@inline
function mean4(a: v128, b: v128, c: v128, d: v128): v128 {
  const q = f64x2.splat(0.25);
  const lo = f64x2.mul(f64x2.add(f64x2.add(f64x2.add(wideLow(a), wideLow(b)), wideLow(c)), wideLow(d)), q);
  const hi = f64x2.mul(f64x2.add(f64x2.add(f64x2.add(wideHigh(a), wideHigh(b)), wideHigh(c)), wideHigh(d)), q);
  return i32x4.shuffle(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
}

/** The four windows starting at output column q of the row pair at x + i floats, stored at o. */
// @ts-ignore: decorator
@inline
function averages4(x: usize, y: usize, i: i32, W: i32, q: i32, o: i32): void {
  const at = x + (<usize>(i + 2 * q) << 2);
  const t0 = v128.load(at), t1 = v128.load(at, 16);
  const b0 = v128.load(at + (<usize>W << 2)), b1 = v128.load(at + (<usize>W << 2), 16);
  const a = i32x4.shuffle(t0, t1, 0, 2, 4, 6), b = i32x4.shuffle(t0, t1, 1, 3, 5, 7);
  const c = i32x4.shuffle(b0, b1, 0, 2, 4, 6), d = i32x4.shuffle(b0, b1, 1, 3, 5, 7);
  v128.store(y + (<usize>o << 2), mean4(a, b, c, d));
}

export function f32_avgpool2x2(x: usize, y: usize, H: i32, W: i32, P: i32, Q: i32, t0: i32, t1: i32): void {
  for (let t = t0; t < t1; t++) {
    for (let p = 0; p < P; p++) {
      const i = (t * H + 2 * p) * W;
      const o = (t * P + p) * Q;
      if (Q < 4) {
        for (let q = 0; q < Q; q++) {
          const j = x + (<usize>(i + 2 * q) << 2), k = j + (<usize>W << 2);
          const s = <f64>load<f32>(j) + <f64>load<f32>(j, 4) + <f64>load<f32>(k) + <f64>load<f32>(k, 4);
          store<f32>(y + (<usize>(o + q) << 2), <f32>(s * 0.25));
        }
        continue;
      }
      let q = 0;
      for (; q + 4 <= Q; q += 4) averages4(x, y, i, W, q, o + q);
      // A ragged end: the last four windows again (overlapping; same values rewritten).
      if (q < Q) averages4(x, y, i, W, Q - 4, o + Q - 4);
    }
  }
}

/**
 * dx [planes, H, W] from dy [planes, P, Q]: each window's four inputs get dy * 0.25 (windows
 * do not overlap); a dropped odd last row or column gets 0.
 */
export function f32_avgpool2x2_backward(dy: usize, dx: usize, H: i32, W: i32, P: i32, Q: i32, t0: i32, t1: i32): void {
  const quarter = f32x4.splat(0.25);
  for (let t = t0; t < t1; t++) {
    if (2 * P < H || 2 * Q < W) memory.fill(dx + (<usize>(t * H * W) << 2), 0, <usize>(H * W) << 2);
    for (let p = 0; p < P; p++) {
      const top = dx + (<usize>((t * H + 2 * p) * W) << 2), bottom = top + (<usize>W << 2);
      const o = (t * P + p) * Q;
      let q = 0;
      for (; q + 4 <= Q; q += 4) {
        const g = f32x4.mul(v128.load(dy + (<usize>(o + q) << 2)), quarter);
        const left = i32x4.shuffle(g, g, 0, 0, 1, 1), right = i32x4.shuffle(g, g, 2, 2, 3, 3);
        const off = <usize>(2 * q) << 2;
        v128.store(top + off, left); v128.store(top + off, right, 16);
        v128.store(bottom + off, left); v128.store(bottom + off, right, 16);
      }
      for (; q < Q; q++) {
        const g = load<f32>(dy + (<usize>(o + q) << 2)) * <f32>0.25;
        const off = <usize>(2 * q) << 2;
        store<f32>(top + off, g); store<f32>(top + off, g, 4);
        store<f32>(bottom + off, g); store<f32>(bottom + off, g, 4);
      }
    }
  }
}
