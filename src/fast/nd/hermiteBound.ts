/**
 * The truncation bound of the d-dimensional Hermite → Taylor expansion (hermiteTransform.ts), the
 * d-dimensional form of the bound in ../gaussTransform.ts.
 *
 * Setting. Positions are scaled so the kernel is e^{−|x|²} = Π_k e^{−x_k²}. Sources z = c_S + a and
 * targets u = c_T + t lie in boxes of width h (|a_k|, |t_k| ≤ h/2), D = c_T − c_S. With the Hermite
 * functions h_n(x) = (−1)ⁿ dⁿ/dxⁿ e^{−x²}, the double Taylor series of each factor gives
 *
 *     e^{−|u − z|²} = Σ_{α, β} (a^α/α!) ((−t)^β/β!) Π_k h_{α_k+β_k}(D_k)                      (1)
 *
 * over all multi-indices α, β ≥ 0. The transform keeps |α| < p and |β| < p (total degree).
 *
 * Bound on one term. Cramér's inequality |H_m(x)| ≤ K 2^{m/2} √(m!) e^{x²/2}, K = 1.086435
 * (Abramowitz & Stegun 22.14.17), gives |h_m(D)| ≤ K 2^{m/2} √(m!) e^{−D²/2}. With
 * (α+β)! ≤ 2^{α+β} α! β! per coordinate, term (α, β) of (1) is at most
 *
 *     K^d e^{−|D|²/2} Π_k c_{α_k} c_{β_k},    c_n = hⁿ/√(n!).
 *
 * For the gradient sums the factor of coordinate k is x_k² e^{−x_k²} = (h₂(x_k) + 2h₀(x_k))/4,
 * whose Hermite coefficients g_m = (h_{m+2} + 2h_m)/4 obey |g_m(D)| ≤ K 2^{m/2} √(m!) e^{−D²/2}·(m+3)/2
 * (√((m+1)(m+2)) ≤ m + 3/2), so its terms carry the extra factor (α_k + β_k + 3)/2.
 *
 * The gradient sums' kept set is the same (hermiteTransform.ts translates them with the g
 * coefficients); the bound below is computed for the larger dropped set {|α| ≥ p or |β| ≥ p − 2},
 * which also covers taking them as (∂²/∂t_k² + 2)/4 of the kernel's Taylor polynomial (the
 * second derivative drops two degrees in t), so either way of evaluating them is bounded:
 * (α_k + β_k + 3)/2 times the e^{−|x|²} term bound, summed over that set.
 *
 * With S₀(X) = Σ_{α∈X} Π_k c_{α_k} and S₁(X) = Σ_{α∈X} α₀ Π_k c_{α_k} (by symmetry any coordinate),
 * κ_q = {|α| < q}, δ_q = {|α| ≥ q}, and every sum taken over the dropped part of the product set
 * directly (all terms positive: no cancellation in computing them):
 *
 *     E₀ = K^d [S₀(κ_p)S₀(δ_p) + S₀(δ_p)S₀(all)]                                 (e^{−|x|²})
 *     E₂ = K^d [½(S₁(κ_p)S₀(δ_q) + S₁(δ_p)S₀(all) + S₀(κ_p)S₁(δ_q) + S₀(δ_p)S₁(all))
 *               + 3/2·(S₀(κ_p)S₀(δ_q) + S₀(δ_p)S₀(all))],  q = p − 2            (x_k² e^{−|x|²})
 *
 * (the dropped set is κ_p × δ_q ∪ δ_p × all).
 *
 * and η = max(E₀, E₂) (E₀ alone when no gradient is asked for). Each source of weight w_j then
 * adds at most η·|w_j|·e^{−|D|²/2} to the error of each sum, which hermiteTransform.ts turns into a
 * per-target bound. The kept terms' sum A (the same over κ_p × κ_p) scales the rounding allowance.
 */

export const K_CRAMER = 1.086435;

export interface HermiteBound {
  /** truncation error per unit source weight and unit e^{−|D|²/2}, both kernels */
  eta: number;
  /** E₀ alone: enough when only the kernel sums, not the gradient sums, are needed */
  eta0: number;
  /** the same sum over the kept terms (for the rounding allowance) */
  kept: number;
}

const cache = new Map<string, HermiteBound>();

/** η and A above for d ∈ {2, 3}, total degree p and box width h ≤ 1. */
export function hermiteBound(d: number, p: number, h: number): HermiteBound {
  const key = `${d},${p},${h}`;
  const hit = cache.get(key);
  if (hit) return hit;
  // c_n ≤ hⁿ/√(n!): beyond n = p + 60 the terms are below 10⁻⁴⁰ of the first for h ≤ 1, so the
  // sums to N are exact to far below float64 precision.
  const N = p + 60;
  const c = new Float64Array(N);
  c[0] = 1;
  for (let n = 1; n < N; n++) c[n] = (c[n - 1] * h) / Math.sqrt(n);
  // Sums over κ_p, δ_p, κ_q, δ_q (q = p − 2) of Π c and α₀ Π c.
  const q = p - 2;
  let s0kp = 0;
  let s0dp = 0;
  let s1kp = 0;
  let s1dp = 0;
  let s0dq = 0;
  let s1dq = 0;
  const top2 = d === 3 ? N : 1;
  for (let i = 0; i < N; i++) {
    for (let j = 0; i + j < N; j++) {
      for (let k = 0; k < top2 && i + j + k < N; k++) {
        const prod = c[i] * c[j] * c[k];
        const n = i + j + k;
        if (n < p) {
          s0kp += prod;
          s1kp += i * prod;
        } else {
          s0dp += prod;
          s1dp += i * prod;
        }
        if (n >= q) {
          s0dq += prod;
          s1dq += i * prod;
        }
      }
    }
  }
  const s0all = s0kp + s0dp;
  const s1all = s1kp + s1dp;
  const K = K_CRAMER ** d;
  const e0 = K * (s0kp * s0dp + s0dp * s0all);
  const e2 = K * (0.5 * (s1kp * s0dq + s1dp * s0all + s0kp * s1dq + s0dp * s1all) + 1.5 * (s0kp * s0dq + s0dp * s0all));
  const kept = K * (s1kp * s0kp + 1.5 * s0kp * s0kp);
  const out = { eta: Math.max(e0, e2), eta0: e0, kept };
  cache.set(key, out);
  return out;
}

/** The smallest total degree p ≥ 4 with η ≤ eta, or 0 if none up to 40 (the transform then does not apply). */
export function degreeFor(d: number, eta: number, h: number, gradient = true): number {
  for (let p = 4; p <= 40; p++) {
    const b = hermiteBound(d, p, h);
    if ((gradient ? b.eta : b.eta0) <= eta) return p;
  }
  return 0;
}
