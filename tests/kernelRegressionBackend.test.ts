// kernelRegression with a backend: the O(n²) passes on the backend's kernels (float32 data,
// float64 sums), against statsmodels' fixture and the exact float64 path.
import { beforeAll, describe, expect, it } from 'vitest';
import { checkPool } from '../src/args/pool.js';
import { createJsKernels } from '../src/backend/js/kernels.js';
import { FrontEnd, localMomentsOn } from '../src/backend/frontEnd.js';
import { type Kernels, localMomentsSize } from '../src/backend/kernels.js';
import type { Backend } from '../src/backend/types.js';
import { loadWasmBackend } from '../src/backend/wasm/index.js';
import { kernelRegression } from '../src/regression/kernelRegression.js';
import { looCv } from '../src/regression/looCv.js';
import { BackendPasses } from '../src/regression/onBackend.js';
import { fixture, relErr, rms, runs, xOf, xqOf } from './kernelregFixture.js';
import { rng } from './reference.js';

/** float32 tolerance: the data are rounded to float32 (2^-24 relative), the sums are float64. */
const F32 = 1e-5;

let wasm: Backend;
beforeAll(async () => {
  wasm = await loadWasmBackend();
});

/** JS kernels that count the calls of each kernel, as a FrontEnd (its reference: plain JS kernels). */
function countingBackend(): { backend: FrontEnd; calls: Record<string, number> } {
  const inner = createJsKernels();
  const calls: Record<string, number> = { pool: 0, poolLoss: 0, localMoments: 0 };
  const count =
    <A extends unknown[], R>(name: string, f: (...a: A) => R) =>
    (...a: A): R => {
      calls[name]++;
      return f(...a);
    };
  const kernels: Kernels = {
    ...inner,
    pool: count('pool', inner.pool),
    poolLoss: count('poolLoss', inner.poolLoss),
    localMoments: count('localMoments', inner.localMoments),
  };
  return { backend: new FrontEnd('js', kernels, createJsKernels()), calls };
}

describe("with a backend, at statsmodels' bandwidths", () => {
  it.each(runs)('$label: predictions and marginal effects within float32 tolerance on WASM; CV as the float64 path', ({ s, r }) => {
    const exact = kernelRegression(xOf(s), s.y, { regression: r.regression, bandwidth: r.h });
    const fit = kernelRegression(xOf(s), s.y, { regression: r.regression, bandwidth: r.h, backend: wasm });
    // float32 data: errors are relative to the scale of y (a value near 0 has no relative precision)
    const floor = 0.1 * rms(s.y);
    expect(relErr(fit.predict(xqOf(s)), r.predict, floor)).toBeLessThan(F32);
    expect(relErr(fit.fitted, exact.fitted, floor)).toBeLessThan(F32);
    expect(Math.abs(fit.cv / exact.cv - 1)).toBeLessThan(F32);
    expect(Math.abs(fit.rSquared - exact.rSquared)).toBeLessThan(F32);
    const mfx = fit.marginalEffects(xqOf(s));
    if (r.regression === 'll') {
      // the local slope: a difference quotient of the weighted data, which float32 rounding of x moves more
      const theirs = r.mfxPredict.flat();
      expect(relErr(mfx, theirs, 0.1 * rms(theirs))).toBeLessThan(10 * F32);
    } else {
      // local constant's marginal effects stay on the float64 path
      expect(mfx).toEqual(exact.marginalEffects(xqOf(s)));
    }
  });
});

describe('the passes run on the backend', () => {
  const s = fixture.datasets.find((d) => d.d === 2 && d.n === 50)!;

  it("local constant: the search's CV and gradient are the backend's leave-one-out pooling loss, predictions its pooling", () => {
    const { backend, calls } = countingBackend();
    const fit = kernelRegression(xOf(s), s.y, { backend });
    expect(calls.poolLoss).toBeGreaterThan(10);
    const pooled = calls.pool;
    expect(pooled).toBeGreaterThan(0); // the fitted values
    fit.predict(xqOf(s));
    expect(calls.pool).toBe(pooled + 1);
    expect(calls.localMoments).toBe(0);
    // the same search on the float64 path ends at the same minimum
    const exact = kernelRegression(xOf(s), s.y);
    expect(relErr(fit.bandwidth, exact.bandwidth, 0)).toBeLessThan(1e-3);
    expect(fit.cv).toBeLessThanOrEqual(exact.cv * (1 + F32));
    const sm = s.runs.find((r) => r.regression === 'lc' && r.method === 'cv_ls')!;
    expect(fit.cv).toBeLessThanOrEqual(sm.cv * (1 + F32));
  });

  it('local linear: fitted values, predictions and the CV come from the fused moments pass', () => {
    const { backend, calls } = countingBackend();
    const h = s.runs.find((r) => r.regression === 'll')!.h;
    const fit = kernelRegression(xOf(s), s.y, { regression: 'll', bandwidth: h, backend });
    expect(calls.localMoments).toBe(2); // the leave-one-out CV and the fitted values
    fit.predict(xqOf(s));
    fit.marginalEffects(xqOf(s));
    expect(calls.localMoments).toBe(4);
    expect(calls.poolLoss).toBe(0);
  });

  it('a large offset of x or y costs no digits: they are centred before they go to float32', () => {
    const shift = (m: { data: Float64Array; shape: number[] }) => ({ data: m.data.map((v, i) => v + 1000 * (1 + (i % s.d))), shape: m.shape });
    for (const regression of ['lc', 'll'] as const) {
      const h = s.runs.find((r) => r.regression === regression)!.h;
      const exact = kernelRegression(xOf(s), s.y, { regression, bandwidth: h });
      const fit = kernelRegression(
        shift(xOf(s)),
        s.y.map((v) => v + 1e5),
        { regression, bandwidth: h, backend: wasm },
      );
      const want = exact.predict(xqOf(s));
      expect(
        relErr(
          Float64Array.from(fit.predict(shift(xqOf(s))), (v) => v - 1e5),
          want,
          0.1 * rms(s.y),
        ),
      ).toBeLessThan(F32);
      expect(Math.abs(fit.cv / exact.cv - 1)).toBeLessThan(F32);
    }
  });

  it('stays finite, as the float64 path does, at tiny, huge and infinite bandwidths, every kernel', () => {
    for (const kernel of ['gaussian', 'boxcar', 'epanechnikov', 'triangular', 'constant'] as const) {
      for (const regression of ['lc', 'll'] as const) {
        for (const h of [
          [1e-6, 1e-6],
          [1e12, 1e12],
          [Infinity, 0.3],
          [0.05, 0.5],
        ]) {
          const fit = kernelRegression(xOf(s), s.y, { regression, kernel, bandwidth: h, backend: wasm });
          const exact = kernelRegression(xOf(s), s.y, { regression, kernel, bandwidth: h });
          const pred = fit.predict(xqOf(s));
          expect(pred.every(Number.isFinite)).toBe(true);
          expect(fit.marginalEffects(xqOf(s)).every(Number.isFinite)).toBe(true);
          expect(Number.isFinite(fit.cv)).toBe(true);
          expect(relErr(pred, exact.predict(xqOf(s)), 0.1 * rms(s.y))).toBeLessThan(1e-4);
        }
      }
    }
  });

  it('a backend that is not one of loadBackend()’s is refused', () => {
    const fake = { name: 'js', attentionPool: () => null };
    expect(() => kernelRegression(xOf(s), s.y, { backend: fake as never })).toThrow(/option "backend" must be a Backend from loadBackend/);
  });
});

describe('localMoments', () => {
  const r = rng(5);
  const nq = 7;
  const nk = 30;
  for (const d of [1, 2, 3]) {
    for (const kernel of ['gaussian', 'epanechnikov'] as const) {
      it(`d = ${d}, ${kernel}: the sums written out, up to the common factor max K; excludeSelf skips key i; on WASM within float32 tolerance`, async () => {
        const k = Float64Array.from({ length: nk * d }, () => 3 * r());
        const v = Float64Array.from({ length: nk }, () => r() - 0.5);
        const w = Array.from({ length: d }, () => 0.8 + r());
        for (const excludeSelf of [false, true]) {
          const q = excludeSelf ? k.slice(0, nk * d) : Float64Array.from({ length: nq * d }, () => 3 * r());
          const n = q.length / d;
          const m = localMomentsSize(d);
          const js = localMomentsOn(new FrontEnd('js', createJsKernels(), createJsKernels()), { data: q, shape: [n, d] }, { data: k, shape: [nk, d] }, v, w, {
            excludeSelf,
            kernel,
          });
          const onWasm = localMomentsOn(wasm as FrontEnd, { data: q, shape: [n, d] }, { data: k, shape: [nk, d] }, v, w, { excludeSelf, kernel });
          for (let i = 0; i < n; i++) {
            // written out from the float32 data the kernels see
            const f = (a: Float64Array, j: number) => Math.fround(a[j]);
            const want = new Float64Array(m);
            const scale = new Float64Array(m); // Σ|term|: the size of a sum's rounding
            let kmax = 0;
            const ks: number[] = [];
            for (let j = 0; j < nk; j++) {
              let K = excludeSelf && j === i ? 0 : 1;
              for (let c = 0; c < d; c++) {
                const u = w[c] * (f(q, i * d + c) - f(k, j * d + c));
                K *= kernel === 'gaussian' ? Math.exp(-0.5 * u * u) : Math.max(0, 1 - u * u);
              }
              ks.push(K);
              kmax = Math.max(kmax, K);
            }
            for (let j = 0; j < nk; j++) {
              const e = ks[j] / (kernel === 'gaussian' ? kmax : 1);
              const delta = Array.from({ length: d }, (_, c) => f(k, j * d + c) - f(q, i * d + c));
              const vj = f(v, j);
              const t0 = 1 + d + (d * (d + 1)) / 2; // [Σe, Σe·Δ (d), Σe·ΔΔᵀ (upper triangle), Σe·v, Σe·Δ·v (d)]
              const add = (c: number, term: number) => {
                want[c] += term;
                scale[c] += Math.abs(term);
              };
              add(0, e);
              add(t0, e * vj);
              for (let a = 0, c = 1 + d; a < d; a++) {
                add(1 + a, e * delta[a]);
                add(t0 + 1 + a, e * delta[a] * vj);
                for (let b = a; b < d; b++) add(c++, e * delta[a] * delta[b]);
              }
            }
            const got = js.subarray(i * m, (i + 1) * m);
            const onW = onWasm.subarray(i * m, (i + 1) * m);
            for (let c = 0; c < m; c++) {
              expect(Math.abs(got[c] - want[c])).toBeLessThanOrEqual(1e-13 * scale[c]);
              // float32 products summed in f32x4 lanes, blocks folded into f64 (a compact factor
              // 1 − |u| near the edge of its support has a larger relative error than u)
              expect(Math.abs(onW[c] - want[c])).toBeLessThanOrEqual(F32 * scale[c]);
            }
          }
        }
      });
    }
  }
});

describe('the WASM localMoments kernel', () => {
  it('answers itself (no float64 fallback), with float32 rounding the reference does not have', () => {
    const r = rng(9);
    const n = 41;
    const d = 2;
    const x = Float64Array.from({ length: n * d }, () => 2 * r());
    const y = Float64Array.from({ length: n }, () => r());
    const call = checkPool({ data: x, shape: [n, d] }, { data: x, shape: [n, d] }, y, [1.5, 0.7], true, 'gaussian', 'test');
    const m = localMomentsSize(d);
    const onWasm = new Float64Array(n * m);
    const reference = new Float64Array(n * m);
    expect((wasm as FrontEnd).kernels.localMoments(call, false, onWasm)).toBe(true);
    expect(createJsKernels().localMoments(call, false, reference)).toBe(true);
    expect(onWasm).not.toEqual(reference);
    for (let c = 0; c < n * m; c += m) expect(Math.abs(onWasm[c] / reference[c] - 1)).toBeLessThan(F32);
  });

  it('leaves per-query keys and several value columns to the reference', () => {
    const out = new Float64Array(2 * localMomentsSize(1));
    const perQuery = checkPool([0.5, 1], { data: [0, 1, 0, 1], shape: [2, 2] }, { data: [1, 2, 3, 4], shape: [2, 2] }, 1, false, 'gaussian', 'test');
    expect(perQuery.perQuery).toBe(true);
    expect((wasm as FrontEnd).kernels.localMoments(perQuery, false, out)).toBe(false);
    const columns = checkPool([0.5, 1], [0, 1], { data: [1, 2, 3, 4], shape: [2, 2] }, 1, false, 'gaussian', 'test');
    expect(columns.dv).toBe(2);
    expect((wasm as FrontEnd).kernels.localMoments(columns, false, out)).toBe(false);
  });
});

describe('the local-linear CV on a backend', () => {
  const s = fixture.datasets.find((d) => d.d === 2 && d.n === 50)!;
  const keys = { x: Float64Array.from(s.x.flat()), y: Float64Array.from(s.y), n: s.n, d: s.d, kernel: 'gaussian' as const };

  it('its value and gradient are the float64 looCv ones within float32 tolerance (JS and WASM kernels)', () => {
    for (const backend of [new FrontEnd('js', createJsKernels(), createJsKernels()), wasm as FrontEnd]) {
      const criterion = new BackendPasses(backend, keys, 'll').llCriterion();
      for (const h of [
        [0.3, 0.5],
        [0.15, 2],
        [1, 1],
      ]) {
        const w = Float64Array.from(h, (v) => 1 / v);
        const exact = looCv(keys, 'll', w, true);
        const got = criterion(w, true);
        expect(Math.abs(got.value / exact.value - 1)).toBeLessThan(F32);
        const size = Math.max(...Array.from(exact.gradW, Math.abs));
        for (let k = 0; k < s.d; k++) expect(Math.abs(got.gradW[k] - exact.gradW[k])).toBeLessThan(1e-4 * size);
      }
    }
  });

  it("cv_ls searches on the backend's moments and ends in the float64 search's minimum", () => {
    const { backend, calls } = countingBackend();
    const fit = kernelRegression(xOf(s), s.y, { regression: 'll', backend });
    expect(calls.localMoments).toBeGreaterThan(10);
    const exact = kernelRegression(xOf(s), s.y, { regression: 'll' });
    expect(relErr(fit.bandwidth, exact.bandwidth, 0)).toBeLessThan(1e-3);
    const sm = s.runs.find((r) => r.regression === 'll' && r.method === 'cv_ls')!;
    expect(fit.cv).toBeLessThanOrEqual(sm.cv * (1 + F32));
    const onWasm = kernelRegression(xOf(s), s.y, { regression: 'll', backend: wasm });
    expect(relErr(onWasm.bandwidth, exact.bandwidth, 0)).toBeLessThan(1e-3);
  });
});
