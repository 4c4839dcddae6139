// Convolution shape parameters, read from a block of 16 i32 the host writes into memory
// (one pointer instead of sixteen arguments on every kernel call).
// Layout: N C H W M R S P Q U V PH PW DH DW G  (DESIGN.md names; U/V strides, D dilations).

export class ConvParams {
  N: i32; C: i32; H: i32; W: i32; M: i32; R: i32; S: i32; P: i32; Q: i32;
  U: i32; V: i32; PH: i32; PW: i32; DH: i32; DW: i32; G: i32;
}

/** Read the parameter block at p (the class has exactly this field layout, so just cast). */
// @ts-ignore: decorator
@inline
export function paramsAt(p: usize): ConvParams {
  return changetype<ConvParams>(p);
}
