import { nearestMeans } from './looLoss.js';

/**
 * The boxcar kernel's leave-one-out loss is a step function of w: point j is in point i's
 * window while w·|x_i − x_j| ≤ 1, so the loss changes only at w = 1/|x_i − x_j|. Sweeping the
 * pairs from the farthest to the nearest, each leaving pair updates two running sums in O(1),
 * which gives the loss on every interval exactly in O(n² log n) (the sort), instead of O(n²)
 * per interval.
 */
export interface BoxcarStep {
  /** the loss holds for w above this (exclusive: at w = from the farther pairs are still inside; 0 for the first step, which holds at w = 0 too) … */
  from: number;
  /** … up to this w (inclusive; Infinity for the last step) */
  to: number;
  loss: number;
}

export function boxcarPath(x: Float64Array, y: Float64Array): BoxcarStep[] {
  const n = x.length;
  // Pairs by distance, farthest first; pairs at distance 0 never leave.
  const pairs: { d: number; i: number; j: number }[] = [];
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) pairs.push({ d: Math.abs(x[i] - x[j]), i, j });
  pairs.sort((a, b) => b.d - a.d);
  // At w → 0 every other point is in every window.
  const count = new Float64Array(n).fill(n - 1);
  let total = 0;
  for (let j = 0; j < n; j++) total += y[j];
  const sum = Float64Array.from(y, (yi) => total - yi);
  const nearest = nearestMeans(x, y);
  const term = (i: number) => ((count[i] > 0 ? sum[i] / count[i] : nearest[i]) - y[i]) ** 2;
  const terms = Float64Array.from({ length: n }, (_, i) => term(i));
  let loss = terms.reduce((a, b) => a + b, 0);
  const steps: BoxcarStep[] = [];
  let from = 0;
  for (let p = 0; p < pairs.length; ) {
    const d = pairs[p].d;
    if (d === 0) break;
    const to = 1 / d; // the pair is inside at w = 1/d and outside just above it
    steps.push({ from, to, loss });
    // every pair at this distance leaves at the same w
    for (; p < pairs.length && pairs[p].d === d; p++) {
      const { i, j } = pairs[p];
      count[i]--;
      sum[i] -= y[j];
      count[j]--;
      sum[j] -= y[i];
      for (const k of [i, j]) {
        const t = term(k);
        loss += t - terms[k];
        terms[k] = t;
      }
    }
    from = to;
  }
  steps.push({ from, to: Infinity, loss });
  return steps;
}
