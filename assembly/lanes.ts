// Summation shared by the fused kernels: f32x4 lane sums over blocks of at most BLOCK keys,
// each block folded into f64 totals, so the rounding error of a sum does not grow with the
// number of keys.

// @ts-ignore: decorator
@inline export const BLOCK: i32 = 1024;

/** The sum of the four lanes, in f64. */
// @ts-ignore: decorator
@inline
export function lanes(x: v128): f64 {
  return <f64>f32x4.extract_lane(x, 0) + <f64>f32x4.extract_lane(x, 1) + <f64>f32x4.extract_lane(x, 2) + <f64>f32x4.extract_lane(x, 3);
}
