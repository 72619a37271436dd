import type { QueryMoments } from './moments.js';
import { logKernelSlopes } from './queryMoments.js';
import type { Bandwidths, KeySet } from './keySet.js';

const slopes = new Float64Array(2);

/**
 * The derivative of one query's local-linear estimate in each bandwidth parameter ρ_k, from a
 * third pass over the keys with the weights e_j the moment pass left in `mom.e`.
 *
 * The estimate is ŷ − y₀ = e₀ᵀA⁻¹B. A change of the weights changes A and B, and
 * dŷ = ℓᵀ(dB − dA·θ) with θ = A⁻¹B and ℓ = A⁻¹e₀; with de_j = e_j·∂log K_j/∂ρ_k that is
 * ∂ŷ/∂ρ_k = Σ_j e_j ∂log K_j/∂ρ_k (ℓᵀz_j)(ỹ_j − θᵀz_j): a sum over the keys of the local
 * residual, no (d+1)² × d derivative moments. (The common factor of the e_j, the largest
 * kernel value, cancels: ℓᵀ(B − Aθ) = 0.) With ℓ = (1/Σe, 0, …) and θ = (ŷ − y₀, 0, …) it is
 * the local-constant derivative, which a query that fell back to local constant uses.
 *
 * Also Σ_j e_j ∂log K_j/∂ρ_k into `sumSlopes` (the AICc's trace needs it).
 */
export function linearSlopes(
  keys: KeySet,
  w: Bandwidths,
  q: Float64Array,
  qOff: number,
  skip: number,
  mom: QueryMoments,
  theta: Float64Array,
  ell: Float64Array,
  out: Float64Array,
  sumSlopes: Float64Array,
): void {
  const { x, y, n, d, kernel } = keys;
  const { e, delta } = mom;
  const y0 = mom.y0;
  out.fill(0, 0, d);
  sumSlopes.fill(0, 0, d);
  if (mom.nearest) return; // the nearest keys do not move with the bandwidths
  const gaussian = kernel === 'gaussian';
  if (gaussian && d === 2) {
    linearSlopes2(keys, q, qOff, mom, theta, ell, out, sumSlopes);
    return;
  }
  for (let j = 0, row = 0; j < n; j++, row += d) {
    const ej = e[j];
    if (ej === 0 || j === skip) continue;
    let lz = ell[0];
    let r = y[j] - y0 - theta[0];
    for (let k = 0; k < d; k++) {
      const dk = x[row + k] - q[qOff + k];
      delta[k] = dk;
      lz += ell[1 + k] * dk;
      r -= theta[1 + k] * dk;
    }
    const c = ej * lz * r;
    if (gaussian) {
      for (let k = 0; k < d; k++) {
        const g = -delta[k] * delta[k]; // ∂ log K/∂ρ_k, ρ = w²/2
        out[k] += c * g;
        sumSlopes[k] += ej * g;
      }
    } else {
      for (let k = 0; k < d; k++) {
        if (w[k] === Infinity) continue;
        logKernelSlopes(kernel, w[k], delta[k], slopes);
        out[k] += c * slopes[0];
        sumSlopes[k] += ej * slopes[0];
      }
    }
  }
}

/** {@link linearSlopes} for the Gaussian and d = 2, unrolled. */
function linearSlopes2(
  keys: KeySet,
  q: Float64Array,
  qOff: number,
  mom: QueryMoments,
  theta: Float64Array,
  ell: Float64Array,
  out: Float64Array,
  sumSlopes: Float64Array,
): void {
  const { x, y, n } = keys;
  const e = mom.e;
  const y0 = mom.y0 + theta[0];
  const q0 = q[qOff];
  const q1 = q[qOff + 1];
  const l0 = ell[0];
  const l1 = ell[1];
  const l2 = ell[2];
  const t1 = theta[1];
  const t2 = theta[2];
  let o0 = 0;
  let o1 = 0;
  let g0 = 0;
  let g1 = 0;
  for (let j = 0; j < n; j++) {
    const ej = e[j]; // 0 for the skipped key
    const d0 = x[2 * j] - q0;
    const d1 = x[2 * j + 1] - q1;
    const c = ej * (l0 + l1 * d0 + l2 * d1) * (y[j] - y0 - t1 * d0 - t2 * d1);
    const s0 = d0 * d0;
    const s1 = d1 * d1;
    o0 -= c * s0;
    o1 -= c * s1;
    g0 -= ej * s0;
    g1 -= ej * s1;
  }
  out[0] = o0;
  out[1] = o1;
  sumSlopes[0] = g0;
  sumSlopes[1] = g1;
}
