// The core checks (tests/engines/core.mjs) against the built package under every runtime a user
// runs: this Node (vitest's own), Node 22 and 24, Bun and Deno. The other runtimes come from the
// npm registry, pinned in tests/engines/runtimes/ (scripts/engines.mjs installs them); vitest
// itself runs only here and spawns them.
//
// Known failures (issue 18) are listed in KNOWN below, each with the message that identifies it:
// a known failure that still fails with that message is `it.fails`-style expected, and one that
// starts passing fails the test, so that the list is shortened as the fixes land.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runtimes } from '../engines/runtimes.js';

const root = join(__dirname, '..', '..');
const core = join(root, 'tests', 'engines', 'core.mjs');

interface Check {
  ok: boolean;
  ms: number;
  error?: string;
  [key: string]: unknown;
}
interface CoreResult {
  runtime: string;
  version: string;
  checks: Record<string, Check>;
}

const CHECKS = ['auto', 'reference', 'threads', 'autoThreads', 'workerPool', 'training', 'bandwidth', 'savePNG', 'figures', 'bench'];

/**
 * Checks known to fail on a runtime, with a pattern of what they print meanwhile. Empty since
 * main's worker rewrite (workers bundled at build time, module Web Workers): threads, 'auto'
 * threads and bench's W7 run under Bun and Deno, and createWorkerPool under Deno (issue 18, bugs
 * 1–3). A new entry is for a regression that cannot be fixed at once.
 */
const KNOWN: Record<string, Record<string, RegExp>> = {};

function run(name: string, argv: string[]): CoreResult {
  const [cmd, ...pre] = argv;
  const r = spawnSync(cmd, [...pre, core, root], { encoding: 'utf8', timeout: 600_000, env: { ...process.env, NO_COLOR: '1' } });
  const line = (r.stdout ?? '').trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(line) as CoreResult;
  } catch {
    throw new Error(`${name}: no result line (status ${r.status}, ${r.signal ?? ''} ${r.error?.message ?? ''})\n${r.stdout}\n${r.stderr}`);
  }
}

const installed = runtimes(root);
const missing = installed.filter((r) => !existsSync(r.argv[0])).map((r) => r.name);

describe.each(installed)('$name', ({ name, argv, expectVersion }) => {
  const skip = missing.includes(name) && !process.env.CI;
  let result: CoreResult;
  const get = () => (result ??= run(name, argv));

  it.skipIf(skip)(
    `runs the core checks (${expectVersion})`,
    () => {
      const r = get();
      expect(r.version).toBe(expectVersion);
      expect(Object.keys(r.checks).sort()).toEqual([...CHECKS].sort());
      console.log(
        `${name} ${r.version}: ${Object.entries(r.checks)
          .map(([k, c]) => `${k} ${c.ok ? 'ok' : 'FAIL'} (${c.ms} ms)`)
          .join(', ')}`,
      );
    },
    600_000,
  );

  it.each(CHECKS)(`%s`, (check) => {
    if (skip) return;
    const c = get().checks[check];
    const known = KNOWN[get().runtime]?.[check];
    const seen = JSON.stringify(c);
    if (known) {
      // still broken, and for the known reason; once it passes, remove it from KNOWN
      expect(c.ok, `${name} ${check} now passes: remove it from KNOWN`).toBe(false);
      expect(seen).toMatch(known);
    } else {
      expect(c.ok, `${name} ${check}: ${seen}`).toBe(true);
    }
  });
});

describe('Deno permissions', () => {
  const deno = installed.find((r) => r.name === 'deno')!;
  it.skipIf(missing.includes('deno'))(
    'figures with --allow-write but no --allow-read names the missing permission (not "does not exist")',
    () => {
      const out = mkdtempSync(join(tmpdir(), 'attnpool-deno-perm-'));
      try {
        const r = spawnSync(
          deno.argv[0],
          ['run', `--allow-write=${out}`, '--allow-env', '--allow-ffi', join(root, 'dist', 'cli', 'main.js'), 'figures', '--out', out],
          { encoding: 'utf8', timeout: 120_000, env: { ...process.env, NO_COLOR: '1' } },
        );
        expect(r.status).toBe(1);
        expect(r.stderr).toMatch(/attnpool: .*cannot inspect the path .*--allow-read/);
        expect(r.stderr).not.toMatch(/does not exist/);
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    },
    120_000,
  );

  it.skipIf(missing.includes('deno'))(
    'figures without --allow-ffi says node-canvas is there but refused, and names the flag',
    () => {
      const out = mkdtempSync(join(tmpdir(), 'attnpool-deno-perm-'));
      try {
        const r = spawnSync(deno.argv[0], ['run', '--allow-read', `--allow-write=${out}`, join(root, 'dist', 'cli', 'main.js'), 'figures', '--out', out], {
          encoding: 'utf8',
          timeout: 120_000,
          env: { ...process.env, NO_COLOR: '1' },
        });
        expect(r.status).toBe(1);
        expect(r.stderr).toMatch(/node-canvas is installed but the runtime refused to load it: .*--allow-ffi/);
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    },
    120_000,
  );

  it.skipIf(missing.includes('deno'))(
    'bench with no permission at all still prints every table, W7 on threads included (the CPU it cannot read is unknown)',
    () => {
      const r = spawnSync(deno.argv[0], ['run', join(root, 'dist', 'cli', 'main.js'), 'bench', '--quick', '--scale', '0.01'], {
        encoding: 'utf8',
        timeout: 300_000,
        env: { ...process.env, NO_COLOR: '1' },
      });
      expect(r.stderr).not.toMatch(/unexpected error/);
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/\| W1 pool/);
      expect(r.stdout).toMatch(/\| W6 fast/);
      expect(r.stdout).toMatch(/\| W7 threads/);
    },
    300_000,
  );
});

it('has every runtime installed (scripts/engines.mjs)', () => {
  expect(missing, `missing runtimes: run node scripts/engines.mjs`).toEqual([]);
});
