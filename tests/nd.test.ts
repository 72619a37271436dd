// d-dimensional queries and keys, a bandwidth per feature, value columns: on every backend,
// against float64 computations written here from the formulas (explicit weight matrices) and
// central finite differences for the gradients.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../src/backend/types.js';
import { NWKernelRegression } from '../src/model/nwKernelRegression.js';
import { train } from '../src/model/train.js';
import { tensor } from '../src/args/tensor.js';
import { BACKENDS, load } from './backends.js';
import { expectAttnpoolError } from './expectError.js';
import { expectClose, REF_KERNELS, rng } from './reference.js';

type Kernel = keyof typeof REF_KERNELS;
const KERNELS = Object.keys(REF_KERNELS) as Kernel[];

/** A data set: queries [nq, d], keys [nk, d] or [nq, nk, d], values [nk, dv] or [nq, nk, dv]. */
interface Data {
  q: number[][];
  /** keys[i] is query i's key set (all the same set when shared) */
  k: number[][][];
  v: number[][][];
  perQuery: boolean;
}

function data(nq: number, nk: number, d: number, dv: number, perQuery: boolean, seed: number): Data {
  const r = rng(seed);
  // float32 values, so that the backends (which take float32) see the very numbers the reference does
  const point = () => Array.from({ length: d }, () => Math.fround(3 * r()));
  const value = () => Array.from({ length: dv }, () => Math.fround(4 * r() - 1));
  const q = Array.from({ length: nq }, point);
  const sets = Array.from({ length: perQuery ? nq : 1 }, () => Array.from({ length: nk }, point));
  const vals = Array.from({ length: perQuery ? nq : 1 }, () => Array.from({ length: nk }, value));
  return { q, k: q.map((_, i) => sets[perQuery ? i : 0]), v: q.map((_, i) => vals[perQuery ? i : 0]), perQuery };
}

/** The tensors a backend takes for a data set (values without a column axis when `columns` is false). */
function tensors(x: Data, columns = true) {
  const nq = x.q.length;
  const nk = x.k[0].length;
  const d = x.q[0].length;
  const dv = x.v[0][0].length;
  const sets = x.perQuery ? x.k : [x.k[0]];
  const vals = x.perQuery ? x.v : [x.v[0]];
  const lead = x.perQuery ? [nq, nk] : [nk];
  return {
    q: tensor(x.q.flat(), [nq, d]),
    k: tensor(sets.flat(2), [...lead, d]),
    v: tensor(vals.flat(2), columns ? [...lead, dv] : lead),
  };
}

/** The weight matrix of one query, explicitly: K(u) per key, normalised (nearest keys in max |u| when all are 0). */
function refWeights(kernel: Kernel, q: number[], keys: number[][], w: number[], skip = -1): number[] {
  const u = keys.map((k) => k.map((kf, f) => w[f] * (q[f] - kf)));
  let e = u.map((uj, j) =>
    j === skip ? 0 : kernel === 'gaussian' ? Math.exp(-0.5 * uj.reduce((s, x) => s + x * x, 0)) : uj.reduce((p, x) => p * REF_KERNELS[kernel](x), 1),
  );
  if (kernel === 'gaussian') {
    // shift in log space so that far keys do not all underflow
    const s = u.map((uj) => -0.5 * uj.reduce((a, x) => a + x * x, 0));
    const m = Math.max(...s.filter((_, j) => j !== skip));
    e = s.map((x, j) => (j === skip ? 0 : Math.exp(x - m)));
  }
  if (e.every((x) => x === 0)) {
    const far = u.map((uj, j) => (j === skip ? Infinity : Math.max(...uj.map(Math.abs))));
    const best = Math.min(...far);
    e = far.map((x) => (x === best ? 1 : 0));
  }
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / z);
}

function refPoolNd(kernel: Kernel, x: Data, w: number[], excludeSelf = false) {
  const weights = x.q.map((q, i) => refWeights(kernel, q, x.k[i], w, excludeSelf ? i : -1));
  const yHat = weights.map((a, i) => x.v[i][0].map((_, c) => a.reduce((s, aij, j) => s + aij * x.v[i][j][c], 0)));
  return { weights, yHat };
}

function refLossNd(kernel: Kernel, x: Data, t: number[][], w: number[], excludeSelf = false): number {
  return refPoolNd(kernel, x, w, excludeSelf).yHat.reduce((s, row, i) => s + row.reduce((a, y, c) => a + (y - t[i][c]) ** 2, 0), 0);
}

const WS = [
  [0.7, 1.9],
  [2.5, 0],
] as const;

describe.each(BACKENDS)('d dimensions on the $name backend', ({ name, tol }) => {
  let be: Backend;
  beforeAll(async () => {
    be = await load(name);
  });

  it('queries [n, 1] with keys [nk, 1] give the numbers of the [n] layout, bit for bit', () => {
    const r = rng(3);
    const q = Float32Array.from({ length: 23 }, () => 5 * r());
    const k = Float32Array.from({ length: 31 }, () => 5 * r());
    const v = Float32Array.from({ length: 31 }, () => r());
    const t = Float32Array.from({ length: 23 }, () => r());
    const as2 = (a: Float32Array) => tensor(a, [a.length, 1]);
    for (const kernel of KERNELS) {
      const one = be.attentionPool(q, k, v, 1.7, { kernel, weights: true });
      const two = be.attentionPool(as2(q), as2(k), v, 1.7, { kernel, weights: true });
      expect(two.yHat.data, kernel).toEqual(one.yHat.data);
      expect(two.weights!.data, kernel).toEqual(one.weights!.data);
      const lossOne = be.attentionPoolLoss(q, k, v, t, 1.7, { kernel });
      const lossTwo = be.attentionPoolLoss(as2(q), as2(k), v, t, [1.7], { kernel });
      expect(lossTwo.loss, kernel).toBe(lossOne.loss);
      expect(lossTwo.grad, kernel).toEqual([lossOne.grad]);
      const x = tensor(k, [31, 1]);
      expect(be.attentionPool(x, x, v, 2, { excludeSelf: true }).yHat.data).toEqual(be.attentionPool(k, k, v, 2, { excludeSelf: true }).yHat.data);
      expect(be.scores(as2(q), as2(k), 1.7, { kernel }).data).toEqual(be.scores(q, k, 1.7, { kernel }).data);
    }
  });

  it.each(KERNELS)('%s: ŷ and the weights equal the explicit computation for d = 2, 3 and 8, shared and per-query keys', (kernel) => {
    for (const [d, perQuery, seed] of [
      [2, false, 1],
      [3, true, 2],
      [8, false, 3],
    ] as const) {
      const x = data(9, 13, d, 1, perQuery, seed);
      for (const w of [Array.from({ length: d }, (_, f) => 0.4 + 0.3 * f), Array.from({ length: d }, () => 1.1)]) {
        const ref = refPoolNd(kernel, x, w);
        const { q, k, v } = tensors(x, false);
        const got = be.attentionPool(q, k, v, w, { kernel, weights: true });
        expect(got.yHat.shape).toEqual([9]);
        expectClose(got.yHat.data, ref.yHat.flat(), ...tol.value, `${kernel} ŷ, d = ${d}`);
        expectClose(got.weights!.data, ref.weights.flat(), tol.weight, 0, `${kernel} weights, d = ${d}`);
      }
    }
  });

  it.each(KERNELS)("%s: value columns give ŷ [nq, dv], and excludeSelf skips each query's own key", (kernel) => {
    const x = data(15, 15, 2, 3, false, 4);
    x.q = x.k[0].map((row) => row.slice()); // queries are the keys
    const w = [1.3, 0.8];
    const { q, k, v } = tensors(x);
    const got = be.attentionPool(q, k, v, w, { kernel, excludeSelf: true });
    expect(got.yHat.shape).toEqual([15, 3]);
    expectClose(got.yHat.data, refPoolNd(kernel, x, w, true).yHat.flat(), ...tol.value, `${kernel} ŷ with excludeSelf`);
  });

  it.each(['gaussian', 'epanechnikov', 'triangular'] as const)(
    '%s: the loss and its gradient per feature match the formulas and central differences',
    (kernel) => {
      const x = data(12, 17, 3, 2, true, 5);
      const r = rng(6);
      const t = x.q.map(() => [Math.fround(4 * r() - 1), Math.fround(4 * r() - 1)]);
      const w = [0.9, 0.45, 1.6];
      const { q, k, v } = tensors(x);
      const tt = tensor(t.flat(), [12, 2]);
      const got = be.attentionPoolLoss(q, k, v, tt, w, { kernel });
      const ref = refLossNd(kernel, x, t, w);
      expect(Math.abs(got.loss - ref) / ref).toBeLessThan(tol.loss);
      expect(got.grad).toHaveLength(3);
      const h = 1e-6;
      for (let f = 0; f < 3; f++) {
        const up = w.slice();
        const down = w.slice();
        up[f] += h;
        down[f] -= h;
        const fd = (refLossNd(kernel, x, t, up) - refLossNd(kernel, x, t, down)) / (2 * h);
        expect(Math.abs(got.grad[f] - fd), `∂L/∂w_${f}: ${got.grad[f]} against ${fd}`).toBeLessThanOrEqual(
          tol.grad[0] + tol.grad[1] * Math.abs(fd) + 1e-6 * Math.abs(fd),
        );
      }
      // one w for every feature: the derivative is the sum of the per-feature ones
      const one = be.attentionPoolLoss(q, k, v, tt, 1.2, { kernel });
      const each = be.attentionPoolLoss(q, k, v, tt, [1.2, 1.2, 1.2], { kernel });
      expect(one.loss).toBe(each.loss);
      expect(Math.abs(one.grad - each.grad.reduce((a, b) => a + b, 0))).toBeLessThanOrEqual(1e-9 * Math.abs(one.grad) + 1e-12);
    },
  );

  it('a feature with w_k = 0 is smoothed out: ŷ does not depend on it', () => {
    const x = data(7, 11, 2, 1, false, 7);
    const { q, k, v } = tensors(x, false);
    const moved = tensor(
      x.q.flatMap(([a]) => [a, 100 * Math.random()]),
      [7, 2],
    );
    for (const kernel of KERNELS) {
      const a = be.attentionPool(q, k, v, [1.4, 0], { kernel }).yHat.data;
      const b = be.attentionPool(moved, k, v, [1.4, 0], { kernel }).yHat.data;
      expectClose(b, a, ...tol.value, `${kernel}`);
    }
  });

  it.each(WS)('scores [nq, nk] are log K(u) for w = [%s, %s]', (w0, w1) => {
    // (the scores are exact for float32 inputs; only the final rounding to float32 differs)
    const x = data(5, 6, 2, 1, false, 8);
    const { q, k } = tensors(x);
    for (const kernel of KERNELS) {
      const got = be.scores(q, k, [w0, w1], { kernel });
      const want = x.q.flatMap((qi) =>
        x.k[0].map((kj) => {
          const u = [w0 * (qi[0] - kj[0]), w1 * (qi[1] - kj[1])];
          return kernel === 'gaussian' ? -0.5 * (u[0] ** 2 + u[1] ** 2) : Math.log(REF_KERNELS[kernel](u[0]) * REF_KERNELS[kernel](u[1]));
        }),
      );
      expect(got.shape).toEqual([5, 6]);
      for (let i = 0; i < want.length; i++) {
        if (want[i] === -Infinity) expect(got.data[i], `${kernel} ${i}`).toBe(-Infinity);
        else expect(Math.abs(got.data[i] - want[i]), `${kernel} ${i}`).toBeLessThanOrEqual(tol.value[0] + tol.value[1] * Math.abs(want[i]));
      }
    }
  });

  it("'fast' with d > 3 is an E_OPTION naming the reason; 'auto' pools densely", () => {
    const x = data(4, 5, 4, 1, false, 9);
    const { q, k, v } = tensors(x, false);
    expectAttnpoolError(
      () => be.attentionPool(q, k, v, 1, { method: 'fast' }),
      'E_OPTION',
      /method 'fast' needs .* got 4 features \(the fast path takes 1, 2 or 3\)/,
    );
    expectClose(be.attentionPool(q, k, v, 1, { method: 'auto' }).yHat.data, refPoolNd('gaussian', x, [1, 1, 1, 1]).yHat.flat(), ...tol.value);
  });

  describe('bad input: a named error, and nothing changed', () => {
    const q = tensor([1, 2, 3, 4], [2, 2]);
    const k = tensor([1, 2, 3, 4, 5, 6], [3, 2]);
    const v = tensor([1, 2, 3]);
    const cases: [string, string, RegExp, (be: Backend) => unknown][] = [
      [
        'queries and keys with different d',
        'E_SHAPE',
        /keys: expected 2 features \(the queries' d\) in the last axis, got \[2, 3\]/,
        (b) => b.attentionPool(q, tensor([1, 2, 3, 4, 5, 6], [2, 3]), v),
      ],
      ['w of the wrong length', 'E_SHAPE', /w: expected 2 numbers \(one per feature\), got 3/, (b) => b.attentionPool(q, k, v, [1, 2, 3])],
      ['a negative w_k', 'E_VALUE', /w\[1\]: expected a finite number >= 0, got -1/, (b) => b.attentionPool(q, k, v, [1, -1])],
      ['a NaN w_k', 'E_NONFINITE', /w\[0\]: expected a finite number >= 0, got NaN/, (b) => b.attentionPoolLoss(q, k, v, [1, 2], [Number.NaN, 1])],
      ['an infinite w_k', 'E_NONFINITE', /w\[1\]: expected a finite number >= 0, got Infinity/, (b) => b.scores(q, k, [1, Number.POSITIVE_INFINITY])],
      [
        'values whose leading axis disagrees with the keys',
        'E_SHAPE',
        /values: expected the shape of keys \[3\] \(the keys' leading axes\), got \[4, 2\]/,
        (b) => b.attentionPool(q, k, tensor(new Array(8).fill(1), [4, 2])),
      ],
      [
        'per-query keys whose row count is not nq',
        'E_SHAPE',
        /keys: expected \[nq, nk, d\] with nq = 2/,
        (b) => b.attentionPool(q, tensor(new Array(12).fill(1), [3, 2, 2]), tensor(new Array(6).fill(1), [3, 2])),
      ],
      [
        'd = 0',
        'E_SHAPE',
        /queries: expected at least one feature, got shape \[2, 0\] \(d = 0\)/,
        (b) => b.attentionPool(tensor([], [2, 0]), tensor([], [3, 0]), v),
      ],
      [
        'targets without the value columns',
        'E_SHAPE',
        /targets: expected shape \[nq, dv\] = \[2, 2\]/,
        (b) => b.attentionPoolLoss(q, k, tensor([1, 2, 3, 4, 5, 6], [3, 2]), [1, 2], 1),
      ],
    ];
    it.each(cases)('%s', (_label, code, message, call) => {
      expectAttnpoolError(() => call(be), code as never, message);
      const x = data(2, 3, 2, 1, false, 10);
      const t = tensors(x, false);
      expectClose(be.attentionPool(t.q, t.k, t.v, [1, 0.5]).yHat.data, refPoolNd('gaussian', x, [1, 0.5]).yHat.flat(), ...tol.value, 'after the error');
    });
  });

  it('NWKernelRegression and train take d features and a w per feature; SGD steps every w_k along the gradient', () => {
    const r = rng(11);
    const n = 40;
    const x = Array.from({ length: n }, () => [4 * r(), 4 * r()]);
    const y = x.map(([a, b]) => Math.sin(a) + 0.1 * b + 0.2 * (r() - 0.5));
    const xs = tensor(x.flat(), [n, 2]);
    const ys = tensor(y);
    const model = new NWKernelRegression(be, { w: [1, 1] });
    const before = be.attentionPoolLoss(xs, xs, ys, ys, [1, 1], { excludeSelf: true });
    const { losses, ws } = train(model, { queries: xs, keys: xs, values: ys, targets: ys, excludeSelf: true }, { epochs: 3, lr: 0.05 });
    expect(losses[0]).toBe(before.loss);
    expect(ws[0][0]).toBeCloseTo(1 - 0.05 * before.grad[0], 10);
    expect(ws[0][1]).toBeCloseTo(1 - 0.05 * before.grad[1], 10);
    expect(model.w).toEqual(ws[2]);
    expect(losses[2]).toBeLessThan(losses[0]);
    const yHat = model.forward(xs, xs, ys);
    expect(yHat.shape).toEqual([n]);
    expect(model.attentionWeights!.shape).toEqual([n, n]);
    expectAttnpoolError(
      () => {
        (model as unknown as { w: number }).w = 2;
      },
      'E_VALUE',
      /w: expected an array of 2 as the model has/,
    );
  });
});
