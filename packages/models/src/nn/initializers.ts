/**
 * Weight initializers by their Keras names, seeded so a model is reproducible.
 *
 *   lecun_normal    N(0, 1/fan_in)                 (SELU nets)
 *   he_normal       N(0, 2/fan_in)                 (ReLU nets)
 *   glorot_uniform  U(±sqrt(6/(fan_in+fan_out)))   variance 2/(fan_in+fan_out)
 *   orthogonal      a random orthogonal matrix      (recurrent kernels)
 *
 * The "normal" ones draw from a normal truncated at ±2σ, as Keras does. tfjs'
 * own lecunNormal/heNormal truncate at ±2σ with σ = sqrt(scale/fan_in), which
 * leaves the variance at 0.774·scale/fan_in; Keras (TF ≥ 2) divides σ by
 * 0.8796 (the std of a unit normal truncated at ±2) so the variance is the
 * named one. We follow Keras.
 */
import * as tf from '@tensorflow/tfjs';

export type InitializerName = 'lecun_normal' | 'he_normal' | 'glorot_uniform' | 'orthogonal' | 'zeros';

export const INITIALIZER_NAMES: readonly InitializerName[] = [
  'lecun_normal',
  'he_normal',
  'glorot_uniform',
  'orthogonal',
  'zeros',
];

/** Standard deviation of a unit normal truncated at ±2: sqrt(1 − 4φ(2)/(Φ(2) − Φ(−2))). */
export const TRUNCATED_NORMAL_STD = 0.87962566103423978;

/**
 * A new tensor of `shape` ([fan_in, fan_out] for a dense kernel, Keras' layout)
 * drawn from the named initializer. Same seed, same values.
 */
export function initialize(name: InitializerName, shape: number[], seed: number): tf.Tensor {
  const fanIn = shape[0];
  switch (name) {
    case 'lecun_normal':
    case 'he_normal': {
      const scale = name === 'lecun_normal' ? 1 : 2;
      const stddev = Math.sqrt(scale / Math.max(1, fanIn)) / TRUNCATED_NORMAL_STD;
      return tf.initializers.truncatedNormal({ mean: 0, stddev, seed }).apply(shape);
    }
    case 'glorot_uniform':
      return tf.initializers.glorotUniform({ seed }).apply(shape);
    case 'orthogonal':
      return tf.initializers.orthogonal({ gain: 1, seed }).apply(shape);
    case 'zeros':
      return tf.zeros(shape);
  }
}

/** A trainable variable holding `initial`; the source tensor is freed (the variable keeps the data). */
export function variableFrom(initial: tf.Tensor): tf.Variable {
  const v = tf.variable(initial);
  initial.dispose();
  return v;
}
