/**
 * Errors a user can fix. Every bin catches these, prints the message (no stack
 * trace) and exits with `exitCode`: 2 for bad usage or bad input, 3 when a
 * budget stops the run. Anything else is an internal error (exit 1).
 */
export class CourseError extends Error {
  constructor(
    message: string,
    readonly exitCode: 2 | 3 = 2,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bad input: the message names the file, field or flag, what was found and what was expected. */
export class InputError extends CourseError {
  constructor(message: string) {
    super(message, 2);
  }
}

/** A budget (the ledger's dollars) stops the run. */
export class BudgetError extends CourseError {
  constructor(message: string) {
    super(message, 3);
  }
}

/** A file-format error: `file: field: found X, expected Y`. */
export function formatError(file: string, field: string, found: unknown, expected: string): InputError {
  return new InputError(`${file}: ${field}: found ${String(found)}, expected ${expected}`);
}

/**
 * The exit code for an error, after printing it the way every bin does: a
 * user's mistake (CourseError) as its message alone, anything else with its
 * stack (an internal error, exit 1).
 */
export function reportError(err: unknown, stderr: (line: string) => void = (l) => console.error(l)): number {
  if (err instanceof CourseError) {
    stderr(`error: ${err.message}`);
    return err.exitCode;
  }
  stderr(
    `internal error (please report it with the command line you ran): ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
  );
  return 1;
}
