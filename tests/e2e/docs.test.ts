// `npm run docs`: the API reference builds, and every exported name is documented (typedoc.json
// treats an undocumented export or a broken {@link} as an error).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';

it('typedoc builds the API reference with no undocumented export', () => {
  const out = join(mkdtempSync(join(tmpdir(), 'attnpool-docs-')), 'api');
  const r = spawnSync(join(__dirname, '..', '..', 'node_modules', '.bin', 'typedoc'), ['--out', out], { cwd: join(__dirname, '..', '..'), encoding: 'utf8' });
  expect(r.stdout + r.stderr).not.toMatch(/does not have any documentation|\[error\]/);
  expect(r.status).toBe(0);
  expect(existsSync(join(out, 'index.html'))).toBe(true);
}, 120_000);
