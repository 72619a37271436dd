// Output files: paths checked before any work, every file written whole or not at all (a
// temporary name in the same directory, then a rename), and Node's errors as AttnpoolError E_IO.
import {
  accessSync,
  closeSync,
  constants,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statfsSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join, parse, resolve } from 'node:path';
import { AttnpoolError } from '../errors.js';

/** Kernel pseudo-filesystems where nothing can be created (statfs f_type). Node's recursive mkdir spins on procfs. */
const PSEUDO_FS = new Map<number, string>([
  [0x9fa0, 'procfs'],
  [0x62656572, 'sysfs'],
  [0x64626720, 'debugfs'],
  [0x73636673, 'securityfs'],
  [0x27e0eb, 'cgroupfs'],
  [0x63677270, 'cgroup2fs'],
]);

/** How many characters of a path an error message quotes. */
const MAX_PATH_CHARS = 200;

/** A path as error messages quote it: JSON-quoted, at most ~200 characters. */
export function quotePath(path: string): string {
  return JSON.stringify(path.length > MAX_PATH_CHARS ? `${path.slice(0, MAX_PATH_CHARS)}…` : path);
}

/** A Node file-system error as an AttnpoolError E_IO naming the path, what was being done and the cause. */
export function ioError(path: string, doing: string, err: unknown): AttnpoolError {
  const e = err as NodeJS.ErrnoException;
  const cause = e?.code ? `${e.code}: ${causeText(e.code)}` : String(e?.message ?? err);
  return new AttnpoolError('E_IO', `${quotePath(path)}: cannot ${doing} (${cause})`);
}

function causeText(code: string): string {
  const known: Record<string, string> = {
    ENOSPC: 'no space left on the device',
    EDQUOT: 'disk quota exceeded',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EROFS: 'read-only file system',
    ENOENT: 'no such file or directory',
    ENOTDIR: 'a component of the path is not a directory',
    EISDIR: 'it is a directory',
    EEXIST: 'it exists already',
    ELOOP: 'too many symbolic links',
    ENAMETOOLONG: 'the name is too long',
    EIO: 'input/output error',
  };
  return known[code] ?? 'file-system error';
}

function pseudoFs(path: string): string | undefined {
  try {
    return PSEUDO_FS.get(Number(statfsSync(path).type));
  } catch {
    return undefined;
  }
}

/** lstat and stat of a path: what it is, and what a symlink there points to. */
function kind(path: string): 'missing' | 'dir' | 'file' | 'dangling' | 'other' {
  let l: ReturnType<typeof lstatSync>;
  try {
    l = lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw ioError(path, 'inspect the path', err);
  }
  try {
    const s = l.isSymbolicLink() ? statSync(path) : l;
    return s.isDirectory() ? 'dir' : s.isFile() ? 'file' : 'other';
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ELOOP') return 'dangling';
    throw ioError(path, 'inspect the path', err);
  }
}

function checkPathString(path: unknown, what: string): string {
  if (typeof path !== 'string' || path.length === 0) {
    throw new AttnpoolError('E_IO', `${what}: expected a path, got ${typeof path === 'string' ? 'an empty string' : typeof path}`);
  }
  if (path.includes('\0')) throw new AttnpoolError('E_IO', `${what}: ${quotePath(path)} contains a NUL character`);
  return path;
}

/**
 * A directory that output files go into, created (one level at a time, never Node's recursive
 * mkdir, which spins on procfs) if missing. Fails fast, with E_IO naming the path and the cause,
 * where it cannot be: an existing file or a dangling symlink in the way, an empty path, a
 * kernel pseudo-filesystem (/proc, /sys), a directory that cannot be written.
 */
export function prepareOutputDir(path: unknown, what = '--out'): string {
  const out = resolve(checkPathString(path, what));
  // The chain from the root down: each existing component must be a directory; the first missing one starts the creation.
  const chain: string[] = [];
  for (let p = out; ; p = dirname(p)) {
    chain.unshift(p);
    if (p === parse(p).root) break;
  }
  let created = false;
  for (const p of chain) {
    const k = created ? 'missing' : kind(p);
    if (k === 'dir') continue;
    if (k === 'file' || k === 'other') throw new AttnpoolError('E_IO', `${what}: ${quotePath(p)} exists and is not a directory`);
    if (k === 'dangling')
      throw new AttnpoolError('E_IO', `${what}: ${quotePath(p)} is a symbolic link to nothing (dangling); remove it or point it at a directory`);
    const fs = pseudoFs(dirname(p));
    if (fs) throw new AttnpoolError('E_IO', `${what}: cannot create ${quotePath(p)}: ${dirname(p)} is on ${fs}, a kernel pseudo-filesystem`);
    try {
      mkdirSync(p);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw ioError(p, 'create the directory', err);
    }
    created = true;
  }
  const fs = pseudoFs(out);
  if (fs) throw new AttnpoolError('E_IO', `${what}: ${quotePath(out)} is on ${fs}, a kernel pseudo-filesystem; choose a directory on a real file system`);
  try {
    checkAccess(out, constants.W_OK | constants.X_OK);
  } catch (err) {
    throw ioError(out, 'write into the directory', err);
  }
  return out;
}

/**
 * accessSync as a check made before the work: a runtime that will not say (Deno asks for
 * --allow-sys to read the user id) is no refusal, since the write itself fails with its own error.
 */
function checkAccess(path: string, mode: number): void {
  try {
    accessSync(path, mode);
  } catch (err) {
    if (/Requires sys access/.test(String((err as Error).message))) return;
    throw err;
  }
}

/**
 * A file path that a result will be written to later, checked now (before the work that
 * produces it): its directory exists and is writable, and the path is not a directory.
 */
export function checkOutputFile(path: unknown, what: string): string {
  const file = resolve(checkPathString(path, what));
  const k = kind(file);
  if (k === 'dir') throw new AttnpoolError('E_IO', `${what}: ${quotePath(file)} is a directory; name a file`);
  if (k === 'other') throw new AttnpoolError('E_IO', `${what}: ${quotePath(file)} is not a regular file`);
  const dir = dirname(file);
  const dk = kind(dir);
  if (dk !== 'dir') {
    throw new AttnpoolError(
      'E_IO',
      `${what}: the directory ${quotePath(dir)} of ${quotePath(String(path))} ${dk === 'missing' ? 'does not exist' : 'is not a directory'}; create it first`,
    );
  }
  const fs = pseudoFs(dir);
  if (fs) throw new AttnpoolError('E_IO', `${what}: ${quotePath(dir)} is on ${fs}, a kernel pseudo-filesystem`);
  try {
    checkAccess(dir, constants.W_OK | constants.X_OK);
    if (k === 'file') checkAccess(file, constants.W_OK);
  } catch (err) {
    throw ioError(k === 'file' ? file : dir, 'write there', err);
  }
  return file;
}

let counter = 0;

/** A temporary name next to `path` (same directory, so a rename is atomic), unique to this process and call. */
export function temporaryName(path: string): string {
  counter += 1;
  return join(dirname(path), `.${basename(path)}.${process.pid}.${counter}.${Math.random().toString(36).slice(2, 8)}.tmp`);
}

/** Writes `data` whole to `tmp` (created exclusively), flushed; on any error removes it and throws E_IO naming `path`. */
export function writeTemporary(tmp: string, data: string | Uint8Array, path = tmp): void {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx', 0o644);
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
  } catch (err) {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {}
    }
    removeQuietly(tmp);
    throw ioError(path, 'write the file', err);
  }
}

/** Renames a written temporary file onto `path` (atomic within a directory); E_IO on failure, the temporary removed. */
export function commitTemporary(tmp: string, path: string): void {
  try {
    renameSync(tmp, path);
  } catch (err) {
    removeQuietly(tmp);
    throw ioError(path, 'replace the file', err);
  }
}

/** Writes a file atomically: readers see the old file or the whole new one, never a part; a failed write leaves no file behind. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  if (kind(path) === 'dir') throw new AttnpoolError('E_IO', `${quotePath(path)}: is a directory; name a file`);
  const tmp = temporaryName(path);
  writeTemporary(tmp, data, path);
  commitTemporary(tmp, path);
}

export function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {}
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Runs `commit` holding `dir`/.attnpool.lock (created exclusively, holding our pid), so that two
 * processes writing a set of files into one directory commit their sets one after the other,
 * never interleaved. A lock whose process has died is taken over; after `timeoutMs` the call
 * fails with E_IO.
 */
export async function withDirectoryLock<T>(dir: string, commit: () => T, timeoutMs = 60_000): Promise<T> {
  const lock = join(dir, '.attnpool.lock');
  const start = Date.now();
  for (;;) {
    let fd: number | undefined;
    try {
      fd = openSync(lock, 'wx', 0o644);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (err) {
      if (fd !== undefined) closeSync(fd);
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw ioError(lock, 'create the lock file', err);
    }
    let holder = Number.NaN;
    try {
      holder = Number.parseInt(readFileSync(lock, 'utf8'), 10);
    } catch {}
    if (Number.isInteger(holder) && holder > 0 && !alive(holder)) {
      removeQuietly(lock);
      continue;
    }
    if (Date.now() - start > timeoutMs) {
      throw new AttnpoolError(
        'E_IO',
        `${quotePath(lock)}: another attnpool process (pid ${holder}) has held the lock for over ${Math.round(timeoutMs / 1000)} s; remove the file if no such process runs`,
      );
    }
    await sleep(20 + Math.random() * 30);
  }
  try {
    return commit();
  } finally {
    removeQuietly(lock);
  }
}
