import type { WorkloadResult } from './run.js';

/** Milliseconds to 3 significant figures or 2 decimals, as the tables print them. */
export const ms = (v: number): string => (v >= 100 ? v.toFixed(0) : v >= 1 ? v.toFixed(2) : v.toPrecision(3));
const rate = (v: number) => (v >= 1e9 ? `${(v / 1e9).toFixed(2)} G` : `${(v / 1e6).toFixed(1)} M`);
const bytes = (v: number | undefined) => (v === undefined ? '–' : v >= 1048576 ? `${(v / 1048576).toFixed(1)} MiB` : `${(v / 1024).toFixed(0)} KiB`);

/** A markdown table of benchmark results: medians (IQR), throughput, ratio against target, memory. */
export function markdownTable(results: WorkloadResult[]): string {
  const head = '| workload | wasm median (IQR) ms | js median (IQR) ms | wasm pairs/s | t_js / t_wasm | target | wasm memory | js heap growth |';
  const rule = '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |';
  const rows = results.map((r) => {
    const target = `≥ ${r.targetRatio}${r.targetPairsPerSecond ? `, ≥ ${rate(r.targetPairsPerSecond)}/s` : ''}`;
    return `| ${r.id} | ${ms(r.wasm.medianMs)} (${ms(r.wasm.iqrMs)}) | ${ms(r.js.medianMs)} (${ms(r.js.iqrMs)}) | ${rate(r.wasm.pairsPerSecond)} | ${r.ratio.toFixed(1)} ${r.meetsTarget ? '✓' : '✗'} | ${target} | ${bytes(r.wasm.wasmMemoryBytes)} | ${bytes(r.js.heapGrowthBytes)} |`;
  });
  return [head, rule, ...rows].join('\n');
}
