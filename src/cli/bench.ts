import { arch, cpus, loadavg, platform, totalmem } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createJsBackend } from '../backend/js/index.js';
import { loadWasmBackend, wasmMemoryBytes } from '../backend/wasm/index.js';
import { loadBackend } from '../backend/load.js';
import type { Backend, BackendFeatures } from '../backend/types.js';
import { MAX_THREADS } from '../backend/parallel/protocol.js';
import { type AutoReport, autoTable, runAuto } from '../bench/auto.js';
import { runWorkloads, type WorkloadResult } from '../bench/run.js';
import { runScale, scaleTables, type ScaleReport } from '../bench/scale.js';
import { markdownTable } from '../bench/table.js';
import { workloads } from '../bench/workloads.js';
import { checkOutputFile, writeFileAtomic } from '../io/files.js';

export interface BenchCommandOptions {
  quick?: boolean;
  json?: string;
  /** size multiplier (tests use tiny sizes); 1 = the documented workloads */
  scale?: number;
}

export interface BenchReport {
  schema: 1;
  date: string;
  quick: boolean;
  scale: number;
  /**
   * `loadAverage`: the system's 1, 5 and 15 minute load averages when the bench started and when
   * it ended (all zero where the runtime cannot read them); other work on the machine slows the
   * workloads. Reports written before it was recorded lack it.
   */
  machine: { cpu: string; cores: number; platform: string; arch: string; memoryBytes: number; loadAverage: { start: number[]; end: number[] } };
  /**
   * `name`: node, bun or deno; `version`: that runtime's; `node`: the Node.js version it reports
   * (Node's own, or the one Bun and Deno emulate); `wasm`: the WASM backend's features, which say
   * which build ran (relaxedSimd: the relaxed-SIMD one). Reports written before it was recorded lack `wasm`.
   */
  runtime: { name: string; version: string; node: string; v8: string; wasm: BackendFeatures };
  results: WorkloadResult[];
  /** the fast Gauss transform against dense (W6), and threads against one thread (W7) */
  beyondDense: ScaleReport;
  /** W11: method 'auto' against the faster of dense and fast, per backend, with each backend's measured cost model */
  auto: AutoReport;
}

/**
 * A full garbage collection on demand, so memory readings are not noise from earlier garbage:
 * V8's `gc` (Node, Deno), exposed at run time when the process was not started with
 * --expose-gc, or `Bun.gc(true)` (JavaScriptCore). Null where there is neither; memory readings
 * then include garbage not yet collected.
 */
function collector(): (() => void) | null {
  const g = globalThis as { gc?: unknown; Bun?: { gc?: (force: boolean) => void } };
  if (typeof g.gc === 'function') return g.gc as () => void;
  const bunGc = g.Bun?.gc;
  if (typeof bunGc === 'function') return () => bunGc(true);
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('typeof gc === "function" ? gc : undefined');
    if (typeof gc === 'function') return gc as () => void;
  } catch {
    // an engine without V8's flags: no collector
  }
  return null;
}

const read = <T>(f: () => T, fallback: T): T => {
  try {
    return f();
  } catch {
    return fallback;
  }
};

/** The 1, 5 and 15 minute load averages, rounded to 0.01 (zeros where the runtime refuses to read them). */
const loadAverage = (): number[] => read(() => loadavg(), [0, 0, 0]).map((x) => Math.round(x * 100) / 100);

/**
 * The machine, as far as the runtime lets us read it: Deno without --allow-sys refuses
 * os.cpus() and os.totalmem() (NotCapable), and the bench then records what it cannot read as
 * unknown instead of failing after the workloads ran.
 */
function machineInfo(): Omit<BenchReport['machine'], 'loadAverage'> {
  const list = read(() => cpus(), []);
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  return {
    cpu: list[0]?.model ?? 'unknown',
    cores: list.length || nav?.hardwareConcurrency || 0,
    platform: read(() => platform(), process.platform),
    arch: read(() => arch(), process.arch),
    memoryBytes: read(() => totalmem(), 0),
  };
}

/** Which runtime runs the bench: Node, Bun or Deno, and its version. */
function runtimeInfo(wasm: Backend): BenchReport['runtime'] {
  const g = globalThis as { Bun?: { version: string }; Deno?: { version: { deno: string } } };
  const name = g.Deno ? 'deno' : g.Bun ? 'bun' : 'node';
  const version = g.Deno ? g.Deno.version.deno : g.Bun ? g.Bun.version : process.versions.node;
  return { name, version, node: process.versions.node, v8: process.versions.v8 ?? '', wasm: { ...wasm.features } };
}

/** `attnpool bench`: every workload on both backends, interleaved; a table, and JSON when asked. */
export async function benchCommand(o: BenchCommandOptions, print: (line: string) => void, progress: (line: string) => void): Promise<BenchReport> {
  // The JSON file's path is checked before the benchmark runs (minutes), not after.
  const jsonPath = o.json === undefined ? undefined : checkOutputFile(o.json, '--json');
  const scale = o.scale ?? (o.quick ? 0.25 : 1);
  const loadAtStart = loadAverage();
  const gc = collector();
  if (!gc) progress('bench: no garbage collector to call on this runtime; the memory columns include uncollected garbage');
  const backends = { wasm: await loadWasmBackend(), js: createJsBackend() };
  progress(`bench: ${backends.wasm.features.relaxedSimd ? 'relaxed-SIMD' : 'plain-SIMD'} WASM build`);
  const results = await runWorkloads(workloads(scale), backends, {
    rounds: o.quick ? 2 : 3,
    timePerRound: o.quick ? 60 : 300,
    iterationsPerRound: o.quick ? 1 : 2,
    onProgress: progress,
    wasmMemoryBytes,
    heapUsed: () => {
      gc?.();
      const m = process.memoryUsage();
      return m.heapUsed + m.arrayBuffers;
    },
  });
  // W1–W5 are printed now, so that nothing measured is lost if what follows fails
  print(markdownTable(results));
  print('');
  const machine = machineInfo();
  const threads = Math.min(MAX_THREADS, Math.max(2, machine.cores));
  let threaded: Backend | null = null;
  let threadsError: string | undefined;
  try {
    threaded = await loadBackend('wasm', { threads });
  } catch (err) {
    threadsError = (err as Error).message;
    progress(`bench: W7 (threads) will not run: ${threadsError}`);
  }
  const scaleReport = await runScale({ scale, quick: !!o.quick, threaded, threadsError, wasm: backends.wasm, threads, onProgress: progress });
  const sizes = [256, 1024, 4096, 16384].map((n) => Math.max(16, Math.round(n * scale)));
  const autoBackends: Record<string, Backend> = { js: backends.js, wasm: backends.wasm };
  if (threaded) autoBackends[`wasm ×${threads}`] = threaded;
  const auto = await runAuto(autoBackends, { sizes, quick: !!o.quick, onProgress: progress });
  await threaded?.close();
  const report: BenchReport = {
    schema: 1,
    date: new Date().toISOString(),
    quick: !!o.quick,
    scale,
    machine: { ...machine, loadAverage: { start: loadAtStart, end: loadAverage() } },
    runtime: runtimeInfo(backends.wasm),
    results,
    beyondDense: scaleReport,
    auto,
  };
  print(scaleTables(scaleReport));
  print('');
  print(autoTable(auto));
  const missed = [...results, ...scaleReport.fast, ...scaleReport.threads, ...auto.results].filter((r) => !r.meetsTarget);
  print(missed.length === 0 ? '\nall targets met' : `\nbelow target: ${missed.map((r) => r.id).join('; ')}`);
  if (threadsError) print(`not run: W7 (threads): ${threadsError}`);
  if (jsonPath) writeFileAtomic(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
  return report;
}
