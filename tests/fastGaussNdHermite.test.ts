import { describe, expect, it } from 'vitest';
import { degreeFor, hermiteBound } from '../src/fast/nd/hermiteBound.js';
import { hermiteTransform } from '../src/fast/nd/hermiteTransform.js';
import { wasmHermite } from '../src/fast/nd/wasmHermite.js';
import { gaussSumsNd } from '../src/fast/nd/index.js';
import { rng } from './reference.js';
import { denseSums, uniform } from './denseNd.js';

/**
 * The Hermite transform's per-target bound (hermiteBound.ts, sharper form (2); the separable
 * translation of hermiteTranslate.ts; the f64x2 moments and evaluation of assembly/fgtNd.ts)
 * against dense float64 sums, on layouts chosen to stress it: random, clustered, gapped, queries
 * far from the keys, duplicate keys, and the worst case of the bound's proof (sources and targets
 * on opposite box corners). The degree is set from a loose η so that the truncation is large
 * enough to see, and the tests check the bound is not vacuous either.
 */

type Layout = { name: string; z: Float64Array; u: Float64Array };

function layouts(d: number, h: number, r: () => number): Layout[] {
  const nk = d === 2 ? 500 : 160;
  const nq = d === 2 ? 120 : 40;
  const span = d === 2 ? 1.4 : 0.8;
  const out: Layout[] = [];
  out.push({ name: 'random', z: uniform(nk, d, span, r), u: uniform(nq, d, span, r) });
  // three tight blobs
  const blob = (n: number, s: number) => {
    const x = new Float64Array(n * d);
    for (let j = 0; j < n; j++) for (let k = 0; k < d; k++) x[j * d + k] = 0.3 * ((j % 3) + (k === 1 ? j % 2 : 0)) + s * (r() - 0.5);
    return x;
  };
  out.push({ name: 'clustered', z: blob(nk, 0.05), u: blob(nq, 0.1) });
  // two slabs 2 apart with nothing between; queries across the gap
  const gz = uniform(nk, d, 0.4, r);
  for (let j = 0; j < nk; j += 2) gz[j * d] += 2;
  out.push({ name: 'gapped', z: gz, u: uniform(nq, d, 2.4, r) });
  // queries far outside the keys (some beyond the reach: bound Infinity)
  out.push({ name: 'far queries', z: uniform(nk, d, span, r), u: uniform(nq, d, 6, r, -2.5) });
  // every key one of 5 points, many duplicates
  const dz = new Float64Array(nk * d);
  const pts = uniform(5, d, span, r);
  for (let j = 0; j < nk; j++) for (let k = 0; k < d; k++) dz[j * d + k] = pts[(j % 5) * d + k];
  out.push({ name: 'duplicate keys', z: dz, u: uniform(nq, d, span, r) });
  // the proof's worst case: sources on the low corners of boxes, targets on the high corners
  // (|a_k| = |t_k| = h/2 up to rounding), boxes a few apart
  const cz = new Float64Array(nk * d);
  const cu = new Float64Array(nq * d);
  for (let j = 0; j < nk; j++) for (let k = 0; k < d; k++) cz[j * d + k] = h * (Math.floor(3 * r()) + 1e-9);
  for (let i = 0; i < nq; i++) for (let k = 0; k < d; k++) cu[i * d + k] = h * (Math.floor(3 * r()) + 1 - 1e-9);
  out.push({ name: 'corners', z: cz, u: cu });
  return out;
}

describe('hermiteTransform: the sharper bound holds on stressing layouts', () => {
  for (const [d, h] of [
    [2, 0.2],
    [2, 0.5],
    [3, 0.25],
    [3, 0.4],
  ]) {
    for (const wasm of [true, false]) {
      it(`d = ${d}, h = ${h}, ${wasm ? 'f64x2' : 'JS'} loops: |error| ≤ B_i·max|W|, and the bound is within 2·10⁵ of the error somewhere`, () => {
        const r = rng(1000 * d + 100 * h + (wasm ? 1 : 0));
        let tightest = Infinity;
        for (const L of layouts(d, h, r)) {
          const nk = L.z.length / d;
          const nq = L.u.length / d;
          const W = Float64Array.from({ length: nk }, () => 2 * r() - 1);
          for (const eta of [1e-3, 1e-6]) {
            const p = degreeFor(d, eta, h);
            const res = hermiteTransform(L.z, W, 2, L.u, { d, h, p, R: 4, gradient: true, eta: hermiteBound(d, p, h).eta, wasm });
            const F = 1 + d;
            for (let i = 0; i < nq; i++) {
              if (res.bound[i] === Infinity) continue;
              const ref = denseSums(L.z, W, L.u, d, i);
              let err = 0;
              for (let c = 0; c < F * 2; c++) err = Math.max(err, Math.abs(res.sums[i * F * 2 + c] - ref[c]));
              expect(err, `${L.name}, η = ${eta}, query ${i}`).toBeLessThanOrEqual(res.bound[i]);
              if (eta === 1e-3 && err > 0) tightest = Math.min(tightest, res.bound[i] / err);
            }
          }
        }
        // Measured: 1.3e4–9e4 (the rest is the sum of |dropped terms| against their signed sum,
        // and Cramér's envelope against h_m at the box offsets); a looser bound would fail this.
        expect(tightest).toBeLessThan(2e5);
      });
    }
  }
});

describe('assembly/fgtNd.ts against the JS loops', () => {
  it('the module has the kernels', () => {
    expect(wasmHermite(5, 3, 2, 2, 35, new Int32Array(25), 8)).not.toBeNull();
  });
  for (const d of [2, 3]) {
    it(`d = ${d}: the same sums to rounding (f64x2 and JS, with and without gradient)`, () => {
      const r = rng(77 + d);
      const nk = d === 2 ? 1100 : 500;
      const z = uniform(nk, d, 1.2, r);
      const u = uniform(d === 2 ? 333 : 101, d, 1.3, r, -0.05);
      const W = Float64Array.from({ length: 2 * nk }, () => r() - 0.5);
      for (const gradient of [false, true]) {
        const p = degreeFor(d, d === 2 ? 1e-10 : 1e-7, 0.3, gradient);
        const eta = hermiteBound(d, p, 0.3).eta;
        const a = hermiteTransform(z, W, 3, u, { d, h: 0.3, p, R: 5, gradient, eta, wasm: true });
        const b = hermiteTransform(z, W, 3, u, { d, h: 0.3, p, R: 5, gradient, eta, wasm: false });
        for (let i = 0; i < a.sums.length; i++) expect(Math.abs(a.sums[i] - b.sums[i])).toBeLessThanOrEqual(1e-12 * nk);
      }
    });
  }
});

describe('gaussSumsNd, Hermite path: ŷ within tolerance·H of dense on the stressing layouts', () => {
  for (const d of [2, 3]) {
    it(`d = ${d}`, () => {
      const r = rng(500 + d);
      for (const L of layouts(d, 0.3, r)) {
        const nk = L.z.length / d;
        const v = Float64Array.from({ length: nk }, (_, j) => Math.sin(3 * L.z[j * d]) + 0.2 * r());
        const res = gaussSumsNd(L.u, L.z, v, d, 1, { method: 'hermite' });
        let vmin = Infinity;
        let vmax = -Infinity;
        for (const x of v) {
          vmin = Math.min(vmin, x);
          vmax = Math.max(vmax, x);
        }
        const nq = L.u.length / d;
        for (let i = 0; i < nq; i++) {
          let mx = -Infinity;
          const s = new Float64Array(nk);
          for (let j = 0; j < nk; j++) {
            let r2 = 0;
            for (let f = 0; f < d; f++) r2 += (L.u[i * d + f] - L.z[j * d + f]) ** 2;
            s[j] = -0.5 * r2;
            mx = Math.max(mx, s[j]);
          }
          let E = 0;
          let EV = 0;
          for (let j = 0; j < nk; j++) {
            const e = Math.exp(s[j] - mx);
            E += e;
            EV += e * v[j];
          }
          const err = Math.abs(res.yHat[i] - EV / E);
          expect(err, `${L.name}, query ${i}`).toBeLessThanOrEqual(1e-9 * 0.5 * (vmax - vmin) + 1e-13);
        }
      }
    });
  }
});
