import { expect } from 'vitest';
import { AttnpoolError, type AttnpoolErrorCode } from '../src/errors.js';

/**
 * The AttnpoolError that `call` throws, checked: it must throw one, with `code` when given and a
 * message matching `message` when given. Returned for further checks.
 */
export function expectAttnpoolError(call: () => unknown, code?: AttnpoolErrorCode, message?: RegExp, label?: string): AttnpoolError {
  let err: unknown;
  try {
    call();
  } catch (e) {
    err = e;
  }
  expect(err, label ?? 'an AttnpoolError').toBeInstanceOf(AttnpoolError);
  const e = err as AttnpoolError;
  if (code !== undefined) expect(e.code, label).toBe(code);
  if (message !== undefined) expect(e.message, label).toMatch(message);
  return e;
}
