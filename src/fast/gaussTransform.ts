/**
 * A 1-D fast Gauss transform (Greengard & Strain 1991): for targets u_i and sources z_j with
 * weights 1 and v_j, the four sums
 *
 *     E_i = Σ_j e^{−x²},  EV_i = Σ_j v_j e^{−x²},  P_i = Σ_j x² e^{−x²},  PV_i = Σ_j v_j x² e^{−x²}
 *
 * (x = u_i − z_j, positions already scaled so that the kernel is e^{−x²}) in O((n + m)·p) time,
 * together with a per-target bound B_i such that
 *
 *     |E_i − Ê_i| ≤ B_i,  |P_i − P̂_i| ≤ B_i,  |EV_i − EV̂_i| ≤ B_i·max|v|,  |PV_i − PV̂_i| ≤ B_i·max|v|.
 *
 * Method. Space is cut into boxes of width h with centres c_b. With x² e^{−x²} = (h₂(x) + 2h₀(x))/4
 * and the Hermite functions h_n(x) = (−1)^n dⁿ/dxⁿ e^{−x²} = H_n(x) e^{−x²}, both kernels are
 * built from h_s (s = 0, 2). For a target u = c_T + t and a source z = c_S + a (|t|, |a| ≤ r = h/2,
 * D = c_T − c_S), the double Taylor series of the entire function h_s(D + t − a) is
 *
 *     h_s(u − z) = Σ_{n,k ≥ 0} (aⁿ/n!) ((−t)^k/k!) h_{n+k+s}(D).                                (1)
 *
 * Keeping n, k < p gives source moments A_n(S) = Σ_{j∈S} w_j a_jⁿ/n! (the Hermite expansion about
 * c_S), a p × p translation per box pair (the Taylor expansion about c_T, with coefficients
 * B_k(T) = ((−1)^k/k!) Σ_S Σ_n A_n(S) h_{n+k+s}(D)), and a degree p−1 polynomial in t per target.
 * Box pairs further apart than M boxes are skipped.
 *
 * Truncation bound (rigorous). Cramér's inequality |H_m(x)| ≤ K 2^{m/2} √(m!) e^{x²/2},
 * K = 1.086435 (Abramowitz & Stegun 22.14.17), gives |h_m(D)| ≤ K 2^{m/2} √(m!) e^{−D²/2}. With
 * (n+k)! ≤ 2^{n+k} n! k! and (n+k+2)!/(n+k)! ≤ (n+k+2)², term (n, k) of (1) is at most
 * K 2^{s/2} (n+k+2)^{s/2} c_n c_k e^{−D²/2}, c_n = hⁿ/√(n!). Summed over the dropped (n, k):
 *
 *     E_s(p, h) = K 2^{s/2} Σ_{(n,k) ∉ [0,p)²} (n+k+2)^{s/2} c_n c_k,   η = max(E_0, (E_2 + 2E_0)/4),
 *
 * so each source contributes at most η·e^{−D²/2}·|w_j| truncation error. A skipped box pair has
 * |x| ≥ (M+1)h − h = Mh = R, where e^{−x²} ≤ x² e^{−x²} ≤ R² e^{−R²} (R ≥ 1). Hence
 *
 *     B_i = (η + ρ)·W_T + R² e^{−R²}·n,   W_T = Σ_{|T−S| ≤ M} n_S e^{−D²/2},
 *
 * where ρ = γ_N·A (γ_N = N·ε/(1 − N·ε), N the longest chain of roundings, A the same double sum
 * over the kept (n, k)) is a standard worst-case allowance for floating-point rounding, not part
 * of the truncation bound. For h = 1/2: η = 2.2e-12 at p = 18, 3.9e-16 at p = 22.
 */

/** Box width in scaled units: small boxes make c_n = hⁿ/√(n!) fall fast, so p stays small. */
export const BOX_WIDTH = 0.5;
/** Skipped box pairs are at least R = 7 apart: R² e^{−R²} ≈ 2.6e-20 per source. */
export const CUTOFF = 7;
const K_CRAMER = 1.086435;
const EPS = 2 ** -53;
/** Moments are summed in blocks of this many sources, so a rounding chain is ~block + n/block. */
const BLOCK = 256;

export interface GaussTransformOptions {
  /** Truncation error per unit source weight to stay under; picks the number of terms p. */
  eta: number;
}

export interface GaussSums {
  e: Float64Array;
  ev: Float64Array;
  p: Float64Array;
  pv: Float64Array;
  /** B_i above: |error| of e and p per unit weight; Infinity for targets beyond every source. */
  bound: Float64Array;
  /** terms kept in each expansion */
  terms: number;
}

/** E_s(p, h) dropped-terms sum and A_s kept-terms sum of (1), s = 0 and 2, as η and A above. */
export function truncationBound(p: number, h: number = BOX_WIDTH): { eta: number; kept: number } {
  // c_n decays like (h/√n)ⁿ: beyond n = p + 80 every term is below 1e-100 of the first, so
  // summing to N is exact to far below float64 precision for the h ≤ 1 used here.
  const N = p + 80;
  const c = new Float64Array(N);
  c[0] = 1;
  for (let n = 1; n < N; n++) c[n] = (c[n - 1] * h) / Math.sqrt(n);
  let drop0 = 0;
  let drop2 = 0;
  let keep0 = 0;
  let keep2 = 0;
  for (let n = 0; n < N; n++) {
    for (let k = 0; k < N; k++) {
      const t = c[n] * c[k];
      if (n < p && k < p) {
        keep0 += t;
        keep2 += (n + k + 2) * t;
      } else {
        drop0 += t;
        drop2 += (n + k + 2) * t;
      }
    }
  }
  const e0 = K_CRAMER * drop0;
  const e2 = K_CRAMER * 2 * drop2;
  const a0 = K_CRAMER * keep0;
  const a2 = K_CRAMER * 2 * keep2;
  return { eta: Math.max(e0, (e2 + 2 * e0) / 4), kept: Math.max(a0, (a2 + 2 * a0) / 4) };
}

/** The smallest p (≥ 2) whose truncation bound η is at most `eta`, capped at 40. */
export function termsFor(eta: number, h: number = BOX_WIDTH): number {
  for (let p = 2; p < 40; p++) if (truncationBound(p, h).eta <= eta) return p;
  return 40;
}

/** Hermite functions h_j(x), j < count, by h_{j+1} = 2x h_j − 2j h_{j−1}, into out[at…] (the d-dimensional transform's tables use them too). */
export function hermiteFunctions(x: number, count: number, out: Float64Array, at: number): void {
  let prev = Math.exp(-x * x);
  let cur = 2 * x * prev;
  out[at] = prev;
  if (count > 1) out[at + 1] = cur;
  for (let j = 1; j + 1 < count; j++) {
    const next = 2 * x * cur - 2 * j * prev;
    out[at + j + 1] = next;
    prev = cur;
    cur = next;
  }
}

/**
 * The four sums for targets u (any order) from sources z with values v (any order), all in scaled
 * units. Targets more than M boxes beyond the sources get zero sums and an infinite bound.
 */
export function gaussTransform(z: Float64Array, v: Float64Array, u: Float64Array, options: GaussTransformOptions): GaussSums {
  const nz = z.length;
  const nu = u.length;
  const h = BOX_WIDTH;
  const p = termsFor(options.eta, h);
  const { eta, kept } = truncationBound(p, h);
  const M = Math.ceil(CUTOFF / h);
  const R = M * h;

  let zMin = Infinity;
  let zMax = -Infinity;
  for (let j = 0; j < nz; j++) {
    if (z[j] < zMin) zMin = z[j];
    if (z[j] > zMax) zMax = z[j];
  }
  // One box is centred on the middle of the sources: when they span much less than a box (small
  // w), every a and t is then small too, and (t − a)² in the d² sums is not left as the small
  // difference of terms of size (h/2)². Target boxes reach M boxes past the sources on either
  // side; beyond that nothing is in range.
  const mid = 0.5 * (zMin + zMax);
  const half = Math.ceil((mid - zMin) / h + 0.5);
  const lo = mid - 0.5 * h - (half + M) * h;
  const nBoxes = Math.floor((zMax - lo) / h) + 1 + M;
  const centre = (b: number): number => lo + (b + 0.5) * h;

  // Counting sort of the sources by box, so each box's moments are summed from contiguous memory.
  const boxOf = new Int32Array(nz);
  const count = new Float64Array(nBoxes);
  const start = new Int32Array(nBoxes + 1);
  for (let j = 0; j < nz; j++) {
    const b = Math.min(nBoxes - 1, Math.floor((z[j] - lo) / h));
    boxOf[j] = b;
    count[b]++;
  }
  for (let b = 0; b < nBoxes; b++) start[b + 1] = start[b] + count[b];
  const fill = start.slice(0, nBoxes);
  const zs = new Float64Array(nz);
  const vs = new Float64Array(nz);
  for (let j = 0; j < nz; j++) {
    const to = fill[boxOf[j]]++;
    zs[to] = z[j];
    vs[to] = v[j];
  }

  // Hermite moments A_n(S) for weights 1 and v, interleaved: mom[(S·p + n)·2 + {0, 1}].
  const mom = new Float64Array(nBoxes * p * 2);
  const part = new Float64Array(p * 2);
  const invN = new Float64Array(p);
  for (let n = 0; n < p; n++) invN[n] = 1 / (n + 1);
  let maxCount = 0;
  for (let b = 0; b < nBoxes; b++) {
    if (count[b] === 0) continue;
    if (count[b] > maxCount) maxCount = count[b];
    const c = centre(b);
    const base = b * p * 2;
    for (let j0 = start[b]; j0 < start[b + 1]; j0 += BLOCK) {
      part.fill(0);
      const j1 = Math.min(start[b + 1], j0 + BLOCK);
      for (let j = j0; j < j1; j++) {
        const a = zs[j] - c;
        const vj = vs[j];
        let pw = 1;
        for (let n = 0; n < p; n++) {
          part[2 * n] += pw;
          part[2 * n + 1] += pw * vj;
          pw *= a * invN[n];
        }
      }
      for (let i = 0; i < 2 * p; i++) mom[base + i] += part[i];
    }
  }

  // Hermite-function tables for every box offset m = T − S (D = m·h), for both kernels:
  // g0[m][j] = h_j(D), gp[m][j] = (h_{j+2}(D) + 2 h_j(D))/4, j < 2p − 1.
  const L = 2 * p + 1;
  const span = 2 * M + 1;
  const hf = new Float64Array(L);
  const g0 = new Float64Array(span * L);
  const gp = new Float64Array(span * L);
  const decay = new Float64Array(span); // e^{−D²/2}, the Cramér factor of the bound
  for (let m = -M; m <= M; m++) {
    const D = m * h;
    hermiteFunctions(D, L, hf, 0);
    const at = (m + M) * L;
    for (let j = 0; j + 2 < L; j++) {
      g0[at + j] = hf[j];
      gp[at + j] = (hf[j + 2] + 2 * hf[j]) / 4;
    }
    decay[m + M] = Math.exp(-0.5 * D * D);
  }

  // Which target boxes are needed, and their Taylor coefficients B_k for the four sums,
  // interleaved: loc[(T·p + k)·4 + {e, ev, p, pv}].
  const need = new Uint8Array(nBoxes);
  for (let i = 0; i < nu; i++) {
    const b = Math.floor((u[i] - lo) / h);
    if (b >= 0 && b < nBoxes) need[b] = 1;
  }
  const loc = new Float64Array(nBoxes * p * 4);
  const weight = new Float64Array(nBoxes); // W_T
  const signFact = new Float64Array(p); // (−1)^k / k!
  signFact[0] = 1;
  for (let k = 1; k < p; k++) signFact[k] = -signFact[k - 1] / k;
  for (let T = 0; T < nBoxes; T++) {
    if (!need[T]) continue;
    const base = T * p * 4;
    let W = 0;
    for (let m = -M; m <= M; m++) {
      const S = T - m;
      if (S < 0 || S >= nBoxes || count[S] === 0) continue;
      W += count[S] * decay[m + M];
      const at = (m + M) * L;
      const ms = S * p * 2;
      for (let k = 0; k < p; k++) {
        let s0 = 0;
        let s0v = 0;
        let sp = 0;
        let spv = 0;
        for (let n = 0; n < p; n++) {
          const a1 = mom[ms + 2 * n];
          const av = mom[ms + 2 * n + 1];
          const h0 = g0[at + n + k];
          const hp = gp[at + n + k];
          s0 += a1 * h0;
          s0v += av * h0;
          sp += a1 * hp;
          spv += av * hp;
        }
        const o = base + 4 * k;
        loc[o] += s0;
        loc[o + 1] += s0v;
        loc[o + 2] += sp;
        loc[o + 3] += spv;
      }
    }
    for (let k = 0; k < p; k++) {
      const o = base + 4 * k;
      loc[o] *= signFact[k];
      loc[o + 1] *= signFact[k];
      loc[o + 2] *= signFact[k];
      loc[o + 3] *= signFact[k];
    }
    weight[T] = W;
  }

  // Longest rounding chain: a block and the block totals (moments), p (translation), 2M + 1
  // (box pairs), p (Horner), and ~2p for the Hermite recurrence.
  const chain = BLOCK + Math.ceil(maxCount / BLOCK) + 4 * p + span + 8;
  const rho = ((chain * EPS) / (1 - chain * EPS)) * kept;
  const cut = R * R * Math.exp(-R * R) * nz;

  const e = new Float64Array(nu);
  const ev = new Float64Array(nu);
  const ps = new Float64Array(nu);
  const pv = new Float64Array(nu);
  const bound = new Float64Array(nu);
  for (let i = 0; i < nu; i++) {
    const b = Math.floor((u[i] - lo) / h);
    if (!(b >= 0 && b < nBoxes)) {
      bound[i] = Infinity;
      continue;
    }
    const t = u[i] - centre(b);
    const base = b * p * 4;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let k = p - 1; k >= 0; k--) {
      const o = base + 4 * k;
      s0 = s0 * t + loc[o];
      s1 = s1 * t + loc[o + 1];
      s2 = s2 * t + loc[o + 2];
      s3 = s3 * t + loc[o + 3];
    }
    e[i] = s0;
    ev[i] = s1;
    ps[i] = s2;
    pv[i] = s3;
    bound[i] = (eta + rho) * weight[b] + cut;
  }
  return { e, ev, p: ps, pv, bound, terms: p };
}
