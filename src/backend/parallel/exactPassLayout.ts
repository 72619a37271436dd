import type { CellGrid } from '../../fast/nd/cellGrid.js';
import { exactColumns, type ExactPass } from '../../fast/nd/exactPass.js';

/**
 * An exact pass (src/fast/nd/exactPass.ts) in the team's shared data buffer: an Int32 header,
 * five float64 parameters, then the arrays, each at a byte offset that is a multiple of 8. Every
 * thread runs its chunks on these views (the caller too), so the outputs are in one place.
 */
const H = {
  D: 0,
  N: 1,
  DV: 2,
  M: 3,
  GRADIENT: 4,
  WASM: 5,
  /** cells per coordinate, 3 */
  G: 6,
  /** byte offsets of cellStart (n cells + 1), x0, x1, x2 (n), v (n·dv), q (m·d), skip (m), sums (m·cols), logScale (m) */
  START: 9,
  X0: 10,
  X1: 11,
  X2: 12,
  V: 13,
  Q: 14,
  SKIP: 15,
  SUMS: 16,
  LOG_SCALE: 17,
} as const;
/** Float64 indices of the cell side c, the grid's corner lo [3] and the tolerance. */
const P = { C: 10, LO: 11, TOLERANCE: 14 } as const;
const ARRAYS_AT = 128;

const up8 = (bytes: number) => Math.ceil(bytes / 8) * 8;

/** Byte offsets of the arrays of `pass` and the bytes it takes in all. */
function layout(pass: ExactPass): { at: number[]; bytes: number } {
  const { grid } = pass;
  const m = pass.skip.length;
  const sizes = [
    4 * grid.cellStart.length,
    8 * grid.n,
    8 * grid.n,
    8 * grid.n,
    8 * grid.n * grid.dv,
    8 * pass.q.length,
    4 * m,
    8 * m * exactColumns(pass),
    8 * m,
  ];
  const at: number[] = [];
  let end = ARRAYS_AT;
  for (const s of sizes) {
    at.push(end);
    end += up8(s);
  }
  return { at, bytes: end };
}

/** Bytes the pass takes in the data buffer. */
export function exactPassBytes(pass: ExactPass): number {
  return layout(pass).bytes;
}

/** Writes the pass's inputs into `data` (at least exactPassBytes long) and returns the views over them. */
export function writeExactPass(data: SharedArrayBuffer, pass: ExactPass): ExactPass {
  const { grid } = pass;
  const { at } = layout(pass);
  const I = new Int32Array(data, 0, ARRAYS_AT / 4);
  const F = new Float64Array(data, 0, ARRAYS_AT / 8);
  I[H.D] = grid.d;
  I[H.N] = grid.n;
  I[H.DV] = grid.dv;
  I[H.M] = pass.skip.length;
  I[H.GRADIENT] = pass.gradient ? 1 : 0;
  I[H.WASM] = pass.wasm ? 1 : 0;
  I.set(grid.G, H.G);
  I.set(at, H.START);
  F[P.C] = grid.c;
  F.set(grid.lo, P.LO);
  F[P.TOLERANCE] = pass.tolerance;
  const view = readExactPass(data);
  view.grid.cellStart.set(grid.cellStart);
  view.grid.x0.set(grid.x0);
  view.grid.x1.set(grid.x1);
  view.grid.x2.set(grid.x2);
  view.grid.v.set(grid.v);
  view.q.set(pass.q);
  view.skip.set(pass.skip);
  return view;
}

/**
 * The pass `data` holds, as views (lo and G copied). Its grid has no `rank`: the pass's skip
 * list already holds the grid position each query skips.
 */
export function readExactPass(data: SharedArrayBuffer): ExactPass {
  const I = new Int32Array(data, 0, ARRAYS_AT / 4);
  const F = new Float64Array(data, 0, ARRAYS_AT / 8);
  const [d, n, dv, m] = [I[H.D], I[H.N], I[H.DV], I[H.M]];
  const G = I.slice(H.G, H.G + 3);
  const gradient = I[H.GRADIENT] === 1;
  const f64 = (slot: number, length: number) => new Float64Array(data, I[slot], length);
  const grid: CellGrid = {
    d,
    n,
    dv,
    c: F[P.C],
    lo: F.slice(P.LO, P.LO + 3),
    G,
    cellStart: new Int32Array(data, I[H.START], G[0] * G[1] * G[2] + 1),
    x0: f64(H.X0, n),
    x1: f64(H.X1, n),
    x2: f64(H.X2, n),
    v: f64(H.V, n * dv),
    rank: new Int32Array(0),
  };
  return {
    grid,
    q: f64(H.Q, m * d),
    skip: new Int32Array(data, I[H.SKIP], m),
    tolerance: F[P.TOLERANCE],
    gradient,
    wasm: I[H.WASM] === 1,
    sums: f64(H.SUMS, m * exactColumns({ grid, gradient })),
    logScale: f64(H.LOG_SCALE, m),
  };
}
