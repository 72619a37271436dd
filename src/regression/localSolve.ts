/**
 * The smallest pivot the scaled Cholesky factorisation of the local-linear system accepts.
 * Below it the system's condition number exceeds about 1e10 (the pivots of a unit-diagonal
 * symmetric positive definite matrix bound its smallest eigenvalue from above), so fewer than
 * about 6 significant digits of the slope would survive float64 rounding: the query is one
 * whose effective neighbours do not span the d directions (one effective neighbour, or all of
 * them on a line), and it falls back to local constant.
 */
export const MIN_PIVOT = 1e-10;

/** Scratch for {@link solveLocalLinear}: p = d + 1. */
export class LocalSystem {
  readonly p: number;
  /** the Cholesky factor of the scaled matrix, lower triangle, p × p */
  readonly L: Float64Array;
  /** 1/√A_aa */
  readonly scale: Float64Array;
  /** θ = A⁻¹B: the local intercept (measured from y₀) and slopes */
  readonly theta: Float64Array;
  /** ℓ = A⁻¹e₀: the first column of A⁻¹, which maps a change of B or A to a change of the intercept */
  readonly ell: Float64Array;
  readonly work: Float64Array;

  constructor(d: number) {
    this.p = d + 1;
    this.L = new Float64Array(this.p * this.p);
    this.scale = new Float64Array(this.p);
    this.theta = new Float64Array(this.p);
    this.ell = new Float64Array(this.p);
    this.work = new Float64Array(this.p);
  }
}

/**
 * Solve the local-linear normal equations A·θ = B (A = Σe·z·zᵀ, z = (1, Δ)) in float64, and
 * ℓ = A⁻¹e₀. A is first scaled to unit diagonal (so the rule below does not depend on the
 * units of the variables, and a variable with w = 0 is as welcome as any), then factored by
 * Cholesky. The rule: the system is singular or ill-conditioned, and this returns false (the
 * caller falls back to local constant), when a diagonal entry Σe·Δ_k² is not positive or a
 * pivot of the scaled factorisation is below {@link MIN_PIVOT}.
 */
export function solveLocalLinear(A: Float64Array, B: Float64Array, sys: LocalSystem, wantEll: boolean, minPivot = MIN_PIVOT): boolean {
  const { p, L, scale, theta, ell, work } = sys;
  for (let a = 0; a < p; a++) {
    const diag = A[a * p + a];
    if (!(diag > 0) || !Number.isFinite(diag)) return false;
    scale[a] = 1 / Math.sqrt(diag);
  }
  for (let a = 0; a < p; a++) {
    for (let b = 0; b <= a; b++) {
      let s = A[a * p + b] * scale[a] * scale[b];
      for (let c = 0; c < b; c++) s -= L[a * p + c] * L[b * p + c];
      if (a === b) {
        if (!(s >= minPivot)) return false;
        L[a * p + a] = Math.sqrt(s);
      } else L[a * p + b] = s / L[b * p + b];
    }
  }
  choleskySolve(sys, B, theta);
  if (wantEll) {
    for (let a = 0; a < p; a++) work[a] = a === 0 ? 1 : 0;
    choleskySolve(sys, work, ell);
  }
  return true;
}

/** x = A⁻¹·rhs through the scaled factor: A = S⁻¹LLᵀS⁻¹ with S = diag(scale); x and rhs are distinct. */
function choleskySolve(sys: LocalSystem, rhs: Float64Array, x: Float64Array): void {
  const { p, L, scale } = sys;
  for (let a = 0; a < p; a++) {
    let s = rhs[a] * scale[a];
    for (let c = 0; c < a; c++) s -= L[a * p + c] * x[c];
    x[a] = s / L[a * p + a];
  }
  for (let a = p - 1; a >= 0; a--) {
    let s = x[a];
    for (let c = a + 1; c < p; c++) s -= L[c * p + a] * x[c];
    x[a] = s / L[a * p + a];
  }
  for (let a = 0; a < p; a++) x[a] *= scale[a];
}
