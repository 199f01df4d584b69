/**
 * `npm run -w @course/assignment-sequence-models start [-- OPTIONS]`: trains
 * the RNN and LSTM sentiment classifiers, runs the gradient experiments and the
 * attention worked example, and writes every table and plot to --out.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { InputError, parseBackendChoice, reportError, selectBackend } from '@course/models';
import { attentionMarkdown } from './attention.js';
import { DEFAULT_RUN_OPTIONS, runSequenceModels } from './run.js';

export interface Io {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
}

const USAGE = `usage: sequence-models [--out DIR] [--epochs N] [--limit N] [--backend auto|tensorflow-gpu|tensorflow|wasm|cpu]
  --out DIR      where tables, plots and results.json go (default ./output)
  --epochs N     epochs per classifier (default ${DEFAULT_RUN_OPTIONS.sentiment.epochs})
  --limit N      use only N sentences (default: all 3,000)
  --backend B    tfjs backend (default: COURSE_BACKEND or auto)`;

function positiveInteger(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new InputError(`${flag}: found "${value}", expected an integer ≥ 1`);
  return n;
}

/**
 * A path the user typed, from the folder they typed it in: `npm run -w …` runs this
 * script in the assignment's folder but records where npm was started in INIT_CWD.
 * Defaults stay relative to the assignment's folder.
 */
export function fromInvocationDir(path: string): string {
  return resolve(process.env.INIT_CWD ?? process.cwd(), path);
}

export async function main(argv: string[], io: Io): Promise<number> {
  const log = (line: string) => io.stderr.write(`${line}\n`);
  try {
    let values: { out?: string; epochs?: string; limit?: string; backend?: string; help?: boolean };
    try {
      ({ values } = parseArgs({
        args: argv,
        options: {
          out: { type: 'string', short: 'o' },
          epochs: { type: 'string' },
          limit: { type: 'string' },
          backend: { type: 'string' },
          help: { type: 'boolean', short: 'h' },
        },
      }));
    } catch (err) {
      throw new InputError(`${(err as Error).message}\n${USAGE}`);
    }
    if (values.help) {
      io.stdout.write(`${USAGE}\n`);
      return 0;
    }
    const epochs = positiveInteger('--epochs', values.epochs) ?? DEFAULT_RUN_OPTIONS.sentiment.epochs;
    const limit = positiveInteger('--limit', values.limit);
    if (limit !== undefined && limit < 20)
      throw new InputError(`--limit: found ${limit}, expected at least 20`);
    // selectBackend logs the backend it chose and why
    await selectBackend(parseBackendChoice(values.backend ?? (process.env.COURSE_BACKEND || 'auto')), {
      log,
    });
    const start = performance.now();
    const results = await runSequenceModels({
      ...DEFAULT_RUN_OPTIONS,
      sentiment: { ...DEFAULT_RUN_OPTIONS.sentiment, epochs },
      limit,
      out: values.out === undefined ? 'output' : fromInvocationDir(values.out),
      log,
    });
    io.stdout.write(`${attentionMarkdown(results.attention)}\n`);
    for (const path of results.files) log(`wrote ${path}`);
    log(`total ${((performance.now() - start) / 1000).toFixed(1)} s`);
    return 0;
  } catch (err) {
    return reportError(err, log);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2), process);
}
