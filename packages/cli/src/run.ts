/**
 * `course`: one command for students. This file only builds the command tree
 * and turns the outcome into an exit code; every command's work is done by
 * @course/models and @course/trainer.
 */

import { type CourseIO, courseProgram, processIO, runProgram } from '@course/trainer';
import type { Command } from 'commander';
import { registerBert } from './commands/bert.js';
import { registerBudget } from './commands/budget.js';
import { registerCheck } from './commands/check.js';
import { registerData } from './commands/data.js';
import { registerEval } from './commands/eval.js';
import { registerParams } from './commands/params.js';
import { registerReport } from './commands/report.js';
import { registerSample } from './commands/sample.js';
import { registerSweep } from './commands/sweep.js';
import { registerTransfer } from './commands/transfer.js';

/** A fresh command tree (commander keeps parsed values on it, so one per run). */
function buildProgram(io: CourseIO): Command {
  // Its settings (output to io, exit codes instead of exiting) are inherited by every subcommand created below.
  const program = courseProgram('course', io).description(
    'Machine-learning course toolkit: data, evaluation, plots and tables of runs, parameter counts, budgets, sampling.',
  );
  program.addHelpText(
    'after',
    `
Examples:
  course data default                      build the bundled State of the Union shards, print their paths
  course params gpt2 --depth 6 --channels 384 --heads 6
  course eval --checkpoint log/model_00005000.bin --val 'data/*_val_*.bin' --hellaswag data/hellaswag_val.bin
  course table log_lr* --format csv > tuning.csv

Run 'course <command> --help' for a command's flags and defaults.
Exit codes: 0 ok, 2 bad usage or input, 3 stopped by a budget, 1 internal error.`,
  );
  registerData(program, io);
  registerEval(program, io);
  registerParams(program, io);
  registerReport(program, io);
  registerBudget(program, io);
  registerSample(program, io);
  registerCheck(program, io);
  registerSweep(program, io);
  registerTransfer(program, io);
  registerBert(program, io);
  return program;
}

/** Runs `course` with `argv` (the arguments after `course`) and returns the exit code. */
export function runCourse(argv: string[], io: CourseIO = processIO): Promise<number> {
  return runProgram(() => buildProgram(io), argv, io);
}
