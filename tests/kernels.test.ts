// The kernel family on every backend, against float64 computations written here from the
// formulas: explicit weight matrices, finite differences for the gradients.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../src/backend/types.js';
import { AttnpoolError } from '../src/errors.js';
import { BACKENDS, load } from './backends.js';
import { centralDiff, expectClose, REF_KERNELS, rng, uniform } from './reference.js';

type Compact = 'boxcar' | 'constant' | 'epanechnikov' | 'triangular';
const COMPACT: Compact[] = ['boxcar', 'constant', 'epanechnikov', 'triangular'];
const K = REF_KERNELS;

/** ŷ and weights from the explicit matrix; a query with no weight takes its nearest keys' mean. */
function refKernelPool(kernel: Compact | 'gaussian', q: ArrayLike<number>, k: ArrayLike<number>, v: ArrayLike<number>, w: number, excludeSelf = false) {
  const weights: number[][] = [];
  const yHat: number[] = [];
  for (let i = 0; i < q.length; i++) {
    const keep = Array.from(k, (_, j) => !(excludeSelf && j === i));
    let row = Array.from(k, (kj, j) => (keep[j] ? K[kernel](w * (q[i] - kj)) : 0));
    let z = row.reduce((a, b) => a + b, 0);
    if (z === 0) {
      const dmin = Math.min(...Array.from(k, (kj, j) => (keep[j] ? Math.abs(q[i] - kj) : Infinity)));
      row = Array.from(k, (kj, j) => (keep[j] && Math.abs(q[i] - kj) === dmin ? 1 : 0));
      z = row.reduce((a, b) => a + b, 0);
    }
    weights.push(row.map((x) => x / z));
    yHat.push(weights[i].reduce((s, a, j) => s + a * v[j], 0));
  }
  return { yHat, weights };
}

function refKernelLoss(
  kernel: Compact | 'gaussian',
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  t: Float32Array,
  w: number,
  excludeSelf = false,
): number {
  return refKernelPool(kernel, q, k, v, w, excludeSelf).yHat.reduce((s, y, i) => s + (y - t[i]) ** 2, 0);
}

describe.each(BACKENDS)('the kernel family on the $name backend', ({ name, tol }) => {
  let be: Backend;
  beforeAll(async () => {
    be = await load(name);
  });

  it('is the backend asked for', () => {
    expect(be.name).toBe(name);
  });

  const q = uniform(37, 0, 5, 1);
  const k = uniform(53, 0, 5, 2);
  const v = uniform(53, -2, 3, 3);

  it.each(COMPACT)('%s: ŷ and the weight matrix equal the explicit computation, at several w', (kernel) => {
    for (const w of [0.3, 1, 2.5, 9]) {
      const ref = refKernelPool(kernel, q, k, v, w);
      const got = be.attentionPool(q, k, v, w, { kernel, weights: true });
      expectClose(got.yHat.data, ref.yHat, ...tol.value, `${kernel} ŷ at w = ${w}`);
      expectClose(got.weights!.data, ref.weights.flat(), tol.weight, 0, `${kernel} weights at w = ${w}`);
      expect(got.weights!.shape).toEqual([37, 53]);
    }
  });

  it.each(COMPACT)('%s: per-query key rows and excludeSelf agree with the explicit computation', (kernel) => {
    const kk = uniform(6 * 9, 0, 5, 4);
    const vv = uniform(6 * 9, -1, 1, 5);
    const qq = uniform(6, 0, 5, 6);
    const got = be.attentionPool(qq, { data: kk, shape: [6, 9] }, { data: vv, shape: [6, 9] }, 1.3, { kernel });
    const want = Array.from(qq, (qi, i) => refKernelPool(kernel, [qi], kk.subarray(i * 9, i * 9 + 9), vv.subarray(i * 9, i * 9 + 9), 1.3).yHat[0]);
    expectClose(got.yHat.data, want, ...tol.value, `${kernel} per-query`);
    const self = be.attentionPool(k, k, v, 2, { kernel, excludeSelf: true, weights: true });
    const ref = refKernelPool(kernel, k, k, v, 2, true);
    expectClose(self.yHat.data, ref.yHat, ...tol.value, `${kernel} excludeSelf`);
    for (let i = 0; i < k.length; i++) expect(self.weights!.data[i * k.length + i]).toBe(0);
  });

  it('constant is average pooling, and gaussian is the default kernel', () => {
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    const got = be.attentionPool(q, k, v, 7, { kernel: 'constant' });
    expectClose(got.yHat.data, Array(q.length).fill(mean), ...tol.value, 'constant');
    expect(be.attentionPool(q, k, v, 2, { kernel: 'gaussian' }).yHat.data).toEqual(be.attentionPool(q, k, v, 2).yHat.data);
  });

  it.each(['epanechnikov', 'triangular', 'gaussian'] as const)('%s: loss and gradient in w match the explicit loss and its finite difference', (kernel) => {
    const x = uniform(40, 0, 5, 7);
    const y = Float32Array.from(x, (xi, i) => 2 * Math.sin(xi) + xi + 0.3 * Math.cos(7 * i));
    for (const w of [0.4, 1.7, 4]) {
      const got = be.attentionPoolLoss(x, x, y, y, w, { kernel, excludeSelf: true });
      const loss = refKernelLoss(kernel, x, x, y, y, w, true);
      const grad = centralDiff((ww) => refKernelLoss(kernel, x, x, y, y, ww, true), w, 1e-6);
      expect(Math.abs(got.loss - loss) / loss, `${kernel} loss at w = ${w}`).toBeLessThan(Math.max(tol.loss, 1e-9));
      expect(Math.abs(got.grad - grad), `${kernel} grad at w = ${w}: ${got.grad} vs ${grad}`).toBeLessThan(2e-5 + 2e-4 * Math.abs(grad));
      expectClose(got.yHat.data, refKernelPool(kernel, x, x, y, w, true).yHat, ...tol.value, `${kernel} ŷ of the loss`);
    }
  });

  it('boxcar and constant: the loss is exact and its derivative, zero wherever it exists, is 0', () => {
    const x = uniform(30, 0, 5, 8);
    const y = Float32Array.from(x, Math.sin);
    for (const kernel of ['boxcar', 'constant'] as const) {
      const got = be.attentionPoolLoss(x, x, y, y, 1.1, { kernel, excludeSelf: true });
      expect(Math.abs(got.loss - refKernelLoss(kernel, x, x, y, y, 1.1, true))).toBeLessThan(1e-5);
      expect(got.grad).toBe(0);
    }
  });

  it.each(['boxcar', 'epanechnikov', 'triangular'] as const)(
    '%s: a query outside every support takes its nearest key (the mean of ties), weight 1, no NaN, zero gradient',
    (kernel) => {
      const keys = [0, 1, 1, 3];
      const vals = [5, 2, 4, 9];
      // At w = 10 the supports are 0.1 wide. q = 10: nearest is key 3; q = −4: key 0; q = 1.5:
      // the two keys at 1 tie; q = 2: the keys at 1, 1 and 3 tie.
      const got = be.attentionPool([10, -4, 1.5, 2], keys, vals, 10, { kernel, weights: true });
      expectClose(got.yHat.data, [9, 5, 3, 5], 0, 1e-7, 'ŷ');
      expectClose(got.weights!.data, [0, 0, 0, 1, 1, 0, 0, 0, 0, 0.5, 0.5, 0, 0, 1 / 3, 1 / 3, 1 / 3], 1e-7, 0, 'weights');
      const far = be.attentionPoolLoss([10, -4], keys, vals, [8, 6], 10, { kernel });
      expect(far.loss).toBeCloseTo(1 + 1, 12);
      expect(far.grad).toBe(0);
      expect(Array.from(far.yHat.data)).toEqual([9, 5]);
    },
  );

  it('the zero-weight rule is continuous in w: just inside the support the weight is already all on the nearest key', () => {
    const r = rng(3);
    const x = Float32Array.from({ length: 20 }, () => 5 * r());
    const y = Float32Array.from(x, Math.cos);
    for (const kernel of ['epanechnikov', 'triangular'] as const) {
      // far beyond every spacing: every leave-one-out query is past the support
      const atInfinity = be.attentionPool(x, x, y, 1e6, { kernel, excludeSelf: true }).yHat.data;
      const nearestOnly = refKernelPool(kernel, x, x, y, 1e9, true).yHat;
      expectClose(atInfinity, nearestOnly, ...tol.value, kernel);
    }
  });

  it.each(COMPACT)('%s: scores are log K (−Infinity outside the support), and their softmax is the pooling weights', (kernel) => {
    const s = be.gaussianScores(q, k, 1.5, { kernel });
    expect(s.shape).toEqual([37, 53]);
    for (let i = 0; i < 37; i += 5) {
      for (let j = 0; j < 53; j += 3) {
        const want = Math.log(K[kernel](1.5 * (q[i] - k[j])));
        const got = s.data[i * 53 + j];
        if (want === -Infinity) expect(got).toBe(-Infinity);
        else expect(Math.abs(got - want)).toBeLessThan(1e-5 + 1e-5 * Math.abs(want));
      }
    }
    const pooled = be.attentionPool(q, k, v, 1.5, { kernel, weights: true }).weights!;
    const rowsWithSupport = Array.from({ length: 37 }, (_, i) => i).filter((i) => Array.from(s.data.subarray(i * 53, i * 53 + 53)).some((x) => x > -Infinity));
    const sm = be.softmax({
      data: Float32Array.from(rowsWithSupport.flatMap((i) => Array.from(s.data.subarray(i * 53, i * 53 + 53)))),
      shape: [rowsWithSupport.length, 53],
    });
    expectClose(
      sm.data,
      rowsWithSupport.flatMap((i) => Array.from(pooled.data.subarray(i * 53, i * 53 + 53))),
      tol.weight,
      0,
      `${kernel} softmax`,
    );
  });

  it('an unknown kernel is an AttnpoolError naming the option and the choices, and the next call is correct', () => {
    for (const call of [
      () => be.attentionPool(q, k, v, 1, { kernel: 'epanechikov' as never }),
      () => be.attentionPoolLoss(q, k, v, q, 1, { kernel: 'Gaussian' as never }),
      () => be.gaussianScores(q, k, 1, { kernel: 'cosine' as never }),
    ]) {
      expect(call).toThrow(AttnpoolError);
      expect(call).toThrow(/option "kernel" must be one of 'gaussian', 'boxcar', 'constant', 'epanechnikov', 'triangular'/);
    }
    expectClose(be.attentionPool(q, k, v, 1, { kernel: 'triangular' }).yHat.data, refKernelPool('triangular', q, k, v, 1).yHat, ...tol.value);
  });

  it('w beyond float32 range gives the float64 answer, not NaN (0·Infinity in float32)', () => {
    for (const kernel of ['epanechnikov', 'triangular', 'boxcar'] as const) {
      expect(Array.from(be.attentionPool([1, 2], [1, 3, 5], [10, 20, 30], 4e38, { kernel }).yHat.data), kernel).toEqual([10, 15]);
      expect(be.attentionPoolLoss([1, 2], [1, 3, 5], [10, 20, 30], [10, 16], 4e38, { kernel }).loss, kernel).toBeCloseTo(1, 9);
      expect(be.gaussianScores([1], [1, 3], 4e38, { kernel }).data[0], kernel).toBe(0);
    }
  });

  it('large sizes: sums over 20000 keys stay accurate (lane sums folded into float64)', () => {
    const n = 20000;
    const kk = uniform(n, 0, 5, 11);
    const vv = Float32Array.from(kk, (x) => 100 + Math.sin(x));
    const qq = uniform(8, 0, 5, 12);
    for (const kernel of ['epanechnikov', 'triangular', 'boxcar'] as const) {
      expectClose(be.attentionPool(qq, kk, vv, 0.7, { kernel }).yHat.data, refKernelPool(kernel, qq, kk, vv, 0.7).yHat, 1e-5, 1e-6, kernel);
    }
  });
});

describe('NWKernelRegression and train with another kernel', () => {
  it('trains an epanechnikov model by the same SGD, each step the explicit gradient', async () => {
    const { NWKernelRegression } = await import('../src/model/nwKernelRegression.js');
    const { train } = await import('../src/model/train.js');
    const be = await load('js');
    const x = uniform(30, 0, 5, 31);
    const y = Float32Array.from(x, (v) => Math.sin(v) + v / 3);
    const model = new NWKernelRegression(be, { w: 1.2, kernel: 'epanechnikov' });
    const { losses, ws } = train(model, { queries: x, keys: x, values: y, targets: y, excludeSelf: true }, { epochs: 3, lr: 0.05 });
    let w = 1.2;
    for (let e = 0; e < 3; e++) {
      expect(Math.abs(losses[e] - refKernelLoss('epanechnikov', x, x, y, y, w, true))).toBeLessThan(1e-9);
      w -= 0.05 * centralDiff((v) => refKernelLoss('epanechnikov', x, x, y, y, v, true), w, 1e-7);
      expect(Math.abs(ws[e] - w)).toBeLessThan(1e-6);
    }
    expect(model.kernel).toBe('epanechnikov');
    const yHat = model.forward(x, x, y);
    expectClose(yHat.data, refKernelPool('epanechnikov', x, x, y, model.w).yHat, 1e-6, 1e-6);
  });

  it('refuses to train a kernel whose loss has no slope in w, naming it', async () => {
    const { NWKernelRegression } = await import('../src/model/nwKernelRegression.js');
    const { train } = await import('../src/model/train.js');
    const model = new NWKernelRegression(await load('js'), { w: 1, kernel: 'boxcar' });
    const x = uniform(10, 0, 5, 1);
    expect(() => train(model, { queries: x, keys: x, values: x, targets: x, excludeSelf: true })).toThrow(/'boxcar' kernel's loss is piecewise constant in w/);
    expect(model.w).toBe(1);
    expect(() => new NWKernelRegression(model.backend, { kernel: 'epanechikov' as never })).toThrow(/option "kernel" must be one of/);
  });
});
