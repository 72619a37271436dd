// Issue 19, item 14: WebAssembly memory grown by one huge call is given back by backend.trim().
import { describe, expect, it } from 'vitest';
import { loadBackend } from '../src/backend/load.js';
import { wasmMemoryBytes } from '../src/backend/wasm/index.js';

const nk = 4_000_000;
const keys = Float32Array.from({ length: nk }, (_, i) => (5 * i) / nk);
const values = Float32Array.from(keys, (k) => Math.sin(k));
const queries = Float32Array.from({ length: 16 }, (_, i) => i / 4);

describe('backend.trim()', () => {
  it('wasm: gives back the memory one huge call grew, and results stay the same', async () => {
    const be = await loadBackend('wasm');
    const small = be.attentionPool(queries, keys.subarray(0, 100), values.subarray(0, 100), 3).yHat.data;
    const steady = wasmMemoryBytes(be) as number;
    expect(steady).toBeLessThan(4 << 20);
    const big = be.attentionPool(queries, keys, values, 3, { method: 'dense' }).yHat.data;
    expect(wasmMemoryBytes(be)).toBeGreaterThan(8 * nk); // keys and values: 32 MB at least
    await be.trim();
    expect(wasmMemoryBytes(be)).toBeLessThanOrEqual(steady);
    expect(be.attentionPool(queries, keys.subarray(0, 100), values.subarray(0, 100), 3).yHat.data).toEqual(small);
    expect(be.attentionPool(queries, keys, values, 3, { method: 'dense' }).yHat.data).toEqual(big);
    await be.trim();
    await be.trim(); // idle and already small: nothing to do
    expect(wasmMemoryBytes(be)).toBeLessThanOrEqual(steady);
  });

  it("wasm with threads: trims the calling thread's instance", async () => {
    const be = await loadBackend('wasm', { threads: 2 });
    try {
      const a = be.bmm({ data: new Float32Array(nk).fill(1), shape: [1, 1, nk] }, { data: new Float32Array(nk).fill(0.5), shape: [1, nk, 1] });
      expect(wasmMemoryBytes(be)).toBeGreaterThan(8 * nk);
      await be.trim();
      expect(wasmMemoryBytes(be)).toBeLessThan(4 << 20);
      expect(be.bmm({ data: new Float32Array(8).fill(1), shape: [1, 1, 8] }, { data: new Float32Array(8).fill(0.5), shape: [1, 8, 1] }).data[0]).toBe(4);
      expect(a.data[0]).toBeGreaterThan(0);
    } finally {
      await be.close();
    }
  });

  it('js: resolves at once (no memory held between calls)', async () => {
    const be = await loadBackend('js');
    await expect(be.trim()).resolves.toBeUndefined();
    expect(wasmMemoryBytes(be)).toBeUndefined();
  });
});
