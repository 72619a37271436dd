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

/**
 * The sum of the four lanes in f64 as (x0 + x2) + (x1 + x3): the lane pairs converted and added
 * as f64x2, fewer instructions than lanes (for folds that run once per query of a small call).
 */
// @ts-ignore: decorator
@inline
export function lanesPaired(x: v128): f64 {
  const s = f64x2.add(f64x2.promote_low_f32x4(x), f64x2.promote_low_f32x4(v128.shuffle<f32>(x, x, 2, 3, 2, 3)));
  return f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
}
