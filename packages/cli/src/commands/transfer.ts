/**
 * `course transfer`: fit how a hyperparameter (e.g. the best max LR) changes
 * with scale, from a CSV of measured points, and extrapolate it to a target
 * scale with a bootstrap 95% interval (all the work is @course/trainer's
 * fitTransfer; see its file comment for the model selection and the bootstrap).
 */
import {
  DEFAULT_TRANSFER_RESAMPLES,
  DEFAULT_TRANSFER_SEED,
  fitTransfer,
  formatTransfer,
  readTransferCsv,
  TRANSFER_FAMILIES,
  type TransferFamily,
  transferJson,
  writeTransferPlot,
} from '@course/trainer';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { integerIn } from '../flags.js';
import { type CourseIO, println } from '../io.js';

interface TransferFlags {
  csv: string;
  x: string;
  y: string;
  target: number;
  family: TransferFamily | 'auto';
  json?: boolean;
  plot?: string;
  resamples: number;
  seed: number;
}

function finiteNumber(value: string): number {
  const x = Number(value);
  if (value.trim() === '' || !Number.isFinite(x)) throw new InvalidArgumentError('expected a finite number');
  return x;
}

export function registerTransfer(program: Command, io: CourseIO): void {
  program
    .command('transfer')
    .summary('fit a hyperparameter across scales (power law, …) and extrapolate it to a target scale')
    .description(
      "Fit the handout's transfer families to (x, y) points of a CSV file: constant (y = a), linear " +
        '(y = a + b·x), power (y = a·x^b, a line in log-log), exponential (y = a·e^(b·x)) and log ' +
        '(y = a + b·ln x). auto picks the smallest leave-one-out error. Coefficients and the prediction ' +
        'at --target come with 95% intervals from a studentized residual bootstrap (seeded).',
    )
    .requiredOption(
      '--csv <file>',
      'CSV file with a header row (e.g. course table --format csv, or your own)',
    )
    .requiredOption('--x <column>', 'column of the scale (steps, width, tokens, …)')
    .requiredOption('--y <column>', 'column of the value to transfer (e.g. the best max LR)')
    .requiredOption('--target <value>', 'the scale to predict at', finiteNumber)
    .addOption(
      new Option('--family <name>', 'hypothesis family; auto: smallest leave-one-out error')
        .choices(['auto', ...TRANSFER_FAMILIES])
        .default('auto'),
    )
    .option(
      '--json',
      'print one JSON object: family, params, params_interval, prediction, interval, families',
    )
    .option('--plot <file>', 'also plot points, fits and the extrapolation: .svg or .png')
    .option('--resamples <n>', 'bootstrap resamples', integerIn(1, 1_000_000), DEFAULT_TRANSFER_RESAMPLES)
    .option('--seed <n>', 'bootstrap seed', integerIn(0, 2 ** 32 - 1), DEFAULT_TRANSFER_SEED)
    .addHelpText(
      'after',
      `
Example:
  course transfer --csv best_lr.csv --x width --y lr --target 768 --plot transfer.png

--sweeps DIR… (read the best LR per scale from course sweep folders) is not implemented yet.`,
    )
    .action(async (flags: TransferFlags) => {
      const points = readTransferCsv(flags.csv, flags.x, flags.y);
      const result = fitTransfer(points, {
        family: flags.family,
        target: flags.target,
        resamples: flags.resamples,
        seed: flags.seed,
        source: flags.csv,
        xName: flags.x,
        yName: flags.y,
      });
      if (flags.plot) {
        await writeTransferPlot(points, result, flags.plot, { xTitle: flags.x, yTitle: flags.y });
      }
      if (flags.json) println(io.stdout, JSON.stringify(transferJson(result)));
      else for (const line of formatTransfer(result, flags.x, flags.y)) println(io.stdout, line);
      if (flags.plot) println(io.stderr, `wrote ${flags.plot}`);
    });
}
