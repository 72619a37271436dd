import type * as WorkerThreads from 'node:worker_threads';
import { AttnpoolError } from '../../errors.js';

/**
 * Node's worker_threads and Buffer, taken with `process.getBuiltinModule` (Node ≥ 20.16) rather
 * than imported: the browser entry of the package must not name any `node:` module, and threads
 * are only offered where these exist.
 */
export interface NodeBuiltins {
  workerThreads: typeof WorkerThreads;
  Buffer: typeof import('node:buffer').Buffer;
}

export function nodeBuiltins(): NodeBuiltins {
  const get = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule;
  if (typeof get !== 'function') {
    throw new AttnpoolError(
      'E_BACKEND',
      'threads: worker threads need Node.js 20.16 or newer (process.getBuiltinModule); in a browser, use createWorkerPool(threads), which is asynchronous',
    );
  }
  return {
    workerThreads: get('node:worker_threads') as typeof WorkerThreads,
    Buffer: (get('node:buffer') as typeof import('node:buffer')).Buffer,
  };
}
