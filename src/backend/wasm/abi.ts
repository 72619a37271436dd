/**
 * Facts of the kernels' ABI (assembly/index.ts) that every host of the module shares: the
 * single-thread kernels, the thread runners and the browser workers.
 */

/** Where the first slice of linear memory starts: pointer 0 means "none" (no weights) to the kernels. */
export const BASE = 64;

/** Bytes per WebAssembly memory page. */
export const PAGE = 65536;

/**
 * The Gaussian kernels' difference scale S = w·√(log2(e)/2) in float32: they compute
 * u = S·(q − k) and e = 2^(u²min − u²), so the score −(w·d)²/2 never squares d itself. Not
 * finite where w is beyond float32's reach (the caller then takes the float64 path).
 */
export function scoreScale(w: number): number {
  return Math.fround(w * Math.sqrt(Math.LOG2E / 2));
}

/**
 * The factor g = −w/S² that turns the Gaussian loss kernel's Σe·u²·(v − ŷ) into d/dw terms
 * (d score/dw = −w·d² = g·u²), for S = scoreScale(w); 0 at w = 0.
 */
export function gradientFactor(w: number): number {
  if (w === 0) return 0;
  const s = scoreScale(w);
  return -w / (s * s);
}

/** Below this, a float32 is subnormal and has lost relative precision. */
const F32_NORMAL = 2 ** -126;

/** Float32's largest finite value. */
const F32_MAX = 3.4028234663852886e38;

/** Whether a kernel's scale (S for the Gaussian, w for the compact kernels) is 0 or a finite normal float32. */
export function scaleHolds(scale: number): boolean {
  return Number.isFinite(scale) && (scale === 0 || Math.abs(scale) >= F32_NORMAL);
}

/**
 * Whether the 1-D float32 kernels hold a call: every difference q − k is finite in float32,
 * and the scale (S for the Gaussian, w for the compact kernels) is 0 or a finite normal
 * float32. Ranges only (O(nq + nk)): max |q − k| is max(qmax − kmin, kmax − qmin). The 1-D
 * Gaussian kernels (assembly/pool.ts, pool and poolLoss) check the differences themselves, the
 * same way; their host checks only the scale.
 */
export function float32Holds(q: ArrayLike<number>, k: ArrayLike<number>, scale: number): boolean {
  if (!scaleHolds(scale)) return false;
  let qmin = Infinity;
  let qmax = -Infinity;
  for (let i = 0; i < q.length; i++) {
    const x = q[i];
    if (x < qmin) qmin = x;
    if (x > qmax) qmax = x;
  }
  let kmin = Infinity;
  let kmax = -Infinity;
  for (let i = 0; i < k.length; i++) {
    const x = k[i];
    if (x < kmin) kmin = x;
    if (x > kmax) kmax = x;
  }
  // with half float32's range of margin: the rounded difference stays finite
  return Math.max(qmax - kmin, kmax - qmin) < F32_MAX / 2;
}

/**
 * Bytes the host leaves free after its last slice: a kernel's masked block of 4 floats reads
 * up to 12 bytes past the end of a slice whose length is not a multiple of 4 (assembly/pool.ts).
 */
export const SLACK = 16;

/**
 * Floats of the scratch the 1-D Gaussian kernels (pool, poolRows, poolLoss, poolLossRows) take:
 * three rows of nk rounded up to 4, pass 1's u² of one query while pass 2 reads the previous
 * one's, and the loss's e.
 */
export function poolScratch(nk: number): number {
  return 12 * Math.ceil(nk / 4);
}

/** Bytes of a slice of n float32, rounded up to 16 so that every slice stays v128-aligned. */
export function sliceBytes(n: number): number {
  return Math.ceil((n * 4) / 16) * 16;
}
