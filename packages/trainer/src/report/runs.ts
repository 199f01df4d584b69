/**
 * One run folder (`-o DIR` of our train_gpt2cu or of llm.c's) summarised for
 * plots and the tuning table. Only main.log is required; every other fact comes
 * from the best source present:
 *   run.json (ours) > run_parameters.txt (the course fork) > main.log itself.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import {
  gpt2Config,
  InputError,
  type MainLogData,
  numParameters,
  parseMainLog,
  readRunParameters,
} from '@course/models';
import { COST_PHASES, type CostPhase } from '../cost.js';

export interface LossPoint {
  step: number;
  loss: number;
}

export interface RunSummary {
  /** The folder's name. */
  name: string;
  dir: string;
  /** The peak (configured) learning rate. */
  maxLr?: number;
  /** Optimizer steps the run completed, as main.log shows; the configured count if the log has none. */
  steps?: number;
  depth?: number;
  channels?: number;
  heads?: number;
  numParameters?: number;
  projectedUsd?: number;
  actualUsd?: number;
  /** Where the actual cost went (run.json's cost.breakdown, USD per phase); absent in older run folders. */
  costBreakdown?: Record<CostPhase, number>;
  /** Lowest train loss and the step that reached it (the earliest, on a tie). */
  minTrainLoss?: LossPoint;
  minValLoss?: LossPoint;
  /** HellaSwag accuracy (fraction 0..1) of the last evaluation. */
  finalHellaswag?: { step: number; acc: number };
  /** Loss series by step; a step logged twice (a resumed run appends) keeps its last value. */
  train: LossPoint[];
  val: LossPoint[];
}

/** Reads the run in `dir`. Throws InputError when `dir` has no main.log. */
export function loadRun(dir: string): RunSummary {
  const logPath = join(dir, 'main.log');
  if (!existsSync(logPath)) {
    throw new InputError(
      `${dir}: no main.log in this folder (expected a run folder written by train_gpt2cu -o)`,
    );
  }
  const log = parseMainLog(readFileSync(logPath, 'utf8'));
  const runJson = readRunJson(join(dir, 'run.json'));
  const params = readRunParameters(join(dir, 'run_parameters.txt'));

  const train = lastPerStep(log.train.map(({ step, loss }) => ({ step, loss })));
  const val = lastPerStep(log.val);
  const evals = lastPerStep(log.eval.map(({ step, acc }) => ({ step, loss: acc })));
  const lastEval = evals.at(-1);

  const config = record(runJson?.config);
  const cost = record(runJson?.cost);
  const depth = num(config?.depth) ?? num(params.get('num_layers L'));
  const channels = num(config?.channels) ?? num(params.get('channels C'));
  const heads = num(config?.heads) ?? num(params.get('num_heads NH'));

  return {
    name: basename(resolve(dir)),
    dir,
    maxLr:
      num(config?.learningRate) ??
      num(params.get('learning rate (LR)')) ??
      // Upstream llm.c writes neither file: the largest LR it logged is the peak
      // after warmup (an underestimate only if the run stopped during warmup).
      max(log.train.map((t) => t.lr)),
    steps: stepsCompleted(log) ?? num(config?.maxSteps),
    depth,
    channels,
    heads,
    numParameters:
      num(runJson?.numParameters) ??
      num(params.get('num_parameters')) ??
      (depth && channels && heads ? numParameters(gpt2Config({ depth, channels, heads })) : undefined),
    projectedUsd: num(cost?.projectedUsd),
    actualUsd: num(cost?.actualUsd),
    costBreakdown: readBreakdown(record(cost?.breakdown)),
    minTrainLoss: minimum(train),
    minValLoss: minimum(val),
    finalHellaswag: lastEval && { step: lastEval.step, acc: lastEval.loss },
    train,
    val,
  };
}

/**
 * Updates done: a train line at s:k is update k (0-based), while val and eval
 * lines at s:k are measured after k updates; the log ends with `s:X tel` for the last X.
 */
function stepsCompleted(log: MainLogData): number | undefined {
  const afterTrain = log.train.map((t) => t.step + 1);
  const measured = [...log.val, ...log.eval].map((v) => v.step);
  return max([...afterTrain, ...measured]);
}

/** USD per phase from run.json's cost.breakdown; undefined unless every phase has a number. */
function readBreakdown(
  breakdown: Record<string, unknown> | undefined,
): Record<CostPhase, number> | undefined {
  if (!breakdown) return undefined;
  const usd = {} as Record<CostPhase, number>;
  for (const phase of COST_PHASES) {
    const value = num(record(breakdown[phase])?.usd);
    if (value === undefined) return undefined;
    usd[phase] = value;
  }
  return usd;
}

/** run.json is optional (llm.c does not write it); when present it must be JSON. */
function readRunJson(path: string): Record<string, unknown> | undefined {
  if (!existsSync(path)) return undefined;
  try {
    return record(JSON.parse(readFileSync(path, 'utf8')));
  } catch (err) {
    throw new InputError(
      `${path}: found text that is not JSON (${(err as Error).message}), expected a JSON object`,
    );
  }
}

/** Sorted by step, one point per step (the last one logged). */
function lastPerStep(points: readonly LossPoint[]): LossPoint[] {
  const byStep = new Map<number, LossPoint>();
  for (const p of points) byStep.set(p.step, { step: p.step, loss: p.loss });
  return [...byStep.values()].sort((a, b) => a.step - b.step);
}

function minimum(points: readonly LossPoint[]): LossPoint | undefined {
  let best: LossPoint | undefined;
  for (const p of points) if (Number.isFinite(p.loss) && (best === undefined || p.loss < best.loss)) best = p;
  return best;
}

function max(values: readonly number[]): number | undefined {
  // A loop, not Math.max(...values): a long run logs more steps than a call has argument slots.
  let best: number | undefined;
  for (const x of values) if (Number.isFinite(x) && (best === undefined || x > best)) best = x;
  return best;
}

/** A finite number from a JSON value or a table cell; anything else counts as missing. */
function num(value: unknown): number | undefined {
  const x = typeof value === 'string' && value !== '' ? Number(value) : value;
  return typeof x === 'number' && Number.isFinite(x) ? x : undefined;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}
