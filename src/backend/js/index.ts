import { FrontEnd } from '../frontEnd.js';
import type { Backend } from '../types.js';
import { createJsKernels } from './kernels.js';

/** The plain-JavaScript backend: the float64 reference kernels behind the front end. */
export function createJsBackend(): Backend {
  const kernels = createJsKernels();
  return new FrontEnd('js', kernels, kernels);
}
