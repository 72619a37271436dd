import { firstNonFinite } from '../../args/finite.js';
import type { PoolCall } from '../../args/pool.js';

/**
 * The control block shared by the calling thread and its workers: a small SharedArrayBuffer
 * that never moves (the data buffer may be replaced when a call needs more room, the control
 * block cannot, since it is how workers are woken). Int32 slots carry the handshake and the
 * job's integers; two float64 slots carry c and w. The numbers are spliced into the workers'
 * source (worker.ts), so this file is their only definition.
 */
export const CTL = {
  /** Bumped once per job; workers Atomics.wait on it. */
  GEN: 0,
  /** Set to 1 by a worker whose job threw (its message follows on its port). */
  ERR: 2,
  /** OP_POOL, OP_LOSS or OP_QUIT. */
  OP: 3,
  NQ: 4,
  NK: 5,
  PER_QUERY: 6,
  /** Which shared keys/values the data buffer holds; a worker recopies when it changes. */
  KEYS_VERSION: 7,
  /** Float32 offsets into the data buffer of keys, values, queries, targets, ŷ (all row-major, as the call has them). */
  OFF_K: 8,
  OFF_V: 9,
  OFF_Q: 10,
  OFF_T: 11,
  OFF_Y: 12,
  /** Float64 offset of the per-query loss terms, [loss, ∂/∂w_1 … ∂/∂w_d] each. */
  OFF_TERMS: 13,
  EXCLUDE_SELF: 14,
  /** Float64 index of c (= w·√(log2 e / 2), float32; the 1-D Gaussian kernel's difference scale; Int32 indices 16–17). */
  F64_C: 8,
  /** Slice s covers queries [BOUNDS + s, BOUNDS + s + 1); slice 0 is the caller's. */
  BOUNDS: 20,
  /** Features d, value columns dv, and the kernel (its index in KERNEL_NAMES). */
  D: 54,
  DV: 55,
  KERNEL: 56,
  /** Float64 offset of the bandwidths w [d] in the data buffer. */
  OFF_W: 57,
  /** OP_EXACT: the next chunk of the exact pass to claim (Atomics.add), how many there are, and queries a chunk. */
  NEXT_CHUNK: 58,
  CHUNKS: 59,
  CHUNK: 60,
  /**
   * Who runs slice s ≥ 1: claimed(gen) − 1 = open, claimed(gen) = taken, by whichever of its
   * worker and the caller (once done with its own) gets there first with compareExchange, so a
   * worker the OS has not scheduled yet cannot hold the call up. Tagged with GEN so that a
   * worker waking late for an old job cannot take a slice of the current one.
   */
  CLAIM: 64,
  /** Set to GEN by worker s when it finished slice s of that job; the caller waits on it. */
  DONE: 96,
  /** OP_EXACT: chunks thread s ran (0: the caller), for tests and benchmarks. */
  RAN: 128,
} as const;

/** CLAIM value of a taken slice of job `gen` (open is one less). */
export const claimed = (gen: number): number => (2 * gen + 1) | 0;
export const OP_POOL = 1;
export const OP_LOSS = 2;
export const OP_QUIT = 3;
/** The d-dimensional fast path's exact pass, in chunks claimed by whichever thread is free (exactPassLayout.ts). */
export const OP_EXACT = 4;

/** Room for BOUNDS..BOUNDS + MAX_THREADS below D, and for CLAIM + MAX_THREADS below DONE, DONE + … below RAN. */
export const MAX_THREADS = 32;
export const CONTROL_BYTES = 4 * (CTL.RAN + MAX_THREADS);

/**
 * Calls with fewer query–key pairs (nq·nk) run on the calling thread alone: below it, waking the
 * workers and copying costs more than the split saves (measured on 2 cores, see README.md here).
 */
export const MIN_SLICED_PAIRS = 1 << 18;

/** One thread's share of a call, with the call's fields; every offset and pointer is the caller's business. */
export type Job = Pick<PoolCall, 'nq' | 'nk' | 'd' | 'dv' | 'perQuery' | 'excludeSelf' | 'kernel' | 'w'> & {
  op: typeof OP_POOL | typeof OP_LOSS;
  /** The slice of queries, [a, b); with excludeSelf, global query i skips key i (poolRows takes global indices). */
  a: number;
  b: number;
  keysVersion: number;
  /** the 1-D Gaussian kernel's difference scale (abi.ts, scoreScale of w[0]) */
  c: number;
};

/** float64 numbers each query's loss terms take: the loss and its derivative in each w_f. */
export const termsPerQuery = (d: number): number => 1 + d;

/**
 * The loss and its gradient [d] from per-query terms, added in query order from 0 as the
 * single-thread kernels add them (so the sums are theirs bit for bit); null when not finite.
 */
export function sumTerms(terms: Float64Array, nq: number, gradient: Float64Array): number | null {
  const d = gradient.length;
  const stride = termsPerQuery(d);
  let loss = 0;
  gradient.fill(0);
  for (let i = 0; i < nq; i++) {
    loss += terms[i * stride];
    for (let f = 0; f < d; f++) gradient[f] += terms[i * stride + 1 + f];
  }
  return Number.isFinite(loss) && firstNonFinite(gradient) < 0 ? loss : null;
}

/**
 * Global-indexed arrays a runner reads from and writes to: the caller's own inputs for its
 * slice, or views of the data buffer for a worker's. Per-query keys are [nq, nk] rows.
 */
export interface Sources {
  q: Float32Array;
  k: Float32Array;
  v: Float32Array;
  t: Float32Array;
  y: Float32Array;
  terms: Float64Array;
}
