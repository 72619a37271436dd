/**
 * Pooling sums for single queries over their window of sorted keys, with relative accuracy
 * whatever the size of Σe: the fallback for queries where the fast Gauss transform's absolute
 * bound is not small next to Σe (queries far from every key, where e^{−x²} underflows, or in the
 * gaps of clustered keys), and the whole method when keys are sparse in units of 1/w.
 *
 * Like pool.ts it subtracts the largest score (the nearest key's, x₀²) before exp, so nothing
 * underflows. The window is every key with e^{−(x² − x₀²)} ≥ 2^-64 (x = s·(q − k), s = w/√2,
 * kernel e^{−x²}); the keys left out move ŷ by less than nk·2^-64 of the value range.
 *
 * Summing a window key by key costs its size, which for a query in a gap next to a cluster of
 * 10^5 keys is 10^5 exps. So the sorted keys are grouped in a binary tree of runs (32 keys at the
 * leaves), each run with centre κ, half-width ρ and moments μ_n = Σ_j w_j e^{−α_j²} α_j^n
 * (α = z − κ, weights 1 and v). With X = u − κ,
 *
 *     e^{−(u − z)²} = e^{−X²} e^{−α²} e^{2Xα},   e^{2Xα} ≈ Σ_{n<p} (2Xα)^n / n!,
 *
 * and if |2Xα| ≤ 2|X|ρ ≤ τ the truncated series is within τ^p e^{τ}/p! of e^{2Xα} ≥ e^{−τ}: a
 * relative error of at most η = τ^p e^{2τ}/p! for every key's term (τ = 1, p = 18:
 * η = 1.2e-15). All weights e are positive, so Σe and Σe·d² have relative error ≤ η and
 * Σe·v, Σe·d²·v absolute error ≤ η·Σe·|v|, for any query however far from the keys. A run is
 * used whole when it lies inside the window, meets 2|X|ρ ≤ τ and does not hold the skipped key;
 * otherwise its halves are tried, down to the leaves, whose keys are summed exactly.
 */

/** Keys in a leaf run of the tree, summed one by one (costModel.ts counts tree levels from it). */
export const LEAF = 32;
const TERMS = 18;
const TAU = 1;
/** Moments μ_n for n < TERMS + 2: the +2 gives the d² sums, (X − α)² = X² − 2Xα + α². */
const MOMENTS = TERMS + 2;
/** Runs wider than this never meet 2|X|ρ ≤ τ except right at the query; skip their moments. */
const RHO_MAX = 1;
/** ln(2^64): a key with x² − x₀² above this weighs less than 2^-64 of the nearest. */
const WINDOW = 64 * Math.LN2;

/** The relative truncation error of one run's expansion, τ^p e^{2τ}/p!. */
export function runTruncationBound(): number {
  let f = 1;
  for (let n = 2; n <= TERMS; n++) f *= n;
  return (TAU ** TERMS * Math.exp(2 * TAU)) / f;
}

interface Level {
  /** keys per run at this level */
  size: number;
  kappa: Float64Array;
  rho: Float64Array;
  /** mom[(r·MOMENTS + n)·2 + {0: weight 1, 1: weight v}] */
  mom: Float64Array;
}

/**
 * Keys sorted ascending (in key units: differences are taken before scaling by s = w/√2, so a
 * large w costs no accuracy), their values, the runs, and where each input key went.
 */
export interface WindowTree {
  k: Float64Array;
  s: number;
  v: Float64Array;
  /** rank[i]: sorted position of input key i */
  rank: Int32Array;
  levels: Level[];
}

/**
 * The runs over sorted keys k with values v at scale s = w/√2; `rank` passes through. Without
 * `runs` there is only the leaf level with no moments: every window is summed key by key, which
 * is cheaper for a handful of queries than building the levels.
 */
export function buildWindowTree(k: Float64Array, v: Float64Array, rank: Int32Array, s: number, runs: boolean): WindowTree {
  const n = k.length;
  const levels: Level[] = [];
  for (let size = LEAF; ; size *= 2) {
    const count = Math.ceil(n / size);
    const kappa = new Float64Array(count);
    const rho = new Float64Array(count).fill(Infinity);
    const mom = new Float64Array(runs ? count * MOMENTS * 2 : 0);
    let usable = 0;
    for (let r = 0; runs && r < count; r++) {
      const first = r * size;
      const end = Math.min(n, first + size);
      const centre = 0.5 * (k[first] + k[end - 1]);
      kappa[r] = centre;
      rho[r] = 0.5 * s * (k[end - 1] - k[first]);
      if (rho[r] > RHO_MAX) continue;
      usable++;
      const base = r * MOMENTS * 2;
      for (let j = first; j < end; j++) {
        const a = s * (k[j] - centre);
        let pw = Math.exp(-a * a);
        const vj = v[j];
        for (let m = 0; m < MOMENTS; m++) {
          mom[base + 2 * m] += pw;
          mom[base + 2 * m + 1] += pw * vj;
          pw *= a;
        }
      }
    }
    levels.push({ size, kappa, rho, mom });
    if (count === 1 || usable === 0) break;
  }
  return { k, s, v, rank, levels };
}

/** First index whose key is ≥ x (k.length if none). */
function lowerBound(k: Float64Array, x: number): number {
  let lo = 0;
  let hi = k.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (k[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const invFact = new Float64Array(TERMS);
invFact[0] = 1;
for (let n = 1; n < TERMS; n++) invFact[n] = invFact[n - 1] / n;

/**
 * For query q, skipping sorted position `skip` (−1: none): out[0] = ŷ (in the units of tree.v)
 * and out[1] = Σe·x²·(v − ŷ)/Σe (x = s·(q − k), scaled units). Needs one usable key.
 */
export function windowedSums(q: number, tree: WindowTree, skip: number, out: Float64Array, stack: Int32Array): void {
  const { k, s: scale, v, levels } = tree;
  const n = k.length;
  const at = lowerBound(k, q);
  let left = at - 1;
  if (left === skip) left--;
  let right = at;
  if (right === skip) right++;
  let near: number;
  if (left < 0) near = right;
  else if (right >= n) near = left;
  else near = q - k[left] <= k[right] - q ? left : right;
  const kNear = k[near];
  const x0 = scale * (q - kNear);
  const m0 = x0 * x0;
  // The window in key units; a key on its edge weighs 2^-64 of the nearest either way.
  const reach = Math.sqrt(m0 + WINDOW) / scale;
  // Far from every key, q ± reach rounds to about the nearest key: keep that key in regardless.
  const a = Math.min(near, lowerBound(k, q - reach));
  const b = Math.max(near + 1, lowerBound(k, q + reach));
  let se = 0;
  let sev = 0;
  let sd2 = 0;
  let sd2v = 0;

  // Depth-first over runs meeting [a, b): stack holds (level, run) pairs.
  let top = 0;
  const L = levels.length - 1;
  const size = levels[L].size;
  for (let r = Math.floor(a / size); r * size < b; r++) {
    stack[top++] = L;
    stack[top++] = r;
  }
  while (top > 0) {
    const r = stack[--top];
    const l = stack[--top];
    const lev = levels[l];
    const s = r * lev.size;
    const e = Math.min(n, s + lev.size);
    if (e <= a || s >= b) continue;
    const X = scale * (q - lev.kappa[r]);
    const rho = lev.rho[r];
    if (s >= a && e <= b && rho <= RHO_MAX && 2 * Math.abs(X) * rho <= TAU && (skip < s || skip >= e)) {
      const base = r * MOMENTS * 2;
      const mom = lev.mom;
      // S_i = Σ_n (2X)^n/n! μ_{n+i}, i = 0, 1, 2, for both weights.
      let c = 1;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let t0 = 0;
      let t1 = 0;
      let t2 = 0;
      const twoX = 2 * X;
      for (let m = 0; m < TERMS; m++) {
        const f = c * invFact[m];
        const o = base + 2 * m;
        s0 += f * mom[o];
        t0 += f * mom[o + 1];
        s1 += f * mom[o + 2];
        t1 += f * mom[o + 3];
        s2 += f * mom[o + 4];
        t2 += f * mom[o + 5];
        c *= twoX;
      }
      // m0 − X² as (x0 − X)(x0 + X): far from the keys both squares are huge and nearly equal.
      const g = Math.exp(scale * (lev.kappa[r] - kNear) * (x0 + X));
      se += g * s0;
      sev += g * t0;
      sd2 += g * (X * X * s0 - 2 * X * s1 + s2);
      sd2v += g * (X * X * t0 - 2 * X * t1 + t2);
      continue;
    }
    if (l > 0) {
      stack[top++] = l - 1;
      stack[top++] = 2 * r;
      stack[top++] = l - 1;
      stack[top++] = 2 * r + 1;
      continue;
    }
    const j0 = Math.max(s, a);
    const j1 = Math.min(e, b);
    for (let j = j0; j < j1; j++) {
      if (j === skip) continue;
      const x = scale * (q - k[j]);
      const x2 = x * x;
      const w = Math.exp(scale * (k[j] - kNear) * (x0 + x)); // x0² − x², factored as for the runs
      se += w;
      sev += w * v[j];
      sd2 += w * x2;
      sd2v += w * x2 * v[j];
    }
  }
  const y = sev / se;
  out[0] = y;
  out[1] = (sd2v - y * sd2) / se;
}

/** Stack for windowedSums: two entries per run, at most two runs per level pending, plus the top. */
export function windowStack(tree: WindowTree): Int32Array {
  const top = tree.levels[tree.levels.length - 1];
  return new Int32Array(4 * tree.levels.length + 2 * top.kappa.length + 8);
}
