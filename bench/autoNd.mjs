// 'auto' with two and three features: does the calibrated cost model (src/backend/costModel.ts,
// be.costModel()'s ndHermiteScale and ndExactScale) send a call the faster way? For d = 2, 3,
// n = nq = nk from 1024 to 65536, wide (~n/2 keys' weight) and narrow (~50) kernels on uniform
// [0, 1]^d data, it times attentionPool on the WASM backend with method 'dense', 'fast' and
// 'auto' (median of up to 5 calls within ~1 s; dense at n = 65536 on 1024 sampled queries and
// scaled) and reports which way auto went and auto / best.
//
// Usage: node bench/autoNd.mjs [--n 1024,4096,16384,65536] [--json FILE]
// (bundles src/index.ts with esbuild; run `npm run build` first, for the WASM module)
import { build } from 'esbuild';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({ options: { n: { type: 'string' }, json: { type: 'string' } } });
const NS = (args.n ?? '1024,4096,16384,65536').split(',').map(Number);

const dir = mkdtempSync(join(tmpdir(), 'autond-'));
const out = join(dir, 'index.mjs');
await build({ entryPoints: ['src/index.ts'], bundle: true, platform: 'node', format: 'esm', outfile: out, logLevel: 'warning', external: ['canvas'] });
const { loadBackend } = await import(pathToFileURL(out).href);
const be = await loadBackend('wasm');

let seed = 3;
const random = () => {
  seed = (seed * 16807) % 2147483647;
  return seed / 2147483647;
};
const median = (a) => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)];
function time(f) {
  f();
  const ms = [];
  const t0 = performance.now();
  do {
    const t = performance.now();
    f();
    ms.push(performance.now() - t);
  } while (ms.length < 5 && performance.now() - t0 < 1000);
  return median(ms);
}

const model = be.costModel();
console.log('cost model', model);
const rows = [];
for (const d of [2, 3]) {
  for (const n of NS) {
    const x = Float32Array.from({ length: n * d }, random);
    const v = Float32Array.from({ length: n }, random);
    for (const kernel of ['wide', 'narrow']) {
      // isotropic w with Σ_j e_ij ≈ n·(2π)^{d/2}/w^d ≈ target on the unit cube
      const target = kernel === 'wide' ? n / 2 : 50;
      const w = new Array(d).fill(kernel === 'wide' ? 1.2 : (((2 * Math.PI) ** (d / 2) * n) / target) ** (1 / d));
      const X = { data: x, shape: [n, d] };
      const m = n > 16384 ? 1024 : n;
      const Q = { data: x.subarray(0, m * d), shape: [m, d] };
      const dense = (time(() => be.attentionPool(Q, X, v, w, { method: 'dense' })) * n) / m;
      const fast = time(() => be.attentionPool(X, X, v, w, { method: 'fast' }));
      const auto = time(() => be.attentionPool(X, X, v, w));
      const chose = Math.abs(auto - fast) < Math.abs(auto - dense) ? 'fast' : 'dense';
      const row = { d, n, kernel, w: w[0], denseMs: dense, fastMs: fast, autoMs: auto, chose, autoOverBest: auto / Math.min(dense, fast), load: loadavg()[0] };
      rows.push(row);
      console.log(
        `| ${d} | ${n} | ${kernel} | ${dense.toPrecision(3)}${m < n ? '*' : ''} | ${fast.toPrecision(3)} | ${chose} | ${auto.toPrecision(3)} | ${row.autoOverBest.toFixed(2)} |`,
      );
    }
  }
}
if (args.json) {
  writeFileSync(
    args.json,
    `${JSON.stringify({ date: new Date().toISOString(), machine: { cpu: cpus()[0]?.model, cores: cpus().length }, node: process.version, model, rows }, null, 2)}\n`,
  );
  console.log(`wrote ${args.json}`);
}
