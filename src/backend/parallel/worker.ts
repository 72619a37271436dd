import type { MessagePort, Worker } from 'node:worker_threads';
import { nodeBuiltins } from './builtins.js';
import { NODE_WORKER_SOURCE } from './workerSources.generated.js';

/** A started worker and the caller's end of its port. */
export interface WorkerHandle {
  worker: Worker;
  port: MessagePort;
}

/**
 * Starts the worker (nodeWorkerMain.ts) that runs slice `slot` of every job and resolves once it has instantiated
 * the module (so a failure shows here, not in the first call). Unref'd: it never keeps Node alive.
 */
export async function startWorker(module: WebAssembly.Module, control: SharedArrayBuffer, slot: number): Promise<WorkerHandle> {
  const { MessageChannel, Worker } = nodeBuiltins().workerThreads;
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(NODE_WORKER_SOURCE, {
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
