// Issue 19, item 7: a full disk while writing leaves no file (not a 0-byte one) and is an E_IO
// naming the path. node:fs is mocked so that writes fail with ENOSPC.
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';

vi.mock('node:fs', async (original) => {
  const fs = await original<typeof import('node:fs')>();
  const writeSync = (() => {
    throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write' });
  }) as typeof fs.writeSync;
  return { ...fs, default: { ...fs, writeSync }, writeSync };
});

const { writeFileAtomic } = await import('../src/io/files.js');
const { savePNG } = await import('../src/plot-node/png.js');
const { plotLoss } = await import('../src/plot/index.js');
const { AttnpoolError } = await import('../src/errors.js');

describe('a full disk', () => {
  it('writeFileAtomic: E_IO naming the path and ENOSPC; no file and no temporary file left', () => {
    const dir = mkdtempSync(join(tmpdir(), 'attnpool-enospc-'));
    const path = join(dir, 'out.json');
    let err: unknown;
    try {
      writeFileAtomic(path, '{"a": 1}');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AttnpoolError);
    expect((err as InstanceType<typeof AttnpoolError>).code).toBe('E_IO');
    expect((err as Error).message).toMatch(/out.json": cannot write the file \(ENOSPC: no space left on the device\)/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('savePNG: E_IO, and no 0-byte PNG', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'attnpool-enospc-'));
    await expect(savePNG(plotLoss([1, 2, 3]), join(dir, 'f.png'))).rejects.toThrow(/f.png": cannot write the file \(ENOSPC/);
    expect(readdirSync(dir)).toEqual([]);
  });
});
