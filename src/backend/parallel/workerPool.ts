import { firstNonFinite } from '../../args/finite.js';
import { describe } from '../../args/describe.js';
import { numberOption } from '../../args/numbers.js';
import { checkOptions } from '../../args/options.js';
import type { PoolCall } from '../../args/pool.js';
import { AttnpoolError } from '../../errors.js';
import { lossRequest, poolRequest, runLoss, runPool, type LossRequest, type PoolRequest } from '../frontEnd.js';
import { lossResult, poolResult } from '../results.js';
import { createJsKernels } from '../js/kernels.js';
import type { Bandwidth, PoolLossOptions, PoolLossResult, PoolOptions, PoolResult } from '../types.js';
import { scoreScale } from '../wasm/abi.js';
import { instantiateWasmKernels } from '../wasm/index.js';
import { wasmBytes } from '../wasm/load.js';
import { sliceable } from './kernels.js';
import { MAX_THREADS, MIN_SLICED_PAIRS, OP_LOSS, OP_POOL, sumTerms, termsPerQuery, type Job } from './protocol.js';
import { BROWSER_WORKER_SOURCE } from './workerSources.generated.js';

/**
 * Fused pooling split over Web Workers, for browsers: a page's main thread may not block in
 * Atomics.wait, so unlike `loadBackend(name, { threads })` in Node this API is asynchronous, and
 * every slice runs in a worker while the page stays responsive. Each worker holds its own
 * instance of the embedded module (posted to it compiled) and runs the same runner code as
 * Node's threads, so ŷ, loss and grad are bit for bit those of the single-thread WASM backend.
 * Keys and values are posted once and reused while they stay the same. `out: { yHat }` works as
 * on a Backend: a sliced call writes it only once every worker has answered (a failed call
 * leaves it as it was), and refuses it with E_OPTION if the caller transferred it meanwhile.
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

  /**
   * Starts a worker from `url` and hands it the compiled kernels. `why` explains a failure: a
   * worker refused by a Content-Security-Policy fails with no message of its own (Chromium,
   * Firefox) or throws from the constructor (WebKit), so the error names the likely cause.
   */
  static async start(url: string | URL, module: WebAssembly.Module, why: string): Promise<PoolWorker> {
    let worker: Worker;
    try {
      worker = new Worker(url, { type: 'module' });
    } catch (err) {
      throw new AttnpoolError('E_BACKEND', `createWorkerPool: the worker could not be created (${(err as Error).message}); ${why}`);
    }
    await new Promise<void>((resolve, reject) => {
      worker.onerror = (e) => {
        e.preventDefault?.();
        reject(new AttnpoolError('E_BACKEND', `createWorkerPool: the worker failed to start${e.message ? ` (${e.message})` : ''}; ${why}`));
      };
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

/** Options of {@link createWorkerPool}. */
export interface WorkerPoolOptions {
  /**
   * Where the workers' script is served: the package's `dist/browser/attnpool-worker.js`, copied
   * to your origin. Default: none, the workers start from a `blob:` URL made here, which a
   * Content-Security-Policy must allow (`worker-src 'self' blob:`); a page whose policy allows
   * only `worker-src 'self'` passes this instead.
   */
  workerUrl?: string | URL;
}

/**
 * Start `threads` Web Workers for pooling (browsers, or any engine with global Worker, Blob and
 * URL.createObjectURL). In Node use `loadBackend('wasm', { threads })`, which is synchronous.
 *
 * @example
 * const pool = await createWorkerPool(navigator.hardwareConcurrency);
 * const { yHat } = await pool.attentionPool(queries, keys, values, 2);
 * pool.close();
 * // under `worker-src 'self'` (no blob:), with dist/browser/attnpool-worker.js served beside the page:
 * const strict = await createWorkerPool(2, { workerUrl: new URL('./attnpool-worker.js', import.meta.url) });
 */
export async function createWorkerPool(threads: number, options?: WorkerPoolOptions): Promise<WorkerPool> {
  const n = numberOption(threads, 'threads', { integer: true, min: 1, max: MAX_THREADS });
  const o = checkOptions<WorkerPoolOptions>(options, { workerUrl: 'any' }, 'createWorkerPool');
  if (o.workerUrl !== undefined && typeof o.workerUrl !== 'string' && !(o.workerUrl instanceof URL)) {
    throw new AttnpoolError('E_OPTION', `createWorkerPool: option "workerUrl" must be a string or a URL, got ${describe(o.workerUrl)}`);
  }
  if (typeof Worker !== 'function' || typeof Blob !== 'function' || typeof URL?.createObjectURL !== 'function') {
    throw new AttnpoolError('E_BACKEND', "createWorkerPool: this engine has no Web Workers; in Node use loadBackend('wasm', { threads })");
  }
  const single = await instantiateWasmKernels();
  const reference = createJsKernels();
  // the workers run the same build as this thread's instance
  const module = await WebAssembly.compile(wasmBytes(single.relaxed) as Uint8Array<ArrayBuffer>);
  const url = o.workerUrl ?? URL.createObjectURL(new Blob([BROWSER_WORKER_SOURCE], { type: 'text/javascript' }));
  const why = o.workerUrl
    ? `check that ${String(o.workerUrl)} is served (the package's dist/browser/attnpool-worker.js) and that the page's Content-Security-Policy allows it in worker-src`
    : "a Content-Security-Policy that does not allow blob: workers forbids it: allow them (worker-src 'self' blob:), or serve the package's dist/browser/attnpool-worker.js and pass createWorkerPool(threads, { workerUrl })";
  const starting = Array.from({ length: n }, () => PoolWorker.start(url, module, why));
  const started = await Promise.allSettled(starting);
  if (!o.workerUrl) URL.revokeObjectURL(url as string);
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

  /**
   * Runs the slices in the workers; ŷ into y, and the loss terms when op is the loss. Nothing is
   * written before every slice has answered, so a failed call leaves a caller's `out` as it was.
   */
  const split = async (op: Job['op'], p: PoolCall, t: Float32Array, y: Float32Array, terms: Float64Array): Promise<void> => {
    const kv = keysVersion(p);
    const c = scoreScale(p.w[0]);
    const slices = Math.min(workers.length, p.nq);
    const replies = await Promise.all(
      Array.from({ length: slices }, async (_, s) => {
        const a = Math.floor((s * p.nq) / slices);
        const b = Math.floor(((s + 1) * p.nq) / slices);
        const wk = workers[s];
        const send = p.perQuery || wk.held !== kv;
        const { nq, nk, d, dv, perQuery, excludeSelf, kernel, w } = p;
        const job: Job = { op, a, b, nq, nk, d, dv, perQuery, excludeSelf, kernel, w, keysVersion: kv, c };
        const r = await wk.run({ job, q: p.q, t, k: send ? p.k : null, v: send ? p.v : null });
        wk.held = kv;
        return { a, r };
      }),
    );
    // The caller may have transferred its out while the workers ran.
    if (y.length !== p.nq * p.dv) throw new AttnpoolError('E_OPTION', 'createWorkerPool: out.yHat was detached while the call ran; nothing was written');
    for (const { a, r } of replies) {
      y.set(r.y, a * p.dv);
      if (op === OP_LOSS) terms.set(r.terms, termsPerQuery(p.d) * a);
    }
  };

  let closed = false;
  /** Whether the workers would take a dense call: a large one that slices compute as the single kernels would (see sliceable). */
  const splits = (call: PoolCall): boolean => !closed && call.nq * call.nk * call.d >= MIN_SLICED_PAIRS && sliceable(call);
  const sliced = (r: PoolRequest | LossRequest, weights: boolean): boolean => !r.fast && !weights && splits(r.call);
  const runner = { kernels: single, threadsFor: (call: PoolCall) => (splits(call) ? Math.min(workers.length, call.nq) : 1) };

  return {
    threads: n,
    async attentionPool(queries, keys, values, w = 1, options) {
      const r = poolRequest(queries, keys, values, w, options, runner);
      if (!sliced(r, r.weights)) return runPool(r, single, reference);
      const y = r.out.yHat ?? new Float32Array(r.call.nq * r.call.dv);
      await split(OP_POOL, r.call, EMPTY, y, NO_TERMS);
      // A float32 overflow: the float64 reference, as the single-thread backend does.
      if (firstNonFinite(y) >= 0) return runPool(r, reference, reference);
      return poolResult(r.call, y, null);
    },
    attentionPoolLoss: (async (queries: unknown, keys: unknown, values: unknown, targets: unknown, w: Bandwidth, options?: PoolLossOptions) => {
      const r = lossRequest(queries, keys, values, targets, w, options, runner);
      if (!sliced(r, false)) return runLoss(r, single, reference);
      const y = r.yHat ?? new Float32Array(r.call.nq * r.call.dv);
      const terms = new Float64Array(termsPerQuery(r.call.d) * r.call.nq);
      await split(OP_LOSS, r.call, r.targets, y, terms);
      const grad = new Float64Array(r.call.d);
      const loss = sumTerms(terms, r.call.nq, grad);
      if (loss === null) return runLoss(r, reference, reference);
      return lossResult(r.call, loss, grad, y);
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
