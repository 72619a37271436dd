/**
 * Sub-quadratic Gaussian Nadaraya–Watson sums for d ∈ {2, 3} on checked float64 data
 * (issue 20): gaussSumsNd (sums, ŷ and gradient terms on w-scaled features), gaussLossNd (loss
 * and dL/dw on raw features), and the cost model's pieces for a caller's 'auto' choice.
 */
export { gaussSumsNd, planGaussSumsNd, DEFAULT_TOLERANCE, type GaussSumsNd, type GaussSumsNdOptions, type PlannedSumsNd } from './gaussSumsNd.js';
export { gaussLossNd, type LossNd } from './lossNd.js';
export { runExactPass, type ExactPass, type ExactPassRunner } from './exactPass.js';
export { exactCost, hermitePlan, windowKeys, translationOps, type HermitePlan, type SpanInfo } from './costModelNd.js';
export { hermiteBound, degreeFor } from './hermiteBound.js';
export { hermiteTransform, type HermiteSums, type HermiteParams } from './hermiteTransform.js';
