/**
 * `course sweep --plan`: what a sweep will run and what it will cost, before
 * anything runs.
 *
 *   grid              every combination of the `values` lists, in key order (the last key varies fastest)
 *   random            `samples` draws, each key independently: a uniform pick from `values`, or
 *                     log-uniform in [low, high] (exp of a uniform in [ln low, ln high]) from a
 *                     seeded MT19937 (24-bit uniforms)
 *   greedy-doubling   the handout's strategy 1: no warmup, LR = start_lr·2^k for k = 0, 1, … until
 *                     the loss diverges (at most max_doublings, default 8), then `fractions` (default
 *                     0.5, 0.25) of the first divergent LR; the plan prices the longest case
 *   successive-halving one bracket (hyperband.ts)
 *   hyperband         every bracket s = s_max … 0 (hyperband.ts)
 *
 * Steps: grid/random/greedy trials each run `steps` (or their own `steps` from the space); a
 * bracket trains Σ n_i·(r_i − r_(i−1)) steps since promoted trials continue from their checkpoints.
 * Cost: steps × the cost of one step, which is `usd_per_step`, or the trainer's cost-probe
 * projection (cost.ts: ms × steps / 3.6e6 h × rate, default $1.50/h) with every step at `ms_per_step`,
 * plus, with `ms_per_stage`, trial runs × (ms_per_stage / 3.6e6 h × rate): what each train_gpt2cu
 * run spends besides its steps (start-up, evaluations, checkpoints), which dominates short rungs.
 * Every trial is priced at that one per-step cost: trials of another shape (depth, channels) cost
 * differently, which the plan does not know.
 */
import { InputError, MT19937 } from '@course/models';
import { DEFAULT_RATE_USD_PER_HOUR, formatUsd, PROBE_LAST_STEP, probeCost } from '../cost.js';
import {
  type Bracket,
  bracketSteps,
  bracketStepsFromScratch,
  hyperbandBrackets,
  maxBracket,
  successiveHalving,
} from './hyperband.js';
import type { SweepStrategy } from './schema.js';

export const DEFAULT_ETA = 3;
export const DEFAULT_MAX_DOUBLINGS = 8;
export const DEFAULT_FRACTIONS = [0.5, 0.25];

export type SpaceEntry = { values: number[] } | { log_uniform: [number, number] };

/** A checked sweep config (schema.ts), or one made from flags alone. */
export interface SweepConfig {
  strategy: SweepStrategy;
  base?: Record<string, string | number | boolean>;
  space?: Record<string, SpaceEntry>;
  steps?: number;
  samples?: number;
  seed?: number;
  max_r?: number;
  eta?: number;
  n?: number;
  s?: number;
  start_lr?: number;
  max_doublings?: number;
  fractions?: number[];
  usd_per_step?: number;
  ms_per_step?: number;
  /** Wall time of one trial run besides its steps (start-up, evaluations, checkpoints). */
  ms_per_stage?: number;
  rate_usd_per_hour?: number;
}

export interface PlannedTrial {
  /** 1-based. */
  id: number;
  params: Record<string, number>;
  steps: number;
  /** For greedy-doubling's fraction trials: "0.5 × the first divergent LR". */
  note?: string;
}

export interface SweepPlan {
  strategy: SweepStrategy;
  /** Successive halving and Hyperband; empty for the others. */
  brackets: Bracket[];
  /** Configurations tried (Hyperband: Σ over brackets of rung 0's n). */
  trials: number;
  /** Grid, random and greedy-doubling list their trials; empty for bracket strategies. */
  trialList: PlannedTrial[];
  /** Steps trained, promoted trials continuing from their checkpoints. */
  steps: number;
  /** Steps if every rung restarted from step 0 (= steps without brackets). */
  stepsFromScratch: number;
  usdPerStep: number | null;
  /** Trial runs (a bracket's rung i is n_i runs; a listed trial is one). */
  stages: number;
  /** What one trial run costs besides its steps (ms_per_stage at the rate; 0 without it). */
  usdPerStage: number;
  projectedUsd: number | null;
  /** True when the plan prices the longest case (greedy-doubling). */
  atMost: boolean;
  /** R and η of bracket strategies. */
  maxR?: number;
  eta?: number;
}

/** The cost of one step in USD, or null when neither usd_per_step nor ms_per_step is given. */
export function usdPerStep(
  config: Pick<SweepConfig, 'usd_per_step' | 'ms_per_step' | 'rate_usd_per_hour'>,
): number | null {
  if (config.usd_per_step !== undefined) return config.usd_per_step;
  if (config.ms_per_step === undefined) return null;
  const stepMs = new Array<number>(PROBE_LAST_STEP + 1).fill(config.ms_per_step);
  return probeCost(stepMs, { steps: 1, ratePerHour: config.rate_usd_per_hour ?? DEFAULT_RATE_USD_PER_HOUR })
    .costUsd;
}

/** ms_per_stage at the rate, in USD (0 without it). */
export function usdPerStage(config: Pick<SweepConfig, 'ms_per_stage' | 'rate_usd_per_hour'>): number {
  return ((config.ms_per_stage ?? 0) / 3.6e6) * (config.rate_usd_per_hour ?? DEFAULT_RATE_USD_PER_HOUR);
}

/** The plan of `config` (`where` names the config file or the flags in errors). */
export function planSweep(config: SweepConfig, where = 'sweep'): SweepPlan {
  const perStep = usdPerStep(config);
  const perStage = usdPerStage(config);
  // projected = steps × USD per step + trial runs × USD per run (start-up, evaluations, checkpoints)
  const priced = (steps: number, stepsFromScratch: number, stages: number) => ({
    steps,
    stepsFromScratch,
    usdPerStep: perStep,
    stages,
    usdPerStage: perStage,
    projectedUsd: perStep === null ? null : steps * perStep + stages * perStage,
  });
  const { strategy } = config;
  if (strategy === 'hyperband' || strategy === 'successive-halving') {
    if (config.max_r === undefined)
      throw new InputError(`${where}: max_r: missing, expected R, the steps of the longest rung (--max-r)`);
    const eta = config.eta ?? DEFAULT_ETA;
    const brackets =
      strategy === 'hyperband'
        ? hyperbandBrackets(config.max_r, eta, where)
        : [successiveHalving(config.max_r, eta, { s: config.s, n: config.n }, where)];
    const steps = brackets.reduce((a, b) => a + bracketSteps(b), 0);
    const fromScratch = brackets.reduce((a, b) => a + bracketStepsFromScratch(b), 0);
    return {
      strategy,
      brackets,
      trials: brackets.reduce((a, b) => a + b.rungs[0].n, 0),
      trialList: [],
      ...priced(
        steps,
        fromScratch,
        brackets.reduce((a, b) => a + b.rungs.reduce((c, r) => c + r.n, 0), 0),
      ),
      atMost: false,
      maxR: config.max_r,
      eta,
    };
  }
  const trialList =
    strategy === 'grid'
      ? gridTrials(config, where)
      : strategy === 'random'
        ? randomTrials(config, where)
        : greedyTrials(config, where);
  const steps = trialList.reduce((a, t) => a + t.steps, 0);
  return {
    strategy,
    brackets: [],
    trials: trialList.length,
    trialList,
    ...priced(steps, steps, trialList.length),
    atMost: strategy === 'greedy-doubling',
  };
}

function requireField<K extends keyof SweepConfig>(
  config: SweepConfig,
  key: K,
  where: string,
  what: string,
): NonNullable<SweepConfig[K]> {
  const v = config[key];
  if (v === undefined)
    throw new InputError(`${where}: ${key}: missing, expected ${what} for the ${config.strategy} strategy`);
  return v as NonNullable<SweepConfig[K]>;
}

function trialSteps(params: Record<string, number>, config: SweepConfig, where: string): number {
  return params.steps ?? requireField(config, 'steps', where, 'the steps per trial');
}

/** Every combination of the values lists, the last key varying fastest. */
function gridTrials(config: SweepConfig, where: string): PlannedTrial[] {
  const space = requireField(config, 'space', where, 'a search space');
  let combos: Record<string, number>[] = [{}];
  for (const [key, entry] of Object.entries(space)) {
    if (!('values' in entry)) {
      throw new InputError(`${where}: /space/${key}: found log_uniform, expected a values list for a grid`);
    }
    combos = combos.flatMap((c) => entry.values.map((v) => ({ ...c, [key]: v })));
  }
  return combos.map((params, i) => ({ id: i + 1, params, steps: trialSteps(params, config, where) }));
}

/** `samples` seeded draws (file comment). */
function randomTrials(config: SweepConfig, where: string): PlannedTrial[] {
  const space = requireField(config, 'space', where, 'a search space');
  const samples = requireField(config, 'samples', where, 'the number of trials');
  for (const [key, entry] of Object.entries(space)) {
    if ('log_uniform' in entry && !(entry.log_uniform[0] < entry.log_uniform[1])) {
      throw new InputError(
        `${where}: /space/${key}/log_uniform: found [${entry.log_uniform.join(', ')}], expected low < high`,
      );
    }
  }
  const rng = new MT19937(config.seed ?? 0);
  const trials: PlannedTrial[] = [];
  for (let i = 0; i < samples; i++) {
    const params: Record<string, number> = {};
    for (const [key, entry] of Object.entries(space)) {
      const u = rng.randFloat32();
      if ('values' in entry) params[key] = entry.values[Math.floor(u * entry.values.length)];
      else {
        const [lo, hi] = entry.log_uniform.map(Math.log);
        params[key] = Math.exp(lo + u * (hi - lo));
      }
    }
    trials.push({ id: i + 1, params, steps: trialSteps(params, config, where) });
  }
  return trials;
}

/** Doublings of start_lr, then fractions of the divergent LR: the longest case. */
function greedyTrials(config: SweepConfig, where: string): PlannedTrial[] {
  const steps = requireField(config, 'steps', where, 'the steps per trial');
  const start = requireField(config, 'start_lr', where, 'the first LR');
  const doublings = config.max_doublings ?? DEFAULT_MAX_DOUBLINGS;
  const trials: PlannedTrial[] = [];
  for (let k = 0; k <= doublings; k++) trials.push({ id: k + 1, params: { lr: start * 2 ** k }, steps });
  for (const f of config.fractions ?? DEFAULT_FRACTIONS) {
    trials.push({ id: trials.length + 1, params: {}, steps, note: `${f} × the first LR that diverges` });
  }
  return trials;
}

/** The --json object: strategy, brackets, trials, projected_usd (issue #12), plus steps and, where listed, trial_list. */
export function sweepPlanJson(plan: SweepPlan): object {
  return {
    strategy: plan.strategy,
    brackets: plan.brackets.map((b) => ({ s: b.s, rungs: b.rungs.map((r) => ({ n: r.n, r: r.r })) })),
    trials: plan.trials,
    projected_usd: plan.projectedUsd,
    steps: plan.steps,
    stages: plan.stages,
    ...(plan.trialList.length > 0
      ? {
          trial_list: plan.trialList.map((t) => ({
            id: t.id,
            params: t.params,
            steps: t.steps,
            ...(t.note ? { note: t.note } : {}),
          })),
        }
      : {}),
  };
}

const num = (v: number) => Number(v.toPrecision(4)).toString();

/** The plan for a person: brackets or trials, steps, and the cost. */
export function formatSweepPlan(plan: SweepPlan): string[] {
  const lines: string[] = [];
  if (plan.brackets.length > 0) {
    const sMax = maxBracket(plan.maxR as number, plan.eta as number);
    lines.push(
      `strategy: ${plan.strategy} (R = ${plan.maxR} steps, η = ${plan.eta}, s_max = ⌊log_${plan.eta} ${plan.maxR}⌋ = ${sMax})`,
    );
    for (const b of plan.brackets) {
      const rungs = b.rungs.map((r) => `${r.n} × ${r.r}`).join(', ');
      lines.push(`bracket s = ${b.s}: trials × steps per rung: ${rungs} (${bracketSteps(b)} steps)`);
    }
    lines.push(
      `trials: ${plan.trials} configurations, ${plan.steps} steps (promoted trials continue from their ` +
        `checkpoints; ${plan.stepsFromScratch} if each rung restarted, ${plan.stepsFromScratch - plan.steps} saved)`,
    );
  } else {
    lines.push(`strategy: ${plan.strategy}`);
    for (const t of plan.trialList) {
      const params = Object.entries(t.params)
        .map(([k, v]) => `${k} ${num(v)}`)
        .join(', ');
      lines.push(`trial ${t.id}: ${[params, t.note].filter(Boolean).join(', ')}: ${t.steps} steps`);
    }
    lines.push(
      `trials: ${plan.trials}${plan.atMost ? ' at most' : ''}, ${plan.steps} steps${plan.atMost ? ' at most' : ''}`,
    );
  }
  if (plan.projectedUsd === null || plan.usdPerStep === null) {
    lines.push(
      'projected cost: unknown: give --usd-per-step, or --ms-per-step (e.g. the slowest step of a cost probe)',
    );
  } else {
    const runs =
      plan.usdPerStage > 0 ? ` + ${plan.stages} trial runs × ${formatUsd(plan.usdPerStage)}/run` : '';
    lines.push(
      `projected cost: ${plan.steps} steps × ${formatUsd(plan.usdPerStep)}/step${runs} = ${plan.atMost ? 'at most ' : ''}${formatUsd(plan.projectedUsd)}`,
    );
  }
  return lines;
}
