// The two ways past dense pooling, through the public API: method 'fast' (the 1-D fast Gauss
// transform) and loadBackend(..., { threads }). Sizes CI can afford; speed is in bench/.
import { describe, expect, it } from 'vitest';
import { loadBackend } from '../../src/backend/load.js';
import { createJsBackend } from '../../src/backend/js/index.js';
import { NWKernelRegression } from '../../src/model/nwKernelRegression.js';
import { train } from '../../src/model/train.js';
import { BACKENDS, load } from '../backends.js';
import { expectClose, uniform } from '../reference.js';

describe.each(BACKENDS)("method 'fast' on the $name backend", ({ name }) => {
  it('agrees with the float64 dense reference to 1e-6 for pooling, loss and gradient, excludeSelf too', async () => {
    const be = await load(name);
    const js = createJsBackend();
    const x = uniform(3000, 0, 5, 1);
    const y = Float32Array.from(x, (v, i) => 2 * Math.sin(v) + v ** 0.8 + 0.5 * Math.sin(13 * i));
    for (const w of [0.5, 3, 23]) {
      const fast = be.attentionPool(x, x, y, w, { method: 'fast' }).yHat.data;
      const dense = js.attentionPool(x, x, y, w, { method: 'dense' }).yHat.data;
      expectClose(fast, dense, 1e-6, 1e-6, `ŷ at w = ${w}`);
      const fl = be.attentionPoolLoss(x, x, y, y, w, { method: 'fast', excludeSelf: true });
      const dl = js.attentionPoolLoss(x, x, y, y, w, { method: 'dense', excludeSelf: true });
      expect(Math.abs(fl.loss - dl.loss) / dl.loss, `loss at w = ${w}`).toBeLessThan(1e-6);
      expect(Math.abs(fl.grad - dl.grad), `grad at w = ${w}`).toBeLessThan(1e-6 * Math.abs(dl.grad) + 1e-9 * dl.loss);
    }
  });

  it("'auto' takes the fast path for a large 1-D call (same bits as 'fast') and stays dense for small ones", async () => {
    const be = await load(name);
    const q = uniform(4096, 0, 5, 2);
    const v = uniform(4096, -1, 1, 3);
    const auto = be.attentionPool(q, q, v, 23).yHat.data;
    expect(auto).toEqual(be.attentionPool(q, q, v, 23, { method: 'fast' }).yHat.data);
    const small = uniform(100, 0, 5, 4);
    expect(be.attentionPool(small, small, small, 2).yHat.data).toEqual(be.attentionPool(small, small, small, 2, { method: 'dense' }).yHat.data);
  });
});

describe('training at n = 50,000 (fast by default)', () => {
  it('gives the dense loss and gradient of its first epoch', async () => {
    const be = await loadBackend('wasm');
    const x = uniform(50000, 0, 5, 5);
    const y = Float32Array.from(x, (v, i) => 2 * Math.sin(v) + v ** 0.8 + 0.5 * Math.sin(7 * i));
    const model = new NWKernelRegression(be, { w: 1, keepWeights: false });
    const { losses, ws } = train(model, { queries: x, keys: x, values: y, targets: y, excludeSelf: true }, { epochs: 2, lr: 1e-4 });
    const dense = be.attentionPoolLoss(x, x, y, y, 1, { method: 'dense', excludeSelf: true });
    expect(Math.abs(losses[0] - dense.loss) / dense.loss).toBeLessThan(1e-5);
    expect(Math.abs(ws[0] - (1 - 1e-4 * dense.grad))).toBeLessThan(1e-5 * Math.abs(ws[0]));
  });
});

describe('loadBackend(name, { threads })', () => {
  it('returns a wasm backend whose dense pooling and loss are bit for bit those of one thread, and closes', async () => {
    const one = await loadBackend('wasm');
    const two = await loadBackend('auto', { threads: 2 });
    expect(two.name).toBe('wasm');
    const x = uniform(1200, 0, 5, 6);
    const y = uniform(1200, -2, 2, 7);
    const opts = { method: 'dense' as const };
    expect(two.attentionPool(x, x, y, 4, opts).yHat.data).toEqual(one.attentionPool(x, x, y, 4, opts).yHat.data);
    const a = two.attentionPoolLoss(x, x, y, y, 4, { ...opts, excludeSelf: true });
    const b = one.attentionPoolLoss(x, x, y, y, 4, { ...opts, excludeSelf: true });
    expect([a.loss, a.grad]).toEqual([b.loss, b.grad]);
    expect(a.yHat.data).toEqual(b.yHat.data);
    await two.close!();
    expect(two.attentionPool(x, x, y, 4, opts).yHat.data).toEqual(one.attentionPool(x, x, y, 4, opts).yHat.data);
  });
});
