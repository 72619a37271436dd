import { AttnpoolError } from '../errors.js';
import { checkKernel, type CompactKernel, type KernelName } from '../args/kernel.js';
import { compactLoss, nearest } from '../backend/js/compactPool.js';
import { poolLoss, type RealPoolCall } from '../backend/js/pool.js';
import { firstNonFinite, requireNonEmpty } from '../args/finite.js';
import { formatShape, type TensorInput } from '../tensor.js';
import { toTensor } from '../args/tensor.js';

/**
 * A data vector [n] in float64: float64 arrays and plain arrays keep every bit (distinct
 * inputs must stay distinct, or the kinks and gaps of the loss move); float32 tensors widen.
 */
function vector(value: TensorInput, name: string): Float64Array {
  const t = toTensor(value, name);
  if (t.shape.length !== 1) throw new AttnpoolError('E_SHAPE', `${name}: expected shape [n], got ${formatShape(t.shape)}`);
  requireNonEmpty(t, name);
  const exact = value instanceof Float64Array || Array.isArray(value) ? Float64Array.from(value as ArrayLike<number>) : Float64Array.from(t.data);
  const bad = firstNonFinite(exact);
  if (bad >= 0) throw new AttnpoolError('E_NONFINITE', `${name}: expected finite numbers, got ${exact[bad]} at index ${bad}`);
  return exact;
}

/**
 * The leave-one-out squared error of Nadaraya–Watson regression as a function of w, in
 * float64 (on the data as given: float64 and plain arrays are not rounded to float32): L(w) = Σ_i (ŷ_{−i}(x_i) − y_i)², ŷ_{−i} pooling every point but i. Each evaluation
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
    this.x = vector(x, 'x');
    this.y = vector(y, 'y');
    this.n = this.x.length;
    if (this.y.length !== this.n) throw new AttnpoolError('E_SHAPE', `y: expected shape [${this.n}] (one per x), got [${this.y.length}]`);
    if (this.n < 2) throw new AttnpoolError('E_SHAPE', `${method}: x: expected at least 2 points (leave-one-out keeps n − 1), got ${this.n}`);
    this.yHat = new Float64Array(this.n);
  }

  /** L(w) and dL/dw (0 where the kernel has no derivative in w). */
  at(w: number): { loss: number; grad: number } {
    const p: RealPoolCall = {
      q: this.x,
      k: this.x,
      v: this.y,
      nq: this.n,
      nk: this.n,
      d: 1,
      dv: 1,
      valueColumns: false,
      perQuery: false,
      excludeSelf: true,
      w: Float64Array.of(w),
      wVector: false,
      kernel: this.kernel,
    };
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
  return Float64Array.from(x, (xi, i) => nearest(xi, x, y, 0, x.length, i).mean);
}
