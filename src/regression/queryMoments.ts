import { expNonPositive } from './expNonPositive.js';
import type { MomentRequest, QueryMoments } from './moments.js';
import type { Bandwidths, KeySet } from './keySet.js';

/**
 * One query's moments in two passes over the keys (the largest log-kernel, then the sums):
 * O(n·d²) time, no allocation. `skip` is a key to leave out (leave-one-out), or −1.
 * This is the O(n²) heart of kernel regression once looped over the queries; a backend that
 * computes the same sums for a block of queries can replace the loop.
 */
export function gatherMoments(keys: KeySet, w: Bandwidths, q: Float64Array, qOff: number, skip: number, req: MomentRequest, out: QueryMoments): void {
  const d = keys.d;
  out.A.fill(0);
  out.B.fill(0);
  if (req.bandwidthSlopes) {
    out.G.fill(0);
    out.GY.fill(0);
  }
  if (req.querySlopes) {
    out.Q.fill(0);
    out.QY.fill(0);
  }
  let finite = true;
  for (let k = 0; k < d; k++) if (w[k] === Infinity) finite = false;
  let jRef = keys.kernel === 'gaussian' && finite ? gaussianLogKernels(keys, w, q, qOff, skip, out) : generalLogKernels(keys, w, q, qOff, skip, out);
  if (jRef < 0) jRef = nearestKeys(keys, w, q, qOff, skip, out);
  out.y0 = keys.y[jRef];
  if (keys.kernel === 'gaussian' && finite && !out.nearest) {
    if (d === 2) gaussianSums2(keys, w, q, qOff, skip, req, out);
    else gaussianSums(keys, w, q, qOff, skip, req, out);
  } else {
    generalSums(keys, w, q, qOff, skip, req, out);
  }
  // A is symmetric: the passes fill its upper triangle
  const p = req.linear ? out.p : 1;
  const A = out.A;
  for (let a = 1; a < p; a++) for (let b = 0; b < a; b++) A[a * out.p + b] = A[b * out.p + a];
}

/** Gaussian log-kernels −½ Σ_k (w_k Δ_jk)² into e; returns the key with the largest (−1 if none). */
function gaussianLogKernels(keys: KeySet, w: Bandwidths, q: Float64Array, qOff: number, skip: number, out: QueryMoments): number {
  const { x, n, d } = keys;
  const e = out.e;
  let m = -Infinity;
  let jMax = -1;
  if (d === 2) {
    // the benchmark's case, unrolled: V8 keeps everything in registers
    const w0 = w[0];
    const w1 = w[1];
    const q0 = q[qOff];
    const q1 = q[qOff + 1];
    for (let j = 0; j < n; j++) {
      const u0 = w0 * (x[2 * j] - q0);
      const u1 = w1 * (x[2 * j + 1] - q1);
      const s = -0.5 * (u0 * u0 + u1 * u1);
      e[j] = s;
      if (s > m && j !== skip) {
        m = s;
        jMax = j;
      }
    }
    if (skip >= 0) e[skip] = -Infinity;
    out.logMax = m;
    out.nearest = false;
    return jMax;
  }
  for (let j = 0, row = 0; j < n; j++, row += d) {
    if (j === skip) {
      e[j] = -Infinity;
      continue;
    }
    let s = 0;
    for (let k = 0; k < d; k++) {
      const u = w[k] * (x[row + k] - q[qOff + k]);
      s += u * u;
    }
    s *= -0.5;
    e[j] = s;
    if (s > m) {
      m = s;
      jMax = j;
    }
  }
  out.logMax = m;
  out.nearest = false;
  return jMax;
}

/** log K_k(u) of one variable; −Infinity outside a compact support. */
export function logKernel(kernel: string, u: number): number {
  switch (kernel) {
    case 'gaussian':
      return -0.5 * u * u;
    case 'boxcar':
      return Math.abs(u) <= 1 ? 0 : -Infinity;
    case 'epanechnikov':
      return Math.abs(u) < 1 ? Math.log1p(-u * u) : -Infinity;
    case 'triangular':
      return Math.abs(u) < 1 ? Math.log1p(-Math.abs(u)) : -Infinity;
    default:
      return 0; // constant
  }
}

/** u = w·Δ, with Δ = 0 giving 0 also for w = ∞ (a key at the query's own coordinate). */
function scaled(w: number, delta: number): number {
  return delta === 0 ? 0 : w * delta;
}

/** Any kernel, any bandwidths (infinite included): Σ_k log K(u_k) into e; the key with the largest (−1 if every kernel is 0). */
function generalLogKernels(keys: KeySet, w: Bandwidths, q: Float64Array, qOff: number, skip: number, out: QueryMoments): number {
  const { x, n, d, kernel } = keys;
  const e = out.e;
  let m = -Infinity;
  let jMax = -1;
  for (let j = 0, row = 0; j < n; j++, row += d) {
    if (j === skip) {
      e[j] = -Infinity;
      continue;
    }
    let s = 0;
    for (let k = 0; k < d && s > -Infinity; k++) s += logKernel(kernel, scaled(w[k], x[row + k] - q[qOff + k]));
    e[j] = s;
    if (s > m) {
      m = s;
      jMax = j;
    }
  }
  out.logMax = m;
  out.nearest = false;
  return jMax;
}

/**
 * No key has a positive kernel value (a compact kernel with the query outside every support,
 * or an infinite w): the nearest keys weigh 1, the others 0, as the support shrinks to them.
 * Nearest first over the variables with w = ∞ (Euclidean), then by the scaled distance of
 * the others: max_k |u_k| for the compact kernels (their support is a box), Σ u_k² for the
 * Gaussian.
 */
function nearestKeys(keys: KeySet, w: Bandwidths, q: Float64Array, qOff: number, skip: number, out: QueryMoments): number {
  const { x, n, d, kernel } = keys;
  const e = out.e;
  let best1 = Infinity;
  let best2 = Infinity;
  let first = -1;
  for (let pass = 0; pass < 2; pass++) {
    for (let j = 0, row = 0; j < n; j++, row += d) {
      if (j === skip) {
        e[j] = -Infinity;
        continue;
      }
      let d1 = 0;
      let d2 = 0;
      for (let k = 0; k < d; k++) {
        const delta = x[row + k] - q[qOff + k];
        if (w[k] === Infinity) d1 += delta * delta;
        else {
          const u = Math.abs(w[k] * delta);
          d2 = kernel === 'gaussian' ? d2 + u * u : Math.max(d2, u);
        }
      }
      if (pass === 0) {
        if (d1 < best1 || (d1 === best1 && d2 < best2)) {
          best1 = d1;
          best2 = d2;
        }
      } else if (d1 === best1 && d2 === best2) {
        e[j] = 0; // log 1
        if (first < 0) first = j;
      } else e[j] = -Infinity;
    }
  }
  out.logMax = 0;
  out.nearest = true;
  return first;
}

/** The sums for the Gaussian with finite bandwidths: the hot loop of every fit and criterion. */
function gaussianSums(keys: KeySet, w: Bandwidths, q: Float64Array, qOff: number, skip: number, req: MomentRequest, out: QueryMoments): void {
  const { x, y, n, d } = keys;
  const { e, A, B, G, GY, Q, QY, delta } = out;
  const p = out.p;
  const m = out.logMax;
  const y0 = out.y0;
  const needDelta = req.linear || req.bandwidthSlopes || req.querySlopes;
  let s0 = 0;
  let s0y = 0;
  for (let j = 0, row = 0; j < n; j++, row += d) {
    if (j === skip) {
      e[j] = 0;
      continue;
    }
    const ej = expNonPositive(e[j] - m);
    e[j] = ej;
    const yt = y[j] - y0;
    s0 += ej;
    s0y += ej * yt;
    if (!needDelta) continue;
    for (let k = 0; k < d; k++) delta[k] = x[row + k] - q[qOff + k];
    if (req.linear) {
      const eyt = ej * yt;
      for (let k = 0; k < d; k++) {
        const ed = ej * delta[k];
        A[1 + k] += ed;
        B[1 + k] += eyt * delta[k];
        const r = (1 + k) * p;
        for (let l = k; l < d; l++) A[r + 1 + l] += ed * delta[l];
      }
    }
    if (req.bandwidthSlopes) {
      // ∂ log K/∂ρ_k = −Δ_k² (ρ = w²/2)
      for (let k = 0; k < d; k++) {
        const g = -delta[k] * delta[k] * ej;
        G[k] += g;
        GY[k] += g * yt;
      }
    }
    if (req.querySlopes) {
      // ∂ log K/∂q_k = w_k² Δ_k
      for (let k = 0; k < d; k++) {
        const s = w[k] * w[k] * delta[k] * ej;
        Q[k] += s;
        QY[k] += s * yt;
      }
    }
  }
  A[0] = s0;
  B[0] = s0y;
}

/** ∂ log K(w·Δ)/∂ρ and ∂ log K(w·Δ)/∂q of one variable inside the support (0 for boxcar and constant). */
export function logKernelSlopes(kernel: string, w: number, delta: number, out: Float64Array): void {
  const u = scaled(w, delta);
  switch (kernel) {
    case 'gaussian':
      out[0] = -delta * delta;
      out[1] = w * w * delta;
      return;
    case 'epanechnikov': {
      const k = 1 - u * u;
      out[0] = (-2 * u * delta) / k;
      out[1] = (2 * u * w) / k;
      return;
    }
    case 'triangular': {
      const k = 1 - Math.abs(u);
      out[0] = -Math.abs(delta) / k;
      out[1] = (Math.sign(u) * w) / k;
      return;
    }
    default:
      out[0] = 0;
      out[1] = 0;
  }
}

const slopes = new Float64Array(2);

/** The sums for any kernel and bandwidth (e holds log-kernels, or 0/−∞ for the nearest keys). */
function generalSums(keys: KeySet, w: Bandwidths, q: Float64Array, qOff: number, skip: number, req: MomentRequest, out: QueryMoments): void {
  const { x, y, n, d, kernel } = keys;
  const { e, A, B, G, GY, Q, QY, delta } = out;
  const p = out.p;
  const m = out.logMax;
  const y0 = out.y0;
  const wantSlopes = !out.nearest && (req.bandwidthSlopes || req.querySlopes);
  let s0 = 0;
  let s0y = 0;
  for (let j = 0, row = 0; j < n; j++, row += d) {
    if (j === skip) {
      e[j] = 0;
      continue;
    }
    const ej = e[j] === -Infinity ? 0 : Math.exp(e[j] - m);
    e[j] = ej;
    if (ej === 0) continue;
    const yt = y[j] - y0;
    s0 += ej;
    s0y += ej * yt;
    for (let k = 0; k < d; k++) delta[k] = x[row + k] - q[qOff + k];
    if (req.linear) {
      for (let k = 0; k < d; k++) {
        A[1 + k] += ej * delta[k];
        B[1 + k] += ej * yt * delta[k];
        for (let l = k; l < d; l++) A[(1 + k) * p + 1 + l] += ej * delta[k] * delta[l];
      }
    }
    if (wantSlopes) {
      for (let k = 0; k < d; k++) {
        if (w[k] === Infinity) continue;
        logKernelSlopes(kernel, w[k], delta[k], slopes);
        if (req.bandwidthSlopes) {
          G[k] += ej * slopes[0];
          GY[k] += ej * slopes[0] * yt;
        }
        if (req.querySlopes) {
          Q[k] += ej * slopes[1];
          QY[k] += ej * slopes[1] * yt;
        }
      }
    }
  }
  A[0] = s0;
  B[0] = s0y;
}

/** {@link gaussianSums} for d = 2 with every sum in a local variable (3–4× faster in V8 than typed-array accumulators). */
function gaussianSums2(keys: KeySet, w: Bandwidths, q: Float64Array, qOff: number, skip: number, req: MomentRequest, out: QueryMoments): void {
  const { x, y, n } = keys;
  const { e, A, B, G, GY, Q, QY } = out;
  const m = out.logMax;
  const y0 = out.y0;
  const q0 = q[qOff];
  const q1 = q[qOff + 1];
  let s0 = 0;
  let s0y = 0;
  if (req.linear && !req.bandwidthSlopes && !req.querySlopes) {
    let a01 = 0;
    let a02 = 0;
    let a11 = 0;
    let a12 = 0;
    let a22 = 0;
    let b1 = 0;
    let b2 = 0;
    for (let j = 0; j < n; j++) {
      const ej = expNonPositive(e[j] - m);
      e[j] = ej;
      const yt = y[j] - y0;
      const d0 = x[2 * j] - q0;
      const d1 = x[2 * j + 1] - q1;
      const e0 = ej * d0;
      const e1 = ej * d1;
      s0 += ej;
      s0y += ej * yt;
      a01 += e0;
      a02 += e1;
      a11 += e0 * d0;
      a12 += e0 * d1;
      a22 += e1 * d1;
      b1 += e0 * yt;
      b2 += e1 * yt;
    }
    // A is 3 × 3: the upper triangle
    A[1] = a01;
    A[2] = a02;
    A[4] = a11;
    A[5] = a12;
    A[8] = a22;
    B[1] = b1;
    B[2] = b2;
  } else if (!req.linear && !req.querySlopes) {
    let g0 = 0;
    let g1 = 0;
    let gy0 = 0;
    let gy1 = 0;
    const slopes = req.bandwidthSlopes;
    for (let j = 0; j < n; j++) {
      const ej = expNonPositive(e[j] - m);
      e[j] = ej;
      const yt = y[j] - y0;
      s0 += ej;
      s0y += ej * yt;
      if (slopes) {
        const d0 = x[2 * j] - q0;
        const d1 = x[2 * j + 1] - q1;
        const h0 = -ej * d0 * d0;
        const h1 = -ej * d1 * d1;
        g0 += h0;
        g1 += h1;
        gy0 += h0 * yt;
        gy1 += h1 * yt;
      }
    }
    if (slopes) {
      G[0] = g0;
      G[1] = g1;
      GY[0] = gy0;
      GY[1] = gy1;
    }
  } else {
    gaussianSums(keys, w, q, qOff, skip, req, out);
    return;
  }
  // the skipped key's e was exp(−∞) = 0, and it added nothing
  A[0] = s0;
  B[0] = s0y;
  void Q;
  void QY;
}
