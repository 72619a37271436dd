import { memoryHolds, wasmBytes } from '../../wasm/moduleBytes.js';
import { markUsed, streamTargets } from './hermiteTranslate.js';

/**
 * The host side of assembly/fgtNd.ts: the Hermite transform's moments over a block of sources and
 * its Taylor evaluation at a block of targets in float64 f64x2 SIMD. One module instance of its
 * own (its memory holds only these buffers), compiled synchronously on first use; null where
 * WebAssembly or synchronous compilation is unavailable (hermiteTransform.ts then runs its JS loops).
 *
 * Buffers, `stride` floats a row: a [3 rows] and wb [nw rows] in (the powers pw [3p rows] are
 * formed in the module), mom [nw·T] out (moments);
 * L [cols·T] and x [3 rows] in, out [cols rows] out (evaluation).
 */
interface FgtExports {
  memory: WebAssembly.Memory;
  fgtMoments(
    a: number,
    inv: number,
    pw: number,
    wb: number,
    m: number,
    stride: number,
    p: number,
    d: number,
    nw: number,
    T: number,
    y: number,
    out: number,
  ): void;
  fgtEvaluate(L: number, T: number, cols: number, start: number, p: number, d: number, x: number, m: number, stride: number, out: number): void;
  fgtStage1(
    C1: number,
    mom: number,
    nw: number,
    c: number,
    T: number,
    run: number,
    p: number,
    P3: number,
    nb0: number,
    nb1: number,
    nb2: number,
    count: number,
    colUsed: number,
    t2: number,
    M: number,
    tab2: number,
    Lh: number,
  ): void;
  fgtStage2(
    C2: number,
    C1: number,
    p: number,
    P3: number,
    nb0: number,
    nb1: number,
    colUsed: number,
    rowUsed: number,
    t1: number,
    M: number,
    tab1: number,
    Lh: number,
  ): void;
  fgtStage3(loc: number, C2: number, p: number, P3: number, nb0: number, rowUsed: number, t0: number, M: number, tab0: number, Lh: number): void;
}

export interface WasmHermite {
  /** offsets a_k of the block's sources from the box centre, d rows */
  a: Float64Array;
  wb: Float64Array;
  mom: Float64Array;
  /** moments of the first m sources (m a multiple of 4) into mom */
  moments(m: number): void;
  L: Float64Array;
  x: Float64Array;
  out: Float64Array;
  /** the polynomial in L at the first m targets (m a multiple of 4) into out */
  evaluate(m: number): void;
  /** byte offset past these buffers (wasmTranslate's region starts there) */
  end: number;
}

let instance: FgtExports | null | undefined;

function exports(): FgtExports | null {
  if (instance === undefined) {
    try {
      const e = new WebAssembly.Instance(new WebAssembly.Module(wasmBytes() as BufferSource), {}).exports as unknown as FgtExports;
      // A module built before these kernels (a stale bytes.generated.ts) lacks them: the JS loops then.
      instance = typeof e.fgtMoments === 'function' && typeof e.fgtStage3 === 'function' ? e : null;
    } catch {
      instance = null;
    }
  }
  return instance;
}

const BASE = 64;
const align = (x: number) => Math.ceil(x / 16) * 16;

export function wasmHermite(p: number, d: number, nw: number, cols: number, T: number, start: Int32Array, stride: number): WasmHermite | null {
  const k = exports();
  if (!k) return null;
  const row = 8 * stride;
  const a = BASE;
  const inv = a + 3 * row;
  const pw = align(inv + 8 * p);
  const wb = pw + 3 * p * row;
  const y = wb + nw * row;
  const mom = y + 2 * row;
  const L = align(mom + 8 * nw * T);
  const st = align(L + 8 * cols * T);
  const x = align(st + 4 * p * p);
  const out = x + 3 * row;
  const end = out + cols * row;
  if (!memoryHolds(k.memory, end)) return null;
  const buf = k.memory.buffer;
  new Int32Array(buf, st, p * p).set(start);
  const invNext = new Float64Array(buf, inv, p);
  for (let n = 0; n < p; n++) invNext[n] = 1 / (n + 1);
  return {
    a: new Float64Array(buf, a, 3 * stride),
    wb: new Float64Array(buf, wb, nw * stride),
    mom: new Float64Array(buf, mom, nw * T),
    moments: (m) => k.fgtMoments(a, inv, pw, wb, m, stride, p, d, nw, T, y, mom),
    L: new Float64Array(buf, L, cols * T),
    x: new Float64Array(buf, x, 3 * stride),
    out: new Float64Array(buf, out, cols * stride),
    evaluate: (m) => k.fgtEvaluate(L, T, cols, st, p, d, x, m, stride, out),
    end: align(end),
  };
}

/** What hermiteTranslate.ts's translateAll takes, for every family f < F and column c < nw. */
export interface TranslateAllInput {
  p: number;
  d: number;
  T: number;
  run: Int32Array;
  mom: Float64Array;
  nw: number;
  F: number;
  nb: Int32Array;
  count: Int32Array;
  M: number;
  /** tables of e^{−x²} and x² e^{−x²} (hermiteTransform.ts) */
  hf: Float64Array;
  gf: Float64Array;
  Lh: number;
  /** target boxes in id order: slot, and coordinates (3 a box) */
  targets: Int32Array;
  tb: Int32Array;
  /** Taylor coefficients [(slot·F + f)·nw + c]·T, added to */
  loc: Float64Array;
}

/**
 * The translation of hermiteTranslate.ts with its three stages in assembly/fgtNd.ts (the same
 * sums, streamed the same way), in this module's memory from byte `base` on (past wasmHermite's
 * buffers, whose views a grow here detaches: take them anew afterwards). False if the memory
 * cannot grow or the module is unavailable.
 */
export function wasmTranslate(base: number, a: TranslateAllInput): boolean {
  const k = exports();
  if (!k) return false;
  const { p, d, T, nw, F, nb, M, Lh, targets, tb } = a;
  const P3 = d === 3 ? p + (p % 2) : 1;
  const block = p * p * P3;
  const nbox = nb[0] * nb[1] * nb[2];
  const mom = base;
  const loc = align(mom + 8 * a.mom.length);
  const C1 = align(loc + 8 * a.loc.length);
  const C2 = align(C1 + 8 * nb[0] * nb[1] * block);
  const hf = align(C2 + 8 * nb[0] * block);
  const gf = align(hf + 8 * a.hf.length);
  const run = align(gf + 8 * a.gf.length);
  const count = align(run + 4 * p * p);
  const colUsed = align(count + 4 * nbox);
  const rowUsed = align(colUsed + nb[0] * nb[1]);
  const end = rowUsed + nb[0];
  if (!memoryHolds(k.memory, end)) return false;
  const buf = k.memory.buffer;
  new Float64Array(buf, mom, a.mom.length).set(a.mom);
  const L = new Float64Array(buf, loc, a.loc.length);
  L.set(a.loc);
  new Float64Array(buf, hf, a.hf.length).set(a.hf);
  new Float64Array(buf, gf, a.gf.length).set(a.gf);
  new Int32Array(buf, run, p * p).set(a.run);
  new Int32Array(buf, count, nbox).set(a.count);
  markUsed(a.count, nb[0], nb[1], new Uint8Array(buf, colUsed, nb[0] * nb[1]).fill(0), new Uint8Array(buf, rowUsed, nb[0]).fill(0));
  for (let f = 0; f < F; f++) {
    // Family f > 0 swaps coordinate f − 1's table for that of x² e^{−x²}.
    const tab0 = f === 1 ? gf : hf;
    const tab1 = f === 2 ? gf : hf;
    const tab2 = f === 3 ? gf : hf;
    for (let c = 0; c < nw; c++) {
      streamTargets(
        tb,
        targets.length,
        (t2) => k.fgtStage1(C1, mom, nw, c, T, run, p, P3, nb[0], nb[1], nb[2], count, colUsed, t2, M, tab2, Lh),
        (t1) => k.fgtStage2(C2, C1, p, P3, nb[0], nb[1], colUsed, rowUsed, t1, M, tab1, Lh),
        (r, t0) => k.fgtStage3(loc + 8 * ((targets[r] * F + f) * nw + c) * T, C2, p, P3, nb[0], rowUsed, t0, M, tab0, Lh),
      );
    }
  }
  a.loc.set(L);
  return true;
}
