// The parallel backend (src/backend/parallel/): fused pooling sliced over worker threads gives
// the single-thread WASM backend's ŷ, loss and grad bit for bit, in every layout, across
// repeated calls whose keys change, and after bad input. minPairs: 0 slices even these small
// calls, so every test runs the workers. No timing here (measured by hand: see the README).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createParallelBackend, type ParallelBackendHandle } from '../src/backend/parallel/index.js';
import { loadWasmBackend } from '../src/backend/wasm/index.js';
import { setCostModel } from '../src/backend/costModel.js';
import type { FrontEnd } from '../src/backend/frontEnd.js';
import type { Backend, CostModel } from '../src/backend/types.js';
import { expectAttnpoolError } from './expectError.js';
import { expectSameBits, uniform } from './reference.js';
import { TRAPPING } from './trappingModule.js';

function rows(nq: number, nk: number, lo: number, hi: number, seed: number) {
  return { data: uniform(nq * nk, lo, hi, seed), shape: [nq, nk] };
}

let single: Backend;
let measured: CostModel;
beforeAll(async () => {
  single = await loadWasmBackend();
  // Threads are bit for bit with one thread for dense pooling; which method 'auto' takes is a
  // matter of timings (tests/costModel.test.ts), so here it is pinned to dense.
  measured = single.costModel();
  setCostModel((single as FrontEnd).kernels, { ...measured, densePoolNs: 1e-9, denseLossNs: 1e-9 });
});
afterAll(() => {
  setCostModel((single as FrontEnd).kernels, measured);
});

// steal: false makes every worker run its own slice (by default the caller may take a slice
// whose worker has not woken yet, which would leave the workers' path untested here).
for (const [threads, steal] of [
  [1, false],
  [2, false],
  [3, false],
  [2, true],
] as const) {
  describe(`threads = ${threads}${steal ? ', caller may steal' : ''}`, () => {
    let par: ParallelBackendHandle;
    beforeAll(async () => {
      par = await createParallelBackend(threads, { minPairs: 0, steal });
    });
    afterAll(async () => {
      await par.close();
    });

    it('reports its thread count', () => {
      expect(par.threads).toBe(threads);
      expect(par.name).toBe('wasm');
    });

    // nq not a multiple of threads or of 4, nk with a scalar tail and more than one 1024-key block.
    const nq = 203;
    const nk = 2053;
    const q = uniform(nq, 0, 5, 1);
    const k = uniform(nk, 0, 5, 2);
    const v = uniform(nk, -2, 3, 3);
    const t = uniform(nq, -2, 3, 4);

    it('gives the same ŷ for shared keys', () => {
      for (const w of [0, 1, 3.7]) {
        expectSameBits(par.attentionPool(q, k, v, w).yHat.data, single.attentionPool(q, k, v, w).yHat.data);
      }
    });

    it('gives the same ŷ for per-query keys [nq, nk]', () => {
      const kr = rows(nq, 67, 0, 5, 5);
      const vr = rows(nq, 67, -1, 1, 6);
      expectSameBits(par.attentionPool(q, kr, vr, 2).yHat.data, single.attentionPool(q, kr, vr, 2).yHat.data);
    });

    it('gives the same ŷ and weights with excludeSelf and with weights: true', () => {
      const x = uniform(nk, 0, 5, 7);
      const a = par.attentionPool(x, k, v, 2, { excludeSelf: true });
      expectSameBits(a.yHat.data, single.attentionPool(x, k, v, 2, { excludeSelf: true }).yHat.data);
      const b = par.attentionPool(q, k, v, 2, { weights: true });
      const c = single.attentionPool(q, k, v, 2, { weights: true });
      expectSameBits(b.yHat.data, c.yHat.data);
      expectSameBits(b.weights!.data, c.weights!.data);
      expect(b.weights!.shape).toEqual([nq, nk]);
    });

    it('gives the same loss, grad and ŷ (bit for bit, within the 1e-12 promised)', () => {
      const kr = rows(nq, 67, 0, 5, 8);
      const vr = rows(nq, 67, -1, 1, 9);
      const x = uniform(nk, 0, 5, 10);
      const tx = uniform(nk, -2, 3, 11);
      const cases: [Parameters<Backend['attentionPoolLoss']>, string][] = [
        [[q, k, v, t, 1.3], 'shared'],
        [[q, kr, vr, t, 4], 'per-query'],
        [[x, k, v, tx, 2, { excludeSelf: true }], 'excludeSelf'],
        [[q, k, v, t, 0], 'w = 0'],
      ];
      for (const [args, label] of cases) {
        const got = par.attentionPoolLoss(...args);
        const want = single.attentionPoolLoss(...args);
        expect(Math.abs(got.loss - want.loss), label).toBeLessThanOrEqual(1e-12 * Math.abs(want.loss));
        expect(Math.abs(got.grad - want.grad), label).toBeLessThanOrEqual(1e-12 * Math.abs(want.grad) + 1e-300);
        expect(got.loss, label).toBe(want.loss);
        expect(got.grad, label).toBe(want.grad);
        expectSameBits(got.yHat.data, want.yHat.data);
      }
    });

    it('splits d-dimensional calls (d features, dv columns, a w per feature, every kernel) with the same bits', () => {
      const nq3 = 97;
      const nk3 = 131;
      const x = { data: uniform(nk3 * 3, 0, 4, 20), shape: [nk3, 3] };
      const qs = { data: uniform(nq3 * 3, 0, 4, 21), shape: [nq3, 3] };
      const vs = { data: uniform(nk3 * 2, -1, 2, 22), shape: [nk3, 2] };
      const ts = { data: uniform(nq3 * 2, -1, 2, 23), shape: [nq3, 2] };
      const kq = { data: uniform(nq3 * 7 * 3, 0, 4, 24), shape: [nq3, 7, 3] };
      const vq = { data: uniform(nq3 * 7, -1, 2, 25), shape: [nq3, 7] };
      const w = [1.3, 0.6, 2.1];
      for (const kernel of ['gaussian', 'epanechnikov', 'triangular', 'boxcar', 'constant'] as const) {
        expectSameBits(par.attentionPool(qs, x, vs, w, { kernel }).yHat.data, single.attentionPool(qs, x, vs, w, { kernel }).yHat.data);
        expectSameBits(par.attentionPool(qs, kq, vq, w, { kernel }).yHat.data, single.attentionPool(qs, kq, vq, w, { kernel }).yHat.data);
        const got = par.attentionPoolLoss(qs, x, vs, ts, w, { kernel });
        const want = single.attentionPoolLoss(qs, x, vs, ts, w, { kernel });
        expect(got.loss, kernel).toBe(want.loss);
        expect(got.grad, kernel).toEqual(want.grad);
        expectSameBits(got.yHat.data, want.yHat.data);
        const self = par.attentionPoolLoss(x, x, vs.data.subarray(0, nk3), vs.data.subarray(nk3, 2 * nk3), 1.1, { kernel, excludeSelf: true });
        const selfWant = single.attentionPoolLoss(x, x, vs.data.subarray(0, nk3), vs.data.subarray(nk3, 2 * nk3), 1.1, { kernel, excludeSelf: true });
        expect([self.loss, self.grad], kernel).toEqual([selfWant.loss, selfWant.grad]);
      }
      // a 1-D call after a d-dimensional one still gets fresh keys in every worker, and the [n, 1]
      // layout gives the [n] layout's numbers
      expectSameBits(par.attentionPool(q, k, v, 2).yHat.data, single.attentionPool(q, k, v, 2).yHat.data);
      const col = (a: Float32Array) => ({ data: a, shape: [a.length, 1] });
      expectSameBits(par.attentionPool(col(q), col(k), v, 2).yHat.data, single.attentionPool(q, k, v, 2).yHat.data);
      const colLoss = par.attentionPoolLoss(col(q), col(k), v, t, [2]);
      expect([colLoss.loss, colLoss.grad[0]]).toEqual([single.attentionPoolLoss(q, k, v, t, 2).loss, single.attentionPoolLoss(q, k, v, t, 2).grad]);
    });

    it('never serves stale keys or values across calls', () => {
      const k2 = k.slice();
      const v2 = v.slice();
      const check = () => {
        expectSameBits(par.attentionPool(q, k2, v2, 1).yHat.data, single.attentionPool(q, k2, v2, 1).yHat.data);
        const got = par.attentionPoolLoss(q, k2, v2, t, 1);
        expect(got.loss).toBe(single.attentionPoolLoss(q, k2, v2, t, 1).loss);
      };
      check();
      check(); // same content: served from the workers' copies
      k2[nk - 1] += 0.25; // one key, in a worker's-eye view the last one
      check();
      v2[0] = -v2[0]; // one value
      check();
      k2[5] = -0; // 0 and −0 compare equal but are different bits
      check();
      k2[5] = 0;
      check();
      // A different nk, a per-query call (which overwrites the held keys), then shared again.
      const k3 = k2.subarray(1, nk - 2);
      const v3 = v2.subarray(1, nk - 2);
      expectSameBits(par.attentionPool(q, k3, v3, 1).yHat.data, single.attentionPool(q, k3, v3, 1).yHat.data);
      const kr = rows(nq, 31, 0, 5, 12);
      expectSameBits(par.attentionPool(q, kr, kr, 1).yHat.data, single.attentionPool(q, kr, kr, 1).yHat.data);
      check();
      // A much larger call (a new shared buffer), then the first size again.
      const big = uniform(40_000, 0, 5, 13);
      expectSameBits(par.attentionPool(q, big, big, 1).yHat.data, single.attentionPool(q, big, big, 1).yHat.data);
      check();
    });

    it('throws the WASM backend’s errors on bad input and stays correct after them', () => {
      const bad: [string, () => unknown, () => unknown][] = [
        ['values shape', () => par.attentionPool(q, k, v.subarray(1)), () => single.attentionPool(q, k, v.subarray(1))],
        ['NaN query', () => par.attentionPool([1, NaN], k, v), () => single.attentionPool([1, NaN], k, v)],
        ['negative w', () => par.attentionPool(q, k, v, -1), () => single.attentionPool(q, k, v, -1)],
        ['unknown option', () => par.attentionPool(q, k, v, 1, { nope: true } as never), () => single.attentionPool(q, k, v, 1, { nope: true } as never)],
        ['option type', () => par.attentionPool(q, k, v, 1, { excludeSelf: 1 } as never), () => single.attentionPool(q, k, v, 1, { excludeSelf: 1 } as never)],
        ['excludeSelf nq ≠ nk', () => par.attentionPool(q, k, v, 1, { excludeSelf: true }), () => single.attentionPool(q, k, v, 1, { excludeSelf: true })],
        ['targets shape', () => par.attentionPoolLoss(q, k, v, t.subarray(1), 1), () => single.attentionPoolLoss(q, k, v, t.subarray(1), 1)],
        ['w missing', () => par.attentionPoolLoss(q, k, v, t, undefined as never), () => single.attentionPoolLoss(q, k, v, t, undefined as never)],
        ['empty keys', () => par.attentionPoolLoss(q, [], [], t, 1), () => single.attentionPoolLoss(q, [], [], t, 1)],
      ];
      for (const [label, got, want] of bad) {
        const expected = expectAttnpoolError(want, undefined, undefined, label);
        expect(got, label).toThrow(expected);
        expectAttnpoolError(got, expected.code, undefined, label);
        expectSameBits(par.attentionPool(q, k, v, 1.5).yHat.data, single.attentionPool(q, k, v, 1.5).yHat.data);
      }
    });

    it('delegates scores, softmax and bmm to the single-thread backend', () => {
      expectSameBits(par.gaussianScores(q, k, 2).data, single.gaussianScores(q, k, 2).data);
      const x = { data: uniform(12, -3, 3, 14), shape: [3, 4] };
      expectSameBits(par.softmax(x).data, single.softmax(x).data);
      const a = { data: uniform(24, -1, 1, 15), shape: [2, 3, 4] };
      const b = { data: uniform(16, -1, 1, 16), shape: [2, 4, 2] };
      expectSameBits(par.bmm(a, b).data, single.bmm(a, b).data);
    });

    it('falls back like the WASM backend where float32 overflows', () => {
      const far = [0, 1e30];
      const got = par.attentionPool([0.5, 2e30], far, [1, 2], 1e10).yHat.data;
      expectSameBits(got, single.attentionPool([0.5, 2e30], far, [1, 2], 1e10).yHat.data);
    });
  });
}

describe('createParallelBackend', () => {
  it('turns a failing slice into E_BACKEND, never a hang, and recovers nothing stale', async () => {
    const par = await createParallelBackend(3, { minPairs: 0, module: new WebAssembly.Module(TRAPPING) });
    const q = uniform(50, 0, 5, 20);
    for (let i = 0; i < 2; i++) {
      expect(() => par.attentionPool(q, q, q)).toThrow(expect.objectContaining({ code: 'E_BACKEND' }));
      expect(() => par.attentionPoolLoss(q, q, q, q, 1)).toThrow(expect.objectContaining({ code: 'E_BACKEND' }));
    }
    // Unsliced calls never touch that module.
    expectSameBits(par.attentionPool(q, q, q, 1, { weights: true }).yHat.data, single.attentionPool(q, q, q, 1).yHat.data);
    await par.close();
  });

  it('rejects a bad thread count', async () => {
    for (const n of [0, -1, 1.5, NaN, 33]) {
      await expect(createParallelBackend(n)).rejects.toMatchObject({ code: 'E_VALUE' });
    }
  });

  it('keeps small calls on the calling thread by default, closes cleanly, works closed', async () => {
    const par = await createParallelBackend(2);
    const q = uniform(64, 0, 5, 17);
    const k = uniform(64, 0, 5, 18);
    expectSameBits(par.attentionPool(q, k, k).yHat.data, single.attentionPool(q, k, k).yHat.data);
    await par.close();
    await par.close(); // twice is fine
    // Closed, it runs everything on the calling thread, with the same results.
    const big = uniform(1100, 0, 5, 19);
    expectSameBits(par.attentionPool(big, big, big).yHat.data, single.attentionPool(big, big, big).yHat.data);
  });
});
