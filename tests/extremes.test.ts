// Numerical extremes: no NaN, no Infinity, and results equal to the float64 reference or to
// its known limit (the nearest key's value for huge scores, the average for w = 0).
import { beforeAll, describe, expect, it } from 'vitest';
import { createJsBackend } from '../src/backend/js/index.js';
import type { Backend } from '../src/backend/types.js';
import { BACKENDS, load } from './backends.js';
import { expectClose, uniform } from './reference.js';

const reference = createJsBackend();
const allFinite = (a: ArrayLike<number>) => Array.from(a).every(Number.isFinite);

describe.each(BACKENDS)('extremes on $name', ({ name, tol }) => {
  let be: Backend;
  beforeAll(async () => {
    be = await load(name);
  });

  it('|w·(q − k)| up to 1e4: all weight on the nearest key', () => {
    const q = [0.1, 2.02, 4.9];
    const k = [0, 1, 2, 3, 4, 5];
    const v = [10, 11, 12, 13, 14, 15];
    const r = be.attentionPool(q, k, v, 1e4, { weights: true });
    expect(Array.from(r.yHat.data)).toEqual([10, 12, 15]);
    expect(allFinite(r.weights!.data)).toBe(true);
    expect(r.weights!.data[0]).toBe(1);
    const l = be.attentionPoolLoss(q, k, v, [10, 12, 15], 1e4);
    expect(l.loss).toBe(0);
    expect(Number.isFinite(l.grad)).toBe(true);
  });

  it('keys far from every query (every score below −1e5) still give a weighted average', () => {
    const q = uniform(9, 0, 1, 1);
    const k = uniform(13, 1000, 1001, 2);
    const v = uniform(13, -1, 1, 3);
    const r = be.attentionPool(q, k, v, 1, { weights: true });
    const ref = reference.attentionPool(q, k, v, 1, { weights: true });
    expect(allFinite(r.yHat.data)).toBe(true);
    expectClose(r.yHat.data, ref.yHat.data, ...tol.value, 'yHat');
    expectClose(r.weights!.data, ref.weights!.data, tol.weight, 0, 'weights');
  });

  it('duplicate keys share their weight equally', () => {
    const r = be.attentionPool([0.5], [1, 1, 1, 7], [3, 6, 9, 100], 40, { weights: true });
    expectClose(r.weights!.data, [1 / 3, 1 / 3, 1 / 3, 0], tol.weight, 0, 'weights');
    expectClose(r.yHat.data, [6], ...tol.value, 'yHat');
  });

  it('a single key and a single query', () => {
    expect(Array.from(be.attentionPool([3], [-2], [7.5]).yHat.data)).toEqual([7.5]);
    const l = be.attentionPoolLoss([3], [-2], [7.5], [7], 2);
    expect(l.loss).toBeCloseTo(0.25, 6);
    expect(l.grad).toBe(0);
  });

  it('values of magnitude 1e30 pool without overflow', () => {
    const q = uniform(17, 0, 5, 4);
    const k = uniform(33, 0, 5, 5);
    const v = Float32Array.from(uniform(33, -1, 1, 6), (x) => x * 1e30);
    const r = be.attentionPool(q, k, v, 1.5);
    const ref = reference.attentionPool(q, k, v, 1.5);
    expect(allFinite(r.yHat.data)).toBe(true);
    expectClose(r.yHat.data, ref.yHat.data, 1e-5 * 1e30, tol.value[1], 'yHat');
  });

  it('w = 0 gives uniform weights: average pooling', () => {
    const k = uniform(23, 0, 5, 7);
    const v = uniform(23, -2, 2, 8);
    const r = be.attentionPool([0, 100, -1e6], k, v, 0, { weights: true });
    const mean = v.reduce((a, b) => a + b, 0) / 23;
    expectClose(r.yHat.data, [mean, mean, mean], ...tol.value, 'yHat');
    expectClose(r.weights!.data, new Array(69).fill(1 / 23), tol.weight, 0, 'weights');
  });

  it('softmax of scores near ±1e30 and −Infinity stays finite and exact', () => {
    const s = be.softmax({ data: Float32Array.from([1e30, 1e30, -1e30, -Infinity]), shape: [1, 4] });
    expectClose(s.data, [0.5, 0.5, 0, 0], tol.weight, 0, 'softmax');
  });

  it('100,000 keys at w = 0.1 agree with float64 to 2e-5 relative (error does not grow with n)', () => {
    const n = 100_000;
    const q = uniform(8, 0, 5, 9);
    const k = uniform(n, 0, 5, 10);
    const v = uniform(n, 1, 3, 11);
    const r = be.attentionPool(q, k, v, 0.1);
    const ref = reference.attentionPool(q, k, v, 0.1);
    expectClose(r.yHat.data, ref.yHat.data, 0, 2e-5, 'yHat');
    const l = be.attentionPoolLoss(
      q,
      k,
      v,
      ref.yHat.data.map((y) => y + 0.5),
      0.1,
    );
    const lr = reference.attentionPoolLoss(
      q,
      k,
      v,
      ref.yHat.data.map((y) => y + 0.5),
      0.1,
    );
    expect(Math.abs(l.loss - lr.loss) / lr.loss).toBeLessThan(2e-5);
  });
});
