import type { CellGrid } from './cellGrid.js';
import { EXP_NEG_LIMIT, EXP_NEG_STEPS, EXP_NEG_TABLE, expNeg } from './expNeg.js';
import type { WasmExact } from './wasmExact.js';

/**
 * Exact kernel sums for one query over the keys within a truncation radius, found through the
 * cell grid (cellGrid.ts), with relative accuracy however small Σe is: the fallback for queries
 * where the Hermite transform's absolute bound is loose against their own Σe, and the whole method
 * when kernels are narrow against the spread of the keys (few keys per box: expansions of
 * C(p+d−1, d) terms do not pay).
 *
 * Scaled units: the kernel is e^{−|x|²}. With m = min_j |q − z_j|² (found first, by rings of cells
 * around the query's cell), every term is computed as e^{−s_j}, s_j = |q − z_j|² − m ≥ 0 (the largest
 * score subtracted first, so nothing underflows: the nearest key contributes exactly 1). For a far
 * query |q − z|² and m are huge and nearly equal, so s_j is computed as Σ_k (z⁰_k − z_jk)(d_jk + d⁰_k)
 * (d = q − z, z⁰ the nearest key), not as a difference of squares.
 *
 * Truncation bound (rigorous). Keys with s_j ≤ L₁ are summed exactly (E_in = their Σe^{−s} ≥ 1).
 * Every other key is bounded, not summed:
 *   - a key met in the rows visited for the ball s ≤ L₁ + 3 (cells meeting it) by e^{−⌊8s_j⌋/8};
 *   - a cell within the ball s ≤ L₂ but outside the visited rows' cells by count·e^{−⌊8s_min⌋/8}, s_min
 *     from the distance between the query and the cell;
 *   - every key in no cell of the ball s ≤ L₂ by e^{−L₂} (it has s > L₂);
 * and the bounds add to τ ≥ Σ_{dropped} e^{−s_j}. With values v' ∈ [−H, H] (centred) and
 * ŷ_in = Σ_in e v'/E_in, dropping keys moves ŷ by |Σ_out e(v' − ŷ_in)|/E ≤ 2H·τ/E_in, so
 * 2τ ≤ tolerance·E_in guarantees |ŷ − ŷ_dense| ≤ tolerance·H. L₂ = ln(4n/(tolerance·E_in)) makes the
 * last item at most a quarter of the budget; L₁ adapts from query to query (queries come in cell
 * order, so neighbours are alike) and is raised and the query redone if the check fails.
 *
 * WebAssembly (one value column, with or without the gradient; assembly/exactCells.ts via wasmExact.ts): both
 * passes run in float64, the first in f64x2 SIMD over the rows and cells meeting the ball
 * s ≤ L₁ + 4 (d = 2) or L₁ + 5 (d = 3), and it sums every key it visits: computing a weight costs
 * the same whether it is summed or bounded, and summing it leaves less to bound. Its weights are
 * within δ_exp = 3e-12 of e^{−s} (relative; a polynomial of degree 8 for 2^f, error budget written
 * out there), which moves ŷ by at most 2δ_exp·H/(1 − δ_exp). Keys in cells beyond the ball
 * s ≤ S_f (about q, adapted from query to query) get coarse weights, within δ_coarse = 2e-9 and
 * cheaper; their sum C moves ŷ by at most 2δ_coarse·C·H/E. It bounds the unvisited keys by shells
 * of s and box counts (exactOuterBox: every unvisited key has s > S₀ = R1² − m; a key with
 * s < S_i lies in the cells meeting the cube of half-side √(m + S_i), whose keys a prefix-count
 * table gives in 2^d loads; each shell's new keys are bounded by e^{−S_{i−1}}, with S lowered and
 * the cubes widened to cover rounding), all of it written out there. The check below then asks
 * 2τ + 2.01·δ_coarse·C ≤ 0.99·(tolerance − 2.01·δ_exp)·E. L₂ is ln(64n/(tolerance·E)) there, so
 * that the keys beyond every shell take 1/32 of the budget, not half of it.
 * float32 is not used: a relative error δ in the weights moves ŷ by up to 2δ·H, and float32
 * differences of coordinates ~5 apart give δ ~ 1e-6 (measured on random layouts: 8e-9·H at d = 2,
 * 3e-8·H at d = 3, against the 1e-9·H guarantee).
 *
 * The gradient sums Σ e x_k² are truncated with the same keys; their error is bounded by the same τ
 * times the largest |x|² met (not checked against a tolerance: the guarantee is on ŷ).
 */

/**
 * e^{−⌊8s⌋/8): an upper bound on e^{−s} within e^{1/8}, to bound dropped keys without an exp each.
 */
const EXP_FLOOR_STEPS = 8;
const EXP_FLOOR_LIMIT = 760;
const EXP_FLOOR = new Float64Array(EXP_FLOOR_LIMIT * EXP_FLOOR_STEPS + 1);
for (let b = 0; b < EXP_FLOOR.length; b++) EXP_FLOOR[b] = Math.exp(-b / EXP_FLOOR_STEPS);
function expFloor(s: number): number {
  return s >= EXP_FLOOR_LIMIT ? 0 : EXP_FLOOR[s > 0 ? (s * EXP_FLOOR_STEPS) | 0 : 0];
}

/** How far past L₁ the first pass's rows reach (see the bound above). */
const VISIT_EXTRA = 3;
/**
 * The same for the WebAssembly passes, whose bound on the unvisited keys is by shells and box
 * counts (exactOuterBox: cheap, but the cube's corners count keys at the ball's edge): reaching
 * further makes that bound's first shell small. Measured at n = 1e5 (CPU seconds, noisy): d = 2
 * 3 → 4: ~20% less; d = 3 3 → 5: ~15% less (4 and 6 both slower).
 */
const WASM_VISIT_EXTRA_2D = 4;
const WASM_VISIT_EXTRA_3D = 5;

export interface ExactScratch {
  /** the current window L₁ (adapted from query to query) */
  L1: number;
  /** the WebAssembly pass's fine ball s ≤ S_f (adapted from query to query; beyond it the coarse weights) */
  Sf: number;
  /** value columns' accumulators etc. */
  acc: Float64Array;
  /** queries that needed a wider window than the adapted one */
  retries: number;
  /** both passes in WebAssembly (one value column), or null for the JS loops */
  wasm: WasmExact | null;
}

export function exactScratch(cols: number, L1 = 20, wasm: WasmExact | null = null): ExactScratch {
  return { L1, Sf: 8, acc: new Float64Array(cols), retries: 0, wasm };
}

/**
 * The WebAssembly first pass computes every weight within WASM_EXP_DELTA of e^{−s}, relative, and
 * the coarse ones within WASM_COARSE_DELTA (assembly/exactCells.ts, where the budgets are written out).
 */
export const WASM_EXP_DELTA = 3e-12;
export const WASM_COARSE_DELTA = 2e-9;
/** Tolerances below this (where 2.01·δ_exp would be over 1/32 of it) use the float64 JS loops. */
export const WASM_MIN_TOLERANCE = 64 * WASM_EXP_DELTA;
/**
 * Queries with |q₀| + |q₁| + |q₂| beyond this (scaled, centred units) use the float64 JS loops:
 * exactOuterBox widens its cubes by 1e-9·(1 + |q| + R) for rounding, which at |q| ~ 1e15 is
 * cells wide and no retry of the window could meet the tolerance (a query never finished).
 */
export const WASM_MAX_COORDINATE = 1e9;
/** A near query's visited keys in WebAssembly have |q − z|² below this (so that 2^t stays normal without a clamp). */
const WASM_NEAR_REACH2 = 676;
/** exactOuterBox's bound is taken times this (its e^{−S} are within δ_exp; the sum's rounding). */
const WASM_TAU_MARGIN = 1 + 1e-11;

/** Position of the nearest key (not `skip`), or −1 if there is none; st.acc[0] gets its squared distance. */
export function nearest(g: CellGrid, q0: number, q1: number, q2: number, skip: number): { j: number; m: number } {
  const { lo, G, c, cellStart, x0, x1, x2 } = g;
  const gq0 = Math.floor((q0 - lo[0]) / c);
  const gq1 = Math.floor((q1 - lo[1]) / c);
  const gq2 = g.d === 3 ? Math.floor((q2 - lo[2]) / c) : 0;
  // The first ring that meets the grid.
  let r = Math.max(0, -gq0, gq0 - (G[0] - 1), -gq1, gq1 - (G[1] - 1), -gq2, gq2 - (G[2] - 1));
  let best = Infinity;
  let jBest = -1;
  const rMax = Math.max(G[0], G[1], G[2]) + Math.abs(gq0) + Math.abs(gq1) + Math.abs(gq2) + 2;
  for (; r <= rMax; r++) {
    const lo2 = Math.max(0, gq2 - r);
    const hi2 = Math.min(G[2] - 1, gq2 + r);
    const lo1 = Math.max(0, gq1 - r);
    const hi1 = Math.min(G[1] - 1, gq1 + r);
    for (let b2 = lo2; b2 <= hi2; b2++) {
      for (let b1 = lo1; b1 <= hi1; b1++) {
        const face = Math.abs(b1 - gq1) === r || (g.d === 3 && Math.abs(b2 - gq2) === r);
        const row = G[0] * (b1 + G[1] * b2);
        // On a face of the shell the whole x-range; inside it only the two end cells.
        for (let side = 0; side < (face ? 1 : 2); side++) {
          let a: number;
          let b: number;
          if (face) {
            a = Math.max(0, gq0 - r);
            b = Math.min(G[0] - 1, gq0 + r);
          } else {
            a = b = side === 0 ? gq0 - r : gq0 + r;
            if (a < 0 || a >= G[0]) continue;
          }
          if (a > b) continue;
          const j1 = cellStart[row + b + 1];
          for (let j = cellStart[row + a]; j < j1; j++) {
            if (j === skip) continue;
            const d0 = q0 - x0[j];
            const d1 = q1 - x1[j];
            const d2 = q2 - x2[j];
            const r2 = d0 * d0 + d1 * d1 + d2 * d2;
            if (r2 < best) {
              best = r2;
              jBest = j;
            }
          }
        }
      }
    }
    // Keys beyond ring r are at least r·c away from the query.
    if (jBest >= 0 && best <= r * c * (r * c)) break;
  }
  return { j: jBest, m: best };
}

/** `nearest` in WebAssembly (assembly/exactCells.ts: the same cells and arithmetic, so the same key). */
export function wasmNearest(wasm: WasmExact, q0: number, q1: number, q2: number, skip: number): { j: number; m: number } {
  wasm.k.exactNearest(q0, q1, q2, skip, wasm.out);
  return { j: wasm.res[12], m: wasm.res[13] };
}

/**
 * Sums for query q (scaled units; q2 = 0 at d = 2) over every key but sorted position `skip`
 * (−1: none), each term e^{−(|q − z|² − m)}: out[f·nw + col] for family f (0: e, 1 + k: e·x_k²)
 * and column col (0: weight 1, 1 + c: value c), nw = 1 + dv. Returns m (the true sums are the
 * outputs times e^{−m}); needs at least one key besides `skip`.
 */
export function exactSums(
  g: CellGrid,
  q0: number,
  q1: number,
  q2: number,
  skip: number,
  tolerance: number,
  gradient: boolean,
  out: Float64Array,
  st: ExactScratch,
): number {
  const { d, n, dv, lo, G, c, cellStart, x0, x1, x2, v } = g;
  const nw = 1 + dv;
  const near =
    st.wasm && Math.abs(q0) + Math.abs(q1) + Math.abs(q2) <= WASM_MAX_COORDINATE ? wasmNearest(st.wasm, q0, q1, q2, skip) : nearest(g, q0, q1, q2, skip);
  const m = near.m;
  const e0 = q0 - x0[near.j];
  const e1 = q1 - x1[near.j];
  const e2 = q2 - x2[near.j];
  const z0 = x0[near.j];
  const z1 = x1[near.j];
  const z2 = x2[near.j];
  const F = gradient ? 1 + d : 1;
  const cols = F * nw;
  // Near the keys |q − z|² − m loses nothing; far from them (m > 1) it is factored as above.
  const far = m > 1;
  const simple = !gradient && dv === 1 && !far;
  let L1 = st.L1;
  for (;;) {
    out.fill(0, 0, cols);
    let E = 0;
    let ev = 0;
    let tau = 0;
    let coarse = 0;
    // Rows are visited for the ball s ≤ L₁ + VISIT_EXTRA: keys just past L₁ are then bounded one
    // by one (within e^{1/8}) rather than by their cell's nearest corner, which lets L₁ settle lower.
    // (below WASM_MIN_TOLERANCE the weights' error would take too much of it: the JS loops, exact)
    // (and for a query among the keys, m ≤ 1, only while its visited keys have |q − z|² ≤ 676:
    // assembly/exactCells.ts does not clamp their exponents)
    const R1w = Math.sqrt(m + L1 + (d === 3 ? WASM_VISIT_EXTRA_3D : WASM_VISIT_EXTRA_2D));
    const reach = R1w + c * Math.sqrt(d);
    const wasm =
      dv === 1 &&
      tolerance >= WASM_MIN_TOLERANCE &&
      Math.abs(q0) + Math.abs(q1) + Math.abs(q2) <= WASM_MAX_COORDINATE &&
      (far || reach * reach <= WASM_NEAR_REACH2)
        ? st.wasm
        : null;
    const R1 = wasm ? R1w : Math.sqrt(m + L1 + VISIT_EXTRA);
    if (wasm) {
      // The same rows and cells as the loops below (assembly/exactCells.ts), all of it in f64x2.
      if (gradient) {
        wasm.k.exactQueryGrad(q0, q1, q2, z0, z1, z2, R1, skip, wasm.out);
        for (let k = 0; k < d; k++) {
          out[(1 + k) * nw] = wasm.res[6 + 2 * k];
          out[(1 + k) * nw + 1] = wasm.res[7 + 2 * k];
        }
      } else wasm.k.exactQuery(q0, q1, q2, z0, z1, z2, R1, Math.sqrt(m + st.Sf), skip, wasm.out);
      E = wasm.res[0];
      out[1] = wasm.res[1];
      coarse = gradient ? 0 : wasm.res[2];
    }
    // Rows (b1, b2) meeting the ball of radius R1, and in each the cells [a, b] meeting it.
    const lo2 = d === 3 ? Math.max(0, Math.floor((q2 - R1 - lo[2]) / c)) : 0;
    const hi2 = d === 3 ? Math.min(G[2] - 1, Math.floor((q2 + R1 - lo[2]) / c)) : 0;
    for (let b2 = wasm ? hi2 + 1 : lo2; b2 <= hi2; b2++) {
      const dz = d === 3 ? slab(q2, lo[2] + b2 * c, c) : 0;
      const rz2 = R1 * R1 - dz * dz;
      if (rz2 < 0) continue;
      const rz = Math.sqrt(rz2);
      const lo1 = Math.max(0, Math.floor((q1 - rz - lo[1]) / c));
      const hi1 = Math.min(G[1] - 1, Math.floor((q1 + rz - lo[1]) / c));
      for (let b1 = lo1; b1 <= hi1; b1++) {
        const dy = slab(q1, lo[1] + b1 * c, c);
        const ry2 = rz2 - dy * dy;
        if (ry2 < 0) continue;
        const ry = Math.sqrt(ry2);
        const a = Math.max(0, Math.floor((q0 - ry - lo[0]) / c));
        const b = Math.min(G[0] - 1, Math.floor((q0 + ry - lo[0]) / c));
        if (a > b) continue;
        const row = G[0] * (b1 + G[1] * b2);
        const j0 = cellStart[row + a];
        const j1 = cellStart[row + b + 1];
        if (simple && L1 < EXP_NEG_LIMIT) {
          // The common case (no gradient, one value column, a query among the keys): scalar
          // accumulators, s = r² − m directly, e^{−s} inline (expNeg.ts).
          for (let j = j0; j < j1; j++) {
            const d0 = q0 - x0[j];
            const d1 = q1 - x1[j];
            const d2 = q2 - x2[j];
            const sj = d0 * d0 + d1 * d1 + d2 * d2 - m;
            if (sj > L1 || j === skip) {
              if (j !== skip) tau += sj >= EXP_FLOOR_LIMIT ? 0 : EXP_FLOOR[(sj * EXP_FLOOR_STEPS) | 0];
              continue;
            }
            const i = (sj * EXP_NEG_STEPS) | 0;
            const r = sj - i / EXP_NEG_STEPS;
            const w = EXP_NEG_TABLE[i] * (1 - r * (1 - r * (0.5 - r * (1 / 6 - r * (1 / 24 - r * (1 / 120 - r / 720))))));
            E += w;
            ev += w * v[j];
          }
          continue;
        }
        for (let j = j0; j < j1; j++) {
          if (j === skip) continue;
          const d0 = q0 - x0[j];
          const d1 = q1 - x1[j];
          const d2 = q2 - x2[j];
          const s = far ? (z0 - x0[j]) * (d0 + e0) + (z1 - x1[j]) * (d1 + e1) + (z2 - x2[j]) * (d2 + e2) : d0 * d0 + d1 * d1 + d2 * d2 - m;
          if (s > L1) {
            tau += expFloor(s);
            continue;
          }
          const w = expNeg(s);
          E += w;
          const vj = j * dv;
          for (let col = 1; col < nw; col++) out[col] += w * v[vj + col - 1];
          if (gradient) {
            const dd0 = d0 * d0 * w;
            const dd1 = d1 * d1 * w;
            out[nw] += dd0;
            out[2 * nw] += dd1;
            for (let col = 1; col < nw; col++) {
              out[nw + col] += dd0 * v[vj + col - 1];
              out[2 * nw + col] += dd1 * v[vj + col - 1];
            }
            if (d === 3) {
              const dd2 = d2 * d2 * w;
              out[3 * nw] += dd2;
              for (let col = 1; col < nw; col++) out[3 * nw + col] += dd2 * v[vj + col - 1];
            }
          }
        }
      }
    }
    out[0] = E;
    if (simple && L1 < EXP_NEG_LIMIT && !wasm) out[1] = ev;
    // Keys outside the visited cells, up to L₂ cell by cell, beyond it all at e^{−L₂}.
    const L2 = Math.max(L1 + 1, Math.log(((wasm ? 64 : 4) * n) / (tolerance * E)));
    const R2 = Math.sqrt(m + L2);
    let covered = 0;
    if (wasm) {
      // Every key it did not visit, by shells of s and box counts (assembly/exactCells.ts)
      wasm.k.exactOuterBox(q0, q1, q2, m, R1, L2, wasm.out);
      tau += wasm.res[3] * WASM_TAU_MARGIN;
      covered = wasm.res[4];
    }
    // The first pass's row range, recomputed with the same arithmetic.
    const v1lo2 = d === 3 ? Math.max(0, Math.floor((q2 - R1 - lo[2]) / c)) : 0;
    const v1hi2 = d === 3 ? Math.min(G[2] - 1, Math.floor((q2 + R1 - lo[2]) / c)) : 0;
    const lo2b = d === 3 ? Math.max(0, Math.floor((q2 - R2 - lo[2]) / c)) : 0;
    const hi2b = d === 3 ? Math.min(G[2] - 1, Math.floor((q2 + R2 - lo[2]) / c)) : 0;
    for (let b2 = wasm ? hi2b + 1 : lo2b; b2 <= hi2b; b2++) {
      const dz = d === 3 ? slab(q2, lo[2] + b2 * c, c) : 0;
      const rz2 = R2 * R2 - dz * dz;
      if (rz2 < 0) continue;
      const rz = Math.sqrt(rz2);
      const r1z2 = R1 * R1 - dz * dz;
      const r1z = r1z2 >= 0 && b2 >= v1lo2 && b2 <= v1hi2 ? Math.sqrt(r1z2) : -1;
      const v1lo1 = r1z >= 0 ? Math.max(0, Math.floor((q1 - r1z - lo[1]) / c)) : 1;
      const v1hi1 = r1z >= 0 ? Math.min(G[1] - 1, Math.floor((q1 + r1z - lo[1]) / c)) : 0;
      const lo1 = Math.max(0, Math.floor((q1 - rz - lo[1]) / c));
      const hi1 = Math.min(G[1] - 1, Math.floor((q1 + rz - lo[1]) / c));
      for (let b1 = lo1; b1 <= hi1; b1++) {
        const dy = slab(q1, lo[1] + b1 * c, c);
        const ry2 = rz2 - dy * dy;
        if (ry2 < 0) continue;
        const ry = Math.sqrt(ry2);
        const a = Math.max(0, Math.floor((q0 - ry - lo[0]) / c));
        const b = Math.min(G[0] - 1, Math.floor((q0 + ry - lo[0]) / c));
        if (a > b) continue;
        const row = G[0] * (b1 + G[1] * b2);
        covered += cellStart[row + b + 1] - cellStart[row + a];
        // The cells visited key by key in the first pass (same arithmetic as there).
        let va = 1;
        let vb = 0;
        const r1y2 = r1z2 - dy * dy;
        if (b1 >= v1lo1 && b1 <= v1hi1 && r1y2 >= 0) {
          const r1y = Math.sqrt(r1y2);
          va = Math.max(0, Math.floor((q0 - r1y - lo[0]) / c));
          vb = Math.min(G[0] - 1, Math.floor((q0 + r1y - lo[0]) / c));
        }
        const base = dz * dz + dy * dy - m;
        for (let b0 = a; b0 <= b; b0++) {
          if (b0 >= va && b0 <= vb) continue;
          const count = cellStart[row + b0 + 1] - cellStart[row + b0];
          if (count === 0) continue;
          const dx = slab(q0, lo[0] + b0 * c, c);
          tau += count * expFloor(base + dx * dx);
        }
      }
    }
    tau += (n - covered) * Math.exp(-L2);
    // The weights' own error (WebAssembly: δ_exp each, see above) takes its share of the tolerance
    // first: |Δŷ| ≤ 2H·τ/E_in (truncation) + 2H·δ_exp/(1 − δ_exp) (weights).
    const budget = wasm ? tolerance - 2.01 * WASM_EXP_DELTA : tolerance;
    // the coarse weights' share: kept between 1/50 and 1/10 of the budget by moving S_f
    const coarseShare = (2.01 * WASM_COARSE_DELTA * coarse) / (budget * E);
    if (2 * tau + 2.01 * WASM_COARSE_DELTA * coarse <= 0.99 * budget * E) {
      // Shrink the window a little while the bound has room to spare.
      // (a step of ¼ multiplies τ by at most e^{1/4} ≈ 1.3, so below 0.3 of the budget it is safe)
      st.L1 = 2 * tau < budget * E * 0.3 ? Math.max(4, L1 - 0.25) : L1;
      if (coarseShare > 0.1) st.Sf += 0.5;
      else if (coarseShare < 0.02) st.Sf = Math.max(1, st.Sf - 0.25);
      return m;
    }
    st.retries++;
    if (coarseShare > 0.3) st.Sf += 2;
    else {
      L1 += 1.5;
      st.L1 = L1;
    }
  }
}

/** Distance from x to the interval [a, a + c] (0 inside). */
function slab(x: number, a: number, c: number): number {
  return x < a ? a - x : x > a + c ? x - a - c : 0;
}
