import { degreeFor } from './hermiteBound.js';

/**
 * Costs in nanoseconds of the two methods for d ∈ {2, 3}, to choose between them (and for a
 * caller's 'auto' choice against dense pooling). Constants are per-operation times measured for
 * plain float64 JS on Node 20 on the 2-core x86-64 machine of the benchmarks (bench/fastGaussNd.mjs).
 *
 *   Hermite transform:  nk·T·(1 + nw)·t_mom + nq·T·(1 + F·nw)·t_eval + pairs·X(p)·F·nw·t_pair,
 *   exact over cells:   nq·(t_query + N_ball·t_key),
 *
 * T = C(p+d−1, d) terms, nw = 1 + dv weight columns, F = 1 + d with the gradient (else 1), X(p) the multiply-adds of one box-pair
 * translation (hermiteTransform.ts), pairs the box pairs within reach, and N_ball the keys within
 * the exact window s ≤ L₁ ≈ 22 of a typical query (keys per unit volume where the keys are, from
 * a count grid, times the ball's volume).
 */
const NS_MOMENT = 1.1;
const NS_EVAL = 1.1;
const NS_PAIR = 1.2;
const NS_QUERY = 1500;
const NS_KEY = 9;
/** The window ln(1/e^{−L₁}) the exact path settles to at tolerance 1e-9 (exactSums.ts). */
const L1_TYPICAL = 22;

/** Box widths tried for the Hermite transform (scaled units, kernel e^{−|x|²}). */
export const BOX_WIDTHS = [0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6, 0.7];

function binomial(n: number, k: number): number {
  let r = 1;
  for (let i = 0; i < k; i++) r = (r * (n - i)) / (i + 1);
  return r;
}

/** Multiply-adds of one translation (three contractions at d = 3, two at d = 2). */
export function translationOps(d: number, p: number): number {
  const T = binomial(p + d - 1, d);
  if (d === 2) return 2 * T * p;
  return 2 * T * p + binomial(p + 1, 2) ** 2;
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
    const p = degreeFor(d, eta, h, gradient);
    if (p === 0) continue;
    const T = binomial(p + d - 1, d);
    let sourceBoxes = 1;
    let targetBoxes = 1;
    let reach = 1;
    let extended = 1;
    for (let k = 0; k < d; k++) {
      sourceBoxes *= Math.floor(info.span[k] / h) + 2;
      targetBoxes *= Math.floor(info.querySpan[k] / h) + 2;
      reach *= 2 * Math.ceil(R / h) + 1;
      extended *= Math.floor(info.span[k] / h) + 2 + 2 * Math.ceil(R / h);
    }
    // The target grid is a dense index over the extended box range: past a few entries per point
    // it is memory wasted, not time saved.
    if (extended > 4 * (nq + nk) + 65536) continue;
    const sOcc = Math.min(sourceBoxes, nk);
    const tOcc = Math.min(targetBoxes, nq);
    // Moments are kept for every box of the source grid and Taylor coefficients for every target
    // box holding a query: past ~32 numbers per point (plus 32 MB) that memory is not O(n).
    const F = gradient ? 1 + d : 1;
    if ((sourceBoxes + tOcc * F) * T * nw > 32 * (nq + nk) * nw + (1 << 22)) continue;
    const pairs = tOcc * Math.min(sOcc, reach);
    const cost = nk * T * (1 + nw) * NS_MOMENT + nq * T * (1 + F * nw) * NS_EVAL + pairs * translationOps(d, p) * F * nw * NS_PAIR;
    if (!best || cost < best.cost) best = { h, p, terms: T, cost };
  }
  return best;
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
