import { hermiteFunctions } from '../gaussTransform.js';
import { hermiteBound } from './hermiteBound.js';
import { multiIndices, type MultiIndexSet } from './multiIndex.js';
import { translateAll } from './hermiteTranslate.js';
import { wasmHermite, wasmTranslate } from './wasmHermite.js';

/**
 * The d-dimensional fast Gauss transform (Greengard & Strain 1991, with total-degree truncation),
 * d ∈ {2, 3}: for targets u_i and sources z_j (scaled so the kernel is e^{−|x|²}) with weights
 * 1 and W_jc (c < nw), the kernel sums
 *
 *     S_i[0][c] = Σ_j W_jc e^{−|u_i − z_j|²}                         (family 0)
 *     S_i[1+k][c] = Σ_j W_jc (u_ik − z_jk)² e^{−|u_i − z_j|²}         (families 1..d, if gradient)
 *
 * (column c = 0 is weight 1), in O((nq + nk)·T + boxes·(boxes per coordinate)·p^{d+1}) time,
 * T = C(p+d−1, d), with a per-target
 * bound B_i: |error of S_i[f][c]| ≤ B_i·max_j |W_jc|.
 *
 * Method: space is cut into boxes of width h; each source box gets its Hermite moments
 * A_α = Σ_j W_j a_j^α/α! (a = z − c_S, |α| < p), each target box holding targets gets the Taylor
 * coefficients B_β = ((−1)^{|β|}/β!) Σ_S Σ_α A_α Π_k h_{α_k+β_k}(D_k) (D = c_T − c_S) over the source
 * boxes within reach, and each target evaluates Σ_β B_β t^β (t = u − c_T). The translation
 * factorises coordinate by coordinate (Π_k), over the multi-indices and over the boxes alike, so
 * it is done as three one-dimensional contractions (α₂, s₂ → β₂, t₂; then α₁, s₁; then α₀, s₀),
 * hermiteTranslate.ts. Where they matter (O(n·T): moments, evaluation; and the contractions) the
 * loops run in WebAssembly f64x2 (assembly/fgtNd.ts via wasmHermite.ts), with the JS loops as
 * the fallback. The gradient
 * families use (h_{m+2} + 2h_m)/4, the Hermite coefficients of x_k² e^{−x_k²}, in coordinate k
 * (their bound in hermiteBound.ts covers this with room to spare).
 *
 * Bound. hermiteBound.ts gives η: each source adds at most η|W_j|e^{−|D|²/2} truncation error.
 * Source boxes more than M = ⌈R/h⌉ boxes from the target box in some coordinate are skipped
 * (R ≥ 1); every such pair is at least M·h ≥ R apart in that coordinate, so |x| ≥ R and
 * e^{−|x|²} ≤ |x|² e^{−|x|²} ≤ R² e^{−R²}. Hence
 *
 *     B_i = (η + ρ)·W_T + R² e^{−R²}·nk,   W_T = Σ_{S within reach of T} n_S e^{−|D|²/2},
 *
 * where ρ = γ_N·A (A the same double sum over the kept terms, γ_N = Nε/(1 − Nε), N the longest
 * chain of roundings) is the standard worst-case allowance for floating-point rounding. Targets
 * in boxes with no source within reach get B_i = Infinity.
 */

const EPS = 2 ** -53;
/** Moments are summed in blocks of this many sources, so a rounding chain is ~BLOCK + n/BLOCK. */
const BLOCK = 256;

export interface HermiteParams {
  d: number;
  /** box width (scaled units) */
  h: number;
  /** total degree: |α|, |β| < p */
  p: number;
  /** cutoff distance R between boxes (scaled units, ≥ 1) */
  R: number;
  /** also the x_k² families */
  gradient: boolean;
  /** η of hermiteBound for these (d, p, h), for the kernel sums only or for all families */
  eta: number;
  /** the moments and the evaluation in WebAssembly f64x2 (assembly/fgtNd.ts) when available; default true */
  wasm?: boolean;
}

export interface HermiteSums {
  /** sums[(i·F + f)·nw + c], F = 1 + d (gradient) or 1 */
  sums: Float64Array;
  families: number;
  /** B_i: bound per unit |weight| */
  bound: Float64Array;
  terms: number;
  /** box pairs translated */
  pairs: number;
  /** CPU-time split (ms of wall clock): moments, translation, evaluation, for the cost model and the bench */
  phases: { moments: number; translate: number; evaluate: number };
}

/** Box layout: box b_k of coordinate k covers [lo_k + b_k h, lo_k + (b_k + 1) h). */
interface Grid {
  lo: Float64Array;
  nb: Int32Array;
}

/**
 * One box is centred on the middle of the sources in each coordinate: when they span much less
 * than a box (small w), every a and t is then small too (as in ../gaussTransform.ts).
 */
function sourceGrid(z: Float64Array, nk: number, d: number, h: number): Grid {
  const lo = new Float64Array(3);
  const nb = new Int32Array(3).fill(1);
  for (let k = 0; k < d; k++) {
    let mn = Infinity;
    let mx = -Infinity;
    for (let j = 0; j < nk; j++) {
      const x = z[j * d + k];
      if (x < mn) mn = x;
      if (x > mx) mx = x;
    }
    const mid = 0.5 * (mn + mx);
    const half = Math.ceil((mid - mn) / h);
    lo[k] = mid - 0.5 * h - half * h;
    nb[k] = Math.floor((mx - lo[k]) / h) + 1;
  }
  return { lo, nb };
}

/** Number of boxes (source grid and target grid extended by the reach) for the cost model. */
export function boxCounts(z: Float64Array, nk: number, d: number, h: number, R: number): { source: number; extended: number } {
  const g = sourceGrid(z, nk, d, h);
  const M = Math.ceil(R / h);
  let source = 1;
  let extended = 1;
  for (let k = 0; k < d; k++) {
    source *= g.nb[k];
    extended *= g.nb[k] + 2 * M;
  }
  return { source, extended };
}

export function hermiteTransform(z: Float64Array, W: Float64Array, nw: number, u: Float64Array, params: HermiteParams): HermiteSums {
  const { d, h, p, R, gradient, eta } = params;
  const nk = z.length / d;
  const nq = u.length / d;
  const mi: MultiIndexSet = multiIndices(d, p);
  const T = mi.count;
  const F = gradient ? 1 + d : 1;
  const { lo, nb } = sourceGrid(z, nk, d, h);
  const nbox = nb[0] * nb[1] * nb[2];

  // Counting sort of the sources by box, so each box's moments come from contiguous memory.
  const boxOf = new Int32Array(nk);
  const start = new Int32Array(nbox + 1);
  for (let j = 0; j < nk; j++) {
    let id = 0;
    for (let k = d - 1; k >= 0; k--) {
      const b = Math.min(nb[k] - 1, Math.max(0, Math.floor((z[j * d + k] - lo[k]) / h)));
      id = id * nb[k] + b;
    }
    boxOf[j] = id;
    start[id + 1]++;
  }
  for (let b = 0; b < nbox; b++) start[b + 1] += start[b];
  // Scattered (read in order, written by box) into feature-major copies: zs[k·nk + ·], and the
  // weights ws[c·nk + ·] for c ≥ 1, so a block's rows are contiguous.
  const zs = new Float64Array(3 * nk);
  const ws = new Float64Array(Math.max(1, nw - 1) * nk);
  {
    const fill = start.slice(0, nbox);
    for (let j = 0; j < nk; j++) {
      const at = fill[boxOf[j]]++;
      for (let k = 0; k < d; k++) zs[k * nk + at] = z[j * d + k];
      for (let c = 1; c < nw; c++) ws[(c - 1) * nk + at] = W[j * (nw - 1) + c - 1];
    }
  }

  const t0 = performance.now();
  // Hermite moments A_α(S) for each weight: mom[(S·nw + c)·T + t].
  const mom = new Float64Array(nbox * nw * T);
  // Per block of ≤ BLOCK sources of a box, feature-major: the scaled powers a_k^n/n! as rows
  // PW[(k·p + n)·BLOCK + s] (formed in the module when it is used) and the weights WB[c·BLOCK + s]
  // (column 0: 1), so every moment is a dot product over the block's sources (long, contiguous
  // inner loops; see blockMoments).
  const wh = params.wasm === false ? null : wasmHermite(p, d, nw, F * nw, T, mi.start, BLOCK);
  const PW = new Float64Array(wh ? 0 : 3 * p * BLOCK);
  const WB = wh ? wh.wb : new Float64Array(nw * BLOCK);
  const y = new Float64Array(2 * BLOCK);
  let maxCount = 0;
  // 1/(n + 1): a^n/n! by products, not a division per power per source.
  const invNext = new Float64Array(p);
  for (let n = 0; n < p; n++) invNext[n] = 1 / (n + 1);
  const centre = new Float64Array(3);
  for (let b = 0; b < nbox; b++) {
    const s0 = start[b];
    const s1 = start[b + 1];
    if (s1 === s0) continue;
    if (s1 - s0 > maxCount) maxCount = s1 - s0;
    boxCentre(b, nb, lo, h, d, centre);
    for (let j0 = s0; j0 < s1; j0 += BLOCK) {
      const m = Math.min(s1, j0 + BLOCK) - j0;
      WB.fill(1, 0, m);
      for (let c = 1; c < nw; c++) WB.set(ws.subarray((c - 1) * nk + j0, (c - 1) * nk + j0 + m), c * BLOCK);
      if (wh) {
        // The module forms the powers; padding sources (to a multiple of 4) weigh 0, offset 0.
        const m4 = (m + 3) & ~3;
        const A = wh.a;
        for (let k = 0; k < d; k++) {
          const ck = centre[k];
          const zo = k * nk + j0;
          for (let s = 0; s < m; s++) A[k * BLOCK + s] = zs[zo + s] - ck;
          A.fill(0, k * BLOCK + m, k * BLOCK + m4);
        }
        for (let c = 0; c < nw; c++) WB.fill(0, c * BLOCK + m, c * BLOCK + m4);
        wh.moments(m4);
        const o = b * nw * T;
        const part = wh.mom;
        for (let t = 0; t < nw * T; t++) mom[o + t] += part[t];
        continue;
      }
      for (let k = 0; k < d; k++) {
        const ck = centre[k];
        const zo = k * nk + j0;
        for (let s = 0; s < m; s++) {
          const a = zs[zo + s] - ck;
          let x = 1;
          for (let n = 0; n < p; n++) {
            PW[(k * p + n) * BLOCK + s] = x;
            x *= a * invNext[n];
          }
        }
      }
      blockMoments(PW, WB, m, p, d === 3, nw, T, mom, b * nw * T, y);
    }
  }

  const t1 = performance.now();
  // Target boxes in the source grid extended by the reach M on each side; only those holding
  // targets get Taylor coefficients.
  const M = Math.ceil(R / h);
  const ext = new Int32Array(3).fill(1);
  const off = new Int32Array(3);
  for (let k = 0; k < d; k++) {
    ext[k] = nb[k] + 2 * M;
    off[k] = M;
  }
  const nExt = ext[0] * ext[1] * ext[2];
  const slotOf = new Int32Array(nExt).fill(-1);
  const targetBox = new Int32Array(nq).fill(-1);
  let nSlots = 0;
  for (let i = 0; i < nq; i++) {
    let id = 0;
    let inside = true;
    for (let k = d - 1; k >= 0; k--) {
      const b = Math.floor((u[i * d + k] - lo[k]) / h) + off[k];
      if (!(b >= 0 && b < ext[k])) inside = false;
      id = id * ext[k] + b;
    }
    if (!inside) continue;
    if (slotOf[id] < 0) slotOf[id] = nSlots++;
    targetBox[i] = id;
  }

  // Hermite-function tables for every box offset m ∈ [−M, M] (D = m·h): hf[j] = h_j(D) for
  // e^{−x²} and gf[j] = (h_{j+2}(D) + 2h_j(D))/4 for x² e^{−x²}, j < 2p − 1 used. The gradient
  // families are translated with gf rather than taken as (∂² + 2)/4 of the kernel family: for
  // small w every t and a is small, x² e^{−x²} = O(w²), and (∂²E + 2E)/4 would be the difference
  // of two sums of size E, while gf cancels exactly in the table (gf[0] = 0 at D = 0).
  const Lh = 2 * p + 1;
  const span = 2 * M + 1;
  const hf = new Float64Array(span * Lh);
  const gf = new Float64Array(span * Lh);
  const tmp = new Float64Array(Lh + 2);
  for (let m = -M; m <= M; m++) {
    hermiteFunctions(m * h, Lh + 2, tmp, 0);
    const at = (m + M) * Lh;
    for (let j = 0; j < Lh; j++) {
      hf[at + j] = tmp[j];
      gf[at + j] = (tmp[j + 2] + 2 * tmp[j]) / 4;
    }
  }

  const cols = F * nw;
  const loc = new Float64Array(nSlots * cols * T);
  const weight = new Float64Array(nSlots);
  // Target boxes in id order (t₂ outermost), as translateAll streams them, with their
  // coordinates in source-grid units; W_T over the box of reach that translateAll covers.
  const targets = new Int32Array(nSlots);
  const tb = new Int32Array(3 * nSlots);
  const count = new Int32Array(nbox);
  for (let S = 0; S < nbox; S++) count[S] = start[S + 1] - start[S];
  const g = new Float64Array(2 * M + 1);
  for (let m = -M; m <= M; m++) g[m + M] = Math.exp(-0.5 * h * h * m * m);
  let pairCount = 0;
  {
    let r = 0;
    for (let id = 0; id < nExt; id++) {
      const s = slotOf[id];
      if (s < 0) continue;
      targets[r] = s;
      let rest = id;
      for (let k = 0; k < 3; k++) {
        tb[3 * r + k] = (rest % ext[k]) - off[k];
        rest = Math.floor(rest / ext[k]);
      }
      let W_T = 0;
      const [b0, b1, b2] = [tb[3 * r], tb[3 * r + 1], tb[3 * r + 2]];
      for (let s2 = Math.max(0, b2 - M); s2 <= Math.min(nb[2] - 1, b2 + M); s2++) {
        for (let s1 = Math.max(0, b1 - M); s1 <= Math.min(nb[1] - 1, b1 + M); s1++) {
          const g12 = g[b2 - s2 + M] * g[b1 - s1 + M];
          for (let s0 = Math.max(0, b0 - M); s0 <= Math.min(nb[0] - 1, b0 + M); s0++) {
            const n = count[s0 + nb[0] * (s1 + nb[1] * s2)];
            if (n === 0) continue;
            pairCount++;
            W_T += n * g12 * g[b0 - s0 + M];
          }
        }
      }
      weight[s] = W_T;
      r++;
    }
  }
  const onWasm = wh !== null && wasmTranslate(wh.end, { p, d, T, run: mi.start, mom, nw, F, nb, count, M, hf, gf, Lh, targets, tb, loc });
  if (!onWasm) {
    const at = new Int32Array(nSlots);
    for (let f = 0; f < F; f++) {
      // Family f > 0 swaps coordinate f − 1's table for that of x² e^{−x²}.
      for (let c = 0; c < nw; c++) {
        for (let r = 0; r < nSlots; r++) at[r] = ((targets[r] * F + f) * nw + c) * T;
        translateAll({ mi, mom, nw, c, nb, count, M, tab0: f === 1 ? gf : hf, tab1: f === 2 ? gf : hf, tab2: f === 3 ? gf : hf, Lh, targets, tb, loc, at });
      }
    }
  }
  // The translation's grow detached the evaluation buffers' views.
  const we = wh ? wasmHermite(p, d, nw, F * nw, T, mi.start, BLOCK) : null;
  // (−1)^{|β|}/β! for each β, applied once per target box.
  const scale = new Float64Array(T);
  const invFact = new Float64Array(p);
  invFact[0] = 1;
  for (let n = 1; n < p; n++) invFact[n] = invFact[n - 1] / n;
  for (let t = 0; t < T; t++) {
    const { a0, a1, a2 } = mi;
    const b = a0[t] + a1[t] + a2[t];
    scale[t] = (b % 2 === 0 ? 1 : -1) * invFact[a0[t]] * invFact[a1[t]] * invFact[a2[t]];
  }
  for (let r = 0; r < nSlots * cols; r++) {
    const o = r * T;
    for (let t = 0; t < T; t++) loc[o + t] *= scale[t];
  }

  // Longest rounding chain, to first order the relative errors along it add: a block and the
  // block totals (moments), ≤ 2p + 2 for a^α/α! by products, p·Σ_k r_k + 3 for the three
  // contractions over (box, α_k), r_k ≤ min(nb_k, 2M + 1) boxes in reach (hermiteTranslate.ts; the
  // JS stages' chains, p + r_k each, are shorter), ≤ 2p + 8 for the Hermite
  // recurrence and the tables, ≤ 2p + 2 for the scale (−1)^{|β|}/β!, and 6p for the nested Horner
  // evaluation (its error is that of a sum of the |L_β t^β| over that chain).
  let reachSum = 0;
  for (let k = 0; k < 3; k++) reachSum += Math.min(nb[k], 2 * M + 1);
  const chain = BLOCK + Math.ceil(maxCount / BLOCK) + 2 * p + 2 + p * reachSum + 3 + 2 * p + 8 + 2 * p + 2 + 6 * p;
  const rho = ((chain * EPS) / (1 - chain * EPS)) * hermiteBound(d, p, h).kept;
  const cut = R * R * Math.exp(-R * R) * nk;

  const t2 = performance.now();
  const sums = new Float64Array(nq * cols);
  const bound = new Float64Array(nq);
  // Queries by target box (counting sort), so each box's coefficients are read once from memory.
  const first = new Int32Array(nSlots + 1);
  for (let i = 0; i < nq; i++) {
    const id = targetBox[i];
    if (id >= 0) first[slotOf[id] + 1]++;
  }
  for (let s = 0; s < nSlots; s++) first[s + 1] += first[s];
  const nIn = first[nSlots];
  const byBox = new Int32Array(nIn);
  // Their coordinates scattered into box order too, feature-major: us[k·nIn + ·].
  const us = new Float64Array(3 * nIn);
  {
    const fill = first.slice(0, nSlots);
    for (let i = 0; i < nq; i++) {
      const id = targetBox[i];
      if (id < 0) continue;
      const at = fill[slotOf[id]]++;
      byBox[at] = i;
      for (let k = 0; k < d; k++) us[k * nIn + at] = u[i * d + k];
    }
  }
  bound.fill(Infinity);
  const three = d === 3;
  for (let r = 0; r < nSlots; r++) {
    const s = targets[r];
    if (weight[s] === 0) continue;
    const c0 = lo[0] + (tb[3 * r] + 0.5) * h;
    const c1 = lo[1] + (tb[3 * r + 1] + 0.5) * h;
    const c2 = three ? lo[2] + (tb[3 * r + 2] + 0.5) * h : 0;
    const base = s * cols * T;
    const B = (eta + rho) * weight[s] + cut;
    if (we) {
      we.L.set(loc.subarray(base, base + cols * T));
      const X = we.x;
      const out = we.out;
      for (let q0 = first[s]; q0 < first[s + 1]; q0 += BLOCK) {
        const m = Math.min(first[s + 1], q0 + BLOCK) - q0;
        const m4 = (m + 3) & ~3;
        for (let a = 0; a < m; a++) X[a] = us[q0 + a] - c0;
        for (let a = 0; a < m; a++) X[BLOCK + a] = us[nIn + q0 + a] - c1;
        for (let a = 0; a < m; a++) X[2 * BLOCK + a] = three ? us[2 * nIn + q0 + a] - c2 : 0;
        X.fill(0, m, m4);
        X.fill(0, BLOCK + m, BLOCK + m4);
        X.fill(0, 2 * BLOCK + m, 2 * BLOCK + m4);
        we.evaluate(m4);
        for (let a = 0; a < m; a++) {
          const i = byBox[q0 + a];
          for (let col = 0; col < cols; col++) sums[i * cols + col] = out[col * BLOCK + a];
          bound[i] = B;
        }
      }
      continue;
    }
    for (let q = first[s]; q < first[s + 1]; q++) {
      const i = byBox[q];
      const x0 = u[i * d] - c0;
      const x1 = u[i * d + 1] - c1;
      const x2 = three ? u[i * d + 2] - c2 : 0;
      const o = i * cols;
      for (let col = 0; col < cols; col++) sums[o + col] = horner(loc, base + col * T, mi.start, p, three, x0, x1, x2);
      bound[i] = B;
    }
  }
  const phases = { moments: t1 - t0, translate: t2 - t1, evaluate: performance.now() - t2 };
  return { sums, families: F, bound, terms: T, pairs: pairCount, phases };
}

function boxCentre(b: number, nb: Int32Array, lo: Float64Array, h: number, d: number, out: Float64Array): void {
  let rest = b;
  for (let k = 0; k < 3; k++) {
    const bk = rest % nb[k];
    rest = Math.floor(rest / nb[k]);
    out[k] = k < d ? lo[k] + (bk + 0.5) * h : 0;
  }
}

/**
 * mom[base + c·T + t] += Σ_s WB[c][s]·Π_k PW[k][α_k(t)][s] over the m sources of a block, for
 * the multi-indices in order: y = w·a₀^{α₀}/α₀!·a₁^{α₁}/α₁! once per (α₀, α₁), then one dot
 * product over the sources per α₂ (a block's sum is one rounding chain of ≤ BLOCK additions).
 */
function blockMoments(
  PW: Float64Array,
  WB: Float64Array,
  m: number,
  p: number,
  three: boolean,
  nw: number,
  T: number,
  mom: Float64Array,
  base: number,
  y: Float64Array,
): void {
  for (let c = 0; c < nw; c++) {
    let t = base + c * T;
    const wo = c * BLOCK;
    for (let i = 0; i < p; i++) {
      const r0 = i * BLOCK;
      for (let s = 0; s < m; s++) y[s] = WB[wo + s] * PW[r0 + s];
      for (let j = 0; i + j < p; j++) {
        const r1 = (p + j) * BLOCK;
        for (let s = 0; s < m; s++) y[BLOCK + s] = y[s] * PW[r1 + s];
        if (!three) {
          let acc = 0;
          for (let s = 0; s < m; s++) acc += y[BLOCK + s];
          mom[t++] += acc;
          continue;
        }
        const top = p - i - j;
        for (let k = 0; k < top; k++) {
          const r2 = (2 * p + k) * BLOCK;
          let acc = 0;
          for (let s = 0; s < m; s++) acc += y[BLOCK + s] * PW[r2 + s];
          mom[t + k] += acc;
        }
        t += top;
      }
    }
  }
}

/**
 * Σ_β L[at + β] t^β for the multi-indices in order, nested Horner: Σ_{β₀} t₀^{β₀} Σ_{β₁} t₁^{β₁}
 * Σ_{β₂} L_β t₂^{β₂}, one multiply-add per term. Its rounding is that of a sum of the |L_β t^β|
 * over a chain of 2(p₀ + p₁ + p₂) ≤ 6p operations.
 */
function horner(L: Float64Array, at: number, start: Int32Array, p: number, three: boolean, x0: number, x1: number, x2: number): number {
  let v0 = 0;
  for (let i = p - 1; i >= 0; i--) {
    let v1 = 0;
    for (let j = p - 1 - i; j >= 0; j--) {
      const s = at + start[i * p + j];
      let v2 = 0;
      if (three) for (let k = p - 1 - i - j; k >= 0; k--) v2 = v2 * x2 + L[s + k];
      else v2 = L[s];
      v1 = v1 * x1 + v2;
    }
    v0 = v0 * x0 + v1;
  }
  return v0;
}
