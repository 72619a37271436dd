import { firstNonFinite } from '../../args/finite.js';
import type { PoolCall } from '../../args/pool.js';
import { isOneDimensional } from '../js/kernels.js';
import type { Kernels } from '../kernels.js';
import { scoreScale } from '../wasm/abi.js';
import type { WasmKernels } from '../wasm/kernels.js';
import { OP_LOSS, OP_POOL } from './protocol.js';
import type { Team } from './team.js';

/**
 * The WASM kernels with dense Gaussian pooling split over a Team of threads. Everything else
 * (scores, softmax, bmm, `weights: true`, another kernel, calls below minPairs, a closed team)
 * runs on `single`, the calling thread's own kernels. A sliced call returns what the single
 * kernels would, bit for bit (see README.md here), so it reports a float32 overflow the same
 * way and the front end takes the float64 path.
 */
export class ThreadedKernels implements Kernels {
  readonly scores: Kernels['scores'];
  readonly softmax: Kernels['softmax'];
  readonly bmm: Kernels['bmm'];

  constructor(
    private readonly single: WasmKernels,
    private readonly team: Team,
    /** Calls below this many query–key pairs stay on the calling thread. */
    private readonly minPairs: number,
  ) {
    this.scores = single.scores.bind(single);
    this.softmax = single.softmax.bind(single);
    this.bmm = single.bmm.bind(single);
  }

  get threads(): number {
    return this.team.threads;
  }

  memoryBytes(): number {
    return this.single.memoryBytes();
  }

  pool(p: PoolCall, yHat: Float32Array, weights: Float32Array | null): boolean {
    const c = scoreScale(p.w[0]);
    const slices = weights ? 1 : this.slices(p, c);
    if (slices < 2) return this.single.pool(p, yHat, weights);
    this.team.run(OP_POOL, p, EMPTY, c, slices, yHat, NO_TERMS);
    return firstNonFinite(yHat) < 0;
  }

  poolLoss(p: PoolCall, targets: Float32Array, yHat: Float32Array, gradient: Float64Array): number | null {
    const c = scoreScale(p.w[0]);
    const slices = this.slices(p, c);
    if (slices < 2) return this.single.poolLoss(p, targets, yHat, gradient);
    const terms = new Float64Array(2 * p.nq);
    this.team.run(OP_LOSS, p, targets, c, slices, yHat, terms);
    // The kernel's own loop order: one float64 running sum from 0, query after query.
    let loss = 0;
    let grad = 0;
    for (let i = 0; i < p.nq; i++) {
      loss += terms[2 * i];
      grad += terms[2 * i + 1];
    }
    gradient[0] = grad;
    return Number.isFinite(loss) && Number.isFinite(grad) ? loss : null;
  }

  close(): Promise<void> {
    return this.team.close();
  }

  /** How many slices a call gets: 1 (the calling thread alone) unless it is a large dense 1-D Gaussian call. */
  private slices(p: PoolCall, c: number): number {
    if (!isOneDimensional(p) || p.kernel !== 'gaussian' || !Number.isFinite(c) || this.team.closed || p.nq * p.nk < this.minPairs) return 1;
    return Math.min(this.team.threads, p.nq);
  }
}

const EMPTY = new Float32Array(0);
const NO_TERMS = new Float64Array(0);
