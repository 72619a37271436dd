import type { MultiIndexSet } from './multiIndex.js';

/**
 * The Hermite → Taylor translation of hermiteTransform.ts for all box pairs at once, coordinate
 * by coordinate across the boxes as well as across the multi-indices:
 *
 *     L_β(T) = Σ_S Σ_α A_α(S) Π_k tab_k[m_k][α_k + β_k],   m = b(T) − b(S),
 *
 * over the source boxes S with |m_k| ≤ M in every coordinate. The product over k lets the sum over
 * S = (s₀, s₁, s₂) be split like the sum over α:
 *
 *     C1[s₀, s₁, t₂][α₀, α₁, β₂] = Σ_{s₂} Σ_{α₂} A[s₀, s₁, s₂][α] tab₂[t₂ − s₂][α₂ + β₂]
 *     C2[s₀, t₁, t₂][α₀, β₁, β₂] = Σ_{s₁} Σ_{α₁} C1[s₀, s₁, t₂][α₀, α₁, β₂] tab₁[t₁ − s₁][α₁ + β₁]
 *     L[t₀, t₁, t₂][β]           = Σ_{s₀} Σ_{α₀} C2[s₀, t₁, t₂][α₀, β₁, β₂] tab₀[t₀ − s₀][α₀ + β₀]
 *
 * Why: box pair by box pair costs (target boxes)·(source boxes)·~0.6p⁴; this costs
 * ~(boxes)·(boxes per coordinate)·~0.6p⁴, which for wide kernels (every box within reach of every
 * other, 4–10 boxes per coordinate at d = 3) is 16–100 times less. The pairs it includes are the
 * box |m_k| ≤ M rather than the ball of hermiteTransform.ts's cutoff: a superset, every pair of it
 * translated exactly as a single pair would be, so the caller's W_T must count the same box.
 *
 * Streaming: the target boxes are visited in id order (t₂ outermost, then t₁, then t₀), C1 is
 * rebuilt when t₂ changes and C2 when (t₁, t₂) does, so memory is nb₀·nb₁·p³ + nb₀·p³ numbers
 * whatever the number of target boxes. At d = 2 coordinate 2 is a single box at offset 0 with
 * one term (tab₂[0][0] = h₀(0) = 1).
 *
 * Rounding: each output is a sum of products over a chain of at most p + min(nb_k, 2M + 1) additions per
 * stage here; the f64x2 stages of assembly/fgtNd.ts (used when available, wasmHermite.ts) add
 * each (box, α_k) product in turn, p·min(nb_k, 2M + 1) per stage, and hermiteTransform.ts allows
 * for the longer.
 */
export interface TranslateInput {
  mi: MultiIndexSet;
  /** moments mom[(S·nw + c)·T + t], S = s₀ + nb₀(s₁ + nb₁ s₂) */
  mom: Float64Array;
  nw: number;
  /** column c of the moments to translate */
  c: number;
  /** source boxes per coordinate, and boxes holding sources (count per box) */
  nb: Int32Array;
  count: Int32Array;
  /** reach in boxes */
  M: number;
  /** tables tab_k[(m + M)·Lh + j] for coordinates 0, 1, 2 */
  tab0: Float64Array;
  tab1: Float64Array;
  tab2: Float64Array;
  Lh: number;
  /** target boxes, ascending id in the extended grid; their coordinates (source-grid units) */
  targets: Int32Array;
  tb: Int32Array;
  /** L for target box r is added to loc[at[r] …], T terms in multi-index order */
  loc: Float64Array;
  at: Int32Array;
}

export function translateAll(inp: TranslateInput): void {
  const { mi, mom, nw, c, nb, count, M, tab0, tab1, tab2, Lh, targets, tb, loc, at } = inp;
  const p = mi.p;
  const T = mi.count;
  const run = mi.start;
  const three = mi.d === 3;
  const P3 = three ? p : 1;
  const block = p * p * P3;
  const nb0 = nb[0];
  const nb1 = nb[1];
  const nb2 = nb[2];
  const colUsed = new Uint8Array(nb0 * nb1);
  const rowUsed = new Uint8Array(nb0);
  markUsed(count, nb0, nb1, colUsed, rowUsed);
  const C1 = new Float64Array(nb0 * nb1 * block);
  const C2 = new Float64Array(nb0 * block);
  streamTargets(
    tb,
    targets.length,
    (t2) => stage1(C1, block, mom, nw, c, T, run, p, P3, three, nb0, nb1, nb2, count, colUsed, t2, M, tab2, Lh),
    (t1) => stage2(C2, C1, block, p, P3, three, nb0, nb1, colUsed, rowUsed, t1, M, tab1, Lh),
    (r, t0) => stage3(loc, at[r], C2, block, p, P3, three, nb0, rowUsed, t0, M, tab0, Lh),
  );
}

/** Marks the columns (s₀, s₁) and the rows s₀ that hold any source (count per box, nb₀·nb₁ boxes a layer). */
export function markUsed(count: ArrayLike<number>, nb0: number, nb1: number, colUsed: Uint8Array, rowUsed: Uint8Array): void {
  for (let S = 0; S < count.length; S++) {
    if (count[S] === 0) continue;
    const col = S % (nb0 * nb1);
    colUsed[col] = 1;
    rowUsed[col % nb0] = 1;
  }
}

/**
 * The streaming above, for stages given as functions (the JS ones here, the WebAssembly ones in
 * wasmHermite.ts): target boxes r = 0 … n − 1 at (t₀, t₁, t₂) = tb[3r …] in id order; stage 1
 * runs when t₂ changes, stage 2 when (t₁, t₂) does, stage 3 for every box.
 */
export function streamTargets(
  tb: Int32Array,
  n: number,
  stage1: (t2: number) => void,
  stage2: (t1: number) => void,
  stage3: (r: number, t0: number) => void,
): void {
  let t2Now = Number.NaN;
  let t12Now = Number.NaN;
  for (let r = 0; r < n; r++) {
    const t0 = tb[3 * r];
    const t1 = tb[3 * r + 1];
    const t2 = tb[3 * r + 2];
    if (t2 !== t2Now) {
      t2Now = t2;
      t12Now = Number.NaN;
      stage1(t2);
    }
    const t12 = t1 * 65536 + t2;
    if (t12 !== t12Now) {
      t12Now = t12;
      stage2(t1);
    }
    stage3(r, t0);
  }
}

/** C1 for every column (s₀, s₁) at target row t₂ (layout [(s₀ + nb₀ s₁)·block + (α₀p + α₁)·P3 + β₂]). */
function stage1(
  C1: Float64Array,
  block: number,
  mom: Float64Array,
  nw: number,
  c: number,
  T: number,
  run: Int32Array,
  p: number,
  P3: number,
  three: boolean,
  nb0: number,
  nb1: number,
  nb2: number,
  count: Int32Array,
  colUsed: Uint8Array,
  t2: number,
  M: number,
  tab2: Float64Array,
  Lh: number,
): void {
  C1.fill(0);
  const lo2 = Math.max(0, t2 - M);
  const hi2 = Math.min(nb2 - 1, t2 + M);
  for (let col = 0; col < nb0 * nb1; col++) {
    if (!colUsed[col]) continue;
    const cb = col * block;
    for (let s2 = lo2; s2 <= hi2; s2++) {
      const S = col + nb0 * nb1 * s2;
      if (count[S] === 0) continue;
      const mo = (S * nw + c) * T;
      const at2 = (t2 - s2 + M) * Lh;
      for (let a0 = 0; a0 < p; a0++) {
        for (let a1 = 0; a0 + a1 < p; a1++) {
          const s = mo + run[a0 * p + a1];
          const o = cb + (a0 * p + a1) * P3;
          if (!three) {
            C1[o] += mom[s] * tab2[at2];
            continue;
          }
          const len = p - a0 - a1;
          for (let b2 = 0; b2 < p; b2++) {
            let acc = 0;
            const tb = at2 + b2;
            for (let a2 = 0; a2 < len; a2++) acc += mom[s + a2] * tab2[tb + a2];
            C1[o + b2] += acc;
          }
        }
      }
    }
  }
}

/** C2 for every row s₀ at target (t₁, t₂) (layout [s₀·block + (α₀p + β₁)·P3 + β₂], β₁ + β₂ < p). */
function stage2(
  C2: Float64Array,
  C1: Float64Array,
  block: number,
  p: number,
  P3: number,
  three: boolean,
  nb0: number,
  nb1: number,
  colUsed: Uint8Array,
  rowUsed: Uint8Array,
  t1: number,
  M: number,
  tab1: Float64Array,
  Lh: number,
): void {
  C2.fill(0);
  const lo1 = Math.max(0, t1 - M);
  const hi1 = Math.min(nb1 - 1, t1 + M);
  for (let s0 = 0; s0 < nb0; s0++) {
    if (!rowUsed[s0]) continue;
    const rb = s0 * block;
    for (let s1 = lo1; s1 <= hi1; s1++) {
      const col = s0 + nb0 * s1;
      if (!colUsed[col]) continue;
      const cb = col * block;
      const at1 = (t1 - s1 + M) * Lh;
      for (let a0 = 0; a0 < p; a0++) {
        const na1 = p - a0;
        for (let b1 = 0; b1 < p; b1++) {
          const nb2 = three ? p - b1 : 1;
          const o = rb + (a0 * p + b1) * P3;
          for (let a1 = 0; a1 < na1; a1++) {
            const f = tab1[at1 + a1 + b1];
            const ci = cb + (a0 * p + a1) * P3;
            for (let b2 = 0; b2 < nb2; b2++) C2[o + b2] += C1[ci + b2] * f;
          }
        }
      }
    }
  }
}

/** L[β] += Σ_{s₀} Σ_{α₀} C2[s₀][α₀, β₁, β₂] tab₀[t₀ − s₀][α₀ + β₀], in multi-index order. */
function stage3(
  loc: Float64Array,
  at: number,
  C2: Float64Array,
  block: number,
  p: number,
  P3: number,
  three: boolean,
  nb0: number,
  rowUsed: Uint8Array,
  t0: number,
  M: number,
  tab0: Float64Array,
  Lh: number,
): void {
  const lo0 = Math.max(0, t0 - M);
  const hi0 = Math.min(nb0 - 1, t0 + M);
  for (let s0 = lo0; s0 <= hi0; s0++) {
    if (!rowUsed[s0]) continue;
    const rb = s0 * block;
    const at0 = (t0 - s0 + M) * Lh;
    let t = at;
    for (let b0 = 0; b0 < p; b0++) {
      for (let b1 = 0; b0 + b1 < p; b1++) {
        const nb2 = three ? p - b0 - b1 : 1;
        for (let b2 = 0; b2 < nb2; b2++) {
          let acc = 0;
          const ci = rb + b1 * P3 + b2;
          for (let a0 = 0; a0 < p; a0++) acc += C2[ci + a0 * p * P3] * tab0[at0 + a0 + b0];
          loc[t++] += acc;
        }
      }
    }
  }
}
