/**
 * Classic-model cases, each training step one call of the trainer's `fit`
 * (one epoch over exactly one batch): gather, forward, loss, backward, the
 * gradient norm, the update and fit's one read-back per step, as the
 * assignments run them.
 *   mlp-digits      Mlp 784-500-200-200-50-10, SELU, softmax output (lecun_normal), Keras'
 *                   sparse categorical cross-entropy on probabilities + accuracy, the trainer's adam(1e-3) (tf.train.adam's update),
 *                   B 32: the mlp-digits assignment's mlp3 as its pipeline trains it
 *   lstm-sentiment  Embedding 10000×64 -> LSTM 128 -> last hidden state -> linear 5, cross-entropy on
 *                   logits + accuracy, the trainer's AdamW (lr 1e-3, wd 0.01 on 2-D tensors), B 64, T 64
 */
import { createLstm, createMlp, lstmParameterCount, MT19937, mlpParameterCount } from '@course/models';
// `fit` renamed: biome's lint takes a bare fit() call for a focused test.
import {
  AdamW,
  adam,
  sparseCategoricalAccuracy,
  sparseCategoricalCrossentropy,
  fit as trainerFit,
} from '@course/trainer';
import * as tf from '@tensorflow/tfjs';
import { progress, randomTokens, round, TOKEN_SEED, tensorFields, timeSteps, versions } from './common.mjs';
import { profileCase } from './profile.mjs';
import { anchorFields } from './report.mjs';

export const MLP_DIGITS = { layers: [784, 500, 200, 200, 50, 10], B: 32, learningRate: 1e-3 };
export const LSTM_SENTIMENT = {
  vocab: 10000,
  embed: 64,
  hidden: 128,
  out: 5,
  B: 64,
  T: 64,
  learningRate: 1e-3,
  weightDecay: 0.01,
};

/**
 * The trainer's AdamW (llm.c's update: β1 0.9, β2 0.95, eps 1e-8, decay on
 * 2-D tensors only) behind tf.Optimizer's applyGradients, which is all `fit`
 * calls. Costs what torch.optim.AdamW costs per element; the β2 differs
 * from torch's default 0.999, which does not change the work.
 */
class TrainerAdamW extends tf.Optimizer {
  static className = 'TrainerAdamW';

  constructor(variables, { learningRate, weightDecay }) {
    super();
    this.variables = variables;
    this.hyper = { learningRate, weightDecay };
    this.t = 0;
    this.adamw = new AdamW(
      variables.map((variable) => ({ variable, shape: variable.shape, decay: variable.rank === 2 })),
    );
  }

  applyGradients(grads) {
    const byName = Array.isArray(grads) ? Object.fromEntries(grads.map((g) => [g.name, g.tensor])) : grads;
    this.t++;
    this.adamw.apply(
      this.variables.map((v) => byName[v.name]),
      { ...this.hyper, t: this.t, gradScale: 1 },
    );
  }

  getConfig() {
    return { ...this.hyper };
  }

  dispose() {
    this.adamw.dispose();
    super.dispose();
  }
}

/**
 * fit's per-call work (an epoch's set-up: index tensors, callbacks, history)
 * is spread over every batch of an epoch in real training, so a timed call
 * fits one epoch of this many copies of the batch, and a step is that call's
 * time divided by it (what torch's step loop measures).
 */
const STEPS_PER_CALL = 8;

/** The batch repeated STEPS_PER_CALL times, and a call that fits one epoch over it (= STEPS_PER_CALL steps). */
function fitSteps(model, data, fitOptions) {
  const B = data.x.shape[0];
  const repeated = {
    x: tf.tile(data.x, [STEPS_PER_CALL, ...data.x.shape.slice(1).map(() => 1)]),
    y: tf.tile(data.y, [STEPS_PER_CALL, ...data.y.shape.slice(1).map(() => 1)]),
  };
  const call = async () => {
    await trainerFit(model, repeated, { epochs: 1, batchSize: B, seed: 0, shuffle: false, ...fitOptions });
  };
  return { call, dispose: () => tf.dispose([repeated.x, repeated.y]) };
}

async function runClassic(name, opts, { model, data, optimizer, params, fitOptions, B, shape }) {
  const steps = fitSteps(model, data, { optimizer, ...fitOptions });
  try {
    if (opts.profile) return await profileCase(name, opts, steps.call, params);
    const timing = await timeSteps(name, steps.call, opts);
    const msPerStep = timing.msPerStep / STEPS_PER_CALL;
    const samplesPerS = (B * 1000) / msPerStep;
    return {
      case: name,
      backend: opts.backendName,
      ...shape,
      params,
      ms_per_step: round(msPerStep, 2),
      samples_per_s: round(samplesPerS, 1),
      steps: timing.steps * STEPS_PER_CALL,
      warmup: opts.warmup,
      ...anchorFields(name, samplesPerS),
      ...tensorFields(timing),
      ...versions(),
    };
  } finally {
    steps.dispose();
    optimizer.dispose();
    model.dispose();
    tf.dispose([data.x, data.y]);
  }
}

export async function benchMlp(name, opts) {
  const { layers, B, learningRate } = MLP_DIGITS;
  progress(`${name}: building MLP ${layers.join('-')}`);
  const model = createMlp({
    layers,
    activation: 'selu',
    outputActivation: 'softmax',
    initializer: 'lecun_normal',
    seed: 42,
  });
  const rng = new MT19937(TOKEN_SEED);
  const data = {
    x: tf.tensor2d(rng.uniform(new Float32Array(B * layers[0]), 0, 1), [B, layers[0]]),
    y: tf.tensor1d(randomTokens(B, rng, layers.at(-1)), 'int32'),
  };
  return runClassic(name, opts, {
    model,
    data,
    optimizer: adam(learningRate),
    params: mlpParameterCount(layers),
    fitOptions: { loss: sparseCategoricalCrossentropy(), metrics: [sparseCategoricalAccuracy()] },
    B,
    shape: { B, layers: layers.join('-') },
  });
}

export async function benchLstm(name, opts) {
  const { vocab, embed, hidden, out, B, T } = LSTM_SENTIMENT;
  progress(`${name}: building LSTM ${vocab}-${embed}-${hidden}-${out}`);
  const model = createLstm({ vocab, embed, hidden, out, seed: 1 });
  const rng = new MT19937(TOKEN_SEED);
  const data = {
    x: tf.tensor2d(randomTokens(B * T, rng, vocab), [B, T], 'int32'),
    y: tf.tensor1d(randomTokens(B, rng, out), 'int32'),
  };
  const optimizer = new TrainerAdamW([...model.namedVariables().values()], LSTM_SENTIMENT);
  return runClassic(name, opts, {
    model,
    data,
    optimizer,
    params: lstmParameterCount({ vocab, embed, hidden, out }),
    fitOptions: {
      loss: sparseCategoricalCrossentropy({ fromLogits: true }),
      metrics: [sparseCategoricalAccuracy()],
    },
    B,
    shape: { B, T },
  });
}
