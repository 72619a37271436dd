import type { MessagePort, Worker } from 'node:worker_threads';
import { nodeBuiltins } from './builtins.js';
import { CTL, OP_QUIT } from './protocol.js';
import { RUNNER_SOURCE } from './runner.js';

/**
 * The worker's main loop, CommonJS (what `eval: true` runs). It blocks in Atomics.wait on the
 * control block, so its event loop never turns: a new data buffer arrives on its port and is
 * taken with receiveMessageOnPort at each wake, and an error goes back on the port for the
 * caller to take the same way. A woken worker claims its slice (the caller may have taken it
 * already, see CTL.CLAIM), runs it, and marks it DONE even when it threw, so the caller never
 * waits for a worker that gave up.
 */
const WORKER_SOURCE = `
'use strict';
const { workerData, receiveMessageOnPort } = require('node:worker_threads');
${RUNNER_SOURCE}
const { module, control, port, slot } = workerData;
const I = new Int32Array(control);
const F = new Float64Array(control);
const run = createRunner(module);
let f32 = null, f64 = null;
let seen = 0; // GEN starts at 0: a job posted before this line is not missed
port.postMessage('ready');
for (;;) {
  Atomics.wait(I, ${CTL.GEN}, seen);
  const gen = Atomics.load(I, ${CTL.GEN});
  if (gen === seen) continue;
  seen = gen;
  for (let m; (m = receiveMessageOnPort(port)) !== undefined; ) {
    f32 = new Float32Array(m.message);
    f64 = new Float64Array(m.message);
  }
  if (I[${CTL.OP}] === ${OP_QUIT}) break;
  const taken = (2 * gen + 1) | 0; // claimed(gen) in protocol.ts
  if (Atomics.compareExchange(I, ${CTL.CLAIM} + slot, taken - 1, taken) !== taken - 1) continue;
  try {
    const nq = I[${CTL.NQ}], nk = I[${CTL.NK}], perQuery = I[${CTL.PER_QUERY}] === 1, excludeSelf = I[${CTL.EXCLUDE_SELF}] === 1;
    const kv = perQuery ? nq * nk : nk;
    const at = (off, n) => f32.subarray(I[off], I[off] + n);
    run(
      { op: I[${CTL.OP}], a: I[${CTL.BOUNDS} + slot], b: I[${CTL.BOUNDS} + slot + 1], nq, nk, perQuery, excludeSelf,
        keysVersion: I[${CTL.KEYS_VERSION}], c: F[${CTL.F64_C}], w: F[${CTL.F64_W}] },
      { q: at(${CTL.OFF_Q}, nq), k: at(${CTL.OFF_K}, kv), v: at(${CTL.OFF_V}, kv), t: at(${CTL.OFF_T}, nq),
        y: at(${CTL.OFF_Y}, nq), terms: f64.subarray(I[${CTL.OFF_TERMS}], I[${CTL.OFF_TERMS}] + 2 * nq) },
    );
  } catch (err) {
    Atomics.store(I, ${CTL.ERR}, 1);
    port.postMessage(String((err && err.message) || err));
  }
  Atomics.store(I, ${CTL.DONE} + slot, gen);
  Atomics.notify(I, ${CTL.DONE} + slot);
}
`;

/** A started worker and the caller's end of its port. */
export interface WorkerHandle {
  worker: Worker;
  port: MessagePort;
}

/**
 * Starts the worker that runs slice `slot` of every job and resolves once it has instantiated
 * the module (so a failure shows here, not in the first call). Unref'd: it never keeps Node alive.
 */
export async function startWorker(module: WebAssembly.Module, control: SharedArrayBuffer, slot: number): Promise<WorkerHandle> {
  const { MessageChannel, Worker } = nodeBuiltins().workerThreads;
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { module, control, port: port2, slot },
    transferList: [port2],
  });
  await new Promise<void>((resolve, reject) => {
    const fail = (err: unknown) => reject(err instanceof Error ? err : new Error(`worker exited with code ${String(err)}`));
    worker.once('error', fail);
    worker.once('exit', fail);
    port1.once('message', () => {
      worker.off('error', fail);
      worker.off('exit', fail);
      resolve();
    });
  });
  // An uncaught error would otherwise be rethrown on the main thread; jobs report theirs on the port.
  worker.on('error', () => {});
  // Referenced while starting (an awaited start must keep Node alive), unreferenced from here on.
  worker.unref();
  port1.unref();
  return { worker, port: port1 };
}
