/**
 * The HW5 handout's cost procedure, automated: run the first 20 steps, take
 * the slowest of steps 10..19 (the first steps include warm-up work: kernel
 * compilation, memory allocation), and project the whole run from it:
 *
 *   runtime hours = slowest ms × steps / 3.6e6
 *   cost USD      = runtime hours × rate (default $1.50/h, the handout's rounding
 *                   of an AWS g5.xlarge)
 *
 * Step numbers: the code counts updates from 0 (main.log's `s:10` is the 11th
 * update), while the console counts them from 1 as llm.c prints them (`step
 * 11/4725` is that same update). What a student reads, the probe's message,
 * uses the console's numbers and says which main.log line each is: the window
 * is steps 11-20 there, s:10-s:19 in main.log.
 */

export const DEFAULT_RATE_USD_PER_HOUR = 1.5;
/** The probe window: 0-based steps 10..19 (main.log's s:10..s:19; the console's steps 11..20). */
export const PROBE_FIRST_STEP = 10;
export const PROBE_LAST_STEP = 19;

export interface ProbeCost {
  /** 0-based, as main.log's `s:` (and stepMs's index). */
  slowestStep: number;
  /** The same step as the console numbers it (`step 14/N` for slowestStep 13). */
  slowestConsoleStep: number;
  slowestMs: number;
  /** Steps the projection covers. */
  steps: number;
  ratePerHour: number;
  runtimeHours: number;
  costUsd: number;
}

/**
 * `stepMs[s]` is the time of step s in ms (steps outside 10..19 are ignored and
 * may be missing). `steps` is the run's length (e.g. -x). Throws if a probe step is missing.
 */
export function probeCost(
  stepMs: readonly number[],
  opts: { steps: number; ratePerHour?: number },
): ProbeCost {
  const ratePerHour = opts.ratePerHour ?? DEFAULT_RATE_USD_PER_HOUR;
  let slowestStep = -1;
  for (let step = PROBE_FIRST_STEP; step <= PROBE_LAST_STEP; step++) {
    const ms = stepMs[step];
    if (ms === undefined || !Number.isFinite(ms)) {
      throw new RangeError(
        `probeCost: no time for step ${step}; steps ${PROBE_FIRST_STEP}..${PROBE_LAST_STEP} are needed`,
      );
    }
    if (slowestStep < 0 || ms > stepMs[slowestStep]) slowestStep = step; // the first wins ties
  }
  const slowestMs = stepMs[slowestStep];
  const runtimeHours = (slowestMs * opts.steps) / 3.6e6;
  return {
    slowestStep,
    slowestConsoleStep: slowestStep + 1,
    slowestMs,
    steps: opts.steps,
    ratePerHour,
    runtimeHours,
    costUsd: runtimeHours * ratePerHour,
  };
}

/** The lines the trainer prints after step 19 (and run.json records), in the console's step numbers. */
export function formatProbeCost(c: ProbeCost): string[] {
  const shown = c.slowestConsoleStep;
  return [
    `cost probe: slowest of steps ${PROBE_FIRST_STEP + 1}-${PROBE_LAST_STEP + 1} is step ${shown} at ${c.slowestMs.toFixed(2)} ms ` +
      `(numbered as the console's "step ${shown}/…" line; main.log writes it as s:${c.slowestStep})`,
    `projected runtime: ${c.slowestMs.toFixed(2)} ms × ${c.steps} steps / 3.6e6 = ${c.runtimeHours.toFixed(4)} h`,
    `projected cost: ${c.runtimeHours.toFixed(4)} h × ${formatUsd(c.ratePerHour)}/h = ${formatUsd(c.costUsd)}`,
  ];
}

/** Dollars with cents, and more digits for amounts under a cent so tiny runs do not show $0.00. */
export function formatUsd(usd: number): string {
  return `$${formatDollars(usd)}`;
}

/** formatUsd without the "$" (for a table whose header says "($)"): 0.42, 0.0052, 0.00012, 0.00. */
export function formatDollars(usd: number): string {
  if (usd !== 0 && Math.abs(usd) < 0.01) return usd.toPrecision(2);
  return usd.toFixed(2);
}

// ---- where the actual cost went

/**
 * The projection prices training steps only (slowest probe step × steps); a
 * run also spends wall time on evaluation (val loss, HellaSwag, samples), on
 * start-up (backend, data, model, peak-FLOPS measurement) and on writing
 * checkpoints. train.ts times each; `other` is the rest of the wall time
 * (shutdown, bookkeeping between phases), so the parts add up to the actual cost.
 */
export const COST_PHASES = ['trainingSteps', 'evaluation', 'startup', 'checkpoints', 'other'] as const;
export type CostPhase = (typeof COST_PHASES)[number];
export type CostBreakdown = Record<CostPhase, { seconds: number; usd: number }>;

const PHASE_NAMES: Record<CostPhase, string> = {
  trainingSteps: 'training steps',
  evaluation: 'evaluation',
  startup: 'start-up',
  checkpoints: 'checkpoints',
  other: 'other',
};

/** Each phase's seconds and cost at `ratePerHour`; other = wall − the timed phases (never below 0). */
export function costBreakdown(
  seconds: Record<Exclude<CostPhase, 'other'>, number>,
  wallSeconds: number,
  ratePerHour: number,
): CostBreakdown {
  const timed = seconds.trainingSteps + seconds.evaluation + seconds.startup + seconds.checkpoints;
  const all: Record<CostPhase, number> = { ...seconds, other: Math.max(0, wallSeconds - timed) };
  const out = {} as CostBreakdown;
  for (const phase of COST_PHASES)
    out[phase] = { seconds: all[phase], usd: (all[phase] / 3600) * ratePerHour };
  return out;
}

/** "actual cost $1.00 = training steps $0.60 + evaluation $0.25 + … (the $0.50 projection covers training steps only)" */
export function formatCostBreakdown(b: CostBreakdown, projectedUsd: number | null): string {
  const total = COST_PHASES.reduce((sum, phase) => sum + b[phase].usd, 0);
  const parts = COST_PHASES.map((phase) => `${PHASE_NAMES[phase]} ${formatUsd(b[phase].usd)}`).join(' + ');
  const projection =
    projectedUsd === null ? '' : ` (the ${formatUsd(projectedUsd)} projection covers training steps only)`;
  return `actual cost ${formatUsd(total)} = ${parts}${projection}`;
}
