// backend.features and the choice between the two embedded builds (plain SIMD, relaxed SIMD).
// The `relaxed` vitest project runs this file with --experimental-wasm-relaxed-simd and
// ATTNPOOL_EXPECT_RELAXED=1; the `unit` project on plain Node 20 expects the plain build.
import { describe, expect, it } from 'vitest';
import { loadBackend } from '../src/backend/load.js';
import { createParallelBackend } from '../src/backend/parallel/index.js';
import { relaxedSimdSupport } from '../src/backend/wasm/load.js';

const major = Number(process.versions.node.split('.')[0]);
const flagged = process.execArgv.includes('--experimental-wasm-relaxed-simd');
const expectRelaxed = process.env.ATTNPOOL_EXPECT_RELAXED === '1' || major >= 22;

describe('backend.features', () => {
  it('detects relaxed SIMD where the engine validates it (Node 20: only with the flag)', () => {
    expect(relaxedSimdSupport()).toBe(expectRelaxed);
    if (major === 20 && !flagged) expect(relaxedSimdSupport()).toBe(false);
  });

  it('wasm: the relaxed build where supported, the plain one when forced', async () => {
    const be = await loadBackend('wasm');
    expect(be.features).toEqual({ simd: true, relaxedSimd: expectRelaxed, threads: 1 });
    const plain = await loadBackend('wasm', { relaxedSimd: false });
    expect(plain.features).toEqual({ simd: true, relaxedSimd: false, threads: 1 });
    const auto = await loadBackend('auto', { relaxedSimd: true });
    expect(auto.features.relaxedSimd).toBe(expectRelaxed);
  });

  it('js: no SIMD', async () => {
    expect((await loadBackend('js')).features).toEqual({ simd: false, relaxedSimd: false, threads: 1 });
  });

  it('rejects a relaxedSimd that is not a boolean', async () => {
    await expect(loadBackend('wasm', { relaxedSimd: 1 as unknown as boolean })).rejects.toMatchObject({ code: 'E_OPTION' });
  });

  it('threads run the same build as the calling thread, and both builds agree within rounding', async () => {
    const n = 2048;
    const q = Float32Array.from({ length: 64 }, (_, i) => Math.sin(i) * 3);
    const k = Float32Array.from({ length: n }, (_, i) => Math.cos(i * 0.7) * 3);
    const v = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.3));
    for (const relaxedSimd of [true, false]) {
      const single = await loadBackend('wasm', { relaxedSimd });
      const be = await createParallelBackend(2, { minPairs: 1, relaxedSimd });
      try {
        expect(be.features).toEqual({ simd: true, relaxedSimd: relaxedSimd && expectRelaxed, threads: 2 });
        // ŷ is bit for bit the single-thread one only when both run the same build
        expect(Array.from(be.attentionPool(q, k, v, 2).yHat.data)).toEqual(Array.from(single.attentionPool(q, k, v, 2).yHat.data));
      } finally {
        await be.close();
      }
      expect(be.features.threads).toBeGreaterThanOrEqual(1);
    }
    const a = (await loadBackend('wasm')).attentionPool(q, k, v, 2).yHat.data;
    const b = (await loadBackend('wasm', { relaxedSimd: false })).attentionPool(q, k, v, 2).yHat.data;
    for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThanOrEqual(1e-5 + 1e-5 * Math.abs(b[i]));
  });
});
