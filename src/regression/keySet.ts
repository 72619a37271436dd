import type { KernelName } from '../args/kernel.js';

/**
 * The training data of a kernel regression, checked and in float64: the keys x [n, d]
 * (row-major), the values y [n], the kernel. Every O(n²) pass reads it; nothing writes it.
 */
export interface KeySet {
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly n: number;
  readonly d: number;
  readonly kernel: KernelName;
}

/**
 * What the passes need for each variable k: its w_k = 1/h_k ≥ 0 (0: the variable is smoothed
 * out of the kernel; Infinity only from a d = 1 local-constant search that found the
 * nearest-neighbour limit best).
 */
export type Bandwidths = Float64Array;

/**
 * The bandwidth parameter ρ_k the passes differentiate in: ρ = w²/2 for the Gaussian (its
 * log-kernel −ρ·Δ² is linear in ρ, so the derivative at w = 0 is informative), ρ = w for the
 * compact kernels. ∂/∂w_k = (dρ_k/dw_k)·∂/∂ρ_k.
 */
export function dRhoDw(kernel: KernelName, w: number): number {
  return kernel === 'gaussian' ? w : 1;
}
