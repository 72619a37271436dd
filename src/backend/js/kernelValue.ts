import type { CompactKernel, KernelName } from '../../args/kernel.js';

/** K(u) in float64. */
export function kernelValue(kernel: KernelName, u: number): number {
  switch (kernel) {
    case 'gaussian':
      return Math.exp(-0.5 * u * u);
    case 'boxcar':
      return Math.abs(u) <= 1 ? 1 : 0;
    case 'constant':
      return 1;
    case 'epanechnikov':
      return Math.max(0, 1 - u * u);
    case 'triangular':
      return Math.max(0, 1 - Math.abs(u));
  }
}

/**
 * dK(w·d)/dw for a compact kernel, where it exists: −2w·d² (Epanechnikov) and −|d|
 * (triangular) inside the support, 0 outside it; 0 for boxcar and constant, whose weights are
 * piecewise constant in w (boxcar's loss is a step function of w: its derivative is 0 wherever
 * it exists, and gradient descent cannot move it).
 */
export function compactSlope(kernel: CompactKernel, w: number, d: number): number {
  const u = w * d;
  if (kernel === 'epanechnikov') return 1 - u * u > 0 ? -2 * w * d * d : 0;
  if (kernel === 'triangular') return 1 - Math.abs(u) > 0 ? -Math.abs(d) : 0;
  return 0;
}
