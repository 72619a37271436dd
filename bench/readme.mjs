// Writes the markdown table of a committed benchmark result into README.md, between the
// markers <!-- bench:start --> and <!-- bench:end -->. Usage: node bench/readme.mjs bench/results/latest.json
import { readFileSync, writeFileSync } from 'node:fs';
import { autoTable } from '../dist/bench/auto.js';
import { scaleTables } from '../dist/bench/scale.js';
import { markdownTable } from '../dist/bench/table.js';

const [file = 'bench/results/latest.json'] = process.argv.slice(2);
const report = JSON.parse(readFileSync(file, 'utf8'));
const readme = readFileSync('README.md', 'utf8');
const start = '<!-- bench:start -->';
const end = '<!-- bench:end -->';
const i = readme.indexOf(start);
const j = readme.indexOf(end);
if (i < 0 || j < i) throw new Error(`README.md has no ${start} … ${end} section`);
const body = [
  `Measured ${report.date.slice(0, 10)} on ${report.machine.cpu} (${report.machine.cores} cores), Node ${report.runtime.node}; raw results in \`${file}\`.`,
  '',
  markdownTable(report.results),
  '',
  'Past dense pooling: W6 times the fast Gauss transform against dense WASM (timed on 256 sampled queries against all keys and scaled to every query; error on those queries), W7 dense pooling on threads against one thread, both in the same run:',
  '',
  scaleTables(report.beyondDense),
  ...(report.auto
    ? [
        '',
        "W11: `method: 'auto'` against the faster of dense and fast pooling, each backend with the cost model it measured in this run (* dense timed on a sample of queries and scaled):",
        '',
        autoTable(report.auto),
      ]
    : []),
].join('\n');
writeFileSync('README.md', `${readme.slice(0, i + start.length)}\n${body}\n${readme.slice(j)}`);
console.log(`README.md: benchmark table from ${file}`);
