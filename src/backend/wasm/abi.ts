/**
 * Facts of the kernels' ABI (assembly/index.ts) that every host of the module shares: the
 * single-thread kernels, the thread runners and the browser workers.
 */

/** Where the first slice of linear memory starts: pointer 0 means "none" (no weights) to the kernels. */
export const BASE = 64;

/** Bytes per WebAssembly memory page. */
export const PAGE = 65536;

/**
 * The Gaussian kernels' score constant c = w²·log2(e)/2 in float32: they compute
 * e = 2^(c·d²min − c·d²). Not finite where w is beyond float32's reach (the caller then takes
 * the float64 path).
 */
export function scoreScale(w: number): number {
  return Math.fround((w * w * Math.LOG2E) / 2);
}

/** Bytes of a slice of n float32, rounded up to 16 so that every slice stays v128-aligned. */
export function sliceBytes(n: number): number {
  return Math.ceil((n * 4) / 16) * 16;
}
