import { AttnpoolError } from '../../errors.js';
import type { Backend } from '../types.js';

export function wasmSupport(): { ok: true } | { ok: false; reason: string } {
  return { ok: false, reason: 'the WASM backend is not built yet' };
}

export async function loadWasmBackend(): Promise<Backend> {
  throw new AttnpoolError('E_BACKEND', 'wasm: the WASM backend is not built yet');
}

export function wasmMemoryBytes(_backend: Backend): number | undefined {
  return undefined;
}
