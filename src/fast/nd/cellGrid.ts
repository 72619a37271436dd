/**
 * A grid of cubic cells of side c over scaled keys (d ∈ {2, 3}), with the keys counting-sorted by
 * cell, so that the cells of one row (fixed cell coordinates 1 and 2) are contiguous and a row's
 * cells [g₀, g₁] are one contiguous run of keys: the d-dimensional analogue of the 1-D path's
 * sorted keys. exactSums.ts sums over the rows meeting a ball.
 *
 * Memory is O(n): the grid has at most `maxCells` cells (the side grows until it fits), so widely
 * spread or far-apart clusters coarsen the cells rather than the memory growing with the span.
 */
export interface CellGrid {
  d: number;
  n: number;
  /** value columns */
  dv: number;
  /** cell side (scaled units) */
  c: number;
  /** lower corner of cell (0, 0, 0) */
  lo: Float64Array;
  /** cells per coordinate (1 for the third at d = 2) */
  G: Int32Array;
  /** keys of cell id are positions cellStart[id] … cellStart[id + 1] − 1, id = g₀ + G₀(g₁ + G₁g₂) */
  cellStart: Int32Array;
  /** sorted key coordinates (x2 all 0 at d = 2) */
  x0: Float64Array;
  x1: Float64Array;
  x2: Float64Array;
  /** sorted values, row-major [n, dv] */
  v: Float64Array;
  /** rank[j]: sorted position of input key j */
  rank: Int32Array;
}

/** Keys z [n, d] (scaled units), values V [n, dv], cells of side ≥ c, at most maxCells of them. */
export function buildCellGrid(z: Float64Array, V: Float64Array, d: number, dv: number, c: number, maxCells: number): CellGrid {
  const n = z.length / d;
  const lo = new Float64Array(3);
  const hi = new Float64Array(3);
  for (let k = 0; k < d; k++) {
    let mn = Infinity;
    let mx = -Infinity;
    for (let j = 0; j < n; j++) {
      const x = z[j * d + k];
      if (x < mn) mn = x;
      if (x > mx) mx = x;
    }
    lo[k] = mn;
    hi[k] = mx;
  }
  const G = new Int32Array(3).fill(1);
  let side = c;
  for (;;) {
    // counted in float64: a wide span over a small side is more cells than an int32 holds
    let cells = 1;
    for (let k = 0; k < d; k++) cells *= Math.floor((hi[k] - lo[k]) / side) + 1;
    if (cells <= maxCells) break;
    side *= Math.max(1.05, (cells / maxCells) ** (1 / d));
  }
  for (let k = 0; k < d; k++) G[k] = Math.floor((hi[k] - lo[k]) / side) + 1;
  const nCells = G[0] * G[1] * G[2];
  const cellOf = new Int32Array(n);
  const cellStart = new Int32Array(nCells + 1);
  for (let j = 0; j < n; j++) {
    let id = 0;
    for (let k = d - 1; k >= 0; k--) {
      const g = Math.min(G[k] - 1, Math.floor((z[j * d + k] - lo[k]) / side));
      id = id * G[k] + g;
    }
    cellOf[j] = id;
    cellStart[id + 1]++;
  }
  for (let i = 0; i < nCells; i++) cellStart[i + 1] += cellStart[i];
  const fill = cellStart.slice(0, nCells);
  const x0 = new Float64Array(n);
  const x1 = new Float64Array(n);
  const x2 = new Float64Array(n);
  const v = new Float64Array(n * dv);
  const rank = new Int32Array(n);
  for (let j = 0; j < n; j++) {
    const to = fill[cellOf[j]]++;
    rank[j] = to;
    x0[to] = z[j * d];
    x1[to] = z[j * d + 1];
    if (d === 3) x2[to] = z[j * d + 2];
    for (let c2 = 0; c2 < dv; c2++) v[to * dv + c2] = V[j * dv + c2];
  }
  return { d, n, dv, c: side, lo, G, cellStart, x0, x1, x2, v, rank };
}
