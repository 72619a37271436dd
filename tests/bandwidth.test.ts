// Leave-one-out bandwidth selection against computations written here (explicit leave-one-out
// loops, finite differences, brute-force grids) and against statsmodels' KernelReg (fixtures
// from scripts/fixtures/statsmodels_fixtures.py).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AttnpoolError } from '../src/errors.js';
import { looCurve, optimalBandwidth } from '../src/model/bandwidth.js';
import { syntheticData } from '../src/chapter/data.js';
import { centralDiff, REF_KERNELS, rng } from './reference.js';

type Kernel = 'gaussian' | 'boxcar' | 'epanechnikov' | 'triangular';
const K = REF_KERNELS;

/** Σ_i (ŷ_{−i} − y_i)², written out; a point with no weight takes its nearest other points' mean. */
function looLoss(kernel: Kernel | 'constant', x: ArrayLike<number>, y: ArrayLike<number>, w: number): number {
  let loss = 0;
  for (let i = 0; i < x.length; i++) {
    const others = Array.from(x, (_, j) => j).filter((j) => j !== i);
    let wts = others.map((j) => K[kernel](w * (x[i] - x[j])));
    if (wts.every((a) => a === 0)) {
      const dmin = Math.min(...others.map((j) => Math.abs(x[i] - x[j])));
      wts = others.map((j) => (Math.abs(x[i] - x[j]) === dmin ? 1 : 0));
    }
    const z = wts.reduce((a, b) => a + b, 0);
    const yHat = wts.reduce((s, a, k) => s + a * y[others[k]], 0) / z;
    loss += (yHat - y[i]) ** 2;
  }
  return loss;
}

const d = syntheticData({ seed: 0, nTrain: 30 });
const x = d.xTrain.data;
const y = d.yTrain.data;

describe('looCurve', () => {
  it.each(['gaussian', 'boxcar', 'constant', 'epanechnikov', 'triangular'] as const)(
    '%s: the loss is the explicit leave-one-out loss and grad its finite difference',
    (kernel) => {
      const ws = [0, 0.3, 1, 2.2, 6, 40];
      const c = looCurve(x, y, ws, { kernel });
      ws.forEach((w, i) => {
        const want = looLoss(kernel, x, y, w);
        expect(Math.abs(c.loss[i] - want) / want, `loss at ${w}`).toBeLessThan(1e-12);
        if (w === 0 || kernel === 'boxcar' || kernel === 'constant') return;
        const fd = centralDiff((v) => looLoss(kernel, x, y, v), w, 1e-6 * w);
        expect(Math.abs(c.grad[i] - fd), `grad at ${w}`).toBeLessThan(1e-6 + 1e-5 * Math.abs(fd));
      });
      expect(Array.from(c.w)).toEqual(ws);
    },
  );

  it('is even in w (loss) and odd (grad), as the kernels are', () => {
    const c = looCurve(x, y, [-2, 2]);
    expect(c.loss[0]).toBe(c.loss[1]);
    expect(c.grad[0]).toBe(-c.grad[1]);
  });

  it('names bad arguments', () => {
    expect(() => looCurve(x, y, [])).toThrow(/ws: expected a non-empty array/);
    expect(() => looCurve(x, y, [1, NaN])).toThrow(/ws\[1\]: expected a finite number/);
    expect(() => looCurve(x, y.subarray(1), [1])).toThrow(/y: expected shape \[30\] \(one per x\), got \[29\]/);
    expect(() => looCurve([1], [2], [1])).toThrow(/at least 2 points/);
    expect(() => looCurve(x, y, [1], { kernel: 'cosine' as never })).toThrow(AttnpoolError);
  });
});

describe('optimalBandwidth', () => {
  it('gaussian: w* is where dL/dw changes sign, to adjacent floats, and no point of a fine grid does better', () => {
    const r = optimalBandwidth(x, y);
    expect(Number.isFinite(r.w) && r.w > 0).toBe(true);
    const around = looCurve(x, y, [r.w * (1 - 1e-12), r.w * (1 + 1e-12)]);
    expect(around.grad[0]).toBeLessThanOrEqual(0 + 1e-9 * Math.abs(r.loss));
    expect(around.grad[1]).toBeGreaterThanOrEqual(0 - 1e-9 * Math.abs(r.loss));
    const grid = Array.from({ length: 3000 }, (_, i) => 0.05 * 1.004 ** i);
    const min = Math.min(...looCurve(x, y, grid).loss);
    expect(r.loss).toBeLessThanOrEqual(min);
    expect(r.localMinima.some((m) => m.w === r.w)).toBe(true);
    expect(r.lossAtZero).toBeCloseTo(looLoss('constant', x, y, 0), 10);
    expect(r.lossAtInfinity).toBeCloseTo(looLoss('gaussian', x, y, 1e9), 10);
  });

  it.each(['epanechnikov', 'triangular'] as const)('%s: no point of a fine grid does better, and w* is a local minimum', (kernel) => {
    const r = optimalBandwidth(x, y, { kernel });
    const grid = Array.from({ length: 3000 }, (_, i) => 0.05 * 1.004 ** i);
    const min = Math.min(...looCurve(x, y, grid, { kernel }).loss);
    expect(r.loss).toBeLessThanOrEqual(min * (1 + 1e-12));
    for (const f of [1 - 1e-9, 1 + 1e-9]) expect(r.loss).toBeLessThanOrEqual(looLoss(kernel, x, y, r.w * f) * (1 + 1e-12));
  });

  it('boxcar: the exact minimum over every step of the loss (checked by brute force at every breakpoint)', () => {
    const n = 18;
    const xs = Float32Array.from(syntheticData({ seed: 4, nTrain: n }).xTrain.data);
    const ys = Float32Array.from(syntheticData({ seed: 4, nTrain: n }).yTrain.data);
    const breaks = [...new Set(Array.from(xs).flatMap((a, i) => Array.from(xs.slice(i + 1), (b) => 1 / Math.abs(a - b))))].sort((a, b) => a - b);
    const probes = [breaks[0] / 2, ...breaks.slice(0, -1).map((b, i) => Math.sqrt(b * breaks[i + 1])), 2 * breaks[breaks.length - 1]];
    const brute = Math.min(...probes.map((w) => looLoss('boxcar', xs, ys, w)));
    const r = optimalBandwidth(xs, ys, { kernel: 'boxcar' });
    expect(r.loss).toBeCloseTo(brute, 12);
    expect(r.loss).toBeCloseTo(looLoss('boxcar', xs, ys, r.w), 12);
    const [from, to] = r.interval!;
    expect(from).toBeLessThan(r.w);
    expect(r.w).toBeLessThan(to);
    // the loss is flat across the interval
    expect(looLoss('boxcar', xs, ys, from * 1.0000001)).toBeCloseTo(r.loss, 12);
    expect(looLoss('boxcar', xs, ys, to * 0.9999999)).toBeCloseTo(r.loss, 12);
    expect(looLoss('boxcar', xs, ys, to)).toBeCloseTo(r.loss, 12); // (from, to]: a pair at distance 1/to is still inside at w = to
  });

  it('takes a limit when it is best: w → ∞ for data a nearest neighbour fits exactly', () => {
    // y steps with x: the nearest neighbour predicts each point's own step, any smoothing is worse
    const xs = [0, 0.01, 1, 1.01, 2, 2.01, 3, 3.01];
    const ys = [0, 0, 5, 5, -3, -3, 8, 8];
    const r = optimalBandwidth(xs, ys);
    expect(r.w).toBe(Infinity);
    expect(r.loss).toBe(0);
  });

  it('boxcar: one flat stretch is one interval, however many pairs leave along it', () => {
    // y = x on 0..3 and a far point: beyond w = 0.5 every leave-one-out ŷ is its nearest neighbour's
    const r = optimalBandwidth([0, 1, 2, 3, 10], [0, 1, 2, 3, 10], { kernel: 'boxcar' });
    expect(r.interval).toEqual([0.5, Infinity]);
    expect(r.loss).toBeCloseTo(looLoss('boxcar', [0, 1, 2, 3, 10], [0, 1, 2, 3, 10], 1e6), 12);
  });

  it('keeps float64 data in float64: points 1e-9 apart stay distinct', () => {
    const xs = [0, 1, 1 + 1e-9, 2, 3];
    const ys = [0, 1, 2, 2, 3];
    const c = looCurve(xs, ys, [1e8]);
    expect(c.loss[0]).toBeCloseTo(looLoss('gaussian', xs, ys, 1e8), 12);
  });

  it('refuses what has no bandwidth to choose', () => {
    expect(() => optimalBandwidth(x, y, { kernel: 'constant' })).toThrow(/'constant' gives every point the same weight/);
    expect(() => optimalBandwidth([1, 1, 1], [1, 2, 3])).toThrow(/x: expected at least two distinct values/);
    expect(() => optimalBandwidth(x, y, { kernal: 'gaussian' } as never)).toThrow(/unknown option "kernal"/);
    expect(() => optimalBandwidth([0, 1, NaN], [1, 2, 3])).toThrow(/x: expected finite numbers, got NaN at index 2/);
    expect(() => optimalBandwidth([0, 1, 2], [1, 2])).toThrow(/y: expected shape \[3\] \(one per x\), got \[2\]/);
    expect(() => optimalBandwidth({ data: new Float32Array(4), shape: [2, 2] }, [1, 2, 3, 4])).toThrow(/x: expected shape \[n\], got \[2, 2\]/);
  });
});

describe('against statsmodels KernelReg(reg_type="lc", bw="cv_ls")', () => {
  const dir = new URL('./fixtures/statsmodels/', import.meta.url);
  const sets = JSON.parse(readFileSync(new URL('datasets.json', dir), 'utf8')) as { name: string; x: number[]; y: number[] }[];
  const { statsmodels, results } = JSON.parse(readFileSync(new URL('results.json', dir), 'utf8')) as {
    statsmodels: string;
    results: { name: string; n: number; h: number; w: number; cv: number }[];
  };

  it('the fixtures come from statsmodels, one result per data set', () => {
    expect(statsmodels).toMatch(/^0\.\d+/);
    expect(results.map((r) => r.name)).toEqual(sets.map((s) => s.name));
  });

  it.each(sets.map((s, i) => [s.name, s, results[i]] as const))(
    '%s: statsmodels stops at one of our local minima (2e-4), and our optimum is at least as good',
    (_, s, sm) => {
      const r = optimalBandwidth(s.x, s.y);
      const n = s.x.length;
      const nearest = r.localMinima.reduce((a, b) => (Math.abs(b.w / sm.w - 1) < Math.abs(a.w / sm.w - 1) ? b : a));
      expect(Math.abs(nearest.w / sm.w - 1), `local minima ${r.localMinima.map((m) => m.w)} vs ${sm.w}`).toBeLessThan(2e-4);
      // statsmodels' CV is the mean; ours the sum. At its own 1/h ours agrees with its number.
      expect(Math.abs(looCurve(s.x, s.y, [sm.w]).loss[0] / n - sm.cv) / sm.cv).toBeLessThan(1e-9);
      expect(r.loss / n).toBeLessThanOrEqual(sm.cv);
    },
  );

  it("on the chapter data (seed 0), the global optimum is statsmodels' bandwidth", () => {
    const r = optimalBandwidth(sets[0].x, sets[0].y);
    expect(Math.abs(r.w / results[0].w - 1)).toBeLessThan(2e-4);
  });
});

describe('randomised: the optimum is never beaten by a grid', () => {
  it('on 5 random data sets', () => {
    const r = rng(21);
    for (let t = 0; t < 5; t++) {
      const xs = Float32Array.from({ length: 25 }, () => 5 * r());
      const ys = Float32Array.from(xs, (v) => Math.sin(2 * v) + 0.3 * (r() - 0.5));
      const best = optimalBandwidth(xs, ys);
      const grid = Array.from({ length: 1500 }, (_, i) => 0.05 * 1.008 ** i);
      expect(best.loss).toBeLessThanOrEqual(Math.min(...looCurve(xs, ys, grid).loss, best.lossAtInfinity, best.lossAtZero));
    }
  });
});
