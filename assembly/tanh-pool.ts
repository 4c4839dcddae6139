// The gradient through Sequential's fused Conv2d, Tanh, AvgPool2d(2) back to the conv output,
// in one pass: dz = avgPool2x2'(dy) * tanh'(y), with the operations of f32_avgpool2x2_backward
// and then f32_tanh_grad (dy * 0.25, then g * ((1 - y)(1 + y))), so the same bits as the two
// kernels one after the other, without the intermediate gradient.

/**
 * dz [planes, H, W] from dy [planes, P, Q] (the pooled output's gradient) and y [planes, H, W]
 * (the tanh output), for planes [t0, t1). A dropped odd last row or column gets 0.
 */
export function f32_avgpool2x2_tanh_backward(y: usize, dy: usize, dz: usize, H: i32, W: i32, P: i32, Q: i32,
                                             t0: i32, t1: i32): void {
  const quarter = f32x4.splat(0.25), one = f32x4.splat(1);
  for (let t = t0; t < t1; t++) {
    if (2 * P < H || 2 * Q < W) memory.fill(dz + (<usize>(t * H * W) << 2), 0, <usize>(H * W) << 2);
    for (let p = 0; p < P; p++) {
      const row = <usize>((t * H + 2 * p) * W) << 2, down = <usize>W << 2;
      const o = (t * P + p) * Q;
      let q = 0;
      for (; q + 4 <= Q; q += 4) {
        const g = f32x4.mul(v128.load(dy + (<usize>(o + q) << 2)), quarter);
        const left = i32x4.shuffle(g, g, 0, 0, 1, 1), right = i32x4.shuffle(g, g, 2, 2, 3, 3);
        const off = row + (<usize>(2 * q) << 2);
        let a = v128.load(y + off);
        v128.store(dz + off, f32x4.mul(left, f32x4.mul(f32x4.sub(one, a), f32x4.add(one, a))));
        a = v128.load(y + off, 16);
        v128.store(dz + off, f32x4.mul(right, f32x4.mul(f32x4.sub(one, a), f32x4.add(one, a))), 16);
        a = v128.load(y + off + down);
        v128.store(dz + off + down, f32x4.mul(left, f32x4.mul(f32x4.sub(one, a), f32x4.add(one, a))));
        a = v128.load(y + off + down, 16);
        v128.store(dz + off + down, f32x4.mul(right, f32x4.mul(f32x4.sub(one, a), f32x4.add(one, a))), 16);
      }
      for (; q < Q; q++) {
        const g = load<f32>(dy + (<usize>(o + q) << 2)) * <f32>0.25;
        const off = row + (<usize>(2 * q) << 2);
        for (let i = 0; i < 4; i++) {
          const at = off + (i >= 2 ? down : 0) + (<usize>(i & 1) << 2);
          const a = load<f32>(y + at);
          store<f32>(dz + at, g * ((1 - a) * (1 + a)));
        }
      }
    }
  }
}
