import type { CompactKernel } from '../../args/kernel.js';
import type { Kernels } from '../kernels.js';
import { bmm } from './bmm.js';
import { compactForward, compactLoss } from './compactPool.js';
import { poolForward, poolLoss } from './pool.js';
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
      if (kernel === 'gaussian') gaussianScores(p.q, p.k, p.nq, p.nk, p.perQuery, w, out);
      else kernelScores(p.q, p.k, p.nq, p.nk, p.perQuery, w, kernel, out);
      return true;
    },
    softmax: softmaxRows,
    bmm(m, out) {
      bmm(m.a, m.b, m.batch, m.n, m.m, m.p, out);
    },
    pool(p, yHat, weights) {
      if (p.kernel === 'gaussian') poolForward(p, yHat, weights);
      else compactForward(p, p.kernel as CompactKernel, yHat, weights);
      return true;
    },
    poolLoss(p, targets, yHat) {
      return p.kernel === 'gaussian' ? poolLoss(p, targets, yHat) : compactLoss(p, p.kernel as CompactKernel, targets, yHat);
    },
  };
}
