#!/usr/bin/env node
// Benchmark W9: kernelRegression(x, y, { bandwidth: 'cv_ls', regression }) on the exact float64
// path, d = 2, n ∈ {200, 1000, 5000}, lc and ll. Bundles src/ with esbuild (no build step
// needed) and prints the median of a few runs per size (wall clock, and the CPU time of this
// process, which a machine busy with other work inflates less), with the bandwidths and CV found.
//
//   node bench/kernelRegression.mjs [--sizes 200,1000,5000] [--runs 3] [--backend wasm|js] [--json OUT]
//   node bench/kernelRegression.mjs --csv OUT.csv [--n 200]   (only write W9's data as x1,x2,y)
//
// The data are W9's (bench/kernelRegressionStatsmodels.py generates the same with numpy):
// x1 = 4 frac(0.5 + i a1), x2 = 4 frac(0.5 + i a2), i = 1..n (the R2 sequence), and
// y = sin(1.5 x1) + 0.3 (x2 − 2)² + 0.3 (2 frac(43758.5453 |sin i|) − 1).
import { build } from 'esbuild';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import os from 'node:os';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const sizes = arg('--sizes', '200,1000,5000').split(',').map(Number);
const runs = Number(arg('--runs', '3'));
const regressions = arg('--regression', 'lc,ll').split(',');

const backendName = arg('--backend', null); // default: the exact float64 path
const root = fileURLToPath(new URL('..', import.meta.url));
const bundle = await build({
  stdin: {
    contents: "export { kernelRegression } from './src/regression/kernelRegression.ts'; export { loadBackend } from './src/backend/load.ts';",
    resolveDir: root,
    loader: 'ts',
  },
  bundle: true,
  write: false,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
});
const { kernelRegression, loadBackend } = await import(`data:text/javascript;base64,${Buffer.from(bundle.outputFiles[0].text).toString('base64')}`);
const backend = backendName ? await loadBackend(backendName) : undefined;

export function w9(n) {
  const x = new Float64Array(2 * n);
  const y = new Float64Array(n);
  const frac = (v) => v - Math.floor(v);
  for (let i = 1; i <= n; i++) {
    const x1 = 4 * frac(0.5 + i * 0.7548776662466927);
    const x2 = 4 * frac(0.5 + i * 0.5698402909980532);
    x[2 * (i - 1)] = x1;
    x[2 * (i - 1) + 1] = x2;
    y[i - 1] = Math.sin(1.5 * x1) + 0.3 * (x2 - 2) ** 2 + 0.3 * (2 * frac(43758.5453 * Math.abs(Math.sin(i))) - 1);
  }
  return { x: { data: x, shape: [n, 2] }, y };
}

const csvOut = arg('--csv', null);
if (csvOut) {
  const n = Number(arg('--n', '200'));
  const { x, y } = w9(n);
  writeFileSync(csvOut, `x1,x2,y\n${Array.from(y, (v, i) => `${x.data[2 * i]},${x.data[2 * i + 1]},${v}`).join('\n')}\n`);
  process.exit(0);
}

const median = (a) => {
  const s = [...a].sort((p, q) => p - q);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

// statsmodels' times on the same data, measured once by bench/kernelRegressionStatsmodels.py
const smPath = new URL('./results/kernelRegression-statsmodels.json', import.meta.url);
const statsmodels = existsSync(smPath) ? JSON.parse(readFileSync(smPath, 'utf8')).rows : [];

const rows = [];
console.log(
  `W9 kernelRegression cv_ls, d = 2, ${backend ? `backend ${backend.name}` : 'float64 path'}; ${os.cpus()[0].model} (${os.cpus().length} cores), Node ${process.version}`,
);
for (const n of sizes) {
  const { x, y } = w9(n);
  for (const regression of regressions) {
    const times = [];
    const cpu = [];
    let fit;
    const reps = n >= 5000 ? 1 : runs;
    for (let r = 0; r < reps; r++) {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      fit = kernelRegression(x, y, { bandwidth: 'cv_ls', regression, backend });
      const c = process.cpuUsage(c0);
      times.push(performance.now() - t0);
      cpu.push((c.user + c.system) / 1000);
    }
    const row = {
      backend: backend?.name ?? 'float64',
      regression,
      n,
      medianMs: median(times),
      medianCpuMs: median(cpu),
      runs: times.length,
      times,
      cpu,
      h: Array.from(fit.bandwidth),
      cv: fit.cv,
      localMinima: fit.localMinima?.length,
    };
    const sm = statsmodels.find((r) => r.regression === regression && r.n === n);
    if (sm) row.statsmodels = sm;
    rows.push(row);
    console.log(
      `${regression} n=${n}: median ${row.medianMs.toFixed(1)} ms wall, ${row.medianCpuMs.toFixed(1)} ms CPU, over ${times.length} run(s); h ${row.h.map((v) => v.toPrecision(6)).join(', ')}; CV ${row.cv.toPrecision(10)}; ${row.localMinima} local minima`,
    );
    if (sm) {
      const cv = sm.cv === undefined ? '' : `, CV ${sm.cv.toPrecision(10)} (ours ${row.cv <= sm.cv ? '≤' : '>'} statsmodels')`;
      const cpu = sm.cpuSeconds === undefined ? '' : `, ${sm.cpuSeconds.toFixed(1)} s CPU (×${((sm.cpuSeconds * 1000) / row.medianCpuMs).toFixed(0)})`;
      console.log(
        `  statsmodels: ${sm.seconds.toFixed(1)} s wall (×${((sm.seconds * 1000) / row.medianMs).toFixed(0)})${cpu}${sm.measured ? '' : ` — an estimate: one evaluation × ${sm.evaluations}`}${cv}`,
      );
    }
  }
}
const out = arg('--json', null);
if (out)
  writeFileSync(
    out,
    `${JSON.stringify(
      { date: new Date().toISOString(), node: process.version, cpu: os.cpus()[0].model, cores: os.cpus().length, loadAverage: os.loadavg(), rows },
      null,
      1,
    )}\n`,
  );
