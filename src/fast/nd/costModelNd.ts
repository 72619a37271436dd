import { degreeFor } from './hermiteBound.js';

/**
 * Costs in nanoseconds of the two methods for d ∈ {2, 3}, to choose between them (and for a
 * caller's 'auto' choice against dense pooling). Constants are per-operation times measured for
 * plain float64 JS on Node 20 on the 2-core x86-64 machine of the benchmarks (bench/fastGaussNd.mjs).
 *
 *   Hermite transform:  (nq + nk)·t_point + nk·T·nw·t_mom + nq·T·F·nw·t_eval + F·nw·Y·t_op,
 *   exact over cells:   nq·(t_query + N_ball·t_key),
 *
 * T = C(p+d−1, d) terms, nw = 1 + dv weight columns, F = 1 + d with the gradient (else 1), Y the
 * multiply-adds of the separable translation (hermiteTranslate.ts, one family and column):
 *
 *     Y = X₁·cols₀₁·rows₂·r₂ + X₂·nb₀·rows₁₂·r₁ + X₃·boxes·r₀,
 *
 * cols₀₁ the occupied source columns (s₀, s₁), rows₂ and rows₁₂ the distinct target t₂ and
 * (t₁, t₂), boxes the target boxes, r_k the source boxes within reach along coordinate k, and
 * X₁ = p·T, X₂ = (p(p+1)/2)², X₃ = p·T at d = 3 (T, p²(p+1)/2, p·T at d = 2). N_ball is the keys
 * within the exact window s ≤ L₁ ≈ 22 of a typical query (keys per unit volume where the keys
 * are, from a count grid, times the ball's volume).
 *
 * t_mom and t_eval are those of the f64x2 loops (assembly/fgtNd.ts), t_op that of the
 * translation's f64x2 stages and t_point the host's work per point (box sorts, copies), fitted to
 * CPU times of hermiteTransform over the box widths below at n = 1e6, d = 3 (a sweep, h = 0.1–0.7:
 * p = 11–27, 0.3, 0.3, 1 and 60 ns).
 */
const NS_MOMENT = 0.3;
const NS_EVAL = 0.3;
const NS_OP = 1;
const NS_POINT = 60;
const NS_QUERY = 1500;
const NS_KEY = 9;
/** The window ln(1/e^{−L₁}) the exact path settles to at tolerance 1e-9 (exactSums.ts). */
const L1_TYPICAL = 22;

/**
 * Box widths tried for the Hermite transform (scaled units, kernel e^{−|x|²}). Narrow boxes need
 * a lower degree (the dropped terms scale as (h/√2)^p) and, with the separable translation, cost
 * little more to translate, so they often win for wide kernels.
 */
export const BOX_WIDTHS = [0.1, 0.125, 0.15, 0.175, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6, 0.7];

function binomial(n: number, k: number): number {
  let r = 1;
  for (let i = 0; i < k; i++) r = (r * (n - i)) / (i + 1);
  return r;
}

/** X₁, X₂, X₃ above: multiply-adds of the three stages per box combination. */
export function translationOps(d: number, p: number): [number, number, number] {
  const T = binomial(p + d - 1, d);
  if (d === 2) return [T, (p * p * (p + 1)) / 2, p * T];
  return [p * T, ((p * (p + 1)) / 2) ** 2, p * T];
}

export interface HermitePlan {
  h: number;
  p: number;
  terms: number;
  cost: number;
}

export interface SpanInfo {
  /** extent of the keys per coordinate (scaled units) */
  span: Float64Array;
  /** keys per unit volume where the keys are: Σ_cells n_c² / (n·volume of a cell) */
  density: number;
  /** extent of queries per coordinate beyond the keys' box (scaled units), for the target grid */
  querySpan: Float64Array;
}

/** The cheapest Hermite plan for truncation η, or null if no box width gets there. */
export function hermitePlan(d: number, nq: number, nk: number, nw: number, gradient: boolean, eta: number, R: number, info: SpanInfo): HermitePlan | null {
  let best: HermitePlan | null = null;
  for (const h of BOX_WIDTHS) {
    const plan = hermitePlanAt(h, d, nq, nk, nw, gradient, eta, R, info);
    if (plan && (!best || plan.cost < best.cost)) best = plan;
  }
  return best;
}

/** The Hermite plan at box width h (degree from η) and its predicted cost, or null if it does not apply. */
export function hermitePlanAt(
  h: number,
  d: number,
  nq: number,
  nk: number,
  nw: number,
  gradient: boolean,
  eta: number,
  R: number,
  info: SpanInfo,
): HermitePlan | null {
  const p = degreeFor(d, eta, h, gradient);
  if (p === 0) return null;
  const T = binomial(p + d - 1, d);
  const nb = new Float64Array(3).fill(1);
  const tb = new Float64Array(3).fill(1);
  const r = new Float64Array(3).fill(1);
  const M = Math.ceil(R / h);
  let extended = 1;
  for (let k = 0; k < d; k++) {
    nb[k] = Math.floor(info.span[k] / h) + 2;
    tb[k] = Math.floor(info.querySpan[k] / h) + 2;
    r[k] = Math.min(nb[k], 2 * M + 1);
    extended *= nb[k] + 2 * M;
  }
  const sourceBoxes = nb[0] * nb[1] * nb[2];
  // The target grid is a dense index over the extended box range: past a few entries per point
  // it is memory wasted, not time saved.
  if (extended > 4 * (nq + nk) + 65536) return null;
  const boxes = Math.min(tb[0] * tb[1] * tb[2], nq);
  // Moments are kept for every box of the source grid and Taylor coefficients for every target
  // box holding a query: past ~32 numbers per point (plus 32 MB) that memory is not O(n).
  const F = gradient ? 1 + d : 1;
  if ((sourceBoxes + boxes * F) * T * nw > 32 * (nq + nk) * nw + (1 << 22)) return null;
  const [X1, X2, X3] = translationOps(d, p);
  const Y = X1 * Math.min(nb[0] * nb[1], nk) * Math.min(tb[2], nq) * r[2] + X2 * nb[0] * Math.min(tb[1] * tb[2], nq) * r[1] + X3 * boxes * r[0];
  // W_T: every target box against the source boxes within reach.
  const weights = boxes * Math.min(sourceBoxes, r[0] * r[1] * r[2]);
  const cost = (nq + nk) * NS_POINT + nk * T * nw * NS_MOMENT + nq * T * F * nw * NS_EVAL + F * nw * Y * NS_OP + weights * NS_OP;
  return { h, p, terms: T, cost };
}

/** Keys within the exact window of a typical query. */
export function windowKeys(d: number, nk: number, density: number): number {
  const r = Math.sqrt(L1_TYPICAL);
  const volume = d === 2 ? Math.PI * r * r : (4 / 3) * Math.PI * r * r * r;
  return Math.min(nk, density * volume);
}

/** Cost of the exact path for nq queries. */
export function exactCost(d: number, nq: number, nk: number, nw: number, gradient: boolean, density: number): number {
  const perKey = NS_KEY * (1 + 0.15 * (nw - 2) + (gradient ? 0.5 * d : 0));
  return nq * (NS_QUERY + windowKeys(d, nk, density) * perKey);
}
