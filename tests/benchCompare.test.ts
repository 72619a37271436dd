// runtimeComparison: the same workloads under two runtimes side by side (README's Node 20 / Node 22 table).
import { describe, expect, it } from 'vitest';
import { runtimeComparison, type RuntimeRun } from '../src/bench/compare.js';
import type { WorkloadResult } from '../src/bench/run.js';
import type { ScaleReport } from '../src/bench/scale.js';
import { summarize } from '../src/bench/summary.js';

function workload(id: string, wasmMs: number, jsMs: number): WorkloadResult {
  const timing = (t: number) => ({ ...summarize([t, t, t]), pairsPerSecond: 1 / t });
  return { id, group: 'W1', description: id, pairs: 1, targetRatio: 8, wasm: timing(wasmMs), js: timing(jsMs), ratio: jsMs / wasmMs, meetsTarget: true };
}

function scale(fastMs: number, threadsMs: number): ScaleReport {
  const s = (t: number) => summarize([t, t]);
  return {
    fast: [
      {
        id: 'W6 fast pool n=1000 w=1',
        n: 1000,
        w: 1,
        fast: s(fastMs),
        denseSample: s(1),
        sampleQueries: 256,
        denseEstimateMs: 4,
        speedup: 4 / fastMs,
        maxRelError: 1e-7,
        targetMs: 500,
        meetsTarget: true,
      },
    ],
    threads: [
      { id: 'W7 threads pool n=164', n: 164, threads: 2, one: s(2 * threadsMs), many: s(threadsMs), speedup: 2, targetSpeedup: 1.8, meetsTarget: true },
    ],
  };
}

const rows = (table: string) =>
  table.split('\n').map((l) =>
    l
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim()),
  );

describe('runtimeComparison', () => {
  const node20: RuntimeRun = {
    label: 'Node 20',
    results: [workload('W1 pool n=50', 0.004, 0.04), workload('W1 pool n=1024', 1.5, 20)],
    beyondDense: scale(20, 180),
  };
  const node22: RuntimeRun = { label: 'Node 22', results: [workload('W1 pool n=1024', 1.2, 18), workload('W9 new', 2, 4)], beyondDense: scale(16, 150) };
  const [main, scaled] = runtimeComparison([node20, node22]).split('\n\n');

  it('puts each runtime’s medians and ratio in a row, and the first runtime’s WASM time over each other’s', () => {
    const t = rows(main);
    expect(t[0]).toEqual([
      'workload',
      'Node 20 wasm ms',
      'Node 20 js ms',
      'Node 20 t_js / t_wasm',
      'Node 22 wasm ms',
      'Node 22 js ms',
      'Node 22 t_js / t_wasm',
      'wasm Node 20 / Node 22',
    ]);
    expect(t[1]).toEqual(['---', ...new Array(7).fill('---:')]);
    expect(t.find((r) => r[0] === 'W1 pool n=1024')).toEqual(['W1 pool n=1024', '1.50', '20.00', '13.3', '1.20', '18.00', '15.0', '×1.25']);
  });

  it('shows a workload that one run lacks with dashes, in the order the workloads first appear', () => {
    const t = rows(main);
    expect(t.slice(2).map((r) => r[0])).toEqual(['W1 pool n=50', 'W1 pool n=1024', 'W9 new']);
    expect(t.find((r) => r[0] === 'W1 pool n=50')).toEqual(['W1 pool n=50', '0.00400', '0.0400', '10.0', '–', '–', '–', '–']);
    expect(t.find((r) => r[0] === 'W9 new')).toEqual(['W9 new', '–', '–', '–', '2.00', '4.00', '2.0', '–']);
    for (const r of t) expect(r).toHaveLength(8);
  });

  it('compares W6 by the fast call and W7 by the threaded call', () => {
    const t = rows(scaled);
    expect(t[0]).toEqual(['workload', 'Node 20 median ms', 'Node 22 median ms', 'Node 20 / Node 22']);
    expect(t.slice(2)).toEqual([
      ['W6 fast pool n=1000 w=1', '20.00', '16.00', '×1.25'],
      ['W7 threads pool n=164', '180', '150', '×1.20'],
    ]);
  });

  it('is empty for no run, and has no comparison column for one', () => {
    expect(runtimeComparison([])).toBe('');
    expect(rows(runtimeComparison([node20]).split('\n\n')[0])[0]).toEqual(['workload', 'Node 20 wasm ms', 'Node 20 js ms', 'Node 20 t_js / t_wasm']);
  });
});
