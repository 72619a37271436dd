// the worker side of module-worker.mjs (b): a module Web Worker
self.onmessage = (e) => {
  const { wasmModule, a, b } = e.data;
  postMessage(new WebAssembly.Instance(wasmModule, {}).exports.add(a, b));
};
