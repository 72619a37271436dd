// attentionPool and attentionPoolLoss with two or three features on the fast path (src/fast/nd/
// through src/backend/method.ts): ŷ within the stated bound of a float64 dense reference written
// here, the loss and its gradient per feature, leave-one-out, value columns, the errors of
// 'fast' where it cannot run, and 'auto' following the cost model (injected, not timed).
import { beforeAll, describe, expect, it } from 'vitest';
import { setCostModel } from '../src/backend/costModel.js';
import type { FrontEnd } from '../src/backend/frontEnd.js';
import type { Backend, CostModel } from '../src/backend/types.js';
import { BACKENDS, load } from './backends.js';
import { watchDenseCalls } from './denseCalls.js';
import { expectAttnpoolError } from './expectError.js';
import { rng, ulp32 } from './reference.js';

interface Problem {
  d: number;
  dv: number;
  q: Float32Array;
  k: Float32Array;
  v: Float32Array;
  t: Float32Array;
}

/** nq queries and nk keys in [0, 1]^d (uniform, or three tight blobs with a far query or two), values of dv columns. */
function problem(nq: number, nk: number, d: number, dv: number, shape: 'uniform' | 'clustered', seed: number): Problem {
  const r = rng(seed);
  const centres = Array.from({ length: 3 }, () => Array.from({ length: d }, () => r()));
  const point = () => (shape === 'uniform' ? Array.from({ length: d }, () => r()) : centres[Math.floor(3 * r())].map((c) => c + 0.02 * (r() - 0.5)));
  const keys = new Float32Array(nk * d);
  const queries = new Float32Array(nq * d);
  for (let j = 0; j < nk; j++) keys.set(point(), j * d);
  for (let i = 0; i < nq; i++) queries.set(point(), i * d);
  // a query far from every key, where the nearest keys carry all the weight
  if (shape === 'clustered')
    queries.set(
      Array.from({ length: d }, () => 3),
      0,
    );
  const v = Float32Array.from({ length: nk * dv }, () => 4 * r() - 1);
  const t = Float32Array.from({ length: nq * dv }, () => 4 * r() - 1);
  return { d, dv, q: queries, k: keys, v, t };
}

/** Dense float64 pooling with the largest score subtracted: ŷ, Σ(ŷ − t)², dL/dw_k. */
function dense(P: Problem, w: number[], excludeSelf: boolean): { yHat: Float64Array; loss: number; grad: Float64Array } {
  const { d, dv, q, k, v, t } = P;
  const nq = q.length / d;
  const nk = k.length / d;
  const yHat = new Float64Array(nq * dv);
  const grad = new Float64Array(d);
  const s = new Float64Array(nk);
  let loss = 0;
  for (let i = 0; i < nq; i++) {
    let mx = -Infinity;
    for (let j = 0; j < nk; j++) {
      let r2 = 0;
      for (let f = 0; f < d; f++) r2 += (w[f] * (q[i * d + f] - k[j * d + f])) ** 2;
      s[j] = excludeSelf && i === j ? -Infinity : -0.5 * r2;
      mx = Math.max(mx, s[j]);
    }
    for (let c = 0; c < dv; c++) {
      let E = 0;
      let EV = 0;
      for (let j = 0; j < nk; j++) {
        const e = Math.exp(s[j] - mx);
        E += e;
        EV += e * v[j * dv + c];
      }
      const y = EV / E;
      yHat[i * dv + c] = y;
      const res = y - t[i * dv + c];
      loss += res * res;
      // dŷ/dw_f = −w_f Σ_j e_j Δ_f² (v_j − ŷ) / E
      for (let f = 0; f < d; f++) {
        let G = 0;
        for (let j = 0; j < nk; j++) G += Math.exp(s[j] - mx) * (q[i * d + f] - k[j * d + f]) ** 2 * (v[j * dv + c] - y);
        grad[f] += 2 * res * ((-w[f] * G) / E);
      }
    }
  }
  return { yHat, loss, grad };
}

/** Half the range of each value column. */
function halfRanges(P: Problem): number[] {
  return Array.from({ length: P.dv }, (_, c) => {
    let lo = Infinity;
    let hi = -Infinity;
    for (let j = c; j < P.v.length; j += P.dv) {
      lo = Math.min(lo, P.v[j]);
      hi = Math.max(hi, P.v[j]);
    }
    return (hi - lo) / 2;
  });
}

/** |ŷ − ŷ_dense| ≤ 1e-9·H_c (the guarantee) + half a float32 ulp of ŷ (its rounding) + float64 rounding. */
function expectWithinBound(got: Float32Array, want: Float64Array, P: Problem, what: string): void {
  const H = halfRanges(P);
  for (let i = 0; i < want.length; i++) {
    const bound = 1e-9 * H[i % P.dv] + ulp32(want[i]) / 2 + 1e-13 * (1 + Math.abs(want[i]));
    expect(Math.abs(got[i] - want[i]), `${what}: ŷ[${i}] = ${got[i]}, dense ${want[i]}`).toBeLessThanOrEqual(bound);
  }
}

const tensor = (data: Float32Array, shape: number[]) => ({ data, shape });

/** (data, w) cases: narrow kernels (tens of keys' weight: the exact sums), wide ones (Hermite), clustered keys with a far query. */
const CASES: { name: string; d: number; dv: number; shape: 'uniform' | 'clustered'; w: number[] }[] = [
  { name: 'd = 2 narrow', d: 2, dv: 1, shape: 'uniform', w: [40, 30] },
  { name: 'd = 2 wide', d: 2, dv: 1, shape: 'uniform', w: [1.5, 2] },
  { name: 'd = 2 clustered, a far query, two value columns', d: 2, dv: 2, shape: 'clustered', w: [25, 25] },
  { name: 'd = 3 narrow', d: 3, dv: 1, shape: 'uniform', w: [12, 10, 14] },
  { name: 'd = 3 wide, two value columns', d: 3, dv: 2, shape: 'uniform', w: [1, 1.5, 0.8] },
  { name: 'd = 3 with w_3 = 0 (a feature that drops out)', d: 3, dv: 1, shape: 'clustered', w: [20, 15, 0] },
];

describe.each(BACKENDS)("two and three features, method 'fast', on $name", ({ name }) => {
  let be: Backend;
  beforeAll(async () => {
    be = await load(name);
  });

  describe.each(CASES)('$name', ({ d, dv, shape, w }) => {
    const P = problem(300, 400, d, dv, shape, 7 + d + dv);
    const nq = P.q.length / d;
    const nk = P.k.length / d;
    const q = tensor(P.q, [nq, d]);
    const k = tensor(P.k, [nk, d]);
    const v = dv === 1 ? tensor(P.v, [nk]) : tensor(P.v, [nk, dv]);
    const t = dv === 1 ? tensor(P.t, [nq]) : tensor(P.t, [nq, dv]);

    it('attentionPool: ŷ within 1e-9·(range of v)/2 of dense float64, in the shape of dense pooling', () => {
      const got = be.attentionPool(q, k, v, w, { method: 'fast' });
      expect(got.yHat.shape).toEqual(be.attentionPool(q, k, v, w, { method: 'dense' }).yHat.shape);
      expect(got.weights).toBeUndefined();
      expectWithinBound(got.yHat.data, dense(P, w, false).yHat, P, 'pool');
    });

    it('attentionPoolLoss: ŷ, the loss and dL/dw_k against dense float64; a scalar w gets Σ_k dL/dw_k', () => {
      const want = dense(P, w, false);
      const got = be.attentionPoolLoss(q, k, v, t, w, { method: 'fast' });
      expectWithinBound(got.yHat.data, want.yHat, P, 'loss');
      // the loss is summed from float64 ŷ: each residual within the bound
      expect(Math.abs(got.loss - want.loss)).toBeLessThanOrEqual(1e-8 * (1 + want.loss));
      const grad = got.grad as number[];
      expect(grad).toHaveLength(d);
      for (let f = 0; f < d; f++) expect(Math.abs(grad[f] - want.grad[f]), `dL/dw_${f}`).toBeLessThanOrEqual(1e-6 * (1 + Math.abs(want.grad[f])));
      if (w.every((x) => x === w[0])) {
        const scalar = be.attentionPoolLoss(q, k, v, t, w[0], { method: 'fast' });
        expect(scalar.grad as number).toBeCloseTo(
          grad.reduce((a, b) => a + b, 0),
          12,
        );
      }
    });
  });

  it('leave-one-out (excludeSelf): ŷ_{−i} and the gradient against dense float64 without key i, and against central differences', () => {
    for (const d of [2, 3]) {
      const P = problem(350, 350, d, 1, 'uniform', 31 + d);
      P.k = P.q;
      P.t = P.v;
      const n = P.q.length / d;
      const x = tensor(P.q, [n, d]);
      const y = tensor(P.v, [n]);
      const w = d === 2 ? [25, 35] : [9, 12, 10];
      const want = dense(P, w, true);
      const got = be.attentionPoolLoss(x, x, y, y, w, { method: 'fast', excludeSelf: true });
      expectWithinBound(got.yHat.data, want.yHat, P, `loo d = ${d}`);
      expect(Math.abs(got.loss - want.loss)).toBeLessThanOrEqual(1e-8 * want.loss);
      const grad = got.grad as number[];
      for (let f = 0; f < d; f++) {
        const h = 1e-4 * w[f];
        const at = (dw: number) =>
          be.attentionPoolLoss(
            x,
            x,
            y,
            y,
            w.map((wk, g) => (g === f ? wk + dw : wk)),
            { method: 'fast', excludeSelf: true },
          ).loss;
        const fd = (at(h) - at(-h)) / (2 * h);
        expect(Math.abs(grad[f] - want.grad[f]), `dense dL/dw_${f}`).toBeLessThanOrEqual(1e-6 * (1 + Math.abs(want.grad[f])));
        expect(Math.abs(grad[f] - fd), `central difference dL/dw_${f}`).toBeLessThanOrEqual(1e-4 * (1 + Math.abs(fd)));
      }
    }
  });

  it('duplicate keys and queries on top of keys: the same ŷ as dense', () => {
    const P = problem(200, 200, 2, 1, 'uniform', 5);
    // every key twice, the queries the keys themselves
    P.k = Float32Array.from([...P.k, ...P.k]);
    P.v = Float32Array.from([...P.v, ...P.v.map((x) => -x)]);
    P.q = P.k.slice(0, 400);
    const got = be.attentionPool(tensor(P.q, [200, 2]), tensor(P.k, [400, 2]), tensor(P.v, [400]), [50, 50], { method: 'fast' });
    expectWithinBound(got.yHat.data, dense(P, [50, 50], false).yHat, P, 'duplicates');
  });

  it('edge layouts: one key, one query, every key on one point, and out.yHat written in place', () => {
    const one = be.attentionPool(tensor(Float32Array.of(0, 0, 5, 5, -3, 2), [3, 2]), tensor(Float32Array.of(1, 1), [1, 2]), Float32Array.of(7), [3, 3], {
      method: 'fast',
    });
    expect(Array.from(one.yHat.data)).toEqual([7, 7, 7]);
    const P = problem(1, 300, 3, 1, 'uniform', 11);
    const single = be.attentionPool(tensor(P.q, [1, 3]), tensor(P.k, [300, 3]), P.v, [8, 8, 8], { method: 'fast' });
    expectWithinBound(single.yHat.data, dense(P, [8, 8, 8], false).yHat, P, 'one query');
    // every key on one point: the plain mean of the values
    const k = new Float32Array(2 * 64).fill(0.5);
    const v = Float32Array.from({ length: 64 }, (_, j) => j);
    const same = be.attentionPool(tensor(Float32Array.of(0.5, 0.5, 0, 1), [2, 2]), tensor(k, [64, 2]), v, [10, 10], { method: 'fast' });
    for (const y of same.yHat.data) expect(y).toBeCloseTo(31.5, 5);
    const yHat = new Float32Array(2);
    const res = be.attentionPool(tensor(Float32Array.of(0.5, 0.5, 0, 1), [2, 2]), tensor(k, [64, 2]), v, [10, 10], { method: 'fast', out: { yHat } });
    expect(res.yHat.data).toBe(yHat);
    expect(Array.from(yHat)).toEqual(Array.from(same.yHat.data));
  });

  it("'fast' where it cannot run is an E_OPTION that names why", () => {
    const q = tensor(Float32Array.of(0, 0, 1, 1), [2, 2]);
    const k = tensor(Float32Array.of(0, 1, 1, 0, 2, 2), [3, 2]);
    const v = tensor(Float32Array.of(1, 2, 3), [3]);
    const bad: [string, () => unknown, RegExp][] = [
      ['weights', () => be.attentionPool(q, k, v, 1, { method: 'fast', weights: true }), /got weights: true/],
      ['a compact kernel', () => be.attentionPool(q, k, v, 1, { method: 'fast', kernel: 'epanechnikov' }), /got the 'epanechnikov' kernel/],
      [
        'per-query keys',
        () => be.attentionPool(q, tensor(new Float32Array(12), [2, 3, 2]), tensor(new Float32Array(6), [2, 3]), 1, { method: 'fast' }),
        /got per-query keys/,
      ],
      ['coordinates times w past 1e150', () => be.attentionPoolLoss(q, k, v, Float32Array.of(1, 2), [1e151, 1], { method: 'fast' }), /beyond ±1e\+150/],
    ];
    for (const [what, call, message] of bad) expectAttnpoolError(call, 'E_OPTION', message, what);
  });

  it('huge w (1e15 … 1e149: nearest-key weights, cells far wider than the ball) and a query 1e12 away: the same ŷ as dense', () => {
    const P = problem(300, 300, 2, 1, 'uniform', 21);
    const q = tensor(P.q, [300, 2]);
    const k = tensor(P.k, [300, 2]);
    for (const w of [
      [1e15, 1],
      [1e40, 3],
      [1e149, 1e149],
    ]) {
      const got = be.attentionPool(q, k, P.v, w, { method: 'fast' }).yHat.data;
      expect(Array.from(got), `w = ${w}`).toEqual(Array.from(be.attentionPool(q, k, P.v, w, { method: 'dense' }).yHat.data));
    }
    const far = Float32Array.from(P.q);
    far[0] = 1e12;
    const got = be.attentionPool(tensor(far, [300, 2]), k, P.v, [30, 30], { method: 'fast' });
    expectWithinBound(got.yHat.data, dense({ ...P, q: far }, [30, 30], false).yHat, { ...P, q: far }, 'far query');
  });
});

describe.each(BACKENDS)("'auto' with two and three features on $name", ({ name }) => {
  const cheapDense: CostModel = { densePoolNs: 1e-6, denseLossNs: 1e-6, fgtScale: 1, windowedScale: 1, ndHermiteScale: 1, ndExactScale: 1 };
  const dearDense: CostModel = { ...cheapDense, densePoolNs: 1e6, denseLossNs: 1e6 };

  it('coordinates times w past ±1e150 pool densely however dear dense is', async () => {
    const be = await load(name);
    const kernels = (be as FrontEnd).kernels;
    const kept = be.costModel();
    const watch = watchDenseCalls(kernels);
    try {
      setCostModel(kernels, dearDense);
      const P = problem(200, 200, 2, 1, 'uniform', 13);
      const q = tensor(P.q, [200, 2]);
      const k = tensor(P.k, [200, 2]);
      expect(watch.ranDense(() => be.attentionPool(q, k, P.v, [1e149, 1e149]))).toBe(false);
      expect(watch.ranDense(() => be.attentionPool(q, k, P.v, [1e151, 1]))).toBe(true);
    } finally {
      watch.restore();
      setCostModel(kernels, kept);
    }
  });

  it('follows the cost model: the fast path where dense is dear (its bits exactly), dense kernels where they are cheap', async () => {
    const be = await load(name);
    const kernels = (be as FrontEnd).kernels;
    const kept = be.costModel();
    expect(kept.ndHermiteScale > 0 && kept.ndExactScale > 0).toBe(true);
    const watch = watchDenseCalls(kernels);
    try {
      for (const d of [2, 3]) {
        const P = problem(256, 256, d, 1, 'uniform', 3 + d);
        const q = tensor(P.q, [256, d]);
        const k = tensor(P.k, [256, d]);
        const w = new Array(d).fill(20);
        setCostModel(kernels, dearDense);
        expect(
          watch.ranDense(() => be.attentionPool(q, k, P.v, w)),
          `d = ${d}: dense with dense dear`,
        ).toBe(false);
        expect(
          watch.ranDense(() => be.attentionPoolLoss(q, k, P.v, P.t, w)),
          `d = ${d}: dense loss with dense dear`,
        ).toBe(false);
        expect(be.attentionPool(q, k, P.v, w).yHat.data).toEqual(be.attentionPool(q, k, P.v, w, { method: 'fast' }).yHat.data);
        expect(be.attentionPoolLoss(q, k, P.v, P.t, w).loss).toBe(be.attentionPoolLoss(q, k, P.v, P.t, w, { method: 'fast' }).loss);
        setCostModel(kernels, cheapDense);
        expect(
          watch.ranDense(() => be.attentionPool(q, k, P.v, w)),
          `d = ${d}: dense with dense cheap`,
        ).toBe(true);
        expect(
          watch.ranDense(() => be.attentionPoolLoss(q, k, P.v, P.t, w)),
          `d = ${d}: dense loss with dense cheap`,
        ).toBe(true);
      }
    } finally {
      watch.restore();
      setCostModel(kernels, kept);
    }
  });
});
