/** A bandwidth criterion (leave-one-out CV or AICc) at one w, with its gradient. */
export interface CriterionValue {
  /** the criterion (+Infinity where it is undefined) */
  value: number;
  /** ∂/∂w_k */
  gradW: Float64Array;
  /**
   * ∂/∂ρ_k, ρ = w²/2 for the Gaussian and w for the compact kernels: the one-sided slope that
   * decides whether w_k = 0 (variable smoothed out) is a minimum, where ∂/∂w_k of the Gaussian
   * is always 0
   */
  gradRho: Float64Array;
}
