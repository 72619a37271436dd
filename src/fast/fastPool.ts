import { extent } from 'd3-array';
import type { PoolCall } from '../args/pool.js';
import type { RealArray } from '../tensor.js';
import { fastChoice, windowRunsPay } from './costModel.js';
import { gaussTransform } from './gaussTransform.js';
import { sortPermutation } from './sortKeys.js';
import { buildWindowTree, windowStack, windowedSums, type WindowTree } from './windowedDense.js';

/**
 * Nadaraya–Watson attention pooling with shared keys, ŷ_i = Σ_j e_ij v_j / Σ_j e_ij with
 * e_ij = exp(−(w(q_i − k_j))²/2), in O((nq + nk)·p) time by the fast Gauss transform
 * (gaussTransform.ts), in float64 whatever the input type.
 *
 * Accuracy: |ŷ_i − ŷ_i,exact| ≤ tolerance·(max v − min v)/2 (plus float64 rounding). The Gauss
 * transform's error bound B_i is absolute, so ŷ_i is taken from it only where 2·B_i ≤ tolerance·Σe
 * (see `pool`); every other query (far from every key, in a gap of clustered keys) is summed over
 * its window of sorted keys with the largest score subtracted first (windowedDense.ts: exact near
 * the query, relative error ≤ 1.2e-15 per key for far tight runs of keys) and counted in
 * `denseQueries`. When keys are sparse in units of 1/w, every query is summed that way, which is
 * then the faster method (costModel.ts).
 */

const EPS = 2 ** -53;

/** The default bound on |ŷ − ŷ_exact| relative to half the range of the values. */
export const DEFAULT_TOLERANCE = 1e-9;

/** What the fast path reads of a checked pooling call (shared keys [nk], any float type). */
export type FastCall = Pick<PoolCall<RealArray>, 'q' | 'k' | 'v' | 'excludeSelf'> & {
  /** the bandwidth (one feature) */
  w: number;
};

interface PoolResult {
  yHat: Float64Array;
  /** dŷ_i/dw = −w·Σ_j e_ij d_ij² (v_j − ŷ_i) / Σ_j e_ij; null unless asked for */
  dy: Float64Array | null;
  denseQueries: number;
}

/** The keys sorted with their values, grouped in runs for the windowed sums at scale s. */
function windowTree(k: RealArray, v: Float64Array, s: number, runs: boolean): WindowTree {
  const perm = sortPermutation(k);
  const n = k.length;
  const ks = new Float64Array(n);
  const vs = new Float64Array(n);
  const rank = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const j = perm[i];
    ks[i] = k[j];
    vs[i] = v[j];
    rank[j] = i;
  }
  return buildWindowTree(ks, vs, rank, s, runs);
}

/**
 * dŷ/dw from G = Σe·x²·(v − ŷ)/Σe in scaled units (x = s·d, s = w/√2): −w·G/s² = −2G/w. Written
 * this way, not through 1/s², so that a tiny w (s² underflows) gives 0 rather than 0·∞.
 */
function slope(G: number, w: number): number {
  return G === 0 ? 0 : (-2 * G) / w;
}

function pool(a: FastCall, tolerance: number, wantGrad: boolean): PoolResult {
  const { q, k, w, excludeSelf } = a;
  const nq = q.length;
  const nk = k.length;
  // Values measured from the middle of their range: |v'| ≤ half the range, which is what the
  // error bounds scale with, and a constant offset costs no accuracy.
  const [vMin, vMax] = extent(a.v) as [number, number];
  const vMid = 0.5 * (vMin + vMax);
  const v = new Float64Array(nk);
  for (let j = 0; j < nk; j++) v[j] = a.v[j] - vMid;
  const yHat = new Float64Array(nq);
  const dy = wantGrad ? new Float64Array(nq) : null;

  if (w === 0) {
    // Every weight is 1: the plain average (of the other keys, with excludeSelf). dŷ/dw = −w·g = 0.
    let sum = 0;
    for (let j = 0; j < nk; j++) sum += v[j];
    for (let i = 0; i < nq; i++) yHat[i] = vMid + (excludeSelf ? (sum - v[i]) / (nk - 1) : sum / nk);
    return { yHat, dy, denseQueries: 0 };
  }

  const [kMin, kMax] = extent(k) as [number, number];
  const dense: number[] = [];
  if (fastChoice(nq, nk, w, kMax - kMin).method === 'fgt') {
    // Scaled so the kernel is e^{−x²}, measured from the smallest key to keep the numbers small.
    const s = w / Math.SQRT2;
    const z = new Float64Array(nk);
    const u = new Float64Array(nq);
    for (let j = 0; j < nk; j++) z[j] = s * (k[j] - kMin);
    for (let i = 0; i < nq; i++) u[i] = s * (q[i] - kMin);
    // η = tolerance/1000 leaves room for W_T (the weight within reach) to exceed Σe 1000-fold
    // before a query has to be summed exactly.
    const sums = gaussTransform(z, v, u, { eta: tolerance * 1e-3 });
    for (let i = 0; i < nq; i++) {
      let e = sums.e[i];
      let ev = sums.ev[i];
      let pe = sums.p[i];
      let pv = sums.pv[i];
      let bound = sums.bound[i];
      if (excludeSelf) {
        // Query i's own key: remove its exact contribution (1, v_i, 0, 0 when q_i = k_i).
        const x = u[i] - z[i];
        const es = Math.exp(-x * x);
        bound += 4 * EPS * Math.abs(e);
        e -= es;
        ev -= es * v[i];
        pe -= x * x * es;
        pv -= x * x * es * v[i];
      }
      // |Δŷ| ≤ (|ΔΣev| + |ŷ'|·|ΔΣe|)/Σe ≤ 2·B·max|v'|/Σe, since |ŷ'| ≤ max|v'|.
      if (!(e > 0 && 2 * bound <= tolerance * e)) {
        dense.push(i);
        continue;
      }
      const shift = ev / e;
      yHat[i] = vMid + shift;
      if (dy) dy[i] = slope((pv - shift * pe) / e, w);
    }
  } else {
    for (let i = 0; i < nq; i++) dense.push(i);
  }

  if (dense.length > 0) {
    const s = w / Math.SQRT2;
    const tree = windowTree(k, v, s, windowRunsPay(dense.length, nk, w, kMax - kMin));
    const stack = windowStack(tree);
    const out = new Float64Array(2);
    for (const i of dense) {
      windowedSums(q[i], tree, excludeSelf ? tree.rank[i] : -1, out, stack);
      yHat[i] = vMid + out[0];
      if (dy) dy[i] = slope(out[1], w);
    }
  }
  return { yHat, dy, denseQueries: dense.length };
}

/**
 * ŷ for queries q from keys k (any order) and values v at bandwidth w ≥ 0, on checked data
 * (shared keys; with excludeSelf, nq == nk and query i skips key i), with
 * |ŷ − ŷ_exact| ≤ tolerance·(max v − min v)/2. Also how many queries were summed exactly.
 */
export function fastAttentionPool(call: FastCall, tolerance = DEFAULT_TOLERANCE): { yHat: Float64Array; denseQueries: number } {
  const r = pool(call, tolerance, false);
  return { yHat: r.yHat, denseQueries: r.denseQueries };
}

/**
 * L = Σ_i (ŷ_i − t_i)² and dL/dw = Σ_i 2(ŷ_i − t_i)·(−w·g_i), g_i = Σ_j e_ij d_ij² (v_j − ŷ_i) / Σ_j e_ij,
 * with ŷ as in fastAttentionPool; targets [nq].
 */
export function fastAttentionPoolLoss(
  call: FastCall,
  targets: RealArray,
  tolerance = DEFAULT_TOLERANCE,
): { loss: number; grad: number; yHat: Float64Array; denseQueries: number } {
  const r = pool(call, tolerance, true);
  const dy = r.dy as Float64Array;
  let loss = 0;
  let grad = 0;
  for (let i = 0; i < targets.length; i++) {
    const res = r.yHat[i] - targets[i];
    loss += res * res;
    grad += 2 * res * dy[i];
  }
  return { loss, grad, yHat: r.yHat, denseQueries: r.denseQueries };
}
