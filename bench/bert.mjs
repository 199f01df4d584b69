/**
 * bert-mini: one fine-tuning step of a BERT-mini sentence classifier, the
 * shapes of bench/torch_reference.py's case_bert:
 *   Bert (4 layers, 256 channels, 4 heads, FFN 1024, vocab 30522, 512
 *   positions, 2 token types, post-LN, GELU (erf), dropout 0.1) -> pooler
 *   (dense + tanh on [CLS]) -> dropout -> linear 5 -> cross-entropy, then
 *   the trainer's AdamW (lr 1e-4, decoupled weight decay 0.01 on the 2-D
 *   tensors); B 16 random sequences of T 128, no padding, token types 0.
 * One step = forward + backward (tf.variableGrads) + update + reading the
 * loss back. Dropout 0.1 applies to the attention probabilities too, as in
 * torch's step. Differences from torch's step: AdamW's β2 is llm.c's 0.95
 * (same work), torch decays every tensor.
 */
import { Bert, bertConfig, bertParameterCount, crossEntropyPerRow, linear, MT19937 } from '@course/models';
import { AdamW } from '@course/trainer';
import * as tf from '@tensorflow/tfjs';
import { progress, randomTokens, round, TOKEN_SEED, tensorFields, timeSteps, versions } from './common.mjs';
import { profileCase } from './profile.mjs';
import { anchorFields } from './report.mjs';

export const BERT_MINI_CASE = {
  layers: 4,
  channels: 256,
  heads: 4,
  ffn: 1024,
  vocab: 30522,
  maxPositions: 512,
  types: 2,
  dropout: 0.1,
  out: 5,
  B: 16,
  T: 128,
  learningRate: 1e-4,
  weightDecay: 0.01,
};

/** The encoder, a 5-way linear head on the pooled [CLS] (N(0, 0.02²), zero bias) and AdamW over all of it. */
function buildBertClassifier(s) {
  const config = bertConfig({
    vocabSize: s.vocab,
    hidden: s.channels,
    layers: s.layers,
    heads: s.heads,
    intermediate: s.ffn,
    maxPositions: s.maxPositions,
    typeVocab: s.types,
    dropout: s.dropout,
  });
  const model = new Bert(config, { seed: 1 });
  const rng = new MT19937(2);
  const head = {
    weight: tf.variable(
      tf.tensor2d(rng.normal(new Float32Array(s.out * s.channels), 0, 0.02), [s.out, s.channels]),
    ),
    bias: tf.variable(tf.zeros([s.out])),
  };
  const params = [
    ...model.parameters,
    { name: 'classifier.weight', variable: head.weight, shape: [s.out, s.channels], decay: true },
    { name: 'classifier.bias', variable: head.bias, shape: [s.out], decay: false },
  ];
  const count = bertParameterCount(config) + s.out * s.channels + s.out;
  return { model, head, params, count };
}

export async function benchBert(name, opts) {
  const s = BERT_MINI_CASE;
  progress(`${name}: building BERT L${s.layers} C${s.channels} H${s.heads} FFN ${s.ffn} + linear ${s.out}`);
  const { model, head, params, count } = buildBertClassifier(s);
  const rng = new MT19937(TOKEN_SEED);
  const inputs = {
    inputIds: tf.tensor2d(randomTokens(s.B * s.T, rng, s.vocab), [s.B, s.T], 'int32'),
    tokenTypeIds: tf.zeros([s.B, s.T], 'int32'),
    attentionMask: tf.ones([s.B, s.T], 'int32'),
  };
  const labels = tf.tensor1d(randomTokens(s.B, rng, s.out), 'int32');
  const optimizer = new AdamW(params);
  const variables = params.map((p) => p.variable);
  let t = 0;
  let dropoutSeed = 1;
  const lossFn = () =>
    tf.tidy(() => {
      const { pooled } = model.forward(inputs, { training: true }); // [B, C]
      const dropped = tf.dropout(pooled, s.dropout, undefined, dropoutSeed++);
      const logits = linear(dropped, head.weight, head.bias); // [B, 5]
      return tf.mean(crossEntropyPerRow(logits, labels));
    });
  const step = () => {
    t++;
    const { value, grads } = tf.variableGrads(lossFn, variables);
    optimizer.apply(
      variables.map((v) => grads[v.name]),
      { learningRate: s.learningRate, weightDecay: s.weightDecay, t, gradScale: 1 },
    );
    value.dataSync();
    tf.dispose([value, ...Object.values(grads)]);
  };
  try {
    if (opts.profile) return await profileCase(name, opts, step, count);
    const timing = await timeSteps(name, step, opts);
    const samplesPerS = (s.B * 1000) / timing.msPerStep;
    return {
      case: name,
      backend: opts.backendName,
      B: s.B,
      T: s.T,
      params: count,
      ms_per_step: round(timing.msPerStep, 1),
      samples_per_s: round(samplesPerS, 2),
      steps: timing.steps,
      warmup: opts.warmup,
      ...anchorFields(name, samplesPerS),
      ...tensorFields(timing),
      ...versions(),
    };
  } finally {
    optimizer.dispose();
    model.dispose();
    tf.dispose([head.weight, head.bias, inputs.inputIds, inputs.tokenTypeIds, inputs.attentionMask, labels]);
  }
}
