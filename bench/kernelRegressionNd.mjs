// W10's kernel-regression row: kernelRegression(x, y, { bandwidth: 'cv_ls' }), local constant,
// Gaussian, on n points in d = 2 (or 3) dimensions, timed end to end (the search on a subsample,
// then on the full data through the d-dimensional fast path, the fitted values and R²).
//
// Usage: node bench/kernelRegressionNd.mjs [--n 1e4,1e5] [--d 2] [--json FILE]
// (bundles src/index.ts with esbuild first; run `npm run build` before, for the WASM module)
import { build } from 'esbuild';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({ options: { n: { type: 'string' }, d: { type: 'string' }, json: { type: 'string' } } });
const NS = (args.n ?? '1e4,1e5').split(',').map(Number);
const DS = (args.d ?? '2').split(',').map(Number);

const dir = mkdtempSync(join(tmpdir(), 'kregnd-'));
const out = join(dir, 'index.mjs');
await build({ entryPoints: ['src/index.ts'], bundle: true, platform: 'node', format: 'esm', outfile: out, logLevel: 'warning', external: ['canvas'] });
const { kernelRegression } = await import(pathToFileURL(out).href);

function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const rows = [];
for (const d of DS) {
  for (const n of NS) {
    const r = rng(7 + d);
    const x = Float64Array.from({ length: n * d }, r);
    const y = Float64Array.from(
      { length: n },
      (_, i) => Math.sin(6 * x[i * d]) + Math.cos(4 * x[i * d + 1]) + (d === 3 ? 0.5 * x[i * d + 2] : 0) + 0.3 * (r() - 0.5),
    );
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const fit = kernelRegression({ data: x, shape: [n, d] }, y, { bandwidth: 'cv_ls' });
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const row = {
      n,
      d,
      regression: 'lc',
      seconds,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      bandwidth: Array.from(fit.bandwidth),
      cv: fit.cv,
      rSquared: fit.rSquared,
      load: loadavg()[0],
    };
    rows.push(row);
    console.log(
      `n = ${n}, d = ${d}: ${seconds.toFixed(2)} s (CPU ${row.cpuSeconds.toFixed(2)} s), h = ${row.bandwidth.map((h) => h.toPrecision(4)).join(', ')}, CV ${fit.cv.toPrecision(6)}, R² ${fit.rSquared.toFixed(4)}, load ${row.load.toFixed(1)}`,
    );
  }
}
if (args.json) {
  writeFileSync(
    args.json,
    `${JSON.stringify({ date: new Date().toISOString(), machine: { cpu: cpus()[0]?.model, cores: cpus().length }, node: process.version, rows }, null, 2)}\n`,
  );
  console.log(`wrote ${args.json}`);
}
