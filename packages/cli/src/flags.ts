/**
 * Value parsers for commander options. A bad value throws commander's
 * InvalidArgumentError, which commander turns into a usage error naming the
 * flag (`error: option '-b <B>' argument 'x' is invalid. expected ...`): exit 2.
 */
import { BACKEND_NAMES } from '@course/models';
import { InvalidArgumentError, Option } from 'commander';

/** An integer in [min, max]. */
export function integerIn(min: number, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
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
export function integerList(min: number, minCount = 1): (value: string) => number[] {
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

/** A finite number in [min, ∞). */
export function numberAtLeast(min: number): (value: string) => number {
  return (value) => {
    const x = Number(value);
    if (value.trim() === '' || !Number.isFinite(x) || x < min) {
      throw new InvalidArgumentError(`expected a number ≥ ${min}`);
    }
    return x;
  };
}

/** `--backend NAME` (env COURSE_BACKEND), shared by every command that runs a model. */
export function backendOption(): Option {
  return new Option('--backend <name>', 'TensorFlow.js backend; auto takes the fastest that runs here')
    .choices(['auto', ...BACKEND_NAMES])
    .default('auto')
    .env('COURSE_BACKEND');
}
