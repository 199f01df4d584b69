/**
 * `course sweep --plan`: the trials, steps per rung and projected cost of a
 * sweep, before anything runs (the planning is @course/trainer's sweep/).
 * Running the trials is not implemented yet.
 */

import { InputError } from '@course/models';
import {
  DEFAULT_ETA,
  DEFAULT_RATE_USD_PER_HOUR,
  formatSweepPlan,
  loadSweepConfig,
  planSweep,
  SWEEP_STRATEGIES,
  type SweepConfig,
  type SweepStrategy,
  sweepPlanJson,
} from '@course/trainer';
import { type Command, Option } from 'commander';
import { integerIn, numberAtLeast } from '../flags.js';
import { type CourseIO, println } from '../io.js';

interface SweepFlags {
  config?: string;
  plan?: boolean;
  strategy?: SweepStrategy;
  maxR?: number;
  eta?: number;
  usdPerStep?: number;
  msPerStep?: number;
  rate?: number;
  json?: boolean;
}

/** The config file (if any) with the flags laid over it. */
function sweepConfig(flags: SweepFlags): { config: SweepConfig; where: string } {
  const where = flags.config ?? 'course sweep';
  let config: SweepConfig;
  if (flags.config) config = { ...loadSweepConfig(flags.config) };
  else if (flags.strategy === 'hyperband' || flags.strategy === 'successive-halving')
    config = { strategy: flags.strategy };
  else {
    throw new InputError(
      flags.strategy
        ? `--strategy ${flags.strategy}: found no --config, expected one (a ${flags.strategy} sweep needs its search space); only hyperband and successive-halving plan from flags alone`
        : '--config: missing, expected a sweep config file, or --strategy hyperband|successive-halving with --max-r',
    );
  }
  if (flags.strategy) config.strategy = flags.strategy;
  if (flags.maxR !== undefined) config.max_r = flags.maxR;
  if (flags.eta !== undefined) config.eta = flags.eta;
  if (flags.usdPerStep !== undefined) config.usd_per_step = flags.usdPerStep;
  if (flags.msPerStep !== undefined) config.ms_per_step = flags.msPerStep;
  if (flags.rate !== undefined) config.rate_usd_per_hour = flags.rate;
  return { config, where };
}

export function registerSweep(program: Command, io: CourseIO): void {
  program
    .command('sweep')
    .summary('plan a hyperparameter sweep (grid, random, greedy doubling, successive halving, Hyperband)')
    .description(
      'Print the trials, steps per rung and projected cost of a sweep (--plan). Running the trials ' +
        'is not implemented yet. With --strategy hyperband or successive-halving, --max-r alone is enough.',
    )
    .option('--config <file>', 'sweep config (JSON; strategy, base flags, search space, steps, …)')
    .option('--plan', 'print the plan, run nothing')
    .addOption(new Option('--strategy <name>', 'overrides the config').choices([...SWEEP_STRATEGIES]))
    .option('--max-r <steps>', 'R: steps of the longest rung (overrides the config)', integerIn(1))
    .option('--eta <n>', `η: keep 1/η of the trials per rung (default ${DEFAULT_ETA})`, integerIn(2))
    .option('--usd-per-step <usd>', 'cost of one training step', numberAtLeast(0))
    .option(
      '--ms-per-step <ms>',
      "time of one training step (e.g. a cost probe's slowest step), priced at --rate",
      numberAtLeast(0),
    )
    .option(
      '--rate <usd>',
      `USD per hour for --ms-per-step (default ${DEFAULT_RATE_USD_PER_HOUR})`,
      numberAtLeast(0),
    )
    .option(
      '--json',
      'print one JSON object: strategy, brackets, trials, projected_usd, steps (and trial_list)',
    )
    .addHelpText(
      'after',
      `
Example (the HW5 handout's Hyperband table):
  course sweep --plan --strategy hyperband --max-r 555 --eta 3 --ms-per-step 350`,
    )
    .action((flags: SweepFlags) => {
      if (!flags.plan) {
        throw new InputError(
          '--plan: missing; running a sweep is not implemented yet, only planning it (course sweep --plan …)',
        );
      }
      const { config, where } = sweepConfig(flags);
      const plan = planSweep(config, where);
      if (flags.json) println(io.stdout, JSON.stringify(sweepPlanJson(plan)));
      else for (const line of formatSweepPlan(plan)) println(io.stdout, line);
    });
}
