import type { CompactKernel } from '../../args/kernel.js';
import type { PoolCall } from '../../args/pool.js';
import type { Kernels } from '../kernels.js';
import { bmm } from './bmm.js';
import { compactForward, compactLoss } from './compactPool.js';
import { localMomentsRef } from './localMoments.js';
import { poolForward, poolLoss } from './pool.js';
import { poolForwardNd, poolLossNd, scoresNd } from './poolNd.js';
import { gaussianScores, kernelScores } from './scores.js';
import { softmaxRows } from './softmax.js';

/**
 * The plain-JavaScript kernels: float64 arithmetic, float32 results. They are the reference
 * every other backend is tested against (and falls back to where float32 cannot hold a call)
 * and the baseline of every benchmark, so their loops are tight and the fused paths allocate
 * nothing of size nq × nk.
 */
export function createJsKernels(): Kernels {
  return {
    scores(p, w, kernel, out) {
      if (p.d > 1) scoresNd(p, w, kernel, out);
      else if (kernel === 'gaussian') gaussianScores(p.q, p.k, p.nq, p.nk, p.perQuery, w[0], out);
      else kernelScores(p.q, p.k, p.nq, p.nk, p.perQuery, w[0], kernel, out);
      return true;
    },
    softmax: softmaxRows,
    bmm(m, out) {
      bmm(m.a, m.b, m.batch, m.n, m.m, m.p, out);
    },
    pool(p, yHat, weights) {
      if (!isOneDimensional(p)) poolForwardNd(p, yHat, weights);
      else if (p.kernel === 'gaussian') poolForward(p, yHat, weights);
      else compactForward(p, p.kernel as CompactKernel, yHat, weights);
      return true;
    },
    poolLoss(p, targets, yHat, grad) {
      if (!isOneDimensional(p)) return poolLossNd(p, targets, yHat, grad);
      const r = p.kernel === 'gaussian' ? poolLoss(p, targets, yHat) : compactLoss(p, p.kernel as CompactKernel, targets, yHat);
      grad[0] = r.grad;
      return r.loss;
    },
    localMoments(p, slopes, out) {
      localMomentsRef(p, slopes, out);
      return true;
    },
  };
}

/** One feature and one value column: the 1-D kernels' case (pool.ts, compactPool.ts), kept bit for bit. */
export function isOneDimensional(p: Pick<PoolCall, 'd' | 'dv'>): boolean {
  return p.d === 1 && p.dv === 1;
}
