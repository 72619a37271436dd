import { InvalidArgumentError } from 'commander';
import { decimalNumber } from '../args/numbers.js';

/**
 * commander argument parsers that reject anything but a well-formed decimal number (16, 2.5,
 * 1e9; never 0x10, 0o20, Infinity or a blank), within [min, max].
 */
export function integerArg(min: number, max = Number.MAX_SAFE_INTEGER): (text: string) => number {
  return (text) => {
    const v = decimalNumber(text);
    if (!Number.isInteger(v) || v < min || v > max) {
      throw new InvalidArgumentError(`expected a decimal integer >= ${min}${max < Number.MAX_SAFE_INTEGER ? ` and <= ${max}` : ''}, got "${text}"`);
    }
    return v;
  };
}

/** A finite decimal number >= min (> min when `exclusive`, with `why` saying why min itself is refused). */
export function numberArg(min: number, exclusive?: { why: string }): (text: string) => number {
  return (text) => {
    const v = decimalNumber(text);
    if (!Number.isFinite(v) || v < min) {
      throw new InvalidArgumentError(`expected a finite decimal number ${exclusive ? '>' : '>='} ${min}, got "${text}"`);
    }
    if (exclusive && v === min) throw new InvalidArgumentError(`expected a finite decimal number > ${min}, got "${text}": ${exclusive.why}`);
    return v;
  };
}
