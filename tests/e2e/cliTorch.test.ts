// `attnpool train --rng torch` as a user runs it (the built CLI in a child process), against the
// lines PyTorch 1.13 printed (tests/fixtures/torch, from scripts/fixtures/torch_fixtures.py).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

interface SeedFixture {
  seed: number;
  chapter: { lines: string[]; w: number; float64: { lines: string[] } };
}
const dir = new URL('../fixtures/torch/', import.meta.url);
const read = (name: string) => JSON.parse(readFileSync(new URL(name, dir), 'utf8'));
const seeds = (read('meta.json') as { seeds: number[] }).seeds.map((s) => read(`seed_${s}.json`) as SeedFixture);

describe('attnpool train --rng torch', () => {
  const cli = join(__dirname, '..', '..', 'dist', 'cli', 'main.js');
  const train = (...args: string[]) => {
    const r = spawnSync(process.execPath, [cli, 'train', '--rng', 'torch', ...args], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    return r.stdout.trim().split('\n');
  };
  const value = (line: string) => Number(line.split(' ').at(-1));
  const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

  it.each(seeds.map((x) => [x.seed, x] as const))(
    "`attnpool train --rng torch --seed %i` prints the book's five lines within 1e-5 of torch's, and its w",
    (_, x) => {
      const lines = train('--seed', String(x.seed));
      expect(lines).toHaveLength(6);
      lines.slice(0, 5).forEach((line, k) => {
        expect(line.split('loss ')[0]).toBe(x.chapter.lines[k].split('loss ')[0]);
        expect(rel(value(line), value(x.chapter.lines[k])), line).toBeLessThan(1e-5);
      });
      expect(rel(value(lines[5]), x.chapter.w)).toBeLessThan(1e-5);
    },
  );

  it.each(seeds.map((x) => [x.seed, x] as const))(
    'with --backend js (float64) its lines are the strings torch prints when it trains in float64 (seed %i)',
    (_, x) => {
      expect(train('--seed', String(x.seed), '--backend', 'js').slice(0, 5)).toEqual(x.chapter.float64.lines);
    },
  );

  it('`attnpool train --rng numpy` is refused with the allowed choices', () => {
    const r = spawnSync(process.execPath, [cli, 'train', '--rng', 'numpy'], { encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/--rng <name>.*Allowed choices are default, torch/s);
  });
});
