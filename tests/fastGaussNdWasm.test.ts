import { describe, expect, it } from 'vitest';
import { buildCellGrid, type CellGrid } from '../src/fast/nd/cellGrid.js';
import { gaussSumsNd } from '../src/fast/nd/index.js';
import { nearest, WASM_COARSE_DELTA, WASM_EXP_DELTA, wasmNearest } from '../src/fast/nd/exactSums.js';
import { wasmExact } from '../src/fast/nd/wasmExact.js';
import { rng } from './reference.js';

/**
 * The exact path's first pass in WebAssembly f64x2 (assembly/exactCells.ts, src/fast/nd/wasmExact.ts)
 * against a dense float64 reference written here: ŷ within tolerance·(range of v)/2 for every query,
 * on random, clustered, gapped and duplicate-key layouts, with and without the self term, at a tight
 * and a loose tolerance (the loose one makes the truncation error large enough to test its bound);
 * and the kernel's e^{−s} sums (fine and coarse weights) and its bound on the keys it does not
 * visit against Math.exp term by term.
 */

/** The nearest key to q (grid positions) and its squared distance, by a scan of every key. */
function nearestByScan(g: CellGrid, q: number[]): { jn: number; m: number } {
  let jn = 0;
  let m = Infinity;
  for (let j = 0; j < g.n; j++) {
    const r2 = (q[0] - g.x0[j]) ** 2 + (q[1] - g.x1[j]) ** 2 + (q[2] - g.x2[j]) ** 2;
    if (r2 < m) {
      m = r2;
      jn = j;
    }
  }
  return { jn, m };
}

function denseY(q: Float64Array, k: Float64Array, v: Float64Array, d: number, excludeSelf: boolean): Float64Array {
  const nq = q.length / d;
  const nk = k.length / d;
  const y = new Float64Array(nq);
  const s = new Float64Array(nk);
  for (let i = 0; i < nq; i++) {
    let mx = -Infinity;
    for (let j = 0; j < nk; j++) {
      let r2 = 0;
      for (let f = 0; f < d; f++) r2 += (q[i * d + f] - k[j * d + f]) ** 2;
      s[j] = excludeSelf && i === j ? -Infinity : -0.5 * r2;
      mx = Math.max(mx, s[j]);
    }
    let E = 0;
    let EV = 0;
    for (let j = 0; j < nk; j++) {
      const e = Math.exp(s[j] - mx);
      E += e;
      EV += e * v[j];
    }
    y[i] = EV / E;
  }
  return y;
}

type Shape = 'uniform' | 'clustered' | 'gapped' | 'duplicates';

/** Keys (already times w) of n points; queries are the keys, or `extra` more outside them too. */
function makeKeys(shape: Shape, n: number, d: number, r: () => number): Float64Array {
  const x = new Float64Array(n * d);
  for (let j = 0; j < n; j++) {
    for (let f = 0; f < d; f++) {
      if (shape === 'uniform') x[j * d + f] = 14 * r();
      else if (shape === 'clustered') x[j * d + f] = (j % 3) * 4 + 1.5 * (r() + r() + r() - 1.5);
      // two blobs 60 apart: keys in one blob see the other at e^{−900}, queries between see both
      else if (shape === 'gapped') x[j * d + f] = (j % 2 === 0 ? 0 : 60) + 2 * r();
      // a few sites, many identical keys on each
      else x[j * d + f] = 0.7 * (j % 7) + (f === 1 ? 0.3 * (j % 3) : 0);
    }
  }
  return x;
}

function valuesFor(x: Float64Array, d: number, r: () => number): Float64Array {
  const n = x.length / d;
  return Float64Array.from({ length: n }, (_, j) => Math.sin(x[j * d]) + Math.cos(0.7 * x[j * d + 1]) + 0.2 * r());
}

function halfRange(v: Float64Array): number {
  let mn = Infinity;
  let mx = -Infinity;
  for (const a of v) {
    mn = Math.min(mn, a);
    mx = Math.max(mx, a);
  }
  return (mx - mn) / 2;
}

describe('exact path in WebAssembly f64x2', () => {
  it('the module loads in Node (so the tests below exercise it)', () => {
    const z = Float64Array.from([0, 0, 1, 1, 2, 0.5]);
    const g = buildCellGrid(z, new Float64Array(3), 2, 1, 0.5, 1000);
    expect(wasmExact(g)).not.toBeNull();
  });

  for (const d of [2, 3]) {
    for (const shape of ['uniform', 'clustered', 'gapped', 'duplicates'] as Shape[]) {
      it(`d = ${d}, ${shape}: ŷ within tolerance·H of dense, with and without the self term, tight and loose tolerance`, () => {
        const r = rng(100 * d + shape.length);
        const n = d === 2 ? 700 : 500;
        const k = makeKeys(shape, n, d, r);
        const v = valuesFor(k, d, r);
        const H = halfRange(v);
        // queries: the keys themselves (leave-one-out too), and a set spread over and beyond them (far queries: m > 1)
        const far = Float64Array.from({ length: 60 * d }, () => -20 + 100 * r());
        for (const tolerance of [1e-9, 1e-4]) {
          for (const excludeSelf of [false, true]) {
            const res = gaussSumsNd(k, k, v, d, 1, { method: 'exact', excludeSelf, tolerance, wasm: true });
            const js = gaussSumsNd(k, k, v, d, 1, { method: 'exact', excludeSelf, tolerance, wasm: false });
            const ref = denseY(k, k, v, d, excludeSelf);
            for (let i = 0; i < n; i++) {
              expect(Math.abs(res.yHat[i] - ref[i])).toBeLessThanOrEqual(tolerance * H + 1e-13 * H);
              expect(Math.abs(res.yHat[i] - js.yHat[i])).toBeLessThanOrEqual(2 * tolerance * H + 1e-13 * H);
            }
          }
          const res = gaussSumsNd(far, k, v, d, 1, { method: 'exact', tolerance, wasm: true });
          const ref = denseY(far, k, v, d, false);
          for (let i = 0; i < ref.length; i++) expect(Math.abs(res.yHat[i] - ref[i])).toBeLessThanOrEqual(tolerance * H + 1e-13 * H);
        }
      });
    }
  }

  for (const d of [2, 3]) {
    it(`d = ${d}: gradient sums (P, slope) match the JS loops within the truncation (tolerance × reach², reach² ≤ ~30)`, () => {
      const r = rng(31 + d);
      const n = d === 2 ? 600 : 400;
      const k = makeKeys('uniform', n, d, r);
      const v = valuesFor(k, d, r);
      for (const excludeSelf of [false, true]) {
        const a = gaussSumsNd(k, k, v, d, 1, { method: 'exact', excludeSelf, gradient: true, wasm: true });
        const b = gaussSumsNd(k, k, v, d, 1, { method: 'exact', excludeSelf, gradient: true, wasm: false });
        const p = a.p as Float64Array;
        const pb = b.p as Float64Array;
        const sa = a.slope as Float64Array;
        const sb = b.slope as Float64Array;
        for (let i = 0; i < n; i++) {
          // both scaled by e^{logScale}, the same nearest key; the two paths truncate at their own L₁
          // (grids differ at d = 3), each within τ ≤ tolerance·E/2 of the full sums, times x² ≤ ~30
          expect(a.logScale[i]).toBe(b.logScale[i]);
          for (let f = 0; f < d; f++) {
            expect(Math.abs(p[i * d + f] - pb[i * d + f])).toBeLessThanOrEqual(1e-7 * pb[i * d + f] + 1e-300);
            expect(Math.abs(sa[i * d + f] - sb[i * d + f])).toBeLessThanOrEqual(1e-7 * (Math.abs(sb[i * d + f]) + 1));
          }
        }
      }
    });
  }

  for (const d of [2, 3]) {
    it(`d = ${d}: the bound on the keys the first pass does not visit (exactOuterBox's shells) is ≥ their Σe^{−s}, on every layout`, () => {
      const r = rng(900 + d);
      for (const shape of ['uniform', 'clustered', 'gapped', 'duplicates'] as Shape[]) {
        const n = 600;
        const k = makeKeys(shape, n, d, r);
        const v = valuesFor(k, d, r);
        for (const side of [0.5, 1]) {
          const g = buildCellGrid(k, v, d, 1, side, 2 * n + 4096);
          const w = wasmExact(g);
          expect(w).not.toBeNull();
          if (!w) return;
          // queries: keys, points in the gaps, far away
          const qs: number[][] = [];
          for (let t = 0; t < 12; t++) {
            const j = Math.floor(r() * n);
            qs.push([g.x0[j] + 0.3 * r(), g.x1[j], d === 3 ? g.x2[j] : 0]);
            qs.push([-20 + 100 * r(), -20 + 100 * r(), d === 3 ? -20 + 100 * r() : 0]);
          }
          for (const q of qs) {
            const { jn, m } = nearestByScan(g, q);
            for (const [L1, extra, L2] of [
              [2, 0.5, 4],
              [3, 2, 9],
              [8, 4, 20],
            ]) {
              const R1 = Math.sqrt(m + L1 + extra);
              // every visited key with the fine weights (Rf = R1), within δ_exp of e^{−s}
              w.k.exactQuery(q[0], q[1], q[2], g.x0[jn], g.x1[jn], g.x2[jn], R1, R1, -1, w.out);
              w.k.exactOuterBox(q[0], q[1], q[2], m, R1, L2, w.out);
              let all = 0;
              for (let j = 0; j < n; j++) all += Math.exp(-((q[0] - g.x0[j]) ** 2 + (q[1] - g.x1[j]) ** 2 + (q[2] - g.x2[j]) ** 2 - m));
              // the unvisited keys' Σe^{−s} is all − (the visited keys' sum, res[0] within δ_exp);
              // the bound is taken times 1 + 1e-11 as exactSums.ts takes it
              const tau = w.res[3] * (1 + 1e-11);
              expect(tau).toBeGreaterThanOrEqual(all - w.res[0] * (1 + WASM_EXP_DELTA) - 1e-14 * all);
              expect(w.res[4]).toBe(n);
            }
          }
        }
      }
    });
  }

  it('a query whose ball meets more rows than one batch of ranges (2048) holds: ŷ within tolerance·H', () => {
    // keys in a slab thin along x₀, ~2 a row of cells (rows: cells (b₁, b₂), side 1 at d = 3, 3600
    // of them), queries far from it: the ball reaches every row, so the ranges come in two batches
    const r = rng(2048);
    const n = 8000;
    const k = new Float64Array(n * 3);
    for (let j = 0; j < n; j++) {
      k[j * 3] = 2 * r();
      k[j * 3 + 1] = 60 * r();
      k[j * 3 + 2] = 60 * r();
    }
    const v = valuesFor(k, 3, r);
    const H = halfRange(v);
    const q = Float64Array.from([90, 30, 30, 70, 10, 50, 1, 30, 30]);
    const res = gaussSumsNd(q, k, v, 3, 1, { method: 'exact', wasm: true });
    const ref = denseY(q, k, v, 3, false);
    for (let i = 0; i < 3; i++) expect(Math.abs(res.yHat[i] - ref[i])).toBeLessThanOrEqual(1e-9 * H + 1e-13 * H);
  });

  it('E and Σe·v over one cell of keys match Math.exp term by term within δ_exp (odd and even counts, the skipped key)', () => {
    const r = rng(7);
    for (const d of [2, 3]) {
      for (const n of [1, 2, 5, 64, 257]) {
        const z = Float64Array.from({ length: n * d }, () => 4 * r());
        const v = Float64Array.from({ length: n }, () => 2 * r() - 1);
        // one cell (side 100) holding every key
        const g = buildCellGrid(z, v, d, 1, 100, 1);
        const w = wasmExact(g);
        expect(w).not.toBeNull();
        if (!w) return;
        const q = [4 * r(), 4 * r(), d === 3 ? 4 * r() : 0];
        // nearest key z⁰ and m, then every term
        const { jn, m } = nearestByScan(g, q);
        for (const skip of [-1, n - 1, 0]) {
          let E = 0;
          let EV = 0;
          for (let j = 0; j < n; j++) {
            if (j === skip) continue;
            const e = Math.exp(-((q[0] - g.x0[j]) ** 2 + (q[1] - g.x1[j]) ** 2 + (q[2] - g.x2[j]) ** 2 - m));
            E += e;
            EV += e * g.v[j];
          }
          // the one cell meets the ball of radius Rf = 100: every weight the fine one
          w.k.exactQuery(q[0], q[1], q[2], g.x0[jn], g.x1[jn], g.x2[jn], 100, 100, skip, w.out);
          // every weight within δ_exp of e^{−s} (relative), Math.exp within 1 ulp, the sums' rounding
          const tol = WASM_EXP_DELTA + 1e-14;
          expect(Math.abs(w.res[0] - E)).toBeLessThanOrEqual(tol * Math.max(E, 1e-300));
          expect(Math.abs(w.res[1] - EV)).toBeLessThanOrEqual(tol * Math.max(E, 1e-300));
          expect(w.res[2]).toBe(0);
        }
      }
    }
  });

  it('coarse weights: cells beyond the ball of radius Rf sum within δ_coarse (C their sum), the rest within δ_exp, for near and far queries', () => {
    const r = rng(17);
    for (const d of [2, 3]) {
      const n = 3000;
      const z = Float64Array.from({ length: n * d }, () => 12 * r());
      const v = Float64Array.from({ length: n }, () => 2 * r() - 1);
      const g = buildCellGrid(z, v, d, 1, 0.5, 2 * n + 4096);
      const w = wasmExact(g);
      expect(w).not.toBeNull();
      if (!w) return;
      let coarseSeen = 0;
      // among the keys (m ≤ 1) and far from them (m > 1: the factored distances)
      for (const q of [
        [6, 6, 6],
        [2 + 8 * r(), 2 + 8 * r(), 2 + 8 * r()],
        [-3, 5, 7],
        [20, -2, 6],
      ]) {
        if (d === 2) q[2] = 0;
        const { jn, m } = nearestByScan(g, q);
        let E = 0;
        let EV = 0;
        let absEV = 0;
        for (let j = 0; j < n; j++) {
          const e = Math.exp(-((q[0] - g.x0[j]) ** 2 + (q[1] - g.x1[j]) ** 2 + (q[2] - g.x2[j]) ** 2 - m));
          E += e;
          EV += e * g.v[j];
          absEV += e * Math.abs(g.v[j]);
        }
        for (const Sf of [0.5, 2, 6]) {
          // R1 reaches every key; Rf = √(m + Sf) as exactSums.ts passes it
          w.k.exactQuery(q[0], q[1], q[2], g.x0[jn], g.x1[jn], g.x2[jn], 1e3, Math.sqrt(m + Sf), -1, w.out);
          const C = w.res[2];
          expect(C).toBeGreaterThanOrEqual(0);
          expect(C).toBeLessThanOrEqual(w.res[0]);
          const bound = WASM_EXP_DELTA * E + WASM_COARSE_DELTA * C + 1e-14 * E;
          expect(Math.abs(w.res[0] - E)).toBeLessThanOrEqual(bound);
          expect(Math.abs(w.res[1] - EV)).toBeLessThanOrEqual(WASM_EXP_DELTA * absEV + WASM_COARSE_DELTA * C + 1e-14 * absEV);
          if (C > 0.01 * E) coarseSeen++;
        }
      }
      // the coarse weights were really exercised (a share of the mass beyond a small Rf)
      expect(coarseSeen).toBeGreaterThanOrEqual(4);
    }
  });

  it('the nearest key in WebAssembly is the one the JS ring search finds, key and m (layouts with gaps and duplicates, far queries, the skipped key)', () => {
    const r = rng(31);
    for (const d of [2, 3]) {
      for (const shape of ['uniform', 'clustered', 'gapped', 'duplicates'] as Shape[]) {
        const n = 500;
        const k = makeKeys(shape, n, d, r);
        const v = valuesFor(k, d, r);
        const g = buildCellGrid(k, v, d, 1, d === 3 ? 1 : 0.5, 2 * n + 4096);
        const w = wasmExact(g);
        expect(w).not.toBeNull();
        if (!w) return;
        for (let t = 0; t < 30; t++) {
          const j = Math.floor(r() * n);
          const far = t % 3 === 0 ? 100 * (r() - 0.5) : 0;
          const q = [g.x0[j] + far + 0.2 * r(), g.x1[j] - far, d === 3 ? g.x2[j] + 0.1 * r() : 0];
          for (const skip of [-1, j]) {
            const a = wasmNearest(w, q[0], q[1], q[2], skip);
            const b = nearest(g, q[0], q[1], q[2], skip);
            expect(a.j).toBe(b.j);
            expect(a.m).toBe(b.m);
            expect(a.j).not.toBe(skip);
          }
        }
      }
    }
  });
});
