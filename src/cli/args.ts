import { InvalidArgumentError } from 'commander';
import { parseDurationMs } from '../config';

/** Argument parsers shared by the command files; each names the flag in its error. */
export const int = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0)
    throw new InvalidArgumentError(`${name} must be a non-negative integer`);
  return n;
};

export const positive = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0)
    throw new InvalidArgumentError(`${name} must be a positive integer`);
  return n;
};

export const fraction = (v: string) => {
  const n = Number(v);
  if (!(n >= 0 && n < 1)) throw new InvalidArgumentError('must be in [0, 1)');
  return n;
};

export const durationArg = (v: string) => {
  try {
    return parseDurationMs(v);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
};
