// `attnpool bench --quick` at tiny sizes: the JSON it writes is complete and consistent; and
// `npm run bench -- --node 22` (scripts/bench.mjs) with bench/readme.mjs, into a temporary copy of
// README.md. (Speed is measured by `npm run bench`, never asserted here.)
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const root = join(__dirname, '..', '..');
const cli = join(root, 'dist', 'cli', 'main.js');

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
    // which WASM build ran: this Node's own choice (Node 20 validates relaxed SIMD only with a flag)
    expect(report.runtime.wasm).toEqual({ simd: true, relaxedSimd: Number(process.versions.node.split('.')[0]) >= 22, threads: 1 });
    expect(r.stderr).toMatch(report.runtime.wasm.relaxedSimd ? /relaxed-SIMD WASM build/ : /plain-SIMD WASM build/);
    expect(report.machine.cores).toBeGreaterThan(0);
    for (const load of [report.machine.loadAverage.start, report.machine.loadAverage.end]) {
      expect(load).toHaveLength(3);
      for (const x of load) expect(x).toBeGreaterThanOrEqual(0);
    }
    // readable (Windows has no load average), and the bench itself loads the machine
    if (process.platform !== 'win32') expect(report.machine.loadAverage.end.some((x: number) => x > 0)).toBe(true);
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
    // W11: 'auto' against the faster of dense and fast, per backend, with the cost models measured
    const auto = report.auto;
    expect(Object.keys(auto.models)).toEqual(['js', 'wasm', expect.stringMatching(/^wasm ×\d+$/)]);
    for (const m of Object.values(auto.models) as Record<string, number>[]) {
      for (const v of Object.values(m)) expect(Number.isFinite(v) && v > 0).toBe(true);
    }
    expect(auto.results).toHaveLength(3 * 2 * 4 * 2);
    expect(auto.results.slice(0, 8).map((a: { id: string }) => a.id)).toEqual(
      [16, 16, 41, 164].flatMap((n) => [1, 23].map((w) => `W11 js pool n=${n} w=${w}`)),
    );
    for (const a of auto.results) {
      expect(['dense', 'fast']).toContain(a.choice);
      expect(a.ratio).toBeCloseTo(a.autoMs / Math.min(a.denseMs, a.fast.medianMs), 9);
      expect(a.meetsTarget).toBe(a.ratio <= 1.2);
    }
    // below 2^14 pairs 'auto' is dense whatever the model says
    for (const a of auto.results.filter((x: { n: number }) => x.n * x.n < 2 ** 14)) expect(a.choice).toBe('dense');
    expect(r.stdout).toMatch(/\| W11 wasm loss n=164 w=23 \|/);
    expect(r.stdout).toMatch(/\| W7 threads pool n=164 \|/);
  }, 120_000);

  it('rejects a bad flag', () => {
    const r = spawnSync(process.execPath, [cli, 'bench', '--fast'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/unknown option '--fast'/);
  });
});

/** The text between README's <!-- name:start --> and <!-- name:end --> markers. */
function section(readme: string, name: string): string {
  const start = `<!-- ${name}:start -->`;
  const i = readme.indexOf(start);
  const j = readme.indexOf(`<!-- ${name}:end -->`);
  expect(i, `${name} section`).toBeGreaterThanOrEqual(0);
  expect(j).toBeGreaterThan(i);
  return readme.slice(i + start.length, j);
}

/** A markdown table's row for a workload, its cells trimmed. */
function row(text: string, id: string): string[] {
  const line = text.split('\n').find((l) => l.startsWith(`| ${id} `));
  expect(line, id).toBeDefined();
  return line!
    .split('|')
    .slice(1, -1)
    .map((c) => c.trim());
}

describe('npm run bench -- --node 22, and README from two runtimes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'attnpool-bench22-'));
  const node20Json = join(dir, 'node20.json');
  const node22Json = join(dir, 'node22.json');
  const readme = join(dir, 'README.md');
  const committed = () => ['README.md', 'bench/results/latest.json'].map((f) => readFileSync(join(root, f), 'utf8'));
  let before: string[];
  let driver: ReturnType<typeof spawnSync>;

  beforeAll(() => {
    before = committed();
    copyFileSync(join(root, 'README.md'), readme);
    const tiny = ['--quick', '--scale', '0.01'];
    driver = spawnSync(process.execPath, [join(root, 'scripts', 'bench.mjs'), '--node', '22', ...tiny, '--json', node22Json, '--readme', readme], {
      encoding: 'utf8',
      timeout: 300_000,
    });
    const r = spawnSync(process.execPath, [cli, 'bench', ...tiny, '--json', node20Json], { encoding: 'utf8', timeout: 300_000 });
    expect(r.status, r.stderr).toBe(0);
  }, 600_000);

  it('runs the bench under Node 22, on the relaxed-SIMD build, and writes its tables beside the committed Node 20 run', () => {
    expect(driver.status, `${driver.stderr}`).toBe(0);
    expect(driver.stderr).toMatch(/\[bench\] Node 22 \(.*tests\/engines\/runtimes\/node_modules\/node22\/bin\/node\)/);
    const report = JSON.parse(readFileSync(node22Json, 'utf8'));
    expect(report.runtime.name).toBe('node');
    expect(report.runtime.node).toMatch(/^22\./);
    expect(report.runtime.wasm).toEqual({ simd: true, relaxedSimd: true, threads: 1 });
    expect(report.scale).toBe(0.01);
    const text = readFileSync(readme, 'utf8');
    // the main tables stay the committed Node 20 run's; the side-by-side section names both files
    expect(section(text, 'bench')).toContain('raw results in `bench/results/latest.json`');
    const runtimes = section(text, 'bench-runtimes');
    expect(runtimes).toContain(`Node 22 (${report.runtime.node}, relaxed-SIMD build;`);
    expect(runtimes).toContain(`\`${node22Json}\``);
    expect(runtimes).toMatch(
      /\| workload +\| Node 20 wasm ms +\| Node 20 js ms +\| Node 20 t_js \/ t_wasm +\| Node 22 wasm ms .*\| wasm Node 20 \/ Node 22 +\|/,
    );
    // nothing committed was touched: not README.md, not the Node 20 results
    expect(committed()).toEqual(before);
  });

  it('bench/readme.mjs --readme FILE sets two reports side by side, each number from its report', () => {
    const out = join(dir, 'README-two.md');
    copyFileSync(join(root, 'README.md'), out);
    const r = spawnSync(process.execPath, [join(root, 'bench', 'readme.mjs'), '--readme', out, node20Json, node22Json], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const text = readFileSync(out, 'utf8');
    const original = readFileSync(join(root, 'README.md'), 'utf8');
    // everything outside the two sections is as it was
    expect(text.slice(0, text.indexOf('<!-- bench:start -->'))).toBe(original.slice(0, original.indexOf('<!-- bench:start -->')));
    expect(text.slice(text.indexOf('<!-- bench-runtimes:end -->'))).toBe(original.slice(original.indexOf('<!-- bench-runtimes:end -->')));
    const [n20, n22] = [node20Json, node22Json].map((f) => JSON.parse(readFileSync(f, 'utf8')));
    // the main section: the first report, its build recorded
    const main = section(text, 'bench');
    expect(main).toContain(`Node ${n20.runtime.version} with the plain-SIMD WASM build`);
    expect(main).toContain(`raw results in \`${node20Json}\``);
    expect(row(main, 'W1 pool n=41')[1]).toMatch(/^\S+ \(\S+\)$/);
    // the side-by-side section: both builds, the same machine and sizes, every row complete
    const both = section(text, 'bench-runtimes');
    expect(both).toContain(`Node 20 (${n20.runtime.version}, plain-SIMD build;`);
    expect(both).toContain(`Node 22 (${n22.runtime.version}, relaxed-SIMD build;`);
    expect(both).not.toMatch(/differ in size|different machines/);
    for (const w of n20.results) {
      const cells = row(both, w.id);
      const w22 = n22.results.find((x: { id: string }) => x.id === w.id);
      expect(cells).toHaveLength(8);
      expect(cells).not.toContain('–');
      // medians printed to 3 significant figures (or 2 decimals), ratios to 1 decimal
      for (const [k, v] of [w.wasm.medianMs, w.js.medianMs, 0, w22.wasm.medianMs, w22.js.medianMs].entries()) {
        if (v > 0) expect(Math.abs(Number(cells[k + 1]) - v) / v, `${w.id} column ${k + 1}`).toBeLessThan(0.01);
      }
      expect([cells[3], cells[6]]).toEqual([w.ratio.toFixed(1), w22.ratio.toFixed(1)]);
      expect(cells[7]).toBe(`×${(w.wasm.medianMs / w22.wasm.medianMs).toFixed(2)}`);
    }
    for (const t of n22.beyondDense.threads) expect(row(both, t.id)).toHaveLength(4);
  });

  it('bench/readme.mjs says which run shared a busy machine (load average above the cores), and only then', () => {
    const [n20, n22] = [node20Json, node22Json].map((f) => JSON.parse(readFileSync(f, 'utf8')));
    const render = (load20: number, load22: number): string => {
      const files = [
        [n20, load20],
        [n22, load22],
      ].map(([report, load], k) => {
        const f = join(dir, `load-${k}.json`);
        const cores = report.machine.cores;
        writeFileSync(f, JSON.stringify({ ...report, machine: { ...report.machine, loadAverage: { start: [load * cores, 0, 0], end: [0.5, 0, 0] } } }));
        return f;
      });
      const out = join(dir, 'README-load.md');
      copyFileSync(join(root, 'README.md'), out);
      const r = spawnSync(process.execPath, [join(root, 'bench', 'readme.mjs'), '--readme', out, ...files], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      return section(readFileSync(out, 'utf8'), 'bench-runtimes');
    };
    expect(render(0.2, 2.5)).toMatch(/ Node 22 shared the machine with other work .*compare the ratios t_js \/ t_wasm/);
    expect(render(2.5, 2.5)).toMatch(/ Node 20 and Node 22 shared the machine/);
    expect(render(0.2, 0.9)).not.toMatch(/shared the machine/);
  });

  it("without --node (plain `npm run bench`) runs this Node and writes its run as README's main tables", () => {
    const own = join(dir, 'own.json');
    const out = join(dir, 'README-own.md');
    copyFileSync(join(root, 'README.md'), out);
    const r = spawnSync(process.execPath, [join(root, 'scripts', 'bench.mjs'), '--quick', '--scale', '0.01', '--json', own, '--readme', out], {
      encoding: 'utf8',
      timeout: 300_000,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(`[bench] Node ${process.versions.node.split('.')[0]} (${process.execPath})`);
    const report = JSON.parse(readFileSync(own, 'utf8'));
    expect(report.runtime.node).toBe(process.versions.node);
    const main = section(readFileSync(out, 'utf8'), 'bench');
    expect(main).toContain(`Node ${process.versions.node} with the`);
    expect(main).toContain(`raw results in \`${own}\``);
    expect(row(main, 'W1 pool n=41')).toHaveLength(8);
    expect(committed()).toEqual(before);
  });

  it('refuses a Node it has no binary for, naming the ones it has', () => {
    const r = spawnSync(process.execPath, [join(root, 'scripts', 'bench.mjs'), '--node', '23', '--json', join(dir, 'x.json'), '--readme', readme], {
      encoding: 'utf8',
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/--node 23: the pinned runtimes are Node 22 and/);
    const p = spawnSync(process.execPath, [join(root, 'scripts', 'bench.mjs'), '--node', join(dir, 'no-node'), '--readme', readme], { encoding: 'utf8' });
    expect(p.status).toBe(1);
    expect(p.stderr).toMatch(/no such file/);
  });
});
