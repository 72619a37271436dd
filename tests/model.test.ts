import { describe, expect, it } from 'vitest';
import { createJsBackend } from '../src/backend/js/index.js';
import { chapterStart, runChapter } from '../src/chapter/runChapter.js';
import { AttnpoolError } from '../src/errors.js';
import { averagePooling } from '../src/model/averagePooling.js';
import { chapterFunction, syntheticData } from '../src/chapter/data.js';
import { leaveOneOut } from '../src/model/leaveOneOut.js';
import { MT19937 } from '../src/torch/mt19937.js';
import { NWKernelRegression } from '../src/model/nwKernelRegression.js';
import { train } from '../src/model/train.js';
import { BACKENDS, load } from './backends.js';
import { refLeaveOneOut, refLossGrad } from './reference.js';

describe('MT19937', () => {
  it('produces the reference outputs of init_genrand(5489)', () => {
    // The first outputs of mt19937ar.c seeded with the default 5489 (also std::mt19937's).
    const g = new MT19937(5489);
    expect([g.nextU32(), g.nextU32(), g.nextU32()]).toEqual([3499211612, 581869302, 3890346734]);
    // C++11 requires the 10000th output of a default-constructed std::mt19937 to be 4123659995.
    const h = new MT19937(5489);
    let last = 0;
    for (let i = 0; i < 10000; i++) last = h.nextU32();
    expect(last).toBe(4123659995);
  });
});

describe('syntheticData', () => {
  it("has the chapter's shapes, sorted inputs in [0, 5), the test grid and f on it", () => {
    const d = syntheticData({ seed: 3 });
    expect(d.xTrain.shape).toEqual([50]);
    expect(d.xTest.shape).toEqual([50]);
    const x = Array.from(d.xTrain.data);
    expect(x).toEqual([...x].sort((a, b) => a - b));
    expect(Math.min(...x)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...x)).toBeLessThan(5);
    expect(d.xTest.data[0]).toBe(0);
    expect(d.xTest.data[49]).toBe(Math.fround(4.9));
    d.yTruth.data.forEach((y, i) => {
      expect(y).toBeCloseTo(2 * Math.sin(i / 10) + (i / 10) ** 0.8, 5);
    });
  });

  it('is reproducible by seed, differs across seeds, and its noise has the stated spread', () => {
    expect(syntheticData({ seed: 7 })).toEqual(syntheticData({ seed: 7 }));
    expect(syntheticData({ seed: 7 }).xTrain.data).not.toEqual(syntheticData({ seed: 8 }).xTrain.data);
    const d = syntheticData({ seed: 1, nTrain: 20000, noise: 0.5 });
    const r = Array.from(d.yTrain.data, (y, i) => y - chapterFunction(d.xTrain.data[i]));
    const mean = r.reduce((a, b) => a + b, 0) / r.length;
    const sd = Math.sqrt(r.reduce((a, b) => a + (b - mean) ** 2, 0) / r.length);
    expect(Math.abs(mean)).toBeLessThan(0.02); // 4 standard errors
    expect(Math.abs(sd - 0.5)).toBeLessThan(0.015);
  });

  it('rejects bad options by name', () => {
    expect(() => syntheticData({ nTrain: 0 })).toThrow(/nTrain: expected an integer >= 1, got 0/);
    expect(() => syntheticData({ seed: 1.5 })).toThrow(/seed: expected an integer >= 0/);
    expect(() => syntheticData({ noise: NaN })).toThrow(AttnpoolError);
    expect(() => syntheticData({ nTrian: 5 } as never)).toThrow(/unknown option "nTrian"/);
  });
});

describe('averagePooling and leaveOneOut', () => {
  it('predicts the mean of the targets for every query', () => {
    const a = averagePooling([1, 2, 6], 4);
    expect(a.shape).toEqual([4]);
    expect(Array.from(a.data)).toEqual([3, 3, 3, 3]);
    expect(() => averagePooling([], 3)).toThrow(/yTrain: expected at least one element/);
    expect(() => averagePooling([1, NaN], 3)).toThrow(/yTrain: expected finite numbers/);
  });

  it("builds the chapter's [n, n−1] rows", () => {
    const l = leaveOneOut([1, 2, 3, 4]);
    expect(l.shape).toEqual([4, 3]);
    expect(Array.from(l.data)).toEqual([2, 3, 4, 1, 3, 4, 1, 2, 4, 1, 2, 3]);
    expect(() => leaveOneOut([1])).toThrow(/x: expected shape \[n\] with n >= 2/);
  });
});

describe.each(BACKENDS)('NWKernelRegression and train on $name', ({ name, tol }) => {
  it('draws w uniformly in [0, 1) from the seed, keeps the last weights, rejects a bad w', async () => {
    const be = await load(name);
    const m = new NWKernelRegression(be, { seed: 4 });
    expect(m.w).toBeGreaterThanOrEqual(0);
    expect(m.w).toBeLessThan(1);
    expect(new NWKernelRegression(be, { seed: 4 }).w).toBe(m.w);
    expect(m.attentionWeights).toBeNull();
    const y = m.forward([0.5, 1.5], [0, 1, 2], [10, 20, 30]);
    expect(y.shape).toEqual([2]);
    expect(m.attentionWeights?.shape).toEqual([2, 3]);
    expect(() => (m.w = NaN)).toThrow(/w: expected a finite number/);
    expect(Number.isFinite(m.w)).toBe(true);
  });

  it('follows an independent float64 SGD from the same w0 (1e-5 relative), losses decreasing after epoch 1', async () => {
    const be = await load(name);
    const { data, w0 } = chapterStart(11);
    const x = data.xTrain.data;
    const y = data.yTrain.data;
    const model = new NWKernelRegression(be, { w: w0 });
    const seen: number[] = [];
    const { losses, ws } = train(model, { queries: x, keys: x, values: y, targets: y, excludeSelf: true }, { onEpoch: (e) => seen.push(e.epoch) });
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    let w = w0;
    for (let k = 0; k < 5; k++) {
      const { loss, grad } = refLossGrad(x, refLeaveOneOut(x), refLeaveOneOut(y), y, w);
      expect(Math.abs(losses[k] - loss) / loss).toBeLessThan(Math.max(1e-5, tol.loss));
      w -= 0.5 * grad;
      expect(Math.abs(ws[k] - w) / w).toBeLessThan(1e-5);
    }
    expect(model.w).toBe(ws[4]);
    for (let k = 1; k < 5; k++) expect(losses[k]).toBeLessThan(losses[0]);
  });

  it("gives the same losses with excludeSelf as with the chapter's explicit leave-one-out matrices", async () => {
    const be = await load(name);
    const { data } = chapterStart(2);
    const x = data.xTrain;
    const y = data.yTrain;
    const fused = train(new NWKernelRegression(be, { w: 0.7 }), { queries: x, keys: x, values: y, targets: y, excludeSelf: true });
    const explicit = train(new NWKernelRegression(be, { w: 0.7 }), { queries: x, keys: leaveOneOut(x), values: leaveOneOut(y), targets: y });
    fused.losses.forEach((l, k) => {
      expect(Math.abs(l - explicit.losses[k]) / l).toBeLessThan(1e-5);
    });
    fused.ws.forEach((w, k) => {
      expect(Math.abs(w - explicit.ws[k]) / w).toBeLessThan(1e-5);
    });
  });

  it('steps across w = 0 as PyTorch does: training from −w0 mirrors training from w0', async () => {
    const be = await load(name);
    const x = [0, 1, 2, 3, 4, 5];
    const y = [0, 1, 0, 1, 0, 1]; // alternating targets: the loss falls as w shrinks, so SGD crosses 0
    const data = { queries: x, keys: x, values: y, targets: y, excludeSelf: true };
    const plus = train(new NWKernelRegression(be, { w: 0.5 }), data, { lr: 2 });
    const minus = train(new NWKernelRegression(be, { w: -0.5 }), data, { lr: 2 });
    expect(plus.ws.some((w) => w < 0)).toBe(true);
    expect(minus.losses).toEqual(plus.losses);
    expect(minus.ws).toEqual(plus.ws.map((w) => -w));
  });

  it('refuses a non-finite step, leaving w unchanged', async () => {
    const be = await load(name);
    const model = new NWKernelRegression(be, { w: 0.5 });
    const x = [0, 1, 2, 3];
    const y = [0, 1000, 0, 1000]; // |gradient| in the thousands: a step of 1e308 × that overflows
    expect(() => train(model, { queries: x, keys: x, values: y, targets: y, excludeSelf: true }, { lr: 1e308 })).toThrow(/lower lr/);
    expect(model.w).toBe(0.5);
  });

  it('does not advise a lower lr when the gradient itself is not finite', async () => {
    const be = await load(name);
    // a backend whose loss has no finite gradient: no lr would help
    const broken = {
      ...be,
      attentionPoolLoss: (...args: Parameters<typeof be.attentionPoolLoss>) => ({ ...be.attentionPoolLoss(...args), grad: Number.NaN }),
    } as typeof be;
    const model = new NWKernelRegression(broken, { w: 0.5 });
    const x = [0, 1, 2, 3];
    let message = '';
    try {
      train(model, { queries: x, keys: x, values: x, targets: x, excludeSelf: true });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/no finite gradient at w = 0.5; start from another w/);
    expect(message).not.toMatch(/lower lr/);
    expect(model.w).toBe(0.5);
  });
});

describe('runChapter', () => {
  it('computes every quantity of the section with consistent shapes', () => {
    const run = runChapter(createJsBackend(), { seed: 0 });
    expect(run.average.shape).toEqual([50]);
    expect(run.nonparametric.weights.shape).toEqual([50, 50]);
    expect(run.parametric.weights.shape).toEqual([50, 50]);
    expect(run.losses).toHaveLength(5);
    expect(run.parametric.w).toBe(run.ws[4]);
    expect(run.w0).toBe(chapterStart(0).w0);
    // Attention pooling is closer to the truth than average pooling (the chapter's point).
    const err = (yHat: Float32Array) => yHat.reduce((s, v, i) => s + (v - run.data.yTruth.data[i]) ** 2, 0);
    expect(err(run.nonparametric.yHat.data)).toBeLessThan(err(run.average.data));
  });
});
