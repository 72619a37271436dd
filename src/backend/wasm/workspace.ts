import { AttnpoolError } from '../../errors.js';
import { BASE, PAGE, SLACK, sliceBytes } from './abi.js';

/** The most linear memory a 32-bit WebAssembly instance can address: 4 GiB. */
const MAX_MEMORY = 2 ** 32;

/** Up to this many floats, readInto copies with a loop instead of set(subarray(…)). */
const SMALL_COPY = 64;

/**
 * Floats of a result block (128 KiB): results as large as the inputs (scores, softmax) are
 * computed a block of rows at a time and each block copied out while it is still in cache.
 * Computed whole, a 64 MiB result would go out to memory and be read back for the copy; in
 * blocks it costs one write, into the caller's array, and the WASM memory holds one block.
 */
const BLOCK_FLOATS = 1 << 15;

/** Rows of `rowLength` floats in one result block: at least 1, at most `rows`. */
export function blockRows(rowLength: number, rows: number): number {
  return Math.max(1, Math.min(rows, Math.floor(BLOCK_FLOATS / rowLength)));
}

/**
 * The host side of the WASM memory. Each call lays out its 16-byte-aligned slices from BASE
 * (and SLACK bytes after the last), grows the memory once if they do not fit (never otherwise, so repeated calls of one size
 * leave it as it is), copies inputs in and copies results out into the caller's arrays. Views of the
 * memory are rebuilt after every grow; no view of it is ever handed to a caller.
 */
export class Workspace {
  private f32: Float32Array;
  private f64: Float64Array;
  /** Where the next slice goes (see begin). */
  private end = BASE;

  constructor(private readonly memory: WebAssembly.Memory) {
    this.f32 = new Float32Array(memory.buffer);
    this.f64 = new Float64Array(memory.buffer);
  }

  /** Bytes of linear memory now held. */
  get bytes(): number {
    return this.memory.buffer.byteLength;
  }

  /** Byte offsets of slices of the given sizes (in 4-byte elements), growing memory if needed. */
  layout(...elements: number[]): number[] {
    const offsets: number[] = [];
    this.begin();
    for (const n of elements) offsets.push(this.slice(n));
    this.commit();
    return offsets;
  }

  /**
   * Starts a layout without arrays, for the small calls' sake: begin(), one slice(n) per slice,
   * then commit() before writing any. The same layout as layout(…) of the same sizes.
   */
  begin(): void {
    this.end = BASE;
  }

  /** The byte offset of the next slice, of n float32 elements. */
  slice(n: number): number {
    const at = this.end;
    this.end = at + sliceBytes(n);
    return at;
  }

  /** Grows the memory, if needed, to hold the slices laid out since begin() and SLACK bytes after them. */
  commit(): void {
    this.ensure(this.end + SLACK);
  }

  private ensure(bytes: number): void {
    // The view spans the whole memory (reading its length costs less than memory.buffer); a
    // view of a buffer a grow detached has length 0 and is rebuilt below.
    if (bytes <= this.f32.byteLength) return;
    const have = this.memory.buffer.byteLength;
    if (bytes > have) {
      const pages = Math.ceil((bytes - have) / PAGE);
      try {
        this.memory.grow(pages);
      } catch {
        throw new AttnpoolError(
          'E_BACKEND',
          `wasm: the call needs ${bytes} bytes of WebAssembly memory (at most ${MAX_MEMORY} in a 32-bit instance) and the engine refused to grow it from ${have}; split the call into smaller ones (fewer queries per call)`,
        );
      }
    }
    this.f32 = new Float32Array(this.memory.buffer);
    this.f64 = new Float64Array(this.memory.buffer);
  }

  /** Copy a float32 array (any view, any byteOffset) into the slice at `offset`. */
  write(offset: number, data: Float32Array): void {
    this.f32.set(data, offset >>> 2);
  }

  /** Copy out.length float32 values at `offset` into `out` (a caller's array, never a view of this memory). */
  readInto(offset: number, out: Float32Array): void {
    const at = offset >>> 2;
    const n = out.length;
    if (n > SMALL_COPY) {
      out.set(this.f32.subarray(at, at + n));
      return;
    }
    // a few floats: a loop costs less than the subarray view set() needs
    const f32 = this.f32;
    for (let i = 0; i < n; i++) out[i] = f32[at + i];
  }

  /** Copy `length` float32 values at `offset` into out[at, at + length). */
  readRange(offset: number, out: Float32Array, at: number, length: number): void {
    out.set(this.f32.subarray(offset >>> 2, (offset >>> 2) + length), at);
  }

  readF64(offset: number, index: number): number {
    return this.f64[(offset >>> 3) + index];
  }
}
