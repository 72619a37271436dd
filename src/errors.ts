/**
 * Every error attnpool throws on purpose. `code` is stable and machine-readable;
 * `message` names the argument, what was expected and what was received.
 */
export type AttnpoolErrorCode =
  | 'E_SHAPE' // wrong rank or shape, or lengths that disagree
  | 'E_EMPTY' // an empty array where at least one element is needed
  | 'E_NONFINITE' // NaN or ±Infinity where only finite numbers make sense
  | 'E_TYPE' // a value of the wrong kind (not a number, not an array, ...)
  | 'E_VALUE' // a number outside its allowed range
  | 'E_OPTION' // an unknown option or an option of the wrong kind
  | 'E_BACKEND' // a backend that cannot be loaded
  | 'E_PARSE' // an input file that does not parse
  | 'E_IO' // a file or directory that cannot be read, created or written (the message names the path and the cause)
  | 'E_DIVERGED'; // training produced a non-finite or invalid parameter

/**
 * The error class of attnpool.
 *
 * @example
 * try { backend.attentionPool([1, 2], [1], [1, 2]); }
 * catch (e) { if (e instanceof AttnpoolError && e.code === 'E_SHAPE') console.error(e.message); }
 * // values: expected the shape of keys [1], got [2]
 */
export class AttnpoolError extends Error {
  /** Which kind of problem it is; stable across versions. */
  readonly code: AttnpoolErrorCode;
  constructor(code: AttnpoolErrorCode, message: string) {
    super(message);
    this.name = 'AttnpoolError';
    this.code = code;
  }
}
