// The runtimes the engine tests run the core checks under, and where scripts/engines.mjs puts
// them: Node 22 and 24, Bun and Deno from the npm registry, pinned (with their integrity) in
// tests/engines/runtimes/package-lock.json and installed into tests/engines/runtimes/node_modules,
// apart from the project's own dependencies. The Node that runs vitest is the first of them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A runtime: its name, the command that runs a script (argv[0] is the executable), the version it must report. */
export interface Runtime {
  name: string;
  argv: string[];
  expectVersion: string;
}

/** `root`: the repository. Each runtime: its name, the command that runs a script, its version. */
export function runtimes(root: string): Runtime[] {
  const dir = join(root, 'tests', 'engines', 'runtimes');
  const deps = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).dependencies as Record<string, string>;
  const version = (alias: string): string => deps[alias].slice(deps[alias].lastIndexOf('@') + 1);
  const bin = (...p: string[]) => join(dir, 'node_modules', ...p);
  return [
    { name: `node${process.versions.node.split('.')[0]}`, argv: [process.execPath], expectVersion: process.versions.node },
    { name: 'node22', argv: [bin('node22', 'bin', 'node')], expectVersion: version('node22') },
    { name: 'node24', argv: [bin('node24', 'bin', 'node')], expectVersion: version('node24') },
    { name: 'bun', argv: [bin('bun', 'bin', 'bun')], expectVersion: version('bun') },
    // -A: the CLI reads and writes files, spawns and loads node-canvas; a test of narrower
    // permissions (bug 5 of issue 18) names its own
    { name: 'deno', argv: [bin('deno', 'deno'), 'run', '-A'], expectVersion: version('deno') },
  ];
}
