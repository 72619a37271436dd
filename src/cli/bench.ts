import { arch, cpus, platform, totalmem } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createJsBackend } from '../backend/js/index.js';
import { loadWasmBackend, wasmMemoryBytes } from '../backend/wasm/index.js';
import { loadBackend } from '../backend/load.js';
import { MAX_THREADS } from '../backend/parallel/protocol.js';
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
  machine: { cpu: string; cores: number; platform: string; arch: string; memoryBytes: number };
  runtime: { node: string; v8: string };
  results: WorkloadResult[];
  /** the fast Gauss transform against dense (W6), and threads against one thread (W7) */
  beyondDense: ScaleReport;
}

/** A full garbage collection on demand, so memory readings are not noise from earlier garbage. */
function collector(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/** `attnpool bench`: every workload on both backends, interleaved; a table, and JSON when asked. */
export async function benchCommand(o: BenchCommandOptions, print: (line: string) => void, progress: (line: string) => void): Promise<BenchReport> {
  // The JSON file's path is checked before the benchmark runs (minutes), not after.
  const jsonPath = o.json === undefined ? undefined : checkOutputFile(o.json, '--json');
  const scale = o.scale ?? (o.quick ? 0.25 : 1);
  const gc = collector();
  const backends = { wasm: await loadWasmBackend(), js: createJsBackend() };
  const results = await runWorkloads(workloads(scale), backends, {
    rounds: o.quick ? 2 : 3,
    timePerRound: o.quick ? 60 : 300,
    iterationsPerRound: o.quick ? 1 : 2,
    onProgress: progress,
    wasmMemoryBytes,
    heapUsed: () => {
      gc();
      const m = process.memoryUsage();
      return m.heapUsed + m.arrayBuffers;
    },
  });
  const threads = Math.min(MAX_THREADS, Math.max(2, cpus().length));
  const threaded = await loadBackend('wasm', { threads });
  const scaleReport = await runScale({ scale, quick: !!o.quick, threaded, wasm: backends.wasm, threads, onProgress: progress });
  await threaded.close?.();
  const report: BenchReport = {
    schema: 1,
    date: new Date().toISOString(),
    quick: !!o.quick,
    scale,
    machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, platform: platform(), arch: arch(), memoryBytes: totalmem() },
    runtime: { node: process.versions.node, v8: process.versions.v8 },
    results,
    beyondDense: scaleReport,
  };
  print(markdownTable(results));
  print('');
  print(scaleTables(scaleReport));
  const missed = [...results, ...scaleReport.fast, ...scaleReport.threads].filter((r) => !r.meetsTarget);
  print(missed.length === 0 ? '\nall targets met' : `\nbelow target: ${missed.map((r) => r.id).join('; ')}`);
  if (jsonPath) writeFileAtomic(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
  return report;
}
