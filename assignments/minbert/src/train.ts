/**
 * The multitask fine-tuning loop. Each task's training examples are shuffled
 * once (seeded) and cut into batches; counts[t] batches per epoch.
 *
 *   round-robin   one task's batch per update, tasks in turn (T·max(counts) updates an epoch)
 *   proportional  one task's batch per update, task t drawn with p_t ∝ counts[t] (Σ counts updates)
 *   pcgrad        one batch of every task per update; the T gradients (flattened over every
 *                 variable, zeros where a task does not reach a head) go through PCGrad and
 *                 their projected sum is the update (max(counts) updates, T backward passes each)
 *
 * Per task loss L_t (model.ts), plus with SMART (Jiang et al. 2020):
 *   L_t + λ_s·ℓ_s(f(x + δ), f(x)) + μ·ℓ_s(f(x; θ), f(x; θ̃))
 * δ from one projected ascent step on the embedding output x (mt-dnn's ∞-normalised step,
 * σ = ε = 1e-5, η = 1e-3), θ̃ ← (1 − β)·θ + β·θ̃ after every update.
 *
 * Update: global-norm clip at 1, AdamW (decoupled decay on matrices; β2 configurable,
 * default 0.999 as BERT fine-tuning) or AdaMax; learning rate linear warmup over the first
 * `warmup` fraction of updates, then linear decay to 0.
 */
import { type BertEncoding, type GPT2Parameter, padBatch, type WordPieceTokenizer } from '@course/models';
import {
  AdaMax,
  AdamW,
  bregmanTerm,
  clipScale,
  globalNorm,
  MULTITASK_TASKS,
  type MultitaskTask,
  type PairExample,
  pcgrad,
  proportionalSchedule,
  roundRobinSchedule,
  type SentenceExample,
  SlowWeights,
  seededRandom,
  shuffledOrder,
  smartPerturbation,
  smartRegularizer,
  type TaskStep,
  warmupLinearDecay,
} from '@course/trainer';
import * as tf from '@tensorflow/tfjs';
import type { TaskData, TokenBatch } from './data.js';
import { MultitaskBert, TASK_OUTPUT } from './model.js';

export const SCHEDULES = ['round-robin', 'proportional', 'pcgrad'] as const;
export type Schedule = (typeof SCHEDULES)[number];

export interface SmartOptions {
  /** λ_s (paper: 1, 3 or 5). */
  lambdaS: number;
  /** μ of the Bregman term (paper: 1; 0 turns it off). */
  mu: number;
  /** β of the slow weights (paper: 0.99). */
  beta: number;
}

export const DEFAULT_SMART: SmartOptions = { lambdaS: 1, mu: 1, beta: 0.99 };

export interface TrainOptions {
  schedule: Schedule;
  smart?: SmartOptions;
  optimizer: 'adamw' | 'adamax';
  learningRate: number;
  beta2: number;
  weightDecay: number;
  /** Fraction of the updates spent warming up. */
  warmup: number;
  epochs: number;
  batchSize: number;
  /** Tokens per sequence, specials included (a pair in one sequence gets twice this). */
  maxLength: number;
  seed: number;
  log: (line: string) => void;
  /** A progress line every this many updates. */
  logEvery: number;
}

/** A labelled example ready to batch: one or two encodings (siamese pairs: a's and b's). */
interface Encoded {
  rows: BertEncoding[];
  label: number;
}

/** Encodings of a task's examples the way the model reads them. */
export function encodeTask(
  model: MultitaskBert,
  tokenizer: WordPieceTokenizer,
  examples: readonly (SentenceExample | PairExample)[],
  maxLength: number,
): Encoded[] {
  return examples.map((e) => {
    const label = e.label ?? Number.NaN;
    if ('sentence' in e) return { rows: [tokenizer.encode(e.sentence, undefined, { maxLength })], label };
    if (!model.siamese)
      return { rows: [tokenizer.encode(e.sentence1, e.sentence2, { maxLength: 2 * maxLength })], label };
    return {
      rows: [
        tokenizer.encode(e.sentence1, undefined, { maxLength }),
        tokenizer.encode(e.sentence2, undefined, { maxLength }),
      ],
      label,
    };
  });
}

/** A batch as tensors: siamese pairs as 2B rows, all a's then all b's, padded to one length. */
export function tensorBatch(
  items: readonly Encoded[],
  padId: number,
): { batch: TokenBatch; labels: tf.Tensor1D } {
  const rows =
    items[0].rows.length === 1
      ? items.map((i) => i.rows[0])
      : [...items.map((i) => i.rows[0]), ...items.map((i) => i.rows[1])];
  const { B, T, ids, tokenTypeIds, attentionMask } = padBatch(rows, padId);
  return {
    batch: {
      inputIds: tf.tensor2d(ids, [B, T], 'int32'),
      tokenTypeIds: tf.tensor2d(tokenTypeIds, [B, T], 'int32'),
      attentionMask: tf.tensor2d(attentionMask, [B, T], 'int32'),
    },
    labels: tf.tensor1d(
      items.map((i) => i.label),
      'float32',
    ),
  };
}

function disposeBatch(b: { batch: TokenBatch; labels: tf.Tensor1D }): void {
  tf.dispose([b.batch.inputIds, b.batch.tokenTypeIds, b.batch.attentionMask, b.labels]);
}

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

export interface TrainHistory {
  /** Per task: (update, loss) at every update that trained the task. */
  losses: Record<MultitaskTask, { step: number; loss: number }[]>;
  updates: number;
  seconds: number;
}

/** The update schedule for one epoch. */
export function epochSchedule(schedule: Schedule, counts: number[], random: () => number): TaskStep[][] {
  if (schedule === 'round-robin') return roundRobinSchedule(counts).map((s) => [s]);
  if (schedule === 'proportional') return proportionalSchedule(counts, random).map((s) => [s]);
  const steps = Math.max(...counts);
  return Array.from({ length: steps }, (_, s) => counts.map((n, task) => ({ task, batch: s % n })));
}

export function trainMultitask(
  model: MultitaskBert,
  tokenizer: WordPieceTokenizer,
  data: TaskData,
  opts: TrainOptions,
): TrainHistory {
  const random = seededRandom(opts.seed);
  const padId = tokenizer.vocab.special('[PAD]');
  const batches = MULTITASK_TASKS.map((task) => {
    const encoded = shuffle(encodeTask(model, tokenizer, data[task].train, opts.maxLength), random);
    const out: Encoded[][] = [];
    for (let s = 0; s < encoded.length; s += opts.batchSize) out.push(encoded.slice(s, s + opts.batchSize));
    return out;
  });
  const counts = batches.map((b) => b.length);
  const plan = Array.from({ length: opts.epochs }, () => epochSchedule(opts.schedule, counts, random)).flat();
  const total = plan.length;
  const warmup = Math.round(opts.warmup * total);
  const params = model.parameters();
  const vars = params.map((p) => p.variable);
  const adamw =
    opts.optimizer === 'adamw'
      ? new AdamW(
          params.map((p, i) => ({
            ...p,
            layer: 0,
            offset: i,
            size: p.variable.size,
          })) as unknown as GPT2Parameter[],
          { beta2: opts.beta2 },
        )
      : undefined;
  const adamax = opts.optimizer === 'adamax' ? new AdaMax(params, { beta2: opts.beta2 }) : undefined;
  const slow = opts.smart && opts.smart.mu > 0 ? new SlowWeights(vars) : undefined;
  const order = shuffledOrder(random);
  const history: TrainHistory = {
    losses: { sentiment: [], paraphrase: [], similarity: [] },
    updates: total,
    seconds: 0,
  };
  const start = performance.now();
  let projections = 0;
  try {
    plan.forEach((steps, u) => {
      const taskGrads: tf.Tensor[][] = [];
      for (const { task: t, batch: b } of steps) {
        const task = MULTITASK_TASKS[t];
        const items = tensorBatch(batches[t][b], padId);
        try {
          const { loss, grads } = taskGradients(
            model,
            task,
            items.batch,
            items.labels,
            opts.smart,
            slow,
            opts.seed + u,
          );
          history.losses[task].push({ step: u + 1, loss });
          taskGrads.push(grads);
        } finally {
          disposeBatch(items);
        }
      }
      let grads: tf.Tensor[];
      if (taskGrads.length === 1) grads = taskGrads[0];
      else {
        const result = pcgrad(taskGrads, order);
        projections += result.projections;
        tf.dispose(taskGrads.flat());
        grads = result.grads;
      }
      const lr = warmupLinearDecay(u, opts.learningRate, warmup, total);
      const gradScale = clipScale(globalNorm(grads));
      if (adamw) adamw.apply(grads, { learningRate: lr, weightDecay: opts.weightDecay, t: u + 1, gradScale });
      else {
        const scaled = gradScale === 1 ? grads : grads.map((g) => tf.mul(g, gradScale));
        adamax!.apply(scaled, { learningRate: lr, weightDecay: opts.weightDecay, t: u + 1 });
        if (scaled !== grads) tf.dispose(scaled);
      }
      tf.dispose(grads);
      slow?.update(opts.smart!.beta);
      if ((u + 1) % opts.logEvery === 0 || u + 1 === total) {
        const last = MULTITASK_TASKS.map((task) => {
          const l = history.losses[task].at(-1);
          return `${task} ${l ? l.loss.toFixed(3) : '-'}`;
        });
        const pc = opts.schedule === 'pcgrad' ? `, ${projections} projections` : '';
        opts.log(
          `  update ${u + 1}/${total}: lr ${lr.toExponential(2)}, last loss ${last.join(', ')}${pc}, ${((performance.now() - start) / 1000).toFixed(1)} s`,
        );
      }
    });
  } finally {
    adamw?.dispose();
    adamax?.dispose();
    slow?.dispose();
  }
  history.seconds = (performance.now() - start) / 1000;
  return history;
}

/** One task's loss (without the SMART terms) and the gradient of its full objective, one tensor per variable. */
export function taskGradients(
  model: MultitaskBert,
  task: MultitaskTask,
  batch: TokenBatch,
  labels: tf.Tensor1D,
  smart: SmartOptions | undefined,
  slow: SlowWeights | undefined,
  seed: number,
): { loss: number; grads: tf.Tensor[] } {
  const kind = TASK_OUTPUT[task];
  const clean = (x: tf.Tensor) => model.output(task, x as tf.Tensor3D, batch, false);
  let delta: tf.Tensor | undefined;
  let slowOut: tf.Tensor | undefined;
  if (smart && smart.lambdaS > 0) {
    const x = model.embed(batch, false);
    delta = smartPerturbation(clean, x, { task: kind, normalize: 'inf', seed });
    x.dispose();
  }
  if (smart && slow && smart.mu > 0) slowOut = slow.run(() => clean(model.embed(batch, false)));
  const vars = model.variables();
  let taskLoss = 0;
  const { value, grads } = tf.variableGrads(() => {
    const out = model.output(task, model.embed(batch, true), batch, true);
    const loss = model.loss(task, out, labels);
    taskLoss = loss.dataSync()[0];
    let objective: tf.Scalar = loss;
    if (delta)
      objective = tf.add(
        objective,
        smartRegularizer(clean, model.embed(batch, false), delta, kind, smart!.lambdaS),
      );
    if (slowOut) objective = tf.add(objective, bregmanTerm(out, slowOut, kind, smart!.mu));
    return objective;
  }, vars);
  value.dispose();
  tf.dispose([delta, slowOut].filter((t): t is tf.Tensor => t !== undefined));
  const list = vars.map((v) => grads[v.name] ?? tf.zerosLike(v));
  return { loss: taskLoss, grads: list };
}

/** The model's predictions on examples (no labels needed), in batches; dropout off. */
export function predict(
  model: MultitaskBert,
  tokenizer: WordPieceTokenizer,
  task: MultitaskTask,
  examples: readonly (SentenceExample | PairExample)[],
  maxLength: number,
  batchSize = 64,
): number[] {
  const encoded = encodeTask(model, tokenizer, examples, maxLength);
  const padId = tokenizer.vocab.special('[PAD]');
  const out: number[] = [];
  for (let s = 0; s < encoded.length; s += batchSize) {
    const items = tensorBatch(encoded.slice(s, s + batchSize), padId);
    try {
      const y = tf.tidy(() => model.output(task, model.embed(items.batch, false), items.batch, false));
      out.push(...MultitaskBert.predictions(task, y));
      y.dispose();
    } finally {
      disposeBatch(items);
    }
  }
  return out;
}
