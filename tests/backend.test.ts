// The shared kernel suite: every check here runs over every backend in BACKENDS, against
// independent float64 computations (tests/reference.ts) and the chapter's own values.
import { beforeAll, describe, expect, it } from 'vitest';
import { AttnpoolError } from '../src/errors.js';
import { expectAttnpoolError } from './expectError.js';
import type { Backend } from '../src/backend/types.js';
import { BACKENDS, load } from './backends.js';
import { centralDiff, expectClose, refLeaveOneOut, refLoss, refPool, refScores, refSoftmax, rows, uniform } from './reference.js';

const t = (data: ArrayLike<number>, shape: number[]) => ({ data: Float32Array.from(data), shape });

describe.each(BACKENDS)('$name backend', ({ name, tol }) => {
  let be: Backend;
  beforeAll(async () => {
    be = await load(name);
    expect(be.name).toBe(name);
  });

  describe('gaussianScores', () => {
    it('matches −((q − k)·w)²/2 for shared keys', () => {
      const q = uniform(7, 0, 5, 1);
      const k = uniform(11, 0, 5, 2);
      const s = be.gaussianScores(t(q, [7]), t(k, [11]), 1.7);
      expect(s.shape).toEqual([7, 11]);
      expectClose(s.data, refScores(q, [Array.from(k)], 1.7).flat(), 1e-5, 1e-6, 'scores');
    });

    it('uses row i of per-query keys for query i, and w = 1 by default', () => {
      const q = uniform(5, 0, 5, 3);
      const k = uniform(5 * 9, 0, 5, 4);
      const s = be.gaussianScores(t(q, [5]), t(k, [5, 9]));
      expect(s.shape).toEqual([5, 9]);
      expectClose(s.data, refScores(q, rows(k, 5, 9), 1).flat(), 1e-5, 1e-6, 'scores');
    });
  });

  describe('softmax', () => {
    it('rows sum to 1 and match the reference along the last axis of a 3-D tensor', () => {
      const x = uniform(2 * 3 * 13, -20, 20, 5);
      const s = be.softmax(t(x, [2, 3, 13]));
      expect(s.shape).toEqual([2, 3, 13]);
      const want = rows(x, 6, 13).map(refSoftmax);
      expectClose(s.data, want.flat(), tol.weight, 0, 'softmax');
      for (let r = 0; r < 6; r++) {
        const sum = Array.from(s.data.subarray(r * 13, r * 13 + 13)).reduce((a, b) => a + b, 0);
        expect(sum).toBeCloseTo(1, 5);
      }
    });

    it('is stable for huge scores and gives −Infinity entries weight 0', () => {
      const s = be.softmax(t([1000, 1001, -Infinity, 999, -1e30, 88.5, 89.5, 87.5], [2, 4]));
      expect(Array.from(s.data).every(Number.isFinite)).toBe(true);
      // Both rows are e^[1, 2, 0] (up to a shift) around a masked entry: [e, e², 0, 1] / (1 + e + e²).
      const e = Math.E;
      const z = 1 + e + e * e;
      expectClose(s.data, [e / z, (e * e) / z, 0, 1 / z, 0, e / z, (e * e) / z, 1 / z], tol.weight, 0, 'softmax');
    });

    it('rejects NaN, +Infinity and rows that are entirely −Infinity, naming the row', () => {
      expect(() => be.softmax(t([0, 1, NaN, 2], [2, 2]))).toThrow(/row 1/);
      expect(() => be.softmax(t([0, Infinity], [1, 2]))).toThrow(AttnpoolError);
      expect(() => be.softmax(t([0, 1, -Infinity, -Infinity], [2, 2]))).toThrow(/row 1 is entirely -Infinity/);
    });
  });

  describe('bmm', () => {
    it("reproduces the chapter's shape demo: ones(2,1,4) × ones(2,4,6) → [2,1,6] of 4s", () => {
      const c = be.bmm(t(new Array(8).fill(1), [2, 1, 4]), t(new Array(48).fill(1), [2, 4, 6]));
      expect(c.shape).toEqual([2, 1, 6]);
      expect(Array.from(c.data)).toEqual(new Array(12).fill(4));
    });

    it("reproduces the chapter's weighted averages 4.5 and 14.5", () => {
      const weights = t(new Array(20).fill(0.1), [2, 1, 10]);
      const values = t(
        Array.from({ length: 20 }, (_, i) => i),
        [2, 10, 1],
      );
      const c = be.bmm(weights, values);
      expect(c.shape).toEqual([2, 1, 1]);
      expectClose(c.data, [4.5, 14.5], 1e-5, 1e-6, 'bmm');
    });

    it('matches a naive triple loop on odd sizes', () => {
      const [B, n, m, p] = [3, 5, 7, 9];
      const a = uniform(B * n * m, -1, 1, 6);
      const b = uniform(B * m * p, -1, 1, 7);
      const c = be.bmm(t(a, [B, n, m]), t(b, [B, m, p]));
      const want: number[] = [];
      for (let s = 0; s < B; s++)
        for (let i = 0; i < n; i++)
          for (let j = 0; j < p; j++) {
            let acc = 0;
            for (let kk = 0; kk < m; kk++) acc += a[s * n * m + i * m + kk] * b[s * m * p + kk * p + j];
            want.push(acc);
          }
      expectClose(c.data, want, 1e-5, 1e-5, 'bmm');
    });
  });

  describe('attentionPool', () => {
    const nq = 13;
    const nk = 21;
    const q = uniform(nq, 0, 5, 8);
    const k = uniform(nk, 0, 5, 9);
    const v = uniform(nk, -1, 4, 10);

    it('matches pooling with the full weight matrix, shared keys, several w', () => {
      for (const w of [0.3, 1, 4.2, 23]) {
        const got = be.attentionPool(t(q, [nq]), t(k, [nk]), t(v, [nk]), w, { weights: true });
        const want = refPool(q, [Array.from(k)], [Array.from(v)], w);
        expect(got.yHat.shape).toEqual([nq]);
        expect(got.weights?.shape).toEqual([nq, nk]);
        expectClose(got.yHat.data, want.yHat, ...tol.value, `yHat (w=${w})`);
        expectClose(got.weights!.data, want.weights.flat(), tol.weight, 0, `weights (w=${w})`);
      }
    });

    it('returns no weights unless asked, and defaults to w = 1', () => {
      const got = be.attentionPool(t(q, [nq]), t(k, [nk]), t(v, [nk]));
      expect(got.weights).toBeUndefined();
      expectClose(got.yHat.data, refPool(q, [Array.from(k)], [Array.from(v)], 1).yHat, ...tol.value, 'yHat');
    });

    it('uses row i of per-query keys and values for query i', () => {
      const kk = uniform(nq * 8, 0, 5, 11);
      const vv = uniform(nq * 8, -2, 2, 12);
      const got = be.attentionPool(t(q, [nq]), t(kk, [nq, 8]), t(vv, [nq, 8]), 2.5, { weights: true });
      const want = refPool(q, rows(kk, nq, 8), rows(vv, nq, 8), 2.5);
      expectClose(got.yHat.data, want.yHat, ...tol.value, 'yHat');
      expectClose(got.weights!.data, want.weights.flat(), tol.weight, 0, 'weights');
    });

    it("excludeSelf equals pooling over the chapter's explicit leave-one-out [n, n−1] matrices", () => {
      const x = uniform(17, 0, 5, 13);
      const y = uniform(17, -1, 4, 14);
      const got = be.attentionPool(t(x, [17]), t(x, [17]), t(y, [17]), 3, { excludeSelf: true, weights: true });
      const loo = be.attentionPool(t(x, [17]), t(refLeaveOneOut(x).flat(), [17, 16]), t(refLeaveOneOut(y).flat(), [17, 16]), 3);
      expectClose(got.yHat.data, loo.yHat.data, ...tol.value, 'yHat vs explicit leave-one-out');
      expectClose(got.yHat.data, refPool(x, refLeaveOneOut(x), refLeaveOneOut(y), 3).yHat, ...tol.value, 'yHat vs reference');
      for (let i = 0; i < 17; i++) expect(got.weights!.data[i * 17 + i]).toBe(0);
    });

    it('accepts plain arrays for every tensor argument', () => {
      const got = be.attentionPool([1, 2, 3], [1, 2, 3], [10, 20, 30], 50);
      expectClose(got.yHat.data, [10, 20, 30], 1e-4, 1e-6, 'nearest-key limit');
    });
  });

  describe('attentionPoolLoss', () => {
    const n = 19;
    const x = uniform(n, 0, 5, 15);
    const y = Float32Array.from(x, (xi) => 2 * Math.sin(xi) + xi ** 0.8);
    const qs = uniform(n, 0, 5, 16);

    it('gives Σ(ŷ − t)² and the gradient of the reference loss by central differences', () => {
      for (const w of [0.4, 1, 3, 12]) {
        const got = be.attentionPoolLoss(t(qs, [n]), t(x, [n]), t(y, [n]), t(y, [n]), w);
        const f = (ww: number) => refLoss(qs, [Array.from(x)], [Array.from(y)], y, ww);
        expect(Math.abs(got.loss - f(w))).toBeLessThanOrEqual(tol.loss * f(w) + 1e-12);
        const fd = centralDiff(f, w, 1e-5 * Math.max(1, w));
        expect(Math.abs(got.grad - fd)).toBeLessThanOrEqual(Math.max(tol.grad[0] + tol.grad[1] * Math.abs(fd), 1e-6 * (1 + Math.abs(fd))));
        expectClose(got.yHat.data, refPool(qs, [Array.from(x)], [Array.from(y)], w).yHat, ...tol.value, 'yHat');
      }
    });

    it('excludeSelf equals the explicit leave-one-out loss and gradient', () => {
      const w = 2.2;
      const fused = be.attentionPoolLoss(t(x, [n]), t(x, [n]), t(y, [n]), t(y, [n]), w, { excludeSelf: true });
      const f = (ww: number) => refLoss(x, refLeaveOneOut(x), refLeaveOneOut(y), y, ww);
      expect(Math.abs(fused.loss - f(w))).toBeLessThanOrEqual(tol.loss * f(w));
      const fd = centralDiff(f, w);
      expect(Math.abs(fused.grad - fd)).toBeLessThanOrEqual(Math.max(tol.grad[0] + tol.grad[1] * Math.abs(fd), 1e-6 * (1 + Math.abs(fd))));
      const explicit = be.attentionPoolLoss(t(x, [n]), t(refLeaveOneOut(x).flat(), [n, n - 1]), t(refLeaveOneOut(y).flat(), [n, n - 1]), t(y, [n]), w);
      expect(Math.abs(fused.loss - explicit.loss)).toBeLessThanOrEqual(tol.loss * explicit.loss * 2);
    });

    it('has zero gradient at w = 0 and the average-pooling loss there', () => {
      const got = be.attentionPoolLoss(t(qs, [n]), t(x, [n]), t(y, [n]), t(y, [n]), 0);
      const mean = y.reduce((a, b) => a + b, 0) / n;
      const want = y.reduce((s, yi) => s + (mean - yi) ** 2, 0);
      expect(got.grad).toBe(0);
      expect(Math.abs(got.loss - want)).toBeLessThanOrEqual(1e-5 * want);
    });
  });

  describe('argument errors name the argument and the expected shape', () => {
    const q3 = t([1, 2, 3], [3]);
    const k4 = t([1, 2, 3, 4], [4]);
    const v4 = t([1, 2, 3, 4], [4]);
    const cases: [string, () => unknown, RegExp][] = [
      ['scores: queries rank 3', () => be.gaussianScores(t([1, 2], [1, 2, 1]), k4), /queries: expected shape \[nq\], got \[1, 2, 1\]/],
      ['scores: keys rank 3', () => be.gaussianScores(q3, t([1, 2, 3], [1, 1, 3])), /keys: expected shape \[nk\] or \[nq, nk\]/],
      ['scores: per-query keys with wrong rows', () => be.gaussianScores(q3, t([1, 2, 3, 4], [2, 2])), /keys: expected \[nq, nk\] with nq = 3/],
      ['scores: w NaN', () => be.gaussianScores(q3, k4, NaN), /w: expected a finite number/],
      ['softmax: empty', () => be.softmax(t([], [0])), /x: expected at least one element/],
      ['bmm: a rank 2', () => be.bmm(t([1, 2], [1, 2]), t([1, 2], [1, 2, 1])), /a: expected shape \[batch, n, m\]/],
      ['bmm: b rank 2', () => be.bmm(t([1, 2], [1, 1, 2]), t([1, 2], [2, 1])), /b: expected shape \[batch, m, p\]/],
      ['bmm: inner dims disagree', () => be.bmm(t([1, 2], [1, 1, 2]), t([1, 2, 3], [1, 3, 1])), /b: expected shape \[1, 2, p\]/],
      ['bmm: batch disagrees', () => be.bmm(t([1, 2], [1, 1, 2]), t([1, 2, 3, 4], [2, 2, 1])), /b: expected shape \[1, 2, p\]/],
      ['pool: queries [nq, d] with keys [nk]', () => be.attentionPool(t([1], [1, 1]), k4, v4), /keys: expected shape \[nk, d\]/],
      ['pool: keys empty', () => be.attentionPool(q3, t([], [0]), t([], [0])), /keys: expected at least one element/],
      ['pool: values length', () => be.attentionPool(q3, k4, t([1, 2, 3], [3])), /values: expected the shape of keys \[4\], got \[3\]/],
      [
        'pool: values per-query shape',
        () => be.attentionPool(q3, t(new Array(12).fill(0), [3, 4]), v4),
        /values: expected the shape of keys \[3, 4\], got \[4\]/,
      ],
      [
        'pool: data/shape disagree',
        () => be.attentionPool(q3, { data: new Float32Array(3), shape: [4] }, v4),
        /keys: data has 3 elements but shape \[4\] needs 4/,
      ],
      ['pool: NaN in values', () => be.attentionPool(q3, k4, t([1, NaN, 3, 4], [4])), /values: expected finite numbers, got NaN at index 1/],
      ['pool: negative w', () => be.attentionPool(q3, k4, v4, -1), /w: expected a finite number >= 0, got -1/],
      ['pool: string w', () => be.attentionPool(q3, k4, v4, '2' as unknown as number), /w: expected a finite number >= 0, got the string "2"/],
      ['pool: unknown option', () => be.attentionPool(q3, k4, v4, 1, { weigths: true } as never), /unknown option "weigths"/],
      [
        'pool: excludeSelf nq != nk',
        () => be.attentionPool(q3, k4, v4, 1, { excludeSelf: true }),
        /excludeSelf needs as many queries as keys, got nq = 3 and nk = 4/,
      ],
      ['pool: queries not numeric', () => be.attentionPool('abc' as never, k4, v4), /queries: expected a Tensor/],
      ['loss: targets length', () => be.attentionPoolLoss(q3, k4, v4, t([1, 2], [2]), 1), /targets: expected shape \[nq\] = \[3\]/],
      [
        'loss: Infinity in targets',
        () => be.attentionPoolLoss(q3, k4, v4, t([1, Infinity, 2], [3]), 1),
        /targets: expected finite numbers, got Infinity at index 1/,
      ],
      ['loss: missing w', () => be.attentionPoolLoss(q3, k4, v4, t([1, 2, 3], [3]), undefined as unknown as number), /w: expected a finite number/],
      ['loss: unknown option', () => be.attentionPoolLoss(q3, k4, v4, t([1, 2, 3], [3]), 1, { weights: true } as never), /unknown option "weights"/],
    ];
    it.each(cases)('%s', (_label, call, message) => {
      expectAttnpoolError(call, undefined, message);
      // The backend is unharmed: the next valid call is still right.
      const ok = be.attentionPool(q3, k4, v4, 1);
      expectClose(ok.yHat.data, refPool([1, 2, 3], [[1, 2, 3, 4]], [[1, 2, 3, 4]], 1).yHat, ...tol.value, 'after error');
    });
  });
});
