// Kernel regression (issue 16) on the exact float64 path: against statsmodels' KernelReg
// (fixture from scripts/fixtures/kernelreg_fixtures.py), against finite differences and
// against weighted least squares written out here.
import { describe, expect, it } from 'vitest';
import { AttnpoolError } from '../src/errors.js';
import { optimalBandwidth } from '../src/model/bandwidth.js';
import { aicc } from '../src/regression/aicc.js';
import { searchBandwidths } from '../src/regression/bandwidthSearch.js';
import { expNonPositive } from '../src/regression/expNonPositive.js';
import { kernelRegression } from '../src/regression/kernelRegression.js';
import type { KeySet } from '../src/regression/keySet.js';
import { LocalEstimator } from '../src/regression/localEstimate.js';
import { looCv } from '../src/regression/looCv.js';
import { normalReference } from '../src/regression/normalReference.js';
import { SUBSAMPLE } from '../src/regression/searchWithSubsamples.js';
import { type DataSet, fixture, relErr, rms, runs, xOf, xqOf } from './kernelregFixture.js';
import { rng } from './reference.js';

const sets = fixture.datasets;

const keysOf = (s: DataSet, kernel: KeySet['kernel'] = 'gaussian'): KeySet => ({
  x: Float64Array.from(s.x.flat()),
  y: Float64Array.from(s.y),
  n: s.n,
  d: s.d,
  kernel,
});

describe('the fixture', () => {
  it('comes from statsmodels 0.13.5 and covers lc/ll × cv_ls/aic for d = 1, 2, 3 and n = 50, 200', () => {
    expect(fixture.statsmodels).toMatch(/^0\.13\.5/);
    expect(new Set(sets.map((s) => s.d))).toEqual(new Set([1, 2, 3]));
    expect(new Set(sets.map((s) => s.n))).toEqual(new Set([50, 200]));
    expect(runs.length).toBe(sets.length * 4);
    expect(sets.some((s) => s.name.includes('irrelevant'))).toBe(true);
    expect(sets.some((s) => s.name.includes('linear'))).toBe(true);
  });

  it("normal reference: our rule is statsmodels' start, to rounding", () => {
    for (const s of sets) expect(relErr(normalReference(keysOf(s).x, s.n, s.d), s.normalReference, 0)).toBeLessThan(1e-14);
  });
});

/**
 * One query point of one run is ill-posed: 'd3_n50 ll aic' has h1 = 0.073, and its xq[2] has a
 * single neighbour with weight above 1e-3, so its local-linear system is nearly singular (but
 * above the fallback threshold). There ours, statsmodels' pseudo-inverse and plain Gaussian
 * elimination (written out below, `wls`) give three answers 1e-8 apart relative to the value
 * (4e-10 in units of y): the float64 rounding of that system, not a difference of formula.
 */
const PREDICT_TOLERANCE: Record<string, number> = { 'd3_n50 ll aic': 3e-8 };

describe("at statsmodels' bandwidths", () => {
  it.each(runs)('$label: fit, predictions and R² within 1e-8', ({ s, r, label }) => {
    const fit = kernelRegression(xOf(s), s.y, { regression: r.regression, bandwidth: r.h });
    const floor = 1e-3 * rms(s.y);
    expect(relErr(fit.fitted, r.fitted, floor)).toBeLessThan(1e-8);
    expect(relErr(fit.predict(xqOf(s)), r.predict, floor)).toBeLessThan(PREDICT_TOLERANCE[label] ?? 1e-8);
    expect(Math.abs(fit.rSquared - r.rSquaredNp)).toBeLessThan(1e-10);
    expect(Array.from(fit.bandwidth)).toEqual(r.h);
  });

  it.each(runs)("$label: leave-one-out CV and AICc are statsmodels' cv_loo and aic_hurvich", ({ s, r }) => {
    const keys = keysOf(s);
    const w = Float64Array.from(r.h, (h) => 1 / h);
    const cv = looCv(keys, r.regression, w, false);
    // where a leave-one-out query falls back to local constant, statsmodels takes a pseudo-inverse instead
    if (cv.fallbacks === 0) expect(Math.abs(cv.value / r.cv - 1)).toBeLessThan(1e-8);
    else expect(r.regression).toBe('ll');
    expect(Math.abs(aicc(keys, r.regression, w, false).value - r.aic)).toBeLessThan(1e-8 * Math.abs(r.aic));
  });

  it('every leave-one-out query is solved local-linearly except in runs at very small h', () => {
    const fellBack = runs.filter(
      ({ s, r }) =>
        r.regression === 'll' &&
        looCv(
          keysOf(s),
          'll',
          Float64Array.from(r.h, (h) => 1 / h),
          false,
        ).fallbacks > 0,
    );
    expect(fellBack.map((f) => f.label)).toEqual(['d2_irrelevant_n50 ll aic']);
  });

  it.each(runs.filter(({ r }) => r.regression === 'll'))('$label: local-linear marginal effects (the local slope) within 1e-8', ({ s, r }) => {
    const fit = kernelRegression(xOf(s), s.y, { regression: 'll', bandwidth: r.h });
    const train = fit.marginalEffects(xOf(s));
    const query = fit.marginalEffects(xqOf(s));
    for (let k = 0; k < s.d; k++) {
      const col = (m: ArrayLike<number>) => Array.from({ length: m.length / s.d }, (_, i) => m[i * s.d + k]);
      const floor = 1e-3 * rms(r.mfx.map((row) => row[k]));
      expect(
        relErr(
          col(train),
          r.mfx.map((row) => row[k]),
          floor,
        ),
      ).toBeLessThan(1e-8);
      expect(
        relErr(
          col(query),
          r.mfxPredict.map((row) => row[k]),
          floor,
        ),
      ).toBeLessThan(1e-8);
    }
  });

  it.each(runs.filter(({ r }) => r.regression === 'lc'))("$label: local-constant marginal effects are the derivative of statsmodels' own mean", ({ s, r }) => {
    const fit = kernelRegression(xOf(s), s.y, { regression: 'lc', bandwidth: r.h });
    const ours = fit.marginalEffects(xqOf(s));
    // statsmodels' central differences (step 1e-5·h): accurate to ~1e-8 relative
    expect(relErr(ours, r.fdMfxPredict!.flat(), 1e-3 * rms(r.fdMfxPredict!.flat()))).toBeLessThan(1e-6);
    if (s.d === 1) {
      // statsmodels' lc mfx is 2/n times the derivative (its d_gaussian doubles it; it divides by n once too often)
      const theirs = r.mfxPredict.flat();
      expect(
        relErr(
          Float64Array.from(ours, (v) => (2 / s.n) * v),
          theirs,
          1e-3 * rms(theirs),
        ),
      ).toBeLessThan(1e-8);
    }
  });

  it('R²: np centres at the mean of y; statsmodels at the mean of ŷ, which the fixture reproduces', () => {
    for (const { s, r } of runs) {
      const yHat = r.fitted;
      const mean = yHat.reduce((a, b) => a + b, 0) / yHat.length;
      const cross = s.y.reduce((a, y, i) => a + (y - mean) * (yHat[i] - mean), 0);
      const yy = s.y.reduce((a, y) => a + (y - mean) ** 2, 0);
      const ff = yHat.reduce((a, f) => a + (f - mean) ** 2, 0);
      expect(cross ** 2 / (yy * ff)).toBeCloseTo(r.rSquaredStatsmodels, 12);
    }
    // and they differ where mean(ŷ) ≠ mean(y)
    expect(runs.some(({ r }) => Math.abs(r.rSquaredNp - r.rSquaredStatsmodels) > 1e-6)).toBe(true);
  });
});

/** Both effectively smoothed out (v = w·h0 below 1e-4), or h within `tol` relative. */
function sameBandwidth(ours: ArrayLike<number>, theirs: ArrayLike<number>, h0: ArrayLike<number>, tol: number): boolean {
  for (let k = 0; k < theirs.length; k++) {
    const a = ours[k];
    const b = theirs[k];
    if (h0[k] / a < 1e-4 && h0[k] / b < 1e-4) continue;
    if (!(Math.abs(a - b) <= tol * b)) return false;
  }
  return true;
}

describe('choosing the bandwidths', () => {
  const chosen = runs.map(({ s, r, label }) => {
    const fit = kernelRegression(xOf(s), s.y, { regression: r.regression, bandwidth: r.method });
    const keys = keysOf(s);
    const value = r.method === 'cv_ls' ? fit.cv : aicc(keys, r.regression, fit.w, false).value;
    return { s, r, label, fit, value };
  });

  it.each(chosen.filter(({ r }) => r.method === 'cv_ls'))("$label: CV ≤ statsmodels' CV × (1 + 1e-9)", ({ r, fit }) => {
    expect(fit.cv).toBeLessThanOrEqual(r.cv * (1 + 1e-9));
    expect(fit.localMinima!.length).toBeGreaterThan(0);
    expect(fit.localMinima![0].value).toBe(fit.cv);
  });

  it.each(chosen.filter(({ r }) => r.method === 'aic'))("$label: AICc ≤ statsmodels' AICc + 1e-9·|AICc|", ({ r, value }) => {
    expect(value).toBeLessThanOrEqual(r.aic + 1e-9 * Math.abs(r.aic));
  });

  it.each(chosen)("$label: statsmodels' stop is within 1e-3 of the minimum of its basin, and that basin is ours or worse", ({ s, r, fit, value }) => {
    const keys = keysOf(s);
    const h0 = normalReference(keys.x, s.n, s.d);
    const est = new LocalEstimator(keys, r.regression);
    const f = (w: Float64Array, g: boolean) => (r.method === 'cv_ls' ? looCv(keys, r.regression, w, g, est) : aicc(keys, r.regression, w, g, est));
    // descend from exactly where statsmodels stopped: the minimum of the basin it reached
    const basin = searchBandwidths(f, h0, { starts: [Float64Array.from(r.h, (h, k) => h0[k] / h)] }).best;
    const basinH = Float64Array.from(basin.w, (w) => 1 / w);
    expect(sameBandwidth(basinH, r.h, h0, 1e-3)).toBe(true);
    // (the search stops when its model predicts less than 1e-11·|f| to gain: two descents to one minimum agree to ~1e-11)
    expect(value).toBeLessThanOrEqual(basin.value + 1e-10 * Math.abs(basin.value));
    // when our choice is that basin, our h is within 1e-3 of statsmodels' h
    if (Math.abs(value - basin.value) <= 1e-10 * Math.abs(basin.value)) expect(sameBandwidth(fit.bandwidth, r.h, h0, 1e-3)).toBe(true);
  });

  it("chooses statsmodels' basin in every run, with h within 1e-3 (both smoothed out counts as equal)", () => {
    const same = chosen.filter(({ s, r, fit }) => sameBandwidth(fit.bandwidth, r.h, s.normalReference, 1e-3));
    expect(same.map((c) => c.label)).toEqual(chosen.map((c) => c.label));
  });

  it("aic: lower AICc minima than statsmodels' basin, where the search found them, are listed in localMinima", () => {
    // d2_n50 lc aic: smoothing x2 out (h2 = ∞) gives a lower AICc than statsmodels' basin
    const c = chosen.find((t) => t.label === 'd2_n50 lc aic')!;
    const lowest = c.fit.localMinima![0];
    expect(lowest.value).toBeLessThan(c.value);
    expect(lowest.bandwidth[1]).toBe(Infinity);
    expect(c.fit.localMinima!.some((m) => Math.abs(m.value - c.value) <= 1e-12 * Math.abs(c.value))).toBe(true);
  });

  it('an irrelevant variable is smoothed out (h = ∞) under local constant', () => {
    const s = sets.find((t) => t.name === 'd2_irrelevant_n50')!;
    const fit = kernelRegression(xOf(s), s.y, { bandwidth: 'cv_ls' });
    expect(fit.bandwidth[1]).toBe(Infinity);
    expect(fit.w[1]).toBe(0);
    expect(Number.isFinite(fit.bandwidth[0])).toBe(true);
  });

  it("d = 1 with local constant is optimalBandwidth's exact optimum", () => {
    const s = sets.find((t) => t.name === 'd1_sine_n50')!;
    const fit = kernelRegression(
      s.y.map((_, i) => s.x[i][0]),
      s.y,
    );
    const exact = optimalBandwidth(Float64Array.from(s.x.flat()), Float64Array.from(s.y));
    expect(fit.w[0]).toBe(exact.w);
    expect(fit.cv).toBeCloseTo(exact.loss / s.n, 14);
  });

  it('d = 1, local constant: the nearest-neighbour limit (h = 0, w = ∞) when it is best, and a fit that takes it', () => {
    const x = [0, 0.01, 1, 1.01, 2, 2.01, 3, 3.01];
    const y = [0, 0, 5, 5, -3, -3, 8, 8];
    const fit = kernelRegression(x, y);
    expect(fit.w[0]).toBe(Infinity);
    expect(fit.bandwidth[0]).toBe(0);
    expect(fit.cv).toBe(0);
    expect(Array.from(fit.predict([1.004, 2.2, 2.9]))).toEqual([5, -3, 8]);
    expect(Array.from(fit.fitted)).toEqual(y);
  });

  it.each([1, 2, 3].flatMap((seed) => (['lc', 'll'] as const).map((regression) => ({ seed, regression }))))(
    'global: no point of a 48 × 48 log grid of (h1, h2), ∞ included, has a lower CV (seed $seed, $regression)',
    ({ seed, regression }) => {
      const r = rng(100 + seed);
      const n = 60;
      const x = Float64Array.from({ length: 2 * n }, () => 4 * r());
      // wiggly in x1, and x2 entering weakly: several basins, some at h2 = ∞
      const y = Float64Array.from({ length: n }, (_, i) => Math.sin(2.5 * x[2 * i]) + 0.15 * seed * x[2 * i + 1] + 0.4 * (r() - 0.5));
      const keys: KeySet = { x, y, n, d: 2, kernel: 'gaussian' };
      const fit = kernelRegression({ data: x, shape: [n, 2] }, y, { regression });
      const ws = [0, ...Array.from({ length: 47 }, (_, i) => 0.05 * 1.17 ** i)]; // w = 0 … ~80
      let best = Infinity;
      for (const w1 of ws) for (const w2 of ws) best = Math.min(best, looCv(keys, regression, Float64Array.of(w1, w2), false).value);
      expect(fit.cv).toBeLessThanOrEqual(best * (1 + 1e-12));
    },
  );

  it(`above ${SUBSAMPLE} points (basins located on a subsample first) it does as well as the full multi-start search`, () => {
    const n = 420;
    const r = rng(7);
    const x = Float64Array.from({ length: 2 * n }, () => 4 * r());
    const y = Float64Array.from({ length: n }, (_, i) => Math.sin(1.5 * x[2 * i]) + 0.3 * (x[2 * i + 1] - 2) ** 2 + 0.3 * (r() - 0.5));
    const keys: KeySet = { x, y, n, d: 2, kernel: 'gaussian' };
    const fit = kernelRegression({ data: x, shape: [n, 2] }, y, { regression: 'll' });
    const est = new LocalEstimator(keys, 'll');
    const full = searchBandwidths((w, g) => looCv(keys, 'll', w, g, est), normalReference(x, n, 2));
    expect(fit.cv).toBeLessThanOrEqual(full.best.value * (1 + 1e-9));
  });
});

/** Small data for the exact checks: d = 2, y depending on both variables. */
function smallData(n: number, seed: number): KeySet {
  const r = rng(seed);
  const x = Float64Array.from({ length: 2 * n }, () => 3 * r());
  const y = Float64Array.from({ length: n }, (_, i) => Math.sin(2 * x[2 * i]) + 0.5 * x[2 * i + 1] + 0.2 * (r() - 0.5));
  return { x, y, n, d: 2, kernel: 'gaussian' };
}

describe('analytic gradients against central finite differences', () => {
  const cases = (['gaussian', 'epanechnikov', 'triangular'] as const).flatMap((kernel) =>
    (['lc', 'll'] as const).flatMap((regression) => (['cv', 'aicc'] as const).map((criterion) => ({ kernel, regression, criterion }))),
  );
  it.each(cases)('$criterion, $regression, $kernel: ∂/∂w_k', ({ kernel, regression, criterion }) => {
    const keys = { ...smallData(40, 3), kernel };
    // compact kernels need a support wide enough that every query keeps neighbours
    const w = kernel === 'gaussian' ? Float64Array.of(2.5, 1.3) : Float64Array.of(0.9, 0.45);
    const f = (v: Float64Array) => (criterion === 'cv' ? looCv(keys, regression, v, true) : aicc(keys, regression, v, true));
    const at = f(w);
    for (let k = 0; k < 2; k++) {
      const step = 1e-6 * w[k];
      const up = Float64Array.from(w);
      const down = Float64Array.from(w);
      up[k] += step;
      down[k] -= step;
      const fd = (f(up).value - f(down).value) / (2 * step);
      expect(Math.abs(at.gradW[k] - fd)).toBeLessThan(1e-6 * Math.max(Math.abs(fd), 1e-3 * Math.abs(at.value)));
    }
  });

  it.each(['lc', 'll'] as const)('%s: the one-sided slope in ρ = w²/2 at w_k = 0 (Gaussian), where ∂/∂w_k is 0', (regression) => {
    const keys = smallData(40, 5);
    const w = Float64Array.of(2, 0);
    const at = looCv(keys, regression, w, true);
    expect(Math.abs(at.gradW[1])).toBe(0);
    const rho = 1e-7;
    const up = Float64Array.of(2, Math.sqrt(2 * rho));
    const fd = (looCv(keys, regression, up, false).value - at.value) / rho;
    expect(Math.abs(at.gradRho[1] - fd)).toBeLessThan(1e-5 * Math.abs(fd));
  });
});

/** Weighted least squares y ≈ a + bᵀ(x − q), written out: normal equations by Gaussian elimination. */
function wls(xs: number[][], ys: number[], weights: number[], q: number[]): number[] {
  const p = q.length + 1;
  const M = Array.from({ length: p }, () => new Array(p + 1).fill(0));
  xs.forEach((xi, j) => {
    const z = [1, ...xi.map((v, k) => v - q[k])];
    for (let a = 0; a < p; a++) {
      for (let b = 0; b < p; b++) M[a][b] += weights[j] * z[a] * z[b];
      M[a][p] += weights[j] * z[a] * ys[j];
    }
  });
  for (let c = 0; c < p; c++) {
    const piv = M.slice(c).reduce((best, row, i) => (Math.abs(row[c]) > Math.abs(M[best][c]) ? c + i : best), c);
    [M[c], M[piv]] = [M[piv], M[c]];
    for (let r = 0; r < p; r++) {
      if (r === c) continue;
      const f = M[r][c] / M[c][c];
      for (let k = c; k <= p; k++) M[r][k] -= f * M[c][k];
    }
  }
  return M.map((row, a) => row[p] / row[a]);
}

describe('local linear, exactly', () => {
  it('is weighted least squares with product-kernel weights, written out', () => {
    const keys = smallData(30, 11);
    const xs = Array.from({ length: 30 }, (_, i) => [keys.x[2 * i], keys.x[2 * i + 1]]);
    const h = [0.4, 0.9];
    const fit = kernelRegression({ data: keys.x, shape: [30, 2] }, keys.y, { regression: 'll', bandwidth: h });
    const q = [
      [1.1, 2.2],
      [0.3, 0.4],
      [2.9, 1.5],
    ];
    const pred = fit.predict({ data: q.flat(), shape: [3, 2] });
    const mfx = fit.marginalEffects({ data: q.flat(), shape: [3, 2] });
    q.forEach((qi, i) => {
      const wts = xs.map((xj) => Math.exp(-0.5 * (((xj[0] - qi[0]) / h[0]) ** 2 + ((xj[1] - qi[1]) / h[1]) ** 2)));
      const theta = wls(xs, Array.from(keys.y), wts, qi);
      expect(pred[i]).toBeCloseTo(theta[0], 11);
      expect(mfx[2 * i]).toBeCloseTo(theta[1], 9);
      expect(mfx[2 * i + 1]).toBeCloseTo(theta[2], 9);
    });
  });

  it('h = ∞ makes a variable enter linearly: the weights ignore it, the fit is linear in it', () => {
    const keys = smallData(30, 12);
    const xs = Array.from({ length: 30 }, (_, i) => [keys.x[2 * i], keys.x[2 * i + 1]]);
    const fit = kernelRegression({ data: keys.x, shape: [30, 2] }, keys.y, { regression: 'll', bandwidth: [0.5, Infinity] });
    expect(fit.w[1]).toBe(0);
    const q = [1.3, 0.7];
    const wts = xs.map((xj) => Math.exp(-0.5 * ((xj[0] - q[0]) / 0.5) ** 2));
    expect(fit.predict({ data: q, shape: [1, 2] })[0]).toBeCloseTo(wls(xs, Array.from(keys.y), wts, q)[0], 11);
  });

  it('h = ∞ under local constant smooths a variable out: the fit is the one-variable fit', () => {
    const keys = smallData(30, 13);
    const x1 = Float64Array.from({ length: 30 }, (_, i) => keys.x[2 * i]);
    const both = kernelRegression({ data: keys.x, shape: [30, 2] }, keys.y, { bandwidth: [0.3, Infinity] });
    const one = kernelRegression(x1, keys.y, { bandwidth: 0.3 });
    expect(relErr(both.fitted, one.fitted, 1e-6)).toBeLessThan(1e-14);
    expect(both.cv).toBeCloseTo(one.cv, 14);
    // and its marginal effect in the smoothed-out variable is 0
    const mfx = both.marginalEffects({ data: [1, 1, 2, 0.5], shape: [2, 2] });
    expect([mfx[1], mfx[3]]).toEqual([0, 0]);
  });

  it('falls back to local constant where a query has one effective neighbour, and never returns NaN', () => {
    // the point at 50 is 47 bandwidths from every other: alone in its own kernel
    const x = [0, 1, 2, 3, 50];
    const y = [0, 1, 4, 9, 7];
    const ll = kernelRegression(x, y, { regression: 'll', bandwidth: 0.3 });
    const lc = kernelRegression(x, y, { regression: 'lc', bandwidth: 0.3 });
    const q = [49.5, 50, 1.3];
    const pll = ll.predict(q);
    const plc = lc.predict(q);
    expect(pll[0]).toBe(7);
    expect(pll[1]).toBe(7);
    expect(pll[0]).toBe(plc[0]);
    // the query at 1.3 has neighbours on both sides: solved local-linearly, not the lc value
    expect(Math.abs(pll[2] - plc[2])).toBeGreaterThan(1e-3);
    expect(Array.from(ll.marginalEffects(q)).every(Number.isFinite)).toBe(true);
    expect(ll.fitted.every(Number.isFinite)).toBe(true);
    expect(Number.isFinite(ll.cv)).toBe(true);
  });

  it('falls back where the neighbours do not span the variables (a constant column), which statsmodels would pseudo-invert', () => {
    const keys = smallData(20, 14);
    const x = Float64Array.from(keys.x);
    for (let i = 0; i < 20; i++) x[2 * i + 1] = 1.5;
    const ll = kernelRegression({ data: x, shape: [20, 2] }, keys.y, { regression: 'll', bandwidth: [0.4, 1] });
    const lc = kernelRegression({ data: x, shape: [20, 2] }, keys.y, { regression: 'lc', bandwidth: [0.4, 1] });
    expect(Array.from(ll.fitted)).toEqual(Array.from(lc.fitted));
  });

  it('stays finite at tiny and huge bandwidths, d = 2, both regressions', () => {
    const keys = smallData(25, 15);
    for (const h of [1e-6, 1e-3, 1e3, 1e12]) {
      for (const regression of ['lc', 'll'] as const) {
        const fit = kernelRegression({ data: keys.x, shape: [25, 2] }, keys.y, { regression, bandwidth: h });
        expect(fit.fitted.every(Number.isFinite), `${regression} h=${h}`).toBe(true);
        expect(Number.isFinite(fit.cv)).toBe(true);
        expect(fit.marginalEffects({ data: [1, 1, 40, -40], shape: [2, 2] }).every(Number.isFinite)).toBe(true);
      }
    }
  });
});

describe('small data', () => {
  it.each(['cv_ls', 'aic'] as const)('%s at the smallest n it accepts gives finite bandwidths or ∞, never NaN', (bandwidth) => {
    const x = bandwidth === 'aic' ? [0, 1, 2, 3.5] : [0, 1];
    const y = bandwidth === 'aic' ? [1, 3, 2, 5] : [1, 3];
    for (const regression of ['lc', 'll'] as const) {
      const fit = kernelRegression({ data: x, shape: [x.length, 1] }, y, { bandwidth, regression: regression });
      expect(Number.isNaN(fit.bandwidth[0])).toBe(false);
      expect(fit.fitted.every(Number.isFinite)).toBe(true);
      expect(Number.isFinite(fit.cv)).toBe(true);
    }
  });
});

/** K(u) of one variable, written out. */
const K1: Record<string, (u: number) => number> = {
  gaussian: (u) => Math.exp(-0.5 * u * u),
  epanechnikov: (u) => Math.max(0, 1 - u * u),
  triangular: (u) => Math.max(0, 1 - Math.abs(u)),
  boxcar: (u) => (Math.abs(u) <= 1 ? 1 : 0),
  constant: () => 1,
};

/** ŷ at q from the keys `use`, written out: product-kernel weights, then a weighted mean or weighted least squares (falling back to the mean when that is singular). */
function bruteEstimate(kernel: string, regression: 'lc' | 'll', xs: number[][], ys: number[], w: number[], q: number[], use: number[]): number {
  const weights = use.map((j) => xs[j].reduce((p, v, k) => p * K1[kernel](w[k] * (v - q[k])), 1));
  const total = weights.reduce((a, b) => a + b, 0);
  const mean = weights.reduce((a, v, i) => a + v * ys[use[i]], 0) / total;
  if (regression === 'lc') return mean;
  const theta = wls(
    use.map((j) => xs[j]),
    use.map((j) => ys[j]),
    weights,
    q,
  );
  return Number.isFinite(theta[0]) ? theta[0] : mean;
}

describe('every kernel against leave-one-out written out', () => {
  const keys = smallData(25, 31);
  const xs = Array.from({ length: 25 }, (_, i) => [keys.x[2 * i], keys.x[2 * i + 1]]);
  const ys = Array.from(keys.y);
  const cases = (['gaussian', 'epanechnikov', 'triangular', 'boxcar', 'constant'] as const).flatMap((kernel) =>
    (['lc', 'll'] as const).map((regression) => ({ kernel, regression })),
  );
  it.each(cases)('$kernel, $regression: CV and AICc', ({ kernel, regression }) => {
    // supports wide enough that every leave-one-out query keeps several neighbours
    const w = kernel === 'gaussian' ? [2.2, 1.1] : [0.6, 0.35];
    let sse = 0;
    for (let i = 0; i < 25; i++) {
      const others = xs.map((_, j) => j).filter((j) => j !== i);
      sse += (bruteEstimate(kernel, regression, xs, ys, w, xs[i], others) - ys[i]) ** 2;
    }
    const ours = looCv({ ...keys, kernel }, regression, Float64Array.from(w), false);
    expect(ours.fallbacks).toBe(0);
    expect(ours.value).toBeCloseTo(sse / 25, 12);
    // AICc: σ² of the fit at the points, the local-constant trace Σ K(0)/Σ_j K(x_i − x_j)
    const all = xs.map((_, j) => j);
    let rss = 0;
    let trace = 0;
    for (let i = 0; i < 25; i++) {
      rss += (bruteEstimate(kernel, regression, xs, ys, w, xs[i], all) - ys[i]) ** 2;
      trace += 1 / all.reduce((a, j) => a + xs[j].reduce((p, v, k) => p * K1[kernel](w[k] * (v - xs[i][k])), 1), 0);
    }
    const want = Math.log(rss / 25) + (1 + trace / 25) / (1 - (trace + 2) / 25);
    expect(aicc({ ...keys, kernel }, regression, Float64Array.from(w), false).value).toBeCloseTo(want, 11);
  });
});

describe('compact kernels', () => {
  it('a query outside every support takes its nearest key', () => {
    const fit = kernelRegression([0, 1, 2, 10], [5, 6, 7, 8], { kernel: 'epanechnikov', bandwidth: 0.5 });
    expect(Array.from(fit.predict([20, -3]))).toEqual([8, 5]);
  });

  it.each(['epanechnikov', 'triangular', 'boxcar'] as const)('%s: cv_ls ends no worse than at its starts', (kernel) => {
    const keys = smallData(40, 21);
    const fit = kernelRegression({ data: keys.x, shape: [40, 2] }, keys.y, { kernel, regression: 'll' });
    const h0 = normalReference(keys.x, 40, 2);
    const atStart = looCv(
      { ...keys, kernel },
      'll',
      Float64Array.from(h0, (h) => 1 / h),
      false,
    ).value;
    expect(fit.cv).toBeLessThanOrEqual(atStart);
    expect(Number.isFinite(fit.cv)).toBe(true);
  });
});

describe('expNonPositive', () => {
  it('is Math.exp to 1e-15 relative over [−700, 0] and 0 below −708', () => {
    const r = rng(1);
    let worst = 0;
    for (let i = 0; i < 200000; i++) {
      const x = -700 * r() ** 3;
      worst = Math.max(worst, Math.abs(expNonPositive(x) / Math.exp(x) - 1));
    }
    expect(worst).toBeLessThan(1e-15);
    expect(expNonPositive(0)).toBe(1);
    expect(expNonPositive(-709)).toBe(0);
    expect(expNonPositive(-Infinity)).toBe(0);
  });
});

describe('bad arguments', () => {
  const x = { data: Float64Array.from({ length: 20 }, (_, i) => i % 7), shape: [10, 2] };
  const y = Array.from({ length: 10 }, (_, i) => i);
  const cases: [string, () => unknown, string, RegExp][] = [
    [
      'x of rank 3',
      () => kernelRegression({ data: new Float64Array(8), shape: [2, 2, 2] }, [1, 2]),
      'E_SHAPE',
      /x: expected shape \[n\] or \[n, d\], got \[2, 2, 2\]/,
    ],
    ['y of the wrong length', () => kernelRegression(x, [1, 2, 3]), 'E_SHAPE', /y: expected shape \[10\] \(one per row of x\), got \[3\]/],
    [
      'NaN in x',
      () => kernelRegression({ data: [0, 1, NaN, 3], shape: [2, 2] }, [1, 2]),
      'E_NONFINITE',
      /x: expected finite numbers, got NaN at row 1, column 0/,
    ],
    ['Infinity in y', () => kernelRegression([0, 1, 2], [1, Infinity, 2]), 'E_NONFINITE', /y: expected finite numbers, got Infinity at index 1/],
    ['one point', () => kernelRegression([1], [2]), 'E_SHAPE', /at least 2 points/],
    ['an unknown bandwidth rule', () => kernelRegression(x, y, { bandwidth: 'silverman' as never }), 'E_OPTION', /bandwidth.*'cv_ls', 'aic'/],
    ['a negative h', () => kernelRegression(x, y, { bandwidth: -1 }), 'E_VALUE', /bandwidth: expected a number h > 0/],
    ['h = 0', () => kernelRegression(x, y, { bandwidth: [1, 0] }), 'E_VALUE', /bandwidth\[1\]: expected a number h > 0 \(Infinity allowed\), got 0/],
    ['NaN h', () => kernelRegression(x, y, { bandwidth: [NaN, 1] }), 'E_NONFINITE', /bandwidth\[0\]/],
    ['too few bandwidths', () => kernelRegression(x, y, { bandwidth: [1] }), 'E_SHAPE', /bandwidth: expected 2 bandwidths \(one per variable of x\), got 1/],
    ['an unknown regression', () => kernelRegression(x, y, { regression: 'nw' as never }), 'E_OPTION', /regression.*'lc', 'll'/],
    ['an unknown kernel', () => kernelRegression(x, y, { kernel: 'cosine' as never }), 'E_OPTION', /kernel/],
    ['an unknown option', () => kernelRegression(x, y, { bw: 1 } as never), 'E_OPTION', /unknown option "bw"/],
    ['a backend that is a string', () => kernelRegression(x, y, { backend: 'js' as never }), 'E_OPTION', /backend/],
    ['aic with 3 points', () => kernelRegression([0, 1, 2], [1, 2, 3], { bandwidth: 'aic' }), 'E_SHAPE', /at least 4 points/],
  ];
  it.each(cases)('%s', (_, call, code, message) => {
    let error: unknown;
    try {
      call();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AttnpoolError);
    expect((error as AttnpoolError).code).toBe(code);
    expect((error as Error).message).toMatch(message);
  });

  it('predict and marginalEffects check the number of variables', () => {
    const fit = kernelRegression(x, y, { bandwidth: 1 });
    expect(() => fit.predict([1, 2])).toThrow(/xq: expected shape \[n, 2\] \(one column per variable\), got \[2\]/);
    expect(() => fit.marginalEffects({ data: [1, 2, 3], shape: [1, 3] })).toThrow(AttnpoolError);
    expect(fit.predict({ data: [1, 2], shape: [1, 2] }).length).toBe(1);
  });
});
