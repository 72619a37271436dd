// Property tests: for random shapes and values, every backend agrees with the float64
// reference and keeps the invariants of attention pooling.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { createJsBackend } from '../src/backend/js/index.js';
import type { Backend } from '../src/backend/types.js';
import { BACKENDS, load } from './backends.js';
import { expectClose, float32DistanceBound, float32WeightBound, refLeaveOneOut, refPool, rows } from './reference.js';

const reference = createJsBackend();

/**
 * ŷ within the backend's tolerance plus the first-order effect of computing q − k in float32
 * (zero for the float64 reference; see float32DistanceBound).
 */
function expectPoolClose(
  name: string,
  got: ArrayLike<number>,
  q: ArrayLike<number>,
  keys: number[][],
  values: number[][],
  w: number,
  abs: number,
  rel: number,
): void {
  const ref = refPool(q, keys, values, w);
  const extra = name === 'js' ? ref.yHat.map(() => 0) : float32DistanceBound(q, keys, values, w, ref.weights, ref.yHat);
  ref.yHat.forEach((y, i) => {
    const bound = abs + rel * Math.abs(y) + extra[i];
    if (!(Math.abs(got[i] - y) <= bound)) throw new Error(`yHat[${i}]: got ${got[i]}, expected ${y} (error ${Math.abs(got[i] - y)} > ${bound})`);
  });
}
const f32 = (min: number, max: number) => fc.float({ min: Math.fround(min), max: Math.fround(max), noNaN: true, noDefaultInfinity: true });
const array = (min: number, max: number, minLength: number, maxLength: number) =>
  fc.array(f32(min, max), { minLength, maxLength }).map((a) => Float32Array.from(a));
const w = fc.double({ min: 0, max: 50, noNaN: true });
const runs = { numRuns: 60, seed: 20261125 };

/** keys and values of one length, queries of another */
const problem = fc
  .integer({ min: 1, max: 40 })
  .chain((nk) => fc.record({ q: array(-10, 10, 1, 40), k: array(-10, 10, nk, nk), v: array(-100, 100, nk, nk), w }));

describe.each(BACKENDS)('properties on $name', ({ name, tol }) => {
  let be: Backend;
  beforeAll(async () => {
    be = await load(name);
  });

  it('attentionPool agrees with the float64 reference, weights included', () => {
    fc.assert(
      fc.property(problem, ({ q, k, v, w }) => {
        const got = be.attentionPool(q, k, v, w, { weights: true });
        const ref = reference.attentionPool(q, k, v, w, { weights: true });
        const scale = Math.max(1, ...Array.from(v, Math.abs));
        expectPoolClose(name, got.yHat.data, q, [Array.from(k)], [Array.from(v)], w, tol.value[0] * scale, tol.value[1]);
        const slack = name === 'js' ? 0 : float32WeightBound(q, [Array.from(k)], w, rows(ref.weights!.data, q.length, k.length));
        expectClose(got.weights!.data, ref.weights!.data, tol.weight + slack, 0, 'weights');
      }),
      runs,
    );
  });

  it('ŷ lies within [min v, max v]', () => {
    fc.assert(
      fc.property(problem, ({ q, k, v, w }) => {
        const lo = Math.min(...v);
        const hi = Math.max(...v);
        for (const y of be.attentionPool(q, k, v, w).yHat.data) {
          expect(y).toBeGreaterThanOrEqual(lo);
          expect(y).toBeLessThanOrEqual(hi);
        }
      }),
      runs,
    );
  });

  it('permuting keys together with their values leaves ŷ unchanged', () => {
    fc.assert(
      fc.property(
        problem.chain((p) => fc.record({ p: fc.constant(p), order: fc.shuffledSubarray([...p.k.keys()], { minLength: p.k.length, maxLength: p.k.length }) })),
        ({ p, order }) => {
          const a = be.attentionPool(p.q, p.k, p.v, p.w).yHat.data;
          const b = be.attentionPool(
            p.q,
            order.map((i) => p.k[i]),
            order.map((i) => p.v[i]),
            p.w,
          ).yHat.data;
          const scale = Math.max(1, ...Array.from(p.v, Math.abs));
          expectClose(b, a, 2 * tol.value[0] * scale, 2 * tol.value[1], 'permuted yHat');
        },
      ),
      runs,
    );
  });

  it('softmax rows sum to 1 and agree with the reference', () => {
    const matrix = fc
      .record({ rows: fc.integer({ min: 1, max: 6 }), cols: fc.integer({ min: 1, max: 40 }) })
      .chain(({ rows, cols }) => fc.record({ rows: fc.constant(rows), cols: fc.constant(cols), x: array(-80, 80, rows * cols, rows * cols) }));
    fc.assert(
      fc.property(matrix, ({ rows, cols, x }) => {
        const s = be.softmax({ data: x, shape: [rows, cols] });
        for (let r = 0; r < rows; r++) {
          const sum = s.data.subarray(r * cols, (r + 1) * cols).reduce((a, b) => a + b, 0);
          expect(Math.abs(sum - 1)).toBeLessThan(1e-5);
        }
        expectClose(s.data, reference.softmax({ data: x, shape: [rows, cols] }).data, tol.weight, 0, 'softmax');
      }),
      runs,
    );
  });

  it('excludeSelf equals pooling over the explicit leave-one-out rows', () => {
    // From n = 3: two points leave one key per query, which the front end refuses as a likely column vector.
    const loo = fc.integer({ min: 3, max: 30 }).chain((n) => fc.record({ x: array(-10, 10, n, n), y: array(-5, 5, n, n), w }));
    fc.assert(
      fc.property(loo, ({ x, y, w }) => {
        const n = x.length;
        const fused = be.attentionPoolLoss(x, x, y, y, w, { excludeSelf: true });
        const explicit = reference.attentionPoolLoss(
          x,
          { data: Float32Array.from(refLeaveOneOut(x).flat()), shape: [n, n - 1] },
          { data: Float32Array.from(refLeaveOneOut(y).flat()), shape: [n, n - 1] },
          y,
          w,
        );
        expectPoolClose(name, fused.yHat.data, x, refLeaveOneOut(x), refLeaveOneOut(y), w, 5 * tol.value[0], tol.value[1]);
        // The loss follows ŷ: |ΔL| ≤ Σ 2|r_i|·|Δŷ_i| + Δŷ_i², with Δŷ bounded as above.
        const ref = refPool(x, refLeaveOneOut(x), refLeaveOneOut(y), w);
        const dy = name === 'js' ? ref.yHat.map(() => 0) : float32DistanceBound(x, refLeaveOneOut(x), refLeaveOneOut(y), w, ref.weights, ref.yHat);
        const slack = dy.reduce((s, d, i) => s + 2 * Math.abs(ref.yHat[i] - y[i]) * (d + 5 * tol.value[0]) + (d + 5 * tol.value[0]) ** 2, 0);
        expect(Math.abs(fused.loss - explicit.loss)).toBeLessThanOrEqual(1e-5 * explicit.loss + slack + 1e-6);
      }),
      runs,
    );
  });
});
