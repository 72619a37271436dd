import { AttnpoolError } from '../errors.js';
import { checkKernel, type CompactKernel, type KernelName } from '../backend/kernel.js';
import { compactLoss } from '../backend/js/compactPool.js';
import { poolLoss, type PoolData } from '../backend/js/pool.js';
import { checkPool } from '../backend/validate.js';
import type { TensorInput } from '../tensor.js';

/**
 * The leave-one-out squared error of Nadaraya–Watson regression as a function of w, in
 * float64: L(w) = Σ_i (ŷ_{−i}(x_i) − y_i)², ŷ_{−i} pooling every point but i. Each evaluation
 * is one fused pass over the n² pairs (no n × n memory).
 */
export class LooLoss {
  readonly kernel: KernelName;
  readonly n: number;
  readonly x: Float64Array;
  readonly y: Float64Array;
  private readonly yHat: Float64Array;

  constructor(x: TensorInput, y: TensorInput, kernel: unknown, method: string) {
    this.kernel = checkKernel(kernel, method);
    const p = checkPool(x, x, y, 1, false, method);
    if (p.nk < 2) throw new AttnpoolError('E_SHAPE', `${method}: x: expected at least 2 points (leave-one-out keeps n − 1), got ${p.nk}`);
    this.n = p.nk;
    this.x = Float64Array.from(p.k);
    this.y = Float64Array.from(p.v);
    this.yHat = new Float64Array(this.n);
  }

  /** L(w) and dL/dw (0 where the kernel has no derivative in w). */
  at(w: number): { loss: number; grad: number } {
    const p: PoolData = { q: this.x, k: this.x, v: this.y, nq: this.n, nk: this.n, perQuery: false, excludeSelf: true, w };
    if (this.kernel === 'gaussian') return poolLoss(p, this.y, this.yHat);
    return compactLoss(p, this.kernel as CompactKernel, this.y, this.yHat);
  }

  /**
   * The limit w → ∞: each point predicted by its nearest other point (the mean of ties), the
   * same for every kernel.
   */
  atInfinity(): number {
    const nearest = nearestMeans(this.x, this.y);
    return nearest.reduce((s, m, i) => s + (m - this.y[i]) ** 2, 0);
  }
}

/** For each point, the mean y of its nearest other points (O(n²), as every evaluation here). */
export function nearestMeans(x: Float64Array, y: Float64Array): Float64Array {
  const n = x.length;
  return Float64Array.from({ length: n }, (_, i) => {
    let d2 = Infinity;
    let s = 0;
    let c = 0;
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const dd = (x[i] - x[j]) ** 2;
      if (dd < d2) [d2, s, c] = [dd, 0, 0];
      if (dd === d2) [s, c] = [s + y[j], c + 1];
    }
    return s / c;
  });
}
