/**
 * llm.c's learning-rate schedules (`llmc/schedulers.h`), computed in float32
 * like the C code: every float operation is rounded with Math.fround, in the
 * C code's order of operations, so the `lr:%.6f` we log matches llm.c's.
 *
 * s = 0-based step, W = warmup, N = total steps (-x), lr0 = max LR (-l),
 * min = lr0 · finalFraction (-q):
 *   cosine   s < W: lr0·(s+1)/W;  else r = (s−W)/(N−W), min + 0.5·(1+cos(πr))·(lr0−min)
 *   linear   s < W: lr0·(s+1)/W;  else lr0 − r·(lr0−min)
 *   constant lr0 always (no warmup)
 *   wsd      s < W: lr0·((s+1)/W); W ≤ s < D = (int)(0.8·N): lr0;
 *            else r = (s−D)/(N−D), min + (1−√r)·(lr0−min)
 *
 * One known difference: we round the exact cosine to float, while glibc's cosf
 * is not correctly rounded, so a cosine LR can differ from llm.c's in the last
 * bit of the float (26 of 5,725 steps against gcc/glibc 2.36; a 1e-7 relative
 * difference that `lr:%.6f` almost never shows).
 */

const f = Math.fround;

export const SCHEDULERS = ['cosine', 'linear', 'constant', 'wsd'] as const;
export type SchedulerKind = (typeof SCHEDULERS)[number];

export interface ScheduleParams {
  /** lr0 (-l); llm.c stores it as a float. */
  maxLr: number;
  /** W (-u) */
  warmup: number;
  /** N: the schedule length (-x, or one epoch); steps run 0..N−1. */
  totalSteps: number;
  /** -q: the LR decays to maxLr · finalFraction. */
  finalFraction: number;
}

/** The learning rate of update `step` (0-based), as a float32 value. */
export function learningRate(kind: SchedulerKind, step: number, p: ScheduleParams): number {
  const lr0 = f(p.maxLr);
  const minLr = f(lr0 * f(p.finalFraction));
  const W = p.warmup;
  const N = p.totalSteps;
  switch (kind) {
    case 'constant':
      return lr0;
    case 'cosine': {
      if (step < W) return f(f(lr0 * (step + 1)) / W);
      const r = f((step - W) / (N - W));
      // cosf(M_PI * r): the product is double, converted to float for cosf.
      const coeff = f(0.5 * f(1 + f(Math.cos(f(Math.PI * r)))));
      return f(minLr + f(coeff * f(lr0 - minLr)));
    }
    case 'linear': {
      if (step < W) return f(f(lr0 * (step + 1)) / W);
      const r = f((step - W) / (N - W));
      return f(lr0 - f(r * f(lr0 - minLr)));
    }
    case 'wsd': {
      const decayPoint = wsdDecayPoint(N);
      if (step < W) return f(lr0 * f((step + 1) / W));
      if (step < decayPoint) return lr0;
      const r = f((step - decayPoint) / (N - decayPoint));
      return f(minLr + f(f(1 - f(Math.sqrt(r))) * f(lr0 - minLr)));
    }
  }
}

/** The step at which wsd starts decaying: (int)(0.8f · N). */
export function wsdDecayPoint(totalSteps: number): number {
  return Math.trunc(f(f(0.8) * totalSteps));
}
