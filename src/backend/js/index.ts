import type { Backend, PoolLossOptions, PoolOptions } from '../types.js';
import { badSoftmaxRow, checkBmm, checkOptions, checkPairs, checkPool, checkSoftmax, checkTargets, checkW } from '../validate.js';
import { bmm } from './bmm.js';
import { poolForward, poolLoss } from './pool.js';
import { gaussianScores } from './scores.js';
import { softmaxRows } from './softmax.js';

/**
 * The plain-JavaScript backend: float64 arithmetic, float32 results. It is the reference
 * every other backend is tested against and the baseline of every benchmark, so its loops
 * are tight and the fused paths allocate nothing of size nq × nk.
 */
export function createJsBackend(): Backend {
  return {
    name: 'js',

    gaussianScores(queries, keys, w = 1) {
      const p = checkPairs(queries, keys);
      const wc = checkW(w);
      const out = new Float32Array(p.nq * p.nk);
      gaussianScores(p.q, p.k, p.nq, p.nk, p.perQuery, wc, out);
      return { data: out, shape: [p.nq, p.nk] };
    },

    softmax(x) {
      const s = checkSoftmax(x);
      const out = new Float32Array(s.x.data.length);
      const bad = softmaxRows(s.x.data, s.rows, s.cols, out);
      if (bad >= 0) throw badSoftmaxRow(bad, s.cols, s.x.data);
      return { data: out, shape: s.x.shape.slice() };
    },

    bmm(a, b) {
      const m = checkBmm(a, b);
      const out = new Float32Array(m.batch * m.n * m.p);
      bmm(m.a, m.b, m.batch, m.n, m.m, m.p, out);
      return { data: out, shape: [m.batch, m.n, m.p] };
    },

    attentionPool(queries, keys, values, w = 1, options?: PoolOptions) {
      const o = checkOptions<PoolOptions>(options, { weights: 'boolean', excludeSelf: 'boolean' }, 'attentionPool');
      const p = checkPool(queries, keys, values, w, o.excludeSelf, 'attentionPool');
      const yHat = new Float32Array(p.nq);
      const weights = o.weights ? new Float32Array(p.nq * p.nk) : null;
      poolForward(p, yHat, weights);
      const result: { yHat: { data: Float32Array; shape: number[] }; weights?: { data: Float32Array; shape: number[] } } = {
        yHat: { data: yHat, shape: [p.nq] },
      };
      if (weights) result.weights = { data: weights, shape: [p.nq, p.nk] };
      return result;
    },

    attentionPoolLoss(queries, keys, values, targets, w, options?: PoolLossOptions) {
      const o = checkOptions<PoolLossOptions>(options, { excludeSelf: 'boolean' }, 'attentionPoolLoss');
      const p = checkPool(queries, keys, values, w, o.excludeSelf, 'attentionPoolLoss');
      const t = checkTargets(targets, p.nq);
      const yHat = new Float32Array(p.nq);
      const { loss, grad } = poolLoss(p, t, yHat);
      return { loss, grad, yHat: { data: yHat, shape: [p.nq] } };
    },
  };
}
