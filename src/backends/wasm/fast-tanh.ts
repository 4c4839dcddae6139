/**
 * tanh for float32 outputs without Math.tanh, which V8 computes with the double-precision
 * fdlibm routine (~35 ns per element measured here; tanh was LeNet-5's largest single cost in a
 * training step). A [13/6] rational minimax fit of tanh on |x| < 7.9 (Eigen's
 * generic_fast_tanh_float coefficients), evaluated in double, stays within a few float32 ulp
 * of the exact value; outside that range, and for NaN/Infinity, Math.tanh is called (rare).
 * tanh(-0) = -0 and the output is odd-symmetric, as the reference's.
 */
const A1 = 4.89352455891786e-3, A3 = 6.37261928875436e-4, A5 = 1.48572235717979e-5, A7 = 5.12229709037114e-8;
const A9 = -8.60467152213735e-11, A11 = 2.00018790482477e-13, A13 = -2.76076847742355e-16;
const B0 = 4.89352518554385e-3, B2 = 2.26843463243900e-3, B4 = 1.18534705686654e-4, B6 = 1.19825839466702e-6;
const LIMIT = 7.9;

/** y = tanh(x) element-wise into a new array. @example fastTanh(Float32Array.of(0.5)) // [0.4621…] */
export function fastTanh(x: Float32Array): Float32Array {
  const y = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (v < LIMIT && v > -LIMIT) {
      const v2 = v * v;
      const p = v * (((((((A13 * v2 + A11) * v2 + A9) * v2 + A7) * v2 + A5) * v2 + A3) * v2) + A1);
      const q = ((B6 * v2 + B4) * v2 + B2) * v2 + B0;
      y[i] = p / q;
    } else {
      y[i] = Math.tanh(v);
    }
  }
  return y;
}
