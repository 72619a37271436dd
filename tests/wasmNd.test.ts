// The d-dimensional WASM kernels (assembly/poolNd.ts, src/backend/wasm/ndKernels.ts) against a
// float64 computation written here from the formulas, with explicit weight matrices; the loss's
// gradient also against central finite differences of that reference; the slice variants bit
// for bit against the single calls; the fallback when float32 cannot hold a call; memory.
import { beforeAll, describe, expect, it } from 'vitest';
import type { KernelName } from '../src/args/kernel.js';
import type { PairCall, PoolCall } from '../src/args/pool.js';
import { BASE, sliceBytes } from '../src/backend/wasm/abi.js';
import { instantiateKernels, type KernelExports } from '../src/backend/wasm/load.js';
import { type NdExtra, NdSlot, ndKind, ndParams, ndSliceSizes, poolLossNd, poolNd, scoresNd, writeNdSlice } from '../src/backend/wasm/ndKernels.js';
import { Workspace } from '../src/backend/wasm/workspace.js';
import { expectClose, rng, uniform } from './reference.js';

const KERNELS: KernelName[] = ['gaussian', 'boxcar', 'constant', 'epanechnikov', 'triangular'];
// tests/backends.ts's tolerances for wasm
const TOL = { value: 1e-5, weight: 2e-5, loss: 1e-5, grad: 2e-5 };

// ---------- the float64 reference, from the formulas ----------

/** One feature's kernel factor K1(u), and ∂log K1/∂w at u = w·Δ (0 outside a compact support). */
function k1(kernel: KernelName, u: number): number {
  const a = Math.abs(u);
  if (kernel === 'boxcar') return a <= 1 ? 1 : 0;
  if (kernel === 'epanechnikov') return Math.max(0, 1 - u * u);
  if (kernel === 'triangular') return Math.max(0, 1 - a);
  return 1;
}
function dlogK1(kernel: KernelName, w: number, delta: number): number {
  const u = w * delta;
  if (kernel === 'gaussian') return -w * delta * delta;
  if (Math.abs(u) >= 1) return 0;
  if (kernel === 'epanechnikov') return (-2 * w * delta * delta) / (1 - u * u);
  if (kernel === 'triangular') return -Math.abs(delta) / (1 - Math.abs(u));
  return 0;
}

interface Ref {
  weights: number[][];
  yHat: number[][];
  loss: number;
  grad: number[];
}

/** ŷ, the weight matrix, and with targets the loss and its analytic gradient, all in float64. */
function reference(p: PoolCall, w: ArrayLike<number>, targets: ArrayLike<number> | null): Ref {
  const { nq, nk, d, dv, kernel } = p;
  const weights: number[][] = [];
  const yHat: number[][] = [];
  const grad = new Array<number>(d).fill(0);
  let loss = 0;
  for (let i = 0; i < nq; i++) {
    const keyAt = (j: number, f: number) => p.k[((p.perQuery ? i * nk : 0) + j) * d + f];
    const valueAt = (j: number, c: number) => p.v[((p.perQuery ? i * nk : 0) + j) * dv + c];
    const delta = (j: number, f: number) => p.q[i * d + f] - keyAt(j, f);
    const keys = Array.from({ length: nk }, (_, j) => j).filter((j) => !(p.excludeSelf && j === i));
    // scores (Gaussian) or kernel values (compact)
    const raw = keys.map((j) => {
      let s = kernel === 'gaussian' ? 0 : 1;
      for (let f = 0; f < d; f++) {
        const u = w[f] * delta(j, f);
        if (kernel === 'gaussian') s -= (u * u) / 2;
        else s *= k1(kernel, u);
      }
      return s;
    });
    const top = Math.max(...raw);
    const e = kernel === 'gaussian' ? raw.map((s) => Math.exp(s - top)) : raw;
    const z = e.reduce((a, b) => a + b, 0);
    const row = new Array<number>(nk).fill(0);
    if (z > 0) {
      keys.forEach((j, n) => {
        row[j] = e[n] / z;
      });
    } else {
      // the nearest keys in the L∞ norm of u share the weight
      const dist = keys.map((j) => Math.max(...Array.from({ length: d }, (_, f) => Math.abs(w[f] * delta(j, f)))));
      const best = Math.min(...dist);
      const near = keys.filter((_, n) => dist[n] === best);
      for (const j of near) row[j] = 1 / near.length;
    }
    weights.push(row);
    const y = Array.from({ length: dv }, (_, c) => row.reduce((s, a, j) => s + a * valueAt(j, c), 0));
    yHat.push(y);
    if (!targets) continue;
    for (let c = 0; c < dv; c++) {
      const r = y[c] - targets[i * dv + c];
      loss += r * r;
      if (z === 0) continue;
      for (let f = 0; f < d; f++) {
        let dy = 0;
        for (const j of keys) dy += row[j] * dlogK1(kernel, w[f], delta(j, f)) * (valueAt(j, c) - y[c]);
        grad[f] += 2 * r * dy;
      }
    }
  }
  return { weights, yHat, loss, grad };
}

// ---------- calls ----------

interface Shape {
  nq: number;
  nk: number;
  d: number;
  dv: number;
  perQuery?: boolean;
  excludeSelf?: boolean;
  kernel: KernelName;
  w: number[];
  seed: number;
}

/** A checked call built by hand: queries and keys uniform in [0, 1]^d, values in [2, 4] (an offset that must not cancel). */
function makeCall(s: Shape): PoolCall {
  const sets = s.perQuery ? s.nq : 1;
  const k = uniform(sets * s.nk * s.d, 0, 1, s.seed + 1);
  const q = s.excludeSelf ? k.slice(0, s.nq * s.d) : uniform(s.nq * s.d, 0, 1, s.seed);
  return {
    q,
    k,
    nq: s.nq,
    nk: s.nk,
    d: s.d,
    perQuery: !!s.perQuery,
    v: uniform(sets * s.nk * s.dv, 2, 4, s.seed + 2),
    dv: s.dv,
    valueColumns: s.dv > 1,
    w: Float64Array.from(s.w),
    wVector: true,
    excludeSelf: !!s.excludeSelf,
    kernel: s.kernel,
  };
}

function targetsFor(p: PoolCall, seed: number): Float32Array {
  return uniform(p.nq * p.dv, 2, 4, seed);
}

function bandwidths(d: number, kernel: KernelName, seed: number, zeroAt = -1): number[] {
  const r = rng(seed);
  // compact kernels: bandwidths that keep most keys inside the product support in 8 dimensions
  return Array.from({ length: d }, (_, f) => (f === zeroAt ? 0 : kernel === 'gaussian' ? 0.5 + 3 * r() : 0.6 + 0.8 * r()));
}

function flat(rows: number[][]): number[] {
  return rows.flat();
}

let x: KernelExports;
let ws: Workspace;
beforeAll(async () => {
  x = await instantiateKernels();
  ws = new Workspace(x.memory);
});

function runPool(p: PoolCall, withWeights: boolean): { ok: boolean; yHat: Float32Array; weights: Float32Array | null } {
  const yHat = new Float32Array(p.nq * p.dv);
  const weights = withWeights ? new Float32Array(p.nq * p.nk) : null;
  const ok = poolNd(x, ws, p, yHat, weights);
  return { ok, yHat, weights };
}

function runLoss(p: PoolCall, t: Float32Array): { loss: number | null; yHat: Float32Array; grad: Float64Array } {
  const yHat = new Float32Array(p.nq * p.dv);
  const grad = new Float64Array(p.d);
  const loss = poolLossNd(x, ws, p, t, yHat, grad);
  return { loss, yHat, grad };
}

function expectGrad(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  for (let f = 0; f < want.length; f++) {
    const err = Math.abs(got[f] - want[f]);
    if (!(err <= TOL.grad + TOL.grad * Math.abs(want[f]))) throw new Error(`${what}: grad[${f}] ${got[f]} vs ${want[f]} (error ${err})`);
  }
}

// ---------- tests ----------

describe('d-dimensional WASM pooling against the float64 formulas', () => {
  const layouts = [
    { name: 'shared', nq: 9, nk: 13, perQuery: false, excludeSelf: false },
    { name: 'per query', nq: 6, nk: 10, perQuery: true, excludeSelf: false },
    { name: 'excludeSelf', nq: 11, nk: 11, perQuery: false, excludeSelf: true },
  ];

  it('forward and weights: d ∈ {1, 2, 3, 8}, dv ∈ {1, 3}, shared / per-query keys / excludeSelf, every kernel', () => {
    let checked = 0;
    for (const d of [1, 2, 3, 8]) {
      for (const dv of [1, 3]) {
        for (const lay of layouts) {
          for (const kernel of KERNELS) {
            const seed = 1000 * d + 100 * dv + 7 * lay.nq + KERNELS.indexOf(kernel);
            const p = makeCall({ ...lay, d, dv, kernel, w: bandwidths(d, kernel, seed), seed });
            const what = `${kernel} d=${d} dv=${dv} ${lay.name}`;
            const got = runPool(p, true);
            const want = reference(p, p.w, null);
            expect(got.ok, what).toBe(true);
            expectClose(got.yHat, flat(want.yHat), TOL.value, TOL.value, `${what} yHat`);
            expectClose(got.weights!, flat(want.weights), TOL.weight, 0, `${what} weights`);
            if (lay.excludeSelf) for (let i = 0; i < p.nq; i++) expect(got.weights![i * p.nk + i], what).toBe(0);
            // without weights: the same ŷ bit for bit
            expect(Array.from(runPool(p, false).yHat), what).toEqual(Array.from(got.yHat));
            checked++;
          }
        }
      }
    }
    expect(checked).toBe(4 * 2 * 3 * 5);
  });

  it('loss and per-feature gradient: every d, dv, layout and kernel', () => {
    for (const d of [1, 2, 3, 8]) {
      for (const dv of [1, 3]) {
        for (const lay of layouts) {
          for (const kernel of KERNELS) {
            const seed = 2000 * d + 100 * dv + 7 * lay.nq + KERNELS.indexOf(kernel);
            const p = makeCall({ ...lay, d, dv, kernel, w: bandwidths(d, kernel, seed), seed });
            const t = targetsFor(p, seed + 5);
            const what = `${kernel} d=${d} dv=${dv} ${lay.name}`;
            const got = runLoss(p, t);
            const want = reference(p, p.w, t);
            expect(got.loss, what).not.toBeNull();
            expect(Math.abs(got.loss! - want.loss), what).toBeLessThanOrEqual(TOL.loss * want.loss + 1e-12);
            expectClose(got.yHat, flat(want.yHat), TOL.value, TOL.value, `${what} yHat`);
            expectGrad(got.grad, want.grad, what);
            if (kernel === 'boxcar' || kernel === 'constant') expect(Array.from(got.grad), what).toEqual(new Array(d).fill(0));
          }
        }
      }
    }
  });

  it('many keys: several chunks of pass 1 and blocks of the sums, the skipped key in a late chunk', () => {
    // 1030 keys: chunks of 512, a remainder that is not a multiple of 4, sums over more than 1024 keys
    for (const kernel of ['gaussian', 'epanechnikov', 'triangular'] as KernelName[]) {
      for (const dv of [1, 2]) {
        const w = kernel === 'gaussian' ? [4, 9, 6] : [1.1, 1.3, 1.2];
        const p = makeCall({ nq: 1030, nk: 1030, d: 3, dv, excludeSelf: true, kernel, w, seed: 123 + dv });
        const t = targetsFor(p, 124);
        const what = `${kernel} dv=${dv}`;
        const got = runLoss(p, t);
        const want = reference(p, p.w, t);
        expect(Math.abs(got.loss! - want.loss), what).toBeLessThanOrEqual(TOL.loss * want.loss);
        expectClose(got.yHat, flat(want.yHat), TOL.value, TOL.value, `${what} yHat`);
        expectGrad(got.grad, want.grad, what);
        const fwd = runPool(p, true);
        expectClose(fwd.yHat, flat(want.yHat), TOL.value, TOL.value, `${what} forward`);
        expectClose(fwd.weights!.subarray(1000 * 1030, 1001 * 1030), want.weights[1000], TOL.weight, 0, `${what} weights of query 1000`);
        expect(fwd.weights![1000 * 1030 + 1000]).toBe(0);
      }
    }
  });

  it('scalar and per-feature w, with a w_f = 0 (that feature is ignored)', () => {
    for (const kernel of KERNELS) {
      for (const w of [
        [1.3, 1.3, 1.3],
        [0.9, 0, 1.6],
      ]) {
        const p = makeCall({ nq: 8, nk: 15, d: 3, dv: 3, kernel, w, seed: 77 });
        const t = targetsFor(p, 78);
        const got = runLoss(p, t);
        const want = reference(p, w, t);
        expect(Math.abs(got.loss! - want.loss)).toBeLessThanOrEqual(TOL.loss * want.loss);
        expectGrad(got.grad, want.grad, `${kernel} w=${w}`);
        expectClose(runPool(p, false).yHat, flat(want.yHat), TOL.value, TOL.value, `${kernel} w=${w}`);
        if (w[1] === 0) {
          // a feature with w = 0 has no influence: any other value of it gives the same ŷ
          const moved = { ...p, q: p.q.map((v, i) => (i % 3 === 1 ? v + 5 : v)) };
          expectClose(runPool(moved, false).yHat, flat(want.yHat), TOL.value, TOL.value, `${kernel} moved feature`);
          if (kernel === 'gaussian' || kernel === 'epanechnikov') expect(got.grad[1]).toBe(0);
        }
      }
    }
  });

  it('the reference gradient matches central finite differences of the reference loss', () => {
    for (const kernel of ['gaussian', 'epanechnikov', 'triangular'] as KernelName[]) {
      for (const d of [2, 3, 8]) {
        for (const dv of [1, 3]) {
          const w = bandwidths(d, kernel, 31 * d + dv);
          const p = makeCall({ nq: 7, nk: 12, d, dv, kernel, w, seed: 40 + d });
          const t = targetsFor(p, 41);
          const analytic = reference(p, w, t).grad;
          const got = runLoss(p, t).grad;
          for (let f = 0; f < d; f++) {
            const h = 1e-6;
            const up = w.slice();
            const down = w.slice();
            up[f] += h;
            down[f] -= h;
            const fd = (reference(p, up, t).loss - reference(p, down, t).loss) / (2 * h);
            expect(Math.abs(fd - analytic[f]), `${kernel} d=${d} dv=${dv} f=${f}`).toBeLessThanOrEqual(1e-6 + 1e-5 * Math.abs(analytic[f]));
            expect(Math.abs(got[f] - fd), `${kernel} d=${d} dv=${dv} f=${f} wasm`).toBeLessThanOrEqual(TOL.grad + TOL.grad * Math.abs(fd));
          }
        }
      }
    }
  });

  it('a compact query with no key in the support takes the mean of its nearest keys in L∞, ties sharing', () => {
    // query (0, 0), w = 1: keys (5, 0), (0, −5), (3, 5) are all at L∞ distance 5, (6, 6) at 6
    for (const kernel of ['boxcar', 'epanechnikov', 'triangular'] as KernelName[]) {
      const p: PoolCall = {
        q: Float32Array.from([0, 0, 0.2, 0.1]),
        k: Float32Array.from([5, 0, 0, -5, 3, 5, 6, 6, 0.5, 0.5]),
        nq: 2,
        nk: 5,
        d: 2,
        perQuery: false,
        v: Float32Array.from([1, 10, 2, 20, 3, 30, 100, 1000, 7, 70]),
        dv: 2,
        valueColumns: true,
        w: Float64Array.from([1, 1]),
        wVector: true,
        excludeSelf: false,
        kernel,
      };
      // the first query is 0.5 from (0.5, 0.5): inside; move that key away for it via per-query keys
      const far: PoolCall = { ...p, perQuery: true, k: Float32Array.from([...p.k.subarray(0, 8), 9, 9, ...p.k]), v: Float32Array.from([...p.v, ...p.v]) };
      const got = runPool(far, true);
      expect(got.ok).toBe(true);
      expectClose(got.yHat.subarray(0, 2), [2, 20], 1e-6, 0, `${kernel} nearest mean`);
      expectClose(got.weights!.subarray(0, 5), [1 / 3, 1 / 3, 1 / 3, 0, 0], 1e-7, 0, `${kernel} nearest weights`);
      expectClose(got.yHat, flat(reference(far, far.w, null).yHat), TOL.value, TOL.value, kernel);
      const t = Float32Array.from([0, 0, 1, 1]);
      const loss = runLoss(far, t);
      expect(loss.loss).not.toBeNull();
      expect(Math.abs(loss.loss! - reference(far, far.w, t).loss)).toBeLessThanOrEqual(1e-5 * reference(far, far.w, t).loss);
    }
  });

  it('measures values from the targets: a common offset of 1e4 does not cancel the gradient', () => {
    const base = makeCall({ nq: 9, nk: 17, d: 2, dv: 1, kernel: 'gaussian', w: [2.5, 1.5], seed: 90 });
    const t = targetsFor(base, 91);
    const shifted = { ...base, v: base.v.map((v) => v + 1e4) };
    const tShifted = t.map((v) => v + 1e4);
    const a = runLoss(base, t);
    const b = runLoss(shifted, tShifted);
    const want = reference(shifted, shifted.w, tShifted);
    // the float32 offset itself moves v and t by up to ulp(1e4)/2 ≈ 5e-4: compare with the reference on the same float32 data
    expect(Math.abs(b.loss! - want.loss)).toBeLessThanOrEqual(1e-5 * want.loss);
    expectGrad(b.grad, want.grad, 'offset');
    expect(Math.abs(a.grad[0])).toBeGreaterThan(1e-3);
  });
});

describe('d-dimensional WASM scores', () => {
  function runScores(p: PairCall, w: number[], kernel: KernelName): { ok: boolean; out: Float32Array } {
    const out = new Float32Array(p.nq * p.nk);
    const ok = scoresNd(x, ws, p, Float64Array.from(w), kernel, out);
    return { ok, out };
  }

  it('are −½ Σ (w_f·Δ_f)² (Gaussian) and log Π K1 (compact, −Infinity outside the support)', () => {
    for (const d of [1, 2, 3, 8]) {
      for (const perQuery of [false, true]) {
        for (const kernel of KERNELS) {
          const p = makeCall({ nq: 5, nk: 9, d, dv: 1, perQuery, kernel, w: bandwidths(d, kernel, d), seed: 60 + d });
          const { ok, out } = runScores(p, Array.from(p.w), kernel);
          expect(ok).toBe(true);
          const want: number[] = [];
          for (let i = 0; i < p.nq; i++) {
            for (let j = 0; j < p.nk; j++) {
              let s = kernel === 'gaussian' ? 0 : 1;
              for (let f = 0; f < d; f++) {
                const u = p.w[f] * (p.q[i * d + f] - p.k[((perQuery ? i * p.nk : 0) + j) * d + f]);
                if (kernel === 'gaussian') s -= (u * u) / 2;
                else s *= k1(kernel, u);
              }
              want.push(kernel === 'gaussian' ? s : Math.log(s));
            }
          }
          const what = `${kernel} d=${d} perQuery=${perQuery}`;
          want.forEach((v, n) => {
            if (v === -Infinity) expect(out[n], what).toBe(-Infinity);
            else expect(Math.abs(out[n] - v), `${what} [${n}]`).toBeLessThanOrEqual(1e-5 + 1e-5 * Math.abs(v));
          });
        }
      }
    }
  });

  it('keep a product that underflows float32 inside the support finite', () => {
    // 8 factors of about 1e-6 each: the float32 product is 0, log K ≈ −110
    const p = makeCall({ nq: 1, nk: 2, d: 8, dv: 1, kernel: 'epanechnikov', w: new Array(8).fill(1), seed: 3 });
    const q = new Float32Array(8);
    const k = Float32Array.from([...new Array(8).fill(0.9999995), ...new Array(8).fill(2)]);
    const { ok, out } = runScores({ ...p, q, k }, new Array(8).fill(1), 'epanechnikov');
    expect(ok).toBe(true);
    const a = Math.fround(0.9999995);
    expect(out[0]).toBeCloseTo(8 * (Math.log1p(-a) + Math.log1p(a)), 3);
    expect(out[1]).toBe(-Infinity);
  });
});

describe('d-dimensional WASM slices (for threads)', () => {
  /** Runs queries [a, b) alone in a fresh layout at BASE, as a thread's runner does, and returns its ŷ, weights and terms. */
  function runSlice(p: PoolCall, a: number, b: number, t: Float32Array | null, weights: boolean) {
    const extra: NdExtra = t ? 'terms' : weights ? 'weights' : 'none';
    const sizes = ndSliceSizes(p, a, b, extra, !!t);
    const offsets: number[] = [];
    let end = BASE;
    for (const n of sizes) {
      offsets.push(end);
      end += sliceBytes(n);
    }
    if (end > x.memory.buffer.byteLength) x.memory.grow(Math.ceil((end - x.memory.buffer.byteLength) / 65536));
    const params = ndParams(p.w, p.kernel, 'pool')!;
    const s = writeNdSlice(x.memory, offsets, p, params, a, b, t, extra);
    const args = [s.k, s.v, p.nk, p.d, p.dv, p.perQuery, p.excludeSelf, ndKind(p.kernel), s.params] as const;
    if (t) x.poolLossNdRows(a, b, s.q, ...args, s.targets, s.yHat, s.extra, s.scratch);
    else x.poolNdRows(a, b, s.q, ...args, s.yHat, weights ? s.extra : 0, s.scratch);
    const m = b - a;
    const yHat = new Float32Array(x.memory.buffer, offsets[NdSlot.yHat], m * p.dv).slice();
    const w = weights ? new Float32Array(x.memory.buffer, offsets[NdSlot.extra], m * p.nk).slice() : null;
    const terms = t ? new Float64Array(x.memory.buffer, offsets[NdSlot.extra], m * (1 + p.d)).slice() : null;
    return { yHat, weights: w, terms };
  }

  it('give the single call’s ŷ, weights, loss and gradient bit for bit, however the queries are split', () => {
    for (const kernel of KERNELS) {
      for (const lay of [
        { perQuery: false, excludeSelf: false, nq: 13, nk: 21 },
        { perQuery: false, excludeSelf: false, nq: 13, nk: 601 }, // two chunks of pass 1
        { perQuery: true, excludeSelf: false, nq: 13, nk: 10 },
        { perQuery: false, excludeSelf: true, nq: 13, nk: 13 },
      ]) {
        for (const [d, dv] of [
          [3, 1],
          [2, 3],
        ]) {
          const p = makeCall({ ...lay, d, dv, kernel, w: bandwidths(d, kernel, 5), seed: 500 + d });
          const t = targetsFor(p, 501);
          const single = runPool(p, true);
          const loss = runLoss(p, t);
          const what = `${kernel} d=${d} dv=${dv} perQuery=${lay.perQuery} excludeSelf=${lay.excludeSelf}`;
          for (const cuts of [
            [0, 13],
            [0, 1, 13],
            [0, 4, 5, 11, 13],
          ]) {
            const yHat: number[] = [];
            const weights: number[] = [];
            const yLoss: number[] = [];
            const terms: number[] = [];
            for (let n = 0; n + 1 < cuts.length; n++) {
              const f = runSlice(p, cuts[n], cuts[n + 1], null, true);
              yHat.push(...f.yHat);
              weights.push(...f.weights!);
              const l = runSlice(p, cuts[n], cuts[n + 1], t, false);
              yLoss.push(...l.yHat);
              terms.push(...l.terms!);
            }
            expect(yHat, what).toEqual(Array.from(single.yHat));
            expect(weights, what).toEqual(Array.from(single.weights!));
            expect(yLoss, what).toEqual(Array.from(loss.yHat));
            // the host's sum: each term added in query order from 0
            const sums = new Array<number>(1 + d).fill(0);
            for (let i = 0; i < p.nq; i++) for (let f = 0; f <= d; f++) sums[f] += terms[i * (1 + d) + f];
            expect(sums[0], what).toBe(loss.loss);
            expect(sums.slice(1), what).toEqual(Array.from(loss.grad));
          }
        }
      }
    }
  });
});

describe('d-dimensional WASM fallback and memory', () => {
  function gaussian(w: number[], q: number[], k: number[], kernel: KernelName = 'gaussian'): PoolCall {
    const d = w.length;
    return {
      q: Float32Array.from(q),
      k: Float32Array.from(k),
      nq: q.length / d,
      nk: k.length / d,
      d,
      perQuery: false,
      v: Float32Array.from({ length: k.length / d }, (_, j) => j),
      dv: 1,
      valueColumns: false,
      w: Float64Array.from(w),
      wVector: true,
      excludeSelf: false,
      kernel,
    };
  }

  it('returns false / null when float32 cannot hold the call', () => {
    const q = [0, 0, 1, 1];
    const k = [0, 1, 2, 3, 4, 5];
    const t = Float32Array.from([0, 1]);
    const cases: [string, PoolCall][] = [
      ['w beyond float32', gaussian([1e39, 1], q, k)],
      ['w with a subnormal float32 scale', gaussian([1, 1e-40], q, k)],
      ['q − k beyond float32', gaussian([1, 1], [0, 0, 3e38, 0], [-3e38, 0, 0, 1, 2, 2])],
      ['every key beyond float32 in scaled units', gaussian([1, 1], [0, 0, 0, 0], [1e20, 0, 2e20, 0, 3e20, 0])],
      ['boxcar w beyond float32', gaussian([1, 1e39], q, k, 'boxcar')],
      ['compact distances all beyond float32 (the nearest key cannot be told)', gaussian([1e30, 1], [0, 0, 0, 0], [1e10, 0, 2e10, 0, 3e10, 0], 'boxcar')],
      [
        'a compact product that underflows in every key',
        gaussian(new Array(8).fill(1), new Array(8).fill(0), [...new Array(8).fill(0.9999995), ...new Array(8).fill(0.9999995)], 'epanechnikov'),
      ],
      ['a compact Σe below 2^−100', gaussian(new Array(8).fill(1), new Array(8).fill(0), new Array(8).fill(0.99999), 'epanechnikov')],
    ];
    for (const [what, p] of cases) {
      expect(runPool(p, true).ok, what).toBe(false);
      expect(runLoss(p, t.subarray(0, p.nq)).loss, what).toBeNull();
    }
    const pair = gaussian([1e39, 1], q, k);
    expect(scoresNd(x, ws, pair, pair.w, 'gaussian', new Float32Array(6))).toBe(false);
    // the same shapes with ordinary numbers are held
    expect(runPool(gaussian([1, 1], q, k), true).ok).toBe(true);
    expect(runLoss(gaussian([1, 1], q, k), t).loss).not.toBeNull();
  });

  it('keeps its memory size over 200 calls of one size, and is right after a bigger call', () => {
    const p = makeCall({ nq: 300, nk: 500, d: 3, dv: 2, kernel: 'gaussian', w: [1, 2, 3], seed: 8 });
    const t = targetsFor(p, 9);
    runPool(p, true);
    runLoss(p, t);
    const size = ws.bytes;
    for (let n = 0; n < 100; n++) {
      runPool(p, true);
      runLoss(p, t);
    }
    expect(ws.bytes).toBe(size);
    const big = makeCall({ nq: 2000, nk: 2000, d: 2, dv: 1, kernel: 'gaussian', w: [1, 1], seed: 10 });
    runPool(big, true); // 16 MB of weights: grows
    expect(ws.bytes).toBeGreaterThan(size);
    const small = makeCall({ nq: 5, nk: 7, d: 2, dv: 3, kernel: 'epanechnikov', w: [1, 1], seed: 11 });
    expectClose(runPool(small, false).yHat, flat(reference(small, small.w, null).yHat), TOL.value, TOL.value, 'after growth');
  });
});
