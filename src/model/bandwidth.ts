import { AttnpoolError } from '../errors.js';
import type { KernelName } from '../args/kernel.js';
import { describe } from '../args/describe.js';
import type { TensorInput } from '../tensor.js';
import { boxcarPath, type BoxcarStep } from './boxcarPath.js';
import { LooLoss } from './looLoss.js';
import { checkOptions } from '../args/options.js';
import { numberOption } from '../args/numbers.js';

/** Options of {@link looCurve} and {@link optimalBandwidth}. */
export interface BandwidthOptions {
  /** the attention kernel (default `'gaussian'`) */
  kernel?: KernelName;
}

/** What {@link looCurve} returns: one entry per w. */
export interface LooCurve {
  /** the w asked for */
  w: Float64Array;
  /** the leave-one-out loss Σ_i (ŷ_{−i}(x_i) − y_i)² at each w */
  loss: Float64Array;
  /** its derivative in w (0 for boxcar and constant) */
  grad: Float64Array;
}

/** A local minimum of the leave-one-out loss. */
export interface LocalMinimum {
  /** where it lies */
  w: number;
  /** the leave-one-out loss there */
  loss: number;
}

/** What {@link optimalBandwidth} returns. */
export interface OptimalBandwidth {
  /** the global minimiser (0 or Infinity when a limit is best; for boxcar, the geometric middle of `interval`) */
  w: number;
  /** the leave-one-out loss there (sum over points; statsmodels reports it divided by n) */
  loss: number;
  /** every local minimum found, by increasing w */
  localMinima: LocalMinimum[];
  /** the limit w → ∞: each point predicted by its nearest other point */
  lossAtInfinity: number;
  /** w = 0: each point predicted by the mean of the others */
  lossAtZero: number;
  /** boxcar only: the loss is a step function, minimal for w in (from, to] (from = 0: [0, to]; to may be Infinity) */
  interval?: [number, number];
}

/**
 * The leave-one-out loss and its derivative at each w, in float64, each one fused pass over
 * the data (O(n²) time, O(n) memory): the curve behind the chapter's exercise on choosing w.
 *
 * @example
 * const { loss } = looCurve(x, y, [1, 2, 5, 10]);
 */
export function looCurve(x: TensorInput, y: TensorInput, ws: ArrayLike<number>, options?: BandwidthOptions): LooCurve {
  const o = checkOptions(options, { kernel: 'any' }, 'looCurve');
  const f = new LooLoss(x, y, o.kernel, 'looCurve');
  if (ws === null || typeof ws !== 'object' || typeof (ws as ArrayLike<number>).length !== 'number' || ws.length === 0) {
    throw new AttnpoolError('E_EMPTY', `looCurve: ws: expected a non-empty array of w values, got ${describe(ws)}`);
  }
  const w = Float64Array.from({ length: ws.length }, (_, i) => numberOption(ws[i], `ws[${i}]`, {}));
  const loss = new Float64Array(w.length);
  const grad = new Float64Array(w.length);
  w.forEach((wi, i) => {
    const r = f.at(Math.abs(wi));
    loss[i] = r.loss;
    grad[i] = wi < 0 ? -r.grad : r.grad; // the loss is even in w
  });
  return { w, loss, grad };
}

/** Points per decade of the Gaussian's bracketing scan: fine enough to separate the minima of real data. */
const PER_DECADE = 25;

/**
 * The w that minimises the leave-one-out squared error, found exactly. Gaussian: a log-spaced
 * scan from 0.01/span(x) to 100/(smallest gap) brackets every sign change of dL/dw from − to +,
 * and bisection on the analytic derivative narrows each to adjacent float64 numbers.
 * Epanechnikov and triangular: the same between the kinks of the loss, each kink examined (up
 * to 5000 point pairs; a 400-per-decade scan above). Boxcar: the loss is a step function of w,
 * minimised exactly over all its steps. The limits w = 0 (the mean of the others) and w → ∞
 * (nearest neighbour) compete too. Costs O(n²) per evaluation, in float64. statsmodels'
 * `KernelReg(..., reg_type='lc', bw='cv_ls')` minimises the same loss divided by n, over h = 1/w.
 *
 * @example
 * const { w, localMinima } = optimalBandwidth(data.xTrain, data.yTrain);
 */
export function optimalBandwidth(x: TensorInput, y: TensorInput, options?: BandwidthOptions): OptimalBandwidth {
  const o = checkOptions(options, { kernel: 'any' }, 'optimalBandwidth');
  const f = new LooLoss(x, y, o.kernel, 'optimalBandwidth');
  if (f.kernel === 'constant') {
    throw new AttnpoolError(
      'E_OPTION',
      `optimalBandwidth: kernel: 'constant' gives every point the same weight whatever w is; there is no bandwidth to choose`,
    );
  }
  const sorted = Float64Array.from(f.x).sort();
  const span = sorted[sorted.length - 1] - sorted[0];
  let gap = Infinity;
  for (let i = 1; i < sorted.length; i++) if (sorted[i] > sorted[i - 1]) gap = Math.min(gap, sorted[i] - sorted[i - 1]);
  if (!(span > 0))
    throw new AttnpoolError('E_VALUE', `optimalBandwidth: x: expected at least two distinct values, got ${sorted.length} copies of ${sorted[0]}`);
  const lossAtInfinity = f.atInfinity();
  const lossAtZero = f.at(0).loss;
  if (f.kernel === 'boxcar') return boxcarOptimum(f, lossAtInfinity, lossAtZero);

  const localMinima = f.kernel === 'gaussian' ? smoothMinima(f, 0.01 / span, 100 / gap) : kinkedMinima(f, 0.01 / span, 1 / gap);
  const candidates: LocalMinimum[] = [...localMinima, { w: 0, loss: lossAtZero }, { w: Infinity, loss: lossAtInfinity }];
  const best = candidates.reduce((a, b) => (b.loss < a.loss ? b : a));
  return { w: best.w, loss: best.loss, localMinima, lossAtInfinity, lossAtZero };
}

/**
 * The Gaussian loss is smooth in w: scan PER_DECADE points per decade of [wLo, wHi], bisect
 * each sign change of dL/dw from − to +.
 */
function smoothMinima(f: LooLoss, wLo: number, wHi: number): LocalMinimum[] {
  const grid = logGrid(wLo, wHi, PER_DECADE);
  const slope = grid.map((w) => f.at(w).grad);
  const minima: LocalMinimum[] = [];
  for (let i = 0; i + 1 < grid.length; i++) {
    if (slope[i] < 0 && slope[i + 1] >= 0 && !(slope[i + 1] === 0 && i + 2 < grid.length && slope[i + 2] <= 0)) {
      const w = bisectSlope(f, grid[i], grid[i + 1]);
      minima.push({ w, loss: f.at(w).loss });
    }
  }
  return minima;
}

/** Up to this many point pairs, every kink of a compact kernel's loss is examined. */
const EXACT_PAIRS = 5000;
/** Above it, the scan's density. */
const DENSE_PER_DECADE = 400;
/** A relative step that leaves a kink without reaching the next one (kinks of float32 data are farther apart). */
const SIDE = 1e-12;

/**
 * The Epanechnikov and triangular losses are smooth except at kinks w = 1/|x_i − x_j|, where a
 * pair enters or leaves a support; beyond 1/gap no pair is left and the loss is its limit. For
 * up to EXACT_PAIRS pairs, every kink is examined: a minimum at a kink (slope − on its left,
 * + on its right), or one inside an interval between kinks (a sign change there, bisected).
 * With more pairs, a scan of DENSE_PER_DECADE points per decade brackets them instead.
 */
function kinkedMinima(f: LooLoss, wLo: number, wHi: number): LocalMinimum[] {
  const pairs = (f.n * (f.n - 1)) / 2;
  const kinks = pairs <= EXACT_PAIRS ? kinksOf(f.x, wLo, wHi) : logGrid(wLo, wHi, DENSE_PER_DECADE);
  const minima: LocalMinimum[] = [];
  let leftSlope = f.at(kinks[0] * (1 - SIDE)).grad;
  for (let i = 0; i < kinks.length; i++) {
    const b = kinks[i];
    const rightSlope = f.at(b * (1 + SIDE)).grad;
    if (leftSlope < 0 && rightSlope > 0) minima.push({ w: b, loss: f.at(b).loss });
    if (i + 1 === kinks.length) break;
    const next = kinks[i + 1];
    const endSlope = f.at(next * (1 - SIDE)).grad;
    if (rightSlope < 0 && endSlope > 0) {
      const w = bisectSlope(f, b * (1 + SIDE), next * (1 - SIDE));
      minima.push({ w, loss: f.at(w).loss });
    }
    leftSlope = endSlope;
  }
  return minima;
}

/** The distinct w = 1/|x_i − x_j| in [wLo, wHi], ascending, with wLo first. */
function kinksOf(x: Float64Array, wLo: number, wHi: number): number[] {
  const set = new Set<number>([wLo]);
  for (let i = 0; i < x.length; i++) {
    for (let j = i + 1; j < x.length; j++) {
      const d = Math.abs(x[i] - x[j]);
      if (d > 0 && 1 / d >= wLo && 1 / d <= wHi) set.add(1 / d);
    }
  }
  return [...set].sort((a, b) => a - b);
}

/** Points from lo to hi, evenly spaced on a log scale, perDecade to a factor of ten. */
export function logGrid(lo: number, hi: number, perDecade: number): number[] {
  const count = Math.max(2, Math.ceil(Math.log10(hi / lo) * perDecade) + 1);
  return Array.from({ length: count }, (_, i) => lo * (hi / lo) ** (i / (count - 1)));
}

/** Bisection on the sign of dL/dw in [lo, hi] (negative at lo, not negative at hi) down to adjacent floats. */
function bisectSlope(f: LooLoss, lo: number, hi: number): number {
  for (let i = 0; i < 200; i++) {
    const mid = 0.5 * (lo + hi);
    if (mid <= lo || mid >= hi) break;
    if (f.at(mid).grad < 0) lo = mid;
    else hi = mid;
  }
  // of the two neighbours, the one with the lower loss
  return f.at(lo).loss <= f.at(hi).loss ? lo : hi;
}

function boxcarOptimum(f: LooLoss, lossAtInfinity: number, lossAtZero: number): OptimalBandwidth {
  // Neighbouring steps whose loss is the same (pairs left windows without changing any ŷ) are one flat stretch.
  const steps: BoxcarStep[] = [];
  for (const s of boxcarPath(f.x, f.y)) {
    const last = steps[steps.length - 1];
    if (last && Math.abs(s.loss - last.loss) <= 1e-12 * Math.max(Math.abs(s.loss), Math.abs(last.loss))) last.to = s.to;
    else steps.push({ ...s });
  }
  // a representative w inside each stretch
  const middle = (from: number, to: number) => (from === 0 ? to / 2 : to === Infinity ? 2 * from : Math.sqrt(from * to));
  const localMinima: LocalMinimum[] = [];
  let best = 0;
  steps.forEach((s, i) => {
    if (s.loss < steps[best].loss) best = i;
    const left = i === 0 ? Infinity : steps[i - 1].loss;
    const right = i + 1 === steps.length ? Infinity : steps[i + 1].loss;
    if (s.loss < left && s.loss < right) localMinima.push({ w: middle(s.from, s.to), loss: s.loss });
  });
  const s = steps[best];
  const w = middle(s.from, s.to);
  // the best stretch's loss evaluated afresh, free of the sweep's running-sum rounding
  return { w, loss: f.at(w).loss, localMinima, lossAtInfinity, lossAtZero, interval: [s.from, s.to] };
}
