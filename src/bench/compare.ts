import type { WorkloadResult } from './run.js';
import type { ScaleReport } from './scale.js';
import { ms } from './table.js';

/** One benchmark run to set beside others: its column label ("Node 22") and its results. */
export interface RuntimeRun {
  label: string;
  results: WorkloadResult[];
  beyondDense: ScaleReport;
}

const cell = (v: number | undefined, f: (x: number) => string) => (v === undefined || !Number.isFinite(v) ? '–' : f(v));
const times = (v: number) => `×${v.toFixed(2)}`;

/** Every id of `lists`, in the order they first appear. */
function ids(lists: { id: string }[][]): string[] {
  return [...new Set(lists.flatMap((l) => l.map((r) => r.id)))];
}

/**
 * The same workloads under several runtimes, side by side: per runtime the WASM and JS medians
 * (ms) and t_js / t_wasm from that run; then, for each runtime after the first, how much faster
 * its WASM call is than the first's (t_wasm of the first / t_wasm of this one). A second table
 * does the same for W6 (the fast Gauss transform's median) and W7 (the threaded median). A
 * workload one run lacks is a dash.
 */
export function runtimeComparison(runs: RuntimeRun[]): string {
  const [base, ...others] = runs;
  if (!base) return '';
  const byId = runs.map((r) => new Map(r.results.map((w) => [w.id, w])));
  const head = [
    '| workload',
    ...runs.flatMap((r) => [`${r.label} wasm ms`, `${r.label} js ms`, `${r.label} t_js / t_wasm`]),
    ...others.map((r) => `wasm ${base.label} / ${r.label}`),
  ];
  const rule = ['| ---', ...runs.flatMap(() => ['---:', '---:', '---:']), ...others.map(() => '---:')];
  const rows = ids(runs.map((r) => r.results)).map((id) => {
    const w = byId.map((m) => m.get(id));
    const baseWasm = w[0]?.wasm.medianMs;
    return [
      `| ${id}`,
      ...w.flatMap((x) => [cell(x?.wasm.medianMs, ms), cell(x?.js.medianMs, ms), cell(x?.ratio, (v) => v.toFixed(1))]),
      ...w.slice(1).map((x) => cell(baseWasm === undefined || x === undefined ? undefined : baseWasm / x.wasm.medianMs, times)),
    ];
  });
  // W6: the fast call's median; W7: the threaded call's median (each against its own dense or one-thread time in the tables above)
  const scaleMedians = runs.map(
    (r) =>
      new Map([
        ...r.beyondDense.fast.map((f): [string, number] => [f.id, f.fast.medianMs]),
        ...r.beyondDense.threads.map((t): [string, number] => [t.id, t.many.medianMs]),
      ]),
  );
  const scaleIds = ids(runs.map((r) => [...r.beyondDense.fast, ...r.beyondDense.threads]));
  const scaleRows = scaleIds.map((id) => {
    const t = scaleMedians.map((m) => m.get(id));
    return [`| ${id}`, ...t.map((v) => cell(v, ms)), ...t.slice(1).map((v) => cell(t[0] === undefined || v === undefined ? undefined : t[0] / v, times))];
  });
  const line = (cells: string[]) => `${cells.join(' | ')} |`;
  return [
    line(head),
    line(rule),
    ...rows.map(line),
    '',
    line(['| workload', ...runs.map((r) => `${r.label} median ms`), ...others.map((r) => `${base.label} / ${r.label}`)]),
    line(['| ---', ...runs.map(() => '---:'), ...others.map(() => '---:')]),
    ...scaleRows.map(line),
  ].join('\n');
}
