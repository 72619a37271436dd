// Writes the committed benchmark results into README.md, formatted by Biome:
// - between <!-- bench:start --> and <!-- bench:end -->, every table of the main run (the first
//   file: bench/results/latest.json, this machine's Node);
// - between <!-- bench-runtimes:start --> and <!-- bench-runtimes:end -->, the same workloads under
//   every runtime measured (the main run beside bench/results/latest-node22.json, …), medians and
//   ratios side by side, and which WASM build each ran.
// Usage: node bench/readme.mjs [--readme FILE] [MAIN.json [OTHER.json …]]
// With no files: bench/results/latest.json, then every bench/results/latest-node<N>.json there is.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { autoTable } from '../dist/bench/auto.js';
import { runtimeComparison } from '../dist/bench/compare.js';
import { scaleTables } from '../dist/bench/scale.js';
import { markdownTable } from '../dist/bench/table.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const resultsDir = join(root, 'bench', 'results');

/** The result file of a run: bench/results/latest.json for this machine's Node, latest-node<N>.json for Node N (`npm run bench -- --node N`). */
export function resultFile(node) {
  return join(resultsDir, node === undefined ? 'latest.json' : `latest-node${node}.json`);
}

/** The result files there are: latest.json first, then latest-node<N>.json by N. */
export function resultFiles() {
  const others = readdirSync(resultsDir)
    .map((f) => /^latest-node(\d+)\.json$/.exec(f))
    .filter((m) => m !== null)
    .sort((a, b) => Number(a[1]) - Number(b[1]))
    .map((m) => join(resultsDir, m[0]));
  return [resultFile(undefined), ...others].filter((f) => existsSync(f));
}

/** A path as the README shows it: relative to the repository when inside it. */
function shown(file) {
  const rel = relative(root, resolve(file));
  return rel.startsWith('..') || isAbsolute(rel) ? file : rel;
}

/** The runtime's name and major version: "Node 22", "Bun 1", "Deno 2". */
function label(report) {
  const { name, version } = report.runtime;
  return `${name === 'node' ? 'Node' : name === 'bun' ? 'Bun' : 'Deno'} ${version.split('.')[0]}`;
}

/**
 * Which WASM build the run used, as its report records it (runtime.wasm), and how that is known.
 * Reports from before it was recorded: Node before 22 validates relaxed SIMD only with
 * --experimental-wasm-relaxed-simd, which `npm run bench` does not pass, so those ran the plain build.
 */
function build(report) {
  const w = report.runtime.wasm;
  if (w) return { name: w.relaxedSimd ? 'relaxed-SIMD' : 'plain-SIMD', note: '' };
  if (report.runtime.name === 'node' && Number(report.runtime.node.split('.')[0]) < 22)
    return {
      name: 'plain-SIMD',
      note: `, inferred as the report predates \`runtime.wasm\` and Node ${report.runtime.node.split('.')[0]} runs relaxed SIMD only with a flag`,
    };
  return { name: 'unknown', note: ', not recorded' };
}

/** Whether other work shared the machine: a 1-minute load average above its cores at the start or the end (the bench itself keeps one core busy, two in W7). */
function busy(report) {
  const l = report.machine.loadAverage;
  return !!l && Math.max(l.start[0], l.end[0]) > report.machine.cores;
}

function load(report) {
  const l = report.machine.loadAverage;
  return l ? `, load average ${l.start[0].toFixed(2)} at the start, ${l.end[0].toFixed(2)} at the end` : '';
}

function replaceSection(readme, name, body, readmePath) {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const i = readme.indexOf(start);
  const j = readme.indexOf(end);
  if (i < 0 || j < i) throw new Error(`${readmePath} has no ${start} … ${end} section`);
  return `${readme.slice(0, i + start.length)}\n${body}\n${readme.slice(j)}`;
}

/** README's text with both sections written from `files` (the main run first). */
export function renderReadme(readme, files, readmePath = 'README.md') {
  if (files.length === 0) throw new Error('no benchmark result to write: run npm run bench');
  const reports = files.map((f) => JSON.parse(readFileSync(f, 'utf8')));
  const [main] = reports;
  const mainBody = [
    `Measured ${main.date.slice(0, 10)} on ${main.machine.cpu} (${main.machine.cores} cores), ${label(main).split(' ')[0]} ${main.runtime.version} with the ${build(main).name} WASM build${build(main).note}${load(main)}; raw results in \`${shown(files[0])}\`.`,
    '',
    markdownTable(main.results),
    '',
    'Past dense pooling: W6 times the fast Gauss transform against dense WASM (timed on 256 sampled queries against all keys and scaled to every query; error on those queries), W7 dense pooling on threads against one thread, both in the same run:',
    '',
    scaleTables(main.beyondDense),
    ...(main.auto
      ? [
          '',
          "W11: `method: 'auto'` against the faster of dense and fast pooling, each backend with the cost model it measured in this run (* dense timed on a sample of queries and scaled):",
          '',
          autoTable(main.auto),
        ]
      : []),
  ].join('\n');
  let runtimesBody;
  if (reports.length === 1) {
    runtimesBody = `Only ${label(main)} has been measured so far: \`npm run bench -- --node 22\` adds Node 22 here.`;
  } else {
    const runs = reports.map(
      (r, k) => `${label(r)} (${r.runtime.version}, ${build(r).name} build${build(r).note}; ${r.date.slice(0, 10)}${load(r)}; \`${shown(files[k])}\`)`,
    );
    const machines = new Set(reports.map((r) => `${r.machine.cpu} (${r.machine.cores} cores)`));
    const where =
      machines.size === 1
        ? `on ${[...machines][0]}`
        : `on different machines (${[...machines].join('; ')}): compare the ratios t_js / t_wasm, not the times across runtimes`;
    const loaded = reports.filter(busy).map(label);
    const contended =
      loaded.length === 0
        ? ''
        : ` ${loaded.join(' and ')} shared the machine with other work (a load average above the number of cores): its times are inflated, most where it used both cores (W7), so compare the ratios t_js / t_wasm, which each run measures under the same load, rather than times across runs.`;
    const sizes = new Set(reports.map((r) => `${r.quick ? '--quick, ' : ''}scale ${r.scale}`));
    const sized = sizes.size === 1 ? '' : ` The runs differ in size (${[...sizes].join('; ')}): a workload one of them lacks is a dash.`;
    runtimesBody = [
      `The same workloads under ${runs.slice(0, -1).join(', ')} and ${runs.at(-1)}, ${where}. Medians in ms, t_js / t_wasm from each run, and how much faster each WASM call is than under ${label(main)} (above 1: faster). Between runtimes both the WASM build and the engine (V8) differ; the JS columns show what the engine alone changes. The second table: the medians of W6's fast Gauss transform and of W7's call on threads.${contended}${sized}`,
      '',
      runtimeComparison(reports.map((r) => ({ label: label(r), results: r.results, beyondDense: r.beyondDense }))),
    ].join('\n');
  }
  return replaceSection(replaceSection(readme, 'bench', mainBody, readmePath), 'bench-runtimes', runtimesBody, readmePath);
}

/** Formats markdown as Biome formats README.md (through stdin, so that a README outside the repository works too). */
export function formatMarkdown(text) {
  const biome = join(root, 'node_modules', '.bin', 'biome');
  const r = spawnSync(biome, ['format', '--stdin-file-path=README.md'], { cwd: root, input: text, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`biome format failed (status ${r.status}): ${r.stderr || r.error?.message}`);
  return r.stdout;
}

/** Rewrites the README at `readmePath` from `files` (default: every result file there is). */
export function writeReadme(readmePath = join(root, 'README.md'), files = resultFiles()) {
  writeFileSync(readmePath, formatMarkdown(renderReadme(readFileSync(readmePath, 'utf8'), files, readmePath)));
  console.log(`${shown(readmePath)}: benchmark tables from ${files.map(shown).join(', ')}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const { values, positionals } = parseArgs({ options: { readme: { type: 'string' } }, allowPositionals: true });
  writeReadme(values.readme, positionals.length > 0 ? positionals : undefined);
}
