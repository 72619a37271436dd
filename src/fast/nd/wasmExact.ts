import { memoryHolds, wasmBytes } from '../../wasm/moduleBytes.js';
import type { CellGrid } from './cellGrid.js';

/**
 * The host side of assembly/exactCells.ts: the exact path's two passes (keys of the cells meeting
 * a query's ball, in float64 f64x2 SIMD; the bound on the cells beyond it). One module instance, compiled synchronously on first use
 * (gaussSumsNd is synchronous; engines that refuse synchronous compilation of the module, such as
 * a browser's main thread, get null and the float64 JS loop instead). Its memory holds the last
 * grid (cellStart, x0, x1, x2, v: 36 bytes a key) and is reused, grown when a grid does not fit.
 */
export interface ExactExports {
  memory: WebAssembly.Memory;
  exactGrid(
    d: number,
    G0: number,
    G1: number,
    G2: number,
    lo0: number,
    lo1: number,
    lo2: number,
    c: number,
    start: number,
    x0: number,
    x1: number,
    x2: number,
    v: number,
    scratch: number,
    prefix: number,
    n: number,
  ): void;
  exactQuery(q0: number, q1: number, q2: number, z0: number, z1: number, z2: number, R1: number, Rf: number, skip: number, out: number): void;
  exactQueryGrad(q0: number, q1: number, q2: number, z0: number, z1: number, z2: number, R1: number, skip: number, out: number): void;
  exactOuterBox(q0: number, q1: number, q2: number, m: number, R1: number, L2: number, out: number): void;
  exactNearest(q0: number, q1: number, q2: number, skip: number, out: number): void;
}

export interface WasmExact {
  k: ExactExports;
  /**
   * byte offset of the outputs: E, Σe·v, C (the coarse weights' sum) (exactQuery), the bound on
   * the unvisited keys and the keys accounted for (exactOuterBox), the keys visited (exactQuery), then
   * (exactQueryGrad) Σe·x_k², Σe·x_k²·v for k = 0, 1, 2 at 6 + 2k, 7 + 2k; the nearest key's
   * position and m at 12, 13 (exactNearest)
   */
  out: number;
  /** view of the outputs (rebuilt after every grow) */
  res: Float64Array;
}

let instance: ExactExports | null | undefined;

/** This thread's instance of the embedded module, compiled on first use. */
function exports(): ExactExports | null {
  if (instance === undefined) {
    try {
      instance = exactInstance(new WebAssembly.Module(wasmBytes() as BufferSource));
    } catch {
      instance = null;
    }
  }
  return instance;
}

/**
 * A new instance of `module` (the kernels, compiled once elsewhere: a worker thread gets the
 * parallel backend's module rather than compiling the embedded bytes again).
 */
export function exactInstance(module: WebAssembly.Module): ExactExports {
  return new WebAssembly.Instance(module, {}).exports as unknown as ExactExports;
}

const BASE = 64;
const align = (x: number) => Math.ceil(x / 16) * 16;

/** Copy the grid (dv must be 1) into the module's memory; null when WebAssembly is unavailable. */
export function wasmExact(g: CellGrid): WasmExact | null {
  const k = exports();
  return k ? gridInto(k, g) : null;
}

/** Copy the grid (dv must be 1) into instance `k`'s memory; null when the grid does not fit it. */
export function gridInto(k: ExactExports, g: CellGrid): WasmExact | null {
  if (g.dv !== 1) return null;
  const cells = g.cellStart.length;
  const start = BASE;
  const x0 = align(start + 4 * cells);
  const x1 = x0 + align(8 * g.n);
  const x2 = x1 + align(8 * g.n);
  const v = x2 + align(8 * g.n);
  const out = v + align(8 * g.n);
  // scratch: a batch of row ranges (assembly/exactCells.ts, MAX_RANGES = 2048 pairs of i32)
  const scratch = out + 112;
  // prefix counts of keys over the cells (exactOuterBox): P[i₂][i₁][i₀] = keys in cells b < i
  const W0 = g.G[0] + 1;
  const W1 = g.G[1] + 1;
  const W2 = g.G[2] + 1;
  const prefix = scratch + 8 * 2048;
  const end = prefix + 4 * W0 * W1 * W2;
  if (!memoryHolds(k.memory, end)) return null;
  const buf = k.memory.buffer;
  new Int32Array(buf, start, cells).set(g.cellStart);
  new Float64Array(buf, x0, g.n).set(g.x0);
  new Float64Array(buf, x1, g.n).set(g.x1);
  new Float64Array(buf, x2, g.n).set(g.x2);
  new Float64Array(buf, v, g.n).set(g.v);
  const P = new Int32Array(buf, prefix, W0 * W1 * W2);
  P.fill(0);
  for (let i2 = 1; i2 < W2; i2++) {
    for (let i1 = 1; i1 < W1; i1++) {
      const o = (i2 * W1 + i1) * W0;
      const oy = (i2 * W1 + i1 - 1) * W0;
      const oz = ((i2 - 1) * W1 + i1) * W0;
      const oyz = ((i2 - 1) * W1 + i1 - 1) * W0;
      const row = g.G[0] * (i1 - 1 + g.G[1] * (i2 - 1));
      let line = 0;
      for (let i0 = 1; i0 < W0; i0++) {
        line += g.cellStart[row + i0] - g.cellStart[row + i0 - 1];
        P[o + i0] = line + P[oy + i0] + P[oz + i0] - P[oyz + i0];
      }
    }
  }
  k.exactGrid(g.d, g.G[0], g.G[1], g.G[2], g.lo[0], g.lo[1], g.lo[2], g.c, start, x0, x1, x2, v, scratch, prefix, g.n);
  return { k, out, res: new Float64Array(buf, out, 14) };
}
