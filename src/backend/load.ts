import { describe } from '../args/describe.js';
import { numberOption } from '../args/numbers.js';
import { checkOptions } from '../args/options.js';
import { AttnpoolError } from '../errors.js';
import { createJsBackend } from './js/index.js';
import { createParallelBackend } from './parallel/index.js';
import { MAX_THREADS } from './parallel/protocol.js';
import type { Backend } from './types.js';
import { loadWasmBackend, wasmSupport } from './wasm/index.js';

/** Options of {@link loadBackend}. */
export interface LoadOptions {
  /**
   * Split attentionPool and attentionPoolLoss over this many threads (the calling thread plus
   * threads − 1 worker threads, each with its own WASM instance; Node ≥ 20.16). Results are
   * bit for bit those of one thread; calls below 2^18 query–key pairs stay on the caller's
   * thread. Default 1. Call the backend's `close()` when done (the workers do not keep Node alive).
   * With `'wasm'` a failure to start them is an AttnpoolError; `'auto'` instead warns and runs
   * on one thread (and on JS where WASM cannot run, as without threads).
   */
  threads?: number;
  /**
   * Whether the WASM backend may run its relaxed-SIMD build (f32x4.relaxed_madd: fused
   * multiply-adds, faster; results agree with the plain build within rounding, not bit for bit).
   * Default true: the relaxed build wherever the engine validates it (Node ≥ 22, Chrome, Edge),
   * else the plain-SIMD one. false forces the plain build. See `backend.features`.
   */
  relaxedSimd?: boolean;
}

/** A backend to load: `'wasm'`, `'js'`, or `'auto'` (WASM where the engine can run it, else JS). */
export type BackendName = 'auto' | 'wasm' | 'js';

let reason: string | null = null;

/** Why `loadBackend('auto')` fell back to JS (the last time it did), or null when it never did. */
export function fallbackReason(): string | null {
  return reason;
}

/**
 * Load a backend. `'wasm'` throws an AttnpoolError (code E_BACKEND) when this engine cannot
 * run the SIMD module; `'auto'` (the default) then falls back to `'js'`, records why (see
 * `fallbackReason()`) and warns once on the console. `{ threads: N }` splits the fused pooling
 * over N threads (see {@link LoadOptions}).
 *
 * @example
 * const be = await loadBackend('wasm', { threads: 2 });
 * be.attentionPool(queries, keys, values, 2, { method: 'dense' });
 * await be.close?.();
 */
export async function loadBackend(name: BackendName = 'auto', options?: LoadOptions): Promise<Backend> {
  const o = checkOptions<LoadOptions>(options, { threads: 'any', relaxedSimd: 'boolean' }, 'loadBackend');
  const relaxedSimd = o.relaxedSimd;
  const threads = numberOption(o.threads ?? 1, 'threads', { integer: true, min: 1, max: MAX_THREADS });
  if (threads > 1) {
    if (name === 'js')
      throw new AttnpoolError('E_OPTION', `threads: the 'js' backend runs on one thread; threads need 'wasm' or 'auto', got ${threads} threads with 'js'`);
    if (name === 'wasm') return createParallelBackend(threads, { relaxedSimd });
    // 'auto' never fails for want of threads: it falls back as it does without them, and says why
    if (name === 'auto' && wasmSupport().ok) {
      try {
        return await createParallelBackend(threads, { relaxedSimd });
      } catch (err) {
        console.warn(`attnpool: running on one thread: ${(err as Error).message}`);
        return loadBackend('auto', { relaxedSimd });
      }
    }
  }
  if (name === 'js') return createJsBackend();
  if (name === 'wasm') return loadWasmBackend(relaxedSimd);
  if (name !== 'auto') {
    throw new AttnpoolError('E_BACKEND', `name: expected 'auto', 'wasm' or 'js', got ${describe(name)}`);
  }
  const support = wasmSupport();
  if (support.ok) {
    try {
      return await loadWasmBackend(relaxedSimd);
    } catch (err) {
      fallBack((err as Error).message);
      return createJsBackend();
    }
  }
  fallBack(support.reason);
  return createJsBackend();
}

function fallBack(why: string): void {
  // warn once, on the first fallback
  if (reason === null) console.warn(`attnpool: using the JS backend because the WASM backend is unavailable: ${why}`);
  reason = why;
}
