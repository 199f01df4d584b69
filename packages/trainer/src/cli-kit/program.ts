/** A commander program as every bin builds it, and running one to an exit code. */
import { Command } from 'commander';
import { exitCodeOf } from './exit.js';
import type { CourseIO } from './io.js';

/**
 * A program named `name` that writes to `io`, throws instead of exiting (runProgram
 * turns that into the exit code) and points to --help after a usage error.
 * Subcommands created from it inherit these settings.
 */
export function courseProgram(name: string, io: CourseIO): Command {
  return new Command(name)
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) })
    .showHelpAfterError('(add --help for usage)');
}

/**
 * Parses `argv` (the arguments after the command) with a fresh program from `build`
 * (commander keeps parsed values on it, so one per run), runs it and returns the exit code.
 */
export function runProgram(build: () => Command, argv: string[], io: CourseIO): Promise<number> {
  return exitCodeOf(() => build().parseAsync(argv, { from: 'user' }), io.stderr);
}
