/**
 * Elman RNN, one equation per step:
 *
 *   h_t = tanh(x_t·W + h_{t−1}·U + b)        x_t [B, E], h [B, H]
 *
 * W [E, H] 'kernel', U [H, H] 'recurrent_kernel', b [H] 'bias': exactly the
 * weights of Keras' SimpleRNN (tf.layers.simpleRNN), in the same layout.
 * Initialised as Keras: W glorot_uniform, U orthogonal, b zero.
 */
import * as tf from '@tensorflow/tfjs';
import { initialize, variableFrom } from './initializers.js';
import {
  checkSequenceConfig,
  type RecurrentLayer,
  SequenceModel,
  type SequenceModelConfig,
  scanTime,
} from './recurrent.js';

export class ElmanRnn implements RecurrentLayer {
  readonly kernel: tf.Variable; // W [E, H]
  readonly recurrentKernel: tf.Variable; // U [H, H]
  readonly bias: tf.Variable; // b [H]

  constructor(
    inputSize: number,
    readonly units: number,
    seed = 0,
    /** tanh (Elman, Keras' default) or relu (explodes more readily: the exploding-gradient demo). */
    readonly activation: 'tanh' | 'relu' = 'tanh',
  ) {
    this.kernel = variableFrom(initialize('glorot_uniform', [inputSize, units], seed));
    this.recurrentKernel = variableFrom(initialize('orthogonal', [units, units], seed + 1));
    this.bias = variableFrom(tf.zeros([units]));
  }

  run(x: tf.Tensor3D, mask?: tf.Tensor2D): tf.Tensor3D {
    return tf.tidy(() => {
      const [B, T, E] = x.shape;
      const H = this.units;
      // x·W + b for every step at once: one [B·T, E]·[E, H] product instead of T small ones
      const xw = tf.reshape(tf.add(tf.matMul(tf.reshape(x, [B * T, E]), this.kernel), this.bias), [B, T, H]);
      const h0 = tf.zeros([B, H]) as tf.Tensor2D;
      return scanTime(
        xw as tf.Tensor3D,
        [h0],
        (xwT, [h]) => {
          const z = tf.add(xwT, tf.matMul(h, this.recurrentKernel)); // x_t·W + b + h_{t−1}·U
          return [(this.activation === 'relu' ? tf.relu(z) : tf.tanh(z)) as tf.Tensor2D]; // h_t
        },
        mask,
      );
    });
  }

  namedVariables(): [string, tf.Variable][] {
    return [
      ['kernel', this.kernel],
      ['recurrent_kernel', this.recurrentKernel],
      ['bias', this.bias],
    ];
  }
}

export interface RnnConfig extends SequenceModelConfig {
  /** Default 'tanh'. */
  activation?: 'tanh' | 'relu';
}

/** Embedding -> Elman RNN -> dense head. Variables: embedding/table, rnn/kernel, rnn/recurrent_kernel, rnn/bias, head/kernel, head/bias. */
export function createRnn(config: RnnConfig): SequenceModel {
  checkSequenceConfig(config);
  const layer = new ElmanRnn(config.embed, config.hidden, config.seed ?? 0, config.activation ?? 'tanh');
  return new SequenceModel('rnn', config, layer);
}

/** V·E (embedding) + E·H + H·H + H (recurrence) + H·K + K (head). */
export function rnnParameterCount(c: { vocab: number; embed: number; hidden: number; out: number }): number {
  checkSequenceConfig(c);
  const { vocab: V, embed: E, hidden: H, out: K } = c;
  return V * E + (E * H + H * H + H) + (H * K + K);
}
