/**
 * References computed by the toolkit, never typed by hand: a spec question
 * `{"kind": "computed", "fn": NAME, "args": {…}}` takes its key from
 * `COMPUTED[NAME].compute(args)`. One entry per function; adding a reference is
 * adding an entry that calls the function in @course/models or @course/trainer
 * (args arrive as JSON: check them with the helpers below, which name the bad arg).
 */
import { gpt2Config, numParameters } from '@course/models';
import { DEFAULT_RATE_USD_PER_HOUR, PROBE_FIRST_STEP, PROBE_LAST_STEP, probeCost } from '@course/trainer';

type Args = Record<string, unknown>;

export interface ComputedReference {
  /** One line for the README and for feedback. */
  summary: string;
  compute(args: Args): number;
}

function arg(
  args: Args,
  name: string,
  opts: { integer?: boolean; min?: number; default?: number } = {},
): number {
  const v = args[name] ?? opts.default;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`args.${name}: expected a number`);
  if (opts.integer && !Number.isInteger(v)) throw new Error(`args.${name}: expected an integer, found ${v}`);
  if (opts.min !== undefined && v < opts.min)
    throw new Error(`args.${name}: expected ≥ ${opts.min}, found ${v}`);
  return v;
}

/**
 * The handout's projection through the trainer's own cost module (the same
 * code that prints "projected cost" after step 19): slowest probe ms × steps / 3.6e6 hours.
 */
function handoutProbe(args: Args) {
  const ms = arg(args, 'ms', { min: 0 });
  const stepMs: number[] = [];
  for (let s = PROBE_FIRST_STEP; s <= PROBE_LAST_STEP; s++) stepMs[s] = ms;
  return probeCost(stepMs, {
    steps: arg(args, 'steps', { integer: true, min: 1 }),
    ratePerHour: arg(args, 'rate', { min: 0, default: DEFAULT_RATE_USD_PER_HOUR }),
  });
}

export const COMPUTED: Record<string, ComputedReference> = {
  gpt2_params: {
    summary:
      'GPT-2 parameters as llm.c lays them out (args: depth, channels, heads, maxSeqLen=1024, vocabSize=50257)',
    compute: (a) =>
      numParameters(
        gpt2Config({
          depth: arg(a, 'depth', { integer: true, min: 1 }),
          channels: arg(a, 'channels', { integer: true, min: 1 }),
          heads: arg(a, 'heads', { integer: true, min: 1 }),
          maxSeqLen: arg(a, 'maxSeqLen', { integer: true, min: 1, default: 1024 }),
          vocabSize: arg(a, 'vocabSize', { integer: true, min: 1, default: 50257 }),
        }),
      ),
  },
  hw5_runtime_hours: {
    summary: 'HW5 projected runtime in hours = ms × steps / 3.6e6 (args: ms, steps)',
    compute: (a) => handoutProbe(a).runtimeHours,
  },
  hw5_cost_usd: {
    summary: 'HW5 projected cost in USD = ms × steps / 3.6e6 × rate (args: ms, steps, rate=1.5)',
    compute: (a) => handoutProbe(a).costUsd,
  },
};
