import type { CompactKernel } from '../../args/kernel.js';
import type { RealArray } from '../../tensor.js';
import { kernelValue } from './kernelValue.js';

/**
 * Gaussian attention scores s_ij = −((q_i − k_ij)·w)²/2 in float64.
 * Keys are one shared row (perQuery false) or one row per query.
 */
export function gaussianScores(q: RealArray, k: RealArray, nq: number, nk: number, perQuery: boolean, w: number, out: RealArray): void {
  const c = 0.5 * w * w;
  for (let i = 0; i < nq; i++) {
    const qi = q[i];
    const row = i * nk;
    const keyRow = perQuery ? row : 0;
    for (let j = 0; j < nk; j++) {
      const d = qi - k[keyRow + j];
      out[row + j] = -c * d * d;
    }
  }
}

/** Scores log K(w·(q_i − k_ij)) of a kernel other than the Gaussian: −Infinity where K = 0. */
export function kernelScores(q: RealArray, k: RealArray, nq: number, nk: number, perQuery: boolean, w: number, kernel: CompactKernel, out: RealArray): void {
  for (let i = 0; i < nq; i++) {
    const qi = q[i];
    const row = i * nk;
    const keyRow = perQuery ? row : 0;
    for (let j = 0; j < nk; j++) out[row + j] = Math.log(kernelValue(kernel, w * (qi - k[keyRow + j])));
  }
}
