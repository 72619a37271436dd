/**
 * Multi-indices α = (α₀, α₁, α₂) of total degree |α| < p in d ∈ {2, 3} dimensions, listed
 * lexicographically with α₂ innermost (always 0 when d = 2). The expansions of hermiteTransform.ts
 * are stored compactly in this order: C(p + d − 1, d) numbers instead of p^d, which at d = 3 is
 * 455 instead of 2197 for p = 13.
 *
 * Why total degree rather than the tensor grid α_k < p of Greengard & Strain: the truncation
 * bound (hermiteBound.ts) is a sum of products c_{α₀}c_{α₁}c_{α₂} with c_n = hⁿ/√n!, which
 * depends on α mostly through hⁿ with n = |α|; the tensor grid keeps corner terms (all α_k near
 * p) that are below 10⁻³⁰ of the ones it keeps, at d! times the cost.
 */
export interface MultiIndexSet {
  d: number;
  /** total degree bound: |α| < p */
  p: number;
  /** number of multi-indices, C(p + d − 1, d) */
  count: number;
  a0: Int32Array;
  a1: Int32Array;
  a2: Int32Array;
  /**
   * start[a0·p + a1]: position of (a0, a1, 0) in the list; the (a0, a1, ·) run is contiguous and
   * has p − a0 − a1 entries at d = 3, one at d = 2 (−1 where a0 + a1 ≥ p).
   */
  start: Int32Array;
}

export function multiIndices(d: number, p: number): MultiIndexSet {
  const a0: number[] = [];
  const a1: number[] = [];
  const a2: number[] = [];
  const start = new Int32Array(p * p).fill(-1);
  for (let i = 0; i < p; i++) {
    for (let j = 0; i + j < p; j++) {
      start[i * p + j] = a0.length;
      const top = d === 3 ? p - i - j : 1;
      for (let k = 0; k < top; k++) {
        a0.push(i);
        a1.push(j);
        a2.push(k);
      }
    }
  }
  return { d, p, count: a0.length, a0: Int32Array.from(a0), a1: Int32Array.from(a1), a2: Int32Array.from(a2), start };
}
