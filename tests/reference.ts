/**
 * Independent float64 computations for the tests: straightforward, matrix-building code
 * written from the formulas, sharing nothing with the backends.
 */
import { expect } from 'vitest';

/** A seeded generator for test data (mulberry32), so failures are reproducible. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function uniform(n: number, lo: number, hi: number, seed: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * r());
}

/** Scores −((q_i − k_ij)·w)²/2 as nested float64 rows; keys as one shared row or nq rows. */
export function refScores(q: ArrayLike<number>, keys: number[][], w: number): number[][] {
  return Array.from(q, (qi, i) => (keys.length === 1 ? keys[0] : keys[i]).map((k) => -(((qi - k) * w) ** 2) / 2));
}

export function refSoftmax(row: number[]): number[] {
  const m = Math.max(...row);
  const e = row.map((s) => Math.exp(s - m));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / z);
}

export function rows(data: ArrayLike<number>, nRows: number, nCols: number): number[][] {
  return Array.from({ length: nRows }, (_, i) => Array.from({ length: nCols }, (_, j) => data[i * nCols + j]));
}

/** Pooling from the full weight matrix: ŷ_i = Σ_j softmax(s_i)_j · v_ij. */
export function refPool(q: ArrayLike<number>, keys: number[][], values: number[][], w: number): { yHat: number[]; weights: number[][] } {
  const weights = refScores(q, keys, w).map(refSoftmax);
  const yHat = weights.map((a, i) => a.reduce((s, aij, j) => s + aij * (values.length === 1 ? values[0] : values[i])[j], 0));
  return { yHat, weights };
}

export function refLoss(q: ArrayLike<number>, keys: number[][], values: number[][], targets: ArrayLike<number>, w: number): number {
  return refPool(q, keys, values, w).yHat.reduce((s, y, i) => s + (y - targets[i]) ** 2, 0);
}

/** The chapter's leave-one-out rows: row i holds every element of x except x[i]. */
export function refLeaveOneOut(x: ArrayLike<number>): number[][] {
  return Array.from(x, (_, i) => Array.from(x).filter((_, j) => j !== i));
}

/** Central finite difference of f at w with step h. */
export function centralDiff(f: (w: number) => number, w: number, h = 1e-5): number {
  return (f(w + h) - f(w - h)) / (2 * h);
}

export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, abs: number, rel: number, what = 'value'): void {
  if (actual.length !== expected.length) throw new Error(`${what}: length ${actual.length} != ${expected.length}`);
  for (let i = 0; i < actual.length; i++) {
    const err = Math.abs(actual[i] - expected[i]);
    const bound = abs + rel * Math.abs(expected[i]);
    if (!(err <= bound)) {
      throw new Error(`${what}[${i}]: got ${actual[i]}, expected ${expected[i]} (error ${err} > ${bound})`);
    }
  }
}

/**
 * d loss / d w written from the weight matrix: dŷ_i/dw = Σ_j a_ij·(−w·d_ij²)·(v_ij − ŷ_i),
 * loss = Σ_i (ŷ_i − t_i)².
 */
export function refLossGrad(q: ArrayLike<number>, keys: number[][], values: number[][], targets: ArrayLike<number>, w: number): { loss: number; grad: number } {
  const { yHat, weights } = refPool(q, keys, values, w);
  let loss = 0;
  let grad = 0;
  yHat.forEach((y, i) => {
    const ks = keys.length === 1 ? keys[0] : keys[i];
    const vs = values.length === 1 ? values[0] : values[i];
    const dy = weights[i].reduce((s, a, j) => s + a * -w * (q[i] - ks[j]) ** 2 * (vs[j] - y), 0);
    loss += (y - targets[i]) ** 2;
    grad += 2 * (y - targets[i]) * dy;
  });
  return { loss, grad };
}

/** Spacing of float32 numbers at |x| (one ulp). */
export function ulp32(x: number): number {
  const a = Math.abs(Math.fround(x));
  if (a < 2 ** -126) return 2 ** -149;
  return 2 ** (Math.floor(Math.log2(a)) - 23);
}

/**
 * First-order bound on how far a float32 kernel's ŷ_i may move from the exact result because
 * it computes d = q − k in float32: each |d| is off by up to ulp(max(|q|, |k|))/2, which moves
 * score s = −w²d²/2 by w²·|d|·ulp/2, and ŷ_i by Σ_j a_ij·|v_ij − ŷ_i|·δs_ij (plus the same
 * again for the nearest key, whose score is subtracted from all). Zero where every difference
 * is exact; about 1e-7 on ordinary data; large only where distances are below float32 spacing.
 */
export function float32DistanceBound(q: ArrayLike<number>, keys: number[][], values: number[][], w: number, weights: number[][], yHat: number[]): number[] {
  return yHat.map((y, i) => {
    const ks = keys.length === 1 ? keys[0] : keys[i];
    const vs = values.length === 1 ? values[0] : values[i];
    let sum = 0;
    let nearest = 0;
    ks.forEach((k, j) => {
      const ds = w * w * Math.abs(q[i] - k) * (ulp32(Math.max(Math.abs(q[i]), Math.abs(k))) / 2);
      sum += weights[i][j] * Math.abs(vs[j] - y) * ds;
      if (weights[i][j] === Math.max(...weights[i])) nearest = ds;
    });
    const range = Math.max(...vs) - Math.min(...vs);
    return sum + range * nearest;
  });
}

/**
 * The same first-order bound for the weights: a_ij = e_ij/Σe moves by at most
 * a_ij·(δs_ij + δs_i0 + Σ_l a_il·δs_il), with δs as in float32DistanceBound. Returns the
 * largest over the matrix.
 */
export function float32WeightBound(q: ArrayLike<number>, keys: number[][], w: number, weights: number[][]): number {
  let worst = 0;
  weights.forEach((row, i) => {
    const ks = keys.length === 1 ? keys[0] : keys[i];
    const ds = ks.map((k) => w * w * Math.abs(q[i] - k) * (ulp32(Math.max(Math.abs(q[i]), Math.abs(k))) / 2));
    const mean = row.reduce((s, a, j) => s + a * ds[j], 0);
    const nearest = ds[row.indexOf(Math.max(...row))];
    row.forEach((a, j) => {
      worst = Math.max(worst, a * (ds[j] + nearest + mean));
    });
  });
  return worst;
}

/** The attention kernels K(u), written from their definitions (u = w·(q − k)). */
export const REF_KERNELS = {
  gaussian: (u: number) => Math.exp(-(u * u) / 2),
  boxcar: (u: number) => (Math.abs(u) <= 1 ? 1 : 0),
  constant: () => 1,
  epanechnikov: (u: number) => Math.max(0, 1 - u * u),
  triangular: (u: number) => Math.max(0, 1 - Math.abs(u)),
};

/** Same float32 bits, element by element (Object.is tells 0 from −0 and matches NaN). */
export function expectSameBits(got: Float32Array, want: Float32Array, what = 'data'): void {
  expect(got.length, what).toBe(want.length);
  let firstDiff = -1;
  for (let i = 0; i < want.length && firstDiff < 0; i++) if (!Object.is(got[i], want[i])) firstDiff = i;
  expect(firstDiff, `${what}: first element that differs`).toBe(-1);
}
