/**
 * e^{−s} for 0 ≤ s < EXP_NEG_LIMIT without Math.exp: the exact sums evaluate ~10³ of these per
 * query, and Math.exp (a call into the runtime's C code) costs 2–3 times this inline form in
 * Node 20. e^{−s} = e^{−i/64}·e^{−r} with i = ⌊64s⌋ from a table and r ∈ [0, 1/64) by its Taylor
 * polynomial of degree 6, whose remainder is below r⁷/7! ≤ 8.7e-17 relative: with the table's
 * and the product's rounding the result is within 3 units in the last place, the class of
 * Math.exp itself (≤ 1 ulp), so sums built from it are still "exact" up to float64 rounding.
 *
 * Callers inline the two lines below (V8 inlines small functions too, but the table lookup then
 * goes through a closure); this module owns the table and the constants.
 */
export const EXP_NEG_STEPS = 64;
export const EXP_NEG_LIMIT = 64;
export const EXP_NEG_TABLE = new Float64Array(EXP_NEG_LIMIT * EXP_NEG_STEPS + 1);
for (let i = 0; i < EXP_NEG_TABLE.length; i++) EXP_NEG_TABLE[i] = Math.exp(-i / EXP_NEG_STEPS);

/** e^{−s}, s ≥ 0 (falls back on Math.exp at and past the table's end). */
export function expNeg(s: number): number {
  if (!(s < EXP_NEG_LIMIT)) return Math.exp(-s);
  const i = (s * EXP_NEG_STEPS) | 0;
  const r = s - i / EXP_NEG_STEPS;
  return EXP_NEG_TABLE[i] * (1 - r * (1 - r * (0.5 - r * (1 / 6 - r * (1 / 24 - r * (1 / 120 - r / 720))))));
}
