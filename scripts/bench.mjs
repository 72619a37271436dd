// `npm run bench [-- --node 22]`: runs `attnpool bench` (dist/cli/main.js) under this Node, or
// under Node 22 (or 24), and then writes README.md's benchmark tables from every result file
// there is (bench/readme.mjs).
//
//   npm run bench                   this Node → bench/results/latest.json
//   npm run bench -- --node 22      Node 22   → bench/results/latest-node22.json
//
// `--node N` runs the Node N that scripts/engines.mjs installs from the npm registry into
// tests/engines/runtimes (installing it when missing; the engine tests use the same binaries);
// `--node /path/to/node` runs that binary instead. Also: --quick and --scale X (passed on to the
// bench), --json FILE (instead of the result file above) and --readme FILE (instead of README.md):
// the tests run it at tiny sizes into a temporary directory that way.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { resultFile, resultFiles, writeReadme } from '../bench/readme.mjs';
import { ensureRuntimes, runtimesDir } from './engines.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const say = (msg) => console.error(`[bench] ${msg}`);
const fail = (msg) => {
  say(msg);
  process.exit(1);
};

/** The Node versions tests/engines/runtimes pins, by major: { 22: 'node22', 24: 'node24' }. */
function pinnedNodes() {
  const deps = JSON.parse(readFileSync(join(runtimesDir, 'package.json'), 'utf8')).dependencies;
  return Object.fromEntries(
    Object.keys(deps)
      .map((alias) => /^node(\d+)$/.exec(alias))
      .filter((m) => m !== null)
      .map((m) => [m[1], m[0]]),
  );
}

/** The major version a Node binary reports, or a clear failure when it does not run. */
function majorOf(bin) {
  try {
    return execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim().replace(/^v/, '').split('.')[0];
  } catch (err) {
    return fail(`${bin} does not run as Node: ${/** @type {Error} */ (err).message}`);
  }
}

/** The Node binary `--node` names: a major version of tests/engines/runtimes (installed when missing) or a path. */
function nodeBinary(node) {
  if (/^\d+$/.test(node)) {
    if (node === process.versions.node.split('.')[0]) return process.execPath;
    const pinned = pinnedNodes();
    const alias = pinned[node];
    if (!alias)
      fail(
        `--node ${node}: the pinned runtimes are Node ${Object.keys(pinned).join(' and ')} (tests/engines/runtimes/package.json); this is Node ${process.versions.node}`,
      );
    const bin = join(runtimesDir, 'node_modules', alias, 'bin', 'node');
    if (!existsSync(bin)) {
      say(`Node ${node} is not installed at ${bin}; installing it with scripts/engines.mjs`);
      let installed = false;
      try {
        installed = ensureRuntimes(say);
      } catch (err) {
        say(`scripts/engines.mjs failed: ${/** @type {Error} */ (err).message}`);
      }
      if (!installed || !existsSync(bin))
        fail(
          `Node ${node} could not be found or installed (${bin}). Install it with \`node scripts/engines.mjs\` (linux-x64), or pass the path of a Node ${node} binary: npm run bench -- --node /path/to/node`,
        );
    }
    return bin;
  }
  if (!existsSync(node)) fail(`--node ${node}: no such file (pass a major version such as 22, or the path of a Node binary)`);
  return node;
}

const usage = 'usage: npm run bench [-- --node 22|24|/path/to/node] [--quick] [--scale X] [--json FILE] [--readme FILE]';
/** @type {{ node?: string; quick?: boolean; scale?: string; json?: string; readme?: string }} */
let values = {};
try {
  ({ values } = parseArgs({
    options: {
      node: { type: 'string' },
      quick: { type: 'boolean' },
      scale: { type: 'string' },
      json: { type: 'string' },
      readme: { type: 'string' },
    },
  }));
} catch (err) {
  fail(`${/** @type {Error} */ (err).message}\n${usage}`);
}

const bin = values.node === undefined ? process.execPath : nodeBinary(values.node);
const major = majorOf(bin);
if (/^\d+$/.test(values.node ?? '') && major !== values.node) fail(`--node ${values.node}: ${bin} is Node ${major}`);
// without --node, this machine's Node writes latest.json, as `npm run bench` always has; --node N latest-node<N>.json
const other = values.node === undefined ? undefined : major;
const mine = resultFile(other);
const json = values.json ?? mine;
say(`Node ${major} (${bin}) → ${json}`);
const args = [join(root, 'dist', 'cli', 'main.js'), 'bench', '--json', json];
if (values.quick) args.push('--quick');
if (values.scale !== undefined) args.push('--scale', values.scale);
const r = spawnSync(bin, args, { cwd: root, stdio: 'inherit' });
if (r.status !== 0) fail(`the bench under Node ${major} failed (${r.signal ?? `status ${r.status}`})`);

// README: the main run and every other runtime's, with this run's file in its place
const files = resultFiles().map((f) => (f === mine ? json : f));
if (!files.includes(json)) {
  if (other === undefined) files.unshift(json);
  else files.push(json);
}
writeReadme(values.readme, files);
