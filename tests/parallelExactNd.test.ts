// The d-dimensional fast path's exact pass split over the parallel backend's threads
// (src/backend/parallel/exactChunks.ts): ŷ within the stated guarantee of a float64 dense
// reference and of the single-thread pass (each thread adapts its own window, so the last bits
// may differ), every worker running chunks (steal: false), through gaussSumsNd and through the
// backend's attentionPool, attentionPoolLoss and kernelRegression; a failing worker is E_BACKEND.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setCostModel } from '../src/backend/costModel.js';
import type { FrontEnd } from '../src/backend/frontEnd.js';
import { createParallelBackend, type ParallelBackendHandle } from '../src/backend/parallel/index.js';
import type { ThreadedKernels } from '../src/backend/parallel/kernels.js';
import type { CostModel } from '../src/backend/types.js';
import { loadWasmBackend } from '../src/backend/wasm/index.js';
import type { ExactPassRunner } from '../src/fast/nd/exactPass.js';
import { gaussSumsNd, planGaussSumsNd } from '../src/fast/nd/index.js';
import { kernelRegression } from '../src/regression/kernelRegression.js';
import { uniform } from './denseNd.js';
import { rng } from './reference.js';
import { TRAPPING } from './trappingModule.js';

const TOL = 1e-9;

interface Case {
  name: string;
  d: number;
  dv: number;
  clustered: boolean;
  excludeSelf: boolean;
  gradient: boolean;
}

/**
 * n points (scaled units: the kernel is exp(−½‖q − k‖²)) with ~30 keys' weight around each:
 * uniform, or three tight blobs with every tenth point a duplicate of the one before it.
 */
function points(n: number, d: number, clustered: boolean, seed: number): Float64Array {
  const r = rng(seed);
  const side = d === 2 ? Math.sqrt(n / 2.4) : Math.cbrt(n / 0.9);
  if (!clustered) return uniform(n, d, side, r);
  const x = new Float64Array(n * d);
  for (let j = 0; j < n; j++) {
    for (let f = 0; f < d; f++) {
      x[j * d + f] = j % 10 === 9 ? x[(j - 1) * d + f] : (j % 3) * side * 0.4 + (side / 6) * (r() - 0.5) * (1 + (j % 2));
    }
  }
  return x;
}

function valuesOf(x: Float64Array, d: number, dv: number, seed: number): Float64Array {
  const r = rng(seed);
  const n = x.length / d;
  return Float64Array.from({ length: n * dv }, (_, t) => Math.sin(0.3 * x[Math.floor(t / dv) * d] + (t % dv)) + 0.2 * r());
}

/** Float64 dense ŷ [n, dv] and slope Σe u_f² (v − ŷ)/Σe [n, d, dv], largest score subtracted. */
function dense(x: Float64Array, v: Float64Array, d: number, dv: number, excludeSelf: boolean): { yHat: Float64Array; slope: Float64Array } {
  const n = x.length / d;
  const yHat = new Float64Array(n * dv);
  const slope = new Float64Array(n * d * dv);
  const s = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let mx = -Infinity;
    for (let j = 0; j < n; j++) {
      let r2 = 0;
      for (let f = 0; f < d; f++) r2 += (x[i * d + f] - x[j * d + f]) ** 2;
      s[j] = excludeSelf && i === j ? -Infinity : -0.5 * r2;
      mx = Math.max(mx, s[j]);
    }
    let E = 0;
    const ev = new Float64Array(dv);
    const p = new Float64Array(d);
    const pv = new Float64Array(d * dv);
    for (let j = 0; j < n; j++) {
      if (s[j] === -Infinity) continue;
      const e = Math.exp(s[j] - mx);
      E += e;
      for (let c = 0; c < dv; c++) ev[c] += e * v[j * dv + c];
      for (let f = 0; f < d; f++) {
        const u2 = (x[i * d + f] - x[j * d + f]) ** 2;
        p[f] += e * u2;
        for (let c = 0; c < dv; c++) pv[f * dv + c] += e * u2 * v[j * dv + c];
      }
    }
    for (let c = 0; c < dv; c++) {
      yHat[i * dv + c] = ev[c] / E;
      for (let f = 0; f < d; f++) slope[(i * d + f) * dv + c] = (pv[f * dv + c] - yHat[i * dv + c] * p[f]) / E;
    }
  }
  return { yHat, slope };
}

/** Half the range of each value column: the guarantee's H. */
function halfRange(v: Float64Array, dv: number): number[] {
  return Array.from({ length: dv }, (_, c) => {
    const col = v.filter((_, t) => t % dv === c);
    return (Math.max(...col) - Math.min(...col)) / 2;
  });
}

/** Largest |a − b| / H_c over every entry (a and b laid out [..., dv]). */
function worst(a: Float64Array, b: Float64Array, dv: number, H: number[]): number {
  let w = 0;
  for (let t = 0; t < a.length; t++) w = Math.max(w, Math.abs(a[t] - b[t]) / H[t % dv]);
  return w;
}

const CASES: Case[] = [
  { name: 'd = 2, uniform', d: 2, dv: 1, clustered: false, excludeSelf: false, gradient: false },
  { name: 'd = 3, uniform, leave-one-out', d: 3, dv: 1, clustered: false, excludeSelf: true, gradient: false },
  { name: 'd = 2, clustered with duplicates, leave-one-out, gradient', d: 2, dv: 1, clustered: true, excludeSelf: true, gradient: true },
  { name: 'd = 3, clustered with duplicates, gradient', d: 3, dv: 1, clustered: true, excludeSelf: false, gradient: true },
  { name: 'd = 3, two value columns (the JS loops), leave-one-out, gradient', d: 3, dv: 2, clustered: false, excludeSelf: true, gradient: true },
  { name: 'd = 2, three value columns, clustered', d: 2, dv: 3, clustered: true, excludeSelf: false, gradient: false },
];

describe('the exact pass on two threads (steal: false)', () => {
  let par: ParallelBackendHandle;
  let kernels: ThreadedKernels;
  let runExactPass: ExactPassRunner;
  beforeAll(async () => {
    par = await createParallelBackend(2, { steal: false });
    kernels = (par as unknown as FrontEnd).kernels as ThreadedKernels;
    runExactPass = kernels.exactNd() as ExactPassRunner;
  });
  afterAll(async () => {
    await par.close();
  });

  const n = 2500;
  for (const c of CASES) {
    it(`${c.name}: within the guarantee of dense and of one thread; every thread ran chunks`, () => {
      const x = points(n, c.d, c.clustered, 7 * c.d + c.dv);
      const v = valuesOf(x, c.d, c.dv, 3);
      const options = { method: 'exact' as const, excludeSelf: c.excludeSelf, gradient: c.gradient };
      const one = gaussSumsNd(x, x, v, c.d, c.dv, options);
      const before = kernels.exactChunksRun;
      const two = gaussSumsNd(x, x, v, c.d, c.dv, { ...options, runExactPass });
      const ran = kernels.exactChunksRun;
      expect(ran).not.toBe(before);
      expect(ran.length).toBe(2);
      for (const chunks of ran) expect(chunks).toBeGreaterThan(0);
      expect(two.exactQueries).toBe(n);
      const H = halfRange(v, c.dv);
      const ref = dense(x, v, c.d, c.dv, c.excludeSelf);
      // float64 rounding of the reference itself: 1e-13·H
      expect(worst(two.yHat, ref.yHat, c.dv, H)).toBeLessThanOrEqual(TOL + 1e-13);
      expect(worst(two.yHat, one.yHat, c.dv, H)).toBeLessThanOrEqual(2 * TOL);
      if (c.gradient) {
        // not under the guarantee (which is on ŷ): its truncation is the same τ times the largest u² summed
        expect(worst(two.slope as Float64Array, ref.slope, c.dv, H)).toBeLessThan(1e-6);
      }
    });
  }

  it('keeps a pass below MIN_SPLIT_QUERIES on the calling thread', () => {
    const x = points(500, 2, false, 1);
    const v = valuesOf(x, 2, 1, 2);
    const before = kernels.exactChunksRun;
    const two = gaussSumsNd(x, x, v, 2, 1, { method: 'exact', runExactPass });
    expect(kernels.exactChunksRun).toBe(before);
    expect(worst(two.yHat, dense(x, v, 2, 1, false).yHat, 1, halfRange(v, 1))).toBeLessThanOrEqual(TOL + 1e-13);
  });

  describe('through the backend', () => {
    let measured: CostModel;
    let single: FrontEnd;
    beforeAll(async () => {
      single = (await loadWasmBackend()) as FrontEnd;
      // 'auto' on either backend takes the fast path: its choice is a matter of timings (tests/costModel.test.ts)
      measured = single.costModel();
      setCostModel(single.kernels, { ...measured, densePoolNs: 1e3, denseLossNs: 1e3 });
    });
    afterAll(() => {
      setCostModel(single.kernels, measured);
    });

    const nq = 3000;
    const d = 3;
    const x = Float32Array.from(points(nq, d, true, 11), (a) => a / 4);
    const y = Float32Array.from(valuesOf(Float64Array.from(x), d, 1, 5));
    const X = { data: x, shape: [nq, d] };
    const Y = { data: y, shape: [nq] };
    const w = 4;
    const H = halfRange(Float64Array.from(y), 1);
    // both ŷ are the float64 sums within 1e-9·H of dense, each rounded to float32
    const close = (a: Float32Array, b: Float32Array) => {
      for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThanOrEqual(2 * TOL * H[0] + 2 ** -23 * Math.abs(b[i]));
    };

    it("attentionPool and attentionPoolLoss with method 'fast' split their exact pass", () => {
      const before = kernels.exactChunksRun;
      const got = par.attentionPool(X, X, Y, w, { method: 'fast', excludeSelf: true }).yHat.data;
      expect(kernels.exactChunksRun).not.toBe(before);
      expect(Math.min(...kernels.exactChunksRun)).toBeGreaterThan(0);
      close(got, single.attentionPool(X, X, Y, w, { method: 'fast', excludeSelf: true }).yHat.data);

      const mid = kernels.exactChunksRun;
      const loss = par.attentionPoolLoss(X, X, Y, Y, [w, w, w], { method: 'fast', excludeSelf: true });
      expect(kernels.exactChunksRun).not.toBe(mid);
      const ref = single.attentionPoolLoss(X, X, Y, Y, [w, w, w], { method: 'fast', excludeSelf: true });
      close(loss.yHat.data, ref.yHat.data);
      expect(Math.abs(loss.loss - ref.loss)).toBeLessThanOrEqual(1e-6 * ref.loss);
      const g = loss.grad as number[];
      for (const [f, gf] of (ref.grad as number[]).entries()) expect(Math.abs(g[f] - gf)).toBeLessThanOrEqual(1e-5 * Math.abs(gf) + 1e-9);
    });

    it("kernelRegression on the backend ('auto' taking the fast path) splits its passes", () => {
      const before = kernels.exactChunksRun;
      const fit = kernelRegression(X, Y, { bandwidth: 1 / w, backend: par });
      expect(kernels.exactChunksRun).not.toBe(before);
      const ref = kernelRegression(X, Y, { bandwidth: 1 / w, backend: single });
      expect(Math.abs(fit.cv - ref.cv)).toBeLessThanOrEqual(1e-6 * ref.cv);
      close(Float32Array.from(fit.fitted), Float32Array.from(ref.fitted));
    });
  });
});

describe('a failing worker', () => {
  it('makes a split exact pass E_BACKEND, never a hang; the backend stays usable', async () => {
    const par = await createParallelBackend(2, { steal: false, module: new WebAssembly.Module(TRAPPING) });
    const kernels = (par as unknown as FrontEnd).kernels as ThreadedKernels;
    const runExactPass = kernels.exactNd() as ExactPassRunner;
    const x = points(2500, 2, false, 3);
    const v = valuesOf(x, 2, 1, 4);
    for (let i = 0; i < 2; i++) {
      expect(() => gaussSumsNd(x, x, v, 2, 1, { method: 'exact', runExactPass })).toThrow(expect.objectContaining({ code: 'E_BACKEND' }));
    }
    // a pass that is not split, and dense calls on the calling thread, still run
    const small = x.subarray(0, 2 * 600);
    const ref = gaussSumsNd(small, small, v.subarray(0, 600), 2, 1, { method: 'exact' }).yHat;
    expect(gaussSumsNd(small, small, v.subarray(0, 600), 2, 1, { method: 'exact', runExactPass }).yHat).toEqual(ref);
    const q = { data: Float32Array.of(0.5, 1, 2, 0.25), shape: [2, 2] };
    expect(par.attentionPool(q, q, [1, 2], 1, { weights: true }).yHat.data.every(Number.isFinite)).toBe(true);
    await par.close();
    expect(kernels.exactNd()).toBeNull();
  });
});

describe('the method choice counts the threads of the exact pass', () => {
  it('a call that goes Hermite on one thread goes exact when the exact pass has enough threads, and only with a runner and enough queries', () => {
    // wide enough that the Hermite transform wins on one thread (n = 4096 ≥ MIN_SPLIT_QUERIES)
    const n = 4096;
    const x = uniform(n, 2, 12, rng(5));
    const v = Float64Array.from({ length: n }, (_, j) => Math.sin(x[2 * j]));
    const run: ExactPassRunner = () => {
      throw new Error('not run: only planned');
    };
    expect(planGaussSumsNd(x, x, v, 2, 1).method).toBe('hermite');
    expect(planGaussSumsNd(x, x, v, 2, 1, { runExactPass: run, exactThreads: 1 }).method).toBe('hermite');
    expect(planGaussSumsNd(x, x, v, 2, 1, { runExactPass: run, exactThreads: 1e6 }).method).toBe('exact');
    // threads without a runner to use them, or a pass too small to split, change nothing
    expect(planGaussSumsNd(x, x, v, 2, 1, { exactThreads: 1e6 }).method).toBe('hermite');
    const few = x.subarray(0, 2 * 1000);
    expect(planGaussSumsNd(few, x, v, 2, 1, { runExactPass: run, exactThreads: 1e6 }).method).toBe(planGaussSumsNd(few, x, v, 2, 1).method);
  });
});
