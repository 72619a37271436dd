// Bugs 1 and 3 of issue 18, standalone: node:worker_threads with { eval: true } and a worker
// source that declares a top-level `module` (as src/backend/parallel/worker.ts does), then the
// same with the name changed. Also what the threaded backend needs of the runtime besides.
//   node|bun eval-worker.mjs;  deno run -A eval-worker.mjs
import { Worker, MessageChannel, receiveMessageOnPort } from 'node:worker_threads';

const tryWorker = (code, workerData, transferList = []) =>
  new Promise((resolve) => {
    let w;
    try {
      w = new Worker(code, { eval: true, workerData, transferList });
    } catch (e) {
      return resolve(`throws at new Worker: ${e.message}`);
    }
    w.once('message', (m) => {
      resolve(`ok: ${m}`);
      w.terminate();
    });
    w.once('error', (e) => resolve(`error: ${e.message}`));
    w.once('exit', (c) => resolve(`exit ${c}`));
  });

const out = {};
out.declaresModule = await tryWorker(`const { parentPort } = require('node:worker_threads'); const module = 1; parentPort.postMessage(String(module));`);
out.renamed = await tryWorker(`const { parentPort } = require('node:worker_threads'); const wasmModule = 1; parentPort.postMessage(String(wasmModule));`);
out.typeofModuleRequire = await tryWorker(`require('node:worker_threads').parentPort.postMessage(typeof module + ' ' + typeof require + ' ' + typeof exports)`);
// what the Team passes and uses: a WebAssembly.Module and a SharedArrayBuffer through
// workerData, a MessagePort in the transfer list, Atomics.wait in the worker, receiveMessageOnPort
const bytes = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]);
const wasmModule = await WebAssembly.compile(bytes);
const control = new SharedArrayBuffer(16);
const { port1, port2 } = new MessageChannel();
out.workerData = await tryWorker(
  `const { workerData, parentPort, receiveMessageOnPort } = require('node:worker_threads');
   const { wasmModule, control, port } = workerData;
   new WebAssembly.Instance(wasmModule, {});
   const I = new Int32Array(control);
   const r = Atomics.wait(I, 0, 0, 10);
   port.postMessage('via port');
   parentPort.postMessage([wasmModule instanceof WebAssembly.Module, control instanceof SharedArrayBuffer, r, typeof receiveMessageOnPort].join(' '));`,
  { wasmModule, control, port: port2 },
  [port2],
);
await new Promise((r) => setTimeout(r, 50));
out.receiveMessageOnPort = JSON.stringify(receiveMessageOnPort(port1));
// the caller blocks in Atomics.wait on its main thread
try {
  out.mainAtomicsWait = Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
} catch (e) {
  out.mainAtomicsWait = `throws: ${e.message}`;
}
out.getBuiltinModule = typeof globalThis.process?.getBuiltinModule === 'function' && typeof process.getBuiltinModule('node:worker_threads')?.Worker;
out.runtime = globalThis.Deno ? `deno ${Deno.version.deno}` : globalThis.Bun ? `bun ${Bun.version}` : `node ${process.versions.node}`;
console.log(JSON.stringify(out, null, 1));
port1.close();
process.exit(0);
