/**
 * e^x for x ≤ 0 in float64, about three times faster than Math.exp in V8, for the O(n²) passes
 * of kernel regression (where Math.exp is most of the time). Range reduction to
 * x = (32a + b)·ln2/32 + r with |r| ≤ ln2/64, then e^x = 2^a · 2^(b/32) · e^r, e^r by its
 * Taylor polynomial of degree 6 (truncation error below r⁷/7! ≈ 4e-18), ln2/32 split in two
 * parts (Cody–Waite) so that r is exact for |x| ≤ 708. Measured error against Math.exp: below 4 ulp (relative
 * 5e-16) over [−708, 0] (tests/kernelRegression.test.ts checks it). Below −708 it returns 0
 * (e^−708 ≈ 3e-308: such a weight is 0 beside the largest, which is 1).
 */
export function expNonPositive(x: number): number {
  if (x < -708) return 0;
  const k = Math.floor(x * INV_STEP + 0.5);
  const r = x - k * STEP_HI - k * STEP_LO;
  const p = 1 + r * (1 + r * (0.5 + r * (1 / 6 + r * (1 / 24 + r * (1 / 120 + r * (1 / 720))))));
  return p * FRACTION[k & 31] * POWER[(k >> 5) + BIAS];
}

/** 32/ln 2 */
const INV_STEP = 32 / Math.LN2;
/** ln2/32 in two parts: the high part has trailing zero bits, so k·STEP_HI is exact for |k| < 2^20 */
const STEP_HI = 0.02166084938653512; // ln2/32 with its last 21 bits cleared: 32 significant bits
const STEP_LO = 5.9631716539705866e-12; // ln2/32 − STEP_HI, from 50-digit ln 2 (Math.LN2 / 32 − STEP_HI would carry Math.LN2's own rounding, k times)
/** 2^(b/32), b = 0..31 */
const FRACTION = Float64Array.from({ length: 32 }, (_, b) => 2 ** (b / 32));
/** 2^a for a = −BIAS..0 (exact powers of two, subnormal included) */
const BIAS = 1080;
const POWER = Float64Array.from({ length: BIAS + 1 }, (_, i) => 2 ** (i - BIAS));
