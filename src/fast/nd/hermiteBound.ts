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
 * (Abramowitz & Stegun 22.14.17), gives |h_m(D)| ≤ K 2^{m/2} √(m!) e^{−D²/2}. With |a_k|, |t_k| ≤ h/2,
 * term (α, β) of (1) is at most K^d e^{−|D|²/2} Π_k w(α_k, β_k), where
 *
 *     w(a, b) = (h/2)^{a+b} 2^{(a+b)/2} √((a+b)!)/(a! b!) = (h/√2)^{a+b} √((a+b)!)/(a! b!).     (2)
 *
 * (The first version split (a+b)! ≤ 2^{a+b} a! b!, giving h^{a+b}/√(a! b!): the same where a ≈ b,
 * but the terms that dominate what is dropped have one of a, b near p and the other small, where
 * it overstates by up to 2^{(a+b)/2}, ~10³ at p = 20, i.e. two to four degrees.)
 *
 * For the gradient sums the factor of coordinate k is x_k² e^{−x_k²} = (h₂(x_k) + 2h₀(x_k))/4,
 * whose Hermite coefficients g_m = (h_{m+2} + 2h_m)/4 obey |g_m(D)| ≤ K 2^{m/2} √(m!) e^{−D²/2}·(m+3)/2
 * (√((m+1)(m+2)) ≤ m + 3/2), so its terms carry the extra factor (α_k + β_k + 3)/2 in coordinate k
 * (by symmetry, coordinate 0 below).
 *
 * The gradient sums' kept set is the same, |α| < p and |β| < p: hermiteTransform.ts translates
 * them with the g coefficients (tables gf), never as (∂²/∂t_k² + 2)/4 of the kernel's Taylor
 * polynomial. (That would drop two degrees in t and need the dropped set {|α| ≥ p or |β| ≥ p − 2},
 * which the first version bounded to allow either; it cost two degrees with the gradient.)
 *
 * Sums. With G[A][B] = Σ_{|α| = A, |β| = B} Π_k w(α_k, β_k) and G'[A][B] the same with the factor
 * (α₀ + β₀ + 3)/2 (both d-fold two-dimensional convolutions of the one-coordinate table w, all
 * terms positive, no cancellation),
 *
 *     E₀ = K^d Σ_{A ≥ p or B ≥ p} G[A][B],       E₂ = K^d Σ_{A ≥ p or B ≥ p} G'[A][B],
 *
 * summed for A + B < N = 70 (p ≤ 40; the tables depend on d and h only, so they are built once),
 * plus a bound on the rest: every term with A + B = n has
 * Π_k w ≤ Π_k h^{α_k+β_k}/√(α_k! β_k!) ≤ h^n (2d)^{n/2}/√(n!) (multinomial: n!/Π(α_k! β_k!) ≤ (2d)ⁿ),
 * there are C(n + 2d − 1, 2d − 1) of them, and the gradient factor is at most (n + 3)/2; so the
 * rest is at most K^d Σ_{n ≥ N} C(n + 2d − 1, 2d − 1)·(n + 3)/2·h^n (2d)^{n/2}/√(n!), summed until
 * its terms fall below 10⁻⁶ of the total, the terms after that bounded by the last (they fall by
 * more than half each), and added to both.
 *
 * η = max(E₀, E₂) (E₀ alone when no gradient is asked for). Each source of weight w_j then adds
 * at most η·|w_j|·e^{−|D|²/2} to the error of each sum, which hermiteTransform.ts turns into a
 * per-target bound. The kept terms' sum A = K^d Σ_{A, B < p} G'[A][B] (≥ the same with G, and
 * ≥ the sum of |kept terms| of either family) scales the rounding allowance.
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
  const { G, G1 } = tables(d, h);
  let e0 = 0;
  let e2 = 0;
  let kept = 0;
  for (let A = 0; A < N; A++) {
    for (let B = 0; A + B < N; B++) {
      const g = G[A * N + B];
      const g1 = G1[A * N + B];
      if (A >= p || B >= p) e0 += g;
      if (A >= p || B >= p) e2 += g1;
      if (A < p && B < p) kept += g1;
    }
  }
  // The rest, A + B ≥ N.
  let rest = 0;
  for (let n = N; ; n++) {
    const term = Math.exp(logBinomial(n + 2 * d - 1, 2 * d - 1) + n * Math.log(h) + 0.5 * n * Math.log(2 * d) - 0.5 * lfact(n)) * ((n + 3) / 2);
    rest += term;
    if (term <= 1e-6 * (rest + e0) || n > N + 400) {
      // The ratio of consecutive terms, h√(2d)/√(n+1)·(n+2d)/(n+1), is below ½ for n ≥ 70 and
      // h ≤ 1 and falls with n, so all the terms after this one add up to less than it.
      rest += term;
      break;
    }
  }
  const K = K_CRAMER ** d;
  e0 = K * (e0 + rest);
  e2 = K * (e2 + rest);
  kept *= K;
  const out = { eta: Math.max(e0, e2), eta0: e0, kept };
  cache.set(key, out);
  return out;
}

/** Degrees up to 40 (degreeFor's range): N = 70 leaves a rest far below 1e-20 for h ≤ 1. */
const N = 70;
const tableCache = new Map<string, { G: Float64Array; G1: Float64Array }>();

/** G and G' (layout [A·N + B], A + B < N) for d and h. */
function tables(d: number, h: number): { G: Float64Array; G1: Float64Array } {
  const key = `${d},${h}`;
  const hit = tableCache.get(key);
  if (hit) return hit;
  // One-coordinate table (2) in logs (√((a+b)!) overflows past a + b ≈ 340), w1 = (a+b+3)/2·w.
  const lf = new Float64Array(2 * N);
  for (let n = 1; n < 2 * N; n++) lf[n] = lf[n - 1] + Math.log(n);
  const lh = Math.log(h / Math.SQRT2);
  const w = new Float64Array(N * N);
  const w1 = new Float64Array(N * N);
  for (let a = 0; a < N; a++) {
    for (let b = 0; a + b < N; b++) {
      const v = Math.exp((a + b) * lh + 0.5 * lf[a + b] - lf[a] - lf[b]);
      w[a * N + b] = v;
      w1[a * N + b] = ((a + b + 3) / 2) * v;
    }
  }
  let G: Float64Array = w;
  let G1: Float64Array = w1;
  for (let k = 1; k < d; k++) {
    G1 = convolve(G1, w, N);
    G = convolve(G, w, N);
  }
  const out = { G, G1 };
  tableCache.set(key, out);
  return out;
}

/** out[A·N + B] = Σ_{a ≤ A, b ≤ B} x[(A−a)·N + B − b]·y[a·N + b] over A + B < N. */
function convolve(x: Float64Array, y: Float64Array, N: number): Float64Array {
  const out = new Float64Array(N * N);
  for (let A = 0; A < N; A++) {
    for (let B = 0; A + B < N; B++) {
      const xv = x[A * N + B];
      if (xv === 0) continue;
      for (let a = 0; A + a < N; a++) {
        for (let b = 0; A + a + B + b < N; b++) out[(A + a) * N + B + b] += xv * y[a * N + b];
      }
    }
  }
  return out;
}

function lfact(n: number): number {
  let s = 0;
  for (let i = 2; i <= n; i++) s += Math.log(i);
  return s;
}

function logBinomial(n: number, k: number): number {
  return lfact(n) - lfact(k) - lfact(n - k);
}

/** The smallest total degree p ≥ 4 with η ≤ eta, or 0 if none up to 40 (the transform then does not apply). */
export function degreeFor(d: number, eta: number, h: number, gradient = true): number {
  for (let p = 4; p <= 40; p++) {
    const b = hermiteBound(d, p, h);
    if ((gradient ? b.eta : b.eta0) <= eta) return p;
  }
  return 0;
}
