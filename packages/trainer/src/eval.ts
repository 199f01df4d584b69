/**
 * Evaluation as llm.c does it, shared by the trainer, `course eval`, the
 * grader and the leaderboard (one function, no drift):
 *
 * - validation loss: reset the val loader, run N consecutive batches of B×T,
 *   average the per-batch mean losses;
 * - HellaSwag: each ending's score is the mean cross-entropy over its own
 *   tokens given the context; the prediction is the argmin (first wins ties);
 *   accuracy = correct / examples (llm.c's acc_norm).
 *
 * Better than the fork: HellaSwag rows are scored at their own length (padded
 * only to the longest row of a small group; padding after a row cannot change
 * a causal model's losses on it), so no huge -t is needed and no example is
 * dropped for being longer than T.
 */
import { type GPT2, type HellaSwagExample, InputError, readHellaSwag, tidyRead } from '@course/models';
import * as tf from '@tensorflow/tfjs';
import { DataLoader } from './dataloader.js';

export function valLoss(model: GPT2, loader: DataLoader, batches: number): number {
  loader.reset();
  let sum = 0;
  for (let i = 0; i < batches; i++) {
    const { inputs, targets } = loader.nextBatch();
    sum += tf.tidy(() => {
      const x = tf.tensor2d(inputs, [loader.B, loader.T], 'int32');
      const y = tf.tensor2d(targets, [loader.B, loader.T], 'int32');
      return model.loss(x, y).dataSync()[0];
    });
  }
  return sum / batches;
}

/**
 * "val loss 4.1235 (20 batches of 4×64)": a val loss as every tool prints it,
 * with what it averages, since losses over different batches differ.
 */
export function formatValLoss(
  loss: number,
  over: { batches: number; B: number; T: number },
  decimals = 4,
): string {
  const batches = `${over.batches} batch${over.batches === 1 ? '' : 'es'}`;
  return `val loss ${loss.toFixed(decimals)} (${batches} of ${over.B}×${over.T})`;
}

/** How many val batches `-m` asks for: -1 = the whole split (llm.c: ntok / (B·T)). */
export function valBatchCount(loader: DataLoader, maxSteps: number): number {
  const whole = Math.floor(loader.totalTokens / (loader.B * loader.T));
  return maxSteps < 0 ? whole : maxSteps;
}

export interface HellaSwagResult {
  correct: number;
  total: number;
  accuracy: number;
  /** Predicted ending per example (for per-example reports). */
  predictions: number[];
}

/**
 * Scores examples in groups of `examplesPerBatch` (4 rows each). `onProgress`
 * gets (done, total) after each group.
 */
export function hellaswagAccuracy(
  model: GPT2,
  examples: HellaSwagExample[],
  opts: { examplesPerBatch?: number; onProgress?: (done: number, total: number) => void } = {},
): HellaSwagResult {
  const perBatch = opts.examplesPerBatch ?? 8;
  const maxT = model.config.maxSeqLen;
  const predictions: number[] = [];
  let correct = 0;
  for (let start = 0; start < examples.length; start += perBatch) {
    const group = examples.slice(start, start + perBatch);
    const empty = group.findIndex((ex) => ex.context.length === 0);
    if (empty >= 0)
      throw new InputError(
        `HellaSwag example ${start + empty}: empty context (an ending needs one token before it)`,
      );
    // Row = context then ending; the last token of a row is never an input.
    const rows = group.flatMap((ex) => ex.endings.map((end) => [...ex.context, ...end]));
    const T = Math.max(...rows.map((r) => r.length)) - 1;
    if (T > maxT) {
      throw new InputError(
        `HellaSwag examples ${start}..: ${T + 1} tokens need ${T} positions, more than the model's maxT ${maxT}`,
      );
    }
    const inputs = new Int32Array(rows.length * T);
    rows.forEach((row, r) => {
      inputs.set(row.slice(0, -1), r * T);
    });
    // Score only the ending tokens: ending token j of row r sits at row position
    // ctx+j and is predicted from position ctx+j-1.
    const positions: number[] = [];
    const targets: number[] = [];
    group.forEach((ex, e) => {
      ex.endings.forEach((end, i) => {
        const r = e * 4 + i;
        end.forEach((token, j) => {
          positions.push(r * T + ex.context.length - 1 + j);
          targets.push(token);
        });
      });
    });
    const losses = tidyRead(() =>
      model.lossesAt(
        tf.tensor2d(inputs, [rows.length, T], 'int32'),
        Int32Array.from(positions),
        Int32Array.from(targets),
      ),
    );
    let at = 0;
    for (const ex of group) {
      let best = 0;
      let bestLoss = Number.POSITIVE_INFINITY;
      ex.endings.forEach((end, i) => {
        let sum = 0;
        for (let j = 0; j < end.length; j++) sum += losses[at++];
        const mean = sum / end.length; // acc_norm: mean loss over the ending's tokens
        if (mean < bestLoss) {
          bestLoss = mean;
          best = i;
        }
      });
      predictions.push(best);
      if (best === ex.label) correct++;
    }
    opts.onProgress?.(Math.min(start + perBatch, examples.length), examples.length);
  }
  return {
    correct,
    total: examples.length,
    accuracy: examples.length ? correct / examples.length : 0,
    predictions,
  };
}

/**
 * Wilson score interval for an accuracy of `correct` out of `n` (default 95%):
 * the p for which the observed accuracy is within z standard errors,
 * (p̂ − p)² = z²·p(1 − p)/n. Unlike p̂ ± z·se it stays inside [0, 1] and
 * behaves at small n, which is where a class's HellaSwag scores live
 * (a few hundred examples: ±3–6 points).
 */
export function accuracyInterval(correct: number, n: number, z = 1.959963984540054): [number, number] {
  if (n <= 0) return [0, 1];
  const p = correct / n;
  const z2n = (z * z) / n;
  const center = (p + z2n / 2) / (1 + z2n);
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2n / (4 * n))) / (1 + z2n);
  return [Math.max(0, center - half), Math.min(1, center + half)];
}

/** "62/200 = 0.3100 (95% CI 0.2500–0.3772, chance 0.25)": HellaSwag accuracy as tools print it. */
export function formatHellaSwag(accuracy: number, n: number): string {
  const correct = Math.round(accuracy * n);
  const [lo, hi] = accuracyInterval(correct, n);
  return `${correct}/${n} = ${accuracy.toFixed(4)} (95% CI ${lo.toFixed(4)}–${hi.toFixed(4)}, chance 0.25)`;
}

export interface EvalOptions {
  valPattern?: string;
  hellaswagPath?: string;
  /** Val batches (llm.c -m): default 20, -1 = the whole split. */
  batches?: number;
  B?: number;
  T?: number;
  /** Score only the first n HellaSwag examples (for quick looks; default all). */
  hellaswagLimit?: number;
  onProgress?: (what: 'val' | 'hellaswag', done: number, total: number) => void;
}

export interface EvalResult {
  val_loss: number | null;
  hellaswag_acc: number | null;
  hellaswag_n: number;
  /** 95% Wilson interval of hellaswag_acc (null without HellaSwag). */
  hellaswag_ci95: [number, number] | null;
  val_batches: number;
  /** The val batch shape used (defaults applied): B rows of T tokens. */
  B: number;
  T: number;
  seconds: number;
}

/** The evaluation every tool runs: val loss and/or HellaSwag accuracy of one model. */
export function evaluateModel(model: GPT2, opts: EvalOptions): EvalResult {
  const started = performance.now();
  let val: number | null = null;
  let batches = 0;
  const B = opts.B ?? 4;
  const T = opts.T ?? Math.min(1024, model.config.maxSeqLen);
  if (opts.valPattern) {
    if (T > model.config.maxSeqLen)
      throw new InputError(`-t ${T}: longer than the model's maxT ${model.config.maxSeqLen}`);
    const loader = new DataLoader(opts.valPattern, B, T, {
      shuffle: false,
      flag: '--val',
      vocabSize: model.config.vocabSize,
    });
    batches = valBatchCount(loader, opts.batches ?? 20);
    val = valLoss(model, loader, batches);
  }
  let acc: number | null = null;
  let ci: [number, number] | null = null;
  let n = 0;
  if (opts.hellaswagPath) {
    let { examples } = readHellaSwag(opts.hellaswagPath);
    if (opts.hellaswagLimit !== undefined) examples = examples.slice(0, opts.hellaswagLimit);
    const result = hellaswagAccuracy(model, examples, {
      onProgress: (d, t) => opts.onProgress?.('hellaswag', d, t),
    });
    acc = result.accuracy;
    n = result.total;
    ci = accuracyInterval(result.correct, n);
  }
  return {
    val_loss: val,
    hellaswag_acc: acc,
    hellaswag_n: n,
    hellaswag_ci95: ci,
    val_batches: batches,
    B,
    T,
    seconds: (performance.now() - started) / 1000,
  };
}
