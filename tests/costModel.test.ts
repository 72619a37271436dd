// 'auto' weighs the fast path against dense pooling with a cost model measured on the machine
// (src/backend/costModel.ts). Timings are not asserted here (bench/ measures them); these tests
// check that the model is measured, kept, and decides as its numbers say.
import { beforeAll, describe, expect, it } from 'vitest';
import { calibrationCall, fastIsFaster, MIN_AUTO_PAIRS, setCostModel } from '../src/backend/costModel.js';

const call = (n: number, w: number) => calibrationCall(n, n, w);
import type { FrontEnd } from '../src/backend/frontEnd.js';
import type { Backend, CostModel } from '../src/backend/types.js';
import { MT19937 } from '../src/torch/mt19937.js';
import { BACKENDS, load } from './backends.js';
import { watchDenseCalls } from './denseCalls.js';

function uniform(n: number, seed: number): Float32Array {
  const g = new MT19937(seed);
  return Float32Array.from({ length: n }, () => 5 * g.nextDouble());
}

const cheapDense: CostModel = { densePoolNs: 1e-6, denseLossNs: 1e-6, fgtScale: 1, windowedScale: 1, ndHermiteScale: 1, ndExactScale: 1 };
const dearDense: CostModel = { densePoolNs: 1e6, denseLossNs: 1e6, fgtScale: 1, windowedScale: 1, ndHermiteScale: 1, ndExactScale: 1 };

describe.each(BACKENDS)('the cost model on $name', ({ name }) => {
  let be: Backend;
  beforeAll(async () => {
    be = await load(name);
  });

  it('is measured on first use, positive and finite, and kept', () => {
    const m = be.costModel();
    for (const [key, value] of Object.entries(m)) expect(Number.isFinite(value) && value > 0, `${key} = ${value}`).toBe(true);
    expect(be.costModel()).toEqual(m);
  });

  it("'auto' follows the model: fast where dense is dear, dense where it is cheap, for the forward and the loss alike", () => {
    const n = 512;
    const q = uniform(n, 1);
    const k = uniform(n, 2);
    const v = uniform(n, 3);
    const kernels = (be as FrontEnd).kernels;
    const kept = be.costModel();
    // which way a call went: the dense kernels count their calls
    const watch = watchDenseCalls(kernels);
    const dense = watch.ranDense;
    try {
      setCostModel(kernels, dearDense);
      expect(dense(() => be.attentionPool(q, k, v, 1))).toBe(false);
      expect(dense(() => be.attentionPoolLoss(q, k, v, v, 1))).toBe(false);
      setCostModel(kernels, cheapDense);
      expect(dense(() => be.attentionPool(q, k, v, 1))).toBe(true);
      expect(dense(() => be.attentionPoolLoss(q, k, v, v, 1))).toBe(true);
      // the loss weighs its own dense cost: dear for the forward, cheap for the loss
      setCostModel(kernels, { ...cheapDense, densePoolNs: 1e6 });
      expect(dense(() => be.attentionPool(q, k, v, 1))).toBe(false);
      expect(dense(() => be.attentionPoolLoss(q, k, v, v, 1))).toBe(true);
      // what fast does not compute ('weights', another kernel) stays dense
      setCostModel(kernels, dearDense);
      expect(dense(() => be.attentionPool(q, k, v, 1, { weights: true }))).toBe(true);
      expect(dense(() => be.attentionPool(q, k, v, 1, { kernel: 'epanechnikov' }))).toBe(true);
    } finally {
      watch.restore();
      setCostModel(kernels, kept);
    }
  });

  it(`below ${MIN_AUTO_PAIRS} pairs 'auto' pools densely whatever the model says`, () => {
    const n = Math.floor(Math.sqrt(MIN_AUTO_PAIRS)) - 1;
    const q = uniform(n, 4);
    const kernels = (be as FrontEnd).kernels;
    const kept = be.costModel();
    const watch = watchDenseCalls(kernels);
    try {
      setCostModel(kernels, dearDense);
      expect(watch.ranDense(() => be.attentionPool(q, q, q, 1))).toBe(true);
      // and for two features
      expect(
        watch.ranDense(() =>
          be.attentionPool(
            { data: q.subarray(0, 2 * (n >> 1)), shape: [n >> 1, 2] },
            { data: q.subarray(0, 2 * (n >> 1)), shape: [n >> 1, 2] },
            q.subarray(0, n >> 1),
            1,
          ),
        ),
      ).toBe(true);
    } finally {
      watch.restore();
      setCostModel(kernels, kept);
    }
  });
});

describe('fastIsFaster', () => {
  it('weighs modelled fast costs, scaled to the machine, against pairs × ns per pair', () => {
    const m: CostModel = { densePoolNs: 1, denseLossNs: 2, fgtScale: 1, windowedScale: 1, ndHermiteScale: 1, ndExactScale: 1 };
    // n = 4096, w = 1: the transform is modelled at ~1.3 ms, dense at 16.8 ms (pool) and 33.6 ms (loss)
    expect(fastIsFaster(m, call(4096, 1), 5, false, 1)).toBe(true);
    // a machine where the transform runs 20× slower than modelled: dense wins the forward, not the loss
    expect(fastIsFaster({ ...m, fgtScale: 20 }, call(4096, 1), 5, false, 1)).toBe(false);
    expect(fastIsFaster({ ...m, fgtScale: 20 }, call(4096, 1), 5, true, 1)).toBe(true);
    // threads share the dense work: 4 threads at 0.95 efficiency make dense 3.85× cheaper
    expect(fastIsFaster({ ...m, fgtScale: 5 }, call(4096, 1), 5, false, 1)).toBe(true);
    expect(fastIsFaster({ ...m, fgtScale: 5 }, call(4096, 1), 5, false, 4)).toBe(false);
  });
});

describe("the threaded backend's dense cost", () => {
  it('counts the threads a call would be split over: all of them above the slicing threshold, one below', async () => {
    const { createParallelBackend } = await import('../src/backend/parallel/index.js');
    const par = await createParallelBackend(2, { minPairs: 1 << 12 });
    try {
      const kernels = (par as unknown as FrontEnd).kernels;
      expect(kernels.threadsFor?.(call(128, 1))).toBe(2);
      expect(kernels.threadsFor?.(call(32, 1))).toBe(1);
    } finally {
      await par.close();
    }
  });
});
