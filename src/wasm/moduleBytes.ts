import { wasmBase64, wasmRelaxedBase64 } from './bytes.generated.js';

// The compiled kernels (assembly/), embedded at build time, apart from the backends that run
// them: both the WASM backend (src/backend/wasm/) and the d-dimensional fast path's exact sums
// (src/fast/nd/wasmExact.ts) instantiate this module.

// The smallest module that uses a relaxed-SIMD instruction:
// (func (param v128 v128 v128) (result v128) local.get 0 local.get 1 local.get 2 f32x4.relaxed_madd).
const RELAXED_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 8, 1, 96, 3, 123, 123, 123, 1, 123, 3, 2, 1, 0, 10, 13, 1, 11, 0, 32, 0, 32, 1, 32, 2, 253, 133, 2, 11,
]);

let relaxedSupported: boolean | undefined;

/** Whether this engine validates relaxed SIMD (Node ≥ 22, Chrome, Edge; Node 20 with --experimental-wasm-relaxed-simd). */
export function relaxedSimdSupport(): boolean {
  relaxedSupported ??= typeof WebAssembly === 'object' && typeof WebAssembly.validate === 'function' && WebAssembly.validate(RELAXED_PROBE);
  return relaxedSupported;
}

/**
 * The module's bytes, decoded from the base64 embedded at build time (no file, no fetch):
 * the relaxed-SIMD build when `relaxed` (default: where the engine validates it), else the plain-SIMD one.
 */
export function wasmBytes(relaxed = relaxedSimdSupport()): Uint8Array<ArrayBuffer> {
  const text = atob(relaxed ? wasmRelaxedBase64 : wasmBase64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/** Grows `memory` to hold `end` bytes; false where it cannot grow (the caller then runs its JS loops). */
export function memoryHolds(memory: WebAssembly.Memory, end: number): boolean {
  const have = memory.buffer.byteLength;
  if (end <= have) return true;
  try {
    memory.grow(Math.ceil((end - have) / 65536));
    return true;
  } catch {
    return false;
  }
}
