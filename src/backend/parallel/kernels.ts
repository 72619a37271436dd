import { firstNonFinite } from '../../args/finite.js';
import type { PoolCall } from '../../args/pool.js';
import { isOneDimensional } from '../js/kernels.js';
import type { Kernels } from '../kernels.js';
import type { BackendFeatures } from '../types.js';
import { float32Holds, scoreScale } from '../wasm/abi.js';
import type { WasmKernels } from '../wasm/kernels.js';
import { ndCallParams } from '../wasm/ndKernels.js';
import { MIN_SPLIT_QUERIES, runExactPass, type ExactPassRunner } from '../../fast/nd/exactPass.js';
import { exactChunk } from './exactChunks.js';
import { OP_LOSS, OP_POOL, sumTerms, termsPerQuery } from './protocol.js';
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
  readonly localMoments: Kernels['localMoments'];

  constructor(
    private readonly single: WasmKernels,
    private readonly team: Team,
    /** Calls below this many query–key pairs stay on the calling thread. */
    private readonly minPairs: number,
  ) {
    this.scores = single.scores.bind(single);
    this.softmax = single.softmax.bind(single);
    this.bmm = single.bmm.bind(single);
    this.localMoments = single.localMoments.bind(single);
  }

  get threads(): number {
    return this.team.threads;
  }

  features(): BackendFeatures {
    return { ...this.single.features(), threads: this.team.threads };
  }

  memoryBytes(): number {
    return this.single.memoryBytes();
  }

  /** The calling thread's instance's memory (the workers' memories and the shared buffer are never handed out). */
  ownsBuffer(buffer: ArrayBufferLike): boolean {
    return this.single.ownsBuffer(buffer);
  }

  /** Trims the calling thread's instance (the workers' instances keep their memory until close). */
  trim(): Promise<void> {
    return this.single.trim();
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
    const terms = new Float64Array(termsPerQuery(p.d) * p.nq);
    this.team.run(OP_LOSS, p, targets, c, slices, yHat, terms);
    return sumTerms(terms, p.nq, gradient);
  }

  close(): Promise<void> {
    return this.team.close();
  }

  /** The exact pass of the d-dimensional fast path split over the team; null once it is closed. */
  exactNd(): ExactPassRunner | null {
    return this.team.closed ? null : this.runExact;
  }

  /** Chunks each thread ran (0: the caller) in the last exact pass that was split. @internal */
  get exactChunksRun(): readonly number[] {
    return this.chunksRun;
  }

  private chunksRun: number[] = [];

  /** Passes below MIN_SPLIT_QUERIES, and any pass once the team is closed, run on the calling thread. */
  private readonly runExact: ExactPassRunner = (pass) => {
    const m = pass.skip.length;
    if (this.team.closed || this.team.threads < 2 || m < MIN_SPLIT_QUERIES) return runExactPass(pass);
    this.chunksRun = this.team.runExact(pass, exactChunk(m, this.team.threads));
  };

  threadsFor(p: PoolCall): number {
    return this.slices(p, scoreScale(p.w[0]));
  }

  /**
   * How many slices a call gets: 1 (the calling thread alone) for a closed team, a call below
   * minPairs (pairs·d), a 1-D call of another kernel than the Gaussian, and a call float32
   * cannot hold (the single kernels then say so, and the front end takes the float64 path).
   */
  private slices(p: PoolCall, c: number): number {
    if (this.team.closed || p.nq * p.nk * p.d < this.minPairs || !sliceable(p, c)) return 1;
    return Math.min(this.team.threads, p.nq);
  }
}

/**
 * Whether slices can compute a call as the single kernels would: a 1-D call of the Gaussian kernel
 * whose score constant `c` float32 holds (the 1-D slice kernels are the Gaussian's), or a
 * d-dimensional call of any kernel that float32 holds (the conditions of ndKernels.ts's single calls).
 */
export function sliceable(p: PoolCall, c = scoreScale(p.w[0])): boolean {
  if (isOneDimensional(p)) return p.kernel === 'gaussian' && float32Holds(p.q, p.k, c);
  return ndCallParams(p, p.w, p.kernel, 'pool') !== null;
}

const EMPTY = new Float32Array(0);
const NO_TERMS = new Float64Array(0);
