import { InvalidArgumentError } from 'commander';

/** commander argument parsers that reject anything but a well-formed number. */
export function integerArg(min: number): (text: string) => number {
  return (text) => {
    const v = Number(text);
    if (text.trim() === '' || !Number.isInteger(v) || v < min) {
      throw new InvalidArgumentError(`expected an integer >= ${min}, got "${text}"`);
    }
    return v;
  };
}

export function numberArg(min: number): (text: string) => number {
  return (text) => {
    const v = Number(text);
    if (text.trim() === '' || !Number.isFinite(v) || v < min) {
      throw new InvalidArgumentError(`expected a finite number >= ${min}, got "${text}"`);
    }
    return v;
  };
}
