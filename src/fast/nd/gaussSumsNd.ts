import { buildCellGrid, type CellGrid } from './cellGrid.js';
import { exactCost, hermitePlan, type HermitePlan, type SpanInfo } from './costModelNd.js';
import { exactPassOf, MIN_SPLIT_QUERIES, runExactPass, type ExactPassRunner } from './exactPass.js';
import { hermiteBound } from './hermiteBound.js';
import { hermiteTransform } from './hermiteTransform.js';

/**
 * Nadaraya–Watson sums with the Gaussian kernel in d ∈ {2, 3} dimensions, on checked float64
 * data whose features are already multiplied by their w_k (so e_ij = exp(−½‖q_i − k_j‖²)):
 *
 *     E_i = Σ_j e_ij,   EV_ic = Σ_j e_ij V_jc,   P_ik = Σ_j e_ij u_ijk²,   PV_ikc = Σ_j e_ij u_ijk² V_jc
 *
 * (u = q − k) and ŷ_i = EV_i/E_i with |ŷ_ic − ŷ_ic,dense| ≤ tolerance·(max_j V_jc − min_j V_jc)/2
 * for every query and column (plus float64 rounding).
 *
 * Method, and why. Internally x = u/√2 (kernel e^{−|x|²}) and values are measured from the
 * middle of their range (|V'| ≤ H, half the range, which the bounds scale with).
 *   - Wide kernels (many keys per box of width ~0.2–0.7): the Greengard–Strain fast Gauss
 *     transform in d dimensions (hermiteTransform.ts), Hermite moments per source box, Taylor
 *     coefficients per target box, truncated at total degree p. It was chosen over the improved FGT
 *     of Yang, Duraiswami & Gumerov (one-sided Taylor expansions about k-means centres) because the
 *     IFGT's error bound is loose (it grows with the cluster radius times the target distance, so
 *     reaching 1e-12 needs high degree and many clusters) and its cost per target is
 *     (clusters within range)·T, against T for the two-sided expansion here; and over dual-tree
 *     methods because at d ≤ 3 the regular grid gives the same pruning without a tree, with
 *     memory O(n + boxes·T) and a closed-form bound per target (Cramér's inequality, written out
 *     in hermiteBound.ts). Total degree instead of the tensor grid keeps C(p+2, 3) terms at d = 3
 *     instead of p³.
 *   - Narrow kernels (few keys per box: expansions of T ≫ keys per box do not pay), clustered
 *     keys, and every query whose Hermite bound is loose against its own E_i (2B_i > tolerance·E_i:
 *     far from every key, in a gap between clusters, or with the self term removed):
 *     exact summation over the keys within a per-query truncation radius, found through a cell
 *     grid, with the largest score subtracted first (exactSums.ts, bound written there).
 * costModelNd.ts picks the cheaper for the run as a whole.
 *
 * Leave-one-out (excludeSelf: nq == nk, query i skips key i): the Hermite sums have the self term
 * e^{−|q_i − k_i|²} subtracted exactly (its rounding added to the bound: 4ε|E|); the exact path
 * skips the key.
 */

const EPS = 2 ** -53;
export const DEFAULT_TOLERANCE = 1e-9;

export interface GaussSumsNdOptions {
  /** nq == nk: query i skips key i */
  excludeSelf?: boolean;
  /** |ŷ − ŷ_dense| ≤ tolerance·(range of each value column)/2; default 1e-9 */
  tolerance?: number;
  /** also P, PV and the slope terms for the gradient */
  gradient?: boolean;
  /** 'auto' (default): the cheaper by costModelNd.ts; 'hermite' or 'exact' to force one */
  method?: 'auto' | 'hermite' | 'exact';
  /**
   * The exact path's key loop in WebAssembly f64x2 SIMD (assembly/exactCells.ts) when there is one
   * value column (default true; false: the float64 JS loops, for comparison)
   */
  wasm?: boolean;
  /**
   * Who runs the exact pass (default {@link runExactPass}: the calling thread); the parallel
   * backend's runner splits it over its threads.
   */
  runExactPass?: ExactPassRunner;
  /**
   * The threads `runExactPass` splits a pass of at least MIN_SPLIT_QUERIES queries over (default
   * 1): the exact method's modelled cost is divided by them when the two methods are weighed.
   */
  exactThreads?: number;
}

export interface GaussSumsNd {
  d: number;
  dv: number;
  /** ŷ [nq, dv] */
  yHat: Float64Array;
  /**
   * E_i·e^{logScale_i}: every sum is returned times e^{logScale_i} (the true E_i is
   * e_i·e^{−logScale_i}); logScale_i = min_j ½‖q_i − k_j‖² for queries summed exactly (so the
   * nearest key weighs 1 and nothing underflows), 0 for the Hermite path
   */
  e: Float64Array;
  /** EV [nq, dv], same scale as e */
  ev: Float64Array;
  /** P [nq, d], same scale (only with gradient) */
  p: Float64Array | null;
  /** PV [nq, d, dv], same scale (only with gradient) */
  pv: Float64Array | null;
  /** G_ikc = Σ_j e_ij u_ijk² (V_jc − ŷ_ic) / E_i [nq, d, dv] (only with gradient): dŷ_ic/dw_k = −G_ikc/w_k */
  slope: Float64Array | null;
  logScale: Float64Array;
  /** queries summed exactly (all of them when method is 'exact') */
  exactQueries: number;
  method: 'hermite' | 'exact';
  /** Hermite plan used (null for 'exact') */
  plan: HermitePlan | null;
}

/** Scaled, centred copy: x = (u − mid_k)/√2. */
function scaleCentre(x: Float64Array, n: number, d: number, mid: Float64Array): Float64Array {
  const out = new Float64Array(n * d);
  for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) out[i * d + k] = (x[i * d + k] - mid[k]) * Math.SQRT1_2;
  return out;
}

/** Smallest R ≥ 1 (steps of ¼) with nk·R² e^{−R²} ≤ target. */
function cutoffFor(nk: number, target: number): number {
  let R = 1;
  while (nk * R * R * Math.exp(-R * R) > target) R += 0.25;
  return R;
}

/** Grid cell side for the exact path: small enough that the visited rows hug the ball. */
const CELL = 0.5;
/**
 * At d = 3 with the WebAssembly loops the cost per row (~280 rows of ~15 keys a query at side 0.5)
 * outweighs the keys the coarser rows add: side 1 measured 18% faster at n = 5e4 (1.4: the same).
 */
const CELL_3D_WASM = 1;

export function gaussSumsNd(q: Float64Array, k: Float64Array, V: Float64Array, d: number, dv: number, options: GaussSumsNdOptions = {}): GaussSumsNd {
  return planGaussSumsNd(q, k, V, d, dv, options).run();
}

/**
 * A planned call of {@link gaussSumsNd}: the method its cost model chose and the cost it predicts
 * (model ns, which a caller scales to its machine to weigh the call against dense pooling), with
 * the centred copies and the cell grid already built (O(n)), and `run` to compute the sums.
 */
export interface PlannedSumsNd {
  method: 'hermite' | 'exact';
  ns: number;
  run(): GaussSumsNd;
}

/** Plans {@link gaussSumsNd}'s call: everything up to the sums themselves. */
export function planGaussSumsNd(q: Float64Array, k: Float64Array, V: Float64Array, d: number, dv: number, options: GaussSumsNdOptions = {}): PlannedSumsNd {
  const nq = q.length / d;
  const nk = k.length / d;
  const tolerance = options.tolerance ?? DEFAULT_TOLERANCE;
  const gradient = options.gradient ?? false;
  const excludeSelf = options.excludeSelf ?? false;
  const nw = 1 + dv;
  const F = gradient ? 1 + d : 1;

  // Centre the coordinates on the keys' mid-range and the values on theirs.
  const mid = new Float64Array(d);
  for (let c = 0; c < d; c++) {
    let mn = Infinity;
    let mx = -Infinity;
    for (let j = 0; j < nk; j++) {
      const x = k[j * d + c];
      if (x < mn) mn = x;
      if (x > mx) mx = x;
    }
    mid[c] = 0.5 * (mn + mx);
  }
  const z = scaleCentre(k, nk, d, mid);
  const u = scaleCentre(q, nq, d, mid);
  const vMid = new Float64Array(dv);
  const Vc = new Float64Array(nk * dv);
  for (let c = 0; c < dv; c++) {
    let mn = Infinity;
    let mx = -Infinity;
    for (let j = 0; j < nk; j++) {
      const x = V[j * dv + c];
      if (x < mn) mn = x;
      if (x > mx) mx = x;
    }
    vMid[c] = 0.5 * (mn + mx);
    for (let j = 0; j < nk; j++) Vc[j * dv + c] = V[j * dv + c] - vMid[c];
  }

  const useWasm = (options.wasm ?? true) && dv === 1;
  const grid = buildCellGrid(z, Vc, d, dv, d === 3 && useWasm ? CELL_3D_WASM : CELL, 2 * nk + 4096);
  const info = spanInfo(z, u, d, grid);
  // η leaves room for W_T (the Cramér-weighted count within reach) to exceed E_i 250-fold
  // before a query has to be summed exactly.
  const eta = tolerance * 2e-3;
  const R = cutoffFor(nk, eta * 1e-2);
  let plan: HermitePlan | null = null;
  let method: 'hermite' | 'exact' = 'exact';
  const exactNs = exactCost(d, nq, nk, nw, gradient, info.density);
  if (options.method !== 'exact') {
    plan = hermitePlan(d, nq, nk, nw, gradient, eta, R, info);
    // (the exact pass may run on several threads, the Hermite transform on this one)
    const threads = options.runExactPass && nq >= MIN_SPLIT_QUERIES ? (options.exactThreads ?? 1) : 1;
    if (plan && (options.method === 'hermite' || plan.cost < exactNs / threads)) method = 'hermite';
    else plan = null;
  }
  return { method, ns: plan ? plan.cost : exactNs, run: sumsOf };

  function sumsOf(): GaussSumsNd {
    const sums = new Float64Array(nq * F * nw);
    const logScale = new Float64Array(nq);
    const exact: number[] = [];
    if (method === 'hermite' && plan) {
      const eta0 = gradient ? hermiteBound(d, plan.p, plan.h).eta : hermiteBound(d, plan.p, plan.h).eta0;
      const hs = hermiteTransform(z, Vc, nw, u, { d, h: plan.h, p: plan.p, R, gradient, eta: eta0, wasm: options.wasm ?? true });
      sums.set(hs.sums);
      for (let i = 0; i < nq; i++) {
        const o = i * F * nw;
        let bound = hs.bound[i];
        if (excludeSelf) {
          // Query i's own key: remove its exact contribution.
          let r2 = 0;
          for (let c = 0; c < d; c++) {
            const x = u[i * d + c] - z[i * d + c];
            r2 += x * x;
          }
          const es = Math.exp(-r2);
          bound += 4 * EPS * Math.abs(sums[o]);
          for (let f = 0; f < F; f++) {
            const x = f === 0 ? 1 : (u[i * d + f - 1] - z[i * d + f - 1]) ** 2;
            sums[o + f * nw] -= es * x;
            for (let c = 1; c < nw; c++) sums[o + f * nw + c] -= es * x * Vc[i * dv + c - 1];
          }
        }
        // |Δŷ| ≤ (|ΔΣev'| + |ŷ'|·|ΔΣe|)/Σe ≤ 2·B·H/Σe, since |ŷ'| ≤ H.
        const e = sums[o];
        if (!(e > 0 && 2 * bound <= tolerance * e)) exact.push(i);
      }
    } else {
      for (let i = 0; i < nq; i++) exact.push(i);
    }

    if (exact.length > 0) {
      const { pass, order } = exactPassOf(grid, u, exact, excludeSelf, tolerance, gradient, useWasm);
      (options.runExactPass ?? runExactPass)(pass);
      const cols = F * nw;
      // back from cell order to query order
      for (let t = 0; t < exact.length; t++) {
        const i = order[t];
        sums.set(pass.sums.subarray(t * cols, (t + 1) * cols), i * cols);
        logScale[i] = pass.logScale[t];
      }
    }

    // ŷ, the sums in the caller's units (u = √2·x, values uncentred) and the slope terms.
    const yHat = new Float64Array(nq * dv);
    const e = new Float64Array(nq);
    const ev = new Float64Array(nq * dv);
    const p = gradient ? new Float64Array(nq * d) : null;
    const pv = gradient ? new Float64Array(nq * d * dv) : null;
    const slope = gradient ? new Float64Array(nq * d * dv) : null;
    for (let i = 0; i < nq; i++) {
      const o = i * F * nw;
      const E = sums[o];
      e[i] = E;
      for (let c = 0; c < dv; c++) {
        const yc = sums[o + 1 + c] / E;
        yHat[i * dv + c] = vMid[c] + yc;
        ev[i * dv + c] = sums[o + 1 + c] + vMid[c] * E;
        if (gradient) {
          for (let f = 0; f < d; f++) {
            const P = sums[o + (1 + f) * nw];
            const PV = sums[o + (1 + f) * nw + 1 + c];
            (pv as Float64Array)[(i * d + f) * dv + c] = 2 * (PV + vMid[c] * P);
            // Σ e u² (v − ŷ)/E with u² = 2x²: the centring cancels in v − ŷ.
            (slope as Float64Array)[(i * d + f) * dv + c] = (2 * (PV - yc * P)) / E;
          }
        }
      }
      if (p) for (let f = 0; f < d; f++) p[i * d + f] = 2 * sums[o + (1 + f) * nw];
    }
    return { d, dv, yHat, e, ev, p, pv, slope, logScale, exactQueries: exact.length, method, plan };
  }
}

/** Extents and the keys-weighted density (Σ n_c(n_c − 1)/(n·cell volume), unbiased for scattered keys). */
function spanInfo(z: Float64Array, u: Float64Array, d: number, grid: CellGrid): SpanInfo {
  const span = new Float64Array(d);
  const querySpan = new Float64Array(d);
  const nk = z.length / d;
  const nq = u.length / d;
  for (let c = 0; c < d; c++) {
    let mn = Infinity;
    let mx = -Infinity;
    for (let j = 0; j < nk; j++) {
      mn = Math.min(mn, z[j * d + c]);
      mx = Math.max(mx, z[j * d + c]);
    }
    span[c] = mx - mn;
    let qn = Infinity;
    let qx = -Infinity;
    for (let i = 0; i < nq; i++) {
      qn = Math.min(qn, u[i * d + c]);
      qx = Math.max(qx, u[i * d + c]);
    }
    querySpan[c] = Math.max(0, Math.min(qx, mx) - Math.max(qn, mn));
  }
  let pairs = 0;
  const cs = grid.cellStart;
  for (let id = 0; id + 1 < cs.length; id++) {
    const m = cs[id + 1] - cs[id];
    pairs += m * (m - 1);
  }
  const density = Math.max(1 / grid.c ** d, pairs) / (nk * grid.c ** d);
  return { span, density, querySpan };
}
