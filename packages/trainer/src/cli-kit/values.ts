/**
 * Value parsers for commander options (and, through scriptFlag, the assignments'
 * flags). A bad value throws commander's InvalidArgumentError, which commander
 * turns into a usage error naming the flag (`error: option '-b <B>' argument 'x'
 * is invalid. expected ...`): exit 2.
 */
import { InvalidArgumentError } from 'commander';

export type ValueParser<T> = (value: string) => T;

/** An integer in [min, max]. */
export function integerIn(min: number, max = Number.MAX_SAFE_INTEGER): ValueParser<number> {
  const expected =
    max === Number.MAX_SAFE_INTEGER ? `an integer ≥ ${min}` : `an integer from ${min} to ${max}`;
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`expected ${expected}`);
    }
    return n;
  };
}

/** Comma-separated integers ≥ min, at least `minCount` of them: '33,512,10' -> [33, 512, 10]. */
export function integerList(min: number, minCount = 1): ValueParser<number[]> {
  return (value) => {
    const parts = value.split(',').map((p) => p.trim());
    const numbers = parts.map(Number);
    if (
      parts.length < minCount ||
      parts.some((p, i) => p === '' || !Number.isInteger(numbers[i]) || numbers[i] < min)
    ) {
      throw new InvalidArgumentError(
        `expected ${minCount} or more comma-separated integers ≥ ${min}, e.g. 33,512,10`,
      );
    }
    return numbers;
  };
}

/** A finite number in [min, max] (or (min, max] with `exclusiveMin`). */
export function numberIn(
  min: number,
  max = Number.POSITIVE_INFINITY,
  exclusiveMin = false,
): ValueParser<number> {
  const upper = max < Number.POSITIVE_INFINITY ? ` and ≤ ${max}` : '';
  return (value) => {
    const x = Number(value);
    if (value.trim() === '' || !Number.isFinite(x) || x < min || (exclusiveMin && x === min) || x > max) {
      throw new InvalidArgumentError(`expected a number ${exclusiveMin ? '>' : '≥'} ${min}${upper}`);
    }
    return x;
  };
}

/** A finite number in [min, ∞). */
export function numberAtLeast(min: number): ValueParser<number> {
  return numberIn(min);
}

/** Any finite number. */
export function finiteNumber(value: string): number {
  const x = Number(value);
  if (value.trim() === '' || !Number.isFinite(x)) throw new InvalidArgumentError('expected a finite number');
  return x;
}

/** -1 (the whole split) or a positive count of batches, as llm.c's -m. */
export function batchCount(value: string): number {
  return value.trim() === '-1' ? -1 : integerIn(1)(value);
}
