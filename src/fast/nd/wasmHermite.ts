import { wasmBytes } from '../../backend/wasm/load.js';

/**
 * The host side of assembly/fgtNd.ts: the Hermite transform's moments over a block of sources and
 * its Taylor evaluation at a block of targets in float64 f64x2 SIMD. One module instance of its
 * own (its memory holds only these buffers), compiled synchronously on first use; null where
 * WebAssembly or synchronous compilation is unavailable (hermiteTransform.ts then runs its JS loops).
 *
 * Buffers, `stride` floats a row: pw [3p rows] and wb [nw rows] in, mom [nw·T] out (moments);
 * L [cols·T] and x [3 rows] in, out [cols rows] out (evaluation).
 */
interface FgtExports {
  memory: WebAssembly.Memory;
  fgtMoments(pw: number, wb: number, m: number, stride: number, p: number, d: number, nw: number, T: number, y: number, out: number): void;
  fgtEvaluate(L: number, T: number, cols: number, start: number, p: number, d: number, x: number, m: number, stride: number, out: number): void;
}

export interface WasmHermite {
  pw: Float64Array;
  wb: Float64Array;
  mom: Float64Array;
  /** moments of the first m sources (m a multiple of 4) into mom */
  moments(m: number): void;
  L: Float64Array;
  x: Float64Array;
  out: Float64Array;
  /** the polynomial in L at the first m targets (m a multiple of 4) into out */
  evaluate(m: number): void;
}

let instance: FgtExports | null | undefined;

function exports(): FgtExports | null {
  if (instance === undefined) {
    try {
      const e = new WebAssembly.Instance(new WebAssembly.Module(wasmBytes() as BufferSource), {}).exports as unknown as FgtExports;
      instance = typeof e.fgtMoments === 'function' ? e : null;
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
  const pw = BASE;
  const wb = pw + 3 * p * row;
  const y = wb + nw * row;
  const mom = y + 2 * row;
  const L = align(mom + 8 * nw * T);
  const st = align(L + 8 * cols * T);
  const x = align(st + 4 * p * p);
  const out = x + 3 * row;
  const end = out + cols * row;
  const have = k.memory.buffer.byteLength;
  if (end > have) {
    try {
      k.memory.grow(Math.ceil((end - have) / 65536));
    } catch {
      return null;
    }
  }
  const buf = k.memory.buffer;
  new Int32Array(buf, st, p * p).set(start);
  return {
    pw: new Float64Array(buf, pw, 3 * p * stride),
    wb: new Float64Array(buf, wb, nw * stride),
    mom: new Float64Array(buf, mom, nw * T),
    moments: (m) => k.fgtMoments(pw, wb, m, stride, p, d, nw, T, y, mom),
    L: new Float64Array(buf, L, cols * T),
    x: new Float64Array(buf, x, 3 * stride),
    out: new Float64Array(buf, out, cols * stride),
    evaluate: (m) => k.fgtEvaluate(L, T, cols, st, p, d, x, m, stride, out),
  };
}
