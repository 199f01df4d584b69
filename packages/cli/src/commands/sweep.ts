/**
 * `course sweep`: with --plan, the trials, steps per rung and projected cost of
 * a sweep, before anything runs; without, the sweep itself, trial after trial,
 * budget first and resumable (the work is @course/trainer's sweep/run.ts).
 */
import { dirname, join, parse as parsePath } from 'node:path';

import { BudgetError, InputError } from '@course/models';
import {
  DEFAULT_ETA,
  DEFAULT_RATE_USD_PER_HOUR,
  formatSweepPlan,
  loadSweepConfig,
  parallelCap,
  planSweep,
  runSweep,
  SWEEP_STRATEGIES,
  type SweepConfig,
  type SweepStrategy,
  sweepPlanJson,
} from '@course/trainer';
import { type Command, Option } from 'commander';

/** sweeps/grid.json → sweeps/grid (beside the config, named after it). */
export function defaultSweepDir(configPath: string): string {
  const p = parsePath(configPath);
  return join(dirname(configPath), p.ext === '' ? `${p.base}.sweep` : p.name);
}

import { backendOption, type CourseIO, integerIn, numberAtLeast, println } from '@course/trainer';

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
  out?: string;
  ledger: string;
  budgetUsd?: number;
  backend?: string;
  confirmUsd?: number;
  yes?: boolean;
  verbose?: boolean;
  parallel?: number;
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
    .summary(
      'plan or run a hyperparameter sweep (grid, random, greedy doubling, successive halving, Hyperband)',
    )
    .description(
      'With --plan: print the trials, steps per rung and projected cost of a sweep (with --strategy ' +
        'hyperband or successive-halving, --max-r alone is enough). Without: run the trials one after ' +
        'another (with --parallel N, up to N at once, each a process of its own), each a train_gpt2cu run folder under --out, state in --out/sweep.json; each trial is ' +
        'priced before it starts and not started when the ledger cannot afford it (exit 3). Run the same ' +
        'command again to resume: finished trials are skipped, an interrupted one continues from its ' +
        'last checkpoint. Ends with the tuning table (table.md), val loss (and HellaSwag) against LR (lr.svg), the best ' +
        'LR and the money spent.',
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
    .option('--out <dir>', 'sweep folder (default: beside the config, named after it)')
    .option('--ledger <file>', 'budget ledger', './budget.json')
    .option('--budget-usd <usd>', 'total budget in USD (saved in the ledger)', numberAtLeast(0))
    .addOption(backendOption('backend of the trials'))
    .option(
      '--confirm-usd <usd>',
      "run without --yes only when the plan costs at most this (default: the ledger's remainder)",
      numberAtLeast(0),
    )
    .option('--yes', 'run a plan projected over --confirm-usd')
    .option(
      '--parallel <n>',
      'run up to N trials at once, each a process of its own (capped by the cores and free memory; default 1: one after another in this process)',
      integerIn(1),
    )
    .option('--verbose', "print the trials' own output")
    .option(
      '--json',
      'print one JSON object: strategy, brackets, trials, projected_usd, steps (and trial_list)',
    )
    .addHelpText(
      'after',
      `
Example (the HW5 handout's Hyperband table):
  course sweep --plan --strategy hyperband --max-r 555 --eta 3 --ms-per-step 350
  course sweep --config sweeps/grid.json --ledger budget.json --budget-usd 20
  course sweep --config sweeps/grid.json --ledger budget.json --parallel 2

Exit codes: 0 done, 3 a trial the ledger could not afford was not started (the summary says what
was spent and what is left), 2 bad config, 130/143 interrupted (run the same command to resume).`,
    )
    .action(async (flags: SweepFlags) => {
      const { config, where } = sweepConfig(flags);
      if (flags.plan) {
        const plan = planSweep(config, where);
        if (flags.json) println(io.stdout, JSON.stringify(sweepPlanJson(plan)));
        else for (const line of formatSweepPlan(plan)) println(io.stdout, line);
        return;
      }
      if (!flags.config) throw new InputError('--config: missing, expected a sweep config file to run');
      const out = flags.out ?? defaultSweepDir(flags.config);
      const print = (line: string) => println(io.stdout, line);
      const cap = parallelCap(flags.parallel ?? 1);
      if (cap.message) print(cap.message);
      const outcome = await runSweep(config, {
        configPath: flags.config,
        outDir: out,
        ledgerPath: flags.ledger,
        budgetUsd: flags.budgetUsd,
        backend: flags.backend,
        confirmUsd: flags.confirmUsd,
        yes: flags.yes,
        parallel: cap.n,
        io: { log: print, warn: (line) => println(io.stderr, line) },
        trialIO: flags.verbose ? { log: print, warn: (line) => println(io.stderr, line) } : undefined,
      });
      if (outcome.exitCode === 3) throw new BudgetError(outcome.state.message ?? 'stopped by the budget');
    });
}
