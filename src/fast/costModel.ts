import { BOX_WIDTH, CUTOFF } from './gaussTransform.js';
import { LEAF } from './windowedDense.js';

/**
 * Rough costs in nanoseconds of the two fast methods, for choosing between them and (scaled to
 * the machine by backend/costModel.ts) against dense pooling. The constants are per-item times measured for plain float64 JS on Node 20 (x86-64,
 * tolerance 1e-9, p = 19): the fast Gauss transform is a pass over the sources and one over the
 * targets plus a p × p translation per pair of boxes within reach; the windowed sums are a sort,
 * the runs of the tree (one level per doubling of a run up to a scaled width of 2) and per query
 * a few binary searches and either every key in the window or, for crowded windows, ~100 runs.
 */
const NS_FGT_SOURCE = 40;
const NS_FGT_TARGET = 50;
const NS_FGT_PAIR = 850;
const NS_SORT_KEY = 60;
const NS_BUILD_LEVEL_KEY = 40;
const NS_QUERY = 600;
const NS_WINDOW_KEY = 15;
const NS_TREE_QUERY = 8000;
/** A key weighs ≥ 2^-64 of the nearest key within this scaled distance of an in-range query. */
const WINDOW_HALF = Math.sqrt(64 * Math.LN2);
/** The keys' extent in the units where the kernel is e^{−x²} (never 0, so ratios stay finite). */
function scaledSpan(w: number, range: number): number {
  return Math.max((w / Math.SQRT2) * Math.max(range, 0), 1e-300);
}

/** Keys in a query's window, and levels of the run tree, for nk keys over a scaled span. */
function windows(nk: number, span: number): { perWindow: number; levels: number } {
  return {
    perWindow: Math.min(nk, 1 + (nk * 2 * WINDOW_HALF) / span),
    levels: 1 + Math.max(0, Math.log2((2 * Math.min(nk, nk / span)) / LEAF)),
  };
}

export interface FastCosts {
  fgt: number;
  windowed: number;
}

/** Estimated costs for nq queries and nk keys spread over `range` (max key − min key) at bandwidth w. */
export function fastCosts(nq: number, nk: number, w: number, range: number): FastCosts {
  const span = scaledSpan(w, range);
  const reach = 2 * Math.ceil(CUTOFF / BOX_WIDTH) + 1;
  const boxes = span / BOX_WIDTH + reach;
  // Box pairs only exist where there are sources: at most one reach per source.
  const pairs = Math.min(boxes, nk) * Math.min(boxes, reach);
  // The transform keeps ~4p numbers per box of the grid spanning the keys: with far-out keys the
  // grid is mostly empty boxes, and past a few per point it is memory wasted, not time saved.
  const fgt = boxes > 2 * (nq + nk) + 4096 ? Infinity : nk * NS_FGT_SOURCE + nq * NS_FGT_TARGET + pairs * NS_FGT_PAIR;
  const { perWindow, levels } = windows(nk, span);
  const windowed = nk * (NS_SORT_KEY + levels * NS_BUILD_LEVEL_KEY) + nq * (NS_QUERY + Math.min(perWindow * NS_WINDOW_KEY, NS_TREE_QUERY));
  return { fgt, windowed };
}

/**
 * Whether grouping the sorted keys into runs (windowedDense.ts) pays for `nQueries` windowed
 * queries, against summing each window key by key: building the runs costs a pass over the keys
 * per level, and saves most of a crowded window's keys.
 */
export function windowRunsPay(nQueries: number, nk: number, w: number, range: number): boolean {
  const { perWindow, levels } = windows(nk, scaledSpan(w, range));
  return nQueries * perWindow * NS_WINDOW_KEY > nk * levels * NS_BUILD_LEVEL_KEY + nQueries * NS_TREE_QUERY;
}

/**
 * Which of its two methods the fast path takes for nq queries and nk keys spread over `range` at
 * bandwidth w (the cheaper by this model, as fastPool.ts decides), and what the model says it costs in ns.
 */
export function fastChoice(nq: number, nk: number, w: number, range: number): { method: 'fgt' | 'windowed'; ns: number } {
  const { fgt, windowed } = fastCosts(nq, nk, w, range);
  return fgt < windowed ? { method: 'fgt', ns: fgt } : { method: 'windowed', ns: windowed };
}
