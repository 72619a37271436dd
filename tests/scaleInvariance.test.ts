// Scale invariance (issue 19): the model depends on w·(q − k) only, so
// pool(s·q, s·k, v, w/s) = pool(q, k, v, w) for every kernel, the loss's gradient scales as
// dL/d(w/s) = s·dL/dw, and the scores are unchanged, for s from ~1e-30 to ~1e30. With s a power
// of two the scaled inputs are exact in float32, so a backend is held to its own tolerance
// against itself: it computes the same model in other units, or takes the float64 path.
import fc from 'fast-check';
import { beforeAll, describe, it } from 'vitest';
import { KERNEL_NAMES } from '../src/args/kernel.js';
import type { Backend } from '../src/backend/types.js';
import { BACKENDS, load } from './backends.js';

const f32 = (min: number, max: number) => fc.float({ min: Math.fround(min), max: Math.fround(max), noNaN: true, noDefaultInfinity: true });
const problem = fc.record({
  q: fc.array(f32(-8, 8), { minLength: 1, maxLength: 5 }),
  kv: fc.array(fc.tuple(f32(-8, 8), f32(-5, 5)), { minLength: 1, maxLength: 12 }),
  w: fc.double({ min: 0, max: 20, noNaN: true }),
  e: fc.integer({ min: -100, max: 100 }),
  kernel: fc.constantFrom(...KERNEL_NAMES),
});
const runs = { numRuns: 150, seed: 20261201 };

describe.each(BACKENDS)('scale invariance on $name', ({ name, tol }) => {
  let be: Backend;
  beforeAll(async () => {
    be = await load(name);
  });
  const check = (what: string, got: number, want: number, abs: number, rel: number) => {
    if (Object.is(got, want)) return;
    if (!(Math.abs(got - want) <= abs + rel * Math.abs(want))) throw new Error(`${name} ${what}: got ${got}, want ${want}`);
  };

  it('pool, loss (grad·s) and scores', () => {
    fc.assert(
      fc.property(problem, ({ q, kv, w, e, kernel }) => {
        const s = 2 ** e;
        const k = kv.map((x) => x[0]);
        const v = kv.map((x) => x[1]);
        const sq = q.map((x) => x * s);
        const sk = k.map((x) => x * s);
        const ws = w / s;
        const t = q.map((_, i) => v[i % v.length]);
        const a = be.attentionPool(q, k, v, w, { kernel }).yHat.data;
        const b = be.attentionPool(sq, sk, v, ws, { kernel }).yHat.data;
        for (let i = 0; i < a.length; i++) check(`yHat[${i}] at s = 2^${e}`, b[i], a[i], tol.value[0], tol.value[1]);
        const la = be.attentionPoolLoss(q, k, v, t, w, { kernel });
        const lb = be.attentionPoolLoss(sq, sk, v, t, ws, { kernel });
        check(`loss at s = 2^${e}`, lb.loss, la.loss, tol.value[0], tol.loss);
        check(`grad at s = 2^${e}`, (lb.grad as number) / s, la.grad as number, tol.grad[0], tol.grad[1]);
        const sa = be.gaussianScores(q, k, w, { kernel }).data;
        const sb = be.gaussianScores(sq, sk, ws, { kernel }).data;
        for (let i = 0; i < sa.length; i++) check(`scores[${i}] at s = 2^${e}`, sb[i], sa[i], tol.value[0], tol.value[1]);
      }),
      runs,
    );
  });
});
