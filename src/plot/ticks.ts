import { ticks as niceTicks } from 'd3-array';
import type { RichText } from './text.js';

/** One tick of an axis: where (in data units), and its label, if it has one. */
export interface Tick {
  value: number;
  label: RichText | null;
  minor: boolean;
}

/**
 * The ticks of an axis, and the multiplier matplotlib prints at the end of the axis when
 * the labels are scaled ("1e6": labels are in millions).
 */
export interface TickSet {
  ticks: Tick[];
  offsetText: string | null;
}

/** An axis scale. */
export type ScaleKind = 'linear' | 'log';

/** matplotlib writes negative numbers with a true minus sign (axes.unicode_minus). */
const MINUS = '\u2212';

/**
 * The tick sets an axis over [lo, hi] may use, from the densest allowed to the sparsest:
 * the axis keeps the first whose labels fit side by side without overlapping.
 *
 * `maxBins` is matplotlib's tick space: how many intervals the axis length has room for
 * (its length over 3 font sizes for x, 2 for y, at most 9). Linear ticks come from d3's
 * `ticks` (steps 1, 2, 5 × 10^k); a set is allowed when its step is at least (hi − lo) /
 * maxBins, which is matplotlib's MaxNLocator rule.
 */
export function tickCandidates(kind: ScaleKind, lo: number, hi: number, maxBins: number): TickSet[] {
  return kind === 'log' ? logCandidates(lo, hi, maxBins) : linearCandidates(lo, hi, maxBins);
}

function linearCandidates(lo: number, hi: number, maxBins: number): TickSet[] {
  const out: TickSet[] = [];
  const seen = new Set<string>();
  for (let count = Math.max(1, Math.floor(maxBins)); count >= 1; count--) {
    const values = niceTicks(lo, hi, count);
    // A step of at least (hi − lo) / maxBins (MaxNLocator takes the smallest nice step that
    // is), and at least two ticks in view (its min_n_ticks).
    if (values.length < 2 || values[1] - values[0] < ((hi - lo) / maxBins) * (1 - 1e-6)) continue;
    const key = values.join(',');
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(labelLinear(values));
  }
  if (out.length === 0) {
    // A short axis whose allowed steps leave fewer than two ticks in view: take smaller
    // steps until two show, as matplotlib does.
    let count = Math.max(1, Math.floor(maxBins));
    let values = niceTicks(lo, hi, count);
    while (values.length < 2 && count < 64) values = niceTicks(lo, hi, ++count);
    out.push(labelLinear(values));
  }
  // Ever sparser subsets of the sparsest set, so that very long labels can always fit.
  let last = out[out.length - 1];
  while (last && last.ticks.length > 1) {
    last = { ticks: last.ticks.filter((_, i) => i % 2 === 0), offsetText: last.offsetText };
    out.push(last);
  }
  return out;
}

/**
 * Labels for linear ticks as matplotlib's ScalarFormatter writes them: the fewest decimals
 * that show every tick exactly, the same for the whole axis ("0.0 0.5 1.0", "0 1 2"), and a
 * common power of ten taken out when the largest tick is ≥ 1e6 or < 1e-4.
 */
export function labelLinear(values: readonly number[]): TickSet {
  const maxAbs = values.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  let exponent = 0;
  if (maxAbs > 0) {
    const oom = Math.floor(Math.log10(maxAbs));
    if (oom <= -5 || oom >= 6) exponent = oom;
  }
  const scaled = values.map((v) => v / 10 ** exponent);
  const decimals = commonDecimals(scaled);
  return {
    ticks: values.map((value, i) => ({ value, label: { text: formatFixed(scaled[i], decimals) }, minor: false })),
    offsetText: exponent === 0 ? null : `1e${formatFixed(exponent, 0)}`,
  };
}

/** The fewest decimals (≤ 12) that write every value to within a millionth of their spacing. */
export function commonDecimals(values: readonly number[]): number {
  let spacing = Infinity;
  for (let i = 1; i < values.length; i++) spacing = Math.min(spacing, Math.abs(values[i] - values[i - 1]) || Infinity);
  if (spacing === Infinity) spacing = Math.abs(values[0] ?? 0) || 1;
  const tolerance = spacing * 1e-6;
  for (let d = 0; d < 12; d++) {
    if (values.every((v) => Math.abs(Number(v.toFixed(d)) - v) <= tolerance)) return d;
  }
  return 12;
}

/** `v` with `decimals` decimals, a true minus sign, and no negative zero. */
export function formatFixed(v: number, decimals: number): string {
  let s = v.toFixed(decimals);
  if (/^-0(\.0*)?$/.test(s)) s = s.slice(1);
  return s.replace('-', MINUS);
}

function logCandidates(lo: number, hi: number, maxBins: number): TickSet[] {
  const kLo = Math.ceil(Math.log10(lo) - 1e-12);
  const kHi = Math.floor(Math.log10(hi) + 1e-12);
  const decades = kHi - kLo + 1;
  const out: TickSet[] = [];
  if (decades >= 2) {
    // Majors at powers of ten, labelled 10^k; thin them by a stride when there are too many.
    // Minor ticks at 2…9 × 10^k, unlabelled, only while every decade is shown.
    const firstStride = Math.max(1, Math.ceil((decades - 1) / Math.max(1, maxBins)));
    for (let stride = firstStride; ; stride++) {
      const ticks: Tick[] = [];
      for (let k = kLo; k <= kHi; k++) {
        if (k % stride === 0) ticks.push({ value: 10 ** k, label: powerOfTen(1, k), minor: false });
      }
      if (stride === 1) ticks.push(...minorLogTicks(lo, hi));
      out.push({ ticks: ticks.sort((a, b) => a.value - b.value), offsetText: null });
      if (ticks.filter((t) => !t.minor).length <= 1) break;
    }
    return out;
  }
  // Less than two decades in view: label the minor ticks too (matplotlib's
  // LogFormatterSciNotation does the same), with fewer of them labelled if they crowd.
  for (const labelled of [[2, 3, 4, 5, 6, 7, 8, 9], [2, 3, 5], [2, 5], [5]]) {
    const ticks = minorLogTicks(lo, hi).map((t) => {
      const k = Math.floor(Math.log10(t.value) + 1e-12);
      const c = Math.round(t.value / 10 ** k);
      return labelled.includes(c) ? { ...t, label: powerOfTen(c, k) } : t;
    });
    for (let k = kLo; k <= kHi; k++) ticks.push({ value: 10 ** k, label: powerOfTen(1, k), minor: false });
    ticks.sort((a, b) => a.value - b.value);
    if (ticks.filter((t) => t.label).length >= 2) out.push({ ticks, offsetText: null });
  }
  if (out.length > 0) return out;
  // Not even two of those in view (a fraction of a decade): plain linear ticks.
  return linearCandidates(lo, hi, maxBins);
}

/** The unlabelled minor ticks 2…9 × 10^k of a log axis over [lo, hi]. */
function minorLogTicks(lo: number, hi: number): Tick[] {
  const out: Tick[] = [];
  for (let k = Math.floor(Math.log10(lo)) - 1; k <= Math.ceil(Math.log10(hi)); k++) {
    for (let c = 2; c <= 9; c++) {
      const v = c * 10 ** k;
      if (v >= lo * (1 - 1e-12) && v <= hi * (1 + 1e-12)) out.push({ value: v, label: null, minor: true });
    }
  }
  return out;
}

/** c × 10^k as mathtext shows it: "10" with a superscript exponent, and "c×" before it when c ≠ 1. */
function powerOfTen(c: number, k: number): RichText {
  return { text: c === 1 ? '10' : `${c}\u00d710`, sup: formatFixed(k, 0) };
}
