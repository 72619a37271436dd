import { useFast } from '../method.js';
import type { Backend, PoolLossOptions, PoolLossResult, PoolOptions, PoolResult } from '../types.js';
import { checkOptions, checkPool, checkTargets, firstNonFinite } from '../validate.js';
import { OP_LOSS, OP_POOL } from './protocol.js';
import type { Team } from './team.js';

const LOG2E = Math.LOG2E;
/**
 * The options this backend slices; any other (a newer option) goes to the single-thread backend.
 * `method` is sliced when the call stays dense; `kernel` only as the Gaussian (see sliceable).
 */
const SLICED = new Set(['weights', 'excludeSelf', 'method', 'kernel']);
const EMPTY = new Float32Array(0);

/**
 * A Backend whose fused pooling runs on several threads. gaussianScores, softmax and bmm, and
 * every pooling call it does not slice (below minPairs, `weights: true`, a kernel other than
 * the Gaussian, the fast method, an option it does not know, a float32 overflow) go to `single`, an
 * ordinary WASM backend on the calling thread, with the original arguments: its checks and
 * results are then the WASM backend's by construction. A sliced call runs the same checks
 * first, so a bad call throws the same AttnpoolError before shared memory is touched.
 */
export class ParallelBackend implements Backend {
  readonly name = 'wasm' as const;

  constructor(
    private readonly single: Backend,
    private readonly team: Team,
    /** Calls below this many query–key pairs stay on the calling thread. */
    private readonly minPairs: number,
  ) {}

  get threads(): number {
    return this.team.threads;
  }

  gaussianScores(...args: Parameters<Backend['gaussianScores']>): ReturnType<Backend['gaussianScores']> {
    return this.single.gaussianScores(...args);
  }

  softmax(...args: Parameters<Backend['softmax']>): ReturnType<Backend['softmax']> {
    return this.single.softmax(...args);
  }

  bmm(...args: Parameters<Backend['bmm']>): ReturnType<Backend['bmm']> {
    return this.single.bmm(...args);
  }

  attentionPool(...args: Parameters<Backend['attentionPool']>): PoolResult {
    const [queries, keys, values, w = 1, options] = args;
    if (!sliceable(options) || (options as PoolOptions | undefined)?.weights === true) return this.single.attentionPool(...args);
    const o = checkOptions<Pick<PoolOptions, 'weights' | 'excludeSelf' | 'method' | 'kernel'>>(options, { weights: 'boolean', excludeSelf: 'boolean', method: 'string', kernel: 'string' }, 'attentionPool');
    const p = checkPool(queries, keys, values, w, o.excludeSelf, 'attentionPool');
    // where the fast Gauss transform pays, it beats any number of threads: the single backend takes it
    if (useFast(o.method, p, 'gaussian', false, 'attentionPool')) return this.single.attentionPool(...args);
    const c = Math.fround((p.w * p.w * LOG2E) / 2);
    const slices = this.slices(p.nq, p.nk);
    if (slices < 2 || !Number.isFinite(c)) return this.single.attentionPool(...args);
    const y = new Float32Array(p.nq);
    this.team.run({ op: OP_POOL, q: p.q, k: p.k, v: p.v, t: EMPTY, nq: p.nq, nk: p.nk, perQuery: p.perQuery, excludeSelf: p.excludeSelf, c, w: p.w, slices }, y, new Float64Array(0));
    // A float32 overflow: the single-thread backend recomputes it with its float64 fallback.
    if (firstNonFinite(y) >= 0) return this.single.attentionPool(...args);
    return { yHat: { data: y, shape: [p.nq] } };
  }

  attentionPoolLoss(...args: Parameters<Backend['attentionPoolLoss']>): PoolLossResult {
    const [queries, keys, values, targets, w, options] = args;
    if (!sliceable(options)) return this.single.attentionPoolLoss(...args);
    const o = checkOptions<Pick<PoolLossOptions, 'excludeSelf' | 'method' | 'kernel'>>(options, { excludeSelf: 'boolean', method: 'string', kernel: 'string' }, 'attentionPoolLoss');
    const p = checkPool(queries, keys, values, w, o.excludeSelf, 'attentionPoolLoss');
    const t = checkTargets(targets, p.nq);
    if (useFast(o.method, p, 'gaussian', false, 'attentionPoolLoss')) return this.single.attentionPoolLoss(...args);
    const c = Math.fround((p.w * p.w * LOG2E) / 2);
    const slices = this.slices(p.nq, p.nk);
    if (slices < 2 || !Number.isFinite(c)) return this.single.attentionPoolLoss(...args);
    const y = new Float32Array(p.nq);
    const terms = new Float64Array(2 * p.nq);
    this.team.run({ op: OP_LOSS, q: p.q, k: p.k, v: p.v, t, nq: p.nq, nk: p.nk, perQuery: p.perQuery, excludeSelf: p.excludeSelf, c, w: p.w, slices }, y, terms);
    // The kernel's own loop order: one float64 running sum from 0, query after query.
    let loss = 0;
    let grad = 0;
    for (let i = 0; i < p.nq; i++) {
      loss += terms[2 * i];
      grad += terms[2 * i + 1];
    }
    if (!Number.isFinite(loss) || !Number.isFinite(grad)) return this.single.attentionPoolLoss(...args);
    return { loss, grad, yHat: { data: y, shape: [p.nq] } };
  }

  /** How many slices a call gets: 1 (the calling thread alone) once closed and below minPairs. */
  private slices(nq: number, nk: number): number {
    if (this.team.closed || nq * nk < this.minPairs) return 1;
    return Math.min(this.team.threads, nq);
  }
}

/** Options made only of those this backend slices (undefined, or not an object: let checkOptions say). */
function sliceable(options: unknown): boolean {
  if (options === null || typeof options !== 'object') return true;
  for (const key of Object.keys(options)) if (!SLICED.has(key)) return false;
  const { kernel, method } = options as { kernel?: unknown; method?: unknown };
  return (kernel === undefined || kernel === 'gaussian') && (method === undefined || method === 'auto' || method === 'dense');
}
