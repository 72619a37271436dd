import { MT19937 } from './mt19937.js';
import { numberOption } from '../args/numbers.js';
import { avxLog, avxSinCos } from './cephes.js';
import { fma32 } from './float32.js';

const f = Math.fround;

/** 2π rounded to float32, as ATen's `_mm256_set1_ps(2.0f * c10::pi<double>)`. */
const TWO_PI_F32 = f(2 * Math.PI);

/** 2^-24 and 2^-53: the steps of torch's float and double uniforms. */
const FLOAT_STEP = 2 ** -24;
const DOUBLE_STEP = 2 ** -53;

/** Below this length torch.normal draws each value with the float64 Box–Muller of `at::normal_distribution`. */
const VECTOR_MIN = 16;

/**
 * PyTorch's CPU generator (`torch.manual_seed(seed)` and the default generator's draws), as
 * torch 1.13 computes them on x86-64 with AVX2, bit for bit:
 *
 * - the engine is the 32-bit Mersenne Twister seeded with `seed mod 2^32`;
 * - `rand(n)` (float32): each value is the low 24 bits of one output times 2^-24;
 * - `normal(mean, std, n)` (float32), n ≥ 16: n float uniforms, then a float32 Box–Muller on
 *   each full block of 16 (u1 = 1 − d[j], u2 = d[j + 8] for j < 8), with ATen's AVX2 `log`
 *   and `sincos`; if 16 does not divide n, 16 fresh uniforms overwrite the last 16 values and
 *   that block is transformed again;
 * - `normal`, n < 16: float64 Box–Muller on 53-bit uniforms, one value per call, the second
 *   value of each pair kept for the next call (torch keeps it in the generator, so it carries
 *   over between calls until the next seeding).
 *
 * @example
 * const g = new TorchGenerator(0);     // torch.manual_seed(0)
 * const x = g.rand(50);                // torch.rand(50)
 * const e = g.normal(0, 0.5, 50);      // torch.normal(0.0, 0.5, (50,))
 */
export class TorchGenerator {
  private readonly engine: MT19937;
  /** The cached second value of the float64 Box–Muller (torch's `next_double_normal_sample`). */
  private nextNormal: number | null = null;

  /** A generator in the state `torch.manual_seed(seed)` leaves (any integer; torch uses seed mod 2^32). */
  constructor(seed: number) {
    const s = numberOption(seed, 'seed', { integer: true, min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER });
    this.engine = new MT19937(s >>> 0);
  }

  /** `torch.rand(n)`: n float32 uniforms on [0, 1). */
  rand(n: number): Float32Array {
    const out = new Float32Array(lengthOf(n));
    for (let i = 0; i < out.length; i++) out[i] = this.uniformFloat();
    return out;
  }

  /** `torch.normal(mean, std, (n,))` in float32. */
  normal(mean: number, std: number, n: number): Float32Array {
    const m = numberOption(mean, 'mean', {});
    const s = numberOption(std, 'std', { min: 0 });
    const out = new Float32Array(lengthOf(n));
    if (out.length < VECTOR_MIN) {
      for (let i = 0; i < out.length; i++) out[i] = this.standardNormalDouble() * s + m;
      return out;
    }
    const m32 = f(m);
    const s32 = f(s);
    for (let i = 0; i < out.length; i++) out[i] = this.uniformFloat();
    for (let i = 0; i + 16 <= out.length; i += 16) boxMuller16(out, i, m32, s32);
    if (out.length % 16 !== 0) {
      const last = out.length - 16;
      for (let i = last; i < out.length; i++) out[i] = this.uniformFloat();
      boxMuller16(out, last, m32, s32);
    }
    return out;
  }

  /** One float uniform: the low 24 bits of an output, times 2^-24 (exact in float32). */
  private uniformFloat(): number {
    return (this.engine.nextU32() & 0xffffff) * FLOAT_STEP;
  }

  /** One double uniform: the low 53 bits of (first output · 2^32 + second output), times 2^-53. */
  private uniformDouble(): number {
    const hi = this.engine.nextU32();
    const lo = this.engine.nextU32();
    return ((hi & 0x1fffff) * 2 ** 32 + lo) * DOUBLE_STEP;
  }

  /** A standard normal in float64 (`at::normal_distribution<double>`): r cos θ now, r sin θ next call. */
  private standardNormalDouble(): number {
    if (this.nextNormal !== null) {
      const z = this.nextNormal;
      this.nextNormal = null;
      return z;
    }
    const u1 = this.uniformDouble();
    const u2 = this.uniformDouble();
    const r = Math.sqrt(-2 * Math.log(1 - u2));
    const theta = 2 * Math.PI * u1;
    this.nextNormal = r * Math.sin(theta);
    return r * Math.cos(theta);
  }
}

function lengthOf(n: number): number {
  return numberOption(n, 'n', { integer: true, min: 0, max: 2 ** 32 - 1 });
}

/**
 * ATen's `normal_fill_16_AVX2` on d[o … o + 15] (uniforms on [0, 1)), all in float32:
 * radius = √(−2 log(1 − d[j])), θ = 2π·d[j + 8], then fma(radius·cos θ, std, mean) and
 * fma(radius·sin θ, std, mean) for j < 8.
 */
function boxMuller16(d: Float32Array, o: number, mean: number, std: number): void {
  for (let j = 0; j < 8; j++) {
    const u1 = f(1 - d[o + j]);
    const u2 = d[o + j + 8];
    const radius = f(Math.sqrt(f(-2 * avxLog(u1))));
    const [sin, cos] = avxSinCos(f(TWO_PI_F32 * u2));
    d[o + j] = fma32(f(radius * cos), std, mean);
    d[o + j + 8] = fma32(f(radius * sin), std, mean);
  }
}
