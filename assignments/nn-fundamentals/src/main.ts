/**
 * `npm run -w @course/assignment-nn-fundamentals start [-- --out DIR]`:
 * computes every reference answer, prints it with its working, and writes
 * references.json, answers.json and references.md to DIR (default ./output, in the folder
 * npm was started from).
 */
import { pathToFileURL } from 'node:url';
import { selectBackend } from '@course/models';
import { type CourseIO, fromInvocationDir, parseScriptArgs, reportCommandError } from '@course/trainer';
import { computeReferences, fmt } from './references.js';
import { writeReferences } from './report.js';

/** Where the script writes: the kit's CourseIO (tests pass their own). */
export type Io = CourseIO;

const USAGE = 'usage: nn-fundamentals [--out DIR] (default ./output)';

/** Runs the script; returns the exit code (0, 2 for bad usage, 1 internal). */
export async function main(argv: string[], io: Io): Promise<number> {
  try {
    const values = parseScriptArgs(
      argv,
      { out: { type: 'string', short: 'o' }, help: { type: 'boolean', short: 'h' } },
      USAGE,
    );
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
    // Like any relative --out: from where npm was started (npm -w runs us in the assignment folder).
    const out = fromInvocationDir(values.out ?? 'output');
    for (const path of writeReferences(refs, out)) io.stderr.write(`wrote ${path}\n`);
    return 0;
  } catch (err) {
    return reportCommandError(err, io.stderr);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2), process);
}
