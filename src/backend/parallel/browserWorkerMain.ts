// A Web Worker of createWorkerPool: an entry point of its own, bundled by scripts/build.mjs into
// BROWSER_WORKER_SOURCE (workerSources.generated.ts), never imported by the library. It holds
// one instance of the kernels and answers one message per slice; keys and values come only
// when they change.
import { OP_LOSS, termsPerQuery, type Job } from './protocol.js';
import { createRunner, type Runner } from './runner.js';

/** What the pool posts: the compiled module once, then one slice per message. */
interface Message {
  module?: WebAssembly.Module;
  id: number;
  job: Job;
  q: Float32Array;
  t: Float32Array;
  k: Float32Array | null;
  v: Float32Array | null;
}

const scope = globalThis as unknown as { onmessage: (e: MessageEvent<Message>) => void; postMessage: (m: unknown) => void };
let run: Runner | null = null;
let k: Float32Array<ArrayBufferLike> = new Float32Array(0);
let v: Float32Array<ArrayBufferLike> = new Float32Array(0);
scope.onmessage = (e) => {
  const m = e.data;
  if (m.module) {
    run = createRunner(m.module);
    scope.postMessage({ ready: true });
    return;
  }
  try {
    if (m.k && m.v) {
      k = m.k;
      v = m.v;
    }
    const { job } = m;
    const stride = termsPerQuery(job.d);
    const src = { q: m.q, k, v, t: m.t, y: new Float32Array(job.nq * job.dv), terms: new Float64Array(job.op === OP_LOSS ? stride * job.nq : 0) };
    (run as Runner)(job, src);
    scope.postMessage({ id: m.id, y: src.y.slice(job.a * job.dv, job.b * job.dv), terms: src.terms.slice(stride * job.a, stride * job.b) });
  } catch (err) {
    scope.postMessage({ id: m.id, error: String((err as Error)?.message ?? err) });
  }
};
