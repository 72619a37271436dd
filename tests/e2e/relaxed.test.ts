// The two embedded WASM builds, chosen by the runtime (tests/engines/relaxed.mjs against dist/):
// plain Node 20 gets the plain-SIMD build, Node 20 with --experimental-wasm-relaxed-simd and
// Node 22 (tests/engines/runtimes) the relaxed-SIMD one, threads the same as the calling thread,
// and every build stays within the wasm tolerances of tests/backends.ts of a float64 reference.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runtimes } from '../engines/runtimes.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const script = join(root, 'tests', 'engines', 'relaxed.mjs');

interface Errors {
  features: { simd: boolean; relaxedSimd: boolean; threads: number };
  value: number;
  weight: number;
  loss: number;
  grad: number;
}

function run(argv: string[]): { version: string; auto: Errors; plain: Errors; threads: Errors['features'] } {
  const [cmd, ...pre] = argv;
  const r = spawnSync(cmd, [...pre, script, root], { encoding: 'utf8', timeout: 300_000 });
  const line = (r.stdout ?? '').trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(line);
  } catch {
    throw new Error(`no result line (status ${r.status})\n${r.stdout}\n${r.stderr}`);
  }
}

const node22 = runtimes(root).find((r) => r.name === 'node22');
const cases: { name: string; argv: string[]; relaxed: boolean; skip: boolean }[] = [
  { name: 'this Node', argv: [process.execPath], relaxed: Number(process.versions.node.split('.')[0]) >= 22, skip: false },
  { name: 'this Node, --experimental-wasm-relaxed-simd', argv: [process.execPath, '--experimental-wasm-relaxed-simd'], relaxed: true, skip: false },
  { name: 'node22', argv: node22?.argv ?? [], relaxed: true, skip: !node22 || (!existsSync(node22.argv[0]) && !process.env.CI) },
];

describe.each(cases)('$name', ({ argv, relaxed, skip }) => {
  it.skipIf(skip)('gets the expected build, threads the same, both builds within the tolerances', () => {
    const r = run(argv);
    expect(r.auto.features).toEqual({ simd: true, relaxedSimd: relaxed, threads: 1 });
    expect(r.plain.features).toEqual({ simd: true, relaxedSimd: false, threads: 1 });
    expect(r.threads).toEqual({ simd: true, relaxedSimd: relaxed, threads: 2 });
    for (const e of [r.auto, r.plain]) {
      expect(e.value).toBeLessThanOrEqual(1);
      expect(e.weight).toBeLessThanOrEqual(1);
      expect(e.loss).toBeLessThanOrEqual(1);
      expect(e.grad).toBeLessThanOrEqual(1);
    }
  });
});
