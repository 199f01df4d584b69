/**
 * Which task's batch each multitask step trains on. Tasks have counts[t]
 * batches per epoch; a task's batches are used in order and start over when
 * they run out (batch = uses of the task so far mod counts[t]).
 *
 *   round-robin   step s trains task s mod T; default length T · max(counts),
 *                 so the largest task sees each batch once and smaller tasks repeat.
 *   proportional  each step draws task t with probability p_t = n_t^α / Σ_k n_k^α
 *                 (α = 1: in proportion to the task's size; α = 0: uniform),
 *                 by inverse CDF on one uniform draw u: the first t with
 *                 Σ_{k≤t} p_k > u. Default length Σ counts.
 *
 * The learning rate for these runs: learningRate('linear', …) from
 * ../schedulers.ts (linear warmup, then linear decay) — see warmupLinearDecay.
 */
import { InputError } from '@course/models';
import { learningRate } from '../schedulers.js';

export interface TaskStep {
  task: number;
  /** Index of the task's batch, 0..counts[task]−1. */
  batch: number;
}

function checkCounts(counts: readonly number[], what: string): void {
  if (counts.length === 0) throw new InputError(`${what}: found 0 tasks, expected at least 1`);
  counts.forEach((n, t) => {
    if (!Number.isInteger(n) || n < 1)
      throw new InputError(`${what}: counts[${t}]: found ${n}, expected an integer ≥ 1`);
  });
}

export function roundRobinSchedule(
  counts: readonly number[],
  steps = counts.length * Math.max(...counts),
): TaskStep[] {
  checkCounts(counts, 'round-robin schedule');
  const used = counts.map(() => 0);
  const out: TaskStep[] = [];
  for (let s = 0; s < steps; s++) {
    const task = s % counts.length;
    out.push({ task, batch: used[task]++ % counts[task] });
  }
  return out;
}

/** p_t = n_t^α / Σ_k n_k^α. */
export function taskProbabilities(counts: readonly number[], alpha = 1): number[] {
  checkCounts(counts, 'task probabilities');
  const w = counts.map((n) => n ** alpha);
  const total = w.reduce((a, b) => a + b, 0);
  return w.map((x) => x / total);
}

export function proportionalSchedule(
  counts: readonly number[],
  random: () => number,
  opts: { steps?: number; alpha?: number } = {},
): TaskStep[] {
  const p = taskProbabilities(counts, opts.alpha ?? 1);
  const steps = opts.steps ?? counts.reduce((a, b) => a + b, 0);
  const used = counts.map(() => 0);
  const out: TaskStep[] = [];
  for (let s = 0; s < steps; s++) {
    const u = random();
    let task = 0;
    let cumulative = p[0];
    while (cumulative <= u && task < p.length - 1) cumulative += p[++task];
    out.push({ task, batch: used[task]++ % counts[task] });
  }
  return out;
}

/**
 * Linear warmup then linear decay to 0, the trainer's llm.c 'linear' schedule
 * (float32): step s < W: lr0·(s+1)/W; else lr0·(1 − (s−W)/(N−W)).
 * (Hugging Face's get_linear_schedule_with_warmup uses lr0·s/W in warmup, one step behind.)
 */
export function warmupLinearDecay(step: number, maxLr: number, warmup: number, totalSteps: number): number {
  return learningRate('linear', step, { maxLr, warmup, totalSteps, finalFraction: 0 });
}
