import type { CellGrid } from './cellGrid.js';
import { exactScratch, exactSums, type ExactScratch } from './exactSums.js';
import { wasmExact, type WasmExact } from './wasmExact.js';

/**
 * The exact pass of gaussSumsNd: the queries it sums exactly (exactSums.ts), in cell order so that
 * neighbouring queries meet the same keys (cached, and the adaptive window L₁ carries over), as
 * arrays indexed by that order: anything that runs a range of them, on this thread or another,
 * needs nothing else. Query t's sums go to sums[t·cols …], cols = F·nw (F = 1, or 1 + d with the
 * gradient; nw = 1 + dv), and its scale to logScale[t].
 */
export interface ExactPass {
  grid: CellGrid;
  /** the queries, scaled and centred as the grid's keys, in cell order [m, d] */
  q: Float64Array;
  /** the grid position of the key query t skips (leave-one-out), or −1 */
  skip: Int32Array;
  tolerance: number;
  gradient: boolean;
  /** the key loops in WebAssembly where they can run (one value column) */
  wasm: boolean;
  /** out: [m, cols] */
  sums: Float64Array;
  /** out: [m] */
  logScale: Float64Array;
}

/**
 * Runs a whole exact pass. The default runs it on the calling thread ({@link runExactPass}); the
 * parallel backend's splits it over its threads. Each thread's L₁ adapts on its own, so a split
 * pass may differ from one thread's in the last bits, within the same guarantee.
 */
export type ExactPassRunner = (pass: ExactPass) => void;

/**
 * Passes of fewer queries are not worth splitting over threads: waking them and copying the grid
 * into each one's instance (O(n)) would take a good part of the pass itself.
 */
export const MIN_SPLIT_QUERIES = 2048;

/** Sums per query of a pass: F·nw. */
export function exactColumns(pass: Pick<ExactPass, 'grid' | 'gradient'>): number {
  const { d, dv } = pass.grid;
  return (pass.gradient ? 1 + d : 1) * (1 + dv);
}

/**
 * The pass for queries `list` of u [nq, d] (the grid's units): counting-sorted by cell (a
 * comparator sort would cost more than the sums), with its outputs allocated; order[t] is the
 * query (of u) at position t.
 */
export function exactPassOf(
  grid: CellGrid,
  u: Float64Array,
  list: ArrayLike<number>,
  excludeSelf: boolean,
  tolerance: number,
  gradient: boolean,
  wasm: boolean,
): { pass: ExactPass; order: Int32Array } {
  const { d, lo, G, c } = grid;
  const m = list.length;
  const cellOf = new Int32Array(m);
  const count = new Int32Array(grid.cellStart.length);
  for (let t = 0; t < m; t++) {
    const i = list[t];
    let id = 0;
    for (let k = d - 1; k >= 0; k--) {
      const g = Math.min(G[k] - 1, Math.max(0, Math.floor((u[i * d + k] - lo[k]) / c)));
      id = id * G[k] + g;
    }
    cellOf[t] = id;
    count[id + 1]++;
  }
  for (let id = 0; id + 1 < count.length; id++) count[id + 1] += count[id];
  const q = new Float64Array(m * d);
  const skip = new Int32Array(m);
  const order = new Int32Array(m);
  for (let t = 0; t < m; t++) {
    const to = count[cellOf[t]]++;
    const i = list[t];
    order[to] = i;
    for (let k = 0; k < d; k++) q[to * d + k] = u[i * d + k];
    skip[to] = excludeSelf ? grid.rank[i] : -1;
  }
  const pass = { grid, q, skip, tolerance, gradient, wasm, sums: new Float64Array(0), logScale: new Float64Array(m) };
  pass.sums = new Float64Array(m * exactColumns(pass));
  return { pass, order };
}

/** A thread's scratch for a pass: its own window L₁ and, with `wasm`, its own module instance holding the grid. */
export function passScratch(pass: ExactPass, wasm: WasmExact | null): ExactScratch {
  return exactScratch(exactColumns(pass), 20, pass.wasm ? wasm : null);
}

/** Queries [t0, t1) of the pass. */
export function sumQueries(pass: ExactPass, t0: number, t1: number, st: ExactScratch): void {
  const { grid, q, skip, tolerance, gradient, sums, logScale } = pass;
  const d = grid.d;
  const cols = exactColumns(pass);
  const out = new Float64Array(cols);
  for (let t = t0; t < t1; t++) {
    logScale[t] = exactSums(grid, q[t * d], q[t * d + 1], d === 3 ? q[t * d + 2] : 0, skip[t], tolerance, gradient, out, st);
    sums.set(out, t * cols);
  }
}

/** The whole pass on the calling thread (its WebAssembly instance: wasmExact.ts). */
export const runExactPass: ExactPassRunner = (pass) => {
  sumQueries(pass, 0, pass.skip.length, passScratch(pass, pass.wasm ? wasmExact(pass.grid) : null));
};
