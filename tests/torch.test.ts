/**
 * `--rng torch`: attnpool against what real PyTorch computed. The fixtures come from
 * scripts/fixtures/torch_fixtures.py run with Debian's torch 1.13 (see meta.json for the CPU);
 * float32 values are stored as bit patterns, so every data comparison here is exact.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { chapterStart, runChapter } from '../src/chapter/runChapter.js';
import { syntheticData } from '../src/chapter/data.js';
import { createJsBackend } from '../src/backend/js/index.js';
import { AttnpoolError } from '../src/errors.js';
import { NWKernelRegression } from '../src/model/nwKernelRegression.js';
import { torchArange, torchChapterData, torchChapterFunction } from '../src/chapter/torchData.js';
import { avxLog, avxSinCos } from '../src/torch/cephes.js';
import { fma32 } from '../src/torch/float32.js';
import { sleefPowf, sleefSinf } from '../src/torch/sleef.js';
import { TorchGenerator } from '../src/torch/generator.js';
import { train } from '../src/model/train.js';
import { load } from './backends.js';
import { rng } from './reference.js';

interface TrainingRun {
  losses: number[];
  lines: string[];
  ws: number[];
  w: number;
}
interface ChapterFixture extends TrainingRun {
  xTrain: number[];
  yTrain: number[];
  xTest: number[];
  yTruth: number[];
  w0: number;
  /** the same training in float64, from the same float32 data and w0 */
  float64: TrainingRun;
}
interface SeedFixture {
  seed: number;
  rand: Record<string, number[]>;
  normal: Record<string, number[]>;
  normalShifted: Record<string, number[]>;
  f: Record<string, number[]>;
  sequence: { op: 'rand' | 'normal'; n: number; bits: number[] }[];
  chapter: ChapterFixture;
}

const dir = new URL('./fixtures/torch/', import.meta.url);
const read = (name: string) => JSON.parse(readFileSync(new URL(name, dir), 'utf8'));
const meta = read('meta.json') as { torch: string; cpuCapability: string; seeds: number[]; lengths: number[]; arange_0_5_0p1: number[] };
const math = read('math.json') as {
  sin: { x: number[]; y: number[] };
  pow08: { x: number[]; y: number[] };
  normalLarge: { seed: number; mean: number; std: number; bits: number[] };
};
const seeds = meta.seeds.map((s) => read(`seed_${s}.json`) as SeedFixture);

/** The bit patterns of float32 values. */
const bits = (a: Float32Array): number[] => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
/** float32 values from their bit patterns. */
const floats = (b: number[]): Float32Array => new Float32Array(Uint32Array.from(b).buffer);
const f32 = (bitPattern: number): number => floats([bitPattern])[0];

describe('fixtures', () => {
  it('come from torch 1.13 running its AVX2 kernels, for every seed and length', () => {
    expect(meta.torch).toMatch(/^1\.13/);
    expect(meta.cpuCapability).toBe('AVX2');
    expect(seeds).toHaveLength(meta.seeds.length);
    for (const s of seeds) expect(Object.keys(s.normal).map(Number)).toEqual(meta.lengths);
  });
});

describe('TorchGenerator', () => {
  it.each(seeds.map((s) => [s.seed, s] as const))('rand(n) is torch.rand(n) bit for bit (seed %i)', (_, s) => {
    for (const n of meta.lengths) expect(bits(new TorchGenerator(s.seed).rand(n)), `n = ${n}`).toEqual(s.rand[n]);
  });

  it.each(seeds.map((s) => [s.seed, s] as const))('normal(0, 0.5, n) is torch.normal(0.0, 0.5, (n,)) bit for bit (seed %i)', (_, s) => {
    for (const n of meta.lengths) expect(bits(new TorchGenerator(s.seed).normal(0, 0.5, n)), `n = ${n}`).toEqual(s.normal[n]);
  });

  it.each(seeds.map((s) => [s.seed, s] as const))('normal(0.3, 1.7, n) matches too, where the final FMA rounds (seed %i)', (_, s) => {
    for (const n of meta.lengths) expect(bits(new TorchGenerator(s.seed).normal(0.3, 1.7, n)), `n = ${n}`).toEqual(s.normalShifted[n]);
  });

  it.each(seeds.map((s) => [s.seed, s] as const))('carries its state across calls, the cached Box–Muller value included (seed %i)', (_, s) => {
    const g = new TorchGenerator(s.seed);
    for (const step of s.sequence) {
      const got = step.op === 'rand' ? g.rand(step.n) : g.normal(0, 0.5, step.n);
      expect(bits(got), `${step.op}(${step.n})`).toEqual(step.bits);
    }
  });

  it('matches a long draw (16384 values: 1024 blocks of the AVX2 Box–Muller)', () => {
    const { seed, mean, std, bits: want } = math.normalLarge;
    expect(bits(new TorchGenerator(seed).normal(mean, std, want.length))).toEqual(want);
  });

  it('treats seeds as torch does: modulo 2^32, negative ones included', () => {
    expect(bits(new TorchGenerator(2 ** 32 + 5).rand(4))).toEqual(bits(new TorchGenerator(5).rand(4)));
    expect(bits(new TorchGenerator(-1).rand(4))).toEqual(bits(new TorchGenerator(2 ** 32 - 1).rand(4)));
  });

  it('rejects bad arguments with AttnpoolError naming them', () => {
    expect(() => new TorchGenerator(1.5)).toThrow(AttnpoolError);
    expect(() => new TorchGenerator(0).rand(-1)).toThrow(/n: expected an integer >= 0/);
    expect(() => new TorchGenerator(0).normal(0, -1, 3)).toThrow(/std: expected a finite number >= 0/);
    expect(() => new TorchGenerator(0).normal(NaN, 1, 3)).toThrow(/mean/);
  });
});

describe('torchArange', () => {
  it('is torch.arange(0, 5, 0.1) bit for bit, which is not fround(i / 10) everywhere', () => {
    const a = torchArange(0, 5, 0.1);
    expect(bits(a)).toEqual(meta.arange_0_5_0p1);
    const naive = Float32Array.from({ length: 50 }, (_, i) => i * 0.1);
    const differ = naive.map((v, i) => (v === a[i] ? 0 : 1)).reduce((x, y) => x + y, 0);
    expect(differ).toBeGreaterThan(0);
  });

  it('counts ceil((end - start) / step) elements, downwards too', () => {
    expect(torchArange(0, 1, 0.3).length).toBe(4);
    expect(Array.from(torchArange(3, 0, -1))).toEqual([3, 2, 1]);
  });

  it('rejects a step that cannot reach end, and sizes where torch goes multi-threaded', () => {
    expect(() => torchArange(0, 5, 0)).toThrow(AttnpoolError);
    expect(() => torchArange(0, 5, -1)).toThrow(/step/);
    expect(() => torchArange(0, 40000, 1)).toThrow(/at most 32768/);
  });
});

describe('torch float32 math', () => {
  it('sleefSinf is torch.sin on 2000 inputs where it differs from the correctly rounded sine', () => {
    const x = floats(math.sin.x);
    const y = Float32Array.from(x, sleefSinf);
    expect(bits(y)).toEqual(math.sin.y);
    expect(x.some((v, i) => Math.fround(Math.sin(v)) !== y[i])).toBe(true);
  });

  it('sleefPowf(x, 0.8f) is torch.pow(x, 0.8) (vector path) on 2000 such inputs', () => {
    const x = floats(math.pow08.x);
    const y = Float32Array.from(x, (v) => sleefPowf(v, Math.fround(0.8)));
    expect(bits(y)).toEqual(math.pow08.y);
  });

  it.each(seeds.map((s) => [s.seed, s] as const))(
    'torchChapterFunction is 2 * torch.sin(x) + x**0.8 for every length, vector and scalar tails (seed %i)',
    (_, s) => {
      for (const n of meta.lengths) {
        const x = new TorchGenerator(s.seed).rand(n).map((u) => u * 5);
        expect(bits(torchChapterFunction(x)), `n = ${n}`).toEqual(s.f[n]);
      }
    },
  );

  it('the Cephes log, sine and cosine stay within a few float32 ulps of the exact ones', () => {
    const r = rng(9);
    for (let i = 0; i < 2000; i++) {
      const u = Math.fround(1 - r());
      const t = Math.fround(2 * Math.PI * r());
      const [s, c] = avxSinCos(t);
      expect(Math.abs(avxLog(u) - Math.log(u))).toBeLessThanOrEqual(4 * 2 ** -24 * Math.max(Math.abs(Math.log(u)), 2 ** -24));
      expect(Math.abs(s - Math.sin(t))).toBeLessThan(2 ** -22);
      expect(Math.abs(c - Math.cos(t))).toBeLessThan(2 ** -22);
    }
  });

  it('fma32 rounds a·b + c once, even where rounding the float64 sum to float32 would round twice', () => {
    // (1 + 2^-12)² = 1 + 2^-11 + 2^-24: exactly halfway between two floats; + 2^-80 tips it up.
    const a = 1 + 2 ** -12;
    expect(fma32(a, a, 2 ** -80)).toBe(1 + 2 ** -11 + 2 ** -23);
    expect(Math.fround(a * a + 2 ** -80)).toBe(1 + 2 ** -11); // what naive rounding gives
    expect(fma32(-a, a, -(2 ** -80))).toBe(-(1 + 2 ** -11 + 2 ** -23));
    expect(fma32(a, a, -(2 ** -80))).toBe(1 + 2 ** -11);
    // Against exact rational arithmetic on random float32 triples (some with cancellation).
    const r = rng(4);
    const draw = (scale: number) => Math.fround((r() - 0.5) * 2 ** Math.floor(scale * (r() - 0.5)));
    for (let i = 0; i < 20000; i++) {
      const x = draw(40);
      const y = draw(40);
      const z = i % 2 ? Math.fround(-x * y * (1 + (r() - 0.5) * 2 ** -20)) : draw(40);
      expect(fma32(x, y, z), `${x} * ${y} + ${z}`).toBe(exactFma32(x, y, z));
    }
  });
});

describe('torchChapterData', () => {
  it.each(seeds.map((s) => [s.seed, s] as const))("is the chapter's data and w0 bit for bit (seed %i)", (_, s) => {
    const { data, w0 } = torchChapterData(s.seed);
    expect(bits(data.xTrain.data)).toEqual(s.chapter.xTrain);
    expect(bits(data.yTrain.data)).toEqual(s.chapter.yTrain);
    expect(bits(data.xTest.data)).toEqual(s.chapter.xTest);
    expect(bits(data.yTruth.data)).toEqual(s.chapter.yTruth);
    expect(bits(Float32Array.of(w0))).toEqual([s.chapter.w0]);
    expect(data.xTrain.shape).toEqual([50]);
    expect(data.xTest.shape).toEqual([50]);
  });

  it('takes nTrain and noise as syntheticData does, and rejects unknown options', () => {
    const d = torchChapterData(3, { nTrain: 10, noise: 0 });
    expect(d.data.xTrain.shape).toEqual([10]);
    expect(bits(d.data.yTrain.data)).toEqual(bits(torchChapterFunction(d.data.xTrain.data)));
    expect(() => torchChapterData(0, { n: 5 } as never)).toThrow(/unknown option "n"/);
  });

  // torch trains in float32: its sums of 50 squared errors and its softmax carry rounding
  // noise of a few float32 ulps, visible in the 6th decimal it prints (ulp(40) ≈ 4e-6).
  // attnpool computes in float64, so its lines are the float64 run's lines exactly, and its
  // numbers are torch's float32 ones within that noise — well inside 1e-5 relative.
  it.each(seeds.map((s) => [s.seed, s] as const))(
    "trains as the book's PyTorch code does: losses and w within 1e-5 of torch's, lines as torch prints them in float64 (seed %i)",
    (_, s) => {
      const { data, w0 } = torchChapterData(s.seed);
      expect(w0).toBe(f32(s.chapter.w0));
      const model = new NWKernelRegression(createJsBackend(), { w: w0, keepWeights: false });
      const x = data.xTrain;
      const y = data.yTrain;
      const lines: string[] = [];
      const { losses, ws } = train(
        model,
        { queries: x, keys: x, values: y, targets: y, excludeSelf: true },
        {
          onEpoch: (e) => lines.push(`epoch ${e.epoch}, loss ${e.loss.toFixed(6)}`),
        },
      );
      const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);
      const printed = (line: string) => Number(line.split('loss ')[1]);
      losses.forEach((l, k) => {
        expect(rel(l, s.chapter.losses[k]), `loss ${k + 1}`).toBeLessThan(1e-5);
      });
      ws.forEach((w, k) => {
        expect(rel(w, s.chapter.ws[k]), `w ${k + 1}`).toBeLessThan(1e-5);
      });
      expect(rel(model.w, s.chapter.w)).toBeLessThan(1e-5);
      lines.forEach((line, k) => {
        expect(line.split('loss ')[0]).toBe(s.chapter.lines[k].split('loss ')[0]);
        expect(rel(printed(line), printed(s.chapter.lines[k])), line).toBeLessThan(1e-5);
      });
      expect(lines).toEqual(s.chapter.float64.lines);
      losses.forEach((l, k) => {
        expect(rel(l, s.chapter.float64.losses[k]), `float64 loss ${k + 1}`).toBeLessThan(1e-9);
      });
      expect(rel(model.w, s.chapter.float64.w)).toBeLessThan(1e-9);
    },
  );

  it.each(seeds.map((s) => [s.seed, s] as const))("trains within 1e-5 of torch on the WASM backend too, the CLI's default (seed %i)", async (_, s) => {
    const { data, w0 } = torchChapterData(s.seed);
    const model = new NWKernelRegression(await load('wasm'), { w: w0, keepWeights: false });
    const x = data.xTrain;
    const y = data.yTrain;
    const { losses } = train(model, { queries: x, keys: x, values: y, targets: y, excludeSelf: true });
    const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);
    losses.forEach((l, k) => {
      expect(rel(l, s.chapter.losses[k]), `loss ${k + 1}`).toBeLessThan(1e-5);
    });
    expect(rel(model.w, s.chapter.w)).toBeLessThan(1e-5);
  });
});

describe("rng: 'torch' through the API", () => {
  const s = seeds.find((x) => x.seed === 42)!;

  it('syntheticData, chapterStart and runChapter take it, and it changes nothing else', () => {
    const d = syntheticData({ seed: 42, rng: 'torch' });
    expect(bits(d.xTrain.data as Float32Array)).toEqual(s.chapter.xTrain);
    expect(bits(d.yTrain.data as Float32Array)).toEqual(s.chapter.yTrain);
    expect(chapterStart(42, 'torch').w0).toBe(f32(s.chapter.w0));
    expect(syntheticData({ seed: 42, rng: 'default' })).toEqual(syntheticData({ seed: 42 }));
    const run = runChapter(createJsBackend(), { seed: 42, rng: 'torch' });
    expect(run.w0).toBe(f32(s.chapter.w0));
    expect(Math.abs(run.parametric.w - s.chapter.w) / s.chapter.w).toBeLessThan(1e-5);
  });

  it('rejects an unknown generator by name', () => {
    expect(() => syntheticData({ rng: 'numpy' as never })).toThrow(/rng: expected one of 'default', 'torch', got the string "numpy"/);
    expect(() => chapterStart(0, 'Torch' as never)).toThrow(AttnpoolError);
  });
});

/** The float32 nearest to x·y + z, from exact integer arithmetic (BigInt), for normal results. */
function exactFma32(x: number, y: number, z: number): number {
  // Every float32 is an integer multiple of 2^-149, so x·y + z = n·2^-298 with n an integer.
  const int = (v: number): bigint => BigInt(v * 2 ** 149);
  const e0 = -298;
  const n = int(x) * int(y) + int(z) * 2n ** 149n;
  if (n === 0n) return 0;
  const negative = n < 0n;
  const a = negative ? -n : n;
  const shift = a.toString(2).length - 24;
  if (shift <= 0) return (negative ? -1 : 1) * Number(a) * 2 ** e0;
  let q = a >> BigInt(shift);
  const rest = a - (q << BigInt(shift));
  const half = 1n << BigInt(shift - 1);
  if (rest > half || (rest === half && (q & 1n) === 1n)) q += 1n;
  return (negative ? -1 : 1) * Number(q) * 2 ** (e0 + shift);
}
