/**
 * Gradient pathologies of a plain RNN, made visible.
 *
 * Exploding: an Elman RNN with ReLU and its recurrent kernel scaled up (an
 * orthogonal matrix × `recurrentScale`, so the state can grow by that factor per
 * step) trained with plain SGD on long padded sentences: backpropagation
 * through time multiplies by the recurrent Jacobian once per step, so the
 * gradient norm grows like recurrentScale^T, one update throws the weights far
 * away and the loss becomes NaN. The same run with clipping by global norm
 * (`clipNorm`) rescales each update to a bounded length and trains. fit reports
 * the norm BEFORE clipping, so the plot shows what clipping had to tame.
 *
 * Through time: ‖∂(h_T·r)/∂x_{T−d}‖, how much the last hidden state still
 * depends on the token d steps back, at initialisation. A contracting tanh RNN
 * falls off exponentially with d (vanishing), the expanding ReLU RNN grows
 * (exploding), the LSTM's additive cell path decays slowly. Clipping cannot
 * help a vanishing gradient: it only ever shrinks gradients.
 */
import { createLstm, createRnn, type SequenceModel } from '@course/models';
import { type Dataset, fit, sparseCategoricalCrossentropy } from '@course/trainer';
import * as tf from '@tensorflow/tfjs';

export interface RnnSizes {
  vocab: number;
  embed: number;
  hidden: number;
  seed: number;
}

export interface ExplodingOptions extends RnnSizes {
  recurrentScale: number;
  learningRate: number;
  batchSize: number;
  /** Training examples used (steps = ceil(examples / batchSize)). */
  examples: number;
}

export const DEFAULT_EXPLODING_OPTIONS: Omit<ExplodingOptions, 'vocab'> = {
  embed: 16,
  hidden: 32,
  recurrentScale: 1.45,
  learningRate: 0.05,
  batchSize: 32,
  examples: 1024,
  seed: 3,
};

export interface GradientRun {
  name: string;
  clipNorm?: number;
  /** Global gradient norm before clipping, per step (NaN/Infinity once diverged). */
  gradNorms: number[];
  /** Batch loss per step. */
  losses: number[];
  /** First step whose loss or norm is not finite; undefined if the run stayed finite. */
  divergedAt?: number;
}

/**
 * An Elman RNN whose (orthogonal) recurrent kernel is multiplied by
 * `recurrentScale`. No mask: the padding steps run through the recurrence too,
 * so every sequence is maxLen steps long.
 */
export function scaledRnn(
  sizes: RnnSizes,
  activation: 'tanh' | 'relu',
  recurrentScale: number,
): SequenceModel {
  const model = createRnn({ ...sizes, out: 2, activation, maskZero: false });
  const recurrent = model.namedVariables().get('rnn/recurrent_kernel');
  if (!recurrent) throw new Error('createRnn: no rnn/recurrent_kernel variable');
  recurrent.assign(tf.tidy(() => tf.mul(recurrent, recurrentScale)));
  return model;
}

/** Trains the exploding RNN for one pass over `opts.examples` examples of `data`, recording every step. */
export async function explodingRun(
  data: Dataset,
  opts: ExplodingOptions,
  clipNorm?: number,
): Promise<GradientRun> {
  const model = scaledRnn(opts, 'relu', opts.recurrentScale);
  const n = Math.min(opts.examples, data.x.shape[0]);
  const subset = { x: data.x.slice(0, n), y: data.y.slice(0, n) };
  const run: GradientRun = {
    name: clipNorm === undefined ? 'no clipping' : `clipNorm ${clipNorm}`,
    clipNorm,
    gradNorms: [],
    losses: [],
  };
  let seenExamples = 0;
  let previousSum = 0;
  try {
    const optimizer = tf.train.sgd(opts.learningRate);
    await fit(model, subset, {
      epochs: 1,
      batchSize: opts.batchSize,
      optimizer,
      loss: sparseCategoricalCrossentropy({ fromLogits: true }),
      seed: opts.seed,
      clipNorm,
      callbacks: [
        {
          onBatchEnd: (batch, logs) => {
            // logs.loss is the epoch's running mean (weighted by batch size): recover this batch's loss.
            seenExamples += logs.size;
            const sum = logs.loss * seenExamples;
            const batchLoss = (sum - previousSum) / logs.size;
            previousSum = sum;
            run.losses.push(batchLoss);
            run.gradNorms.push(logs.grad_norm);
            if (
              run.divergedAt === undefined &&
              !(Number.isFinite(batchLoss) && Number.isFinite(logs.grad_norm))
            ) {
              run.divergedAt = batch;
            }
          },
        },
      ],
    });
    optimizer.dispose();
  } finally {
    model.dispose();
    tf.dispose([subset.x, subset.y]);
  }
  return run;
}

export interface GradientThroughTime {
  name: string;
  /** norms[d] = mean over the batch of ‖∂(h_T·r)/∂x_{T−d}‖, d = 0 (last token) .. T−1. */
  norms: number[];
}

/**
 * How strongly the last hidden state depends on each earlier input, at
 * initialisation: r is a fixed random direction, x the embedded tokens.
 */
export function gradientThroughTime(
  model: SequenceModel,
  ids: tf.Tensor2D,
  name: string,
): GradientThroughTime {
  const norms = tf.tidy(() => {
    const x = model.embedding.lookup(ids) as tf.Tensor3D; // [B, T, E]
    const [B, T] = ids.shape;
    const H = model.config.hidden;
    const r = tf.randomNormal([H, 1], 0, 1, 'float32', 7);
    const objective = (input: tf.Tensor) => {
      const hs = model.layer.run(input as tf.Tensor3D); // [B, T, H]
      const last = tf.reshape(tf.slice(hs, [0, T - 1, 0], [B, 1, H]), [B, H]);
      return tf.sum(tf.matMul(last, r)) as tf.Scalar;
    };
    const dx = tf.grad(objective)(x); // [B, T, E]
    const perStep = tf.mean(tf.norm(dx, 'euclidean', 2), 0); // [T]
    return tf.reverse(perStep, 0); // distance from the end
  });
  const values = Array.from(norms.dataSync());
  norms.dispose();
  return { name, norms: values };
}

/**
 * Three recurrent layers on the same tokens at initialisation: a tanh RNN with
 * a contracting recurrence (U × 0.5: vanishing), the ReLU RNN of the exploding
 * run (U × recurrentScale: exploding) and an LSTM (Keras init: neither).
 */
export function gradientsThroughTime(
  ids: tf.Tensor2D,
  sizes: RnnSizes,
  recurrentScale = DEFAULT_EXPLODING_OPTIONS.recurrentScale,
): GradientThroughTime[] {
  const models: [string, () => SequenceModel][] = [
    ['rnn tanh, U×0.5 (vanishing)', () => scaledRnn(sizes, 'tanh', 0.5)],
    [`rnn relu, U×${recurrentScale} (exploding)`, () => scaledRnn(sizes, 'relu', recurrentScale)],
    ['lstm', () => createLstm({ ...sizes, out: 2 })],
  ];
  return models.map(([name, create]) => {
    const model = create();
    try {
      return gradientThroughTime(model, ids, name);
    } finally {
      model.dispose();
    }
  });
}
