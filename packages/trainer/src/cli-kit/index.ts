/**
 * The command-line kit every bin and assignment script builds on: where output
 * goes, value parsers, --backend, commander programs, exit codes, script flags.
 */
export { backendOption } from './backend.js';
export {
  EXIT_BUDGET,
  EXIT_INTERNAL,
  EXIT_OK,
  EXIT_USAGE,
  exitCodeOf,
  reportCommandError,
} from './exit.js';
export { type CourseIO, type Output, println, processIO } from './io.js';
export { courseProgram, runProgram } from './program.js';
export {
  fromInvocationDir,
  parseScriptArgs,
  positiveIntegerFlag,
  type ScriptFlags,
  type ScriptFlagValues,
  scriptFlag,
} from './script.js';
export {
  batchCount,
  finiteNumber,
  integerIn,
  integerList,
  numberAtLeast,
  numberIn,
  type ValueParser,
} from './values.js';
