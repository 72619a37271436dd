// W10 benchmark of the d-dimensional Gaussian sums (src/fast/nd): n = 1e5 and 1e6, d = 2 and 3,
// uniform and clustered keys, wide and narrow kernels. Dense pooling is timed on 256 sampled
// queries against all keys and scaled to every query, twice: the WASM backend's (float32 SIMD,
// the speed-up is against it) and a float64 JS loop (max-subtracted, two passes), the reference
// the errors are measured against.
//
// Usage: node bench/fastGaussNd.mjs [--n 1e5,1e6] [--d 2,3] [--shape uniform,clustered]
//        [--kernel wide,narrow,500] [--method auto|hermite|exact] [--reps 3] [--wasm 1|0] [--threads 1] [--json bench/results/fastGaussNd.json]
// (--threads N: the exact pass split over N threads, the parallel backend's runner; CPU seconds
// are the whole process's, workers included)
// (--wasm 0: the exact path's float64 JS loops instead of assembly/exactCells.ts; the WASM module
// comes from src/wasm/bytes.generated.ts, so run `npm run build` first)
// (bundles src/fast/nd/index.ts with esbuild first, so it needs no build step)
import { build } from 'esbuild';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    n: { type: 'string' },
    d: { type: 'string' },
    shape: { type: 'string' },
    kernel: { type: 'string' },
    reps: { type: 'string' },
    wasm: { type: 'string' },
    threads: { type: 'string' },
    method: { type: 'string' },
    json: { type: 'string' },
  },
});
const list = (s, def) => (s ?? def).split(',');
const NS = list(args.n, '1e5,1e6').map(Number);
const DS = list(args.d, '2,3').map(Number);
const SHAPES = list(args.shape, 'uniform,clustered');
const KERNELS = list(args.kernel, 'wide,narrow');
const REPS = Number(args.reps ?? 3);
const WASM = (args.wasm ?? '1') !== '0';
const THREADS = Number(args.threads ?? 1);
const METHOD = args.method ?? 'auto';
const SAMPLE = 256;

const median = (a) => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)];

const dir = mkdtempSync(join(tmpdir(), 'fgtnd-'));
const out = join(dir, 'nd.mjs');
await build({
  stdin: {
    contents:
      "export { gaussSumsNd } from './src/fast/nd/index.ts'; export { loadBackend } from './src/index.ts'; export { createParallelBackend } from './src/backend/parallel/index.ts';",
    resolveDir: process.cwd(),
    loader: 'ts',
  },
  bundle: true,
  platform: 'node',
  format: 'esm',
  outfile: out,
  logLevel: 'warning',
  external: ['canvas'],
});
const { gaussSumsNd, loadBackend, createParallelBackend } = await import(pathToFileURL(out).href);
const wasm = await loadBackend('wasm');
// the exact pass's runner over THREADS threads (undefined: gaussSumsNd's own, on this thread)
const team = THREADS > 1 ? await createParallelBackend(THREADS) : null;
const runExactPass = team ? team.kernels.exactNd() : undefined;

/** The WASM backend's dense pooling (float32, SIMD) of the sampled queries against every key, in ms (median of 3 after a warm-up). */
function denseWasm(xs, v, n, d, sample) {
  const q = new Float32Array(sample.length * d);
  for (let a = 0; a < sample.length; a++) for (let k = 0; k < d; k++) q[a * d + k] = xs[sample[a] * d + k];
  const args = [{ data: q, shape: [sample.length, d] }, { data: Float32Array.from(xs), shape: [n, d] }, Float32Array.from(v), 1, { method: 'dense' }];
  wasm.attentionPool(...args);
  const ms = [];
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    wasm.attentionPool(...args);
    ms.push(performance.now() - t0);
  }
  return median(ms);
}

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
function gauss(r) {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

/** Points in [0, 1]^d: uniform, or 5 Gaussian blobs (σ = 0.03) at random centres. */
function makeData(n, d, shape, seed) {
  const r = rng(seed);
  const x = new Float64Array(n * d);
  const centres = Array.from({ length: 5 }, () => Array.from({ length: d }, () => 0.15 + 0.7 * r()));
  for (let i = 0; i < n; i++) {
    const c = centres[Math.floor(5 * r())];
    for (let k = 0; k < d; k++) x[i * d + k] = shape === 'uniform' ? r() : c[k] + 0.03 * gauss(r);
  }
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x0 = x[i * d];
    const x1 = x[i * d + 1];
    const x2 = d === 3 ? x[i * d + 2] : 0;
    v[i] = 2 + Math.sin(6 * x0) + Math.cos(4 * x1) + 0.5 * x2 + 0.1 * gauss(r);
  }
  return { x, v };
}

/**
 * The isotropic w at which the mean neighbour count Σ_j e_ij (self included) is `target`:
 * estimated from 200 queries against a subsample of keys, by bisection on log w.
 */
function calibrate(x, n, d, target, seed) {
  const r = rng(seed);
  const m = Math.min(n, 50000);
  const sub = Int32Array.from({ length: m }, () => Math.floor(r() * n));
  const qs = Int32Array.from({ length: 200 }, () => Math.floor(r() * n));
  const count = (w) => {
    const s = -0.5 * w * w;
    let tot = 0;
    for (const i of qs) {
      let e = 0;
      for (const j of sub) {
        let r2 = 0;
        for (let k = 0; k < d; k++) r2 += (x[i * d + k] - x[j * d + k]) ** 2;
        e += Math.exp(s * r2);
      }
      tot += e;
    }
    return (tot / qs.length) * (n / m);
  };
  let lo = Math.log(1e-2);
  let hi = Math.log(1e5);
  for (let it = 0; it < 36; it++) {
    const mid = 0.5 * (lo + hi);
    if (count(Math.exp(mid)) > target) lo = mid;
    else hi = mid;
  }
  return Math.exp(0.5 * (lo + hi));
}

/** Dense float64 ŷ for the sampled queries (scores max-subtracted), and its time. */
function dense(xs, v, n, d, sample) {
  const y = new Float64Array(sample.length);
  const s = new Float64Array(n);
  const t0 = performance.now();
  for (let a = 0; a < sample.length; a++) {
    const i = sample[a];
    let mx = -Infinity;
    for (let j = 0; j < n; j++) {
      let r2 = 0;
      for (let k = 0; k < d; k++) {
        const u = xs[i * d + k] - xs[j * d + k];
        r2 += u * u;
      }
      const sc = -0.5 * r2;
      s[j] = sc;
      if (sc > mx) mx = sc;
    }
    let e = 0;
    let ev = 0;
    for (let j = 0; j < n; j++) {
      const w = Math.exp(s[j] - mx);
      e += w;
      ev += w * v[j];
    }
    y[a] = ev / e;
  }
  return { y, ms: performance.now() - t0 };
}

const rows = [];
console.log(
  `| n | d | data | kernel | w | method | p/h | exact queries | fast (s) [cpu] | dense WASM, scaled (s) | speed-up | max rel. error | error / bound |`,
);
console.log(`|---|---|---|---|---|---|---|---|---|---|---|---|---|`);
for (const n of NS) {
  for (const d of DS) {
    for (const shape of SHAPES) {
      const { x, v } = makeData(n, d, shape, 1000 * d + (shape === 'uniform' ? 1 : 2));
      for (const kernel of KERNELS) {
        const target = kernel === 'wide' ? n / 2 : kernel === 'narrow' ? 50 : Number(kernel);
        const w = calibrate(x, n, d, target, 7);
        const xs = Float64Array.from(x, (a) => a * w);
        const times = [];
        const cpu = [];
        let res;
        for (let rep = 0; rep < REPS; rep++) {
          const t0 = performance.now();
          const c0 = process.cpuUsage();
          res = gaussSumsNd(xs, xs, v, d, 1, { wasm: WASM, runExactPass, exactThreads: THREADS, method: METHOD });
          const cu = process.cpuUsage(c0);
          times.push(performance.now() - t0);
          cpu.push((cu.user + cu.system) / 1000);
        }
        const r = rng(99);
        const sample = Int32Array.from({ length: SAMPLE }, () => Math.floor(r() * n));
        const ref = dense(xs, v, n, d, sample);
        let err = 0;
        let boundUse = 0;
        let vMin = Infinity;
        let vMax = -Infinity;
        for (let j = 0; j < n; j++) {
          vMin = Math.min(vMin, v[j]);
          vMax = Math.max(vMax, v[j]);
        }
        for (let a = 0; a < SAMPLE; a++) {
          const diff = Math.abs(res.yHat[sample[a]] - ref.y[a]);
          err = Math.max(err, diff / Math.abs(ref.y[a]));
          // the guarantee: diff ≤ 1e-9·(max v − min v)/2
          boundUse = Math.max(boundUse, diff / (1e-9 * 0.5 * (vMax - vMin)));
        }
        const fast = median(times) / 1000;
        const denseJs = ((ref.ms / SAMPLE) * n) / 1000;
        const denseAll = ((denseWasm(xs, v, n, d, sample) / SAMPLE) * n) / 1000;
        const row = {
          n,
          d,
          shape,
          kernel,
          w,
          method: res.method,
          p: res.plan?.p ?? null,
          h: res.plan?.h ?? null,
          exactQueries: res.exactQueries,
          wasm: WASM,
          threads: THREADS,
          fastSeconds: fast,
          times: times.map((t) => t / 1000),
          cpuSeconds: median(cpu) / 1000,
          denseScaledSeconds: denseAll,
          denseJsScaledSeconds: denseJs,
          speedup: denseAll / fast,
          maxRelError: err,
          errorOverBound: boundUse,
          loadavg: loadavg()[0],
        };
        rows.push(row);
        console.log(
          `| ${n.toExponential(0)} | ${d} | ${shape} | ${kernel} | ${w.toPrecision(3)} | ${row.method} | ${row.p ? `${row.p}/${row.h}` : '–'} | ${row.exactQueries} | ${fast.toFixed(2)} [${row.cpuSeconds.toFixed(2)}] | ${denseAll.toPrecision(3)} | ${row.speedup.toPrecision(3)}× | ${err.toExponential(1)} | ${boundUse.toFixed(3)} |`,
        );
      }
    }
  }
}
console.log(`load average (1 min) at the end: ${loadavg()[0].toFixed(2)} on ${cpus().length} cores`);
if (args.json) {
  writeFileSync(
    args.json,
    `${JSON.stringify(
      { date: new Date().toISOString(), machine: { cpu: cpus()[0]?.model, cores: cpus().length }, node: process.version, reps: REPS, threads: THREADS, rows },
      null,
      2,
    )}\n`,
  );
  console.log(`wrote ${args.json}`);
}
await team?.close();
