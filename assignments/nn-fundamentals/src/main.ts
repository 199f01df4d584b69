/**
 * `npm run -w @course/assignment-nn-fundamentals start [-- --out DIR]`:
 * computes every reference answer, prints it with its working, and writes
 * references.json, answers.json and references.md to DIR (default ./output).
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { InputError, reportError, selectBackend } from '@course/models';
import { computeReferences, fmt } from './references.js';
import { writeReferences } from './report.js';

export interface Io {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
}

const USAGE = 'usage: nn-fundamentals [--out DIR] (default ./output)';

/**
 * A path the user typed, from the folder they typed it in: `npm run -w …` runs this
 * script in the assignment's folder but records where npm was started in INIT_CWD.
 * Defaults stay relative to the assignment's folder.
 */
export function fromInvocationDir(path: string): string {
  return resolve(process.env.INIT_CWD ?? process.cwd(), path);
}

/** Runs the script; returns the exit code (0, 2 for bad usage, 1 internal). */
export async function main(argv: string[], io: Io): Promise<number> {
  try {
    let values: { out?: string; help?: boolean };
    try {
      ({ values } = parseArgs({
        args: argv,
        options: { out: { type: 'string', short: 'o' }, help: { type: 'boolean', short: 'h' } },
      }));
    } catch (err) {
      throw new InputError(`${(err as Error).message}\n${USAGE}`);
    }
    if (values.help) {
      io.stdout.write(`${USAGE}\n`);
      return 0;
    }
    // The network is tiny: the pure-JS backend is exact enough and deterministic.
    await selectBackend('cpu');
    const refs = computeReferences();
    const width = Math.max(...refs.map((r) => r.id.length));
    for (const r of refs) {
      const value = `${fmt(r.value)}${r.unit ? ` ${r.unit}` : ''}`;
      io.stdout.write(`${r.id.padEnd(width)}  ${r.question}: ${value}    (${r.working})\n`);
    }
    const out = values.out === undefined ? 'output' : fromInvocationDir(values.out);
    for (const path of writeReferences(refs, out)) io.stderr.write(`wrote ${path}\n`);
    return 0;
  } catch (err) {
    return reportError(err, (line) => io.stderr.write(`${line}\n`));
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2), process);
}
