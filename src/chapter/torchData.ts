import { AttnpoolError } from '../errors.js';
import type { SyntheticData } from './dataSet.js';
import { checkOptions } from '../args/options.js';
import { numberOption } from '../args/numbers.js';
import { sleefPowf, sleefSinf } from '../torch/sleef.js';
import { TorchGenerator } from '../torch/generator.js';

const f = Math.fround;

/**
 * ATen splits an elementwise loop across threads above this many elements (`GRAIN_SIZE`),
 * which moves the boundaries between its vector and scalar code: the bit-for-bit claims of
 * this file hold up to it, whatever the thread count.
 */
export const TORCH_SERIAL_MAX = 32768;

/** AVX2 elementwise loops take two 8-float vectors per step; the rest goes through scalar code. */
const VECTOR_STEP = 16;

const EXPONENT = 0.8;
const EXPONENT_F32 = f(EXPONENT);

function checkSerial(n: number, name: string): void {
  if (n > TORCH_SERIAL_MAX) {
    throw new AttnpoolError(
      'E_VALUE',
      `${name}: expected at most ${TORCH_SERIAL_MAX} elements (beyond, torch splits the loop across threads and its rounding depends on their number), got ${n}`,
    );
  }
}

/**
 * `torch.arange(start, end, step)` in float32, bit for bit. torch counts ⌈(end − start)/step⌉
 * elements and computes in float64, but its vector code (8 at a time) first rounds the start
 * of each block of 8 to float32 and adds j·step to that — so element 9 of arange(0, 5, 0.1)
 * is fround(fround(0.8) + 0.1), not fround(0.9). The last (n mod 16) elements come from
 * scalar code, fround(start + i·step).
 */
export function torchArange(start: number, end: number, step: number): Float32Array {
  const a = numberOption(start, 'start', {});
  const b = numberOption(end, 'end', {});
  const s = numberOption(step, 'step', {});
  if (s === 0 || (s > 0 && b < a) || (s < 0 && b > a)) {
    throw new AttnpoolError('E_VALUE', `torchArange: step: expected a nonzero step whose sign goes from start ${a} to end ${b}, got ${s}`);
  }
  const n = Math.ceil((b - a) / s);
  checkSerial(n, 'torchArange');
  const out = new Float32Array(n);
  let i = 0;
  for (; i + VECTOR_STEP <= n; i += VECTOR_STEP) {
    for (let v = i; v < i + VECTOR_STEP; v += 8) {
      const base = f(a + s * v);
      for (let j = 0; j < 8; j++) out[v + j] = base + j * s;
    }
  }
  for (; i < n; i++) out[i] = a + s * i;
  return out;
}

/**
 * The chapter's f(x) = 2 sin x + x^0.8 as torch evaluates it on a contiguous float32 tensor
 * with AVX2: sin by SLEEF for every element; x^0.8 by SLEEF's powf with the exponent rounded
 * to float32 for the elements its vector loop covers, and by float64 pow (glibc, exponent
 * 0.8 as a double) rounded to float32 for the last (n mod 16); then 2·s + p in float32.
 * Inputs must lie in [0, 125).
 */
export function torchChapterFunction(x: Float32Array): Float32Array {
  checkSerial(x.length, 'torchChapterFunction');
  const out = new Float32Array(x.length);
  const vectorEnd = x.length - (x.length % VECTOR_STEP);
  for (let i = 0; i < x.length; i++) {
    const xi = x[i];
    if (!(xi >= 0 && xi < 125)) throw new AttnpoolError('E_VALUE', `torchChapterFunction: x[${i}]: expected a number in [0, 125), got ${xi}`);
    const power = i < vectorEnd ? sleefPowf(xi, EXPONENT_F32) : f(xi ** EXPONENT);
    out[i] = f(2 * sleefSinf(xi)) + power;
  }
  return out;
}

/** Options of {@link torchChapterData}. */
export interface TorchChapterOptions {
  /** number of training points (default 50, the chapter's n_train; at most 32768) */
  nTrain?: number;
  /** standard deviation of the noise (default 0.5) */
  noise?: number;
}

/** What {@link torchChapterData} returns. */
export interface TorchChapterStart {
  /** the chapter's data set, as torch draws it */
  data: SyntheticData;
  /** the initial w of NWKernelRegression, the float32 torch.rand((1,)) drawn after the data */
  w0: number;
}

/**
 * The chapter's data and initial w exactly as its PyTorch code draws them after
 * `torch.manual_seed(seed)`:
 * ```text
 * x_train, _ = torch.sort(torch.rand(n_train) * 5)
 * y_train = f(x_train) + torch.normal(0.0, 0.5, (n_train,))
 * x_test = torch.arange(0, 5, 0.1)
 * y_truth = f(x_test)
 * w = torch.rand((1,))          # NWKernelRegression's parameter
 * ```
 * Bit for bit with torch 1.13 on x86-64 CPUs where it uses its AVX2 kernels (see README).
 */
export function torchChapterData(seed: number, options?: TorchChapterOptions): TorchChapterStart {
  const o = checkOptions(options, { nTrain: 'any', noise: 'any' }, 'torchChapterData');
  const n = numberOption(o.nTrain ?? 50, 'nTrain', { integer: true, min: 1, max: TORCH_SERIAL_MAX });
  const noise = numberOption(o.noise ?? 0.5, 'noise', { min: 0 });
  const g = new TorchGenerator(seed);
  const xTrain = g
    .rand(n)
    .map((u) => u * 5)
    .sort();
  const noiseDraws = g.normal(0, noise, n);
  const yTrain = torchChapterFunction(xTrain).map((y, i) => y + noiseDraws[i]);
  const xTest = torchArange(0, 5, 0.1);
  const yTruth = torchChapterFunction(xTest);
  const w0 = g.rand(1)[0];
  return {
    data: {
      xTrain: { data: xTrain, shape: [n] },
      yTrain: { data: yTrain, shape: [n] },
      xTest: { data: xTest, shape: [xTest.length] },
      yTruth: { data: yTruth, shape: [yTruth.length] },
    },
    w0,
  };
}
