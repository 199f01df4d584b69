/**
 * What the Elman RNN and the LSTM share: a recurrent layer runs over an
 * embedded sequence, and a sequence model is embedding -> recurrent layer ->
 * dense head, either many-to-one (the head reads the last hidden state: one
 * prediction per sequence, e.g. sentiment) or many-to-many (the head reads
 * every hidden state: one prediction per token, e.g. tagging).
 */
import * as tf from '@tensorflow/tfjs';
import { InputError } from '../errors.js';
import { type ActivationName, activate } from './activations.js';
import { Embedding } from './embedding.js';
import { initialize, variableFrom } from './initializers.js';
import type { ApplyOptions, Module } from './module.js';

export interface RecurrentLayer {
  readonly units: number;
  /**
   * x [B, T, E] -> hidden states [B, T, H], starting from zero state. Where
   * mask [B, T] is 0 (padding) the state is carried over unchanged, as Keras
   * does with mask_zero, so the last state is that of the last real token.
   */
  run(x: tf.Tensor3D, mask?: tf.Tensor2D): tf.Tensor3D;
  /** Variables by name relative to the layer ('kernel', 'forget/kernel', …). */
  namedVariables(): [string, tf.Variable][];
}

export interface SequenceModelConfig {
  /** Vocabulary size (token ids 0..vocab−1). */
  vocab: number;
  /** Embedding width E. */
  embed: number;
  /** Hidden state width H. */
  hidden: number;
  /** Head outputs K (classes, or 1 for a sigmoid score). */
  out: number;
  /** 'many-to-one' (default): [B, T] -> [B, K]; 'many-to-many': [B, T] -> [B, T, K]. */
  mode?: 'many-to-one' | 'many-to-many';
  /** Head activation (default 'linear': logits for a softmax cross-entropy). */
  outputActivation?: ActivationName;
  /** Token id 0 is padding: its steps leave the state unchanged (Keras' mask_zero). Default false. */
  maskZero?: boolean;
  /** Seed for every initializer (each tensor gets its own offset). Default 0. */
  seed?: number;
}

export function checkSequenceConfig(config: SequenceModelConfig): void {
  for (const field of ['vocab', 'embed', 'hidden', 'out'] as const) {
    const v = config[field];
    if (!Number.isInteger(v) || v < 1)
      throw new InputError(`${field}: found ${v}, expected a positive integer`);
  }
}

/** Runs `step` over time: xs [B, T, D] unstacked, state carried; returns the stacked hidden states [B, T, H]. */
export function scanTime<S extends tf.Tensor[]>(
  xs: tf.Tensor3D,
  initial: S,
  step: (x: tf.Tensor2D, state: S) => S,
  mask?: tf.Tensor2D,
): tf.Tensor3D {
  const inputs = tf.unstack(xs, 1) as tf.Tensor2D[]; // T × [B, D]
  const keep = mask
    ? (tf.unstack(tf.expandDims(tf.cast(mask, 'float32'), 2), 1) as tf.Tensor2D[])
    : undefined; // T × [B, 1]
  const hidden: tf.Tensor[] = [];
  let state = initial;
  inputs.forEach((x, t) => {
    let next = step(x, state);
    if (keep) {
      // padded step: new = keep·new + (1 − keep)·old
      const m = keep[t];
      next = next.map((n, j) => tf.add(tf.mul(m, n), tf.mul(tf.sub(1, m), state[j]))) as S;
    }
    state = next;
    hidden.push(state[0]); // h is the first state tensor
  });
  return tf.stack(hidden, 1) as tf.Tensor3D;
}

/** Embedding -> recurrent layer -> dense head; see the file comment for the two modes. */
export class SequenceModel implements Module {
  readonly name: string;
  readonly config: Readonly<SequenceModelConfig>;
  readonly embedding: Embedding;
  private readonly headKernel: tf.Variable; // [H, K]
  private readonly headBias: tf.Variable; // [K]
  /** Variable names of the recurrent layer start with this ('rnn/', 'lstm/'). */
  private readonly layerPrefix: string;

  constructor(
    kind: string,
    config: SequenceModelConfig,
    readonly layer: RecurrentLayer,
  ) {
    checkSequenceConfig(config);
    this.config = { ...config };
    this.name = `${kind} ${config.vocab}-${config.embed}-${config.hidden}-${config.out}`;
    const seed = config.seed ?? 0;
    this.embedding = new Embedding(config.vocab, config.embed, seed + 100);
    this.headKernel = variableFrom(initialize('glorot_uniform', [config.hidden, config.out], seed + 200));
    this.headBias = variableFrom(tf.zeros([config.out]));
    this.layerPrefix = kind;
  }

  /** ids [B, T] -> [B, K] (many-to-one) or [B, T, K] (many-to-many). */
  apply(ids: tf.Tensor, _opts: ApplyOptions = {}): tf.Tensor {
    return tf.tidy(() => {
      const x = this.embedding.lookup(ids); // [B, T, E]
      const [B, T] = ids.shape;
      const mask = this.config.maskZero ? (tf.notEqual(ids, 0) as tf.Tensor2D) : undefined;
      const hs = this.layer.run(x, mask); // [B, T, H]
      const H = this.config.hidden;
      const K = this.config.out;
      const act = this.config.outputActivation ?? 'linear';
      if (this.config.mode === 'many-to-many') {
        const logits = tf.add(tf.matMul(tf.reshape(hs, [B * T, H]), this.headKernel), this.headBias); // [B·T, K]
        return activate(act, tf.reshape(logits, [B, T, K]));
      }
      const last = tf.reshape(tf.slice(hs, [0, T - 1, 0], [B, 1, H]), [B, H]); // [B, H]
      return activate(act, tf.add(tf.matMul(last, this.headKernel), this.headBias)); // [B, K]
    });
  }

  namedVariables(): Map<string, tf.Variable> {
    const vars = new Map<string, tf.Variable>([['embedding/table', this.embedding.table]]);
    for (const [name, v] of this.layer.namedVariables()) vars.set(`${this.layerPrefix}/${name}`, v);
    vars.set('head/kernel', this.headKernel);
    vars.set('head/bias', this.headBias);
    return vars;
  }

  dispose(): void {
    for (const v of this.namedVariables().values()) v.dispose();
  }
}
