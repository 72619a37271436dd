import { AttnpoolError } from '../errors.js';
import { RC } from './style.js';
import type { ScaleKind } from './ticks.js';

/**
 * Maps data values of one axis to pixels: `domain[0]` to `range[0]`, `domain[1]` to
 * `range[1]`, linearly in the value or in its log10.
 */
export interface Scale {
  kind: ScaleKind;
  domain: [number, number];
  range: [number, number];
  (value: number): number;
}

export function makeScale(kind: ScaleKind, domain: [number, number], range: [number, number]): Scale {
  const f = kind === 'log' ? Math.log10 : (v: number) => v;
  const d0 = f(domain[0]);
  const k = (range[1] - range[0]) / (f(domain[1]) - d0);
  const scale = ((v: number) => range[0] + (f(v) - d0) * k) as Scale;
  scale.kind = kind;
  scale.domain = domain;
  scale.range = range;
  return scale;
}

/**
 * Axis limits from the data when none are given, as matplotlib autoscales: the data range
 * padded by 5 % on each side (in log10 for a log axis), a single value widened first.
 * On a log axis only positive values count, as matplotlib masks the others.
 */
export function autoLimits(values: Iterable<number>, kind: ScaleKind, name: string, method: string): [number, number] {
  let lo = Infinity,
    hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v) || (kind === 'log' && v <= 0)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo > hi) {
    throw new AttnpoolError(
      'E_VALUE',
      `${method}: no ${kind === 'log' ? 'positive finite' : 'finite'} ${name} values to scale the ${kind} axis to; give ${name}lim`,
    );
  }
  if (kind === 'log') {
    const [a, b] = nonsingular(Math.log10(lo), Math.log10(hi));
    const m = (b - a) * RC.margin;
    return [10 ** (a - m), 10 ** (b + m)];
  }
  const [a, b] = nonsingular(lo, hi);
  const m = (b - a) * RC.margin;
  return [a - m, b + m];
}

/** Widens an empty range [v, v] by 5 % of |v| each way (±0.05 around 0), as matplotlib's `nonsingular`. */
export function nonsingular(lo: number, hi: number): [number, number] {
  if (hi - lo > 1e-12 * Math.max(Math.abs(lo), Math.abs(hi), 1e-300)) return [lo, hi];
  if (lo === 0 && hi === 0) return [-0.05, 0.05];
  return [lo - 0.05 * Math.abs(lo), hi + 0.05 * Math.abs(hi)];
}
