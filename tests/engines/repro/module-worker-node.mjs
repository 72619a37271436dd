// the worker side of module-worker.mjs (a): an ES module, imports instead of require
import { receiveMessageOnPort, workerData } from 'node:worker_threads';

const { wasmModule, control, port } = workerData; // any name: a module has no `module` binding
const add = new WebAssembly.Instance(wasmModule, {}).exports.add;
const I = new Int32Array(control);
port.postMessage('ready');
Atomics.wait(I, 0, 0); // the Team's worker loop blocks like this, its event loop never turning
const m = receiveMessageOnPort(port).message;
I[2] = add(m.a, m.b);
Atomics.store(I, 1, 1);
Atomics.notify(I, 1);
