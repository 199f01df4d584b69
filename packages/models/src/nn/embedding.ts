/**
 * Embedding: a learned table [vocab, embed]; token id t -> row t.
 * Initialised U(−0.05, 0.05) like Keras' Embedding. The gradient of the
 * lookup (a gather) is an UnsortedSegmentSum, which @course/models registers
 * on wasm, so this trains on every backend.
 */
import * as tf from '@tensorflow/tfjs';
import { InputError } from '../errors.js';
import { variableFrom } from './initializers.js';

export class Embedding {
  /** [vocab, embed] */
  readonly table: tf.Variable;

  constructor(
    readonly vocab: number,
    readonly embed: number,
    seed = 0,
  ) {
    for (const [flag, v] of [
      ['vocab', vocab],
      ['embed', embed],
    ] as const) {
      if (!Number.isInteger(v) || v < 1)
        throw new InputError(`embedding ${flag}: found ${v}, expected a positive integer`);
    }
    this.table = variableFrom(tf.randomUniform([vocab, embed], -0.05, 0.05, 'float32', seed));
  }

  /** ids [B, T] (int32, or float holding integers) -> [B, T, embed]. */
  lookup(ids: tf.Tensor): tf.Tensor3D {
    return tf.tidy(() => {
      if (ids.rank !== 2)
        throw new InputError(`embedding input: found shape [${ids.shape}], expected [batch, time]`);
      const [B, T] = ids.shape;
      const flat = tf.reshape(ids.dtype === 'int32' ? ids : tf.cast(ids, 'int32'), [B * T]);
      return tf.reshape(tf.gather(this.table, flat), [B, T, this.embed]) as tf.Tensor3D;
    });
  }

  parameterCount(): number {
    return this.vocab * this.embed;
  }
}
