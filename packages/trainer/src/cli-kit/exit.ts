/**
 * Exit codes (every bin): 0 success, 2 bad usage or bad input, 3 a budget
 * stopped it, 1 internal error. User errors print one message, never a stack.
 */
import { CommanderError } from 'commander';
import { reportTrainError } from '../train.js';
import { type Output, println } from './io.js';

export const EXIT_OK = 0;
export const EXIT_INTERNAL = 1;
export const EXIT_USAGE = 2;
export const EXIT_BUDGET = 3;

/**
 * Prints what went wrong (if it is not printed already) and returns the exit code:
 * - CourseError (InputError 2, BudgetError 3) and bugs (1): as models' reportError;
 *   a training run stopped by SIGINT/SIGTERM as train_gpt2cu does: 130/143.
 * - CommanderError: commander has already printed its usage error (or the help
 *   the user asked for); --help and --version are 0, every usage error is 2
 *   (commander itself would use 1, which we reserve for internal errors).
 */
export function reportCommandError(error: unknown, stderr: Output): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
  return reportTrainError(error, (line) => println(stderr, line));
}

/** Runs `body` and returns the exit code: 0 when it resolves, else reportCommandError's. */
export async function exitCodeOf(body: () => Promise<unknown>, stderr: Output): Promise<number> {
  try {
    await body();
    return EXIT_OK;
  } catch (error) {
    return reportCommandError(error, stderr);
  }
}
