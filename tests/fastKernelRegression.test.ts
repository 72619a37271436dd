// kernelRegression's local constant with the Gaussian kernel in two and three variables from
// FAST_LC_MIN_POINTS points on: the CV search, the fitted values and predictions on the
// d-dimensional fast path, checked against the exact float64 loops (looCv, fitAt) written for
// the small-n path and held to statsmodels' values in kernelRegression.test.ts.
import { describe, expect, it } from 'vitest';
import { kernelRegression } from '../src/index.js';
import { FAST_LC_MIN_POINTS, fastLocalConstant } from '../src/regression/fastLocalConstant.js';
import type { KeySet } from '../src/regression/keySet.js';
import { fitAt } from '../src/regression/localFit.js';
import { looCv } from '../src/regression/looCv.js';
import { fastLcCriterion } from '../src/regression/fastLocalConstant.js';
import { searchWithSubsamples } from '../src/regression/searchWithSubsamples.js';
import { rng } from './reference.js';

function dataSet(n: number, d: number, seed: number): KeySet {
  const r = rng(seed);
  const x = Float64Array.from({ length: n * d }, r);
  const y = Float64Array.from(
    { length: n },
    (_, i) => Math.sin(6 * x[i * d]) + Math.cos(4 * x[i * d + 1]) + (d === 3 ? 0.5 * x[i * d + 2] : 0) + 0.3 * (r() - 0.5),
  );
  return { x, y, n, d, kernel: 'gaussian' };
}

describe.each([2, 3])('local constant, Gaussian, d = %i, on the fast path', (d) => {
  const n = FAST_LC_MIN_POINTS + 200;
  const keys = dataSet(n, d, 40 + d);
  const X = { data: keys.x, shape: [n, d] };
  const halfRange = (Math.max(...keys.y) - Math.min(...keys.y)) / 2;

  it('is the path taken from FAST_LC_MIN_POINTS points on, for d = 2 and 3 and the Gaussian only', () => {
    expect(fastLocalConstant(keys)).toBe(true);
    expect(fastLocalConstant({ ...keys, n: FAST_LC_MIN_POINTS - 1 })).toBe(false);
    expect(fastLocalConstant({ ...keys, kernel: 'epanechnikov' })).toBe(false);
    expect(fastLocalConstant({ ...keys, d: 4 })).toBe(false);
  });

  it('cv_ls: the exact CV at the bandwidth found is the one reported (1e-8), and no exact CV nearby is lower; fitted values within 1e-9·(range of y)/2 of exact', () => {
    const fit = kernelRegression(X, keys.y);
    const exact = looCv(keys, 'lc', fit.w, true);
    expect(Math.abs(fit.cv - exact.value)).toBeLessThanOrEqual(1e-8 * exact.value);
    // a minimum of the exact criterion: each w_k moved by ±1% raises the exact CV (or leaves it within 1e-9)
    for (let k = 0; k < d; k++) {
      for (const s of [0.99, 1.01]) {
        const w = Float64Array.from(fit.w, (wk, j) => (j === k ? wk * s : wk));
        expect(looCv(keys, 'lc', w, false).value, `w_${k} × ${s}`).toBeGreaterThanOrEqual(exact.value * (1 - 1e-9));
      }
    }
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of keys.y) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    const want = fitAt(keys, 'lc', fit.w, keys.x, n, false).yHat;
    for (let i = 0; i < n; i++) expect(Math.abs(fit.fitted[i] - want[i]), `fitted[${i}]`).toBeLessThanOrEqual(1e-9 * ((hi - lo) / 2) + 1e-14);
    const q = Float64Array.from({ length: 5 * d }, (_, i) => 0.2 * (i % 5) + 0.05);
    const got = fit.predict({ data: q, shape: [5, d] });
    const wantQ = fitAt(keys, 'lc', fit.w, q, 5, false).yHat;
    for (let i = 0; i < 5; i++) expect(Math.abs(got[i] - wantQ[i])).toBeLessThanOrEqual(1e-9 * ((hi - lo) / 2) + 1e-14);
    // marginal effects stay on the exact loops
    expect(Array.from(fit.marginalEffects({ data: q, shape: [5, d] }))).toEqual(Array.from(fitAt(keys, 'lc', fit.w, q, 5, true).mfx as Float64Array));
  });

  it("the search that descends only from the subsample's minima (carryOnly) ends at the minimum of the full multi-start search", () => {
    const carried = searchWithSubsamples(keys, fastLcCriterion, { carryOnly: true }).best;
    const full = searchWithSubsamples(keys, fastLcCriterion).best;
    expect(Math.abs(carried.value - full.value)).toBeLessThanOrEqual(1e-9 * full.value);
    for (let k = 0; k < d; k++) expect(Math.abs(carried.w[k] - full.w[k])).toBeLessThanOrEqual(1e-3 * full.w[k]);
  });

  it('a fixed bandwidth: the CV and fitted values as the exact loops give them, within the bound', () => {
    const h = new Array(d).fill(0.08);
    const fit = kernelRegression(X, keys.y, { bandwidth: h });
    const w = Float64Array.from(h, (x) => 1 / x);
    expect(Math.abs(fit.cv - looCv(keys, 'lc', w, false).value)).toBeLessThanOrEqual(1e-8 * fit.cv);
    expect(fit.rSquared).toBeGreaterThan(0.5);
    // a variable smoothed out (h = ∞, w = 0) on the fast path too
    const flat = kernelRegression(X, keys.y, { bandwidth: [0.08, ...new Array(d - 1).fill(Infinity)] });
    const w0 = Float64Array.from({ length: d }, (_, k) => (k === 0 ? 1 / 0.08 : 0));
    expect(Math.abs(flat.cv - looCv(keys, 'lc', w0, false).value)).toBeLessThanOrEqual(1e-8 * flat.cv);
  });

  it('tiny h (w up to 1e150, and w = ∞ from a subnormal h): the CV and fitted values of the exact loops', () => {
    for (const h0 of [1e-15, 1e-150, 1e-320]) {
      const h = [h0, ...new Array(d - 1).fill(0.1)];
      const fit = kernelRegression(X, keys.y, { bandwidth: h });
      const w = Float64Array.from(h, (x) => 1 / x);
      expect(Math.abs(fit.cv - looCv(keys, 'lc', w, false).value), `h = ${h0}`).toBeLessThanOrEqual(1e-8 * fit.cv);
      const want = fitAt(keys, 'lc', w, keys.x, n, false).yHat;
      for (let i = 0; i < n; i++) expect(Math.abs(fit.fitted[i] - want[i]), `h = ${h0}: fitted[${i}]`).toBeLessThanOrEqual(1e-9 * halfRange + 1e-14);
    }
  });
});
