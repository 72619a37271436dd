// Pooling off the main thread: the worker loads its own backend (its own WASM instance and
// memory) once and answers each message with ŷ, transferring the result instead of copying it.
import { loadBackend } from '../src/backend/load.js';
import type { Backend } from '../src/backend/types.js';

let backend: Promise<Backend> | null = null;

self.onmessage = async (e: MessageEvent<{ q: Float32Array; k: Float32Array; v: Float32Array; w: number }>) => {
  backend ??= loadBackend();
  const be = await backend;
  const { yHat } = be.attentionPool(e.data.q, e.data.k, e.data.v, e.data.w);
  (self as unknown as Worker).postMessage({ yHat: yHat.data, backend: be.name }, [yHat.data.buffer]);
};
