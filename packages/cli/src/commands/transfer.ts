/**
 * `course transfer`: fit how a hyperparameter (e.g. the best max LR) changes
 * with scale, from a CSV of measured points, and extrapolate it to a target
 * scale with a bootstrap 95% interval (all the work is @course/trainer's
 * fitTransfer; see its file comment for the model selection and the bootstrap).
 */

import { InputError } from '@course/models';
import {
  type CourseIO,
  DEFAULT_TRANSFER_RESAMPLES,
  DEFAULT_TRANSFER_SEED,
  finiteNumber,
  fitTransfer,
  formatTransfer,
  integerIn,
  println,
  readTransferCsv,
  SWEEP_SCALES,
  type SweepScale,
  sweepBestPoints,
  TRANSFER_FAMILIES,
  type TransferFamily,
  transferJson,
  writeTransferPlot,
} from '@course/trainer';
import { type Command, Option } from 'commander';

interface TransferFlags {
  csv?: string;
  sweeps?: string[];
  x: string;
  y?: string;
  target: number;
  family: TransferFamily | 'auto';
  json?: boolean;
  plot?: string;
  resamples: number;
  seed: number;
}

/** The points of --csv (columns --x, --y) or of --sweeps (scale --x, the best LR). */
function transferPoints(flags: TransferFlags): {
  points: { x: number; y: number }[];
  source: string;
  y: string;
} {
  if ((flags.csv === undefined) === (flags.sweeps === undefined)) {
    throw new InputError(
      `--csv/--sweeps: found ${flags.csv ? 'both' : 'neither'}, expected one: a CSV file or sweep folders`,
    );
  }
  if (flags.sweeps) {
    if (!(SWEEP_SCALES as readonly string[]).includes(flags.x))
      throw new InputError(`--x: found ${flags.x}, expected with --sweeps one of ${SWEEP_SCALES.join(', ')}`);
    if (flags.y !== undefined && flags.y !== 'lr')
      throw new InputError(`--y: found ${flags.y}, expected lr (or nothing) with --sweeps`);
    return {
      points: sweepBestPoints(flags.sweeps, flags.x as SweepScale),
      source: flags.sweeps.join(' '),
      y: 'lr',
    };
  }
  if (flags.y === undefined)
    throw new InputError('--y: missing, expected the CSV column of the value to transfer');
  return {
    points: readTransferCsv(flags.csv as string, flags.x, flags.y),
    source: flags.csv as string,
    y: flags.y,
  };
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
    .option('--csv <file>', 'CSV file with a header row (e.g. course table --format csv, or your own)')
    .option(
      '--sweeps <dir...>',
      `course sweep folders: their best LR per scale (sweep.json) are the points; --x one of ${SWEEP_SCALES.join(', ')}`,
    )
    .requiredOption('--x <column>', 'column of the scale (steps, width, tokens, …), or the scale of --sweeps')
    .option('--y <column>', 'column of the value to transfer (e.g. the best max LR); with --sweeps: lr')
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
  course transfer --sweeps sweeps/c64 sweeps/c128 sweeps/c256 --x channels --target 768`,
    )
    .action(async (flags: TransferFlags) => {
      const { points, source, y } = transferPoints(flags);
      const result = fitTransfer(points, {
        family: flags.family,
        target: flags.target,
        resamples: flags.resamples,
        seed: flags.seed,
        source,
        xName: flags.x,
        yName: y,
      });
      if (flags.plot) {
        await writeTransferPlot(points, result, flags.plot, { xTitle: flags.x, yTitle: y });
      }
      if (flags.json) println(io.stdout, JSON.stringify(transferJson(result)));
      else for (const line of formatTransfer(result, flags.x, y)) println(io.stdout, line);
      if (flags.plot) println(io.stderr, `wrote ${flags.plot}`);
    });
}
