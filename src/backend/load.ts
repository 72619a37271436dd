import { AttnpoolError } from '../errors.js';
import { describe } from '../tensor.js';
import { createJsBackend } from './js/index.js';
import type { Backend } from './types.js';
import { loadWasmBackend, wasmSupport } from './wasm/index.js';

/** A backend to load: `'wasm'`, `'js'`, or `'auto'` (WASM where the engine can run it, else JS). */
export type BackendName = 'auto' | 'wasm' | 'js';

/** Why `loadBackend('auto')` fell back to JS, or null when it did not. */
export let fallbackReason: string | null = null;
let warned = false;

/**
 * Load a backend. `'wasm'` throws an AttnpoolError (code E_BACKEND) when this engine cannot
 * run the SIMD module; `'auto'` (the default) then falls back to `'js'`, records why in
 * `fallbackReason` and warns once on the console.
 */
export async function loadBackend(name: BackendName = 'auto'): Promise<Backend> {
  if (name === 'js') return createJsBackend();
  if (name === 'wasm') return loadWasmBackend();
  if (name !== 'auto') {
    throw new AttnpoolError('E_BACKEND', `name: expected 'auto', 'wasm' or 'js', got ${describe(name)}`);
  }
  const support = wasmSupport();
  if (support.ok) {
    try {
      return await loadWasmBackend();
    } catch (err) {
      fallBack((err as Error).message);
      return createJsBackend();
    }
  }
  fallBack(support.reason);
  return createJsBackend();
}

function fallBack(reason: string): void {
  fallbackReason = reason;
  if (!warned) {
    warned = true;
    console.warn(`attnpool: using the JS backend because the WASM backend is unavailable: ${reason}`);
  }
}
