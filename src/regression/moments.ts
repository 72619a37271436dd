/** Which sums the pass gathers besides Σe and Σe·ỹ. */
export interface MomentRequest {
  /** Σe·Δ, Σe·ΔΔᵀ and Σe·Δ·ỹ: the local-linear system */
  linear: boolean;
  /** Σe·∂_ρ log K and Σe·∂_ρ log K·ỹ per variable: the local-constant estimate's derivative in the bandwidths */
  bandwidthSlopes: boolean;
  /** Σe·∂_q log K and Σe·∂_q log K·ỹ per variable: the local-constant estimate's derivative in the query */
  querySlopes: boolean;
}

/**
 * The sums over the keys j of one query, and the per-key weights behind them. With
 * Δ_j = x_j − q, z_j = (1, Δ_j) and ỹ_j = y_j − y₀:
 * A = Σ e_j z_j z_jᵀ ((d+1)², only A[0] = Σe without `linear`), B = Σ e_j z_j ỹ_j,
 * G_k = Σ e_j ∂log K_j/∂ρ_k, GY_k = Σ e_j ∂log K_j/∂ρ_k ỹ_j, Q_k, QY_k the same with ∂/∂q_k.
 * e_j = K_j / max_j K_j: dividing by the largest kernel value (subtracting the largest
 * log-kernel) keeps every e in (0, 1] whatever the bandwidth, so nothing overflows and the
 * nearest key never underflows; every estimate is a ratio of these sums, so the common factor
 * cancels. y₀ is the value of that nearest key, and measuring y from it keeps the sums from
 * cancelling when the y are large and close together.
 */
export class QueryMoments {
  readonly d: number;
  readonly p: number;
  readonly A: Float64Array;
  readonly B: Float64Array;
  readonly G: Float64Array;
  readonly GY: Float64Array;
  readonly Q: Float64Array;
  readonly QY: Float64Array;
  /** e_j of the last query, [n] (0 for the skipped key and keys outside a compact support) */
  readonly e: Float64Array;
  /** Δ of one key, scratch */
  readonly delta: Float64Array;
  /** the value of the key with the largest kernel */
  y0 = 0;
  /** log of the largest kernel value (e_j = K_j · exp(−logMax)) */
  logMax = 0;
  /** no key had a positive kernel value: the nearest keys weigh 1 each, the rest 0 (no slopes) */
  nearest = false;

  constructor(n: number, d: number) {
    this.d = d;
    this.p = d + 1;
    this.A = new Float64Array(this.p * this.p);
    this.B = new Float64Array(this.p);
    this.G = new Float64Array(d);
    this.GY = new Float64Array(d);
    this.Q = new Float64Array(d);
    this.QY = new Float64Array(d);
    this.e = new Float64Array(n);
    this.delta = new Float64Array(d);
  }
}
