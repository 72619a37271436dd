// `attnpool train --data` on a file too large for dense pooling, as a user runs it.
import { describe, expect, it } from 'vitest';
import { loadBackend } from '../../src/backend/load.js';
import { uniform } from '../reference.js';

describe('attnpool train on a large file', () => {
  it('reads 120,000 points, trains by the fast path, and reports progress on stderr', async () => {
    const { spawnSync } = await import('node:child_process');
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const x = uniform(120000, 0, 5, 9);
    const file = join(mkdtempSync(join(tmpdir(), 'attnpool-big-')), 'big.csv');
    writeFileSync(file, `x,y\n${Array.from(x, (v) => `${v},${Math.sin(v)}`).join('\n')}\n`);
    const r = spawnSync(
      process.execPath,
      [join(__dirname, '..', '..', 'dist', 'cli', 'main.js'), 'train', '--data', file, '--w0', '3', '--lr', '1e-6', '--epochs', '2', '--json'],
      { encoding: 'utf8' },
    );
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^read 120000 points from .*big\.csv in \d+\.\d\d s; training/m);
    expect(r.stderr).toMatch(/^epoch 2 of 2 took \d+\.\d\d s$/m);
    const out = JSON.parse(r.stdout);
    // the first epoch's loss is the loss at w0 = 3, as the API computes it
    const be = await loadBackend('wasm');
    const y = Float32Array.from(x, Math.sin);
    expect(out.losses[0]).toBe(be.attentionPoolLoss(x, x, y, y, 3, { excludeSelf: true }).loss);
  });
});
