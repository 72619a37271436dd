import { describe, expect, it } from 'vitest';
import { gaussLossNd, gaussSumsNd, type GaussSumsNdOptions } from '../src/fast/nd/index.js';
import { hermiteBound, degreeFor } from '../src/fast/nd/hermiteBound.js';
import { hermiteTransform } from '../src/fast/nd/hermiteTransform.js';
import { multiIndices } from '../src/fast/nd/multiIndex.js';
import { expNeg } from '../src/fast/nd/expNeg.js';
import { rng } from './reference.js';
import { denseSums, uniform } from './denseNd.js';

/**
 * The d-dimensional Gaussian sums (src/fast/nd) against a straightforward float64 dense
 * reference written here: ŷ within the stated bound tolerance·(range of the column)/2 for every
 * query and column, on random and adversarial layouts, through both methods; the Hermite
 * transform's own per-target bound; loss and dL/dw against dense and central differences.
 */

interface Layout {
  d: number;
  q: Float64Array;
  k: Float64Array;
  v: Float64Array;
  dv: number;
}

/** Dense float64 sums with the largest score subtracted: ŷ, and per query Σe u_k² (v − ŷ)/Σe. */
function dense(L: Layout, excludeSelf: boolean): { yHat: Float64Array; slope: Float64Array } {
  const { d, q, k, v, dv } = L;
  const nq = q.length / d;
  const nk = k.length / d;
  const yHat = new Float64Array(nq * dv);
  const slope = new Float64Array(nq * d * dv);
  const s = new Float64Array(nk);
  for (let i = 0; i < nq; i++) {
    let mx = -Infinity;
    for (let j = 0; j < nk; j++) {
      if (excludeSelf && i === j) {
        s[j] = -Infinity;
        continue;
      }
      let r2 = 0;
      for (let f = 0; f < d; f++) r2 += (q[i * d + f] - k[j * d + f]) ** 2;
      s[j] = -0.5 * r2;
      mx = Math.max(mx, s[j]);
    }
    let E = 0;
    const ev = new Float64Array(dv);
    const p = new Float64Array(d);
    const pv = new Float64Array(d * dv);
    for (let j = 0; j < nk; j++) {
      if (s[j] === -Infinity) continue;
      const e = Math.exp(s[j] - mx);
      E += e;
      for (let c = 0; c < dv; c++) ev[c] += e * v[j * dv + c];
      for (let f = 0; f < d; f++) {
        const u2 = (q[i * d + f] - k[j * d + f]) ** 2;
        p[f] += e * u2;
        for (let c = 0; c < dv; c++) pv[f * dv + c] += e * u2 * v[j * dv + c];
      }
    }
    for (let c = 0; c < dv; c++) {
      const y = ev[c] / E;
      yHat[i * dv + c] = y;
      for (let f = 0; f < d; f++) slope[(i * d + f) * dv + c] = (pv[f * dv + c] - y * p[f]) / E;
    }
  }
  return { yHat, slope };
}

function halfRanges(v: Float64Array, dv: number): Float64Array {
  const h = new Float64Array(dv);
  for (let c = 0; c < dv; c++) {
    let mn = Infinity;
    let mx = -Infinity;
    for (let j = c; j < v.length; j += dv) {
      mn = Math.min(mn, v[j]);
      mx = Math.max(mx, v[j]);
    }
    h[c] = (mx - mn) / 2;
  }
  return h;
}

/** Largest |ŷ − ŷ_dense| / (tolerance·H_c) over queries and columns: ≤ 1 is the guarantee. */
function boundRatio(L: Layout, yHat: Float64Array, ref: Float64Array, tolerance: number): number {
  const H = halfRanges(L.v, L.dv);
  let worst = 0;
  for (let i = 0; i < yHat.length; i++) {
    const c = i % L.dv;
    // float64 rounding of the dense reference itself, far below the tolerances used here
    const err = Math.max(0, Math.abs(yHat[i] - ref[i]) - 1e-13 * H[c]);
    worst = Math.max(worst, err / (tolerance * H[c]));
  }
  return worst;
}

function values(x: Float64Array, d: number, dv: number, r: () => number): Float64Array {
  const n = x.length / d;
  const v = new Float64Array(n * dv);
  for (let j = 0; j < n; j++) {
    for (let c = 0; c < dv; c++) {
      v[j * dv + c] = (c + 1) * Math.sin(3 * x[j * d] + c) + Math.cos(2 * x[j * d + 1]) + 0.3 * (r() - 0.5);
    }
  }
  return v;
}

/** Keys in three tight blobs, `gap` apart (in kernel widths at w = 1). */
function blobs(n: number, d: number, spread: number, r: () => number, gap = 1): Float64Array {
  const centres = [
    [0, 0, 0],
    [1, 0.2, -0.3],
    [-0.4, 0.8, 0.7],
  ];
  const x = new Float64Array(n * d);
  for (let j = 0; j < n; j++) {
    const c = centres[j % 3];
    for (let f = 0; f < d; f++) x[j * d + f] = gap * c[f] + spread * (r() - 0.5);
  }
  return x;
}

function layout(d: number, k: Float64Array, q: Float64Array, dv: number, r: () => number): Layout {
  return { d, q, k, v: values(k, d, dv, r), dv };
}

const TOL = 1e-9;

function checkSums(L: Layout, options: GaussSumsNdOptions): { ratio: number; method: string; exactQueries: number } {
  const res = gaussSumsNd(L.q, L.k, L.v, L.d, L.dv, options);
  expect(res.yHat.every(Number.isFinite)).toBe(true);
  const ref = dense(L, options.excludeSelf ?? false);
  const ratio = boundRatio(L, res.yHat, ref.yHat, options.tolerance ?? TOL);
  expect(ratio).toBeLessThanOrEqual(1);
  return { ratio, method: res.method, exactQueries: res.exactQueries };
}

describe('hermiteBound and multi-indices', () => {
  it('multi-index lists have C(p+d−1, d) entries of total degree < p, runs contiguous', () => {
    for (const [d, p, count] of [
      [2, 10, 55],
      [3, 10, 220],
      [3, 18, 1140],
    ]) {
      const mi = multiIndices(d, p);
      expect(mi.count).toBe(count);
      for (let t = 0; t < mi.count; t++) {
        expect(mi.a0[t] + mi.a1[t] + mi.a2[t]).toBeLessThan(p);
        expect(mi.start[mi.a0[t] * p + mi.a1[t]] + mi.a2[t]).toBe(t);
      }
    }
  });

  it('η falls with p and rises with h; degreeFor meets its target', () => {
    for (const d of [2, 3]) {
      let prev = Infinity;
      for (let p = 6; p < 24; p += 2) {
        const b = hermiteBound(d, p, 0.4);
        expect(b.eta).toBeLessThan(prev);
        expect(b.eta0).toBeLessThanOrEqual(b.eta);
        prev = b.eta;
      }
      expect(hermiteBound(d, 14, 0.5).eta).toBeGreaterThan(hermiteBound(d, 14, 0.3).eta);
      const p = degreeFor(d, 1e-12, 0.3);
      expect(hermiteBound(d, p, 0.3).eta).toBeLessThanOrEqual(1e-12);
      expect(hermiteBound(d, p - 1, 0.3).eta).toBeGreaterThan(1e-12);
    }
  });

  it('expNeg matches Math.exp to 3 ulp on [0, 64) and falls back beyond', () => {
    const r = rng(5);
    for (let i = 0; i < 20000; i++) {
      const s = 64 * r();
      expect(Math.abs(expNeg(s) / Math.exp(-s) - 1)).toBeLessThan(7e-16);
    }
    expect(expNeg(100)).toBe(Math.exp(-100));
  });
});

describe('hermiteTransform: the stated per-target bound holds', () => {
  for (const [d, h] of [
    [2, 0.3],
    [2, 0.5],
    [3, 0.4],
  ]) {
    it(`d = ${d}, h = ${h}: |error| ≤ B_i·max|W| for all four kinds of sums`, () => {
      const r = rng(10 * d + h * 10);
      const nk = d === 2 ? 600 : 200;
      const nq = d === 2 ? 150 : 40;
      // at d = 3 a smaller box of points keeps the box pairs (and the test's time) few
      const z = uniform(nk, d, d === 2 ? 1.6 : 0.7, r);
      const u = uniform(nq, d, d === 2 ? 2.4 : 1.0, r, d === 2 ? -0.4 : -0.15);
      const W = Float64Array.from({ length: nk }, () => 2 * r() - 1);
      // a loose η (low degree) so the truncation error is large enough to test the bound
      for (const eta of d === 2 ? [1e-4, 1e-9] : [1e-4, 1e-6]) {
        const p = degreeFor(d, eta, h);
        const res = hermiteTransform(z, W, 2, u, { d, h, p, R: 4, gradient: true, eta: hermiteBound(d, p, h).eta });
        let worst = 0;
        let largest = 0;
        const F = 1 + d;
        for (let i = 0; i < nq; i++) {
          const ref = denseSums(z, W, u, d, i);
          for (let c = 0; c < F * 2; c++) {
            const err = Math.abs(res.sums[i * F * 2 + c] - ref[c]);
            largest = Math.max(largest, err);
            worst = Math.max(worst, err / res.bound[i]);
          }
        }
        expect(worst).toBeLessThanOrEqual(1);
        if (eta === 1e-4) expect(largest).toBeGreaterThan(1e-12); // the test sees real truncation
      }
    });
  }
});

describe('gaussSumsNd: ŷ within tolerance·range/2 of dense, per query and column', () => {
  for (const d of [2, 3]) {
    it(`d = ${d}, uniform keys, wide kernel (Hermite path${d === 2 ? ' chosen' : ''}), dv = 2`, () => {
      const r = rng(100 + d);
      const n = d === 2 ? 1500 : 300;
      const L = layout(d, uniform(n, d, d === 2 ? 1.5 : 0.8, r), uniform(d === 2 ? 1500 : 100, d, d === 2 ? 1.7 : 0.9, r, -0.05), 2, r);
      // at d = 3 and this n exact summation is cheaper, so the cost model is overridden
      const out = checkSums(L, d === 2 ? {} : { method: 'hermite' });
      expect(out.method).toBe('hermite');
    });

    it(`d = ${d}, uniform keys, narrow kernel (exact path chosen), dv = 3`, () => {
      const r = rng(110 + d);
      const L = layout(d, uniform(1500, d, 40, r), uniform(400, d, 44, r, -2), 3, r);
      const out = checkSums(L, {});
      expect(out.method).toBe('exact');
    });

    for (const method of ['hermite', 'exact'] as const) {
      it(`d = ${d}, ${method}: excludeSelf, tight clusters with wide gaps`, () => {
        const r = rng(120 + d);
        // gaps of 30 kernel widths for the exact path; a few for the Hermite path (whose grid
        // spans them, at a cost that grows with the gap to the power 2d)
        const n = method === 'exact' || d === 2 ? 900 : 240;
        const k = blobs(n, d, method === 'exact' || d === 2 ? 2.5 : 1, r, method === 'exact' ? 30 : d === 2 ? 5 : 2.5);
        const L = layout(d, k, k, 1, r);
        const out = checkSums(L, { excludeSelf: true, method });
        // with the self term gone, gap-free but tiny-Σe queries must go exact on the Hermite path
        expect(out.exactQueries).toBeGreaterThan(method === 'exact' ? n - 1 : -1);
      });

      it(`d = ${d}, ${method}: queries far from every key (e^{−½‖u‖²} underflows) and in the gaps`, () => {
        const r = rng(130 + d);
        const gap = method === 'exact' ? 30 : d === 2 ? 4 : 2;
        const k = blobs(method === 'exact' || d === 2 ? 600 : 150, d, method === 'exact' || d === 2 ? 1.5 : 0.8, r, gap);
        const wide = method === 'exact' || d === 2;
        const q = uniform(wide ? 300 : 40, d, (wide ? 4 : 2) * gap, r, (wide ? -2 : -0.5) * gap);
        q.set([200, -300, 150].slice(0, d), 0); // 10⁵-ish squared distance: every score underflows
        const L = layout(d, k, q, 2, r);
        const out = checkSums(L, { method });
        expect(out.exactQueries).toBeGreaterThan(0);
      });

      it(`d = ${d}, ${method}: duplicate keys and duplicate queries`, () => {
        const r = rng(140 + d);
        const base = uniform(200, d, method === 'hermite' && d === 3 ? 1.2 : 3, r);
        const k = new Float64Array(800 * d);
        for (let j = 0; j < 800; j++) for (let f = 0; f < d; f++) k[j * d + f] = base[(j % 200) * d + f];
        const q = k.slice(0, 300 * d);
        const L = layout(d, k, q, 1, r);
        // duplicates carry different values (the noise term), so ŷ is a true average
        checkSums(L, { method });
      });
    }

    it(`d = ${d}: a loose tolerance is met, and the exact path's truncation is real (not vacuous)`, () => {
      const r = rng(150 + d);
      const L = layout(d, uniform(1200, d, 12, r), uniform(300, d, 12, r), 1, r);
      const exact = checkSums(L, { method: 'exact', tolerance: 1e-4 });
      expect(exact.ratio).toBeGreaterThan(1e-3);
      // the Hermite bound (Cramér) is loose, so its errors stay far below it: only ≤ 1 is checked
      const M = layout(d, uniform(600, d, 2, r), uniform(200, d, 2, r), 1, r);
      checkSums(M, { method: 'hermite', tolerance: 1e-4 });
    });

    it(`d = ${d}: tiny and huge scales (w → 0: one box; w large: every query alone)`, () => {
      const r = rng(160 + d);
      const x = uniform(700, d, 1, r);
      for (const s of [1e-7, 1e-3, 300]) {
        const k = Float64Array.from(x, (a) => a * s);
        const L = layout(d, k, k, 1, r);
        L.v = values(x, d, 1, r);
        checkSums(L, { excludeSelf: true });
      }
    });
  }

  it('anisotropic scaling (features with different w_k) and the two methods agree', () => {
    const r = rng(170);
    const x = uniform(500, 3, 1, r);
    const k = Float64Array.from(x, (a, i) => a * [0.3, 1, 3][i % 3]);
    const L = layout(3, k, k, 2, r);
    const a = gaussSumsNd(L.q, L.k, L.v, 3, 2, { method: 'hermite', excludeSelf: true });
    const b = gaussSumsNd(L.q, L.k, L.v, 3, 2, { method: 'exact', excludeSelf: true });
    const ref = dense(L, true).yHat;
    expect(boundRatio(L, a.yHat, ref, TOL)).toBeLessThanOrEqual(1);
    expect(boundRatio(L, b.yHat, ref, TOL)).toBeLessThanOrEqual(1);
  });

  it('the returned sums are E, EV, P, PV up to e^{−logScale}', () => {
    const r = rng(180);
    const d = 2;
    const L = layout(d, uniform(500, d, 3, r), uniform(50, d, 3, r), 2, r);
    for (const method of ['hermite', 'exact'] as const) {
      const res = gaussSumsNd(L.q, L.k, L.v, d, 2, { method, gradient: true });
      for (let i = 0; i < 50; i++) {
        let E = 0;
        let P0 = 0;
        let PV11 = 0;
        for (let j = 0; j < 500; j++) {
          const u0 = L.q[i * d] - L.k[j * d];
          const u1 = L.q[i * d + 1] - L.k[j * d + 1];
          const e = Math.exp(-0.5 * (u0 * u0 + u1 * u1));
          E += e;
          P0 += e * u0 * u0;
          PV11 += e * u1 * u1 * L.v[j * 2 + 1];
        }
        const scale = Math.exp(-res.logScale[i]);
        expect(Math.abs(res.e[i] * scale - E)).toBeLessThan(1e-9 * E);
        expect(Math.abs((res.p as Float64Array)[i * d] * scale - P0)).toBeLessThan(1e-8 * E);
        expect(Math.abs((res.pv as Float64Array)[(i * d + 1) * 2 + 1] * scale - PV11)).toBeLessThan(1e-8 * E * 4);
      }
    }
  });
});

/** Dense loss and dL/dw for raw features and bandwidths w. */
function denseLoss(L: Layout, t: Float64Array, w: number[], excludeSelf: boolean): { loss: number; grad: number[] } {
  const { d } = L;
  const scaled: Layout = { ...L, q: L.q.map((a, i) => a * w[i % d]), k: L.k.map((a, i) => a * w[i % d]) };
  const { yHat, slope } = dense(scaled, excludeSelf);
  let loss = 0;
  const grad = new Array<number>(d).fill(0);
  for (let i = 0; i < yHat.length; i++) {
    const res = yHat[i] - t[i];
    loss += res * res;
    const q = Math.floor(i / L.dv);
    const c = i % L.dv;
    for (let f = 0; f < d; f++) if (w[f] !== 0) grad[f] += (2 * res * -slope[(q * d + f) * L.dv + c]) / w[f];
  }
  return { loss, grad };
}

function rel(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);
}

describe('gaussLossNd: loss and dL/dw', () => {
  for (const d of [2, 3]) {
    for (const [label, w] of [
      ['wide', [1.2, 0.8, 1.5]],
      ['narrow', [25, 40, 30]],
      ['mixed', [0.3, 30, 3]],
    ] as const) {
      it(`d = ${d}, ${label} w: against dense and central differences, excludeSelf and not`, () => {
        const r = rng(200 + d);
        const x = uniform(700, d, 1, r);
        const L = layout(d, x, x, 2, r);
        const t = values(x, d, 2, r);
        const wd = Float64Array.from(w.slice(0, d));
        for (const excludeSelf of [true, false]) {
          const got = gaussLossNd(L.q, L.k, L.v, t, wd, d, 2, { excludeSelf });
          const ref = denseLoss(L, t, [...wd], excludeSelf);
          expect(rel(got.loss, ref.loss)).toBeLessThan(1e-7);
          for (let f = 0; f < d; f++) {
            expect(Math.abs(got.grad[f] - ref.grad[f])).toBeLessThan(1e-6 * Math.max(1, Math.abs(ref.grad[f])));
            // central difference of the fast loss itself
            const hstep = 1e-5 * wd[f];
            const up = Float64Array.from(wd);
            const dn = Float64Array.from(wd);
            up[f] += hstep;
            dn[f] -= hstep;
            const fd =
              (gaussLossNd(L.q, L.k, L.v, t, up, d, 2, { excludeSelf }).loss - gaussLossNd(L.q, L.k, L.v, t, dn, d, 2, { excludeSelf }).loss) / (2 * hstep);
            expect(Math.abs(got.grad[f] - fd)).toBeLessThan(1e-4 * Math.max(1, Math.abs(fd)));
          }
        }
      });
    }

    it(`d = ${d}: w = 0 gives the plain average and zero gradient; tiny w stays finite and right`, () => {
      const r = rng(210 + d);
      const x = uniform(400, d, 1, r);
      const L = layout(d, x, x, 1, r);
      const t = values(x, d, 1, r);
      const zero = gaussLossNd(L.q, L.k, L.v, t, new Float64Array(d), d, 1, { excludeSelf: true });
      expect(zero.method).toBe('average');
      expect([...zero.grad]).toEqual(new Array(d).fill(0));
      expect(rel(zero.loss, denseLoss(L, t, new Array(d).fill(0), true).loss)).toBeLessThan(1e-12);
      // one coordinate switched off, and every coordinate tiny
      for (const w of [
        [0, 2, 1],
        [1e-6, 1e-6, 1e-6],
        [1e-160, 3, 1e-3],
      ]) {
        const wd = Float64Array.from(w.slice(0, d));
        const got = gaussLossNd(L.q, L.k, L.v, t, wd, d, 1, { excludeSelf: true });
        const ref = denseLoss(L, t, [...wd], true);
        expect(got.grad.every(Number.isFinite)).toBe(true);
        expect(rel(got.loss, ref.loss)).toBeLessThan(1e-7);
        for (let f = 0; f < d; f++) {
          if (wd[f] === 0) expect(got.grad[f]).toBe(0);
          else expect(Math.abs(got.grad[f] - ref.grad[f])).toBeLessThan(1e-6 * Math.max(1e-6, Math.abs(ref.grad[f])));
        }
      }
    });
  }
});
