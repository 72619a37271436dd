import type { CriterionValue } from './criterion.js';

/** A criterion of the bandwidths w (length d), with its gradient when asked. */
export type Criterion = (w: Float64Array, wantGrad: boolean) => CriterionValue;

/** A local minimum of a bandwidth criterion. */
export interface BandwidthMinimum {
  /** w_k = 1/h_k (0: the variable is smoothed out) */
  w: Float64Array;
  /** the criterion there */
  value: number;
}

/** What {@link searchBandwidths} found. */
export interface BandwidthSearch {
  /** the best minimiser */
  best: BandwidthMinimum;
  /** every distinct local minimum found, best first */
  localMinima: BandwidthMinimum[];
  /** how many times the criterion was evaluated */
  evaluations: number;
}

/*
 * The search works in v_k = ±w_k·h0_k, h0 the normal-reference bandwidths (v = 1 is
 * statsmodels' start). The criteria are even in each w_k (the Gaussian depends on w² only),
 * so the search runs over all of ℝ^d with w_k = |v_k|/h0_k: the boundary w_k = 0 (h = ∞, the
 * variable smoothed out) is then an ordinary stationary point, which quasi-Newton reaches at
 * its usual speed, where a search in log w would crawl towards it.
 */
/** |v_k| below this ends as w_k = 0 exactly (if that is no worse): the kernel is then flat to 1e-8 over a few h0. */
const V_ZERO = 1e-4;
/** |v_k| is kept below this (h ≥ h0/10⁴): beyond, every kernel is a nearest-neighbour one and the criterion flat. */
const V_MAX = 1e4;
/** The largest step of one iteration in any v_k, relative to max(|v_k|, 1). */
const MAX_STEP = 0.75;
/** The first step of a descent (and after a reset) changes the largest |v_k| by this fraction. */
const FIRST_STEP = 0.1;
/** Armijo's sufficient-decrease constant. */
const ARMIJO = 1e-4;
/** Converged when every |∂f/∂v_k|·max(|v_k|, 1) is below this times |f|. */
const GRAD_TOL = 1e-10;
/** Converged when the quasi-Newton model predicts a decrease below this times |f| (then f is within ~1e-11 of the minimum's value, each h_k within ~1e-5). */
const DECREMENT_TOL = 1e-11;
/** Points whose v_k all agree within this fraction (of max(|v|, 0.05)) are in one basin. */
const SAME_BASIN = 0.1;
/** See {@link headingTo}. */
const HEADING = 0.5;
/** Where a start that smooths a variable out puts it: v = 0 exactly is stationary and would stay. */
const NEAR_ZERO = 0.05;
const MAX_ITERATIONS = 200;

/** mulberry32: a fixed, seeded spread of starts, so a search is reproducible. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The criterion with its gradient in v. */
type Evaluated = CriterionValue & { gradV: Float64Array };

/**
 * The starts, in v: statsmodels' own (v = 1), every variable 3× narrower and 3× wider, each
 * variable (nearly) smoothed out in turn when d > 1, all of them (the global mean, or for
 * local linear the global linear fit), and `random` points with log v uniform in
 * [−log 5, log 5]^d. (Starts 10× and 30× narrower were tried: they found no lower minimum in a
 * sweep of 80 random data sets and made the search 3–4× slower.)
 */
export function bandwidthStarts(d: number, random: number): Float64Array[] {
  const list: Float64Array[] = [new Float64Array(d).fill(1), new Float64Array(d).fill(3), new Float64Array(d).fill(1 / 3)];
  if (d > 1) {
    for (let k = 0; k < d; k++) {
      const v = new Float64Array(d).fill(1);
      v[k] = NEAR_ZERO;
      list.push(v);
    }
  }
  list.push(new Float64Array(d).fill(NEAR_ZERO));
  const r = seeded(16);
  for (let s = 0; s < random; s++) list.push(Float64Array.from({ length: d }, () => Math.exp(Math.log(5) * (2 * r() - 1))));
  return list;
}

/**
 * The global minimiser of a bandwidth criterion over w ∈ [0, ∞)^d, by quasi-Newton descents
 * (BFGS on the analytic gradient, Armijo backtracking) from several starts (see
 * {@link bandwidthStarts}; `starts` replaces them, in v = w·h0). The starts are first
 * evaluated, then descended from in order of their values; a descent that enters the basin of
 * a minimum already found, at a value no better than it, stops there. With `prune`, a start
 * (other than statsmodels' own) whose value exceeds the best minimum found so far by more than
 * prune·|value| is not descended from: for starts that are already near their minima. Returns
 * the best minimum and every distinct one found.
 */
export function searchBandwidths(f: Criterion, h0: Float64Array, options: { random?: number; starts?: Float64Array[]; prune?: number } = {}): BandwidthSearch {
  const d = h0.length;
  let evaluations = 0;
  const wOf = (v: Float64Array): Float64Array => Float64Array.from(v, (vk, k) => Math.abs(vk) / h0[k]);
  const evaluate = (v: Float64Array, wantGrad: boolean): Evaluated => {
    evaluations++;
    const w = wOf(v);
    const value = f(w, wantGrad);
    // ∂f/∂v_k = ∂f/∂w_k · sign(v_k)/h0_k
    const gradV = Float64Array.from(v, (vk, k) => (vk < 0 ? -value.gradW[k] : value.gradW[k]) / h0[k]);
    return { ...value, gradV };
  };

  const found: { v: Float64Array; value: number }[] = [];
  // (with gradients: the descent from a start begins with this evaluation)
  const initial = (options.starts ?? bandwidthStarts(d, options.random ?? 2)).map((v) => {
    const at = evaluate(v, true);
    return { v, value: at.value, at };
  });
  initial.sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
  for (const start of initial) {
    if (!Number.isFinite(start.value)) continue;
    const own = start.v.every((vk) => vk === 1); // statsmodels' start: always descended from
    const best = found.reduce((b, m) => Math.min(b, m.value), Infinity);
    if (!own && options.prune !== undefined && start.value > best + options.prune * Math.abs(best)) continue;
    if (found.some((m) => sameBasin(m.v, start.v) && m.value <= start.value)) continue;
    const m = descend(start.v, start.at, evaluate, found);
    if (!m) continue;
    const other = found.find((o) => sameBasin(o.v, m.v));
    if (!other) found.push(m);
    else if (m.value < other.value) {
      other.v = m.v;
      other.value = m.value;
    }
  }
  // a variable the search all but smoothed out is smoothed out, if that is no worse
  for (const m of found) {
    const v = Float64Array.from(m.v, (vk) => (Math.abs(vk) < V_ZERO ? 0 : Math.abs(vk)));
    if (v.some((vk, k) => vk !== Math.abs(m.v[k]))) {
      const value = evaluate(v, false).value;
      if (value <= m.value) {
        m.v = v;
        m.value = value;
      }
    } else m.v = v;
  }
  if (found.length === 0) {
    // every start undefined (AICc at tiny n): every variable smoothed out, where it is defined
    const v = new Float64Array(d);
    found.push({ v, value: evaluate(v, false).value });
  }
  found.sort((a, b) => a.value - b.value);
  const localMinima = found.map((m) => ({ w: wOf(m.v), value: m.value }));
  return { best: localMinima[0], localMinima, evaluations };
}

/** Whether two points of the search are in one basin, as far as the search can tell. */
function sameBasin(a: Float64Array, b: Float64Array): boolean {
  for (let k = 0; k < a.length; k++) {
    const x = Math.abs(a[k]);
    const y = Math.abs(b[k]);
    if (Math.abs(x - y) > SAME_BASIN * Math.max(x, y, NEAR_ZERO)) return false;
  }
  return true;
}

/**
 * Whether a descent at v (gradient g) is on its way into the basin of the minimum at m: within
 * HEADING of it in every v_k, with the criterion falling towards it. Then the descent would
 * only find m again, and stops.
 */
function headingTo(m: Float64Array, v: Float64Array, g: Float64Array): boolean {
  let toward = 0;
  for (let k = 0; k < v.length; k++) {
    const x = Math.abs(m[k]);
    const y = Math.abs(v[k]);
    if (Math.abs(x - y) > HEADING * Math.max(x, y, NEAR_ZERO)) return false;
    toward += (Math.sign(v[k] || 1) * x - v[k]) * g[k];
  }
  return toward < 0;
}

/**
 * One descent from v0 by BFGS. Returns the minimum it converged to, or null when it walked
 * into the basin of a minimum in `found` at a value no better than that minimum's.
 */
function descend(
  v0: Float64Array,
  at: Evaluated,
  evaluate: (v: Float64Array, wantGrad: boolean) => Evaluated,
  found: { v: Float64Array; value: number }[],
): { v: Float64Array; value: number } | null {
  const d = v0.length;
  let v: Float64Array = Float64Array.from(v0);
  let cur = at;
  let g = cur.gradV;
  let hInv = identity(d);
  let fresh = true; // hInv is the identity: scale the first step, then the matrix (Shanno–Phua)
  const dir = new Float64Array(d);
  for (let iter = 0; iter < MAX_ITERATIONS; iter++) {
    const scale = Math.max(Math.abs(cur.value), 1e-300);
    let gMax = 0;
    for (let k = 0; k < d; k++) gMax = Math.max(gMax, Math.abs(g[k]) * Math.max(Math.abs(v[k]), 1));
    if (gMax <= GRAD_TOL * scale) break;
    let slope = 0;
    for (let a = 0; a < d; a++) {
      let s = 0;
      for (let b = 0; b < d; b++) s -= hInv[a * d + b] * g[b];
      dir[a] = s;
      slope += s * g[a];
    }
    if (!fresh && slope < 0 && -0.5 * slope < DECREMENT_TOL * scale) break;
    if (!(slope < 0)) {
      // not a descent direction (the inverse Hessian went bad): steepest descent
      hInv = identity(d);
      fresh = true;
      slope = 0;
      for (let k = 0; k < d; k++) {
        dir[k] = -g[k];
        slope += dir[k] * g[k];
      }
    }
    // the step: at most MAX_STEP relative to each |v_k| (a factor, not a distance, as h spans
    // decades); a first step, whose length the gradient alone cannot tell, moves by FIRST_STEP
    let alpha = fresh ? Infinity : 1;
    for (let k = 0; k < d; k++) {
      const room = (fresh ? FIRST_STEP : MAX_STEP) * Math.max(Math.abs(v[k]), fresh ? NEAR_ZERO : 1);
      if (dir[k] !== 0 && Math.abs(dir[k]) * alpha > room) alpha = room / Math.abs(dir[k]);
    }
    if (!Number.isFinite(alpha)) break;
    let next: Float64Array | null = null;
    let nextValue: Evaluated | null = null;
    for (let tries = 0; tries < 40; tries++) {
      const trial = Float64Array.from(v, (vk, k) => Math.max(-V_MAX, Math.min(V_MAX, vk + alpha * dir[k])));
      const t = evaluate(trial, true);
      if (t.value <= cur.value + ARMIJO * alpha * slope) {
        next = trial;
        nextValue = t;
        break;
      }
      alpha *= 0.5;
      if (-alpha * slope < DECREMENT_TOL * scale) break; // any decrease left is below float64 noise
    }
    if (!next || !nextValue) break; // no decrease left at float64 resolution: a minimum
    bfgsUpdate(hInv, v, next, g, nextValue.gradV, fresh);
    fresh = false;
    v = next;
    cur = nextValue;
    g = nextValue.gradV;
    if (found.some((m) => m.value <= cur.value && (sameBasin(m.v, v) || headingTo(m.v, v, g)))) return null;
  }
  return { v, value: cur.value };
}

function identity(d: number): Float64Array {
  const m = new Float64Array(d * d);
  for (let k = 0; k < d; k++) m[k * d + k] = 1;
  return m;
}

/** The BFGS update of the inverse Hessian (scaled by sᵀy/yᵀy first when it is still the identity), skipped when the curvature condition fails. */
function bfgsUpdate(hInv: Float64Array, v: Float64Array, next: Float64Array, g: Float64Array, gNext: Float64Array, fresh: boolean): void {
  const d = v.length;
  const s = new Float64Array(d);
  const y = new Float64Array(d);
  let sy = 0;
  let yy = 0;
  let ss = 0;
  for (let k = 0; k < d; k++) {
    s[k] = next[k] - v[k];
    y[k] = gNext[k] - g[k];
    sy += s[k] * y[k];
    yy += y[k] * y[k];
    ss += s[k] * s[k];
  }
  if (!(sy > 1e-12 * Math.sqrt(ss * yy))) return;
  if (fresh) for (let k = 0; k < d * d; k++) hInv[k] *= sy / yy;
  const hy = new Float64Array(d);
  let yhy = 0;
  for (let a = 0; a < d; a++) {
    let t = 0;
    for (let b = 0; b < d; b++) t += hInv[a * d + b] * y[b];
    hy[a] = t;
    yhy += y[a] * t;
  }
  const rho = 1 / sy;
  for (let a = 0; a < d; a++) {
    for (let b = 0; b < d; b++) hInv[a * d + b] += (1 + yhy * rho) * rho * s[a] * s[b] - rho * (hy[a] * s[b] + s[a] * hy[b]);
  }
}
