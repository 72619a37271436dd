// The core suites (the WASM backend against the float64 reference, the numerics of issue 19, the
// cost model) run again under Node 22, where the loader takes the relaxed-SIMD build without any
// flag: vitest itself started by Node 22 from tests/engines/runtimes (scripts/engines.mjs).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CORE_SUITES } from '../coreSuites.js';
import { runtimes } from '../engines/runtimes.js';

const root = join(__dirname, '..', '..');

describe('the core suites under Node 22', () => {
  it('pass, on the relaxed-SIMD build', () => {
    const node22 = runtimes(root).find((r) => r.name === 'node22');
    expect(node22).toBeDefined();
    const report = join(mkdtempSync(join(tmpdir(), 'attnpool-node22-')), 'report.json');
    const r = spawnSync(
      node22!.argv[0],
      [join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--project', 'unit', ...CORE_SUITES, '--reporter=json', `--outputFile=${report}`],
      { cwd: root, encoding: 'utf8', timeout: 900_000, env: { ...process.env, NO_COLOR: '1', ATTNPOOL_EXPECT_RELAXED: '1' } },
    );
    const json = JSON.parse(readFileSync(report, 'utf8'));
    const failed = json.testResults.flatMap((f: { assertionResults: { status: string; fullName: string }[] }) =>
      f.assertionResults.filter((a) => a.status !== 'passed').map((a) => a.fullName),
    );
    expect(failed, r.stderr.slice(-2000)).toEqual([]);
    expect(json.numPassedTests).toBe(json.numTotalTests);
    expect(json.numPassedTests).toBeGreaterThan(300);
    expect(json.testResults.map((f: { name: string }) => f.name.slice(root.length + 1)).sort()).toEqual([...CORE_SUITES].sort());
    expect(r.status).toBe(0);
  }, 900_000);
});
