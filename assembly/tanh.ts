// tanh and its derivative over four lanes. tanh is Eigen's generic_fast_tanh_float: a [13/6]
// rational minimax fit on [-7.905, 7.905] (inputs clamped there) evaluated in float32, within
// a few ulp of the exact value; |x| < 0.0004 returns x (the fit's slope at 0 is 1 - 1.3e-7).
// tanh(-0) = -0 and NaN stays NaN (wasm's min/max propagate it). Multiply and add stay
// separate, so both module builds give the same bits.

const A1: f32 = 4.89352455891786e-3, A3: f32 = 6.37261928875436e-4, A5: f32 = 1.48572235717979e-5;
const A7: f32 = 5.12229709037114e-8, A9: f32 = -8.60467152213735e-11, A11: f32 = 2.00018790482477e-13;
const A13: f32 = -2.76076847742355e-16;
const B0: f32 = 4.89352518554385e-3, B2: f32 = 2.26843463243900e-3, B4: f32 = 1.18534705686654e-4;
const B6: f32 = 1.19825839466702e-6;
const CLAMP: f32 = 7.90531110763549805;
const TINY: f32 = 0.0004;

// @ts-ignore: decorator
@inline
export function tanh4(a: v128): v128 {
  // pmin(a, b) = b < a ? b : a keeps a NaN first operand and is one instruction, where min's
  // NaN and -0 rules cost seven on x86.
  const x = f32x4.pmax(f32x4.pmin(a, f32x4.splat(CLAMP)), f32x4.splat(-CLAMP));
  const x2 = f32x4.mul(x, x);
  let p = f32x4.add(f32x4.mul(x2, f32x4.splat(A13)), f32x4.splat(A11));
  p = f32x4.add(f32x4.mul(x2, p), f32x4.splat(A9));
  p = f32x4.add(f32x4.mul(x2, p), f32x4.splat(A7));
  p = f32x4.add(f32x4.mul(x2, p), f32x4.splat(A5));
  p = f32x4.add(f32x4.mul(x2, p), f32x4.splat(A3));
  p = f32x4.add(f32x4.mul(x2, p), f32x4.splat(A1));
  p = f32x4.mul(x, p);
  let q = f32x4.add(f32x4.mul(x2, f32x4.splat(B6)), f32x4.splat(B4));
  q = f32x4.add(f32x4.mul(x2, q), f32x4.splat(B2));
  q = f32x4.add(f32x4.mul(x2, q), f32x4.splat(B0));
  const r = f32x4.pmax(f32x4.pmin(f32x4.div(p, q), f32x4.splat(1)), f32x4.splat(-1));
  return v128.bitselect(a, r, f32x4.lt(f32x4.abs(a), f32x4.splat(TINY)));
}

/** tanh4 on one lane: the same operations in the same order, so the same bits. */
// @ts-ignore: decorator
@inline
function tanh1(a: f32): f32 {
  const lo = CLAMP < a ? CLAMP : a; // pmin(a, CLAMP)
  const x = lo < -CLAMP ? -CLAMP : lo; // pmax(lo, -CLAMP)
  const x2 = x * x;
  let p = x2 * A13 + A11;
  p = x2 * p + A9;
  p = x2 * p + A7;
  p = x2 * p + A5;
  p = x2 * p + A3;
  p = x2 * p + A1;
  p = x * p;
  let q = x2 * B6 + B4;
  q = x2 * q + B2;
  q = x2 * q + B0;
  const d = p / q;
  const e: f32 = 1 < d ? 1 : d;
  const r: f32 = e < -1 ? -1 : e;
  return abs<f32>(a) < TINY ? a : r;
}

/** y = tanh(x) over n floats. */
export function f32_tanh(x: usize, y: usize, n: i32): void {
  let i = 0;
  // Two vectors per iteration: two independent polynomial chains in flight.
  for (; i + 8 <= n; i += 8) {
    const o = <usize>i << 2;
    const a = tanh4(v128.load(x + o)), b = tanh4(v128.load(x + o, 16));
    v128.store(y + o, a);
    v128.store(y + o, b, 16);
  }
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, tanh4(v128.load(x + o)));
  }
  for (; i < n; i++) store<f32>(y + (<usize>i << 2), tanh1(load<f32>(x + (<usize>i << 2))));
}

/** dx = dy * (1 - y^2) over n floats, as (1 - y)(1 + y): no cancellation when |y| is near 1. */
export function f32_tanh_grad(y: usize, dy: usize, dx: usize, n: i32): void {
  const one = f32x4.splat(1);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const t = v128.load(y + o);
    v128.store(dx + o, f32x4.mul(v128.load(dy + o), f32x4.mul(f32x4.sub(one, t), f32x4.add(one, t))));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const t = load<f32>(y + o);
    store<f32>(dx + o, load<f32>(dy + o) * ((1 - t) * (1 + t)));
  }
}
