import { Bench } from 'tinybench';
import type { Backend } from '../backend/types.js';
import { MT19937 } from '../torch/mt19937.js';
import { summarize, type SampleSummary } from './summary.js';

/**
 * Past dense pooling (issue "Scale"): the fast Gauss transform against dense WASM at 10^5 and
 * 10^6 points, and dense pooling on N threads against one. Dense at 10^6 would take minutes,
 * so it is timed on a sample of queries against every key and scaled to all queries.
 */

/** One fast-vs-dense measurement. */
export interface FastResult {
  id: string;
  n: number;
  w: number;
  /** the fast call (pool or loss + gradient over all n queries) */
  fast: SampleSummary;
  /** dense WASM on `sampleQueries` queries against all n keys */
  denseSample: SampleSummary;
  sampleQueries: number;
  /** denseSample's median scaled to n queries, ms */
  denseEstimateMs: number;
  /** denseEstimateMs / fast median */
  speedup: number;
  /** max over the sampled queries of |ŷ_fast − ŷ_dense| / |ŷ_dense| (leave-one-out ŷ for the loss) */
  maxRelError: number;
  /** target: all n queries in under this many ms (the 5 s at 10^6) */
  targetMs: number;
  meetsTarget: boolean;
}

/** One threads-vs-one-thread measurement. */
export interface ThreadsResult {
  id: string;
  n: number;
  threads: number;
  one: SampleSummary;
  many: SampleSummary;
  /** one-thread median / threads median, from the same run */
  speedup: number;
  targetSpeedup: number;
  meetsTarget: boolean;
}

export interface ScaleReport {
  fast: FastResult[];
  threads: ThreadsResult[];
  /** why W7 did not run (the threaded backend could not start), when it did not */
  threadsError?: string;
}

function uniform(n: number, lo: number, hi: number, seed: number): Float32Array {
  const g = new MT19937(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * g.nextDouble());
}

/** Median timings of tasks measured in interleaved rounds (order alternating), as run.ts does. */
export async function interleaved(
  tasks: Record<string, () => unknown>,
  rounds: number,
  time: number,
  iterations: number,
): Promise<Record<string, SampleSummary>> {
  const names = Object.keys(tasks);
  const samples: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (const n of names) tasks[n](); // warm-up
  for (let r = 0; r < rounds; r++) {
    const bench = new Bench({ time, iterations, warmup: false, retainSamples: true });
    for (const n of r % 2 === 0 ? names : [...names].reverse()) bench.add(n, tasks[n]);
    await bench.run();
    for (const task of bench.tasks) {
      if (task.result.state !== 'completed') throw new Error(`benchmark task ${task.name} did not complete`);
      for (const t of task.result.latency.samples ?? []) samples[task.name].push(t);
    }
  }
  return Object.fromEntries(names.map((n) => [n, summarize(samples[n])]));
}

/**
 * max |ŷ_fast − ŷ_dense| / |ŷ_dense| over `sample` evenly spread queries: for the leave-one-out
 * loss, the fast call's ŷ against dense pooling of each sampled query over the keys without its own.
 */
function sampledError(be: Backend, x: Float32Array, y: Float32Array, w: number, sample: number, leaveOneOut: boolean): number {
  const n = x.length;
  const fastY = leaveOneOut
    ? be.attentionPoolLoss(x, x, y, y, w, { method: 'fast', excludeSelf: true }).yHat.data
    : be.attentionPool(x, x, y, w, { method: 'fast' }).yHat.data;
  const keys = new Float32Array(n - 1);
  const values = new Float32Array(n - 1);
  let worst = 0;
  for (let i = 0; i < sample; i++) {
    const j = Math.floor((i * n) / sample);
    let want: number;
    if (leaveOneOut) {
      keys.set(x.subarray(0, j));
      keys.set(x.subarray(j + 1), j);
      values.set(y.subarray(0, j));
      values.set(y.subarray(j + 1), j);
      want = be.attentionPool([x[j]], keys, values, w, { method: 'dense' }).yHat.data[0];
    } else {
      want = be.attentionPool([x[j]], x, y, w, { method: 'dense' }).yHat.data[0];
    }
    worst = Math.max(worst, Math.abs(fastY[j] - want) / Math.abs(want));
  }
  return worst;
}

export interface ScaleOptions {
  /** size multiplier (1: the documented sizes) */
  scale: number;
  quick: boolean;
  /** a backend with `threads` ≥ 2, for the threads rows; null: W7 is skipped, for `threadsError` */
  threaded: Backend | null;
  threadsError?: string;
  /** the single-thread WASM backend */
  wasm: Backend;
  threads: number;
  onProgress?: (line: string) => void;
}

export async function runScale(o: ScaleOptions): Promise<ScaleReport> {
  const s = (n: number) => Math.max(8, Math.round(n * o.scale));
  const rounds = o.quick ? 1 : 3;
  const fast: FastResult[] = [];
  for (const n of [s(1e5), s(1e6)]) {
    const x = uniform(n, 0, 5, 11);
    const y = Float32Array.from(x, (v, i) => 2 * Math.sin(v) + v ** 0.8 + 0.5 * Math.sin(7 * i));
    const sample = Math.min(n, 256);
    const picked = Float32Array.from({ length: sample }, (_, i) => x[Math.floor((i * n) / sample)]);
    const tPicked = Float32Array.from({ length: sample }, (_, i) => y[Math.floor((i * n) / sample)]);
    for (const w of [1, 23]) {
      for (const op of ['pool', 'loss'] as const) {
        const id = `W6 fast ${op} n=${n} w=${w}`;
        o.onProgress?.(`[scale] ${id}`);
        // pool: all queries; loss: the training call (leave-one-out). The dense baseline runs the
        // same kernel on the sampled queries against all keys (for the loss, with its own key
        // too: one pair in n more).
        const call =
          op === 'pool'
            ? () => o.wasm.attentionPool(x, x, y, w, { method: 'fast' })
            : () => o.wasm.attentionPoolLoss(x, x, y, y, w, { method: 'fast', excludeSelf: true });
        const dense =
          op === 'pool'
            ? () => o.wasm.attentionPool(picked, x, y, w, { method: 'dense' })
            : () => o.wasm.attentionPoolLoss(picked, x, y, tPicked, w, { method: 'dense' });
        const t = await interleaved({ fast: call, dense }, rounds, o.quick ? 50 : 500, o.quick ? 1 : 3);
        const maxRelError = sampledError(o.wasm, x, y, w, sample, op === 'loss');
        const denseEstimateMs = (t.dense.medianMs * n) / sample;
        const targetMs = 5000 * (n / 1e6);
        const meetsTarget = t.fast.medianMs <= targetMs && maxRelError <= 1e-5;
        fast.push({
          id,
          n,
          w,
          fast: t.fast,
          denseSample: t.dense,
          sampleQueries: sample,
          denseEstimateMs,
          speedup: denseEstimateMs / t.fast.medianMs,
          maxRelError,
          targetMs,
          meetsTarget,
        });
        o.onProgress?.(
          `      fast ${t.fast.medianMs.toPrecision(4)} ms, dense ≈ ${(denseEstimateMs / 1000).toPrecision(4)} s, error ${maxRelError.toExponential(1)}`,
        );
      }
    }
  }
  const threads: ThreadsResult[] = [];
  if (!o.threaded) return { fast, threads, threadsError: o.threadsError ?? 'no threaded backend' };
  const threaded = o.threaded;
  for (const n of [s(16384), s(32768)]) {
    const x = uniform(n, 0, 5, 12);
    const y = uniform(n, -1, 4, 13);
    for (const op of ['pool', 'loss'] as const) {
      const id = `W7 threads ${op} n=${n}`;
      o.onProgress?.(`[scale] ${id}`);
      const run = (be: Backend) =>
        op === 'pool'
          ? () => be.attentionPool(x, x, y, 2.5, { method: 'dense' })
          : () => be.attentionPoolLoss(x, x, y, y, 2.5, { method: 'dense', excludeSelf: true });
      const t = await interleaved({ one: run(o.wasm), many: run(threaded) }, rounds, o.quick ? 50 : 1000, o.quick ? 1 : 3);
      const speedup = t.one.medianMs / t.many.medianMs;
      const targetSpeedup = 1.8;
      threads.push({ id, n, threads: o.threads, one: t.one, many: t.many, speedup, targetSpeedup, meetsTarget: speedup >= targetSpeedup });
      o.onProgress?.(`      1 thread ${t.one.medianMs.toPrecision(4)} ms, ${o.threads} threads ${t.many.medianMs.toPrecision(4)} ms, ×${speedup.toFixed(2)}`);
    }
  }
  return { fast, threads };
}

const ms = (v: number) => (v >= 100 ? v.toFixed(0) : v.toFixed(2));

/** Markdown tables of a scale report. */
export function scaleTables(r: ScaleReport): string {
  const fastRows = r.fast.map(
    (f) =>
      `| ${f.id} | ${ms(f.fast.medianMs)} (${ms(f.fast.iqrMs)}) | ${(f.denseEstimateMs / 1000).toPrecision(3)} s | ×${f.speedup.toPrecision(3)} | ${f.maxRelError.toExponential(1)} | < ${(f.targetMs / 1000).toPrecision(2)} s, ≤ 1e-5 ${f.meetsTarget ? '✓' : '✗'} |`,
  );
  const threadRows = r.threads.map(
    (t) =>
      `| ${t.id} | ${ms(t.one.medianMs)} (${ms(t.one.iqrMs)}) | ${ms(t.many.medianMs)} (${ms(t.many.iqrMs)}) | ${t.threads} | ×${t.speedup.toFixed(2)} ${t.meetsTarget ? '✓' : '✗'} | ≥ ${t.targetSpeedup} |`,
  );
  return [
    '| workload | fast median (IQR) ms | dense WASM (sampled, scaled) | speed-up | max rel. error vs dense | target |',
    '| --- | ---: | ---: | ---: | ---: | --- |',
    ...fastRows,
    '',
    '| workload | 1 thread median (IQR) ms | threads median (IQR) ms | threads | speed-up | target |',
    '| --- | ---: | ---: | ---: | ---: | --- |',
    ...(r.threadsError ? [`| W7 threads | not run: ${r.threadsError} | | | | |`] : threadRows),
  ].join('\n');
}
