import { firstNonFinite } from '../../args/finite.js';
import { numberOption } from '../../args/numbers.js';
import type { PoolCall } from '../../args/pool.js';
import { AttnpoolError } from '../../errors.js';
import { lossRequest, lossResult, poolRequest, poolResult, runLoss, runPool, type LossRequest, type PoolRequest } from '../frontEnd.js';
import { createJsKernels, isOneDimensional } from '../js/kernels.js';
import type { Bandwidth, PoolLossOptions, PoolLossResult, PoolOptions, PoolResult } from '../types.js';
import { scoreScale } from '../wasm/abi.js';
import { instantiateWasmKernels } from '../wasm/index.js';
import { wasmBytes } from '../wasm/load.js';
import { MAX_THREADS, MIN_SLICED_PAIRS, OP_LOSS, OP_POOL, type Job } from './protocol.js';
import { BROWSER_WORKER_SOURCE } from './workerSources.generated.js';

/**
 * Fused pooling split over Web Workers, for browsers: a page's main thread may not block in
 * Atomics.wait, so unlike `loadBackend(name, { threads })` in Node this API is asynchronous, and
 * every slice runs in a worker while the page stays responsive. Each worker holds its own
 * instance of the embedded module (posted to it compiled) and runs the same runner code as
 * Node's threads, so ŷ, loss and grad are bit for bit those of the single-thread WASM backend.
 * Keys and values are posted once and reused while they stay the same.
 */
export interface WorkerPool {
  /** How many workers share a call. */
  readonly threads: number;
  /** As {@link Backend.attentionPool}, with the queries split over the workers. */
  attentionPool(queries: unknown, keys: unknown, values: unknown, w?: Bandwidth, options?: PoolOptions): Promise<PoolResult>;
  /** As {@link Backend.attentionPoolLoss} with a w per feature (`grad` one derivative per feature), the queries split over the workers. */
  attentionPoolLoss(
    queries: unknown,
    keys: unknown,
    values: unknown,
    targets: unknown,
    w: ArrayLike<number>,
    options?: PoolLossOptions,
  ): Promise<PoolLossResult<number[]>>;
  /** As {@link Backend.attentionPoolLoss} with one w (`grad` a number), the queries split over the workers. */
  attentionPoolLoss(queries: unknown, keys: unknown, values: unknown, targets: unknown, w: number, options?: PoolLossOptions): Promise<PoolLossResult>;
  /** Terminates the workers; later calls run on the calling thread. */
  close(): void;
}

interface Reply {
  y: Float32Array;
  terms: Float64Array;
}

/** One Web Worker and the calls it owes answers to. */
class PoolWorker {
  private readonly pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  private next = 0;
  /** The keys version this worker holds. */
  held = -1;

  private constructor(readonly worker: Worker) {
    worker.onmessage = (e: MessageEvent) => {
      const m = e.data as { id: number; error?: string } & Reply;
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.error) p.reject(new AttnpoolError('E_BACKEND', `worker: ${m.error}`));
      else p.resolve(m);
    };
    // A worker that dies (out of memory, an error outside a job) fails its calls instead of leaving them pending.
    worker.onerror = (e) => this.fail(`worker failed: ${e.message}`);
    worker.onmessageerror = () => this.fail('worker: a message could not be read');
  }

  /** Rejects every call this worker owes an answer to. */
  fail(why: string): void {
    for (const p of this.pending.values()) p.reject(new AttnpoolError('E_BACKEND', why));
    this.pending.clear();
  }

  static async start(url: string, module: WebAssembly.Module): Promise<PoolWorker> {
    const worker = new Worker(url, { type: 'module' });
    await new Promise<void>((resolve, reject) => {
      worker.onerror = (e) => reject(new AttnpoolError('E_BACKEND', `worker failed to start: ${e.message}`));
      worker.onmessage = () => resolve();
      worker.postMessage({ module });
    });
    return new PoolWorker(worker);
  }

  run(message: Record<string, unknown>): Promise<Reply> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...message, id });
    });
  }
}

/**
 * Start `threads` Web Workers for pooling (browsers, or any engine with global Worker, Blob and
 * URL.createObjectURL). In Node use `loadBackend('wasm', { threads })`, which is synchronous.
 *
 * @example
 * const pool = await createWorkerPool(navigator.hardwareConcurrency);
 * const { yHat } = await pool.attentionPool(queries, keys, values, 2);
 * pool.close();
 */
export async function createWorkerPool(threads: number): Promise<WorkerPool> {
  const n = numberOption(threads, 'threads', { integer: true, min: 1, max: MAX_THREADS });
  if (typeof Worker !== 'function' || typeof Blob !== 'function' || typeof URL?.createObjectURL !== 'function') {
    throw new AttnpoolError('E_BACKEND', "createWorkerPool: this engine has no Web Workers; in Node use loadBackend('wasm', { threads })");
  }
  const single = await instantiateWasmKernels();
  const reference = createJsKernels();
  const module = await WebAssembly.compile(wasmBytes() as Uint8Array<ArrayBuffer>);
  const url = URL.createObjectURL(new Blob([BROWSER_WORKER_SOURCE], { type: 'text/javascript' }));
  const starting = Array.from({ length: n }, () => PoolWorker.start(url, module));
  const started = await Promise.allSettled(starting);
  URL.revokeObjectURL(url);
  const workers = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    for (const wk of workers) wk.worker.terminate(); // none left running when the pool is not returned
    throw failed.reason;
  }
  // The shared keys and values the workers hold, to post them again only when they change.
  let version = 0;
  let heldK = new Float32Array(0);
  let heldV = new Float32Array(0);
  const keysVersion = (p: PoolCall): number => {
    if (p.perQuery || !sameBits(p.k, heldK) || !sameBits(p.v, heldV)) {
      version++;
      heldK = p.k.slice();
      heldV = p.v.slice();
    }
    return version;
  };

  /** Runs the slices in the workers; ŷ into y, and the loss terms when op is the loss. */
  const split = async (op: Job['op'], p: PoolCall, t: Float32Array, y: Float32Array, terms: Float64Array): Promise<void> => {
    const kv = keysVersion(p);
    const c = scoreScale(p.w[0]);
    const slices = Math.min(workers.length, p.nq);
    await Promise.all(
      Array.from({ length: slices }, async (_, s) => {
        const a = Math.floor((s * p.nq) / slices);
        const b = Math.floor(((s + 1) * p.nq) / slices);
        const wk = workers[s];
        const send = p.perQuery || wk.held !== kv;
        const job: Job = { op, a, b, nq: p.nq, nk: p.nk, perQuery: p.perQuery, excludeSelf: p.excludeSelf, keysVersion: kv, c, w: p.w[0] };
        const r = await wk.run({ job, q: p.q, t, k: send ? p.k : null, v: send ? p.v : null });
        wk.held = kv;
        y.set(r.y, a);
        if (op === OP_LOSS) terms.set(r.terms, 2 * a);
      }),
    );
  };

  let closed = false;
  /** Whether the workers take a dense call: a large Gaussian call whose score constant float32 holds. */
  const sliced = (r: PoolRequest | LossRequest, weights: boolean): boolean =>
    !closed &&
    !r.fast &&
    !weights &&
    isOneDimensional(r.call) &&
    r.call.kernel === 'gaussian' &&
    r.call.nq * r.call.nk >= MIN_SLICED_PAIRS &&
    Number.isFinite(scoreScale(r.call.w[0]));

  return {
    threads: n,
    async attentionPool(queries, keys, values, w = 1, options) {
      const r = poolRequest(queries, keys, values, w, options);
      if (!sliced(r, r.weights)) return runPool(r, single, reference);
      const y = new Float32Array(r.call.nq);
      await split(OP_POOL, r.call, EMPTY, y, NO_TERMS);
      // A float32 overflow: the float64 reference, as the single-thread backend does.
      if (firstNonFinite(y) >= 0) return runPool(r, reference, reference);
      return poolResult(r.call, y, null);
    },
    attentionPoolLoss: (async (queries: unknown, keys: unknown, values: unknown, targets: unknown, w: Bandwidth, options?: PoolLossOptions) => {
      const r = lossRequest(queries, keys, values, targets, w, options);
      if (!sliced(r, false)) return runLoss(r, single, reference);
      const y = new Float32Array(r.call.nq);
      const terms = new Float64Array(2 * r.call.nq);
      await split(OP_LOSS, r.call, r.targets, y, terms);
      // the kernel's own order: one float64 running sum from 0, query after query
      let loss = 0;
      let grad = 0;
      for (let i = 0; i < r.call.nq; i++) {
        loss += terms[2 * i];
        grad += terms[2 * i + 1];
      }
      if (!Number.isFinite(loss) || !Number.isFinite(grad)) return runLoss(r, reference, reference);
      return lossResult(r.call, loss, Float64Array.of(grad), y);
    }) as WorkerPool['attentionPoolLoss'],
    close() {
      closed = true;
      for (const wk of workers) {
        wk.worker.terminate();
        wk.fail('createWorkerPool: closed while the call was running');
      }
    },
  };
}

const EMPTY = new Float32Array(0);
const NO_TERMS = new Float64Array(0);

function sameBits(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}
