// Issue 19, "wrong numbers, returned silently": each result is within the backend's tolerance of
// the float64 reference, or the backend takes the float64 path itself.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { createJsBackend } from '../src/backend/js/index.js';
import { syntheticData } from '../src/chapter/data.js';
import { looCurve } from '../src/model/bandwidth.js';
import { NWKernelRegression } from '../src/model/nwKernelRegression.js';
import { train } from '../src/model/train.js';
import type { Backend } from '../src/backend/types.js';
import { BACKENDS, load } from './backends.js';

const reference = createJsBackend();

describe.each(BACKENDS)('issue 19 on $name', ({ name, tol }) => {
  let be: Backend;
  beforeAll(async () => {
    be = await load(name);
  });

  it('bmm: ones × 0.1 summed over m = 2^20 stays within float32 rounding of 104857.6', () => {
    const m = 1 << 20;
    const a = { data: new Float32Array(m).fill(1), shape: [1, 1, m] };
    const b = { data: new Float32Array(m * 5).fill(0.1), shape: [1, m, 5] };
    const c = be.bmm(a, b);
    // the float64 sum of float32(0.1) m times, rounded once
    const want = Math.fround(Math.fround(0.1) * m);
    const bound = tol.value[0] + tol.value[1] * want;
    for (const x of c.data) expect(Math.abs(x - want)).toBeLessThanOrEqual(bound);
    // the 16-wide and 4-wide column paths too
    const b20 = { data: new Float32Array(m * 20).fill(0.1), shape: [1, m, 20] };
    for (const x of be.bmm(a, b20).data) expect(Math.abs(x - want)).toBeLessThanOrEqual(bound);
  });
});

describe.each(BACKENDS)('issue 19, float32 limits, on $name', ({ name, tol }) => {
  let be: Backend;
  beforeAll(async () => {
    be = await load(name);
  });
  const close = (got: number, want: number) => expect(Math.abs(got - want)).toBeLessThanOrEqual(tol.value[0] + tol.value[1] * Math.abs(want));

  it('gaussian: keys beyond |q − k| ≈ 1.8e19 with w·(q − k) moderate are kept', () => {
    const r = be.attentionPool([0], [0.5, 1e20, 2e20], [0, 1, 2], 1e-20, { weights: true });
    const want = reference.attentionPool([0], [0.5, 1e20, 2e20], [0, 1, 2], 1e-20, { weights: true });
    close(r.yHat.data[0], want.yHat.data[0]);
    expect(r.yHat.data[0]).toBeCloseTo(0.5036, 4);
    for (let j = 0; j < 3; j++) expect(Math.abs(r.weights!.data[j] - want.weights!.data[j])).toBeLessThanOrEqual(tol.weight);
  });

  it('gaussian at w = 0: keys at ±3e38 are kept (the plain average)', () => {
    close(be.attentionPool([0], [0, 1, 2, 3, -3e38, 3e38], [1, 2, 3, 4, 5, 6], 0).yHat.data[0], 3.5);
    const l = be.attentionPoolLoss([0], [0, 1, 2, 3, -3e38, 3e38], [1, 2, 3, 4, 5, 6], [3], 0);
    expect(l.loss).toBeCloseTo(0.25, 5);
  });

  it('gaussian: the chapter-like data scaled by 1e20 with w scaled by 1e-20 is the same model', () => {
    const q = [0.3, 1.7, 2.2, 4.1];
    const k = [0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5];
    const v = k.map((x) => Math.sin(x) * 3);
    const t = [1, 2, 2.5, -2];
    const base = be.attentionPool(q, k, v, 1.3).yHat.data;
    const baseLoss = be.attentionPoolLoss(q, k, v, t, 1.3);
    for (const s of [1e-30, 1e-20, 1e-10, 1e10, 1e20, 1e30]) {
      const sq = q.map((x) => x * s);
      const sk = k.map((x) => x * s);
      const y = be.attentionPool(sq, sk, v, 1.3 / s).yHat.data;
      for (let i = 0; i < q.length; i++) close(y[i], base[i]);
      const l = be.attentionPoolLoss(sq, sk, v, t, 1.3 / s);
      expect(Math.abs(l.loss - baseLoss.loss)).toBeLessThanOrEqual(tol.value[1] * 10 * baseLoss.loss);
      // w = s·w', so dL/dw' = s·dL/dw
      const g = (l.grad as number) / s;
      expect(Math.abs(g - (baseLoss.grad as number))).toBeLessThanOrEqual(1e-3 * Math.abs(baseLoss.grad as number));
    }
  });

  it('compact kernels: values of 3e38 are averaged, not overflowed', () => {
    const k = [0, 1, 2, 3, 4, 5, 6, 7];
    expect(be.attentionPool([0], k, new Array(8).fill(3e38), 1, { kernel: 'constant' }).yHat.data[0]).toBe(Math.fround(3e38));
    const pm = [3e38, -3e38, 3e38, -3e38, 3e38, -3e38, 3e38, -3e38];
    close(be.attentionPool([0], k, pm, 1, { kernel: 'constant' }).yHat.data[0], 0);
  });

  it('epanechnikov loss at huge values is the float64 one, not Infinity or NaN', () => {
    const q = [0, 1, 2];
    const k = [0, 0.5, 1, 1.5, 2];
    const v = [3e38, -3e38, 3e38, -3e38, 3e38];
    const t = [-3e38, 3e38, -3e38];
    const want = reference.attentionPoolLoss(q, k, v, t, 0.7, { kernel: 'epanechnikov' });
    const got = be.attentionPoolLoss(q, k, v, t, 0.7, { kernel: 'epanechnikov' });
    expect(Number.isFinite(got.loss)).toBe(true);
    expect(Math.abs(got.loss - want.loss)).toBeLessThanOrEqual(tol.loss * want.loss);
  });

  it('nearest-key ties are not decided on float32 d²', () => {
    expect(be.attentionPool([0], [2e19, 3e19, -5e19], [1, 2, 3], 1, { kernel: 'epanechnikov' }).yHat.data[0]).toBe(1);
    // d² underflows float32 (1e-46 → 0) at these distances
    expect(be.attentionPool([0], [1e-23, 2e-23, -5e-23], [1, 2, 3], 1e30, { kernel: 'triangular' }).yHat.data[0]).toBe(1);
    // q − k rounds to the same float32 for both keys
    expect(be.attentionPool([1e8], [1, 1.5], [1, 2], 1, { kernel: 'boxcar' }).yHat.data[0]).toBe(2);
  });

  it('gaussianScores: w = 1e20 with q = k is −0, and d = 2e19 is −2e38', () => {
    const s = be.gaussianScores([0, 0], [0, 1e-30], 1e20).data;
    expect(Number.isNaN(s[0])).toBe(false);
    expect(s[0]).toBe(-0);
    const s2 = be.gaussianScores([0], [2e19], 1).data;
    close(s2[0], -2e38);
  });
});

describe.each(BACKENDS)('issue 19, large w, on $name', ({ name, tol }) => {
  let be: Backend;
  beforeAll(async () => {
    be = await load(name);
  });

  it('loss and gradient stay finite and within tolerance of the float64 reference up to w = 1e300', () => {
    const d = syntheticData();
    for (const w of [300, 3e4, 2e10, 1e12, 1e200, 1e300]) {
      const want = reference.attentionPoolLoss(d.xTest, d.xTrain, d.yTrain, d.yTruth, w);
      const got = be.attentionPoolLoss(d.xTest, d.xTrain, d.yTrain, d.yTruth, w);
      expect(Number.isFinite(want.loss) && Number.isFinite(want.grad as number), `reference at w = ${w}`).toBe(true);
      expect(Math.abs(got.loss - want.loss), `${name} loss at w = ${w}`).toBeLessThanOrEqual(tol.loss * want.loss);
      const g = got.grad as number;
      const gw = want.grad as number;
      expect(Math.abs(g - gw), `${name} grad at w = ${w}: ${g} vs ${gw}`).toBeLessThanOrEqual(tol.grad[0] + tol.grad[1] * Math.abs(gw));
      const y = be.attentionPool(d.xTest, d.xTrain, d.yTrain, w).yHat.data;
      expect(Array.from(y).every(Number.isFinite), `${name} ŷ at w = ${w}`).toBe(true);
    }
  });

  it('looCurve is finite at large w', () => {
    const d = syntheticData();
    const c = looCurve(d.xTrain, d.yTrain, [300, 2e10, 1e12, 1e200]);
    expect(Array.from(c.loss).every(Number.isFinite)).toBe(true);
    expect(Array.from(c.grad).every(Number.isFinite)).toBe(true);
  });
});

describe.each(BACKENDS)('issue 19, training from a huge w, on $name', ({ name }) => {
  it('train from w0 = 1e300 runs (the gradient is 0, not NaN) instead of failing with E_DIVERGED', async () => {
    const be = await load(name);
    const d = syntheticData();
    const model = new NWKernelRegression(be, { w: 1e300, keepWeights: false });
    const { losses } = train(model, { queries: d.xTrain, keys: d.xTrain, values: d.yTrain, targets: d.yTrain, excludeSelf: true });
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(Number.isFinite(model.w)).toBe(true);
  });
});

describe.each(BACKENDS)('issue 19, column-vector keys, on $name', ({ name }) => {
  let be: Backend;
  beforeAll(async () => {
    be = await load(name);
  });

  it('keys [n, 1] with queries [n] are refused, naming the likely intent', () => {
    const x = { data: new Float32Array([0, 1, 2, 3]), shape: [4, 1] };
    const y = { data: new Float32Array([1, 2, 3, 4]), shape: [4, 1] };
    expect(() => be.attentionPool([0, 1, 2, 3], x, y, 1)).toThrow(/one key per query.*pass them as \[4\]/);
    expect(() => be.attentionPoolLoss([0, 1, 2, 3], x, y, [1, 2, 3, 4], 1)).toThrow(/per-query keys with nk = 1.*excludeSelf/);
    // the intended calls still work
    expect(be.attentionPool([0, 1, 2, 3], [0, 1, 2, 3], [1, 2, 3, 4], 1).yHat.data.length).toBe(4);
    expect(be.attentionPool({ data: new Float32Array([0, 1, 2, 3]), shape: [4, 1] }, x, [1, 2, 3, 4], 1).yHat.data.length).toBe(4);
  });
});

/**
 * L = Σ_i (ŷ_i − t_i)² with Gaussian weights α_ij over u_ij = w·(q_i − k_j), and its derivative in
 * float64 from the centred form
 *   dL/dw = Σ_i 2 r_i Σ_j α_ij (ū_i² − u_ij²)(v_j − ŷ_i)/w,  r_i = ŷ_i − t_i,  ū_i² = Σ_j α_ij u_ij²,
 * with the stated error bound of README "Numerics": |g − dL/dw| ≤ ε_g·Ĝ + φ, where
 *   Ĝ = Σ_i 2(|r_i| + ρ_i)·4ρ_i·Σ_j α_ij·u_ij²·(1 + u_ij²)/|w|,  ρ_i = max_j |v_j − t_i|.
 * Why this form: the backends sum Σe·u²·(v − c) and (ŷ − c)·Σe·u², c the target (wasm) or the
 * nearest key's value (js), each term at most 2ρ_i·α·u²; a float32 weight carries a relative error
 * that grows with its score, hence (1 + u²); and r_i itself is only known to ~ε·ρ_i, hence |r_i| + ρ_i.
 *   φ = Σ_i 2|r_i|·nk·2^-140/|w| on wasm, for products that fall below float32's normal range.
 */
function gaussLoss64(q: Float32Array, k: Float32Array, v: Float32Array, t: Float32Array, w: number, excludeSelf: boolean) {
  let grad = 0;
  let gHat = 0;
  let underflow = 0;
  for (let i = 0; i < q.length; i++) {
    const u2: number[] = [];
    const vs: number[] = [];
    for (let j = 0; j < k.length; j++) {
      if (excludeSelf && i === j) continue;
      u2.push((w * (q[i] - k[j])) ** 2);
      vs.push(v[j]);
    }
    const m = Math.min(...u2);
    const e = u2.map((x) => Math.exp(-(x - m) / 2));
    const z = e.reduce((a, b) => a + b, 0);
    const a = e.map((x) => x / z);
    const y = a.reduce((s, aj, j) => s + aj * vs[j], 0);
    const uBar = a.reduce((s, aj, j) => s + aj * u2[j], 0);
    const moment = a.reduce((s, aj, j) => s + aj * u2[j] * (1 + u2[j]), 0);
    const r = y - t[i];
    for (let j = 0; j < a.length; j++) grad += (2 * r * a[j] * (uBar - u2[j]) * (vs[j] - y)) / w;
    const rho = Math.max(...vs.map((vj) => Math.abs(vj - t[i])));
    gHat += (2 * (Math.abs(r) + rho) * 4 * rho * moment) / Math.abs(w);
    underflow += (2 * Math.abs(r) * k.length * 2 ** -140) / Math.abs(w);
  }
  return { grad, gHat, underflow };
}

describe.each(BACKENDS)('issue 19, the gradient error bound, on $name', ({ name }) => {
  const epsG = name === 'js' ? 1e-9 : 2e-5;
  const bound = (ref: { gHat: number; underflow: number }) => epsG * ref.gHat + (name === 'js' ? 0 : ref.underflow);
  let be: Backend;
  beforeAll(async () => {
    be = await load(name);
  });

  it('|g − dL/dw| ≤ ε_g·Ĝ + φ from w = 1e-3 to 1e3, at the minimum of L too, shared keys and leave-one-out', () => {
    const d = syntheticData();
    const cases: [Float32Array, Float32Array, Float32Array, Float32Array, boolean][] = [
      [d.xTest.data, d.xTrain.data, d.yTrain.data, d.yTruth.data, false],
      [d.xTrain.data, d.xTrain.data, d.yTrain.data, d.yTrain.data, true],
    ];
    for (const [q, k, v, t, excludeSelf] of cases) {
      // near the minimum of the leave-one-out loss the gradient is small against Ĝ: a relative bound in |g| would fail there
      const wMin = excludeSelf ? 6.145279 : 1;
      for (const w of [1e-3, 0.1, 1, wMin, 10, 100, 300, 1e3]) {
        const ref = gaussLoss64(q, k, v, t, w, excludeSelf);
        const got = be.attentionPoolLoss(q, k, v, t, w, { excludeSelf }).grad as number;
        expect(Math.abs(got - ref.grad), `${name} w = ${w}: ${got} vs ${ref.grad}, Ĝ ${ref.gHat}`).toBeLessThanOrEqual(bound(ref));
      }
    }
  });

  it('holds on random data sets (fast-check), shared keys and leave-one-out', () => {
    const data = fc.integer({ min: 3, max: 40 }).chain((n) =>
      fc.record({
        x: fc.float32Array({ minLength: n, maxLength: n, min: -10, max: 10, noNaN: true }),
        y: fc.float32Array({ minLength: n, maxLength: n, min: -5, max: 5, noNaN: true }),
        logW: fc.double({ min: -2, max: 2, noNaN: true }),
        excludeSelf: fc.boolean(),
      }),
    );
    fc.assert(
      fc.property(data, ({ x, y, logW, excludeSelf }) => {
        const w = 10 ** logW;
        const ref = gaussLoss64(x, x, y, y, w, excludeSelf);
        const got = be.attentionPoolLoss(x, x, y, y, w, { excludeSelf }).grad as number;
        expect(Math.abs(got - ref.grad)).toBeLessThanOrEqual(bound(ref));
      }),
      { numRuns: 200, seed: 19 },
    );
  });

  it('the bound scales with the data: keys and queries ×s, w/s, for s = 1e-20 … 1e20', () => {
    const d = syntheticData();
    for (const s of [1e-20, 1e-5, 1e5, 1e20]) {
      const q = d.xTrain.data.map((x) => x * s);
      const y = d.yTrain.data;
      const ref = gaussLoss64(q, q, y, y, 3 / s, true);
      const got = be.attentionPoolLoss(q, q, y, y, 3 / s, { excludeSelf: true }).grad as number;
      expect(Math.abs(got - ref.grad), `${name} s = ${s}`).toBeLessThanOrEqual(bound(ref));
    }
  });
});
