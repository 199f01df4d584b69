/**
 * `npm run -w @course/assignment-sequence-models start [-- OPTIONS]`: trains
 * the RNN and LSTM sentiment classifiers, runs the gradient experiments and the
 * attention worked example, and writes every table and plot to --out.
 */
import { pathToFileURL } from 'node:url';
import { InputError, resolveBackendChoice, selectBackend } from '@course/models';
import {
  type CourseIO,
  fromInvocationDir,
  parseScriptArgs,
  positiveIntegerFlag,
  reportCommandError,
} from '@course/trainer';
import { attentionMarkdown } from './attention.js';
import { DEFAULT_RUN_OPTIONS, runSequenceModels } from './run.js';

/** Where the script writes: the kit's CourseIO (tests pass their own). */
export type Io = CourseIO;

const USAGE = `usage: sequence-models [--out DIR] [--epochs N] [--limit N] [--backend auto|tensorflow-gpu|webgpu|tensorflow|native|wasm|cpu]
  --out DIR      where tables, plots and results.json go (default ./output)
  --epochs N     epochs per classifier (default ${DEFAULT_RUN_OPTIONS.sentiment.epochs})
  --limit N      use only N sentences (default: all 3,000)
  --backend B    tfjs backend (default: env COURSE_BACKEND, else auto)`;

export async function main(argv: string[], io: Io): Promise<number> {
  const log = (line: string) => io.stderr.write(`${line}\n`);
  try {
    const values = parseScriptArgs(
      argv,
      {
        out: { type: 'string', short: 'o' },
        epochs: { type: 'string' },
        limit: { type: 'string' },
        backend: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      USAGE,
    );
    if (values.help) {
      io.stdout.write(`${USAGE}\n`);
      return 0;
    }
    const epochs = positiveIntegerFlag('--epochs', values.epochs) ?? DEFAULT_RUN_OPTIONS.sentiment.epochs;
    const limit = positiveIntegerFlag('--limit', values.limit);
    if (limit !== undefined && limit < 20)
      throw new InputError(`--limit: found ${limit}, expected at least 20`);
    // selectBackend logs the backend it chose and why
    await selectBackend(resolveBackendChoice(values.backend), { log });
    const start = performance.now();
    const results = await runSequenceModels({
      ...DEFAULT_RUN_OPTIONS,
      sentiment: { ...DEFAULT_RUN_OPTIONS.sentiment, epochs },
      limit,
      // Like any relative --out: from where npm was started (npm -w runs us in the assignment folder).
      out: fromInvocationDir(values.out ?? 'output'),
      log,
    });
    io.stdout.write(`${attentionMarkdown(results.attention)}\n`);
    for (const path of results.files) log(`wrote ${path}`);
    log(`total ${((performance.now() - start) / 1000).toFixed(1)} s`);
    return 0;
  } catch (err) {
    return reportCommandError(err, io.stderr);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2), process);
}
