// statsmodels' KernelReg fixture (scripts/fixtures/kernelreg_fixtures.py) as the kernel-regression
// tests read it, and the comparisons they share.
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';

export interface Run {
  regression: 'lc' | 'll';
  method: 'cv_ls' | 'aic';
  h: number[];
  cv: number;
  aic: number;
  fitted: number[];
  mfx: number[][];
  predict: number[];
  mfxPredict: number[][];
  fdMfxPredict?: number[][];
  rSquaredStatsmodels: number;
  rSquaredNp: number;
}
export interface DataSet {
  name: string;
  n: number;
  d: number;
  x: number[][];
  y: number[];
  xq: number[][];
  normalReference: number[];
  runs: Run[];
}
export const fixture = JSON.parse(readFileSync(new URL('./fixtures/statsmodels/kernelreg.json', import.meta.url), 'utf8')) as {
  statsmodels: string;
  datasets: DataSet[];
};
/** Every run of every data set, labelled for it.each. */
export const runs = fixture.datasets.flatMap((s) => s.runs.map((r) => ({ s, r, label: `${s.name} ${r.regression} ${r.method}` })));

export const xOf = (s: DataSet) => ({ data: Float64Array.from(s.x.flat()), shape: [s.n, s.d] });
export const xqOf = (s: DataSet) => ({ data: Float64Array.from(s.xq.flat()), shape: [s.xq.length, s.d] });
export const rms = (v: ArrayLike<number>) => Math.sqrt(Array.from(v).reduce((s, a) => s + a * a, 0) / v.length);

/** max_i |a_i − b_i| / max(|b_i|, floor): relative error, with a floor for values near 0. */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>, floor: number): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(Math.abs(b[i]), floor));
  return worst;
}
