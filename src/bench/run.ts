import { Bench } from 'tinybench';
import type { Backend } from '../backend/types.js';
import { summarize, type SampleSummary } from './summary.js';
import type { Workload } from './workloads.js';

export interface BackendTiming extends SampleSummary {
  /** pairs (or elements) per second at the median time */
  pairsPerSecond: number;
  /** bytes of WASM linear memory after the workload's calls (wasm backend only) */
  wasmMemoryBytes?: number;
  /** growth of JS memory (heap and array buffers, WASM memory excluded) across one call with its result held, bytes */
  heapGrowthBytes?: number;
}

export interface WorkloadResult {
  id: string;
  group: Workload['group'];
  description: string;
  pairs: number;
  targetRatio: number;
  targetPairsPerSecond?: number;
  wasm: BackendTiming;
  js: BackendTiming;
  /** median t_js / median t_wasm, both from this run */
  ratio: number;
  meetsTarget: boolean;
}

export interface RunOptions {
  /** interleaved rounds per workload: each round times both backends, alternating which goes first */
  rounds?: number;
  /** minimum time per backend per round, ms */
  timePerRound?: number;
  /** minimum calls per backend per round */
  iterationsPerRound?: number;
  onProgress?: (message: string) => void;
  /** bytes of WASM memory a backend holds, when it has any */
  wasmMemoryBytes?: (backend: Backend) => number | undefined;
  /** JS memory in use (heap and array buffers), bytes, after a full garbage collection, where the engine allows it */
  heapUsed?: () => number;
  /**
   * Time batches of calls lasting at least this many milliseconds and divide, where the clock
   * is coarse (browsers round performance.now() to 0.1 ms or worse). Default 0: single calls.
   */
  minSampleMs?: number;
}

/**
 * The call repeated often enough that one batch lasts `minMs`: doubled until a timed batch
 * does (the caller has warmed the call up, so the last batch measured is representative).
 */
function batched(call: () => unknown, minMs: number): { run: () => void; reps: number } {
  if (minMs <= 0) return { run: call, reps: 1 };
  let reps = 1;
  for (;;) {
    const start = performance.now();
    for (let i = 0; i < reps; i++) call();
    if (performance.now() - start >= minMs) break;
    reps *= 2;
  }
  return {
    run: () => {
      for (let i = 0; i < reps; i++) call();
    },
    reps,
  };
}

/**
 * Time every workload on both backends in the same run. Each round is a tinybench run of the
 * two tasks, their order alternating between rounds so that neither always runs on a warmer
 * or cooler machine; samples of all rounds are pooled. Timings are whole API calls,
 * copying inputs in and results out included.
 */
export async function runWorkloads(list: Workload[], backends: { wasm: Backend; js: Backend }, options: RunOptions = {}): Promise<WorkloadResult[]> {
  const rounds = options.rounds ?? 3;
  const time = options.timePerRound ?? 300;
  const iterations = options.iterationsPerRound ?? 2;
  const results: WorkloadResult[] = [];
  for (const [index, w] of list.entries()) {
    options.onProgress?.(`[${index + 1}/${list.length}] ${w.id}`);
    const single = { wasm: w.prepare(backends.wasm), js: w.prepare(backends.js) };
    // Warm-up: compile and optimise both paths before any sample counts.
    for (let i = 0; i < 2; i++) {
      single.wasm();
      single.js();
    }
    const wasmBatch = batched(single.wasm, options.minSampleMs ?? 0);
    const jsBatch = batched(single.js, options.minSampleMs ?? 0);
    const calls = { wasm: wasmBatch.run, js: jsBatch.run };
    const reps = { wasm: wasmBatch.reps, js: jsBatch.reps };
    const samples: Record<'wasm' | 'js', number[]> = { wasm: [], js: [] };
    // A round can come back without samples for a task (a starved page, a coarse clock): take
    // more rounds, up to twice as many, until both tasks have some.
    for (let r = 0; r < rounds || ((samples.wasm.length === 0 || samples.js.length === 0) && r < 2 * rounds); r++) {
      const bench = new Bench({ time, iterations, warmup: false, retainSamples: true });
      const order: ('wasm' | 'js')[] = r % 2 === 0 ? ['wasm', 'js'] : ['js', 'wasm'];
      for (const name of order) bench.add(name, calls[name]);
      await bench.run();
      for (const task of bench.tasks) {
        const result = task.result;
        if (result.state !== 'completed') {
          throw new Error(`benchmark ${w.id} on ${task.name} did not complete: ${result.state === 'errored' ? result.error.message : result.state}`);
        }
        // A loop, not push(...samples): a fast task yields more samples than a call has arguments.
        // A sample of 0 ms is a coarse clock's (a page's, under load), not a time: left out.
        const into = samples[task.name as 'wasm' | 'js'];
        const per = reps[task.name as 'wasm' | 'js'];
        for (const t of result.latency.samples ?? []) if (t > 0) into.push(t / per);
      }
    }
    const timing = (name: 'wasm' | 'js'): BackendTiming => {
      const s = summarize(samples[name]);
      const t: BackendTiming = { ...s, pairsPerSecond: w.pairs / (s.medianMs / 1000) };
      if (name === 'wasm') {
        const bytes = options.wasmMemoryBytes?.(backends.wasm);
        if (bytes !== undefined) t.wasmMemoryBytes = bytes;
      }
      return t;
    };
    const wasm = timing('wasm');
    const js = timing('js');
    if (options.heapUsed) {
      wasm.heapGrowthBytes = memoryOfOneCall(single.wasm, options.heapUsed, () => options.wasmMemoryBytes?.(backends.wasm) ?? 0);
      js.heapGrowthBytes = memoryOfOneCall(single.js, options.heapUsed, () => 0);
    }
    const ratio = js.medianMs / wasm.medianMs;
    const meetsTarget = ratio >= w.targetRatio && (w.targetPairsPerSecond === undefined || wasm.pairsPerSecond >= w.targetPairsPerSecond);
    results.push({
      id: w.id,
      group: w.group,
      description: w.description,
      pairs: w.pairs,
      targetRatio: w.targetRatio,
      targetPairsPerSecond: w.targetPairsPerSecond,
      wasm,
      js,
      ratio,
      meetsTarget,
    });
    options.onProgress?.(
      `      wasm ${wasm.medianMs.toPrecision(4)} ms, js ${js.medianMs.toPrecision(4)} ms, ratio ${ratio.toFixed(1)} (target ${w.targetRatio})${meetsTarget ? '' : '  << below target'}`,
    );
  }
  return results;
}

/** JS memory one call needs: the growth from before it to after it, its result still held. */
function memoryOfOneCall(call: () => unknown, heapUsed: () => number, wasmBytes: () => number): number {
  const before = heapUsed() - wasmBytes();
  const result = call();
  const after = heapUsed() - wasmBytes();
  void result;
  return Math.max(0, after - before);
}
