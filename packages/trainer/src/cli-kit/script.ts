/**
 * Flags of the assignments' scripts (`npm run -w @course/assignment-… start -- …`):
 * Node's parseArgs for the flags, the kit's value parsers for their values.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { InputError } from '@course/models';
import { integerIn, type ValueParser } from './values.js';

/** A script's flags: `--name VALUE` (string) or `--name` (boolean), optionally with a one-letter alias. */
export type ScriptFlags = Record<string, { type: 'string' | 'boolean'; short?: string }>;
/** What parseScriptArgs returns for `O`: each flag's value, undefined when not given. */
export type ScriptFlagValues<O extends ScriptFlags> = {
  [K in keyof O]?: O[K]['type'] extends 'boolean' ? boolean : string;
};

/** Node's strict parseArgs; an unknown or malformed flag is an InputError (exit 2) followed by `usage`. */
export function parseScriptArgs<O extends ScriptFlags>(
  argv: string[],
  options: O,
  usage: string,
): ScriptFlagValues<O> {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false })
      .values as ScriptFlagValues<O>;
  } catch (err) {
    throw new InputError(`${(err as Error).message}\n${usage}`);
  }
}

/**
 * `value` (a flag's text, undefined when the flag was not given) through one of the
 * kit's value parsers; a bad value is an InputError `FLAG: found "X", expected …`.
 */
export function scriptFlag<T>(flag: string, value: string | undefined, parse: ValueParser<T>): T | undefined {
  if (value === undefined) return undefined;
  try {
    return parse(value);
  } catch (err) {
    throw new InputError(`${flag}: found "${value}", ${(err as Error).message}`);
  }
}

/** The integer ≥ 1 given to `flag`, or undefined when the flag was not given. */
export function positiveIntegerFlag(flag: string, value: string | undefined): number | undefined {
  return scriptFlag(flag, value, integerIn(1));
}

/**
 * A path the user typed, from the folder they typed it in: `npm run -w …` runs a
 * script in the assignment's folder but records where npm was started in INIT_CWD.
 * Defaults stay relative to the assignment's folder.
 */
export function fromInvocationDir(path: string): string {
  return resolve(process.env.INIT_CWD ?? process.cwd(), path);
}
