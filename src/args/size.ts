import { AttnpoolError } from '../errors.js';

/** Gigabytes, for messages. */
const gb = (bytes: number) => `${(bytes / 2 ** 30).toPrecision(3)} GiB`;

/**
 * Runs `allocate` (which builds arrays of `elements` numbers of `bytesPerElement` bytes each),
 * turning the engine's RangeError (a typed array longer than it allows, or memory it cannot
 * reserve) into an AttnpoolError E_VALUE that names the call, the size and the way out.
 */
export function allocating<T>(allocate: () => T, elements: number, bytesPerElement: number, what: string): T {
  try {
    return allocate();
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    throw new AttnpoolError(
      'E_VALUE',
      `${what} needs ${elements} elements (${gb(elements * bytesPerElement)}), more than this JavaScript engine can allocate (${err.message}); split the work into smaller calls`,
    );
  }
}

/** A Float32Array of `length` zeros for a result, or an AttnpoolError E_VALUE naming `what` where the engine cannot allocate it. */
export function resultArray(length: number, what: string): Float32Array {
  return allocating(() => new Float32Array(length), length, 4, what);
}
