// `attnpool bench --quick` at tiny sizes: the JSON it writes is complete and consistent.
// (Speed is measured by `npm run bench`, never asserted here.)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const cli = join(__dirname, '..', '..', 'dist', 'cli', 'main.js');

describe('attnpool bench', () => {
  it('writes a JSON report with every workload on both backends and a markdown table', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'attnpool-bench-')), 'bench.json');
    const r = spawnSync(process.execPath, [cli, 'bench', '--quick', '--scale', '0.01', '--json', file], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/\[20\/20\]/); // progress
    expect(r.stdout).toMatch(/^\| workload \|/m);
    const report = JSON.parse(readFileSync(file, 'utf8'));
    expect(report.schema).toBe(1);
    expect(report.quick).toBe(true);
    expect(report.scale).toBe(0.01);
    expect(report.runtime.node).toBe(process.versions.node);
    expect(report.machine.cores).toBeGreaterThan(0);
    expect(Number.isNaN(Date.parse(report.date))).toBe(false);
    expect(report.results.map((w: { group: string }) => w.group)).toEqual([
      'W1',
      'W1',
      'W1',
      'W1',
      'W1',
      'W2',
      'W2',
      'W3',
      'W3',
      'W4',
      'W5',
      'W5',
      ...new Array(8).fill('W8'),
    ]);
    // W3 and W5 again with a preallocated out
    expect(report.results.filter((w: { group: string }) => w.group === 'W3' || w.group === 'W5').map((w: { id: string }) => w.id)).toEqual([
      'W3 softmax 41x41',
      'W3 softmax 41x41 +out',
      'W5 scores 41x41',
      'W5 scores 41x41 +out',
    ]);
    // W8: d = 2 and 8 features, pooling and the loss with its gradient per feature
    expect(report.results.filter((w: { group: string }) => w.group === 'W8').map((w: { id: string }) => w.id)).toEqual(
      [2, 8].flatMap((d) => [10, 41].flatMap((n) => ['pool', 'loss+grad'].map((op) => `W8 ${op} n=${n} d=${d}`))),
    );
    for (const w of report.results) {
      for (const side of [w.wasm, w.js]) {
        expect(side.samples).toBeGreaterThanOrEqual(2);
        expect(side.p25Ms).toBeLessThanOrEqual(side.medianMs);
        expect(side.medianMs).toBeLessThanOrEqual(side.p75Ms);
        expect(side.iqrMs).toBeCloseTo(side.p75Ms - side.p25Ms, 12);
        expect(side.minMs).toBeLessThanOrEqual(side.medianMs);
        expect(side.pairsPerSecond).toBeCloseTo(w.pairs / (side.medianMs / 1000), 6);
        expect(side.heapGrowthBytes).toBeGreaterThanOrEqual(0);
      }
      expect(w.wasm.wasmMemoryBytes).toBeGreaterThan(0);
      expect(w.ratio).toBeCloseTo(w.js.medianMs / w.wasm.medianMs, 12);
      expect(w.meetsTarget).toBe(w.ratio >= w.targetRatio && (w.targetPairsPerSecond === undefined || w.wasm.pairsPerSecond >= w.targetPairsPerSecond));
    }
    // W6: the fast Gauss transform at 10^5 and 10^6 points (scaled), w = 1 and 23, pool and loss
    const fast = report.beyondDense.fast;
    expect(fast.map((f: { id: string }) => f.id)).toEqual(
      [1000, 10000].flatMap((n) => [1, 23].flatMap((w) => ['pool', 'loss'].map((op) => `W6 fast ${op} n=${n} w=${w}`))),
    );
    for (const f of fast) {
      expect(f.denseEstimateMs).toBeCloseTo((f.denseSample.medianMs * f.n) / f.sampleQueries, 9);
      expect(f.speedup).toBeCloseTo(f.denseEstimateMs / f.fast.medianMs, 9);
      expect(f.maxRelError).toBeLessThan(1e-5);
      expect(f.meetsTarget).toBe(f.fast.medianMs <= f.targetMs && f.maxRelError <= 1e-5);
    }
    // W7: dense pooling on threads against one thread, in the same run
    const threads = report.beyondDense.threads;
    expect(threads.map((t: { id: string }) => t.id)).toEqual([
      'W7 threads pool n=164',
      'W7 threads loss n=164',
      'W7 threads pool n=328',
      'W7 threads loss n=328',
    ]);
    for (const t of threads) {
      expect(t.threads).toBeGreaterThanOrEqual(2);
      expect(t.speedup).toBeCloseTo(t.one.medianMs / t.many.medianMs, 9);
      expect(t.meetsTarget).toBe(t.speedup >= t.targetSpeedup);
    }
    expect(r.stdout).toMatch(/\| W7 threads pool n=164 \|/);
  }, 120_000);

  it('rejects a bad flag', () => {
    const r = spawnSync(process.execPath, [cli, 'bench', '--fast'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/unknown option '--fast'/);
  });
});
