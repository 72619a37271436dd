import { AttnpoolError } from '../../errors.js';
import { FrontEnd } from '../frontEnd.js';
import { createJsKernels } from '../js/kernels.js';
import { instantiateWasmKernels } from '../wasm/index.js';
import { wasmBytes } from '../wasm/load.js';
import { ThreadedKernels } from './kernels.js';
import { MAX_THREADS, MIN_SLICED_PAIRS } from './protocol.js';
import { Team } from './team.js';

/** A Backend whose fused pooling runs on several threads; see {@link createParallelBackend}. */
export type ParallelBackendHandle = FrontEnd & {
  /** The calling thread plus its workers. */
  readonly threads: number;
};

export interface ParallelOptions {
  /** Calls with fewer query–key pairs (nq·nk) run on the calling thread alone; default MIN_SLICED_PAIRS (2^18). Tests lower it. */
  minPairs?: number;
  /**
   * Whether the caller, done with its own slice, runs a worker's slice the worker has not
   * started yet (default true: a worker the OS has not scheduled cannot hold a call up). Tests
   * turn it off to make sure every worker runs its slice.
   */
  steal?: boolean;
  /**
   * The compiled kernels to slice (default: the embedded ones); tests pass a module that
   * traps, to check how a failing worker is reported. @internal
   */
  module?: WebAssembly.Module;
  /** false: the plain-SIMD build even where the engine runs relaxed SIMD (as loadBackend's option). */
  relaxedSimd?: boolean;
}

/**
 * The WASM backend with attentionPool and attentionPoolLoss split over `threads` threads (the
 * calling thread plus threads − 1 Node worker threads), synchronous as every Backend is: the
 * caller blocks in Atomics.wait for the workers. Dense pooling's ŷ, loss and grad are bit for bit
 * those of the single-thread WASM backend. The d-dimensional fast path's exact pass is split too
 * (README.md here), within the same guarantee as on one thread. Node only (worker_threads, and
 * Atomics.wait on the main thread).
 *
 * @example
 * const be = await createParallelBackend(2);
 * const { yHat } = be.attentionPool(queries, keys, values, 1);
 * await be.close();
 */
export async function createParallelBackend(threads: number, options: ParallelOptions = {}): Promise<ParallelBackendHandle> {
  // loadBackend has checked `threads` for users; this guards the internal callers (tests, bench).
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_THREADS) {
    throw new AttnpoolError('E_VALUE', `threads: expected an integer from 1 to ${MAX_THREADS}, got ${String(threads)}`);
  }
  const minPairs = options.minPairs ?? MIN_SLICED_PAIRS;
  const single = await instantiateWasmKernels(options.relaxedSimd); // throws E_BACKEND where WASM SIMD cannot run
  let team: Team;
  try {
    team = await Team.start(
      options.module ?? (await WebAssembly.compile(wasmBytes(single.relaxed) as Uint8Array<ArrayBuffer>)),
      threads,
      options.steal ?? true,
    );
  } catch (err) {
    throw new AttnpoolError('E_BACKEND', `parallel: the workers failed to start: ${(err as Error).message}`);
  }
  const backend = new FrontEnd('wasm', new ThreadedKernels(single, team, minPairs), createJsKernels());
  return Object.assign(backend, { threads: team.threads });
}
