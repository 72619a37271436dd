import { AttnpoolError } from '../../errors.js';
import { FrontEnd } from '../frontEnd.js';
import { createJsKernels } from '../js/kernels.js';
import type { Backend } from '../types.js';
import { WasmKernels } from './kernels.js';
import { instantiateKernels, relaxedSimdSupport } from './load.js';

// The smallest module that uses a SIMD instruction: (func (result v128) v128.const 0).
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 22, 1, 20, 0, 253, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 11,
]);

/** Whether this engine can run the WASM backend, and why not when it cannot. */
export function wasmSupport(): { ok: true } | { ok: false; reason: string } {
  if (typeof WebAssembly !== 'object' || typeof WebAssembly.validate !== 'function') {
    return { ok: false, reason: 'this engine has no WebAssembly' };
  }
  if (!WebAssembly.validate(SIMD_PROBE)) {
    return { ok: false, reason: 'this engine does not support WebAssembly SIMD (128-bit)' };
  }
  return { ok: true };
}

/**
 * WASM kernels with their own instance and memory; throws AttnpoolError E_BACKEND where they
 * cannot run. The relaxed-SIMD build wherever the engine validates it, unless `relaxedSimd` is false.
 */
export async function instantiateWasmKernels(relaxedSimd?: boolean): Promise<WasmKernels> {
  const support = wasmSupport();
  if (!support.ok) throw new AttnpoolError('E_BACKEND', `wasm: ${support.reason}; use loadBackend('js') or 'auto'`);
  const relaxed = relaxedSimd !== false && relaxedSimdSupport();
  try {
    return new WasmKernels(await instantiateKernels(relaxed), relaxed);
  } catch (err) {
    throw new AttnpoolError('E_BACKEND', `wasm: the module failed to instantiate: ${(err as Error).message}`);
  }
}

/** A WASM backend with its own instance and memory; throws AttnpoolError E_BACKEND where it cannot run. */
export async function loadWasmBackend(relaxedSimd?: boolean): Promise<Backend> {
  return new FrontEnd('wasm', await instantiateWasmKernels(relaxedSimd), createJsKernels());
}

/** Bytes of WebAssembly memory a backend holds, or undefined for a backend without any. */
export function wasmMemoryBytes(backend: Backend): number | undefined {
  return backend instanceof FrontEnd ? backend.kernels.memoryBytes?.() : undefined;
}
