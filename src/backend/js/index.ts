import { fastPool, fastPoolLoss, useFast } from '../method.js';
import { checkKernel } from '../kernel.js';
import type { Backend, PoolLossOptions, PoolOptions, ScoreOptions } from '../types.js';
import { badSoftmaxRow, checkBmm, checkOptions, checkPairs, checkPool, checkSoftmax, checkTargets, checkW } from '../validate.js';
import { bmm } from './bmm.js';
import { compactForward, compactLoss } from './compactPool.js';
import { poolForward, poolLoss } from './pool.js';
import { gaussianScores, kernelScores } from './scores.js';
import { softmaxRows } from './softmax.js';

/**
 * The plain-JavaScript backend: float64 arithmetic, float32 results. It is the reference
 * every other backend is tested against and the baseline of every benchmark, so its loops
 * are tight and the fused paths allocate nothing of size nq × nk.
 */
export function createJsBackend(): Backend {
  return {
    name: 'js',

    gaussianScores(queries, keys, w = 1, options?: ScoreOptions) {
      const o = checkOptions<ScoreOptions>(options, { kernel: 'string' }, 'gaussianScores');
      const kernel = checkKernel(o.kernel, 'gaussianScores');
      const p = checkPairs(queries, keys);
      const wc = checkW(w);
      const out = new Float32Array(p.nq * p.nk);
      if (kernel === 'gaussian') gaussianScores(p.q, p.k, p.nq, p.nk, p.perQuery, wc, out);
      else kernelScores(p.q, p.k, p.nq, p.nk, p.perQuery, wc, kernel, out);
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
      const o = checkOptions<PoolOptions>(options, { weights: 'boolean', excludeSelf: 'boolean', kernel: 'string', method: 'string' }, 'attentionPool');
      const kernel = checkKernel(o.kernel, 'attentionPool');
      const p = checkPool(queries, keys, values, w, o.excludeSelf, 'attentionPool');
      if (useFast(o.method, p, kernel, !!o.weights, 'attentionPool')) return fastPool(p);
      const yHat = new Float32Array(p.nq);
      const weights = o.weights ? new Float32Array(p.nq * p.nk) : null;
      if (kernel === 'gaussian') poolForward(p, yHat, weights);
      else compactForward(p, kernel, yHat, weights);
      const result: { yHat: { data: Float32Array; shape: number[] }; weights?: { data: Float32Array; shape: number[] } } = {
        yHat: { data: yHat, shape: [p.nq] },
      };
      if (weights) result.weights = { data: weights, shape: [p.nq, p.nk] };
      return result;
    },

    attentionPoolLoss(queries, keys, values, targets, w, options?: PoolLossOptions) {
      const o = checkOptions<PoolLossOptions>(options, { excludeSelf: 'boolean', kernel: 'string', method: 'string' }, 'attentionPoolLoss');
      const kernel = checkKernel(o.kernel, 'attentionPoolLoss');
      const p = checkPool(queries, keys, values, w, o.excludeSelf, 'attentionPoolLoss');
      const t = checkTargets(targets, p.nq);
      if (useFast(o.method, p, kernel, false, 'attentionPoolLoss')) return fastPoolLoss(p, t);
      const yHat = new Float32Array(p.nq);
      const { loss, grad } = kernel === 'gaussian' ? poolLoss(p, t, yHat) : compactLoss(p, kernel, t, yHat);
      return { loss, grad, yHat: { data: yHat, shape: [p.nq] } };
    },
  };
}
