import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { poolForward, poolLoss } from '../src/backend/js/pool.js';
import { fastChoice } from '../src/fast/costModel.js';
import { fastAttentionPool as fastPoolCall, fastAttentionPoolLoss as fastLossCall } from '../src/fast/fastPool.js';
import { gaussTransform, termsFor, truncationBound } from '../src/fast/gaussTransform.js';
import { sortPermutation } from '../src/fast/sortKeys.js';
import { buildWindowTree, runTruncationBound, windowStack, windowedSums } from '../src/fast/windowedDense.js';
import { rng } from './reference.js';

/**
 * The fast Gauss transform pooling against the dense float64 reference (backend/js/pool.ts):
 * ŷ, loss and dL/dw to 1e-6 relative, and the transform's stated error bound. The fast path
 * takes checked data (the front end checks arguments), so these call it with checked arrays.
 */

type FastOptions = { excludeSelf?: boolean; tolerance?: number };

function fastAttentionPool(q: ArrayLike<number>, k: ArrayLike<number>, v: ArrayLike<number>, w: number, o: FastOptions = {}) {
  return fastPoolCall({ q: f64(q), k: f64(k), v: f64(v), w, excludeSelf: !!o.excludeSelf }, o.tolerance);
}

function fastAttentionPoolLoss(q: ArrayLike<number>, k: ArrayLike<number>, v: ArrayLike<number>, t: ArrayLike<number>, w: number, o: FastOptions = {}) {
  return fastLossCall({ q: f64(q), k: f64(k), v: f64(v), w, excludeSelf: !!o.excludeSelf }, f64(t), o.tolerance);
}

type Data = { q: Float32Array; k: Float32Array; v: Float32Array; t: Float32Array };

/** Values 1 + 2 sin(k) + k^0.8 + noise stay ≥ 0.5 on [0, 5), so relative error is meaningful. */
function value(x: number, r: () => number): number {
  return 1 + 2 * Math.sin(x) + Math.abs(x) ** 0.8 + 0.5 * (r() - 0.5);
}

function uniformData(nq: number, nk: number, seed: number, qLo = 0, qHi = 5): Data {
  const r = rng(seed);
  const k = Float32Array.from({ length: nk }, () => 5 * r());
  const v = Float32Array.from(k, (x) => value(x, r));
  const q = Float32Array.from({ length: nq }, () => qLo + (qHi - qLo) * r());
  const t = Float32Array.from(q, (x) => value(x, r));
  return { q, k, v, t };
}

/** Keys in three tight clusters with wide gaps between them; queries anywhere in [−1, 6). */
function clusteredData(nq: number, nk: number, seed: number): Data {
  const r = rng(seed);
  const centres = [0.4, 2.1, 4.7];
  const k = Float32Array.from({ length: nk }, () => centres[Math.floor(3 * r())] + 0.05 * (r() - 0.5));
  const v = Float32Array.from(k, (x) => value(x, r));
  const q = Float32Array.from({ length: nq }, () => -1 + 7 * r());
  const t = Float32Array.from(q, (x) => value(x, r));
  return { q, k, v, t };
}

function f64(x: ArrayLike<number>): Float64Array {
  return Float64Array.from(x);
}

/** The dense reference's call for a data set (one feature, shared keys). */
function denseCall(d: Data, w: number, excludeSelf: boolean) {
  const n = { nq: d.q.length, nk: d.k.length, d: 1, dv: 1 };
  return {
    q: f64(d.q),
    k: f64(d.k),
    v: f64(d.v),
    ...n,
    valueColumns: false,
    perQuery: false,
    excludeSelf,
    w: Float64Array.of(w),
    wVector: false,
    kernel: 'gaussian' as const,
  };
}

function denseForward(d: Data, w: number, excludeSelf: boolean): Float64Array {
  const yHat = new Float64Array(d.q.length);
  poolForward(denseCall(d, w, excludeSelf), yHat, null);
  return yHat;
}

function denseLoss(d: Data, w: number, excludeSelf: boolean): { loss: number; grad: number } {
  return poolLoss(denseCall(d, w, excludeSelf), f64(d.t), new Float64Array(d.q.length));
}

function maxRelError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / Math.abs(b[i]));
  return m;
}

function rel(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);
}

const WS = [0, 0.1, 1, 5, 23, 200];

describe('fastAttentionPool against dense float64', () => {
  for (const w of WS) {
    it(`uniform keys, w = ${w}`, () => {
      const d = uniformData(1500, 6000, 11);
      const fast = fastAttentionPool(d.q, d.k, d.v, w);
      expect(fast.yHat.every(Number.isFinite)).toBe(true);
      expect(maxRelError(fast.yHat, denseForward(d, w, false))).toBeLessThan(1e-6);
    });

    it(`clustered keys with queries in the gaps and outside, w = ${w}`, () => {
      const d = clusteredData(1500, 6000, 12);
      const fast = fastAttentionPool(d.q, d.k, d.v, w);
      expect(fast.yHat.every(Number.isFinite)).toBe(true);
      expect(maxRelError(fast.yHat, denseForward(d, w, false))).toBeLessThan(1e-6);
    });

    it(`excludeSelf (leave-one-out), loss and grad, w = ${w}`, () => {
      const d = uniformData(3000, 3000, 13);
      d.q = d.k;
      d.t = d.v;
      const fast = fastAttentionPoolLoss(d.q, d.k, d.v, d.t, w, { excludeSelf: true });
      const ref = denseLoss(d, w, true);
      expect(maxRelError(fast.yHat, denseForward(d, w, true))).toBeLessThan(1e-6);
      expect(rel(fast.loss, ref.loss)).toBeLessThan(1e-6);
      if (w === 0) expect(fast.grad).toBe(0);
      else expect(rel(fast.grad, ref.grad)).toBeLessThan(1e-6);
    });
  }

  it('queries far outside the key range at w = 23 fall back to windowed sums and stay accurate', () => {
    const d = uniformData(2000, 5000, 14, -4, 9);
    const fast = fastAttentionPoolLoss(d.q, d.k, d.v, d.t, 23);
    // e^{−(23·4)²/2} underflows: only the max-shifted windowed sum gets these right.
    expect(fast.denseQueries).toBeGreaterThan(0);
    expect(fast.denseQueries).toBeLessThan(d.q.length);
    expect(fast.yHat.every(Number.isFinite)).toBe(true);
    expect(maxRelError(fast.yHat, denseForward(d, 23, false))).toBeLessThan(1e-6);
    const ref = denseLoss(d, 23, false);
    expect(rel(fast.loss, ref.loss)).toBeLessThan(1e-6);
    expect(rel(fast.grad, ref.grad)).toBeLessThan(1e-6);
  });

  it('20k keys: loss and grad at w = 1 and 23, uniform and clustered', () => {
    for (const make of [uniformData, clusteredData]) {
      const d = make(800, 20000, 15);
      for (const w of [1, 23]) {
        const fast = fastAttentionPoolLoss(d.q, d.k, d.v, d.t, w);
        const ref = denseLoss(d, w, false);
        expect(rel(fast.loss, ref.loss)).toBeLessThan(1e-6);
        expect(rel(fast.grad, ref.grad)).toBeLessThan(1e-6);
      }
    }
  });

  it('clustered data at w = 23 sends gap queries to the windowed sums', () => {
    const d = clusteredData(2000, 5000, 16);
    const fast = fastAttentionPoolLoss(d.q, d.k, d.v, d.t, 23);
    expect(fast.denseQueries).toBeGreaterThan(0);
    const ref = denseLoss(d, 23, false);
    expect(rel(fast.loss, ref.loss)).toBeLessThan(1e-6);
    expect(rel(fast.grad, ref.grad)).toBeLessThan(1e-6);
  });

  it('small w: loss and grad still agree with dense (no cancellation in the d² sums)', () => {
    const d = uniformData(2000, 2000, 27);
    d.q = d.k;
    for (const w of [1e-2, 1e-3, 1e-5, 1e-8]) {
      const fast = fastAttentionPoolLoss(d.q, d.k, d.v, d.t, w, { excludeSelf: true });
      const ref = denseLoss(d, w, true);
      expect(rel(fast.loss, ref.loss)).toBeLessThan(1e-6);
      expect(rel(fast.grad, ref.grad)).toBeLessThan(1e-6);
    }
  });

  it('grad agrees with central finite differences of the loss', () => {
    for (const w of [0.7, 3, 23]) {
      const d = uniformData(2000, 2000, 17);
      d.q = d.k;
      const hw = 1e-4 * w;
      const at = fastAttentionPoolLoss(d.q, d.k, d.v, d.t, w, { excludeSelf: true });
      const up = fastAttentionPoolLoss(d.q, d.k, d.v, d.t, w + hw, { excludeSelf: true }).loss;
      const down = fastAttentionPoolLoss(d.q, d.k, d.v, d.t, w - hw, { excludeSelf: true }).loss;
      expect(rel(at.grad, (up - down) / (2 * hw))).toBeLessThan(1e-5);
    }
  });

  it('unsorted, sorted, plain-array and float64 inputs give the same result', () => {
    const d = uniformData(300, 1000, 18);
    const a = fastAttentionPool(d.q, d.k, d.v, 5).yHat;
    const order = Array.from(d.k.keys()).sort((i, j) => d.k[i] - d.k[j]);
    const b = fastAttentionPool(
      d.q,
      order.map((i) => d.k[i]),
      order.map((i) => d.v[i]),
      5,
    ).yHat;
    const c = fastAttentionPool(f64(d.q), f64(d.k), f64(d.v), 5).yHat;
    expect(maxRelError(b, a)).toBeLessThan(1e-12);
    expect(maxRelError(c, a)).toBe(0);
  });

  it('constant values give that constant; w = 0 gives the plain average', () => {
    const d = uniformData(50, 200, 19);
    const ones = new Float32Array(200).fill(3);
    expect(fastAttentionPool(d.q, d.k, ones, 23).yHat.every((y) => Math.abs(y - 3) < 1e-12)).toBe(true);
    const mean = d.v.reduce((s, x) => s + x, 0) / d.v.length;
    for (const y of fastAttentionPool(d.q, d.k, d.v, 0).yHat) expect(rel(y, mean)).toBeLessThan(1e-12);
  });

  it('a tiny w gives the plain average and a finite, near-zero grad', () => {
    const d = uniformData(200, 200, 26);
    d.q = d.k;
    const mean = d.v.reduce((s, x) => s + x, 0) / d.v.length;
    for (const w of [1e-200, Number.MIN_VALUE]) {
      for (const excludeSelf of [false, true]) {
        const fast = fastAttentionPoolLoss(d.q, d.k, d.v, d.t, w, { excludeSelf });
        expect(Number.isFinite(fast.loss) && Number.isFinite(fast.grad)).toBe(true);
        expect(Math.abs(fast.grad)).toBeLessThan(1e-150);
        if (!excludeSelf) for (const y of fast.yHat) expect(rel(y, mean)).toBeLessThan(1e-12);
        expect(maxRelError(fast.yHat, denseForward(d, w, excludeSelf))).toBeLessThan(1e-12);
      }
    }
  });

  it('values of mixed sign: error within tolerance × half the value range', () => {
    const r = rng(20);
    const k = Float32Array.from({ length: 4000 }, () => 5 * r());
    const v = Float32Array.from(k, (x) => Math.sin(3 * x) + 0.3 * (r() - 0.5));
    const q = Float32Array.from({ length: 1000 }, () => -1 + 7 * r());
    for (const w of [1, 23]) {
      const fast = fastAttentionPool(q, k, v, w, { tolerance: 1e-7 }).yHat;
      const ref = denseForward({ q, k, v, t: q }, w, false);
      let err = 0;
      for (let i = 0; i < q.length; i++) err = Math.max(err, Math.abs(fast[i] - ref[i]));
      expect(err).toBeLessThan(1e-7 * 0.65 + 1e-13);
    }
  });

  it('a tolerance too tight for the transform sends every query to the windowed sums, still accurate', () => {
    // η ≤ 1e-18 is below the rounding allowance, so no query can take the transform's result.
    for (const make of [uniformData, clusteredData]) {
      const d = make(1000, 1000, 22);
      d.q = d.k;
      for (const w of [0.1, 1, 23, 1e4, 1e8]) {
        const fast = fastAttentionPoolLoss(d.q, d.k, d.v, d.t, w, { excludeSelf: true, tolerance: 1e-15 });
        expect(fast.denseQueries).toBe(1000);
        expect(maxRelError(fast.yHat, denseForward(d, w, true))).toBeLessThan(1e-9);
        const ref = denseLoss(d, w, true);
        expect(rel(fast.loss, ref.loss)).toBeLessThan(1e-9);
        expect(rel(fast.grad, ref.grad)).toBeLessThan(1e-6);
      }
    }
  });

  it('duplicate keys with excludeSelf skip exactly one copy', () => {
    const r = rng(23);
    const k = Float32Array.from({ length: 2000 }, () => Math.round(50 * r()) / 10);
    const v = Float32Array.from(k, (x) => value(x, r));
    const d = { q: k, k, v, t: v };
    for (const w of [1, 23, 200]) {
      const fast = fastAttentionPool(k, k, v, w, { excludeSelf: true });
      expect(maxRelError(fast.yHat, denseForward(d, w, true))).toBeLessThan(1e-6);
    }
  });

  it('an outlying key or query far from the rest stays finite and accurate', () => {
    const d = uniformData(500, 3000, 24);
    d.k[7] = 1e6;
    d.q[3] = -1e9;
    for (const w of [1, 23]) {
      const fast = fastAttentionPool(d.q, d.k, d.v, w);
      expect(fast.yHat.every(Number.isFinite)).toBe(true);
      expect(maxRelError(fast.yHat, denseForward(d, w, false))).toBeLessThan(1e-6);
    }
  });

  it('the windowed runs have a relative truncation error below 1e-14', () => {
    expect(runTruncationBound()).toBeLessThan(1e-14);
  });

  it('property: random small problems agree with dense', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 2, max: 120 }),
        fc.constantFrom(...WS),
        fc.boolean(),
        fc.integer({ min: 0, max: 1e6 }),
        (nq, nk, w, excludeSelf, seed) => {
          const d = excludeSelf ? uniformData(nk, nk, seed) : uniformData(nq, nk, seed, -2, 7);
          if (excludeSelf) d.q = d.k;
          const fast = fastAttentionPool(d.q, d.k, d.v, w, { excludeSelf });
          return maxRelError(fast.yHat, denseForward(d, w, excludeSelf)) < 1e-6;
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('gaussTransform error bound', () => {
  function direct(z: Float64Array, v: Float64Array, u: number): number[] {
    let e = 0;
    let ev = 0;
    let p = 0;
    let pv = 0;
    for (let j = 0; j < z.length; j++) {
      const x = u - z[j];
      const g = Math.exp(-x * x);
      e += g;
      ev += g * v[j];
      p += x * x * g;
      pv += x * x * g * v[j];
    }
    return [e, ev, p, pv];
  }

  for (const eta of [1e-4, 1e-8, 1e-13]) {
    it(`observed error ≤ stated bound, η = ${eta}`, () => {
      const r = rng(21);
      // Scaled units: spread over 40 (w ≈ 11 on [0, 5)), a dense patch and an empty stretch.
      const z = Float64Array.from({ length: 3000 }, (_, j) => (j % 3 === 0 ? 10 + 0.3 * r() : 25 * r() + (r() < 0.5 ? 0 : 15)));
      const v = Float64Array.from({ length: 3000 }, () => 2 * r() - 1);
      const u = Float64Array.from({ length: 400 }, () => -10 + 60 * r());
      const s = gaussTransform(z, v, u, { eta });
      for (let i = 0; i < u.length; i++) {
        const [e, ev, p, pv] = direct(z, v, u[i]);
        const b = s.bound[i];
        expect(Math.abs(s.e[i] - e)).toBeLessThanOrEqual(b);
        expect(Math.abs(s.p[i] - p)).toBeLessThanOrEqual(b);
        expect(Math.abs(s.ev[i] - ev)).toBeLessThanOrEqual(b); // max |v| ≤ 1
        expect(Math.abs(s.pv[i] - pv)).toBeLessThanOrEqual(b);
      }
    });
  }

  it('the truncation bound falls with p and picks the fewest terms that meet it', () => {
    let last = Infinity;
    for (let p = 2; p < 30; p++) {
      const { eta } = truncationBound(p);
      expect(eta).toBeLessThan(last);
      last = eta;
    }
    for (const eta of [1e-6, 1e-12, 1e-15]) {
      const p = termsFor(eta);
      expect(truncationBound(p).eta).toBeLessThanOrEqual(eta);
      expect(truncationBound(p - 1).eta).toBeGreaterThan(eta);
    }
  });
});

describe('windowedSums', () => {
  it('with and without runs, agree with a direct max-shifted sum for near, gap and far queries', () => {
    const r = rng(25);
    const centres = [0.4, 2.1, 4.7];
    const k = Float64Array.from({ length: 5000 }, () => centres[Math.floor(3 * r())] + 0.05 * (r() - 0.5)).sort();
    const v = Float64Array.from(k, (x) => 1 + x + 0.1 * r());
    const rank = Int32Array.from(k, (_, i) => i);
    for (const w of [1, 23, 200]) {
      const s = w / Math.SQRT2;
      const trees = [buildWindowTree(k, v, rank, s, true), buildWindowTree(k, v, rank, s, false)];
      expect(trees[0].levels.length).toBeGreaterThan(1);
      expect(trees[1].levels.length).toBe(1);
      for (const q of [-30, -1, 0.4, 0.43, 1.2, 2.1, 3.3, 4.7, 6, 1e4]) {
        for (const skip of [-1, 2500]) {
          // Exponents x_n² − x_j² as s²(k_j − k_n)(2q − k_j − k_n): far out, the squares themselves
          // are ~10^8 and their difference would lose 8 digits.
          let n = -1;
          for (let j = 0; j < k.length; j++) if (j !== skip && (n < 0 || Math.abs(q - k[j]) < Math.abs(q - k[n]))) n = j;
          let se = 0;
          let sev = 0;
          let sd2 = 0;
          let sd2v = 0;
          for (let j = 0; j < k.length; j++) {
            if (j === skip) continue;
            const x2 = (s * (q - k[j])) ** 2;
            const e = Math.exp(s * s * (k[j] - k[n]) * (2 * q - k[j] - k[n]));
            se += e;
            sev += e * v[j];
            sd2 += e * x2;
            sd2v += e * x2 * v[j];
          }
          const y = sev / se;
          const g = (sd2v - y * sd2) / se;
          for (const tree of trees) {
            const out = new Float64Array(2);
            windowedSums(q, tree, skip, out, windowStack(tree));
            expect(rel(out[0], y), `w ${w} q ${q} skip ${skip} runs ${tree.levels.length}`).toBeLessThan(1e-12);
            // g = Σe·x²·(v − ŷ)/Σe is a difference of two sums of size x̄²·ŷ: far from the keys
            // (x̄² ~ 10^8) the reference itself loses digits in proportion.
            expect(Math.abs(out[1] - g), `w ${w} q ${q} skip ${skip}`).toBeLessThan(1e-12 * (sd2 / se) * Math.abs(y) + 1e-12);
          }
        }
      }
    }
  });
});

describe('sortPermutation', () => {
  it('sorts like Array.prototype.sort, with negatives, −0, duplicates and tiny and huge numbers', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { minLength: 1, maxLength: 300 }), (xs) => {
        const keys = Float64Array.from(xs);
        const perm = sortPermutation(keys);
        const sorted = Array.from(perm, (i) => keys[i]);
        const expected = xs.slice().sort((a, b) => a - b);
        return sorted.every((x, i) => x === expected[i]) && new Set(perm).size === xs.length;
      }),
    );
  });
});

describe('fastChoice', () => {
  it('takes the transform for keys dense in units of 1/w, the windowed sums for sparse ones, and costs grow with n', () => {
    expect(fastChoice(1e6, 1e6, 1, 5).method).toBe('fgt');
    expect(fastChoice(256, 256, 23, 5).method).toBe('windowed');
    expect(fastChoice(1e6, 1e6, 1, 5).ns).toBeGreaterThan(fastChoice(1e4, 1e4, 1, 5).ns);
  });
});
