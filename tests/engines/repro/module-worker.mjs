// The alternative to eval workers, standalone: a worker loaded from an ES module file next to
// this one, (a) through node:worker_threads (Node, Bun, Deno: what the synchronous threaded
// backend needs: workerData with a WebAssembly.Module and a SharedArrayBuffer, a transferred
// MessagePort, Atomics.wait/notify both ways, receiveMessageOnPort), and (b) as a Web Worker
// with { type: 'module' } (Deno, Bun; browsers: see notes), from a file URL and from a blob URL.
//   node|bun module-worker.mjs;  deno run -A module-worker.mjs
import { MessageChannel, Worker as NodeWorker } from 'node:worker_threads';

const out = { runtime: globalThis.Deno ? `deno ${Deno.version.deno}` : globalThis.Bun ? `bun ${Bun.version}` : `node ${process.versions.node}` };
// a module exporting add(a, b): (module (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))
const wasm = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 7, 1, 96, 2, 127, 127, 1, 127, 3, 2, 1, 0, 7, 7, 1, 3, 97, 100, 100, 0, 0, 10, 9, 1, 7, 0, 32, 0, 32, 1, 106, 11,
]);
const wasmModule = await WebAssembly.compile(wasm);

// (a) node:worker_threads, ESM file
{
  const control = new SharedArrayBuffer(16);
  const I = new Int32Array(control);
  const { port1, port2 } = new MessageChannel();
  const w = new NodeWorker(new URL('./module-worker-node.mjs', import.meta.url), { workerData: { wasmModule, control, port: port2 }, transferList: [port2] });
  try {
    await new Promise((resolve, reject) => {
      w.once('error', reject);
      w.once('exit', (c) => reject(new Error(`exit ${c}`)));
      port1.once('message', resolve);
    });
    // a job as the Team posts it: data on the port, a generation bump, notify; then the caller
    // blocks in Atomics.wait on its main thread until the worker marks it done
    port1.postMessage({ a: 40, b: 2 });
    Atomics.store(I, 0, 1);
    Atomics.notify(I, 0);
    const waited = Atomics.wait(I, 1, 0, 5000);
    out.nodeWorkerThreads = { waited, result: I[2], ok: I[2] === 42 };
  } catch (e) {
    out.nodeWorkerThreads = { error: e.message };
  }
  await w.terminate();
}

// (b) Web Workers with { type: 'module' }: from a file URL, and from a blob URL
async function webWorker(url) {
  if (typeof globalThis.Worker !== 'function') return 'no global Worker';
  try {
    const w = new Worker(url, { type: 'module' });
    const r = await new Promise((resolve, reject) => {
      w.onmessage = (e) => resolve(e.data);
      w.onerror = (e) => {
        e.preventDefault?.();
        reject(new Error(e.message));
      };
      w.postMessage({ wasmModule, a: 40, b: 2 });
    });
    w.terminate();
    return r === 42 ? 'ok' : `got ${r}`;
  } catch (e) {
    return `error: ${e.message}`;
  }
}
const webSource = `onmessage = (e) => { const { wasmModule, a, b } = e.data; postMessage(new WebAssembly.Instance(wasmModule, {}).exports.add(a, b)); };`;
out.webWorkerFile = await webWorker(new URL('./module-worker-web.mjs', import.meta.url));
out.webWorkerBlob = await webWorker(URL.createObjectURL(new Blob([webSource], { type: 'text/javascript' })));
out.webWorkerClassicBlob = await (async () => {
  if (typeof globalThis.Worker !== 'function') return 'no global Worker';
  try {
    const w = new Worker(URL.createObjectURL(new Blob([webSource], { type: 'text/javascript' })));
    const r = await new Promise((resolve, reject) => {
      w.onmessage = (e) => resolve(e.data);
      w.onerror = (e) => {
        e.preventDefault?.();
        reject(new Error(e.message));
      };
      w.postMessage({ wasmModule, a: 40, b: 2 });
    });
    w.terminate();
    return r === 42 ? 'ok' : `got ${r}`;
  } catch (e) {
    return `error: ${e.message}`;
  }
})();
console.log(JSON.stringify(out));
process.exit(0);
