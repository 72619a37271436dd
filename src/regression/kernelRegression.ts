import { AttnpoolError } from '../errors.js';
import { checkKernel, type KernelName } from '../args/kernel.js';
import { FrontEnd } from '../backend/frontEnd.js';
import type { Backend } from '../backend/types.js';
import { optimalBandwidth } from '../model/bandwidth.js';
import { choiceOption } from '../args/numbers.js';
import { checkOptions } from '../args/options.js';
import { describe } from '../args/describe.js';
import type { TensorInput } from '../tensor.js';
import { aicc } from './aicc.js';
import { searchBandwidths, type BandwidthMinimum, type Criterion } from './bandwidthSearch.js';
import { normalReference } from './normalReference.js';
import { fastLcAt, fastLcCriterion, fastLocalConstant } from './fastLocalConstant.js';
import { BackendPasses } from './onBackend.js';
import { searchWithSubsamples } from './searchWithSubsamples.js';
import type { KeySet } from './keySet.js';
import { fitAt } from './localFit.js';
import { LocalEstimator, type Regression } from './localEstimate.js';
import { looCv } from './looCv.js';
import { readMatrix, readResponse } from './regressionData.js';
import { rSquared } from './rSquared.js';

/** Options of {@link kernelRegression}. */
export interface KernelRegressionOptions {
  /** `'lc'`: local constant, Nadaraya–Watson (the default); `'ll'`: local linear */
  regression?: 'lc' | 'll';
  /**
   * h per variable (w = 1/h): `'cv_ls'` (least-squares leave-one-out cross-validation, the
   * default: its global minimiser), `'aic'` (Hurvich–Simonoff–Tsai AICc: the minimum of the
   * basin of the normal-reference start, as statsmodels), one number for every variable, or one per
   * variable. h > 0; Infinity smooths a variable out (local constant) or makes it enter
   * linearly (local linear).
   */
  bandwidth?: 'cv_ls' | 'aic' | number | ArrayLike<number>;
  /** the kernel of each variable (a product kernel), default `'gaussian'` */
  kernel?: KernelName;
  /**
   * run the O(n²) passes on this backend (float32 data, float64 sums) instead of the exact
   * float64 path: local constant's CV and its gradient as the leave-one-out pooling loss, its
   * predictions as `attentionPool`; local linear's moments (and, for the Gaussian, those of the
   * CV's gradient) as one fused pass per query. Not on the backend: AICc (`'aic'`), the
   * local-linear CV search of the compact kernels, local constant's marginal effects, d = 1
   * local constant's `'cv_ls'` (`optimalBandwidth`, exact), and any query that falls back under
   * the fallback rule or whose system float32 moments cannot resolve
   */
  backend?: Backend;
}

/** A bandwidth the search found to be a local minimum of its criterion. */
export interface KernelRegressionMinimum {
  /** h_k (Infinity: smoothed out / linear) */
  bandwidth: Float64Array;
  /** w_k = 1/h_k */
  w: Float64Array;
  /** the criterion there: CV for `'cv_ls'`, AICc for `'aic'` */
  value: number;
}

/** What {@link kernelRegression} returns. */
export interface KernelRegressionFit {
  /** `'lc'`: local constant (Nadaraya–Watson); `'ll'`: local linear */
  regression: 'lc' | 'll';
  /** the number of variables */
  d: number;
  /** h_k, as statsmodels' `bw` and np's `bw` (Infinity: the variable is smoothed out under lc, linear under ll) */
  bandwidth: Float64Array;
  /** w_k = 1/h_k */
  w: Float64Array;
  /** the mean squared leave-one-out error at this bandwidth (statsmodels' `cv_loo`) */
  cv: number;
  /** np's R²: [Σ(y − ȳ)(ŷ − ȳ)]² / (Σ(y − ȳ)²·Σ(ŷ − ȳ)²), ȳ the mean of y, ŷ = fitted (statsmodels centres at the mean of ŷ) */
  rSquared: number;
  /** ŷ at the training points */
  fitted: Float64Array;
  /** ŷ at the query points xq ([nq] when d = 1, or [nq, d]) → [nq] */
  predict(xq: TensorInput): Float64Array;
  /**
   * [nq, d] row-major: ∂ŷ/∂x_k. Local constant: the derivative of ŷ. Local linear: the local
   * slope β̂_k, as statsmodels and np report it (it estimates ∂g/∂x_k; the derivative of the
   * local-linear ŷ differs from it by terms that vanish with h); a query that fell back to local
   * constant gets the local-constant derivative.
   */
  marginalEffects(xq: TensorInput): Float64Array;
  /**
   * for `'cv_ls'` and `'aic'`: every local minimum of the criterion the search found, best
   * first. For `'cv_ls'` the first is the chosen bandwidth; for `'aic'` the chosen one is the
   * minimum of the basin of the normal-reference start (statsmodels' choice), which need not be
   * the first
   */
  localMinima?: KernelRegressionMinimum[];
}

const METHOD = 'kernelRegression';

/** The regressions: local constant (Nadaraya–Watson, the default) and local linear. */
export const REGRESSIONS: readonly Regression[] = ['lc', 'll'];

/** The bandwidth rules: least-squares cross-validation (the default) and AICc. */
export const BANDWIDTH_RULES = ['cv_ls', 'aic'] as const;

/**
 * Kernel regression as statisticians use it (statsmodels' `KernelReg`, R's `np::npreg`), on
 * the float64 path (exact loops; for local constant with the Gaussian kernel in 2 or 3 variables
 * from 600 points on, the d-dimensional fast path, each ŷ within 1e-9·(max y − min y)/2 of
 * exact, so that 10⁵ points take seconds): local constant or local linear with a product kernel, a bandwidth per
 * variable chosen by leave-one-out cross-validation or AICc (the global minimiser over
 * w ∈ [0, ∞)^d, from several starts, with analytic gradients), R² and marginal effects.
 * The boxcar kernel's criteria are step functions of w (gradient 0): its search keeps the best
 * of its starts. See the README's "Kernel regression" for the formulas and the fallback rule.
 *
 * @example
 * const fit = kernelRegression({ data: x, shape: [n, 2] }, y, { regression: 'll' });
 * fit.bandwidth; fit.cv; fit.predict({ data: [0.5, 1.5], shape: [1, 2] });
 */
export function kernelRegression(x: TensorInput, y: TensorInput, options?: KernelRegressionOptions): KernelRegressionFit {
  const o = checkOptions(options, ['regression', 'bandwidth', 'kernel', 'backend'], METHOD);
  const regression: Regression = o.regression === undefined ? 'lc' : choiceOption(o.regression, `${METHOD}: option "regression"`, REGRESSIONS);
  const kernel = checkKernel(o.kernel, METHOD);
  const backend = checkBackend(o.backend);
  const xm = readMatrix(x, 'x');
  const n = xm.rows;
  const d = xm.cols;
  const yv = readResponse(y, n);
  if (n < 2) throw new AttnpoolError('E_SHAPE', `x: expected at least 2 points (leave-one-out keeps n − 1), got ${n}`);
  const bandwidth = o.bandwidth === undefined ? 'cv_ls' : o.bandwidth;
  const fixed = typeof bandwidth === 'string' ? null : checkBandwidths(bandwidth, d);
  if (typeof bandwidth === 'string') choiceOption(bandwidth, `${METHOD}: option "bandwidth"`, BANDWIDTH_RULES);
  if (bandwidth === 'aic' && n < 4)
    throw new AttnpoolError('E_SHAPE', `x: bandwidth 'aic' needs at least 4 points (its penalty 1/(1 − (tr H + 2)/n) is undefined below), got ${n}`);
  const keys: KeySet = { x: xm.data, y: yv, n, d, kernel };

  let w: Float64Array;
  let localMinima: BandwidthMinimum[] | undefined;
  let cv: number | undefined; // known when the search minimised it
  if (fixed) w = Float64Array.from(fixed, (h) => 1 / h);
  else if (kernel === 'constant') {
    // every bandwidth gives the same weights: the fit does not depend on w
    w = new Float64Array(d);
    localMinima = [];
  } else if (bandwidth === 'cv_ls' && regression === 'lc' && d === 1) {
    // d = 1, local constant: the exact one-dimensional optimum (every local minimum, the limits)
    const r = optimalBandwidth(xm.data, yv, { kernel });
    w = Float64Array.of(r.w);
    localMinima = r.localMinima.map((m) => ({ w: Float64Array.of(m.w), value: m.loss / n }));
    if (r.w === 0 || r.w === Infinity) localMinima.push({ w: Float64Array.of(r.w), value: r.loss / n });
    localMinima.sort((a, b) => a.value - b.value);
  } else {
    const criterionOn = (k: KeySet): Criterion => {
      if (backend && bandwidth === 'cv_ls') {
        // on the backend: local constant (any kernel), and local linear with the Gaussian
        if (regression === 'lc') return new BackendPasses(backend, k, regression).lcCriterion();
        if (kernel === 'gaussian') return new BackendPasses(backend, k, regression).llCriterion();
      }
      if (bandwidth === 'cv_ls' && regression === 'lc' && fastLocalConstant(k)) return fastLcCriterion(k);
      const est = new LocalEstimator(k, regression);
      return bandwidth === 'cv_ls' ? (wk, g) => looCv(k, regression, wk, g, est) : (wk, g) => aicc(k, regression, wk, g, est);
    };
    const r = searchWithSubsamples(keys, criterionOn, { carryOnly: bandwidth === 'cv_ls' && regression === 'lc' && fastLocalConstant(keys) && !backend });
    w = r.best.w;
    localMinima = r.localMinima;
    if (bandwidth === 'cv_ls') cv = r.best.value;
    else {
      // 'aic' as statsmodels chooses it: the minimum of the basin of its own start, the normal
      // reference. AICc's global minimum is often degenerate (very small h, where its penalty
      // nears its pole and, for local linear, the local-constant trace it uses understates the
      // fit's degrees of freedom); the search's lower minima stay in localMinima.
      const own = searchBandwidths(criterionOn(keys), normalReference(xm.data, n, d), { starts: [new Float64Array(d).fill(1)] }).best;
      w = own.w;
      if (!localMinima.some((m) => m.w.every((wk, k) => Math.abs(wk - own.w[k]) <= 1e-6 * Math.max(wk, own.w[k])))) {
        localMinima = [...localMinima, own].sort((a, b) => a.value - b.value);
      }
    }
  }

  // the backend's passes need finite w (w = Infinity only comes from d = 1 local constant's exact search)
  const passes = backend && w.every(Number.isFinite) ? new BackendPasses(backend, keys, regression) : null;
  // local constant, Gaussian, d = 2 or 3, many points: ŷ and the CV on the fast path (marginal effects stay exact)
  const fast = !passes && regression === 'lc' && fastLocalConstant(keys);
  const fitOn = (q: Float64Array, nq: number, wantMfx: boolean) => {
    if (passes) return passes.fitAt(w, q, nq, wantMfx);
    if (fast && !wantMfx) return { yHat: fastLcAt(keys, w, q), mfx: null };
    return fitAt(keys, regression, w, q, nq, wantMfx);
  };
  if (passes && regression === 'll') cv = passes.cv(w);
  cv ??= passes ? passes.cv(w) : fast ? fastLcCriterion(keys)(w, false).value : looCv(keys, regression, w, false).value;
  const fitted = fitOn(xm.data, n, false).yHat;
  const queries = (xq: TensorInput) => readMatrix(xq, 'xq', d);
  const fit: KernelRegressionFit = {
    regression,
    d,
    bandwidth: fixed ? Float64Array.from(fixed) : Float64Array.from(w, (wk) => 1 / wk),
    w: Float64Array.from(w),
    cv: cv,
    rSquared: rSquared(yv, fitted),
    fitted,
    predict(xq) {
      const q = queries(xq);
      return fitOn(q.data, q.rows, false).yHat;
    },
    marginalEffects(xq) {
      const q = queries(xq);
      return fitOn(q.data, q.rows, true).mfx!;
    },
  };
  if (localMinima) fit.localMinima = localMinima.map((m) => ({ bandwidth: Float64Array.from(m.w, (wk) => 1 / wk), w: m.w, value: m.value }));
  return fit;
}

/** h per variable: one number for all, or one per variable; each > 0 (Infinity allowed). */
function checkBandwidths(value: unknown, d: number): Float64Array {
  const what = `'cv_ls', 'aic', a number h > 0 or ${d} of them (Infinity allowed)`;
  const one = (h: unknown, name: string): number => {
    if (typeof h !== 'number') throw new AttnpoolError('E_TYPE', `${name}: expected a number h > 0 (Infinity allowed), got ${describe(h)}`);
    if (Number.isNaN(h)) throw new AttnpoolError('E_NONFINITE', `${name}: expected a number h > 0 (Infinity allowed), got NaN`);
    if (!(h > 0)) throw new AttnpoolError('E_VALUE', `${name}: expected a number h > 0 (Infinity allowed), got ${h}`);
    return h;
  };
  if (typeof value === 'number') return new Float64Array(d).fill(one(value, 'bandwidth'));
  const arrayLike = value !== null && typeof value === 'object' && typeof (value as ArrayLike<number>).length === 'number';
  if (!arrayLike) throw new AttnpoolError('E_OPTION', `${METHOD}: option "bandwidth" must be ${what}, got ${describe(value)}`);
  const list = value as ArrayLike<unknown>;
  if (list.length !== d) throw new AttnpoolError('E_SHAPE', `bandwidth: expected ${d} bandwidths (one per variable of x), got ${list.length}`);
  return Float64Array.from({ length: d }, (_, k) => one(list[k], `bandwidth[${k}]`));
}

/** The backend option: a Backend from loadBackend() (its kernels run the passes), if given. */
function checkBackend(value: unknown): FrontEnd | undefined {
  if (value === undefined) return undefined;
  if (!(value instanceof FrontEnd)) {
    throw new AttnpoolError('E_OPTION', `${METHOD}: option "backend" must be a Backend from loadBackend(), got ${describe(value)}`);
  }
  return value;
}
